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
from secpipe import contract as contract_package
from secpipe._cache import CachedOutput
from secpipe._findings import ContractScore, GateStatus, ToolRun
from secpipe._normalize import RawFinding, normalize
from secpipe._pipeline import ContractGate as ContractSettings
from secpipe._timings import timed
from secpipe._version import __version__
from secpipe.contract import (
    IGNORE_KEY,
    ContractError,
    RuleOutcome,
    audit_file,
    find_contracts,
    score,
)
from secpipe.contract._document import Contract
from secpipe.contract._rules import OWASP_URL
from secpipe.gates._interface import GateContext, GateOutcome, ToolGate

logger = logging.getLogger(__name__)

#: The tool name findings and the tool run carry.
TOOL = "secpipe-contract"

_GLOB_CHARS = frozenset("*?[")

#: Suffixes of the documents a contract's $refs usually reach.
_DOCUMENTS = frozenset({".yaml", ".yml", ".json"})


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

        # An unchanged set of contracts (and of files their $refs may reach) is not audited again.
        key = self._cache_key(context, settings, paths) if not errors else None
        hit = context.cache.load(key) if context.cache is not None and key is not None else None
        if hit is not None:
            logger.info("%s: reusing the cached audit (inputs unchanged)", TOOL)
            raw = list(hit.findings)
            suppressed = hit.suppressed
            outcome.contracts.extend(ContractScore.model_validate(x) for x in hit.extra["scores"])
            outcome.warnings.extend(str(warning) for warning in hit.extra["warnings"])
        else:
            earlier = len(outcome.warnings)
            raw, suppressed, reached = self._audit(context, settings, paths, outcome, errors)
            # Only a clean audit whose every file is covered by the key is kept.
            covered = reached <= set(_key_files(context, paths))
            if context.cache is not None and key is not None and not errors and covered:
                extra = {
                    "scores": [item.model_dump(mode="json") for item in outcome.contracts],
                    "warnings": outcome.warnings[earlier:],
                }
                context.cache.store(key, CachedOutput(raw, [], __version__, suppressed, extra))

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

    @timed("own check: contract")
    def _audit(
        self,
        context: GateContext,
        settings: ContractSettings,
        paths: list[str],
        outcome: GateOutcome,
        errors: list[str],
    ) -> tuple[list[RawFinding], int, set[str]]:
        """Audit each contract; the raw findings, the suppressed count and every file read."""
        raw: list[RawFinding] = []
        suppressed = 0
        reached: set[str] = set()
        # Each contract on its own: one that cannot be read does not stop the others.
        for relative in paths:
            try:
                audit = audit_file(context.root / relative, boundary=context.root)
            except ContractError as error:
                errors.append(self._relative(str(error), context.root))
                continue
            reached.update(_relative_files(audit.contract, context.root))
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
        return raw, suppressed, reached

    def _cache_key(
        self, context: GateContext, settings: ContractSettings, paths: list[str]
    ) -> str | None:
        # Settings, the audit's code, the chosen contracts, and every file a $ref may reach.
        if context.cache is None or not paths:
            return None
        return context.cache.native_key(
            tool=TOOL,
            settings=settings.model_dump(mode="json", exclude={"timeout"}),
            root=context.root,
            files=_key_files(context, paths),
            sources=[Path(contract_package.__file__).parent, Path(__file__)],
            inputs=paths,
        )

    @staticmethod
    def _status(paths: list[str], errors: list[str]) -> GateStatus:
        if errors:
            return GateStatus.ERROR
        return GateStatus.PASSED if paths else GateStatus.SKIPPED

    @staticmethod
    def _relative(message: str, root: Path) -> str:
        # Messages carry absolute paths from the loader; the report speaks repository paths.
        return message.replace(f"{root}/", "")


def _key_files(context: GateContext, paths: list[str]) -> list[str]:
    """The files a contract audit's key covers: the contracts and every YAML/JSON file."""
    # $refs point at YAML or JSON documents; a reach beyond these is noticed and not cached.
    candidates = {path for path in context.files if Path(path).suffix.lower() in _DOCUMENTS}
    return sorted(candidates | set(paths))


def _relative_files(contract: Contract, root: Path) -> set[str]:
    """The repository-relative files the contract's loading read (its own and its $refs')."""
    resolved = root.resolve()
    found: set[str] = set()
    for node in contract.roots():
        path = node.file.resolve()
        found.add(path.relative_to(resolved).as_posix() if path.is_relative_to(resolved) else "")
    return found


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
