"""The ``secpipe`` command line.

Each subcommand is a small function; ``main`` maps errors to exit codes in one place:
0 passed, 1 policy violated, 2 invalid input, 3 a gate could not run (or a bug), 130 Ctrl-C.
Heavy modules are imported inside the subcommands so ``secpipe --version`` starts fast.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from secpipe import _timings
from secpipe._errors import ExitCode, InvalidInputError, SecpipeError
from secpipe._version import __version__

if TYPE_CHECKING:
    # Only for annotations: the runner pulls in every gate, which `--version` must not load.
    from secpipe._replay import Recorder
    from secpipe._runner import RunRequest

logger = logging.getLogger("secpipe")


class _Parser(argparse.ArgumentParser):
    """argparse with exit code 2 and one-line errors (its default already uses 2)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Print one line and exit 2."""
        self.exit(int(ExitCode.INVALID_INPUT), f"secpipe: error: {message}\n")


def _verbosity(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="more output: -v debug logs and tracebacks, -vv raw tool output",
    )
    group.add_argument(
        "-q", "--quiet", action="store_true", help="only errors, policy violations and the verdict"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = _Parser(prog="secpipe", description="Security gates as code.")
    parser.add_argument("--version", action="version", version=f"secpipe {__version__}")
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser] = parser.add_subparsers(
        dest="command", metavar="COMMAND", parser_class=_Parser
    )

    run = subparsers.add_parser("run", help="run the pipeline's gates on a folder")
    _add_selection_options(run)
    run.add_argument(
        "--output-dir",
        type=Path,
        default=Path(".secpipe"),
        metavar="DIR",
        help="where reports go (default: .secpipe); findings.json is always written",
    )
    run.add_argument(
        "--format",
        default="",
        metavar="FORMATS",
        help="extra report formats, comma-separated: sarif, markdown, gitlab, codeclimate, junit,"
        " html, annotations",
    )
    run.add_argument(
        "--no-cache",
        action="store_true",
        help="run every scanner afresh: reuse no cached result and replay no earlier run",
    )
    run.add_argument(
        "--changed-since",
        metavar="REF",
        help="scan only files changed since git REF (plus uncommitted ones) in file-level gates",
    )
    _add_policy_options(run)
    run.set_defaults(handler=_cmd_run)
    _add_policy_commands(subparsers)

    validate = subparsers.add_parser("validate", help="check a pipeline file")
    validate.add_argument("pipeline", nargs="?", type=Path, default=Path("secpipe.yml"))
    validate.set_defaults(handler=_cmd_validate)

    init = subparsers.add_parser("init", help="write a commented starter secpipe.yml")
    init.add_argument("path", nargs="?", type=Path, default=Path("."))
    init.add_argument("--force", action="store_true", help="overwrite an existing secpipe.yml")
    init.set_defaults(handler=_cmd_init)

    gates = subparsers.add_parser("gates", help="list the gates, their tools and versions")
    gates.set_defaults(handler=_cmd_gates)

    schema = subparsers.add_parser("schema", help="print a JSON Schema")
    schema.add_argument("which", choices=["pipeline", "findings"])
    schema.set_defaults(handler=_cmd_schema)

    from secpipe._advisories_cli import add_advisories_parser
    from secpipe._tools_cli import add_tools_parser

    add_tools_parser(subparsers)
    add_advisories_parser(subparsers)

    for sub in subparsers.choices.values():
        _add_verbosity_everywhere(sub)
    return parser


def _add_verbosity_everywhere(parser: argparse.ArgumentParser) -> None:
    if not any("--verbose" in action.option_strings for action in parser._actions):
        _verbosity(parser)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _add_verbosity_everywhere(sub)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``secpipe`` console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return int(ExitCode.INVALID_INPUT)
    verbose = getattr(args, "verbose", 0)
    _setup_logging(verbose, getattr(args, "quiet", False))

    try:
        return int(args.handler(args))
    except SecpipeError as error:
        if verbose:
            logger.exception("details")
        print(f"secpipe: error: {error}", file=sys.stderr)
        return int(error.exit_code)
    except KeyboardInterrupt:
        print("secpipe: interrupted", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except Exception as error:
        if verbose:
            raise
        print(
            f"secpipe: internal error: {type(error).__name__}: {error} "
            "(run with -v for the traceback)",
            file=sys.stderr,
        )
        return int(ExitCode.GATE_ERROR)


def _setup_logging(verbose: int, quiet: bool) -> None:
    # Only the package logger's level is set, so third-party libraries stay quiet.
    from secpipe._redact import ScrubbingFilter

    for old in list(logger.handlers):
        logger.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(ScrubbingFilter())
    handler.setFormatter(logging.Formatter("secpipe: %(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False
    logger.setLevel(logging.WARNING if quiet else logging.DEBUG if verbose else logging.INFO)


def _cmd_run(args: argparse.Namespace) -> int:
    from secpipe import _replay
    from secpipe._locations import result_cache_folder

    # Validate the cheap options first: a replay must not hide a mistake in them.
    formats = [item.strip() for item in args.format.split(",") if item.strip()]
    _check_folder_and_jobs(args)

    # An unchanged tree and request: give back the recorded result without importing the rest.
    # The tree is looked at once, before anything is read: for the replay, and on a miss for
    # the run (its file list) and its record.
    cache = None if args.no_cache else result_cache_folder()
    replayable = _replay.request_for(args, formats, cache) if cache is not None else None
    recorder = None
    if replayable is not None:
        with _timings.phase("replay"):
            recorder = _replay.Recorder(replayable)
            code = _replay.replay(replayable, recorder.start(), quiet=args.quiet)
        if code is not None:
            _timings.write_if_requested()
            return code
    return _scan(args, formats, cache, recorder)


def _scan(
    args: argparse.Namespace,
    formats: list[str],
    cache: Path | None,
    recorder: Recorder | None,
) -> int:
    """Run the gates, write the reports, and record the run for replay where that is exact."""
    from secpipe import _runner
    from secpipe._console import TerminalProgress, summary
    from secpipe._locations import cache_root
    from secpipe._pipeline import DEFAULT_PIPELINE_NAME
    from secpipe._redact import scrub_known
    from secpipe._waivers import DEFAULT_WAIVERS_NAME
    from secpipe.reports import write_reports

    # Validate everything the user typed before any scanner starts. A run that may be recorded
    # scans the files its recorder listed, and has the cache note the outside files its keys
    # are made from.
    request = _run_request(
        args,
        baseline=args.baseline,
        waivers=args.waivers,
        result_cache=cache,
        changed_since=args.changed_since,
        outside_inputs=recorder.outside if recorder is not None else None,
        files=recorder.tree.files if recorder is not None and recorder.tree else None,
    )
    if recorder is not None:
        # The policy's files, the defaults looked for, and where scanners are looked up.
        root = Path(args.path).absolute()
        policy_files = [args.baseline, args.waivers, root / DEFAULT_WAIVERS_NAME]
        if not request.pipeline.source.startswith("builtin:"):
            policy_files.append(Path(request.pipeline.source).absolute())
        recorder.add_inputs("file", [root / DEFAULT_PIPELINE_NAME, *filter(None, policy_files)])
        recorder.add_inputs("file", [cache_root() / "envs", *_search_folders()])

    # Run the gates with progress on stderr, then write every report.
    with TerminalProgress(quiet=args.quiet) as progress:
        report = _runner.run(request, progress)
    written = write_reports(report, args.output_dir, formats)
    _timings.write_if_requested()
    names = [str(path) for path in written]
    full, quiet = (scrub_known(summary(report, names, quiet=flag)) for flag in (False, True))
    print(quiet if args.quiet else full)

    if recorder is not None:
        recorder.finish(
            tool_runs=[(run.name, run.status.value) for gate in report.gates for run in gate.tools],
            exit_code=report.exit_code,
            started_at=report.started_at.isoformat(),
            outputs=written,
            summaries={"full": full, "quiet": quiet},
        )
    return report.exit_code


def _search_folders() -> list[Path]:
    # Folders a scanner or secpipe's own packages are found in: a new install changes them.
    folders = [Path(item) for item in os.environ.get("PATH", "").split(os.pathsep) if item]
    return [*folders, *(Path(item) for item in sys.path if item)]


def _run_request(args: argparse.Namespace, **extra: Any) -> RunRequest:
    """The run that the shared selection options describe, validated before any tool starts."""
    from secpipe import _runner
    from secpipe._pipeline import find_pipeline

    root = Path(args.path)
    _check_folder_and_jobs(args)
    loaded = find_pipeline(root, args.pipeline)
    logger.info("pipeline: %s", loaded.source)
    return _runner.RunRequest(
        root=root,
        pipeline=loaded,
        stages=args.stage,
        gates=args.gate,
        jobs=args.jobs,
        install_tools=args.install_tools,
        **extra,
    )


def _check_folder_and_jobs(args: argparse.Namespace) -> None:
    # The checks that need nothing but the command line.
    if not Path(args.path).is_dir():
        raise InvalidInputError(f"{args.path}: not a folder (or it does not exist)")
    if args.jobs is not None and args.jobs < 1:
        raise InvalidInputError("--jobs: must be at least 1")


def _add_selection_options(parser: argparse.ArgumentParser) -> None:
    # The same pipeline and selection options for every command that runs gates.
    parser.add_argument("path", nargs="?", default=".", help="folder to scan (default: .)")
    parser.add_argument(
        "--pipeline",
        type=Path,
        metavar="FILE",
        help="pipeline file (default: PATH/secpipe.yml, else the built-in default;"
        " builtin:NAME picks a shipped one)",
    )
    parser.add_argument(
        "--stage",
        action="append",
        default=[],
        metavar="STAGE",
        help="run only this stage (repeatable)",
    )
    parser.add_argument(
        "--gate",
        action="append",
        default=[],
        metavar="GATE",
        help="run only this gate (repeatable)",
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=None,
        metavar="N",
        help="scanner processes at a time (default: number of CPUs)",
    )
    parser.add_argument(
        "--install-tools",
        action="store_true",
        help="install missing scanners into secpipe's managed environments first",
    )


def _add_policy_options(parser: argparse.ArgumentParser) -> None:
    # Baseline and waivers: what judging needs besides the findings.
    parser.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="mark findings in this baseline (or earlier findings.json) as 'baseline', not new",
    )
    parser.add_argument(
        "--waivers",
        type=Path,
        metavar="FILE",
        help="waivers file (default: PATH/secpipe-waivers.yml when it exists)",
    )


def _add_policy_commands(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """The `baseline` and `merge` subcommands."""
    baseline = subparsers.add_parser(
        "baseline", help="run the pipeline and record its findings as the baseline"
    )
    _add_selection_options(baseline)
    baseline.add_argument(
        "--output",
        type=Path,
        metavar="FILE",
        help="baseline file to write (default: PATH/.secpipe/baseline.json)",
    )
    baseline.set_defaults(handler=_cmd_baseline)

    merge = subparsers.add_parser(
        "merge", help="judge the findings.json files of parallel jobs as one run"
    )
    merge.add_argument(
        "shards", nargs="+", type=Path, metavar="FINDINGS_JSON", help="findings.json of each job"
    )
    merge.add_argument(
        "--pipeline",
        type=Path,
        metavar="FILE",
        help="pipeline file whose policy applies (default: the one the shards name)",
    )
    merge.add_argument(
        "--root",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="the checked-out project, for its default waivers file (default: .)",
    )
    merge.add_argument(
        "--output-dir", type=Path, default=Path(".secpipe"), metavar="DIR", help="where reports go"
    )
    merge.add_argument(
        "--format", default="", metavar="FORMATS", help="extra report formats, comma-separated"
    )
    _add_policy_options(merge)
    merge.set_defaults(handler=_cmd_merge)


def _cmd_baseline(args: argparse.Namespace) -> int:
    from secpipe import _baseline, _runner
    from secpipe._console import TerminalProgress
    from secpipe._findings import GateStatus

    # Validate the folder and the selection, as `secpipe run` does.
    request = _run_request(args)
    with TerminalProgress(quiet=args.quiet) as progress:
        report = _runner.run(request, progress)

    # A baseline from a run with a broken gate would hide that gate's findings later: refuse.
    broken = [gate for gate in report.gates if gate.status is GateStatus.ERROR]
    if broken:
        names = ", ".join(f"{gate.name} ({gate.stage})" for gate in broken)
        print(f"secpipe: baseline not written: {names} could not run", file=sys.stderr)
        return int(ExitCode.GATE_ERROR)
    target = args.output or request.root / _baseline.DEFAULT_BASELINE
    _baseline.write(report.findings, target)
    print(f"secpipe: wrote {len(report.findings)} fingerprints to {target}")
    return int(ExitCode.PASSED)


def _cmd_merge(args: argparse.Namespace) -> int:
    from secpipe import _merge, _runner
    from secpipe._console import summary
    from secpipe._pipeline import find_pipeline, load_builtin, load_pipeline
    from secpipe._redact import scrub_known
    from secpipe.reports import write_reports

    # Validate every input before anything is written.
    formats = [item.strip() for item in args.format.split(",") if item.strip()]
    shards = _merge.read_shards(args.shards)
    source = shards[0].report.pipeline
    if args.pipeline is not None:
        loaded = find_pipeline(args.root, args.pipeline)
    elif source.startswith("builtin:"):
        loaded = load_builtin(source.removeprefix("builtin:"))
    elif Path(source).is_file():
        loaded = load_pipeline(Path(source))
    else:
        raise InvalidInputError(
            f"{args.shards[0]}: its pipeline {source} is not here; pass it with --pipeline"
        )
    inputs = _runner.load_policy_inputs(args.root, loaded, args.baseline, args.waivers)

    # Judge the union once and write the same reports one run would.
    report = _merge.merge(shards, loaded, inputs)
    written = write_reports(report, args.output_dir, formats)
    print(scrub_known(summary(report, [str(path) for path in written], quiet=args.quiet)))
    return report.exit_code


def _cmd_validate(args: argparse.Namespace) -> int:
    from secpipe._pipeline import load_pipeline

    loaded = load_pipeline(args.pipeline)
    pipeline = loaded.pipeline
    gate_count = len({gate for stage in pipeline.stages.values() for gate in stage.gates})
    print(
        f"{args.pipeline}: valid (version {pipeline.version}, {len(pipeline.stages)} stages: "
        f"{', '.join(pipeline.stages)}; {gate_count} gates)"
    )
    return int(ExitCode.PASSED)


def _cmd_init(args: argparse.Namespace) -> int:
    from secpipe._starter import starter_pipeline

    if not args.path.is_dir():
        raise InvalidInputError(f"{args.path}: not a folder (or it does not exist)")
    target = args.path / "secpipe.yml"
    if target.exists() and not args.force:
        raise InvalidInputError(f"{target}: already exists (use --force to overwrite)")
    try:
        target.write_text(starter_pipeline(), encoding="utf-8")
    except OSError as error:
        raise InvalidInputError(f"{target}: cannot write: {error.strerror}") from None
    print(f"wrote {target}; check it with `secpipe validate {target}`")
    return int(ExitCode.PASSED)


def _cmd_gates(args: argparse.Namespace) -> int:
    from secpipe._errors import ToolError
    from secpipe.gates import GATES
    from secpipe.tools import _envs

    rows = [("gate", "tool", "status", "version", "where")]
    for gate in GATES.values():
        for tool in gate.tools:
            try:
                resolved = _envs.resolve(tool)
            except ToolError:
                rows.append(
                    (gate.name, tool, "missing", "-", f"run `secpipe tools install {tool}`")
                )
                continue
            rows.append(
                (
                    gate.name,
                    tool,
                    f"installed ({resolved.source})",
                    resolved.version or "?",
                    str(resolved.executable),
                )
            )
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    for row in rows:
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
            + "  "
            + row[4]
        )
    for gate in GATES.values():
        print(f"\n{gate.name}: {gate.description}")
    return int(ExitCode.PASSED)


def _cmd_schema(args: argparse.Namespace) -> int:
    from secpipe._pipeline import pipeline_json_schema
    from secpipe._schemas import findings_json_schema

    schema = pipeline_json_schema() if args.which == "pipeline" else findings_json_schema()
    print(json.dumps(schema, indent=2))
    return int(ExitCode.PASSED)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
