"""The native OpenAPI audit behind the ``contract`` gate: rules, positions and a 0-100 score.

``audit_file`` loads one contract (OpenAPI 2.0, 3.0 or 3.1; YAML or JSON), runs every rule and
scores it; ``find_contracts`` picks the contracts of a tree. Nothing here runs another program or
touches the network.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from secpipe.contract._audit import IGNORE_KEY, Audit, audit
from secpipe.contract._document import Contract, ContractError, Node, looks_like_contract
from secpipe.contract._rules import RULES, RULES_BY_ID, Rule, Verdict
from secpipe.contract._score import BUDGET, RuleOutcome, rule_points, score

#: File name endings a contract may have.
CONTRACT_SUFFIXES = (".yaml", ".yml", ".json")


def audit_file(path: Path, *, boundary: Path) -> Audit:
    """Load and audit one contract; ``boundary`` is the folder its ``$ref``s may not leave.

    Raises ContractError (naming file and line) when the file is not a usable contract.
    """
    return audit(Contract(path, boundary=boundary))


def find_contracts(root: Path, files: Iterable[str]) -> list[str]:
    """The repository-relative files among ``files`` that are OpenAPI contracts."""
    return [
        name
        for name in files
        if name.lower().endswith(CONTRACT_SUFFIXES) and looks_like_contract(root / name)
    ]


__all__ = [
    "BUDGET",
    "CONTRACT_SUFFIXES",
    "IGNORE_KEY",
    "RULES",
    "RULES_BY_ID",
    "Audit",
    "Contract",
    "ContractError",
    "Node",
    "Rule",
    "RuleOutcome",
    "Verdict",
    "audit",
    "audit_file",
    "find_contracts",
    "rule_points",
    "score",
]
