"""``findings.sarif``: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers.

There is one SARIF run per tool, even when the tool ran in several gates, because code scanning
rejects uploads holding two runs with the same tool and category. Tools that found nothing still
get a run, so the viewer knows they ran and can close alerts they no longer report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any
from urllib.parse import quote

from pydantic_core import to_json

from secpipe._bulk import collector_paused
from secpipe._findings import (
    Confidence,
    Finding,
    FindingStatus,
    GateStatus,
    Report,
    Severity,
)
from secpipe._scales import SEVERITY_RANK
from secpipe.reports._interface import Reporter

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)

#: The symbol every result path is relative to; it resolves to ``Report.root``.
SRCROOT = "%SRCROOT%"

#: The key of the fingerprint in ``partialFingerprints``; bump ``v1`` if fingerprints change.
FINGERPRINT_KEY = "secpipeFingerprint/v1"

_LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}

# GitHub reads this 0-10 score as a string and buckets it: >9 critical, >=7 high, >=4 medium.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}

_BASELINE_STATES = {
    FindingStatus.NEW: "new",
    FindingStatus.BASELINE: "unchanged",
}

_INFORMATION_URIS = {
    "semgrep": "https://semgrep.dev/",
    "bandit": "https://bandit.readthedocs.io/",
    "detect-secrets": "https://github.com/Yelp/detect-secrets",
    "pip-audit": "https://github.com/pypa/pip-audit",
    "checkov": "https://www.checkov.io/",
}

WAIVER_JUSTIFICATION = "waived by secpipe policy"

#: Each enum member's text, looked up once (``.value`` is slow when read 100,000 times).
_VALUES: dict[StrEnum, str] = {
    member: member.value for enum in (Severity, Confidence) for member in enum
}


@dataclass
class _ToolSummary:
    """Everything known about one tool across the gates it ran in."""

    name: str
    version: str | None = None
    ran: bool = False
    gates: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    findings: list[Finding] = field(default_factory=list)


class SarifReporter(Reporter):
    """Writes findings as a SARIF 2.1.0 log with one run per tool."""

    name = "sarif"
    filename = "findings.sarif"

    def render(self, report: Report) -> str:
        """Return the SARIF log for ``report`` as indented JSON."""
        return self.encoded_files(report)[self.filename].decode("utf-8")

    def encoded_files(self, report: Report) -> dict[str, bytes]:
        """Return the SARIF log as UTF-8 bytes, straight from the native serialiser."""
        # One dict per finding and nothing cyclic: the cycle collector would only slow this.
        with collector_paused():
            return {self.filename: self._render(report)}

    def _render(self, report: Report) -> bytes:
        root_uri = _root_uri(report.root)
        runs = [_run(summary, report, root_uri) for summary in _summarise_tools(report)]
        log = {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": runs}
        # The native serialiser writes what json.dumps(indent=2) would, many times faster.
        return to_json(log, indent=2) + b"\n"


def _summarise_tools(report: Report) -> list[_ToolSummary]:
    """Merge every tool run and finding by tool name, in the order tools first appear."""
    summaries: dict[str, _ToolSummary] = {}

    # Tool runs first: they carry versions, errors and skipped files, and keep zero-result tools.
    for gate in report.gates:
        for tool_run in gate.tools:
            summary = summaries.setdefault(tool_run.name, _ToolSummary(tool_run.name))
            summary.ran = True
            summary.version = summary.version or tool_run.version
            summary.duration_s += tool_run.duration_s
            _add_unique(summary.gates, [gate.name])
            _add_unique(summary.stages, [gate.stage])
            where = f"{tool_run.name} in gate {gate.name}"
            if tool_run.status is GateStatus.ERROR:
                reason = tool_run.error or "the tool failed without a message"
                _add_unique(summary.errors, [f"{where} failed: {reason}"])
            if tool_run.status is GateStatus.SKIPPED:
                _add_unique(summary.notes, [f"{where} was skipped"])
            _add_unique(
                summary.notes,
                (f"{where} could not scan {entry}" for entry in tool_run.skipped_files),
            )

    # A finding from a tool with no recorded run still needs a run to live in, or it is lost.
    for finding in report.findings:
        if finding.tool not in summaries:
            summaries[finding.tool] = _ToolSummary(finding.tool)
        summaries[finding.tool].findings.append(finding)

    return list(summaries.values())


def _add_unique(target: list[str], items: Iterable[str]) -> None:
    """Append the items not yet in ``target``, keeping first-seen order."""
    for item in items:
        if item not in target:
            target.append(item)


def _run(summary: _ToolSummary, report: Report, root_uri: str | None) -> dict[str, Any]:
    """Build the SARIF run of one tool."""
    rules, rule_index = _rules(summary.findings)
    driver: dict[str, Any] = {"name": summary.name}
    if summary.version:
        driver["version"] = summary.version
    if summary.name in _INFORMATION_URIS:
        driver["informationUri"] = _INFORMATION_URIS[summary.name]
    driver["rules"] = rules

    # Assemble the run; the category (automationDetails.id) only names stages, which are stable
    # between uploads, so code scanning can close alerts the next upload no longer reports.
    run: dict[str, Any] = {"tool": {"driver": driver}}
    if summary.ran:
        run["invocations"] = [_invocation(summary)]
    if root_uri is not None:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": root_uri}}
    stages = [stage for stage in report.stages if stage in summary.stages] or summary.stages
    if stages:
        run["automationDetails"] = {"id": f"secpipe/{'+'.join(stages)}/"}
    uris: dict[str, str] = {}
    run["results"] = [
        _result(finding, rule_index[finding.rule_id], uris) for finding in summary.findings
    ]
    run["properties"] = {"gates": summary.gates}
    return run


def _invocation(summary: _ToolSummary) -> dict[str, Any]:
    """Describe how the tool ran: whether it succeeded, and what it could not do."""
    notifications = [
        {"level": level, "message": {"text": text}}
        for level, texts in (("error", summary.errors), ("note", summary.notes))
        for text in texts
    ]
    invocation: dict[str, Any] = {"executionSuccessful": not summary.errors}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    invocation["properties"] = {"durationSeconds": round(summary.duration_s, 3)}
    return invocation


def _rules(findings: list[Finding]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Build one rule per distinct rule id, and the index of each rule id in that list."""
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule_id, []).append(finding)

    # A rule's default level is its worst finding's: the same rule id can carry several
    # severities (pip-audit rates each advisory on its own).
    rules: list[dict[str, Any]] = []
    for rule_id, group in by_rule.items():
        first = group[0]
        # The distinct values first: a rule of a big run has thousands of findings, not of values.
        worst = max({finding.severity for finding in group}, key=SEVERITY_RANK.__getitem__)
        tags = ["security"]
        _add_unique(tags, dict.fromkeys(cwe for finding in group for cwe in finding.cwe))
        rule: dict[str, Any] = {
            "id": rule_id,
            "name": rule_id,
            "shortDescription": {"text": first.title},
            "fullDescription": {"text": first.message or first.title},
            "help": {"text": first.message or first.title},
            "defaultConfiguration": {"level": _LEVELS[worst]},
            "properties": {"security-severity": _SECURITY_SEVERITY[worst], "tags": tags},
        }
        if first.references:
            rule["helpUri"] = first.references[0]
        rules.append(rule)

    return rules, {rule["id"]: index for index, rule in enumerate(rules)}


