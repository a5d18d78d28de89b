"""The one pass/fail policy: severity thresholds, maximum counts, and what a gate error means.

A policy decision is a list of violations, one line each, plus the exit code. Waived findings
never count. Baseline findings count only when ``policy.new_only`` is false; ``max_new`` always
counts status ``new`` only. A gate in ``mode: warn`` reports its violations as warnings and never
fails the run (not even when it could not run). Every violation names the setting it crossed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from secpipe._errors import ExitCode
from secpipe._findings import (
    ContractScore,
    Finding,
    FindingStatus,
    GateStatus,
    Severity,
    Violation,
)
from secpipe._pipeline import Policy

#: Every policy warning starts with this, so a merge can tell them from the gates' warnings.
POLICY_WARNING = "policy: "


@dataclass(frozen=True)
class GateResult:
    """What the policy needs to know about one gate in one stage."""

    stage: str
    gate: str
    errors: tuple[str, ...]
    findings: tuple[Finding, ...]
    #: Scores of the API contracts the gate audited (the contract gate only).
    scores: tuple[ContractScore, ...] = ()


@dataclass
class Decision:
    """The verdict: violations, warnings, each gate's final status and the exit code."""

    violations: list[Violation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    gate_status: dict[tuple[str, str], GateStatus] = field(default_factory=dict)
    exit_code: ExitCode = ExitCode.PASSED

    @property
    def passed(self) -> bool:
        """Whether the run passed."""
        return self.exit_code is ExitCode.PASSED


def threshold_for(policy: Policy, stage: str, gate: str) -> Severity | Literal["never"]:
    """The severity that fails ``gate`` in ``stage``: gate override, stage override, global."""
    for override in (policy.gates.get(gate), policy.stages.get(stage)):
        if override is not None and override.fail_on is not None:
            return override.fail_on
    return policy.fail_on


def override_severities(policy: Policy, findings: Sequence[Finding]) -> list[Finding]:
    """Apply ``policy.severity_overrides`` (rule id → severity) before anything is judged."""
    overrides = policy.severity_overrides
    return [
        item.model_copy(update={"severity": overrides[item.rule_id]})
        if item.rule_id in overrides and overrides[item.rule_id] is not item.severity
        else item
        for item in findings
    ]


def counts(policy: Policy, finding: Finding) -> bool:
    """Whether a finding counts against thresholds: new ones, and baseline ones unless new_only."""
    if finding.status is FindingStatus.NEW:
        return True
    return finding.status is FindingStatus.BASELINE and not policy.new_only


def gate_mode(policy: Policy, stage: str, gate: str) -> Literal["enforce", "warn"]:
    """``warn`` when the gate may report but never fail the run: gate, then stage override."""
    for override in (policy.gates.get(gate), policy.stages.get(stage)):
        if override is not None and override.mode is not None:
            return override.mode
    return "enforce"


def decide(policy: Policy, results: Sequence[GateResult]) -> Decision:
    """Judge every gate result against the policy."""
    decision = Decision()
    errored = False
    violated = False

    for result in results:
        warn_only = gate_mode(policy, result.stage, result.gate) == "warn"
        gate_violations = _judge_gate(policy, result) + _judge_scores(result)
        if warn_only:
            # A gate in warn mode reports what it would have failed on, and never fails the run.
            decision.warnings.extend(
                f"{POLICY_WARNING}{result.gate} ({result.stage}) is in warn mode: {item.message}"
                for item in gate_violations
            )
        else:
            decision.violations.extend(gate_violations)
            violated = violated or bool(gate_violations)

        # A gate that could not run is never a pass; the policy says whether it fails the run.
        if result.errors:
            status = GateStatus.ERROR
            for error in result.errors:
                line = f"{result.gate} ({result.stage}) could not run: {error}"
                if policy.on_error == "fail" and not warn_only:
                    errored = True
                    decision.violations.append(Violation(rule="gate-error", message=line))
                else:
                    decision.warnings.append(f"{POLICY_WARNING}{line}")
        else:
            status = GateStatus.FAILED if gate_violations and not warn_only else GateStatus.PASSED
        decision.gate_status[(result.stage, result.gate)] = status

    # Stage and global limits look at each finding of the enforced gates once.
    enforced = [item for item in results if gate_mode(policy, item.stage, item.gate) == "enforce"]
    stage_violations = _stage_new_violations(policy, enforced)
    unique = {finding.fingerprint: finding for result in enforced for finding in result.findings}
    counted = [item for item in unique.values() if counts(policy, item)]
    global_violations = _count_violations(
        policy, policy.max_findings, counted, "run", "policy.max_findings"
    )
    global_violations += _new_violations(policy.max_new, counted, "run", "policy.max_new")
    decision.violations.extend(stage_violations + global_violations)
    violated = violated or bool(stage_violations or global_violations)

    # Errors win over findings: a run with a gate that did not run is incomplete, whatever else.
    if errored:
        decision.exit_code = ExitCode.GATE_ERROR
    elif violated:
        decision.exit_code = ExitCode.POLICY_VIOLATED
    return decision


def _judge_scores(result: GateResult) -> list[Violation]:
    """One violation per contract scoring under the minimum its gate settings require."""
    return [
        Violation(
            rule="min_score",
            message=(
                f"{item.path}: contract score {item.score:.1f} is below the minimum "
                f"{item.minimum:g} [{result.gate}/{result.stage}]"
            ),
        )
        for item in result.scores
        if item.minimum is not None and item.score < item.minimum
    ]


def _judge_gate(policy: Policy, result: GateResult) -> list[Violation]:
    threshold = threshold_for(policy, result.stage, result.gate)
    counted = [item for item in result.findings if counts(policy, item)]
    violations: list[Violation] = []

    # One line per finding at or above the threshold, most severe first.
    if threshold != "never":
        # Worked out once per gate, not once per finding: a run may hold 100,000 findings.
        failing = {
            severity: severity.value for severity in Severity if severity.at_least(threshold)
        }
        rule = f"fail_on:{threshold.value}"
        suffix = f"[{result.gate}/{result.stage} fails on {threshold.value}]"
        for finding in counted:
            if finding.severity in failing:
                where = (
                    f"{finding.path}:{finding.start_line}" if finding.start_line else (finding.path)
                )
                violations.append(
                    Violation(
                        rule=rule,
                        message=(
                            f"{where}: {failing[finding.severity]} {finding.rule_id} "
                            f"({finding.title}) {suffix}"
                        ),
                        fingerprints=(finding.fingerprint,),
                    )
                )

    # Maximum counts per severity: the stage's and the gate's, gate winning.
    limits: dict[Severity, tuple[int, str]] = {}
    if result.stage in policy.stages:
        setting = f"policy.stages.{result.stage}.max_findings"
        for severity, limit in policy.stages[result.stage].max_findings.items():
            limits[severity] = (limit, setting)
    if result.gate in policy.gates:
        setting = f"policy.gates.{result.gate}.max_findings"
        for severity, limit in policy.gates[result.gate].max_findings.items():
            limits[severity] = (limit, setting)
    scope = f"{result.gate}/{result.stage}"
    for severity, (limit, setting) in limits.items():
        violations += _count_violations(policy, {severity: limit}, counted, scope, setting)

    # The gate's cap on new findings.
    override = policy.gates.get(result.gate)
    if override is not None:
        setting = f"policy.gates.{result.gate}.max_new"
        violations += _new_violations(override.max_new, counted, scope, setting)
    return violations


def _stage_new_violations(policy: Policy, results: Sequence[GateResult]) -> list[Violation]:
    # A stage's max_new caps the new findings of all its gates together.
    violations = []
    for stage, thresholds in policy.stages.items():
        unique = {
            finding.fingerprint: finding
            for result in results
            if result.stage == stage
            for finding in result.findings
        }
        violations += _new_violations(
            thresholds.max_new, list(unique.values()), stage, f"policy.stages.{stage}.max_new"
        )
    return violations


def _new_violations(
    limit: int | None, findings: Sequence[Finding], scope: str, setting: str
) -> list[Violation]:
    # Only status "new" is counted here, whatever new_only says: that is what max_new means.
    if limit is None:
        return []
    new = [item.fingerprint for item in findings if item.status is FindingStatus.NEW]
    if len(new) <= limit:
        return []
    return [
        Violation(
            rule="max_new",
            message=f"{scope}: {len(new)} new findings, more than the {limit} allowed ({setting})",
            fingerprints=tuple(new),
        )
    ]


def _count_violations(
    policy: Policy,
    limits: dict[Severity, int],
    findings: Sequence[Finding],
    scope: str,
    setting: str,
) -> list[Violation]:
    counted = [item for item in findings if counts(policy, item)]
    tally = Counter(item.severity for item in counted)
    adjective = "new " if policy.new_only else ""
    violations = []
    for severity, limit in limits.items():
        if tally[severity] > limit:
            fingerprints = tuple(item.fingerprint for item in counted if item.severity is severity)
            violations.append(
                Violation(
                    rule=f"max_findings:{severity.value}",
                    message=(
                        f"{scope}: {tally[severity]} {adjective}{severity.value} findings, "
                        f"more than the {limit} allowed ({setting}.{severity.value})"
                    ),
                    fingerprints=fingerprints,
                )
            )
    return violations
