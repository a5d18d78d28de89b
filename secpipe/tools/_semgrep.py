"""semgrep: multi-language static analysis with the rule set secpipe ships.

Quirks handled here:
- without ``--disable-version-check`` semgrep waits about 97 s on an unreachable network before
  every run, and it writes settings under ``$HOME/.semgrep``: it runs with a private HOME;
- it exits 0 with or without findings, 2 for a bad target and 7 for a bad rule file;
- it prefixes each rule id with the dotted path of the rules file (``tmp.rules.my-rule``); the
  ids are mapped back to the ids written in the rule files;
- without a login ``extra.lines`` and ``extra.fingerprint`` hold the literal text
  "requires login", so neither is used;
- when scanning a folder it silently skips ``tests/``, ``vendor/`` and minified files; secpipe
  passes explicit files instead, chosen by the gate's include/exclude;
- the ``semgrep`` command starts a compiled front end that hands most scans to a Python command
  line, whose start alone takes about two seconds before any file is read. ``--experimental``
  keeps the whole scan in the compiled program, with the same engine, rules and JSON, in a fifth
  of the time; it ignores ``--output`` and prints the report on standard output, paths as given
  (``./src/app.py``). The pipeline's ``engine: python`` goes back to the Python command line.

Severity table: ERROR → high, WARNING → medium, INFO → low; the newer CRITICAL, HIGH, MEDIUM and
LOW levels map to their namesakes. Rules may set ``metadata.confidence`` (HIGH/MEDIUM/LOW).
"""

from __future__ import annotations

import importlib.resources
import logging
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from secpipe import _process
from secpipe._errors import InvalidInputError, ToolError
from secpipe._findings import Confidence, Severity
from secpipe._normalize import RawFinding
from secpipe._paths import batches
from secpipe._pipeline import SemgrepOptions
from secpipe.tools._interface import (
    ToolAdapter,
    ToolContext,
    ToolOutput,
    parse_json_report,
    read_json_report,
)

logger = logging.getLogger(__name__)

_SEVERITY = {
    "CRITICAL": Severity.CRITICAL,
    "ERROR": Severity.HIGH,
    "HIGH": Severity.HIGH,
    "WARNING": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "INFO": Severity.LOW,
    "LOW": Severity.LOW,
    "INVENTORY": Severity.INFO,
    "EXPERIMENT": Severity.INFO,
}

_CONFIDENCE = {"HIGH": Confidence.HIGH, "MEDIUM": Confidence.MEDIUM, "LOW": Confidence.LOW}

#: Exit codes after which the JSON report is complete: 0 (findings or not), 1 (findings with
#: --error, which secpipe does not pass but a user's extra args might).
_SUCCESS_CODES = frozenset({0, 1})

_EXIT_MEANING = {2: "fatal error, often a bad target", 7: "a rule file is invalid"}

_CWE = re.compile(r"CWE-(\d+)", re.IGNORECASE)

