"""``summary.md``: a short Markdown summary for a pull-request comment or a CI job summary.

It uses only plain Markdown (GitHub-flavoured tables, no HTML), so it renders the same in GitHub,
GitLab and a terminal pager. Long findings lists are cut; ``findings.json`` always has them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from secpipe._findings import ContractScore, Finding, GateRun, GateStatus, Report, ToolRun
from secpipe.reports._interface import Reporter

#: At most this many findings are listed; PR comments are capped at 65536 characters.
MAX_FINDING_ROWS = 200

#: Cells longer than this are cut, so one long stack trace cannot swallow the table.
MAX_CELL_CHARS = 300

# Characters that would end a cell, open a code span, or start emphasis, a link or raw HTML.
_MARKDOWN_SPECIAL = re.compile(r"([\\`|*_\[\]<>~&#])")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")


class MarkdownReporter(Reporter):
    """Writes a human-readable summary: outcome, gates, policy violations and findings."""

    name = "markdown"
    filename = "summary.md"

    def render(self, report: Report) -> str:
        """Return the Markdown summary of ``report``."""
        sections = [
            _heading(report),
            _gates_section(report.gates),
            _violations_section(report),
            _findings_section(report.findings),
        ]
        if report.contracts:
            sections.append(_contracts_section(report.contracts))
        if report.warnings:
            sections.append(_bullets("Warnings", report.warnings))
        return "\n\n".join(sections) + "\n"


def escape(text: str, limit: int | None = None) -> str:
    """Make ``text`` safe inside a Markdown table cell or list item: one line, no markup."""
    # Newlines would end the row, so they become spaces; then cut before escaping, so a cut
    # never splits an escape sequence.
    flat = _LINE_BREAKS.sub(" ", text).strip()
    if limit is not None and len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return _MARKDOWN_SPECIAL.sub(r"\\\1", flat)


def _heading(report: Report) -> str:
    """Build the outcome line and say what was run."""
    outcome = "PASSED" if report.passed else "FAILED"
    stages = ", ".join(escape(stage) for stage in report.stages) or "none"
    return (
        f"# secpipe: {outcome} (exit code {report.exit_code})\n\n"
        f"Pipeline {escape(report.pipeline)}, stages run: {stages}. "
        f"Took {report.duration_s:.1f} s with secpipe {escape(report.secpipe_version)}."
    )


def _gates_section(gates: Sequence[GateRun]) -> str:
    """Build the gate table, one row per gate."""
    if not gates:
        return "## Gates\n\nNo gates ran."

    rows = [
        [
            escape(gate.name),
            escape(gate.stage),
            gate.status.value,
            str(gate.findings),
            escape(", ".join(_tool_label(tool) for tool in gate.tools) or "none"),
            escape("; ".join(_gate_problems(gate)), MAX_CELL_CHARS),
        ]
        for gate in gates
    ]
    header = ["Gate", "Stage", "Status", "Findings", "Tools", "Errors"]
    return "## Gates\n\n" + _table(header, rows)


def _tool_label(tool: ToolRun) -> str:
    """Name, version and, when it did not simply run, what happened to the tool."""
    label = f"{tool.name} {tool.version}" if tool.version else tool.name
    if tool.status in (GateStatus.ERROR, GateStatus.SKIPPED):
        label += f" ({tool.status.value})"
    return label


def _gate_problems(gate: GateRun) -> list[str]:
    """List the gate's error, each tool's error, and how many files each tool could not scan."""
    problems = [gate.error] if gate.error else []
    for tool in gate.tools:
        if tool.error:
            problems.append(f"{tool.name}: {tool.error}")
        if tool.skipped_files:
            count = len(tool.skipped_files)
            problems.append(f"{tool.name} could not scan {count} file{'s' if count != 1 else ''}")
    return problems


def _violations_section(report: Report) -> str:
    """One bullet per reason the policy failed the run."""
    if not report.violations:
        return "## Policy violations\n\nNone."
    lines = []
    for violation in report.violations:
        count = len(violation.fingerprints)
        affected = f" ({count} finding{'s' if count != 1 else ''})" if count else ""
        lines.append(f"- **{escape(violation.rule)}**: {escape(violation.message)}{affected}")
    return "## Policy violations\n\n" + "\n".join(lines)


def _findings_section(findings: Sequence[Finding]) -> str:
    """Build the findings table, worst first, cut at :data:`MAX_FINDING_ROWS` rows."""
    if not findings:
        return "## Findings\n\nNo findings."

    # Worst first, then by place, so the same run always renders the same table.
    ordered = sorted(
        findings,
        key=lambda f: (-f.severity.rank, f.path, f.start_line, f.rule_id, f.fingerprint),
    )
    shown = ordered[:MAX_FINDING_ROWS]

    rows = [
        [
            finding.severity.value,
            escape(finding.rule_id),
            escape(_location(finding)),
            escape(finding.title, MAX_CELL_CHARS),
            escape(", ".join(finding.tools)),
            finding.status.value,
        ]
        for finding in shown
    ]
    header = ["Severity", "Rule", "Location", "Title", "Tools", "Status"]
    text = f"## Findings ({len(findings)})\n\n" + _table(header, rows)

    # Say plainly that the table is cut, and where the rest is.
    left_out = len(ordered) - len(shown)
    if left_out:
        text += (
            f"\n\n{left_out} more finding{'s are' if left_out != 1 else ' is'} not shown here; "
            "`findings.json` has all of them."
        )
    return text


def _contracts_section(scores: Sequence[ContractScore]) -> str:
    """Each contract's score, its two parts, every deduction and the fixes worth most."""
    parts = ["## Contract scores"]
    for item in sorted(scores, key=lambda score: score.path):
        minimum = f" (minimum {item.minimum:g})" if item.minimum is not None else ""
        parts.append(
            f"### {escape(item.path)}: {item.score:.1f}/100{minimum}\n\n"
            f"Security {item.security:g}/30, data validation {item.data_validation:g}/70."
            + (f" {item.suppressed} finding(s) suppressed." if item.suppressed else "")
        )
        if item.deductions:
            rows = [
                [
                    escape(d.rule_id),
                    escape(d.title, MAX_CELL_CHARS),
                    d.severity.value,
                    escape(d.category),
                    f"{d.affected}/{d.eligible}",
                    f"-{d.points:g}",
                ]
                for d in sorted(item.deductions, key=lambda d: (-d.points, d.rule_id))
            ]
            header = ["Rule", "Title", "Severity", "Category", "Affected", "Points"]
            parts.append(_table(header, rows))
        if item.top_fixes:
            fixes = "\n".join(f"{n}. {escape(fix)}" for n, fix in enumerate(item.top_fixes, 1))
            parts.append("Top fixes:\n\n" + fixes)
    return "\n\n".join(parts)


def _location(finding: Finding) -> str:
    """``path:line``, or just the path for a finding about the whole file."""
    return f"{finding.path}:{finding.start_line}" if finding.start_line else finding.path


def _bullets(title: str, items: Iterable[str]) -> str:
    """Build a titled section with one escaped bullet per item."""
    return f"## {title}\n\n" + "\n".join(f"- {escape(item)}" for item in items)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Build a GitHub-flavoured table from cells that are already escaped."""
    lines = [_row(header), _row(["---"] * len(header))]
    lines.extend(_row(row) for row in rows)
    return "\n".join(lines)


def _row(cells: Sequence[str]) -> str:
    """One table row; empty cells keep a space so every renderer sees the column."""
    return "| " + " | ".join(cell or " " for cell in cells) + " |"
