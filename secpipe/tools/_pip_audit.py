"""pip-audit: known vulnerabilities of pinned Python packages, from an online service.

Quirks handled here (measured with pip-audit 2.10.1):
- when it cannot audit a dependency (the PyPI service unreachable, a package unknown) it marks it
  skipped, still prints "No known vulnerabilities found" and exits 0 — so the JSON report is read
  and skipped dependencies are reported, never taken as clean;
- with ``--disable-pip`` one requirement that is not an exact pin aborts the whole file with exit
  1 and no report; so pip-audit is given one generated file of exact pins only, built from the
  manifests secpipe read itself (requirements files and lock files alike);
- an unreachable vulnerability service (``-s osv`` offline) exits 1 with a traceback and no
  report; exit codes are therefore not trusted, only the report written with ``-o``.

pip-audit gives no severity: every advisory it reports is ``DEFAULT_SEVERITY`` (high).
"""

from __future__ import annotations

import logging
from collections import defaultdict

from packaging.utils import canonicalize_name
from pydantic import BaseModel, ConfigDict, ValidationError

from secpipe import _process
from secpipe._errors import ToolError
from secpipe.advisories import (
    OFFLINE_HINT,
    Dependency,
    dependency_finding,
    is_manifest,
    merge_by_alias,
    preferred_id,
    read_manifests,
    sort_versions,
)
from secpipe.advisories._match import parse_version
from secpipe.tools._interface import ToolAdapter, ToolContext, ToolOutput, read_json_report

logger = logging.getLogger(__name__)


class _Vuln(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    id: str
    fix_versions: list[str] = []
    aliases: list[str] = []
    description: str = ""


class _Dependency(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    name: str
    version: str | None = None
    vulns: list[_Vuln] = []
    skip_reason: str | None = None


class _Report(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)
    dependencies: list[_Dependency]


def _key(name: str, version: str) -> tuple[str, str]:
    # pip-audit prints canonical names and normalized versions ("1.0.0-rc1" -> "1.0.0rc1").
    parsed = parse_version(version)
    return canonicalize_name(name), str(parsed) if parsed is not None else version


class PipAuditAdapter(ToolAdapter):
    """Runs pip-audit on the exact pins of the gate's Python manifests."""

    name = "pip-audit"

    def wants(self, path: str) -> bool:
        """Whether ``path`` is a Python manifest (requirements, pyproject, lock files)."""
        return is_manifest(path)

    def run(self, context: ToolContext) -> ToolOutput:
        """Audit every exactly pinned dependency; unpinned ones are the gate's to report."""
        # Which pins to audit: the gate reports the rest (unpinned, unparsable) itself.
        scan = read_manifests(context.root, context.files)
        declared: dict[tuple[str, str], list[Dependency]] = defaultdict(list)
        for dependency in scan.pinned:
            assert dependency.version is not None  # noqa: S101 - pinned means a version
            declared[_key(dependency.name, dependency.version)].append(dependency)
        output = ToolOutput()
        if not declared:
            return output

        # pip-audit wants one version per name in a file: a second version goes to a second run.
        batches: list[list[tuple[str, str]]] = []
        for name, version in sorted(declared):
            batch = next((b for b in batches if all(name != other for other, _ in b)), None)
            if batch is None:
                batches.append(batch := [])
            batch.append((name, version))

        reported: list[_Dependency] = []
        for number, batch in enumerate(batches):
            reported.extend(self._run_batch(context, batch, number).dependencies)
        return self._interpret(reported, declared, output)

    def _run_batch(
        self, context: ToolContext, batch: list[tuple[str, str]], number: int
    ) -> _Report:
        # Build the command: a generated file of exact pins, no resolution, JSON to a file.
        requirements = context.workdir / f"pins-{number}.txt"
        requirements.write_text("".join(f"{name}=={version}\n" for name, version in batch))
        report_path = context.workdir / f"pip-audit-{number}.json"
        argv = [
            str(context.executable),
            *("-r", str(requirements), "--no-deps", "--disable-pip"),
            *("-f", "json", "-o", str(report_path), "--progress-spinner", "off"),
            *("--aliases", "on", "--desc", "on"),
            *context.options.args,
        ]

        # Run it; only the report says what happened (its exit codes mix crashes and findings).
        try:
            completed = _process.run(
                argv, timeout_s=context.timeout_s, cwd=context.root, env=context.env
            )
        except _process.ProcessFailure as failure:
            raise ToolError(f"pip-audit {failure.reason}") from None
        logger.debug("pip-audit stdout:\n%s\nstderr:\n%s", completed.stdout, completed.stderr)
        if not report_path.exists():
            raise ToolError(
                f"pip-audit wrote no report ({completed.describe()}); the vulnerability service "
                f"may be unreachable: {OFFLINE_HINT}"
            )
        data = read_json_report(report_path, self.name, exit_note=f"exit {completed.returncode}")
        try:
            return _Report.model_validate(data)
        except ValidationError as error:
            detail = error.errors(include_url=False)[0]
            where = ".".join(str(part) for part in detail["loc"])
            raise ToolError(
                f"pip-audit report has an unexpected shape: {where}: {detail['msg']}"
            ) from None

    def _interpret(
        self,
        reported: list[_Dependency],
        declared: dict[tuple[str, str], list[Dependency]],
        output: ToolOutput,
    ) -> ToolOutput:
        # Skipped dependencies were not audited; if none was audited, the service is unreachable.
        skipped = [entry for entry in reported if entry.skip_reason]
        if skipped and len(skipped) == len(reported):
            first = skipped[0]
            raise ToolError(
                f"pip-audit could not audit any of {len(reported)} dependencies (first: "
                f"{first.name}: {first.skip_reason}); the vulnerability service may be "
                f"unreachable: {OFFLINE_HINT}"
            )
        output.skipped_files.extend(f"{entry.name}: {entry.skip_reason}" for entry in skipped)

        # Each advisory once per declaration, whichever ids pip-audit listed it under.
        for entry in reported:
            if entry.skip_reason or entry.version is None:
                continue
            places = declared.get(_key(entry.name, entry.version), [])
            for ids, vulns in merge_by_alias(entry.vulns, lambda v: (v.id, *v.aliases)):
                advisory = preferred_id(ids)
                for dependency in places:
                    output.findings.append(
                        dependency_finding(
                            tool=self.name,
                            dependency=dependency,
                            advisory_id=advisory,
                            aliases=sorted(ids - {advisory}),
                            fixed_versions=sort_versions(f for v in vulns for f in v.fix_versions),
                            summary=next((v.description for v in vulns if v.description), ""),
                            severity=None,
                        )
                    )
        return output
