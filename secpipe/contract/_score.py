"""The 0-100 contract score: 30 points of security, 70 of data validation.

Each rule owns a share of its category's budget in proportion to its severity, fixed for all
contracts so the same problem always costs the same. A rule costs its share at most once,
scaled by how many of its eligible nodes are affected; suppressed findings cost nothing. The
arithmetic is plain and rounded at fixed places, so the same contract always gets the same score.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from secpipe._findings import ContractScore, ScoreDeduction, Severity
from secpipe.contract._document import Node
from secpipe.contract._rules import RULES, Rule

#: Points per category; the score is their sum.
BUDGET = {"security": 30.0, "data-validation": 70.0}

#: How much a rule's severity weighs when its category's budget is shared out.
WEIGHTS = {
    Severity.CRITICAL: 8.0,
    Severity.HIGH: 5.0,
    Severity.MEDIUM: 3.0,
    Severity.LOW: 1.0,
    Severity.INFO: 0.5,
}

#: How many fixes the report suggests.
TOP_FIXES = 5


@dataclass
class RuleOutcome:
    """What one rule found in one contract: counts for the score, hits for the findings."""

    rule: Rule
    eligible: int = 0
    affected: int = 0
    suppressed: int = 0
    hits: list[tuple[Node, str]] = field(default_factory=list)


def rule_points(rule: Rule, rules: Sequence[Rule] = RULES) -> float:
    """The points ``rule`` costs when every eligible node is affected."""
    total = sum(WEIGHTS[other.severity] for other in rules if other.category == rule.category)
    return BUDGET[rule.category] * WEIGHTS[rule.severity] / total


def score(
    path: str,
    outcomes: Sequence[RuleOutcome],
    *,
    minimum: float | None = None,
    suppressed: int = 0,
) -> ContractScore:
    """Score one contract from its rule outcomes."""
    # One deduction per rule that hit anything, scaled by affected/eligible.
    deductions = [
        ScoreDeduction(
            rule_id=outcome.rule.id,
            title=outcome.rule.title,
            severity=outcome.rule.severity,
            category=outcome.rule.category,
            affected=outcome.affected,
            eligible=outcome.eligible,
            points=round(rule_points(outcome.rule) * outcome.affected / outcome.eligible, 2),
        )
        for outcome in sorted(outcomes, key=lambda item: item.rule.id)
        if outcome.affected and outcome.eligible
    ]

    # Each part is its budget minus its deductions, never below zero.
    parts = {
        category: max(
            0.0,
            round(budget - sum(d.points for d in deductions if d.category == category), 2),
        )
        for category, budget in BUDGET.items()
    }

    # The fixes worth most points first; ties broken by rule id so the order is stable.
    ranked = sorted(deductions, key=lambda item: (-item.points, item.rule_id))[:TOP_FIXES]
    fixes = {outcome.rule.id: outcome.rule.fix for outcome in outcomes}
    top = tuple(f"{fixes[d.rule_id]} ({d.rule_id}: +{d.points:g} points)" for d in ranked)
    return ContractScore(
        path=path,
        score=round(parts["security"] + parts["data-validation"], 1),
        security=parts["security"],
        data_validation=parts["data-validation"],
        deductions=tuple(deductions),
        top_fixes=top,
        minimum=minimum,
        suppressed=suppressed,
    )
