"""bandit: Python static analysis.

Quirks handled here:
- bandit can print progress bars into stdout, so its report goes to a file (``-o``);
- it exits 1 when it found issues and 0 when it found none — and also 0 when a file was missing
  or did not parse, leaving only an ``errors`` entry, so those files are reported as skipped;
- its hard-coded password checks quote the password in their message, which is masked here;
- findings hidden by ``# nosec`` are counted in ``metrics._totals``: ``nosec`` for blanket
  comments, ``skipped_tests`` for ``# nosec B602``-style ones; both are the run's suppressed count.

Severity table: bandit's HIGH, MEDIUM, LOW map to high, medium, low; UNDEFINED maps to info.
bandit's confidence is kept as the finding's confidence.
"""

from __future__ import annotations

import logging
import os
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from secpipe import _process
from secpipe._errors import ToolError
from secpipe._findings import Confidence, Severity
from secpipe._normalize import RawFinding
from secpipe._paths import batches
from secpipe._pipeline import BanditOptions
from secpipe._redact import mask_quoted, remember_quoted
from secpipe.tools._interface import ToolAdapter, ToolContext, ToolOutput, read_json_report

logger = logging.getLogger(__name__)

_SEVERITY = {
    "HIGH": Severity.HIGH,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
    "UNDEFINED": Severity.INFO,
}

_CONFIDENCE = {"HIGH": Confidence.HIGH, "MEDIUM": Confidence.MEDIUM, "LOW": Confidence.LOW}

#: bandit checks that quote a credential in their message.
_QUOTES_SECRETS = frozenset({"B105", "B106", "B107"})

#: bandit test ids by weakness class, so a semgrep rule of the same class on the same line is
#: recognised as the same finding (bandit's CWE for yaml.load is CWE-20, semgrep's is CWE-502).
_WEAKNESS = {
    "injection": ("B602", "B604", "B605", "B606", "B607", "B608", "B609", "B610", "B611"),
    "code-injection": ("B102", "B307"),
    "deserialization": ("B301", "B302", "B506", "B614"),
    "crypto": ("B303", "B304", "B305", "B324", "B413", "B505"),
    "randomness": ("B311",),
    "tls": ("B501", "B502", "B503", "B504", "B507"),
    "debug": ("B201",),
    "credentials": ("B105", "B106", "B107"),
    "network": ("B104",),
    "xss": ("B701", "B702", "B703"),
    "xxe": ("B313", "B314", "B315", "B316", "B317", "B318", "B319", "B320", "B405", "B406"),
}
_WEAKNESS_BY_TEST = {test: weakness for weakness, tests in _WEAKNESS.items() for test in tests}

#: Exit codes that mean "ran to the end": 0 nothing found, 1 issues found.
_SUCCESS_CODES = frozenset({0, 1})


class _Cwe(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    id: int = 0


class _Result(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    filename: str
    test_id: str
    test_name: str
    issue_severity: Literal["HIGH", "MEDIUM", "LOW", "UNDEFINED"]
    issue_confidence: Literal["HIGH", "MEDIUM", "LOW", "UNDEFINED"]
    issue_text: str
    line_number: int
    line_range: list[int] = []
    more_info: str | None = None
    issue_cwe: _Cwe | None = None


class _Error(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    filename: str
    reason: str


class _Totals(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    nosec: int = 0
    skipped_tests: int = 0


class _Metrics(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    totals: _Totals = Field(default_factory=_Totals, alias="_totals")


class _Report(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    results: list[_Result]
    errors: list[_Error] = []
    metrics: _Metrics = Field(default_factory=_Metrics)


class BanditAdapter(ToolAdapter):
    """Runs bandit over the gate's Python files."""

    name = "bandit"
    extensions = frozenset({".py", ".pyw"})

    def run(self, context: ToolContext) -> ToolOutput:
        """Run bandit in batches of files and read every report."""
        output = ToolOutput()
        for number, files in enumerate(batches(context.files)):
            report = self._run_batch(context, files, number)
            output.findings.extend(self._finding(result) for result in report.results)
            output.skipped_files.extend(
                f"{os.path.normpath(error.filename)}: {error.reason}" for error in report.errors
            )
            output.suppressed += report.metrics.totals.nosec + report.metrics.totals.skipped_tests
        return output

    def _run_batch(self, context: ToolContext, files: list[str], number: int) -> _Report:
        # Build the command: JSON to a file, quiet, with the skips the pipeline asked for.
        report_path = context.workdir / f"bandit-{number}.json"
        options = context.options
        argv = [str(context.executable), "-f", "json", "-o", str(report_path), "-q"]
        if isinstance(options, BanditOptions) and options.skip:
            argv += ["-s", ",".join(options.skip)]
        argv += [*options.args, *(f"./{path}" for path in files)]

        # Run it; only a report that parses proves it really ran.
        try:
            completed = _process.run(
                argv, timeout_s=context.timeout_s, cwd=context.root, env=context.env
            )
        except _process.ProcessFailure as failure:
            raise ToolError(f"bandit {failure.reason}") from None
        logger.debug("bandit stdout:\n%s\nbandit stderr:\n%s", completed.stdout, completed.stderr)
        if completed.returncode not in _SUCCESS_CODES:
            raise ToolError(f"bandit failed: {completed.describe()}")

        data = read_json_report(report_path, "bandit", exit_note=f"exit {completed.returncode}")
        try:
            return _Report.model_validate(data)
        except ValidationError as error:
            raise ToolError(f"bandit report has an unexpected shape: {_first(error)}") from None

    def _finding(self, result: _Result) -> RawFinding:
        message = result.issue_text
        if result.test_id in _QUOTES_SECRETS:
            remember_quoted(message)
            message = mask_quoted(message)
        cwe = (f"CWE-{result.issue_cwe.id}",) if result.issue_cwe and result.issue_cwe.id else ()
        end_line = max([result.line_number, *result.line_range])
        return RawFinding(
            tool=self.name,
            rule_id=result.test_id,
            title=_title(message),
            message=message,
            severity=_SEVERITY[result.issue_severity],
            confidence=_CONFIDENCE.get(result.issue_confidence),
            path=result.filename,
            start_line=result.line_number,
            end_line=end_line,
            cwe=cwe,
            references=(result.more_info,) if result.more_info else (),
            weakness=_WEAKNESS_BY_TEST.get(result.test_id),
        )


def _title(issue_text: str) -> str:
    # bandit's test names ("blacklist", "hashlib") say little; its first sentence says more.
    sentence = issue_text.strip().split(". ")[0].rstrip(".")
    sentence = sentence[:1].upper() + sentence[1:]
    return sentence if len(sentence) <= 90 else sentence[:89] + "…"


def _first(error: ValidationError) -> str:
    detail = error.errors(include_url=False)[0]
    return f"{'.'.join(str(part) for part in detail['loc'])}: {detail['msg']}"
