"""``annotations.txt``: GitHub workflow commands that pin findings to lines of a pull request.

Printing the file in a GitHub Actions step (``cat annotations.txt``) turns each line into an
annotation. Findings the policy counts against the run are errors, other new findings warnings,
baseline findings notices; waived findings are left out. Gates that could not finish come first.
The list is capped at :data:`MAX_ANNOTATIONS`, and a final notice says how many were left out:
GitHub shows only a few per step and a flood hides the ones that matter.
"""

from __future__ import annotations

from collections.abc import Iterable

from secpipe._findings import Finding, FindingStatus, GateStatus, Report
from secpipe.reports._interface import Reporter

#: At most this many annotations are written, gate errors and the worst findings first.
MAX_ANNOTATIONS = 50

# The order levels are written in: what failed the run first.
_LEVEL_ORDER = {"error": 0, "warning": 1, "notice": 2}


class AnnotationsReporter(Reporter):
    """Writes ``::error``/``::warning``/``::notice`` workflow commands, one per line."""

    name = "annotations"
    filename = "annotations.txt"

    def render(self, report: Report) -> str:
        """Return the workflow commands, worst first, capped, with a notice about the rest."""
        # Gate errors first: a gate that did not finish hides findings nobody will see.
        commands = [
            _command("error", f"secpipe gate {gate.name}: {gate.status.value}", gate.error or "")
            for gate in report.gates
            if gate.status is GateStatus.ERROR
        ]

        # Then findings: violating ones first, each group worst first, in a stable order.
        violating = {fp for violation in report.violations for fp in violation.fingerprints}
        ranked = sorted(
            (
                (_level(finding, violating), finding)
                for finding in report.findings
                if finding.status is not FindingStatus.WAIVED
            ),
            key=lambda item: (
                _LEVEL_ORDER[item[0]],
                -item[1].severity.rank,
                item[1].path,
                item[1].start_line,
                item[1].fingerprint,
            ),
        )
        commands.extend(_finding_command(level, finding) for level, finding in ranked)

        # Cap the list and say plainly what was left out and where to find it.
        shown = commands[:MAX_ANNOTATIONS]
        left_out = len(commands) - len(shown)
        if left_out:
            shown.append(
                _command(
                    "notice",
                    "secpipe",
                    f"{left_out} more annotation{'s' if left_out != 1 else ''} not shown; "
                    "findings.json has every finding",
                )
            )
        return "".join(line + "\n" for line in shown)


def _level(finding: Finding, violating: set[str]) -> str:
    """Error when the finding fails the run, warning when new, notice when in the baseline."""
    if finding.fingerprint in violating:
        return "error"
    return "notice" if finding.status is FindingStatus.BASELINE else "warning"


def _finding_command(level: str, finding: Finding) -> str:
    """The workflow command for one finding, on its file and lines when it has them."""
    properties = [("file", finding.path)]
    if finding.start_line > 0:
        properties.append(("line", str(finding.start_line)))
        properties.append(("endLine", str(max(finding.end_line, finding.start_line))))
    title = f"{finding.severity.value}: {finding.title} ({finding.rule_id})"
    return _command(level, title, finding.message or finding.title, properties)


def _command(
    level: str, title: str, message: str, properties: Iterable[tuple[str, str]] = ()
) -> str:
    """One ``::level key=value,...::message`` line with every part escaped."""
    pairs = [*properties, ("title", title)]
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in pairs)
    return f"::{level} {joined}::{escape_data(message)}"


def escape_data(text: str) -> str:
    """Escape a command's message so it stays one line and keeps its percent signs."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value; ``:`` and ``,`` would otherwise end it."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")
