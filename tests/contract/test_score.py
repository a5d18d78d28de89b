"""The contract score: budgets, scaling by affected/eligible, determinism and top fixes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from secpipe.contract import BUDGET, RULES, RULES_BY_ID, Audit, RuleOutcome, rule_points, score


def test_the_rules_share_out_exactly_the_two_budgets() -> None:
    for category, budget in BUDGET.items():
        total = sum(rule_points(rule) for rule in RULES if rule.category == category)
        assert total == pytest.approx(budget)
    assert sum(BUDGET.values()) == 100


def test_a_rule_costs_its_points_scaled_by_affected_over_eligible() -> None:
    rule = RULES_BY_ID["api.schema.string-unbounded"]
    full = rule_points(rule)
    result = score("api.yaml", [RuleOutcome(rule, eligible=4, affected=1)])
    (deduction,) = result.deductions
    assert (deduction.affected, deduction.eligible) == (1, 4)
    assert deduction.points == round(full / 4, 2)
    assert result.data_validation == round(70 - deduction.points, 2)
    assert result.security == 30
    assert result.score == round(100 - deduction.points, 1)

    # All eligible nodes affected: the whole share, and never more than once.
    everything = score("api.yaml", [RuleOutcome(rule, eligible=50, affected=50)])
    assert everything.deductions[0].points == round(full, 2)


def test_nothing_eligible_or_nothing_affected_costs_nothing() -> None:
    rule = RULES_BY_ID["api.auth.http-basic"]
    result = score("a.yaml", [RuleOutcome(rule, 0, 0), RuleOutcome(RULES[0], 3, 0)])
    assert result.score == 100 and result.deductions == ()


def test_good_contract_scores_100(audit_text: Callable[[str], Audit], good_contract: str) -> None:
    result = audit_text(good_contract)
    assert score("openapi.yaml", result.outcomes).score == 100


def test_score_is_deterministic_and_lists_top_five_fixes(
    audit_text: Callable[[str], Audit], good_contract: str
) -> None:
    bad = (
        good_contract.replace("https://api.example.com/v2", "http://api.example.com/v2")
        .replace("          maxLength: 32\n", "")
        .replace("          maxItems: 100\n", "")
        .replace("      additionalProperties: false\n      required", "      required")
        .replace('        "429": {$ref: "#/components/responses/TooMany"}\n', "", 1)
    )
    first = score("openapi.yaml", audit_text(bad).outcomes)
    second = score("openapi.yaml", audit_text(bad).outcomes)
    assert first == second
    assert first.score < 100
    assert len(first.top_fixes) == 5
    ranked = sorted(first.deductions, key=lambda d: (-d.points, d.rule_id))
    assert [fix.split("(")[-1].split(":")[0] for fix in first.top_fixes] == [
        d.rule_id for d in ranked[:5]
    ]
    assert first.score == round(first.security + first.data_validation, 1)


def test_suppressed_findings_cost_no_points(audit_text: Callable[[str], Audit]) -> None:
    head = 'openapi: 3.0.3\ninfo: {title: t, version: "1"}\nservers:\n'
    plain = audit_text(head + "  - url: http://api.example.com\npaths: {}\n")
    ignored = audit_text(
        head + "  - url: http://api.example.com\n    x-secpipe-ignore:\n"
        "      api.transport.http-server: internal test server only\npaths: {}\n"
    )
    before = score("a", plain.outcomes)
    after = score("a", ignored.outcomes, suppressed=ignored.suppressed)
    assert "api.transport.http-server" in {d.rule_id for d in before.deductions}
    assert "api.transport.http-server" not in {d.rule_id for d in after.deductions}
    assert after.score > before.score and after.suppressed == 1
