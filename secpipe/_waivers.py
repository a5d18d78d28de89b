"""Waivers: accepted risks with a reason, an owner and an end date.

Waivers come from ``secpipe-waivers.yml`` at the scanned root (or ``--waivers FILE``) and from the
``waivers:`` section of the pipeline file. A waived finding stays in every report with status
``waived`` and does not count. A waiver past its ``expires`` day stops applying and is a policy
violation naming its file and line; one expiring soon, or one that matches nothing, is a warning.
``expires`` may be at most ``policy.waiver_max_days`` ahead, so no exception is forever.

Every date check takes ``today`` as a parameter, so tests never depend on the real date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from secpipe import _paths
from secpipe._errors import InvalidInputError
from secpipe._findings import Finding, FindingStatus, Violation
from secpipe._pipeline import LoadedPipeline, Waiver, _Config, describe_validation_error
from secpipe._policy import POLICY_WARNING
from secpipe._yamlpos import PositionedDocument, YamlSyntaxError, load_document

#: The waivers file looked for at the scanned root when ``--waivers`` is not given.
DEFAULT_WAIVERS_NAME = "secpipe-waivers.yml"

#: A waiver this many days or fewer from its end gives a warning.
EXPIRY_WARNING_DAYS = 14


class WaiversFile(_Config):
    """A whole ``secpipe-waivers.yml``."""

    version: Literal[1] = Field(description="Schema version of this file.")
    waivers: list[Waiver] = Field(default_factory=list, description="The accepted risks.")


@dataclass(frozen=True)
class LoadedWaiver:
    """A waiver and where it was written, for messages that name file and line."""

    waiver: Waiver
    source: str
    line: int

    @property
    def where(self) -> str:
        """``FILE:LINE`` of the waiver's entry."""
        return f"{self.source}:{self.line}" if self.line else self.source

    def describe(self) -> str:
        """What the waiver covers and who owns it, for one-line messages."""
        waiver = self.waiver
        target = (
            f"fingerprint {waiver.fingerprint}"
            if waiver.fingerprint
            else f"rule {waiver.rule} in {waiver.path}"
        )
        return f"waiver for {target} (owner {waiver.owner})"

    def matches(self, finding: Finding) -> bool:
        """Whether the waiver covers ``finding``."""
        waiver = self.waiver
        if waiver.fingerprint is not None:
            return finding.fingerprint == waiver.fingerprint
        return finding.rule_id == waiver.rule and _paths.matches(finding.path, [waiver.path or ""])


@dataclass
class WaiverOutcome:
    """Findings with waived ones marked, plus expired-waiver violations and warnings."""

    findings: list[Finding]
    violations: list[Violation] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def load_all(
    root: Path, loaded: LoadedPipeline, explicit: Path | None, *, today: date
) -> tuple[LoadedWaiver, ...]:
    """Every waiver of a run: the pipeline's section, then the waivers file (if any)."""
    max_days = loaded.pipeline.policy.waiver_max_days
    waivers = list(from_pipeline(loaded, today=today))
    if explicit is not None:
        waivers += load_file(explicit, today=today, max_days=max_days)
    elif (root / DEFAULT_WAIVERS_NAME).is_file():
        waivers += load_file(root / DEFAULT_WAIVERS_NAME, today=today, max_days=max_days)
    return tuple(waivers)


