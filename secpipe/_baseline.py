"""Baselines: the findings a project already had, so a run can fail only on new ones.

A baseline file (``.secpipe/baseline.json`` by default) is meant to be committed, so it is written
for small, readable diffs: a schema version, then one finding per line sorted by path, rule and
fingerprint, with the rule id, path and severity next to each fingerprint as an aid for
reviewers. Only the fingerprints matter when matching; they already survive line moves.

``secpipe run --baseline`` also accepts a ``findings.json`` of an earlier run: every finding in it
is then part of the baseline.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from secpipe._errors import InvalidInputError
from secpipe._findings import FINDINGS_SCHEMA_VERSION, Finding, FindingStatus, Report, Severity
from secpipe._normalize import FINGERPRINT_VERSION

#: The version of the baseline file layout; bumped only on incompatible changes.
BASELINE_SCHEMA_VERSION = 1

#: Where ``secpipe baseline`` writes, relative to the scanned root, when --output is not given.
DEFAULT_BASELINE = Path(".secpipe") / "baseline.json"

#: Marks a JSON file as a secpipe baseline (a findings.json has no ``kind``).
_KIND = "secpipe-baseline"


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    fingerprint: str
    rule_id: str
    path: str
    severity: Severity


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: Literal["secpipe-baseline"]
    schema_version: int
    fingerprint_version: str
    findings: list[_Entry]


@dataclass(frozen=True)
class Baseline:
    """The fingerprints of known findings, and the file they came from."""

    fingerprints: frozenset[str]
    source: str


def render(findings: Iterable[Finding]) -> str:
    """The text of a baseline file for ``findings``: stable order, one finding per line."""
    entries = sorted(
        {item.fingerprint: item for item in findings}.values(),
        key=lambda item: (item.path, item.rule_id, item.fingerprint),
    )
    lines = [
        json.dumps(
            {
                "fingerprint": item.fingerprint,
                "rule_id": item.rule_id,
                "path": item.path,
                "severity": item.severity.value,
            },
            ensure_ascii=False,
        )
        for item in entries
    ]
    body = ",\n    ".join(lines)
    findings_text = f"[\n    {body}\n  ]" if lines else "[]"
    return (
        "{\n"
        f'  "kind": "{_KIND}",\n'
        f'  "schema_version": {BASELINE_SCHEMA_VERSION},\n'
        f'  "fingerprint_version": "{FINGERPRINT_VERSION}",\n'
        f'  "findings": {findings_text}\n'
        "}\n"
    )


def write(findings: Sequence[Finding], target: Path) -> None:
    """Write the baseline file for ``findings`` (creating its folder)."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render(findings), encoding="utf-8")
    except OSError as error:
        raise InvalidInputError(f"{target}: cannot write the baseline: {error.strerror}") from None


def read(path: Path) -> Baseline:
    """Read a baseline file, or a findings.json used as one; bad input is InvalidInputError."""
    data = _load_json(path)

    # A findings.json of an earlier run: every finding it lists is known.
    if isinstance(data, dict) and "kind" not in data and "secpipe_version" in data:
        report = read_report(path, data, what="baseline")
        return Baseline(
            fingerprints=frozenset(item.fingerprint for item in report.findings),
            source=str(path),
        )

    # Otherwise it must be a baseline file of a version this secpipe reads.
    if not isinstance(data, dict) or data.get("kind") != _KIND:
        raise InvalidInputError(
            f"{path}: not a secpipe baseline or findings.json; create one with `secpipe baseline`"
        )
    if data.get("schema_version") != BASELINE_SCHEMA_VERSION:
        raise InvalidInputError(
            f"{path}: baseline schema_version {data.get('schema_version')!r} is not supported "
            f"(this secpipe reads {BASELINE_SCHEMA_VERSION}); recreate it with `secpipe baseline`"
        )
    try:
        parsed = _File.model_validate(data)
    except ValidationError as error:
        raise InvalidInputError(f"{path}: {_first_error(error)}") from None
    if parsed.fingerprint_version != FINGERPRINT_VERSION:
        raise InvalidInputError(
            f"{path}: fingerprints are of version {parsed.fingerprint_version!r}, this secpipe "
            f"makes {FINGERPRINT_VERSION!r}; recreate the baseline with `secpipe baseline`"
        )
    return Baseline(
        fingerprints=frozenset(entry.fingerprint for entry in parsed.findings), source=str(path)
    )


def read_report(path: Path, data: Any | None = None, *, what: str = "shard") -> Report:
    """Read and validate a ``findings.json``; anything else is an InvalidInputError."""
    if data is None:
        data = _load_json(path)
    if not isinstance(data, dict) or "schema_version" not in data or "findings" not in data:
        raise InvalidInputError(
            f"{path}: not a secpipe findings.json (no schema_version/findings); give the "
            f"findings.json that `secpipe run` wrote as the {what}"
        )

    # Only the major version must match: minor versions add optional fields only.
    version = str(data["schema_version"])
    if version.split(".")[0] != FINDINGS_SCHEMA_VERSION.split(".")[0]:
        raise InvalidInputError(
            f"{path}: findings.json schema_version {version!r} is incompatible with this "
            f"secpipe ({FINDINGS_SCHEMA_VERSION}); re-run with the same secpipe version"
        )
    try:
        return Report.model_validate(data)
    except ValidationError as error:
        raise InvalidInputError(
            f"{path}: not a valid secpipe findings.json: {_first_error(error)}"
        ) from None


def mark(findings: Sequence[Finding], baseline: Baseline | None) -> list[Finding]:
    """Give every finding status ``baseline`` (known) or ``new``."""
    known = baseline.fingerprints if baseline is not None else frozenset()
    marked = []
    for item in findings:
        status = FindingStatus.BASELINE if item.fingerprint in known else FindingStatus.NEW
        # Findings are frozen, so one that already has its status is shared, not copied.
        marked.append(item if item.status is status else item.model_copy(update={"status": status}))
    return marked


def _load_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInputError(f"{path}: file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInputError(f"{path}: cannot read: {error}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise InvalidInputError(
            f"{path}:{error.lineno}:{error.colno}: not JSON ({error.msg}); expected a secpipe "
            "baseline or findings.json"
        ) from None


def _first_error(error: ValidationError) -> str:
    detail = error.errors(include_url=False)[0]
    where = ".".join(str(part) for part in detail["loc"]) or "top level"
    return f"{where}: {detail['msg']}"
