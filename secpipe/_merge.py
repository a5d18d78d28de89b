"""Merging shards: the ``findings.json`` files of parallel CI jobs, judged as one run.

Each CI job runs some gates (``--gate`` or ``--stage``) and writes its ``findings.json``. A final
job merges them: each file is validated, shards from different pipeline files are refused, the
findings are deduplicated by fingerprint, and severity overrides, the baseline, the waivers and
the policy are applied once over the union (every status is re-derived from scratch). The result
is the report one run of all those gates would have produced.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from secpipe._baseline import read_report
from secpipe._errors import InvalidInputError
from secpipe._findings import Finding, FindingStatus, Report
from secpipe._pipeline import LoadedPipeline
from secpipe._policy import POLICY_WARNING
from secpipe._runner import GateRecord, PolicyInputs, judge

#: The one gate whose results carry contract scores (``Report.contracts``).
_CONTRACT_GATE = "contract"


@dataclass(frozen=True)
class Shard:
    """One job's findings.json and where it was read from."""

    path: Path
    report: Report


def read_shards(paths: Sequence[Path]) -> list[Shard]:
    """Read and validate every shard; they must come from the same pipeline file."""
    if not paths:
        raise InvalidInputError("merge: give at least one findings.json")
    shards = [Shard(path=path, report=read_report(path)) for path in paths]

    # Shards of different pipelines would be judged by a policy none of them ran with.
    first = shards[0]
    for shard in shards[1:]:
        if shard.report.pipeline != first.report.pipeline:
            raise InvalidInputError(
                f"{shard.path}: produced with pipeline {shard.report.pipeline!r}, but "
                f"{first.path} with {first.report.pipeline!r}; merge only shards of one pipeline"
            )
    return shards


def merge(shards: Sequence[Shard], loaded: LoadedPipeline, inputs: PolicyInputs) -> Report:
    """Judge the union of the shards as one run of ``loaded``."""
    pipeline = loaded.pipeline

    # Which (stage, gate) pairs ran, in the order one run of the pipeline would list them.
    ran = {(gate.stage, gate.name) for shard in shards for gate in shard.report.gates}
    unknown = sorted(
        f"{gate}/{stage}"
        for stage, gate in ran
        if stage not in pipeline.stages or gate not in pipeline.stages[stage].gates
    )
    if unknown:
        raise InvalidInputError(
            f"merge: the shards ran {', '.join(unknown)}, which {loaded.source} does not have; "
            "pass the pipeline file the shards were run with (--pipeline)"
        )
    selected = [
        (stage, [gate for gate in settings.gates if (stage, gate) in ran])
        for stage, settings in pipeline.stages.items()
    ]
    selected = [(stage, gates) for stage, gates in selected if gates]

    # Each gate's tool runs from the first shard that ran it; findings are the union.
    records: dict[str, GateRecord] = {}
    findings: dict[str, dict[str, Finding]] = {}
    for shard in shards:
        for gate_run in shard.report.gates:
            if gate_run.name not in records:
                records[gate_run.name] = GateRecord(tool_runs=gate_run.tools, findings=())
        for finding in shard.report.findings:
            fresh = finding.model_copy(update={"status": FindingStatus.NEW})
            findings.setdefault(finding.gate, {}).setdefault(finding.fingerprint, fresh)
    # Contract scores only come from the contract gate; one per contract path.
    contracts = {
        score.path: score for shard in reversed(shards) for score in shard.report.contracts
    }
    records = {
        name: GateRecord(
            tool_runs=record.tool_runs,
            findings=tuple(findings.get(name, {}).values()),
            contracts=tuple(contracts.values()) if name == _CONTRACT_GATE else (),
        )
        for name, record in records.items()
    }

    # The gates' own warnings are kept; the policy's are re-derived over the union.
    warnings = list(
        dict.fromkeys(
            warning
            for shard in shards
            for warning in shard.report.warnings
            if not warning.startswith(POLICY_WARNING)
        )
    )
    started_at: datetime = min(shard.report.started_at for shard in shards)
    return judge(
        loaded,
        shards[0].report.root,
        selected,
        records,
        warnings,
        inputs,
        started_at=started_at,
        duration_s=max(shard.report.duration_s for shard in shards),
    )
