"""The dependencies gate: known vulnerabilities in the pinned Python packages of the project.

Two ways to look advisories up:
- offline, when an OSV database is configured (the gate's ``advisory_db``, relative to the scanned
  folder, or the ``SECPIPE_ADVISORY_DB`` environment variable): secpipe matches every exact pin
  against it itself and records the run as the tool ``osv-offline``;
- online otherwise, through pip-audit (see ``secpipe/tools/_pip_audit.py``); without network that
  is a gate error whose message says how to audit offline, never a pass.

Either way each finding points at the manifest line that declares the package. A dependency that
cannot be audited (not pinned, not PEP 508, an unreadable manifest, skipped by pip-audit) makes
the gate an ``error`` naming it, or only a warning with ``not_audited: warn``.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

from secpipe import advisories as advisories_package
from secpipe._cache import CachedOutput
from secpipe._findings import Finding, GateStatus, ToolRun
from secpipe._normalize import RawFinding, normalize
from secpipe._pipeline import DependenciesGate as DependenciesSettings
from secpipe._pipeline import GateSettings, ToolOptions
from secpipe._timings import phase
from secpipe.advisories import (
    DATABASE_ENV_VAR,
    AdvisoryDatabaseError,
    ManifestScan,
    find_matches,
    load_database,
    match_finding,
    read_manifests,
)
from secpipe.gates._interface import GateContext, GateOutcome, ToolGate

logger = logging.getLogger(__name__)

#: The tool name of secpipe's own offline matcher in reports.
OFFLINE_TOOL = "osv-offline"

#: The tool name under which dependencies that could not be audited are reported.
NOT_AUDITED_TOOL = "manifests"

#: How many not-audited entries the one-line gate error names before "and N more".
_SHOWN = 3


class DependenciesGate(ToolGate):
    """Known vulnerabilities in pinned Python dependencies."""

    name = "dependencies"
    description = "known vulnerabilities in pinned Python dependencies (pip-audit or offline OSV)"
    tools = ("pip-audit",)

    def tool_options(self, settings: GateSettings, tool: str) -> ToolOptions:
        """The pipeline's options for one tool; ``pip-audit`` lives in the ``pip_audit`` field."""
        # The pipeline key has a hyphen, which no Python attribute can; the field carries an alias.
        options = getattr(settings, tool.replace("-", "_"), None)
        return options if isinstance(options, ToolOptions) else ToolOptions()

    def run(self, context: GateContext) -> GateOutcome:
        """Audit offline when a database is configured, else through pip-audit."""
        # Read the manifests once: the not-audited list is the same whichever source is used.
        scan = read_manifests(context.root, context.files)
        database = advisory_database(context.root, context.settings)

        # Look the pins up.
        if database is not None:
            outcome = self._run_offline(context, scan, database)
        else:
            outcome = super().run(context)

        # What could not be audited is an error (or a warning) the user sees, never a silent pass.
        self._report_not_audited(context, scan, outcome)
        return outcome

    def _run_offline(self, context: GateContext, scan: ManifestScan, location: Path) -> GateOutcome:
        outcome = GateOutcome(name=self.name)
        started = time.monotonic()
        context.progress.tool_started(context.stage, self.name, OFFLINE_TOOL)

        # Nothing pinned: nothing to look up, and no reason to load thousands of records.
        if not scan.pinned:
            run = ToolRun(
                name=OFFLINE_TOOL,
                status=GateStatus.SKIPPED,
                duration_s=0.0,
                error="no pinned Python dependencies",
            )
            outcome.tool_runs.append(run)
            context.progress.tool_finished(context.stage, self.name, run, 0)
            return outcome

        # Unchanged pins against an unchanged database: the earlier matches still hold.
        key = _cache_key(context, scan, location)
        hit = context.cache.load(key) if context.cache is not None and key is not None else None
        if hit is not None:
            logger.info("%s: reusing the cached audit (inputs unchanged)", OFFLINE_TOOL)
            cached = {(str(p), int(n), str(i)): tuple(c) for p, n, i, c in hit.extra["cwes"]}
            return self._finish(context, outcome, started, hit, cached)

        # Load the database; a missing or unreadable one is this tool's error.
        try:
            with phase("own check: advisories"):
                database = load_database(location, {pin.name for pin in scan.pinned})
        except AdvisoryDatabaseError as error:
            run = ToolRun(
                name=OFFLINE_TOOL,
                status=GateStatus.ERROR,
                duration_s=round(time.monotonic() - started, 3),
                error=str(error),
            )
            outcome.tool_runs.append(run)
            context.progress.tool_finished(context.stage, self.name, run, 0)
            return outcome
        # Match every pin; the CWE ids are put back after normalization (see match_finding).
        raw: list[RawFinding] = []
        cwes: dict[tuple[str, int, str], tuple[str, ...]] = {}
        with phase("own check: advisories"):
            for dependency in scan.pinned:
                assert dependency.version is not None  # noqa: S101 - pinned means a version
                for match in find_matches(database, dependency.name, dependency.version):
                    raw.append(match_finding(tool=OFFLINE_TOOL, dependency=dependency, match=match))
                    cwes[(dependency.path, dependency.line, match.id)] = match.cwe
        result = CachedOutput(
            findings=raw,
            skipped_files=list(database.problems),
            version=f"{location} ({database.files_read} records)",
            suppressed=0,
            extra={"cwes": [[*where, list(cwe)] for where, cwe in cwes.items()]},
        )
        if context.cache is not None and key is not None:
            context.cache.store(key, result)
        return self._finish(context, outcome, started, result, cwes)

    def _finish(
        self,
        context: GateContext,
        outcome: GateOutcome,
        started: float,
        result: CachedOutput,
        cwes: dict[tuple[str, int, str], tuple[str, ...]],
    ) -> GateOutcome:
        """Normalize the matches (fresh or cached) and record the offline run."""
        outcome.warnings.extend(f"advisory database: {problem}" for problem in result.skipped_files)
        findings, warnings = normalize(
            result.findings, gate=self.name, root=context.root, tool_order=(OFFLINE_TOOL,)
        )
        outcome.findings = [_with_cwe(finding, cwes) for finding in findings]
        outcome.warnings.extend(warnings)
        run = ToolRun(
            name=OFFLINE_TOOL,
            version=result.version,
            status=GateStatus.PASSED,
            duration_s=round(time.monotonic() - started, 3),
            skipped_files=tuple(result.skipped_files),
        )
        outcome.tool_runs.append(run)
        context.progress.tool_finished(context.stage, self.name, run, len(outcome.findings))
        return outcome

    def _report_not_audited(
        self, context: GateContext, scan: ManifestScan, outcome: GateOutcome
    ) -> None:
        entries = list(scan.not_audited)
        entries += [
            f"{run.name} skipped {entry}"
            for run in outcome.tool_runs
            if run.name != OFFLINE_TOOL
            for entry in run.skipped_files
        ]
        if not entries:
            return
        outcome.warnings.extend(f"not audited: {entry}" for entry in entries)
        settings = context.settings
        if isinstance(settings, DependenciesSettings) and settings.not_audited == "warn":
            return

        shown = "; ".join(entries[:_SHOWN])
        more = f"; and {len(entries) - _SHOWN} more" if len(entries) > _SHOWN else ""
        outcome.tool_runs.append(
            ToolRun(
                name=NOT_AUDITED_TOOL,
                status=GateStatus.ERROR,
                duration_s=0.0,
                error=f"{len(entries)} not audited: {shown}{more} "
                "(fix them, or set not_audited: warn in the gate's settings)",
                skipped_files=tuple(entries),
            )
        )


