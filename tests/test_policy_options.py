"""Policy depth: severity overrides, warn mode, max_new, new_only, and named thresholds."""

from __future__ import annotations

from secpipe._errors import ExitCode
from secpipe._findings import Finding, FindingStatus, GateStatus, Severity
from secpipe._pipeline import Policy, Thresholds
from secpipe._policy import GateResult, decide, override_severities


def finding(
    number: int,
    severity: Severity = Severity.LOW,
    status: FindingStatus = FindingStatus.NEW,
    rule: str = "B404",
    gate: str = "sast",
) -> Finding:
    return Finding(
        fingerprint=f"{gate}-fp{number}",
        gate=gate,
        tool="bandit",
        tools=("bandit",),
        rule_id=rule,
        title="t",
        message="m",
        severity=severity,
        path="a.py",
        start_line=number + 1,
        end_line=number + 1,
        status=status,
    )


def result(*findings: Finding, stage: str = "commit", gate: str = "sast") -> GateResult:
    return GateResult(stage=stage, gate=gate, errors=(), findings=findings)


def test_severity_override_changes_what_is_judged_and_shown() -> None:
    policy = Policy(severity_overrides={"B404": Severity.CRITICAL, "B101": Severity.INFO})
    original = [finding(0), finding(1, Severity.HIGH, rule="B101"), finding(2, rule="B999")]
    overridden = override_severities(policy, original)
    assert [item.severity for item in overridden] == [
        Severity.CRITICAL,
        Severity.INFO,
        Severity.LOW,
    ]
    decision = decide(policy, [result(*overridden)])
    assert [violation.fingerprints for violation in decision.violations] == [("sast-fp0",)]
    assert "critical B404" in decision.violations[0].message


def test_warn_mode_gate_reports_but_never_fails() -> None:
    policy = Policy(gates={"sast": Thresholds(mode="warn", max_new=0)})
    decision = decide(policy, [result(finding(0, Severity.CRITICAL))])
    assert decision.exit_code is ExitCode.PASSED
    assert decision.violations == []
    assert decision.gate_status[("commit", "sast")] is GateStatus.PASSED
    assert any(
        line.startswith("policy: sast (commit) is in warn mode: a.py:1: critical")
        for line in decision.warnings
    )
    assert any("policy.gates.sast.max_new" in line for line in decision.warnings)


def test_warn_mode_gate_errors_do_not_fail_and_its_findings_skip_global_limits() -> None:
    policy = Policy(fail_on="never", max_new=0, stages={"commit": Thresholds(mode="warn")})
    errored = GateResult(stage="commit", gate="sast", errors=("bandit: boom",), findings=())
    decision = decide(policy, [errored, result(finding(0, gate="secrets"), gate="secrets")])
    assert decision.exit_code is ExitCode.PASSED
    assert decision.gate_status[("commit", "sast")] is GateStatus.ERROR
    assert "policy: sast (commit) could not run: bandit: boom" in decision.warnings


def test_gate_mode_enforce_beats_stage_warn() -> None:
    policy = Policy(
        stages={"commit": Thresholds(mode="warn")}, gates={"sast": Thresholds(mode="enforce")}
    )
    assert not decide(policy, [result(finding(0, Severity.HIGH))]).passed


def test_max_new_global_counts_only_new_and_names_the_setting() -> None:
    policy = Policy(fail_on="never", max_new=1)
    assert decide(policy, [result(finding(0), finding(1, status=FindingStatus.BASELINE))]).passed
    decision = decide(policy, [result(finding(0), finding(1))])
    assert decision.exit_code is ExitCode.POLICY_VIOLATED
    [violation] = decision.violations
    assert violation.rule == "max_new"
    assert violation.message == "run: 2 new findings, more than the 1 allowed (policy.max_new)"


def test_max_new_per_stage_adds_up_the_stage_gates() -> None:
    policy = Policy(fail_on="never", stages={"commit": Thresholds(max_new=1)})
    decision = decide(
        policy, [result(finding(0)), result(finding(0, gate="secrets"), gate="secrets")]
    )
    [violation] = decision.violations
    assert violation.message == (
        "commit: 2 new findings, more than the 1 allowed (policy.stages.commit.max_new)"
    )


def test_max_new_per_gate() -> None:
    policy = Policy(fail_on="never", gates={"sast": Thresholds(max_new=0)})
    decision = decide(policy, [result(finding(0))])
    assert decision.violations[0].message.endswith("(policy.gates.sast.max_new)")
    assert decision.gate_status[("commit", "sast")] is GateStatus.FAILED


def test_new_only_false_counts_baseline_findings_but_never_waived() -> None:
    baseline = finding(0, Severity.HIGH, FindingStatus.BASELINE)
    waived = finding(1, Severity.HIGH, FindingStatus.WAIVED)
    assert decide(Policy(), [result(baseline, waived)]).passed
    decision = decide(Policy(new_only=False), [result(baseline, waived)])
    assert [violation.fingerprints for violation in decision.violations] == [("sast-fp0",)]


def test_max_findings_names_the_setting_it_crossed() -> None:
    policy = Policy(fail_on="never", gates={"sast": Thresholds(max_findings={Severity.LOW: 0})})
    decision = decide(policy, [result(finding(0))])
    assert decision.violations[0].message == (
        "sast/commit: 1 new low findings, more than the 0 allowed "
        "(policy.gates.sast.max_findings.low)"
    )
