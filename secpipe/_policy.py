"""The one pass/fail policy: severity thresholds, maximum counts, and what a gate error means.

A policy decision is a list of violations, one line each, plus the exit code. Only findings with
status ``new`` count: baseline and waived findings are reported but never fail a run.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from secpipe._errors import ExitCode
from secpipe._findings import Finding, FindingStatus, GateStatus, Severity, Violation
from secpipe._pipeline import Policy


@dataclass(frozen=True)
class GateResult:
    """What the policy needs to know about one gate in one stage."""

    stage: str
    gate: str
    errors: tuple[str, ...]
    findings: tuple[Finding, ...]


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


def decide(policy: Policy, results: Sequence[GateResult]) -> Decision:
    """Judge every gate result against the policy."""
    decision = Decision()
    errored = False
    violated = False

    for result in results:
        gate_violations = _judge_gate(policy, result)
        decision.violations.extend(gate_violations)
        violated = violated or bool(gate_violations)

        # A gate that could not run is never a pass; the policy says whether it fails the run.
        if result.errors:
            errored = True
            status = GateStatus.ERROR
            for error in result.errors:
                line = f"{result.gate} ({result.stage}) could not run: {error}"
                if policy.on_error == "fail":
                    decision.violations.append(Violation(rule="gate-error", message=line))
                else:
                    decision.warnings.append(line)
        else:
            status = GateStatus.FAILED if gate_violations else GateStatus.PASSED
        decision.gate_status[(result.stage, result.gate)] = status

    # Global maximum counts look at every new finding of the run once.
    unique = {finding.fingerprint: finding for result in results for finding in result.findings}
    global_violations = _count_violations(policy.max_findings, list(unique.values()), "run")
    decision.violations.extend(global_violations)
    violated = violated or bool(global_violations)

    # Errors win over findings: a run with a gate that did not run is incomplete, whatever else.
    if errored and policy.on_error == "fail":
        decision.exit_code = ExitCode.GATE_ERROR
    elif violated:
        decision.exit_code = ExitCode.POLICY_VIOLATED
    return decision


def _judge_gate(policy: Policy, result: GateResult) -> list[Violation]:
    threshold = threshold_for(policy, result.stage, result.gate)
    counted = [item for item in result.findings if item.status is FindingStatus.NEW]
    violations: list[Violation] = []

    # One line per finding at or above the threshold, most severe first.
    if threshold != "never":
        for finding in counted:
            if finding.severity.at_least(threshold):
                where = (
                    f"{finding.path}:{finding.start_line}" if finding.start_line else (finding.path)
                )
                violations.append(
                    Violation(
                        rule=f"fail_on:{threshold.value}",
                        message=(
                            f"{where}: {finding.severity.value} {finding.rule_id} "
                            f"({finding.title}) [{result.gate}/{result.stage} fails on "
                            f"{threshold.value}]"
                        ),
                        fingerprints=(finding.fingerprint,),
                    )
                )

    # Maximum counts per severity: the stage's and the gate's, gate winning.
    limits = dict(policy.stages[result.stage].max_findings) if result.stage in policy.stages else {}
    if result.gate in policy.gates:
        limits.update(policy.gates[result.gate].max_findings)
    violations.extend(_count_violations(limits, counted, f"{result.gate}/{result.stage}"))
    return violations


def _count_violations(
    limits: dict[Severity, int], findings: Sequence[Finding], scope: str
) -> list[Violation]:
    counts = Counter(item.severity for item in findings if item.status is FindingStatus.NEW)
    violations = []
    for severity, limit in limits.items():
        if counts[severity] > limit:
            fingerprints = tuple(
                item.fingerprint
                for item in findings
                if item.severity is severity and item.status is FindingStatus.NEW
            )
            violations.append(
                Violation(
                    rule=f"max_findings:{severity.value}",
                    message=(
                        f"{scope}: {counts[severity]} new {severity.value} findings, "
                        f"more than the {limit} allowed"
                    ),
                    fingerprints=fingerprints,
                )
            )
    return violations
