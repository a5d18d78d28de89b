"""The contract gate: secpipe's own security audit of OpenAPI contracts, with a 0-100 score.

No external tool runs: every rule lives in ``secpipe.contract``. Each contract is audited on its
own, so one broken contract (bad YAML, a ``$ref`` that points nowhere) becomes a tool error that
names its file and line while the other contracts are still scored.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path

from secpipe import _paths
from secpipe._findings import GateStatus, ToolRun
from secpipe._normalize import RawFinding, normalize
from secpipe._pipeline import ContractGate as ContractSettings
from secpipe._version import __version__
from secpipe.contract import (
    IGNORE_KEY,
    ContractError,
    RuleOutcome,
    audit_file,
    find_contracts,
    score,
)
from secpipe.contract._rules import OWASP_URL
from secpipe.gates._interface import GateContext, GateOutcome, ToolGate

logger = logging.getLogger(__name__)

#: The tool name findings and the tool run carry.
TOOL = "secpipe-contract"

_GLOB_CHARS = frozenset("*?[")


class ContractAuditGate(ToolGate):
    """OpenAPI contracts checked against the OWASP API Security Top 10 (2023)."""

    name = "contract"
    description = "OpenAPI contract audit (authentication, transport, input limits…) with a score"
    tools = ()

    def run(self, context: GateContext) -> GateOutcome:
        """Audit every contract of the tree (or the configured ones) and score each."""
        settings = context.settings
        assert isinstance(settings, ContractSettings)  # noqa: S101 - the runner passes ours
        outcome = GateOutcome(name=self.name)
        started = time.monotonic()
        context.progress.tool_started(context.stage, self.name, TOOL)

        # Which contracts: the configured ones, else every file that declares itself one.
        errors: list[str] = []
        paths = self._contracts(context, settings, errors)
        if settings.follow_remote_refs:
            # TODO: remote $refs are never fetched; drop this once a vetted offline cache exists.
            outcome.warnings.append("contract: follow_remote_refs is not supported; not fetched")

        # Each contract on its own: one that cannot be read does not stop the others.
        raw: list[RawFinding] = []
        suppressed = 0
        for relative in paths:
            try:
                audit = audit_file(context.root / relative, boundary=context.root)
            except ContractError as error:
                errors.append(self._relative(str(error), context.root))
                continue
            minimum = settings.min_scores.get(relative, settings.min_score)
            outcome.contracts.append(
                score(relative, audit.outcomes, minimum=minimum, suppressed=audit.suppressed)
            )
            outcome.warnings.extend(self._relative(w, context.root) for w in audit.warnings)
            if audit.suppressed:
                outcome.warnings.append(
                    f"{relative}: {audit.suppressed} contract finding(s) suppressed by {IGNORE_KEY}"
                )
            suppressed += audit.suppressed
            raw.extend(_raw_findings(audit.outcomes))

        # Findings through the same normalization as every other gate (paths, fingerprints).
        outcome.findings, warnings = normalize(
            raw, gate=self.name, root=context.root, tool_order=(TOOL,)
        )
        outcome.warnings.extend(warnings)
        run = ToolRun(
            name=TOOL,
            version=__version__,
            status=self._status(paths, errors),
            duration_s=round(time.monotonic() - started, 3),
            error="; ".join(errors) or (None if paths else "no OpenAPI contract found"),
            suppressed=suppressed,
        )
        outcome.tool_runs.append(run)
        context.progress.tool_finished(context.stage, self.name, run, len(outcome.findings))
        return outcome

    def _contracts(
        self, context: GateContext, settings: ContractSettings, errors: list[str]
    ) -> list[str]:
        # Discovery respects the gate's include/exclude; configured paths are taken as given.
        if not settings.contracts:
            return find_contracts(context.root, context.files)
        chosen: list[str] = []
        for entry in settings.contracts:
            if _GLOB_CHARS & set(entry):
                matched = _paths.select(context.files, [entry], [])
                if not matched:
                    errors.append(f"contracts: {entry!r} matches no file")
                chosen += matched
            elif (context.root / entry).is_file():
                chosen.append(Path(entry).as_posix())
            else:
                errors.append(f"{entry}: contract file not found (gates.contract.contracts)")
        return list(dict.fromkeys(chosen))

    @staticmethod
    def _status(paths: list[str], errors: list[str]) -> GateStatus:
        if errors:
            return GateStatus.ERROR
        return GateStatus.PASSED if paths else GateStatus.SKIPPED

    @staticmethod
    def _relative(message: str, root: Path) -> str:
        # Messages carry absolute paths from the loader; the report speaks repository paths.
        return message.replace(f"{root}/", "")


def _raw_findings(outcomes: Sequence[RuleOutcome]) -> list[RawFinding]:
    """One raw finding per affected node, at the line where the node is written."""
    return [
        RawFinding(
            tool=TOOL,
            rule_id=outcome.rule.id,
            title=outcome.rule.title,
            message=f"{message} [{outcome.rule.owasp}] Fix: {outcome.rule.fix}",
            severity=outcome.rule.severity,
            path=str(node.file),
            start_line=node.line,
            end_line=node.line,
            references=(OWASP_URL,),
            # The rule id is part of the class: two rules on one line stay two findings.
            weakness=f"{outcome.rule.category}:{outcome.rule.id}",
        )
        for outcome in outcomes
        for node, message in outcome.hits
    ]