def advisory_database(root: Path, settings: GateSettings) -> Path | None:
    """The configured OSV database, or None to audit online.

    The gate's ``advisory_db`` (relative to ``root``) wins over ``SECPIPE_ADVISORY_DB``
    (relative to the working directory).
    """
    configured = getattr(settings, "advisory_db", None)
    if configured:
        return root / Path(configured).expanduser()
    from_env = os.environ.get(DATABASE_ENV_VAR, "").strip()
    if from_env:
        return Path(from_env).expanduser().absolute()
    return None


def _cache_key(context: GateContext, scan: ManifestScan, location: Path) -> str | None:
    """The key of an offline audit: manifests, pins, database listing, settings and code."""
    if context.cache is None:
        return None
    # The matcher's code and this gate's are part of it: a changed matcher must match anew.
    return context.cache.native_key(
        tool=OFFLINE_TOOL,
        settings=context.settings.model_dump(mode="json", exclude={"timeout"}),
        root=context.root,
        files=sorted(set(scan.manifests)),
        sources=[Path(advisories_package.__file__).parent, Path(__file__)],
        data=[location],
        inputs={
            "database": str(location),
            "pins": [[d.name, d.path, d.line, d.version] for d in scan.pinned],
        },
    )


def _with_cwe(finding: Finding, cwes: dict[tuple[str, int, str], tuple[str, ...]]) -> Finding:
    cwe = cwes.get((finding.path, finding.start_line, finding.rule_id), ())
    return finding.model_copy(update={"cwe": cwe}) if cwe else finding