#: libyaml's safe loader where PyYAML has it: the rule files are read on every run.
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: The source suffixes the shipped rules cover (semgrep ignores what no rule applies to).
SOURCE_SUFFIXES = frozenset(
    {".py", ".pyw", ".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".java", ".go"}
)


class _Position(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    line: int


class _Extra(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    message: str = ""
    severity: str = "WARNING"
    metadata: dict[str, Any] = Field(default_factory=dict)


class _Result(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    check_id: str
    path: str
    start: _Position
    end: _Position
    extra: _Extra


class _Error(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    level: str = "error"
    type: Any = None
    message: str = ""
    path: str | None = None


class _Report(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    version: str | None = None
    results: list[_Result]
    errors: list[_Error] = Field(default_factory=list)


def builtin_rules_dir() -> Path:
    """The folder of rule files shipped inside the package."""
    return Path(str(importlib.resources.files("secpipe") / "rules" / "semgrep"))


class SemgrepAdapter(ToolAdapter):
    """Runs semgrep with the shipped rules (and any the pipeline adds)."""

    name = "semgrep"
    extensions = SOURCE_SUFFIXES

    def run(self, context: ToolContext) -> ToolOutput:
        """Run semgrep in batches of files and read every report."""
        options = context.options
        rules = options.rules if isinstance(options, SemgrepOptions) else ["builtin"]
        configs = [self._config_path(rule, context.root) for rule in rules]
        known_ids = _rule_ids(tuple(configs))

        output = ToolOutput()
        for number, files in enumerate(batches(context.files)):
            report = self._run_batch(context, configs, files, number)
            output.version = report.version or output.version
            output.findings.extend(self._finding(result, known_ids) for result in report.results)
            output.skipped_files.extend(_skipped(report.errors))
        return output

    def _config_path(self, rule: str, root: Path) -> Path:
        if rule == "builtin":
            return builtin_rules_dir()
        path = Path(rule) if Path(rule).is_absolute() else root / rule
        if not path.exists():
            raise InvalidInputError(
                f"gates.sast.semgrep.rules: {rule!r} does not exist (relative to {root})"
            )
        return path

    def _run_batch(
        self, context: ToolContext, configs: list[Path], files: list[str], number: int
    ) -> _Report:
        # Build the command: offline, no metrics, JSON out, explicit targets only.
        report_path = context.workdir / f"semgrep-{number}.json"
        home = context.workdir / "home"
        home.mkdir(exist_ok=True)
        native = getattr(context.options, "engine", "native") == "native"
        argv = [str(context.executable), "scan", *(["--experimental"] if native else [])]
        argv += ["--json", "--quiet", "--metrics=off", "--disable-version-check", "--no-git-ignore"]
        if not native:
            argv += ["--output", str(report_path)]
        for config in configs:
            argv += ["--config", str(config)]
        argv += [*context.options.args, *(f"./{path}" for path in files)]
        env = {
            **context.env,
            "HOME": str(home),
            "SEMGREP_ENABLE_VERSION_CHECK": "0",
            "SEMGREP_SEND_METRICS": "off",
        }

        # Run it; exit codes other than 0/1 mean the report cannot be trusted.
        try:
            completed = _process.run(argv, timeout_s=context.timeout_s, cwd=context.root, env=env)
        except _process.ProcessFailure as failure:
            raise ToolError(f"semgrep {failure.reason}") from None
        logger.debug("semgrep stderr:\n%s", completed.stderr)
        note = f"exit {completed.returncode}"

        # The compiled front end prints its report; the Python one writes the --output file.
        def read() -> Any:
            if native:
                return parse_json_report(completed.stdout, "semgrep", exit_note=note)
            return read_json_report(report_path, "semgrep", exit_note=note)

        if completed.returncode not in _SUCCESS_CODES:
            meaning = _EXIT_MEANING.get(completed.returncode, "unexpected exit code")
            detail = _fatal_message(read) or completed.describe()
            raise ToolError(f"semgrep exited {completed.returncode} ({meaning}): {detail}")

        # Read the report; an error entry of level "error" without a path is fatal.
        data = read()
        try:
            report = _Report.model_validate(data)
        except ValidationError as error:
            problem = error.errors(include_url=False)[0]["msg"]
            raise ToolError(f"semgrep report has an unexpected shape: {problem}") from None
        return report

    def _finding(self, result: _Result, known_ids: frozenset[str]) -> RawFinding:
        metadata = result.extra.metadata
        rule_id = _original_id(result.check_id, known_ids)
        return RawFinding(
            tool=self.name,
            rule_id=rule_id,
            title=str(metadata.get("title") or rule_id),
            message=result.extra.message.strip() or rule_id,
            severity=_SEVERITY.get(result.extra.severity.upper(), Severity.MEDIUM),
            confidence=_CONFIDENCE.get(str(metadata.get("confidence", "")).upper()),
            path=result.path.removeprefix("./"),
            start_line=result.start.line,
            end_line=result.end.line,
            cwe=_cwes(metadata.get("cwe")),
            references=_as_strings(metadata.get("references")),
            weakness=_weakness(rule_id, metadata),
        )


def _original_id(check_id: str, known_ids: frozenset[str]) -> str:
    # semgrep reports "<dotted rules path>.<id>"; the longest known id that is a suffix wins.
    for known in sorted(known_ids, key=len, reverse=True):
        if check_id == known or check_id.endswith("." + known):
            return known
    return check_id


@lru_cache(maxsize=32)
def _rule_ids(configs: tuple[Path, ...]) -> frozenset[str]:
    """The rule ids written in the given rule files or folders."""
    ids: set[str] = set()
    for config in configs:
        files = sorted(config.rglob("*.y*ml")) if config.is_dir() else [config]
        for path in files:
            try:
                document = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)  # noqa: S506
            except (OSError, UnicodeDecodeError, yaml.YAMLError):
                continue
            rules = document.get("rules", []) if isinstance(document, dict) else []
            ids.update(rule["id"] for rule in rules if isinstance(rule, dict) and "id" in rule)
    return frozenset(ids)


def _weakness(rule_id: str, metadata: dict[str, Any]) -> str | None:
    # secpipe's own ids read "<language>.<class>.<name>"; other rules may say it in metadata.
    declared = metadata.get("secpipe-weakness")
    if isinstance(declared, str):
        return declared
    parts = rule_id.split(".")
    return parts[1] if len(parts) == 3 else None


def _cwes(value: Any) -> tuple[str, ...]:
    found = {f"CWE-{number}" for text in _as_strings(value) for number in _CWE.findall(text)}
    return tuple(sorted(found, key=lambda cwe: int(cwe[4:])))


def _as_strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    return (str(value),)


def _skipped(errors: list[_Error]) -> list[str]:
    # Per-file errors (a file that does not parse, a timeout on one file) are skipped files.
    skipped = []
    for error in errors:
        first_line = error.message.strip().splitlines()[0] if error.message.strip() else ""
        where = (error.path or "").removeprefix("./") or "(no file)"
        kind = error.type[0] if isinstance(error.type, list) and error.type else error.type
        skipped.append(f"{where}: {kind or 'error'}: {first_line}"[:300])
    return skipped


def _fatal_message(read: Callable[[], Any]) -> str | None:
    try:
        data = read()
        errors = data.get("errors", []) if isinstance(data, dict) else []
        messages = [str(error.get("message", "")).strip() for error in errors]
        return "; ".join(message.splitlines()[0] for message in messages if message)[:400] or None
    except ToolError:
        return None
