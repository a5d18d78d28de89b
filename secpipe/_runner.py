"""The runner: picks the stages and gates of a run, runs the gates side by side, and judges.

A gate listed in several selected stages runs once; its result is reported (and judged) under
each of those stages. Gates run concurrently, and a shared limit keeps the number of scanner
processes at ``jobs`` at a time.

Judging (severity overrides, baseline, waivers, then the policy) is one function, ``judge``,
shared with ``secpipe merge`` so that merged shards are judged exactly as one whole run.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from secpipe import _baseline, _cache, _changes, _paths, _process, _waivers
from secpipe._bulk import collector_paused
from secpipe._errors import ExitCode, InvalidInputError
from secpipe._findings import ContractScore, Finding, GateRun, GateStatus, Report, ToolRun
from secpipe._pipeline import KNOWN_GATES, LoadedPipeline
from secpipe._policy import GateResult, decide, override_severities
from secpipe._progress import ProgressSink, SilentProgress
from secpipe._scales import SEVERITY_RANK
from secpipe._shared import SharedRuns
from secpipe._slots import Slots
from secpipe._timings import timed
from secpipe._version import __version__
from secpipe.gates import GATES, GateContext, GateOutcome, ToolGate, gate_files

logger = logging.getLogger(__name__)

#: How many changed files a change-only run names before "and N more".
_SHOWN_CHANGED = 10


@dataclass(frozen=True)
class RunRequest:
    """What the user asked for: where, with which pipeline, and which stages and gates."""

    root: Path
    pipeline: LoadedPipeline
    stages: Sequence[str] = ()
    gates: Sequence[str] = ()
    jobs: int | None = None
    install_tools: bool = False
    baseline: Path | None = None
    waivers: Path | None = None
    today: date | None = None
    #: Folder of the result cache of pure tools; None runs every tool afresh.
    result_cache: Path | None = None
    #: Git revision: file-level gates then see only the files changed since it.
    changed_since: str | None = None
    #: Filled, when given, with the outside files the result cache's keys were made from.
    outside_inputs: dict[str, str] | None = None
    #: The tree's files (``_paths.list_files``) when the caller has just listed them.
    files: Sequence[str] | None = None


@dataclass(frozen=True)
class PolicyInputs:
    """What judging needs besides the findings: the baseline, the waivers and the date."""

    baseline: _baseline.Baseline | None
    waivers: tuple[_waivers.LoadedWaiver, ...]
    today: date


@dataclass(frozen=True)
class GateRecord:
    """What one gate produced, as judging needs it: its tool runs and its findings."""

    tool_runs: tuple[ToolRun, ...]
    findings: tuple[Finding, ...]
    contracts: tuple[ContractScore, ...] = ()


def load_policy_inputs(
    root: Path,
    loaded: LoadedPipeline,
    baseline: Path | None,
    waivers: Path | None,
    today: date | None = None,
) -> PolicyInputs:
    """Read the baseline and the waivers; bad files are InvalidInputError before any tool runs."""
    today = today or datetime.now(UTC).date()
    return PolicyInputs(
        baseline=_baseline.read(baseline) if baseline is not None else None,
        waivers=_waivers.load_all(root, loaded, waivers, today=today),
        today=today,
    )


def plan(request: RunRequest) -> list[tuple[str, list[str]]]:
    """The (stage, gates) pairs to run, in pipeline order; bad selections are InvalidInputError."""
    pipeline = request.pipeline.pipeline
    for stage in request.stages:
        if stage not in pipeline.stages:
            raise InvalidInputError(
                f"--stage {stage}: no such stage in {request.pipeline.source} "
                f"(stages: {', '.join(pipeline.stages)})"
            )
    for gate in request.gates:
        if gate not in KNOWN_GATES:
            raise InvalidInputError(
                f"--gate {gate}: unknown gate (known: {', '.join(KNOWN_GATES)})"
            )

    chosen_stages = [
        name for name in pipeline.stages if not request.stages or name in request.stages
    ]
    selected = [
        (
            stage,
            [
                gate
                for gate in pipeline.stages[stage].gates
                if not request.gates or gate in request.gates
            ],
        )
        for stage in chosen_stages
    ]
    selected = [(stage, gates) for stage, gates in selected if gates]
    missing = set(request.gates) - {gate for _, gates in selected for gate in gates}
    if missing:
        raise InvalidInputError(
            f"--gate {', '.join(sorted(missing))}: not in the selected stages of "
            f"{request.pipeline.source}"
        )
    return selected


def run(request: RunRequest, progress: ProgressSink | None = None) -> Report:
    """Run the selected gates and return the judged report (writing no files)."""
    started_at = datetime.now(UTC)
    started = time.monotonic()
    progress = progress or SilentProgress()

    # Validate the target and the selection before any tool starts.
    root = request.root.resolve()
    if not root.is_dir():
        raise InvalidInputError(f"{request.root}: not a folder (or it does not exist)")
    selected = plan(request)
    inputs = load_policy_inputs(
        root, request.pipeline, request.baseline, request.waivers, request.today
    )
    unique_gates = list(dict.fromkeys(gate for _, gates in selected for gate in gates))
    first_stage = {gate: next(s for s, gates in selected if gate in gates) for gate in unique_gates}

    # List the tree once; every gate filters the same list with its own globs.
    all_files = tuple(request.files if request.files is not None else _paths.list_files(root))
    logger.info("scanning %d files under %s", len(all_files), root)
    changed, scope_warnings = _changed_scope(request, root, all_files, unique_gates)

    jobs = request.jobs or os.cpu_count() or 1
    outcomes = _run_gates(
        request, root, all_files, unique_gates, first_stage, jobs, progress, changed
    )
    return judge(
        request.pipeline,
        str(root),
        selected,
        {
            name: GateRecord(
                tuple(outcome.tool_runs), tuple(outcome.findings), tuple(outcome.contracts)
            )
            for name, outcome in outcomes.items()
        },
        [
            *scope_warnings,
            *(warning for outcome in outcomes.values() for warning in outcome.warnings),
        ],
        inputs,
        started_at=started_at,
        duration_s=time.monotonic() - started,
    )


def _run_gates(
    request: RunRequest,
    root: Path,
    all_files: tuple[str, ...],
    gates: list[str],
    first_stage: dict[str, str],
    jobs: int,
    progress: ProgressSink,
    changed: frozenset[str] | None = None,
) -> dict[str, GateOutcome]:
    limiter = Slots(jobs)
    cache = (
        _cache.ResultCache(request.result_cache, request.outside_inputs)
        if request.result_cache
        else None
    )
    pipeline = request.pipeline.pipeline
    shared = _shared_runs(request, gates)
    pool = ThreadPoolExecutor(max_workers=max(1, len(gates)), thread_name_prefix="gate")
    futures: dict[str, Future[GateOutcome]] = {}
    try:
        # Gates with a slow-to-start tool first: that tool decides when the run can end.
        for name in sorted(gates, key=lambda gate: not shared.users(gate)):
            settings = pipeline.gates.settings(name)
            files = gate_files(all_files, settings)
            if changed is not None and _file_level(GATES[name]):
                files = tuple(path for path in files if path in changed)
            context = GateContext(
                root=root,
                stage=first_stage[name],
                settings=settings,
                files=files,
                progress=progress,
                limiter=limiter,
                install_tools=request.install_tools,
                cache=cache,
                shared=shared,
            )
            futures[name] = pool.submit(_run_gate, name, context, shared)
        return {name: futures[name].result() for name in gates}
    except KeyboardInterrupt:
        # Ctrl-C: stop waiting, kill every scanner's process group, and let the CLI exit 130.
        pool.shutdown(wait=False, cancel_futures=True)
        _process.kill_all()
        raise
    finally:
        pool.shutdown(wait=True)


def _run_gate(name: str, context: GateContext, shared: SharedRuns) -> GateOutcome:
    # However the gate ends, nobody may wait for it in a shared run any longer.
    try:
        return GATES[name].run(context)
    finally:
        shared.withdraw(name)


def _shared_runs(request: RunRequest, gates: Sequence[str]) -> SharedRuns:
    """The tools several of the run's gates use, to be run once for all of them."""
    users: dict[str, list[str]] = {}
    for name in gates:
        settings = request.pipeline.pipeline.gates.settings(name)
        for tool in GATES[name].selected_tools(settings):
            users.setdefault(tool, []).append(name)
    return SharedRuns(users)