def load_file(path: Path, *, today: date, max_days: int) -> list[LoadedWaiver]:
    """Read and validate a waivers file; every problem is one InvalidInputError line."""
    # Read and parse, keeping positions for the messages.
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise InvalidInputError(f"{path}: waivers file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInputError(f"{path}: cannot read the waivers file: {error}") from None
    try:
        document = load_document(text)
    except YamlSyntaxError as error:
        where = f"{path}:{error.mark.line}:{error.mark.column}" if error.mark else str(path)
        raise InvalidInputError(f"{where}: not valid YAML: {error.message}") from None
    if document.data is None:
        return []
    if not isinstance(document.data, dict):
        raise InvalidInputError(
            f"{path}:1:1: expected a mapping with 'version' and 'waivers', "
            f"found a {type(document.data).__name__}"
        )

    # Validate: unknown keys and missing reason/owner/expires name their line.
    try:
        parsed = WaiversFile.model_validate(document.data)
    except ValidationError as error:
        raise InvalidInputError(describe_validation_error(error, document, str(path))) from None
    return _positioned(parsed.waivers, document, str(path), today=today, max_days=max_days)


def from_pipeline(loaded: LoadedPipeline, *, today: date) -> list[LoadedWaiver]:
    """The waivers of the pipeline file's ``waivers:`` section, with their lines."""
    waivers = loaded.pipeline.waivers
    if not waivers:
        return []

    # The pipeline was validated already; read it again only to learn the entries' lines.
    document = PositionedDocument(data=None)
    if not loaded.source.startswith("builtin:"):
        try:
            document = load_document(Path(loaded.source).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, YamlSyntaxError):
            document = PositionedDocument(data=None)
    max_days = loaded.pipeline.policy.waiver_max_days
    return _positioned(waivers, document, loaded.source, today=today, max_days=max_days)


def _positioned(
    waivers: Sequence[Waiver],
    document: PositionedDocument,
    source: str,
    *,
    today: date,
    max_days: int,
) -> list[LoadedWaiver]:
    # An end date past the horizon is refused outright: the file needs a nearer date.
    limit = today + timedelta(days=max_days)
    loaded = []
    for index, waiver in enumerate(waivers):
        entry = document.position(("waivers", index))
        if waiver.expires > limit:
            mark = document.position(("waivers", index, "expires"))
            where = f"{source}:{mark.line}:{mark.column}" if mark else source
            raise InvalidInputError(
                f"{where}: waivers[{index}].expires: {waiver.expires} is more than {max_days} "
                f"days ahead (policy.waiver_max_days); pick a date on or before {limit}"
            )
        loaded.append(LoadedWaiver(waiver=waiver, source=source, line=entry.line if entry else 0))
    return loaded


def apply(
    findings: Sequence[Finding], waivers: Sequence[LoadedWaiver], *, today: date
) -> WaiverOutcome:
    """Mark waived findings; report expired (violation), expiring and stale (warning) waivers."""
    active = [item for item in waivers if item.waiver.expires >= today]
    expired = [item for item in waivers if item.waiver.expires < today]
    used: set[int] = set()

    # The first active waiver that matches a finding waives it.
    marked = []
    for finding in findings:
        hit = next((index for index, item in enumerate(active) if item.matches(finding)), None)
        if hit is None:
            marked.append(finding)
            continue
        used.add(hit)
        marked.append(finding.model_copy(update={"status": FindingStatus.WAIVED}))
    outcome = WaiverOutcome(findings=marked)

    # An expired waiver fails the run until it is renewed or removed, even if nothing matches.
    for item in expired:
        outcome.violations.append(
            Violation(
                rule="waiver-expired",
                message=(
                    f"{item.where}: {item.describe()} expired on {item.waiver.expires}; "
                    "fix the finding, or renew the waiver with a new 'expires'"
                ),
                fingerprints=tuple(f.fingerprint for f in findings if item.matches(f)),
            )
        )

    # Soon-to-expire and stale waivers are warnings: nothing is at risk yet.
    for index, item in enumerate(active):
        days = (item.waiver.expires - today).days
        if days <= EXPIRY_WARNING_DAYS:
            outcome.warnings.append(
                f"{POLICY_WARNING}{item.where}: {item.describe()} expires on "
                f"{item.waiver.expires} (in {days} day{'s' if days != 1 else ''})"
            )
        if index not in used:
            outcome.warnings.append(
                f"{POLICY_WARNING}{item.where}: stale {item.describe()}: it matches "
                "no finding of this run; remove it if the finding is fixed"
            )
    return outcome