def _result(finding: Finding, rule_index: int, uris: dict[str, str]) -> dict[str, Any]:
    """Build the SARIF result of one finding; ``uris`` caches each path's quoted form."""
    uri = uris.get(finding.path)
    if uri is None:
        uri = uris[finding.path] = quote(finding.path, safe="/")
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri, "uriBaseId": SRCROOT}}
    # start_line 0 means the whole file; SARIF says so by leaving the region out.
    if finding.start_line > 0:
        end_line = max(finding.end_line, finding.start_line)
        physical["region"] = {"startLine": finding.start_line, "endLine": end_line}

    result: dict[str, Any] = {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.severity],
        "message": {"text": finding.message or finding.title},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
    }

    # TODO: give waived findings a baselineState once the model records whether a waived
    # finding was also in the baseline; until then their state is unknown and left out.
    if finding.status in _BASELINE_STATES:
        result["baselineState"] = _BASELINE_STATES[finding.status]
    if finding.status is FindingStatus.WAIVED:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": WAIVER_JUSTIFICATION}
        ]
    result["properties"] = _result_properties(finding)
    return result


def _result_properties(finding: Finding) -> dict[str, Any]:
    """Keep what SARIF has no field for: the gate, the other tools and the package."""
    properties: dict[str, Any] = {"gate": finding.gate, "severity": _VALUES[finding.severity]}
    if finding.confidence is not None:
        properties["confidence"] = _VALUES[finding.confidence]
    tools = finding.tools
    # The common case (only the primary tool) is checked first; it is the cheap one.
    if tools != (finding.tool,) and any(tool != finding.tool for tool in tools):
        properties["tools"] = list(tools)
    if finding.package is not None:
        package = finding.package
        properties["package"] = {
            "name": package.name,
            "version": package.version,
            "fixedVersions": list(package.fixed_versions),
            "advisories": [advisory.id for advisory in package.advisories],
            "aliases": [alias for advisory in package.advisories for alias in advisory.aliases],
        }
    return properties


def _root_uri(root: str) -> str | None:
    """Return ``root`` as a ``file://`` URI ending in ``/``, or None when it is not absolute."""
    # The root may have been recorded on another OS than the one rendering the report.
    for flavour in (PurePosixPath, PureWindowsPath):
        path = flavour(root)
        if path.is_absolute():
            uri = path.as_uri()
            return uri if uri.endswith("/") else uri + "/"

    # A relative root cannot become a file:// URI; viewers fall back to the checkout folder.
    return None
