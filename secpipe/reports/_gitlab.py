"""GitLab security reports (schema 15.2.1): one JSON file per kind of scan.

GitLab reads each kind from its own ``artifacts: reports:`` key, so this format writes up to four
files: ``gl-sast-report.json`` (the sast, contract and kubernetes gates, plus any finding that
has no package to point at), ``gl-secret-detection-report.json``, ``gl-dependency-scanning-
report.json`` and ``gl-container-scanning-report.json``. A file is only written for a kind of
scan that ran (or has findings): an empty report would tell GitLab that earlier vulnerabilities
of that kind are gone, which a shard that never looked must not claim.

Waived findings are left out: the policy has accepted them, and GitLab would list them again as
open vulnerabilities. ``findings.json`` keeps them.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from secpipe._findings import Finding, FindingStatus, GateStatus, Report, Severity
from secpipe.reports._interface import Reporter

#: The version of GitLab's security report schemas these files follow.
SCHEMA_VERSION = "15.2.1"

#: GitLab's own secret detection uses this placeholder when it scans files, not history.
UNKNOWN_COMMIT = "0000000"

#: Names the namespace of the vulnerability ids, so the same fingerprint always gets the same id.
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://example.invalid/secpipe/gitlab")

_SEVERITIES = {
    Severity.CRITICAL: "Critical",
    Severity.HIGH: "High",
    Severity.MEDIUM: "Medium",
    Severity.LOW: "Low",
    Severity.INFO: "Info",
}

# The schema caps a few strings; longer text is cut rather than making the report invalid.
_MAX_NAME = 255
_MAX_DESCRIPTION = 1_048_576
_LINK_PREFIXES = ("https://", "http://", "ftp://")
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%S"


@dataclass(frozen=True)
class _Kind:
    """One GitLab report type: its ``scan.type`` and the file it is written to."""

    scan_type: str
    filename: str


SAST = _Kind("sast", "gl-sast-report.json")
SECRET_DETECTION = _Kind("secret_detection", "gl-secret-detection-report.json")
DEPENDENCY_SCANNING = _Kind("dependency_scanning", "gl-dependency-scanning-report.json")
CONTAINER_SCANNING = _Kind("container_scanning", "gl-container-scanning-report.json")

_KINDS = (SAST, SECRET_DETECTION, DEPENDENCY_SCANNING, CONTAINER_SCANNING)

# Gates not named here (kubernetes, contract, third-party gates) report as SAST: GitLab shows
# infrastructure-as-code and API findings in the SAST report too.
_GATE_KINDS = {
    "secrets": SECRET_DETECTION,
    "dependencies": DEPENDENCY_SCANNING,
    "container": CONTAINER_SCANNING,
}


class GitLabReporter(Reporter):
    """Writes GitLab security reports, one file per kind of scan that ran."""

    name = "gitlab"
    filename = SAST.filename

    def render(self, report: Report) -> str:
        """Return the SAST report; :meth:`render_files` gives every kind."""
        return _render_kind(SAST, report)

    def render_files(self, report: Report) -> dict[str, str]:
        """Return one report per kind of scan that ran or found something, SAST when none did."""
        # A kind is due when one of its gates ran, or when a finding of that kind exists.
        due = {_gate_kind(gate.name) for gate in report.gates}
        due.update(_finding_kind(finding) for finding in report.findings)
        kinds = [kind for kind in _KINDS if kind in due] or [SAST]
        return {kind.filename: _render_kind(kind, report) for kind in kinds}


def _gate_kind(gate: str) -> _Kind:
    """The report a gate's findings belong in, before looking at the finding itself."""
    return _GATE_KINDS.get(gate, SAST)


def _finding_kind(finding: Finding) -> _Kind:
    """The report one finding goes to."""
    # Dependency and container reports must name a package; a finding without one (a Dockerfile
    # line, a broken manifest) can only be shown as a SAST finding on its file.
    kind = _gate_kind(finding.gate)
    if kind in (DEPENDENCY_SCANNING, CONTAINER_SCANNING) and finding.package is None:
        return SAST
    return kind


