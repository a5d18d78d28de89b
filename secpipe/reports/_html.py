"""``report.html``: one self-contained page to open from a CI artifact or a local folder.

The page has its style inline and no scripts, fonts, images or links to fetch, so it reads the
same from ``file://``, an artifact viewer or an e-mail attachment. Every value that came from a
scanner or a file goes through :func:`html.escape`, so a finding cannot inject markup.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence

from secpipe._findings import Finding, GateRun, Report
from secpipe.reports._interface import Reporter

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #1b1b1b; }
table { border-collapse: collapse; margin-bottom: 2em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
.passed { color: #1a7f37; } .failed, .error { color: #cf222e; } .skipped { color: #6e7781; }
.critical, .high { font-weight: bold; color: #cf222e; } .medium { color: #9a6700; }
pre { white-space: pre-wrap; margin: 0; }
"""


class HtmlReporter(Reporter):
    """Writes the outcome, gates, policy violations and every finding as one HTML page."""

    name = "html"
    filename = "report.html"

    def render(self, report: Report) -> str:
        """Return the whole HTML page."""
        outcome = "PASSED" if report.passed else "FAILED"
        title = f"secpipe: {outcome} ({_e(report.pipeline)})"
        parts = [
            "<!DOCTYPE html>",
            '<html lang="en">',
            '<head><meta charset="utf-8">',
            f"<title>{title}</title>",
            f"<style>{_STYLE}</style></head>",
            "<body>",
            f'<h1 class="{outcome.lower()}">{title}</h1>',
            _summary(report),
            _gates(report.gates),
            _violations(report),
            _findings(report.findings),
        ]
        if report.warnings:
            parts.append("<h2>Warnings</h2>" + _list(report.warnings))
        parts.append("</body></html>")
        return "\n".join(parts) + "\n"


def _e(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute."""
    return html.escape(str(value), quote=True)


def _summary(report: Report) -> str:
    """What ran, where, how long, and the exit code."""
    stages = ", ".join(report.stages) or "none"
    return (
        f"<p>Exit code {report.exit_code}. Stages: {_e(stages)}. "
        f"Folder: <code>{_e(report.root)}</code>. Started {_e(report.started_at.isoformat())}, "
        f"took {report.duration_s:.1f} s, secpipe {_e(report.secpipe_version)}.</p>"
    )


def _gates(gates: Sequence[GateRun]) -> str:
    """One row per gate with its tools and any error."""
    if not gates:
        return "<h2>Gates</h2><p>No gates ran.</p>"
    rows = []
    for gate in gates:
        tools = ", ".join(
            " ".join(filter(None, (tool.name, tool.version, f"({tool.status.value})")))
            for tool in gate.tools
        )
        errors = [gate.error or ""] + [f"{t.name}: {t.error}" for t in gate.tools if t.error]
        rows.append(
            [
                _e(gate.name),
                _e(gate.stage),
                f'<span class="{_e(gate.status.value)}">{_e(gate.status.value)}</span>',
                str(gate.findings),
                _e(tools),
                "<pre>" + _e("\n".join(error for error in errors if error)) + "</pre>",
            ]
        )
    header = ["Gate", "Stage", "Status", "Findings", "Tools", "Errors"]
    return "<h2>Gates</h2>" + _table(header, rows)


def _violations(report: Report) -> str:
    """Each reason the policy failed the run."""
    if not report.violations:
        return "<h2>Policy violations</h2><p>None.</p>"
    items = [
        f"{violation.rule}: {violation.message} ({len(violation.fingerprints)} findings)"
        for violation in report.violations
    ]
    return "<h2>Policy violations</h2>" + _list(items)


def _findings(findings: Sequence[Finding]) -> str:
    """Every finding, worst first; unlike the Markdown summary, nothing is cut."""
    if not findings:
        return "<h2>Findings</h2><p>No findings.</p>"
    ordered = sorted(findings, key=lambda f: (-f.severity.rank, f.path, f.start_line, f.rule_id))
    rows = [
        [
            f'<span class="{_e(f.severity.value)}">{_e(f.severity.value)}</span>',
            _e(f.rule_id),
            _e(f"{f.path}:{f.start_line}" if f.start_line else f.path),
            f"<strong>{_e(f.title)}</strong><pre>{_e(f.message)}</pre>",
            _e(", ".join(f.tools)),
            _e(f.status.value),
            _e(f.fingerprint),
        ]
        for f in ordered
    ]
    header = ["Severity", "Rule", "Location", "Finding", "Tools", "Status", "Fingerprint"]
    return f"<h2>Findings ({len(findings)})</h2>" + _table(header, rows)


def _list(items: Iterable[str]) -> str:
    """An escaped bullet list."""
    return "<ul>" + "".join(f"<li>{_e(item)}</li>" for item in items) + "</ul>"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table from a plain header and cells that are already escaped."""
    head = "".join(f"<th>{_e(cell)}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
