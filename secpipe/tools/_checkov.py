"""checkov: Dockerfile and Kubernetes manifest checks.

Quirks handled here (measured with checkov 3.3.30):
- it phones home for its mapping and guidelines unless run with ``--skip-download`` and
  ``BC_SKIP_MAPPING=TRUE``; both are always set, so a run makes no network call;
- it exits 1 when a check failed and 0 when none did — and also 0 for a path that does not
  exist or a YAML file that does not parse, printing nothing or an empty summary; so every file
  is checked here first, and secpipe's own YAML reading reports broken manifests;
- paths are passed absolute (``-f /abs/file``): with a relative directory it doubles the
  directory in ``file_abs_path``;
- its JSON comes in three shapes: one object per framework, a list of them, or a bare summary
  (no ``check_type``) when there was nothing to check; several JSON values can follow each other;
- each result carries ``code_block``, the raw lines of the resource, which can hold passwords or
  private keys; it is never read into secpipe's models, so it cannot reach a finding;
- ``severity`` is always null offline: the severity comes from secpipe's table
  (``secpipe/tools/_checkov_checks.py``), which also lists the only checks enabled (``--check``);
- it reports a whole resource's (or Dockerfile's) line range; each finding is moved to the line
  of the offending field (see ``secpipe/tools/_checkov_lines.py``).
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from secpipe import _process
from secpipe._errors import ToolError
from secpipe._findings import Severity
from secpipe._normalize import RawFinding
from secpipe._pipeline import CheckovOptions
from secpipe.images import is_dockerfile
from secpipe.tools._checkov_checks import DOCKERFILE_CHECKS, KUBERNETES_CHECKS, check_info
from secpipe.tools._checkov_lines import LineFinder
from secpipe.tools._interface import ToolAdapter, ToolContext, ToolOutput

logger = logging.getLogger(__name__)

#: Exit codes that mean "ran to the end": 0 no failed check, 1 some failed.
_SUCCESS_CODES = frozenset({0, 1})

_CHECKS = {"dockerfile": DOCKERFILE_CHECKS, "kubernetes": KUBERNETES_CHECKS}


class _CheckResult(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    evaluated_keys: list[str] = []


class _Failed(BaseModel):
    # code_block is deliberately not a field: it can quote secrets verbatim.
    model_config = ConfigDict(extra="ignore", defer_build=True)
    check_id: str
    check_name: str
    file_abs_path: str
    file_line_range: list[int] = Field(min_length=2, max_length=2)
    resource: str = ""
    check_result: _CheckResult = Field(default_factory=_CheckResult)
    guideline: str | None = None


class _Results(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    failed_checks: list[_Failed] = []
    parsing_errors: list[str] = []


class _Summary(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    parsing_errors: int = 0
    checkov_version: str | None = None


class _Report(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    check_type: str
    results: _Results = Field(default_factory=_Results)
    summary: _Summary = Field(default_factory=_Summary)


class CheckovAdapter(ToolAdapter):
    """Runs checkov over Dockerfiles (``dockerfile``) and manifests (``kubernetes``)."""

    name = "checkov"
    slow_start = True
    extensions = frozenset({".yaml", ".yml", ".json"})

    def wants(self, path: str) -> bool:
        """Dockerfiles by name, manifests by suffix."""
        return is_dockerfile(path) or super().wants(path)

    def run(self, context: ToolContext) -> ToolOutput:
        """Run checkov once for every framework and map its failed checks onto exact lines."""
        # Split the files by framework; a file that vanished is skipped, not silently passed.
        output = ToolOutput()
        by_framework: dict[str, list[Path]] = defaultdict(list)
        for path in context.files:
            absolute = (context.root / path).absolute()
            if not absolute.is_file():
                output.skipped_files.append(f"{path}: no such file")
                continue
            framework = "dockerfile" if is_dockerfile(path) else "kubernetes"
            by_framework[framework].append(absolute)

        # One process for every framework: checkov's start-up costs more than its checks.
        lines = LineFinder()
        if by_framework:
            for report in self._run_checkov(context, dict(sorted(by_framework.items()))):
                output.version = output.version or report.summary.checkov_version
                output.skipped_files.extend(
                    f"{error}: checkov could not parse it"
                    for error in report.results.parsing_errors
                )
                for failed in report.results.failed_checks:
                    finding = self._finding(report.check_type, failed, lines)
                    if finding is not None:
                        output.findings.append(finding)
        return output

    def _run_checkov(
        self, context: ToolContext, by_framework: dict[str, list[Path]]
    ) -> list[_Report]:
        # Build the command: offline, compact JSON, only the checks secpipe has a severity for.
        options = context.options
        skip = set(options.skip) if isinstance(options, CheckovOptions) else set()
        checks = [
            check for framework in by_framework for check in _CHECKS[framework] if check not in skip
        ]
        argv = [
            str(context.executable),
            "--framework",
            *by_framework,
            "-o",
            "json",
            "--compact",
            "--quiet",
            "--skip-download",
            "--check",
            ",".join(checks),
            *options.args,
        ]
        for files in by_framework.values():
            for path in files:
                argv += ["-f", str(path)]
        env = {**context.env, "BC_SKIP_MAPPING": "TRUE"}

        # Run it; exit 0 or 1 with a report that parses is the only proof it ran.
        try:
            completed = _process.run(
                argv, timeout_s=context.timeout_s, cwd=context.workdir, env=env
            )
        except _process.ProcessFailure as failure:
            raise ToolError(f"checkov {failure.reason}") from None
        logger.debug("checkov stderr:\n%s", completed.stderr)
        if completed.returncode not in _SUCCESS_CODES:
            raise ToolError(f"checkov failed: {completed.describe()}")
        return parse_reports(completed.stdout, exit_note=f"exit {completed.returncode}")

    def _finding(self, framework: str, failed: _Failed, lines: LineFinder) -> RawFinding | None:
        info = check_info(framework, failed.check_id)
        if info is None:
            # Only tabled checks are enabled; a stray one (from extra args) still gets reported.
            logger.debug("checkov check %s is not in secpipe's table", failed.check_id)
        start, end = failed.file_line_range
        if framework == "dockerfile":
            line = lines.dockerfile_line(failed.file_abs_path, failed.check_id, start, end)
        else:
            line = lines.manifest_line(
                failed.file_abs_path,
                failed.check_id,
                start,
                end,
                failed.resource,
                failed.check_result.evaluated_keys,
            )
        where = f" in {failed.resource}" if failed.resource and framework != "dockerfile" else ""
        return RawFinding(
            tool=self.name,
            rule_id=failed.check_id,
            title=failed.check_name,
            message=f"{failed.check_name}{where} ({failed.check_id}).",
            severity=info.severity if info else Severity.MEDIUM,
            path=failed.file_abs_path,
            start_line=line,
            end_line=line,
            references=(failed.guideline,) if failed.guideline else (),
            weakness=info.weakness if info else None,
        )


def parse_reports(stdout: str, *, exit_note: str) -> list[_Report]:
    """Read checkov's stdout: one or more JSON values, each a report, a list, or a summary."""
    # No output at all is not "nothing found": checkov printed nothing it should have.
    if not stdout.strip():
        raise ToolError(f"checkov printed no report ({exit_note})")
    values: list[Any] = []
    decoder = json.JSONDecoder()
    index = 0
    while index < len(stdout):
        if stdout[index].isspace():
            index += 1
            continue
        try:
            value, index = decoder.raw_decode(stdout, index)
        except json.JSONDecodeError as error:
            raise ToolError(
                f"checkov printed a report that is not JSON (line {error.lineno}: {error.msg};"
                f" {exit_note})"
            ) from None
        values.append(value)

    # Flatten the three shapes; a bare summary (no check_type) means nothing was checked.
    reports: list[_Report] = []
    for value in values:
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, dict):
                raise ToolError(f"checkov report has an unexpected shape ({exit_note})")
            if "check_type" not in item:
                if "passed" not in item and "failed" not in item:
                    raise ToolError(f"checkov report has an unexpected shape ({exit_note})")
                continue
            try:
                reports.append(_Report.model_validate(item))
            except ValidationError as error:
                detail = error.errors(include_url=False)[0]
                where = ".".join(str(part) for part in detail["loc"])
                raise ToolError(
                    f"checkov report has an unexpected shape: {where}: {detail['msg']}"
                ) from None
    return reports
