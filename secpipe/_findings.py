"""The findings model: the one shape every gate, tool, policy and report speaks.

These models are a public contract (``findings.json`` and its published JSON Schema); field names
only ever get added, never renamed. Findings are frozen: later steps (deduplication, baselines,
waivers) make changed copies with ``model_copy(update=...)``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from secpipe._scales import Confidence, FindingStatus, GateStatus, Severity

__all__ = [
    "FINDINGS_SCHEMA_VERSION",
    "Advisory",
    "Confidence",
    "ContractScore",
    "Finding",
    "FindingStatus",
    "GateRun",
    "GateStatus",
    "ImageLocation",
    "Package",
    "Report",
    "ScoreDeduction",
    "Severity",
    "ToolRun",
    "Violation",
]

#: The version of the ``findings.json`` layout; bumped only on incompatible changes.
FINDINGS_SCHEMA_VERSION = "1.0"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


CweId = Annotated[str, StringConstraints(pattern=r"^CWE-[0-9]+$")]


class Advisory(_Frozen):
    """One published advisory about a package, with the other ids it is known by."""

    id: str
    aliases: tuple[str, ...] = ()


class Package(_Frozen):
    """The package a dependency finding is about."""

    name: str
    version: str
    fixed_versions: tuple[str, ...] = ()
    advisories: tuple[Advisory, ...] = ()


class ImageLocation(_Frozen):
    """Where inside a container image a finding is: the image, and the layer and file if known."""

    reference: str = Field(description="The image as named in the pipeline (name:tag or archive).")
    layer: str | None = Field(default=None, description="The layer holding the file.")
    file: str | None = Field(default=None, description="The file's path inside the image.")


class Finding(_Frozen):
    """One weakness at one place, reported by one or more tools."""

    fingerprint: str = Field(description="Stable id: survives unrelated edits to the file.")
    gate: str
    tool: str = Field(description="The tool whose report this finding was built from.")
    tools: tuple[str, ...] = Field(description="Every tool that reported this weakness here.")
    rule_id: str
    title: str
    message: str
    severity: Severity
    confidence: Confidence | None = None
    path: str = Field(description="Repository-relative POSIX path.")
    start_line: int = Field(ge=0, description="1-based; 0 when the finding is about a whole file.")
    end_line: int = Field(ge=0)
    cwe: tuple[CweId, ...] = ()
    references: tuple[str, ...] = ()
    status: FindingStatus = FindingStatus.NEW
    package: Package | None = None
    image: ImageLocation | None = Field(
        default=None, description="Set when the finding is about a container image, not a file."
    )


class ToolRun(_Frozen):
    """What happened when one tool ran inside a gate."""

    name: str
    version: str | None = None
    status: GateStatus
    duration_s: float = Field(ge=0)
    error: str | None = None
    skipped_files: tuple[str, ...] = Field(
        default=(), description="Files the tool was given but could not scan, with the reason."
    )
    suppressed: int = Field(
        default=0, ge=0, description="Findings the tool's own inline suppressions hid."
    )


class GateRun(_Frozen):
    """The outcome of one gate in one stage."""

    name: str
    stage: str
    status: GateStatus
    findings: int = Field(ge=0, description="How many findings this gate reported.")
    tools: tuple[ToolRun, ...] = ()
    error: str | None = None


class Violation(_Frozen):
    """One reason the policy failed the run."""

    rule: str
    message: str
    fingerprints: tuple[str, ...] = ()


class ScoreDeduction(_Frozen):
    """Points one contract rule cost: its share of the budget, scaled by affected/eligible."""

    rule_id: str
    title: str
    severity: Severity
    category: str = Field(description="'security' or 'data-validation'.")
    affected: int = Field(ge=0)
    eligible: int = Field(ge=0)
    points: float = Field(ge=0)


class ContractScore(_Frozen):
    """The 0-100 audit score of one API contract, and how it was reached."""

    path: str = Field(description="Repository-relative POSIX path of the contract.")
    score: float = Field(ge=0, le=100)
    security: float = Field(ge=0, le=30, description="Out of 30 points.")
    data_validation: float = Field(ge=0, le=70, description="Out of 70 points.")
    deductions: tuple[ScoreDeduction, ...] = ()
    top_fixes: tuple[str, ...] = Field(default=(), description="The fixes worth most points.")
    minimum: float | None = Field(default=None, description="The score the policy requires.")
    suppressed: int = Field(default=0, ge=0, description="Findings hidden by x-secpipe-ignore.")


class Report(_Frozen):
    """The whole result of a run: the content of ``findings.json``."""

    schema_version: str = FINDINGS_SCHEMA_VERSION
    secpipe_version: str
    started_at: datetime
    duration_s: float = Field(ge=0)
    root: str
    pipeline: str
    stages: tuple[str, ...]
    passed: bool
    exit_code: int
    gates: tuple[GateRun, ...]
    findings: tuple[Finding, ...]
    violations: tuple[Violation, ...] = ()
    warnings: tuple[str, ...] = ()
    contracts: tuple[ContractScore, ...] = Field(
        default=(), description="Scores of the API contracts the contract gate audited."
    )
