"""What a person sees in the terminal: progress while tools run, then a summary.

On a terminal the progress is one live line listing the tools still running; elsewhere (CI logs)
it is one plain line per tool start and end. Everything goes to stderr except the summary, so
``secpipe run`` output can be piped without progress noise.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from secpipe._findings import GateStatus, Report, Severity, ToolRun

#: How many findings the terminal summary lists; the reports have them all.
TOP_FINDINGS = 10

#: Policy violations listed on the terminal; every one is in the reports.
TOP_VIOLATIONS = 30

_STATUS_MARK = {
    GateStatus.PASSED: "passed",
    GateStatus.FAILED: "FAILED",
    GateStatus.ERROR: "ERROR",
    GateStatus.SKIPPED: "skipped",
}


class TerminalProgress:
    """A progress sink for the terminal (live on a TTY, plain lines otherwise)."""

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False):
        """Write to ``stream`` (stderr by default); ``quiet`` shows nothing."""
        self._stream = stream or sys.stderr
        self._quiet = quiet
        self._live = self._stream.isatty() and not quiet
        self._lock = threading.Lock()
        self._running: dict[str, float] = {}
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> TerminalProgress:
        """Start the live line's clock on a terminal."""
        if self._live:
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop the live line and clear it."""
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            with self._lock:
                self._stream.write("\r\033[K")
                self._stream.flush()

    def tool_started(self, stage: str, gate: str, tool: str) -> None:
        """Show that a tool started."""
        with self._lock:
            self._running[f"{gate}/{tool}"] = time.monotonic()
            if not self._live and not self._quiet:
                self._stream.write(f"secpipe: {stage}/{gate}: {tool} started\n")
                self._stream.flush()

    def tool_finished(self, stage: str, gate: str, run: ToolRun, findings: int) -> None:
        """Show how a tool ended."""
        with self._lock:
            self._running.pop(f"{gate}/{run.name}", None)
            if self._quiet:
                return
            if run.status is GateStatus.ERROR:
                outcome = f"ERROR: {run.error}"
            elif run.status is GateStatus.SKIPPED:
                outcome = f"skipped ({run.error})"
            else:
                outcome = f"{findings} finding{'s' if findings != 1 else ''}"
            version = f" {run.version}" if run.version else ""
            line = (
                f"secpipe: {stage}/{gate}: {run.name}{version} {outcome} ({run.duration_s:.1f} s)"
            )
            prefix = "\r\033[K" if self._live else ""
            self._stream.write(f"{prefix}{line}\n")
            self._stream.flush()

    def _tick(self) -> None:
        while not self._stop.wait(0.2):
            with self._lock:
                now = time.monotonic()
                running = ", ".join(
                    f"{name} {now - since:.0f}s" for name, since in sorted(self._running.items())
                )
                if running:
                    self._stream.write(f"\r\033[Krunning: {running}"[:200])
                    self._stream.flush()


def summary(report: Report, written: list[str], *, quiet: bool = False) -> str:
    """The end-of-run summary: gates, the most severe findings, violations, verdict.

    ``quiet`` keeps what explains the verdict: gates that could not run, warnings, violations.
    """
    lines: list[str] = []
    if quiet:
        lines.extend(
            f"error: {gate.stage}/{gate.name}: {gate.error or 'could not run'}"
            for gate in report.gates
            if gate.status is GateStatus.ERROR
        )
    else:
        lines += ["", _gate_table(report), ""]

    # The most severe findings first; the reports carry the rest.
    if report.findings and not quiet:
        lines.append(f"Findings ({len(report.findings)}; most severe first):")
        for finding in report.findings[:TOP_FINDINGS]:
            where = f"{finding.path}:{finding.start_line}" if finding.start_line else finding.path
            tools = "+".join(finding.tools)
            status = "" if finding.status.value == "new" else f" [{finding.status.value}]"
            lines.append(
                f"  {finding.severity.value.upper():8} {where}  {finding.title}  "
                f"({finding.rule_id}; {tools}){status}"
            )
        if len(report.findings) > TOP_FINDINGS:
            lines.append(f"  … and {len(report.findings) - TOP_FINDINGS} more in the reports")
        lines.append("")

    # Warnings (files a tool could not scan, dropped paths) and the policy's verdict.
    for warning in report.warnings:
        lines.append(f"warning: {warning}")
    if report.violations:
        lines.append(f"Policy violations ({len(report.violations)}):")
        shown = report.violations[:TOP_VIOLATIONS]
        lines.extend(f"  - {violation.message}" for violation in shown)
        if len(report.violations) > len(shown):
            lines.append(f"  … and {len(report.violations) - len(shown)} more in the reports")
    if written and not quiet:
        lines.append("Reports: " + ", ".join(written))
    lines.append(_verdict(report))
    return "\n".join(lines)


def _verdict(report: Report) -> str:
    verdict = "PASSED" if report.passed else "FAILED"
    counts = _severity_counts(report)
    return f"secpipe: {verdict} (exit {report.exit_code}) — {counts} in {report.duration_s:.1f} s"


def _gate_table(report: Report) -> str:
    rows = [("stage", "gate", "status", "findings", "tools")]
    for gate in report.gates:
        tools = ", ".join(
            f"{tool.name} {tool.version or '?'}"
            + (
                ""
                if tool.status in (GateStatus.PASSED, GateStatus.FAILED)
                else f" ({tool.status.value})"
            )
            + (f" ({tool.suppressed} suppressed inline)" if tool.suppressed else "")
            for tool in gate.tools
        )
        rows.append((gate.stage, gate.name, _STATUS_MARK[gate.status], str(gate.findings), tools))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        + "  "
        + row[4]
        for row in rows
    )


def _severity_counts(report: Report) -> str:
    if not report.findings:
        return "no findings"
    parts = []
    for severity in Severity:
        count = sum(1 for finding in report.findings if finding.severity is severity)
        if count:
            parts.append(f"{count} {severity.value}")
    return ", ".join(parts)