def _render_kind(kind: _Kind, report: Report) -> str:
    """Build the whole report of one kind as indented JSON."""
    # Only the gates of this kind decide whether the scan succeeded.
    gates = [gate for gate in report.gates if _gate_kind(gate.name) == kind]
    failed = [gate for gate in gates if gate.status is GateStatus.ERROR]
    findings = [
        finding
        for finding in report.findings
        if _finding_kind(finding) == kind and finding.status is not FindingStatus.WAIVED
    ]

    document = {
        "version": SCHEMA_VERSION,
        "scan": _scan(kind, report, failed_gates=[gate.name for gate in failed]),
        "vulnerabilities": [_vulnerability(kind, finding) for finding in findings],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _scan(kind: _Kind, report: Report, failed_gates: list[str]) -> dict[str, Any]:
    """The ``scan`` object: who scanned, when, and whether it worked."""
    # GitLab wants UTC times without a zone or fraction; a naive time is taken as UTC.
    started = report.started_at
    if started.tzinfo is None:
        started = started.replace(tzinfo=UTC)
    ended = started + timedelta(seconds=report.duration_s)
    secpipe = {
        "id": "secpipe",
        "name": "secpipe",
        "version": report.secpipe_version,
        "vendor": {"name": "secpipe"},
    }
    scan: dict[str, Any] = {
        "analyzer": secpipe,
        "scanner": secpipe,
        "type": kind.scan_type,
        "start_time": started.astimezone(UTC).strftime(_TIME_FORMAT),
        "end_time": ended.astimezone(UTC).strftime(_TIME_FORMAT),
        "status": "failure" if failed_gates else "success",
    }
    if failed_gates:
        scan["messages"] = [
            {"level": "fatal", "value": f"gate {name} could not finish"} for name in failed_gates
        ]
    return scan


def _vulnerability(kind: _Kind, finding: Finding) -> dict[str, Any]:
    """One vulnerability entry; its id is derived from the fingerprint, so it is stable."""
    vulnerability: dict[str, Any] = {
        "id": str(uuid.uuid5(_ID_NAMESPACE, finding.fingerprint)),
        "name": _cut(finding.title or finding.rule_id, _MAX_NAME),
        "description": _cut(finding.message or finding.title, _MAX_DESCRIPTION),
        "severity": _SEVERITIES[finding.severity],
        "identifiers": list(_identifiers(finding)),
        "location": _location(kind, finding),
    }
    links = [{"url": url} for url in finding.references if url.startswith(_LINK_PREFIXES)]
    if links:
        vulnerability["links"] = links
    if finding.package is not None and finding.package.fixed_versions:
        fixes = ", ".join(finding.package.fixed_versions)
        vulnerability["solution"] = f"Upgrade {finding.package.name} to {fixes}."
    return vulnerability


def _identifiers(finding: Finding) -> Iterable[dict[str, str]]:
    """The tool's rule first (GitLab's primary identifier), then advisories and CWEs."""
    yield {"type": finding.tool, "name": finding.rule_id, "value": finding.rule_id}
    if finding.package is not None:
        for advisory in finding.package.advisories:
            for advisory_id in (advisory.id, *advisory.aliases):
                yield {
                    "type": advisory_id.split("-", 1)[0].lower() or "advisory",
                    "name": advisory_id,
                    "value": advisory_id,
                }
    for cwe in finding.cwe:
        number = cwe.removeprefix("CWE-")
        yield {
            "type": "cwe",
            "name": cwe,
            "value": number,
            "url": f"https://cwe.mitre.org/data/definitions/{number}.html",
        }


def _location(kind: _Kind, finding: Finding) -> dict[str, Any]:
    """Where the vulnerability is, in the shape each report type demands."""
    # Dependency and container reports point at a package, not a line.
    if kind in (DEPENDENCY_SCANNING, CONTAINER_SCANNING) and finding.package is not None:
        dependency = {"package": {"name": finding.package.name}, "version": finding.package.version}
        if kind is DEPENDENCY_SCANNING:
            return {"file": finding.path or "unknown", "dependency": dependency}
        # Image findings carry the image reference; their path is only "image:<reference>".
        image = finding.image.reference if finding.image else finding.path.removeprefix("image:")
        # TODO: name the image's operating system once container findings record it.
        return {
            "dependency": dependency,
            "operating_system": "unknown",
            "image": image or "unknown",
        }

    # Line-based reports; line 0 means the whole file, which GitLab shows without a line.
    location: dict[str, Any] = {"file": finding.path}
    if finding.start_line > 0:
        location["start_line"] = finding.start_line
        location["end_line"] = max(finding.end_line, finding.start_line)
    if kind is SECRET_DETECTION:
        location["commit"] = {"sha": UNKNOWN_COMMIT}
    return location


def _cut(text: str, limit: int) -> str:
    """``text`` shortened to ``limit`` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
