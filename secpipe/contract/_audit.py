"""Running every rule on one contract, honouring ``x-secpipe-ignore`` suppressions.

A suppression is written on the node it concerns (or any node above it, up to the document
root) and needs a reason, so a reviewer can see why a finding is accepted::

    x-secpipe-ignore:
      - rule: api.auth.unsecured-read-operation
        reason: the health check is public on purpose
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from secpipe._yamlpos import PathKey
from secpipe.contract._api import Api
from secpipe.contract._document import Contract, ContractError, Node, SourceFile
from secpipe.contract._rules import RULES, RULES_BY_ID, Rule
from secpipe.contract._score import RuleOutcome

#: The extension key that suppresses rules on a node and everything below it.
IGNORE_KEY = "x-secpipe-ignore"


@dataclass
class Audit:
    """Every rule's outcome on one contract, and what the user should be told."""

    contract: Contract
    outcomes: list[RuleOutcome]
    suppressed: int = 0
    warnings: list[str] = field(default_factory=list)


def audit(contract: Contract, rules: Sequence[Rule] = RULES) -> Audit:
    """Run ``rules`` on ``contract``; a rule that cannot run raises ContractError."""
    api = Api(contract)
    ignores = _Ignores()
    result = Audit(contract=contract, outcomes=[])

    for rule in rules:
        # One verdict per place: a node reached twice is judged once, bad if any verdict is.
        verdicts: dict[object, tuple[Node, str | None]] = {}
        try:
            for verdict in rule.check(api):
                known = verdicts.get(verdict.node.key)
                if known is None or (known[1] is None and verdict.message is not None):
                    verdicts[verdict.node.key] = (verdict.node, verdict.message)
        except ContractError:
            raise
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            # Fail closed: a rule that could not look at the contract is not a pass.
            raise ContractError(
                f"{contract.root.file}: rule {rule.id} could not check this contract "
                f"({type(error).__name__}: {error})"
            ) from None

        # Suppressed hits are counted apart and cost no points.
        outcome = RuleOutcome(rule=rule, eligible=len(verdicts))
        for node, message in verdicts.values():
            if message is None:
                continue
            if ignores.covers(node, rule.id):
                outcome.suppressed += 1
                continue
            outcome.affected += 1
            outcome.hits.append((node, message))
        result.suppressed += outcome.suppressed
        result.outcomes.append(outcome)

    result.warnings.extend(ignores.warnings)
    result.warnings.extend(
        f"{contract.root.file}: remote $ref {ref!r} was not followed (secpipe never fetches)"
        for ref in contract.remote_refs
    )
    return result


class _Ignores:
    """The ``x-secpipe-ignore`` entries of each node, read once per node."""

    def __init__(self) -> None:
        self._cache: dict[tuple[Path, PathKey], dict[str, str]] = {}
        self.warnings: list[str] = []

    def covers(self, node: Node, rule_id: str) -> bool:
        """Whether ``rule_id`` is ignored on ``node`` or on a node above it in its file."""
        for length in range(len(node.path), -1, -1):
            if rule_id in self._at(node.source, node.path[:length]):
                return True
        return False

    def _at(self, source: SourceFile, path: PathKey) -> dict[str, str]:
        key = (source.path, path)
        if key not in self._cache:
            self._cache[key] = self._read(source, path)
        return self._cache[key]

    def _read(self, source: SourceFile, path: PathKey) -> dict[str, str]:
        # Find the value at ``path``; only mappings can carry the extension.
        value: Any = source.document.data
        for part in path:
            value = value[part] if isinstance(value, dict | list) else None  # type: ignore[index]
        entries = value.get(IGNORE_KEY) if isinstance(value, dict) else None
        if entries is None:
            return {}

        # Two spellings: a list of {rule, reason}, or a mapping of rule id to reason.
        pairs: list[tuple[Any, Any]] = []
        if isinstance(entries, dict):
            pairs = list(entries.items())
        elif isinstance(entries, list):
            pairs = [
                (item.get("rule"), item.get("reason")) if isinstance(item, dict) else (item, None)
                for item in entries
            ]
        line = source.line((*path, IGNORE_KEY))
        accepted: dict[str, str] = {}
        for rule_id, reason in pairs:
            if str(rule_id) not in RULES_BY_ID:
                self.warnings.append(
                    f"{source.path}:{line}: {IGNORE_KEY} names an unknown rule {rule_id!r} "
                    "(see secpipe/contract/RULES.md for the rule ids)"
                )
            elif not isinstance(reason, str) or not reason.strip():
                self.warnings.append(
                    f"{source.path}:{line}: {IGNORE_KEY} for {rule_id!r} has no reason and is "
                    "not applied (write `reason: why this is acceptable`)"
                )
            else:
                accepted[str(rule_id)] = reason
        return accepted
