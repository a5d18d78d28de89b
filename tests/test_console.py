"""The end-of-run terminal summary: bounded on big runs, and short with ``--quiet``."""

from __future__ import annotations

from datetime import UTC, datetime

from secpipe._console import TOP_VIOLATIONS, summary
from secpipe._findings import GateRun, GateStatus, Report, Violation


def _report(violations: int, *, error: str | None = None) -> Report:
    gates = [GateRun(name="sast", stage="commit", status=GateStatus.FAILED, findings=violations)]
    if error is not None:
        gates.append(
            GateRun(
                name="secrets", stage="commit", status=GateStatus.ERROR, findings=0, error=error
            )
        )
    return Report(
        secpipe_version="0.1.0",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        duration_s=2.0,
        root="/r",
        pipeline="builtin:default",
        stages=("commit",),
        passed=False,
        exit_code=3 if error else 1,
        gates=tuple(gates),
        findings=(),
        violations=tuple(
            Violation(rule="severity", message=f"a.py:{line}: high B602 (shell)")
            for line in range(1, violations + 1)
        ),
    )


def test_a_long_list_of_violations_is_cut_with_a_count_of_the_rest() -> None:
    text = summary(_report(TOP_VIOLATIONS + 25), [])

    assert f"Policy violations ({TOP_VIOLATIONS + 25}):" in text
    assert f"a.py:{TOP_VIOLATIONS}: high" in text
    assert f"a.py:{TOP_VIOLATIONS + 1}: high" not in text
    assert "… and 25 more in the reports" in text


def test_a_short_list_of_violations_is_shown_whole() -> None:
    text = summary(_report(3), [])

    assert "a.py:3: high" in text
    assert "more in the reports" not in text


def test_quiet_keeps_gate_errors_violations_and_the_verdict_only() -> None:
    text = summary(_report(2, error="detect-secrets is not installed"), ["out/x.json"], quiet=True)

    assert text.splitlines() == [
        "error: commit/secrets: detect-secrets is not installed",
        "Policy violations (2):",
        "  - a.py:1: high B602 (shell)",
        "  - a.py:2: high B602 (shell)",
        "secpipe: FAILED (exit 3) — no findings in 2.0 s",
    ]