def _file_level(gate: ToolGate) -> bool:
    # A gate that keeps ToolGate's run only hands files to per-file tools; a gate with its own
    # run (dependencies, contract) may relate files to each other, so it sees the whole tree.
    return type(gate).run is ToolGate.run


def _changed_scope(
    request: RunRequest, root: Path, all_files: tuple[str, ...], gates: Sequence[str]
) -> tuple[frozenset[str] | None, list[str]]:
    """The changed files (None for a full run) and the warnings that say what was left out."""
    if request.changed_since is None:
        return None, []
    ref = request.changed_since
    changed = _changes.changed_files(root, ref) & frozenset(all_files)

    # Say which files were looked at again, and that the rest were not looked at (not clean).
    shown = sorted(changed)[:_SHOWN_CHANGED]
    more = f" and {len(changed) - len(shown)} more" if len(changed) > len(shown) else ""
    file_level = [gate for gate in gates if _file_level(GATES[gate])]
    whole_tree = [gate for gate in gates if not _file_level(GATES[gate])]
    warnings = [
        f"changed since {ref}: re-examined {len(changed)} changed file(s)"
        f"{': ' + ', '.join(shown) + more if shown else ''}"
        f" in {', '.join(file_level) or 'no file-level gate'}",
        f"changed since {ref}: {len(all_files) - len(changed)} unchanged file(s) were not "
        f"re-examined by {', '.join(file_level) or 'any gate'}; their findings there are not in "
        "this report (not re-examined, not gone)",
    ]
    if whole_tree:
        warnings.append(
            f"changed since {ref}: {', '.join(whole_tree)} ran on the whole tree "
            "(they relate files to each other)"
        )
    logger.info("%s", warnings[0])
    return changed, warnings


