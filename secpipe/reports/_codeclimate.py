"""``gl-code-quality-report.json``: Code Climate issues, as GitLab's code quality widget reads them.

GitLab needs, per issue, a description, a check name, a unique fingerprint, a severity and a
location with a path and a first line. Whole-file findings point at line 1, because GitLab drops
issues without a line. Waived findings are left out, as in the GitLab security reports.
"""

from __future__ import annotations

import json
from typing import Any

from secpipe._findings import Finding, FindingStatus, Report, Severity
from secpipe.reports._interface import Reporter

_SEVERITIES = {
    Severity.CRITICAL: "blocker",
    Severity.HIGH: "critical",
    Severity.MEDIUM: "major",
    Severity.LOW: "minor",
    Severity.INFO: "info",
}


class CodeClimateReporter(Reporter):
    """Writes one Code Climate issue per finding the policy has not waived."""

    name = "codeclimate"
    filename = "gl-code-quality-report.json"

    def render(self, report: Report) -> str:
        """Return the issues as a JSON array."""
        issues = [
            _issue(finding)
            for finding in report.findings
            if finding.status is not FindingStatus.WAIVED
        ]
        return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _issue(finding: Finding) -> dict[str, Any]:
    """One Code Climate issue; the secpipe fingerprint keeps it stable between runs."""
    # Line 0 (the whole file) is shown on line 1: GitLab ignores issues without a line.
    begin = finding.start_line or 1
    end = max(finding.end_line, begin)
    issue: dict[str, Any] = {
        "type": "issue",
        "check_name": finding.rule_id,
        "description": finding.title or finding.rule_id,
        "content": {"body": finding.message or finding.title},
        "categories": ["Security"],
        "severity": _SEVERITIES[finding.severity],
        "fingerprint": finding.fingerprint,
        "location": {"path": finding.path, "lines": {"begin": begin, "end": end}},
        "engine_name": finding.tool,
    }
    return issue
