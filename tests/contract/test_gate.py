"""The contract gate inside secpipe: configured contracts, policy on scores, the rule table."""

from __future__ import annotations

from pathlib import Path

from secpipe._findings import ContractScore, GateStatus
from secpipe._pipeline import ContractGate, Policy
from secpipe._policy import GateResult, decide
from secpipe._progress import SilentProgress
from secpipe._slots import Slots
from secpipe.contract import rules_table
from secpipe.gates import GATES, GateContext

REPO = Path(__file__).resolve().parents[2]


def _context(root: Path, settings: ContractGate, files: tuple[str, ...]) -> GateContext:
    return GateContext(
        root=root,
        stage="design",
        settings=settings,
        files=files,
        progress=SilentProgress(),
        limiter=Slots(1),
    )


def test_configured_contracts_and_per_file_minimums(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text('openapi: 3.0.3\ninfo: {title: t, version: "1"}\npaths: {}\n')
    settings = ContractGate(
        contracts=["a.yaml", "gone.yaml"], min_score=10, min_scores={"a.yaml": 99}
    )
    outcome = GATES["contract"].run(_context(tmp_path, settings, ("a.yaml",)))
    (run,) = outcome.tool_runs
    assert run.status is GateStatus.ERROR
    assert run.error is not None and "gone.yaml: contract file not found" in run.error
    (scored,) = outcome.contracts
    assert (scored.path, scored.minimum) == ("a.yaml", 99)


def test_no_contract_in_the_tree_skips_the_tool(tmp_path: Path) -> None:
    outcome = GATES["contract"].run(_context(tmp_path, ContractGate(), ()))
    assert outcome.tool_runs[0].status is GateStatus.SKIPPED
    assert outcome.contracts == [] and outcome.findings == []


def test_policy_fails_a_contract_under_its_minimum_only() -> None:
    low = ContractScore(path="api/a.yaml", score=60.0, security=20, data_validation=40, minimum=80)
    high = ContractScore(path="api/b.yaml", score=90.0, security=30, data_validation=60, minimum=80)
    unset = ContractScore(path="api/c.yaml", score=5.0, security=5, data_validation=0)
    result = GateResult("design", "contract", (), (), scores=(low, high, unset))
    decision = decide(Policy(), [result])
    assert [item.message for item in decision.violations] == [
        "api/a.yaml: contract score 60.0 is below the minimum 80 [contract/design]"
    ]
    assert decision.gate_status[("design", "contract")] is GateStatus.FAILED


def test_shipped_rule_table_is_the_generated_one() -> None:
    shipped = (REPO / "secpipe" / "contract" / "RULES.md").read_text(encoding="utf-8")
    assert shipped == rules_table.render(), "run: python -m secpipe.contract.rules_table"