# Judging copies and sorts every finding; the cycle collector would only slow that down.
@timed("judge")
@collector_paused()
def judge(
    loaded: LoadedPipeline,
    root: str,
    selected: Sequence[tuple[str, Sequence[str]]],
    gates: dict[str, GateRecord],
    gate_warnings: Sequence[str],
    inputs: PolicyInputs,
    *,
    started_at: datetime,
    duration_s: float,
) -> Report:
    """Apply severity overrides, the baseline and the waivers, then the policy: the report."""
    policy = loaded.pipeline.policy

    # Each finding once (fingerprints include the gate), re-derived from scratch: overrides
    # first so the baseline and waivers see the severity the policy judges.
    unique: dict[str, Finding] = {}
    for record in gates.values():
        unique.update((finding.fingerprint, finding) for finding in record.findings)
    prepared = _baseline.mark(override_severities(policy, list(unique.values())), inputs.baseline)
    waived = _waivers.apply(prepared, inputs.waivers, today=inputs.today)
    final = {finding.fingerprint: finding for finding in waived.findings}
    # Sorted once; each gate's findings are then ordered by their place in that one list.
    ordered = sorted(final.values(), key=_severity_order)
    place = {finding.fingerprint: index for index, finding in enumerate(ordered)}

    # One result per (stage, gate), in pipeline order, with its findings in report order.
    results = [
        GateResult(
            stage=stage,
            gate=gate,
            errors=tuple(
                f"{run.name}: {run.error}"
                for run in gates[gate].tool_runs
                if run.status is GateStatus.ERROR
            ),
            findings=tuple(
                ordered[index]
                for index in sorted(place[finding.fingerprint] for finding in gates[gate].findings)
            ),
            scores=gates[gate].contracts,
        )
        for stage, stage_gates in selected
        for gate in stage_gates
    ]
    decision = decide(policy, results)

    # An expired waiver is a violation of its own; a gate error still wins the exit code.
    violations = [*decision.violations, *waived.violations]
    exit_code = decision.exit_code
    if waived.violations and exit_code is ExitCode.PASSED:
        exit_code = ExitCode.POLICY_VIOLATED

    gate_runs = [
        GateRun(
            name=result.gate,
            stage=result.stage,
            status=_gate_status(
                decision.gate_status[(result.stage, result.gate)], gates[result.gate].tool_runs
            ),
            findings=len(result.findings),
            tools=gates[result.gate].tool_runs,
        )
        for result in results
    ]
    return Report(
        secpipe_version=__version__,
        started_at=started_at,
        duration_s=round(duration_s, 3),
        root=root,
        pipeline=loaded.source,
        stages=tuple(stage for stage, _ in selected),
        passed=exit_code is ExitCode.PASSED,
        exit_code=int(exit_code),
        gates=tuple(gate_runs),
        findings=tuple(ordered),
        violations=tuple(violations),
        warnings=tuple([*gate_warnings, *decision.warnings, *waived.warnings]),
        contracts=tuple(score for record in gates.values() for score in record.contracts),
    )


def _severity_order(finding: Finding) -> tuple[int, str, int, str, str]:
    # The fingerprint last makes the order total, so a merge orders exactly like one run.
    return (
        -SEVERITY_RANK[finding.severity],
        finding.path,
        finding.start_line,
        finding.rule_id,
        finding.fingerprint,
    )


def _gate_status(judged: GateStatus, tool_runs: Sequence[ToolRun]) -> GateStatus:
    # A gate that found nothing to scan (every tool skipped) says so instead of "passed".
    if (
        judged is GateStatus.PASSED
        and tool_runs
        and all(run.status is GateStatus.SKIPPED for run in tool_runs)
    ):
        return GateStatus.SKIPPED
    return judged
