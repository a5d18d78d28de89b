"""The pass/fail policy: thresholds, overrides, counts, and gate errors."""

from __future__ import annotations

from secpipe._errors import ExitCode
from secpipe._findings import Finding, FindingStatus, GateStatus, Severity
from secpipe._pipeline import Policy, Thresholds
from secpipe._policy import GateResult, decide, threshold_for


def finding(
    severity: Severity, number: int = 0, status: FindingStatus = FindingStatus.NEW
) -> Finding:
    return Finding(
        fingerprint=f"fp{severity.value}{number}",
        gate="sast",
        tool="bandit",
        tools=("bandit",),
        rule_id="B602",
        title="Shell",
        message="m",
        severity=severity,
        path="a.py",
        start_line=3 + number,
        end_line=3 + number,
        status=status,
    )


def result(*findings: Finding, errors: tuple[str, ...] = (), stage: str = "commit") -> GateResult:
    return GateResult(stage=stage, gate="sast", errors=errors, findings=findings)


def test_default_fails_on_high_and_lists_each_violation() -> None:
    decision = decide(
        Policy(),
        [result(finding(Severity.HIGH), finding(Severity.HIGH, 1), finding(Severity.MEDIUM))],
    )
    assert decision.exit_code is ExitCode.POLICY_VIOLATED
    assert len(decision.violations) == 2
    assert decision.violations[0].message.startswith("a.py:3: high B602")
    assert decision.gate_status[("commit", "sast")] is GateStatus.FAILED


def test_below_threshold_passes() -> None:
    decision = decide(Policy(), [result(finding(Severity.MEDIUM))])
    assert decision.exit_code is ExitCode.PASSED
    assert decision.gate_status[("commit", "sast")] is GateStatus.PASSED


def test_gate_override_beats_stage_override_beats_global() -> None:
    policy = Policy(
        fail_on=Severity.CRITICAL,
        stages={"commit": Thresholds(fail_on=Severity.LOW)},
        gates={"sast": Thresholds(fail_on=Severity.HIGH)},
    )
    assert threshold_for(policy, "commit", "sast") is Severity.HIGH
    assert threshold_for(policy, "build", "other") is Severity.CRITICAL
    assert decide(policy, [result(finding(Severity.MEDIUM))]).passed


def test_baseline_and_waived_findings_never_fail() -> None:
    decision = decide(
        Policy(),
        [
            result(
                finding(Severity.CRITICAL, 0, FindingStatus.BASELINE),
                finding(Severity.CRITICAL, 1, FindingStatus.WAIVED),
            )
        ],
    )
    assert decision.passed


def test_max_counts_fail_when_exceeded() -> None:
    policy = Policy(fail_on="never", max_findings={Severity.LOW: 1})
    decision = decide(policy, [result(finding(Severity.LOW), finding(Severity.LOW, 1))])
    assert decision.exit_code is ExitCode.POLICY_VIOLATED
    assert decision.violations[0].rule == "max_findings:low"
    assert "2 new low findings, more than the 1 allowed" in decision.violations[0].message


def test_gate_error_fails_with_exit_3_by_default() -> None:
    decision = decide(Policy(), [result(errors=("semgrep: timed out",))])
    assert decision.exit_code is ExitCode.GATE_ERROR
    assert decision.gate_status[("commit", "sast")] is GateStatus.ERROR
    assert "could not run: semgrep: timed out" in decision.violations[0].message


def test_gate_error_only_warns_when_policy_says_so() -> None:
    decision = decide(Policy(on_error="warn"), [result(errors=("bandit: missing",))])
    assert decision.exit_code is ExitCode.PASSED
    assert decision.gate_status[("commit", "sast")] is GateStatus.ERROR
    assert decision.warnings
