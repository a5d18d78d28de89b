"""The scales findings are measured on: severity, confidence, and the status of findings and gates.

They live apart from the findings model so that reading a pipeline file (which names severities)
does not build every model of the findings: ``secpipe validate`` starts faster for it.
``secpipe._findings`` re-exports them; import them from there.
"""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """The one severity scale; every tool's own levels are mapped onto it."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Order for comparisons: ``critical`` is 4, ``info`` is 0."""
        return SEVERITY_RANK[self]

    def at_least(self, threshold: Severity) -> bool:
        """Whether this severity is as bad as ``threshold`` or worse."""
        return self.rank >= threshold.rank


#: Each severity's rank (``critical`` 4 … ``info`` 0): a plain lookup, for code that ranks
#: findings by the 100,000 and cannot afford a property call for each.
SEVERITY_RANK = {
    Severity.INFO: 0,
    Severity.LOW: 1,
    Severity.MEDIUM: 2,
    Severity.HIGH: 3,
    Severity.CRITICAL: 4,
}


class Confidence(StrEnum):
    """How sure the tool is that a finding is real."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class FindingStatus(StrEnum):
    """Whether a finding is new, already in the baseline, or waived."""

    NEW = "new"
    BASELINE = "baseline"
    WAIVED = "waived"


class GateStatus(StrEnum):
    """The outcome of one gate (or of one tool inside it)."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
