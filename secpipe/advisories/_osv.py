"""A local OSV advisory database: a folder (searched recursively) or a ``.zip`` of OSV records.

Records are JSON as osv.dev publishes them (``PyPI/all.zip``) or YAML as in the PyPA
advisory-database (``vulns/<package>/PYSEC-….yaml``). Only ``affected`` entries of the PyPI
ecosystem are kept. A record that does not parse or does not match the OSV shape is reported with
its file name and skipped; it never stops the others from loading. Withdrawn records are dropped.

Severity of a record, in this order: the CVSS v3 base score computed from its vector (see
``cvss3_base_score``), else ``database_specific.severity`` (GitHub's words: CRITICAL, HIGH,
MODERATE, LOW), else none (the gate then uses its documented default).
"""

from __future__ import annotations

import json
import logging
import math
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from packaging.utils import canonicalize_name
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from secpipe._errors import SecpipeError
from secpipe._findings import Severity

logger = logging.getLogger(__name__)

#: File suffixes read as OSV records.
_RECORD_SUFFIXES = (".json", ".yaml", ".yml")

#: The C YAML parser is an order of magnitude faster on a few thousand records, when present.
_YAML_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


#: The environment variable that points secpipe at a local OSV database.
DATABASE_ENV_VAR = "SECPIPE_ADVISORY_DB"

#: What to do when no vulnerability service can be reached: one sentence, used in every message.
OFFLINE_HINT = (
    f"for an offline audit run `secpipe advisories update` and set {DATABASE_ENV_VAR} "
    "(or the gate's advisory_db) to the OSV database it prints"
)


class AdvisoryDatabaseError(SecpipeError):
    """The advisory database is missing or cannot be read at all."""


# The raw OSV shape: only the fields secpipe reads; numbers YAML parsed are taken as text.
class _Raw(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True, defer_build=True)


class _RawPackage(_Raw):
    ecosystem: str
    name: str


class _RawRange(_Raw):
    type: str
    events: list[dict[str, str]] = []


class _RawAffected(_Raw):
    package: _RawPackage | None = None
    ranges: list[_RawRange] = []
    versions: list[str] = []


class _RawSeverity(_Raw):
    type: str
    score: str


class _RawReference(_Raw):
    url: str


class _RawRecord(_Raw):
    id: str = Field(min_length=1)
    aliases: list[str] | None = []
    summary: str | None = None
    details: str | None = None
    # Any timestamp: YAML turns an unquoted date into a datetime.
    withdrawn: Any = None
    affected: list[_RawAffected] | None = []
    severity: list[_RawSeverity] | None = []
    references: list[_RawReference] | None = []
    database_specific: dict[str, Any] | None = None


@dataclass(frozen=True)
class Event:
    """One event of an OSV range: ``introduced``, ``fixed``, ``last_affected`` or ``limit``."""

    kind: str
    version: str


@dataclass(frozen=True)
class AffectedPackage:
    """The affected versions of one PyPI package in one record."""

    name: str
    ranges: tuple[tuple[Event, ...], ...] = ()
    versions: tuple[str, ...] = ()


@dataclass(frozen=True)
class OsvRecord:
    """One advisory, reduced to what the dependency gate reports."""

    id: str
    aliases: tuple[str, ...]
    summary: str
    affected: tuple[AffectedPackage, ...]
    severity: Severity | None = None
    cvss_vector: str | None = None
    cwe: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    source: str = ""

    @property
    def ids(self) -> frozenset[str]:
        """The record's id and every alias."""
        return frozenset((self.id, *self.aliases))


@dataclass
class AdvisoryDatabase:
    """The loaded records, indexed by canonical package name, plus per-file problems."""

    location: Path
    records: list[OsvRecord] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: How many record files the location holds (read, whether or not they were parsed).
    files_read: int = 0
    _by_package: dict[str, list[OsvRecord]] = field(default_factory=lambda: defaultdict(list))

    def add(self, record: OsvRecord) -> None:
        """Add one record and index it under each package it affects."""
        self.records.append(record)
        for name in {affected.name for affected in record.affected}:
            self._by_package[name].append(record)

    def for_package(self, name: str) -> list[OsvRecord]:
        """The records that affect some version of ``name`` (any spelling)."""
        return list(self._by_package.get(canonicalize_name(name), ()))


def load_database(location: Path, packages: Iterable[str] | None = None) -> AdvisoryDatabase:
    """Load the OSV records under ``location`` (a folder or a ``.zip``).

    With ``packages``, only the records that name one of them are parsed (see
    ``_Mentions``); every other record is read but cannot affect those packages, so a
    lookup of them gives what a full load would. Raises AdvisoryDatabaseError when the
    location does not exist or holds no record; bad single records are listed in ``problems``.
    """
    # The location itself must exist: a typo must not look like "no advisories".
    if not location.exists():
        raise AdvisoryDatabaseError(
            f"advisory database {location} does not exist; {OFFLINE_HINT}, or point it at a "
            "folder or .zip of OSV records"
        )
    database = AdvisoryDatabase(location=location)
    wanted = _Mentions(packages) if packages is not None else None

    # Read each file; one bad file is a problem line, never the end of the load.
    for name, content in _files(location):
        database.files_read += 1
        if wanted is not None and not wanted(content):
            continue
        record = parse_record(content, name, database.problems)
        if record is not None:
            database.add(record)

    # A folder without a single record is a wrong path, not a clean audit.
    if not database.files_read:
        raise AdvisoryDatabaseError(
            f"advisory database {location} holds no OSV record (no .json, .yaml or .yml file); "
            f"{OFFLINE_HINT}"
        )
    if not database.records and database.problems and wanted is None:
        raise AdvisoryDatabaseError(
            f"advisory database {location} has no readable PyPI record "
            f"({len(database.problems)} bad files, first: {database.problems[0]})"
        )
    logger.info(
        "read %d advisories from %s, kept %d PyPI records",
        database.files_read,
        location,
        len(database.records),
    )
    return database


class _Mentions:
    r"""Tells whether a record's raw bytes name any of some packages.

    Parsing thousands of records to look up a handful of packages costs seconds, while a byte
    search costs milliseconds. A record that affects a package names it in its ``affected``
    list, in any case and with ``-``, ``_`` or ``.`` between the parts of the name (PEP 503),
    so the pattern allows exactly that, bounded by characters that cannot be part of a name. A
    record that spelt a name with JSON's ``\u`` escapes would be missed; OSV records spell
    package names in plain ASCII.
    """

    def __init__(self, packages: Iterable[str]) -> None:
        names = sorted({canonicalize_name(name) for name in packages})
        parts = [[re.escape(part.encode()) for part in name.split("-")] for name in names]
        self._pattern = re.compile(
            rb"(?<![A-Za-z0-9._-])(?:"
            + b"|".join(rb"[-_.]+".join(name) for name in parts)
            + rb")(?![A-Za-z0-9._-])",
            re.IGNORECASE,
        )
        # A plain substring test first: most records name none of the packages at all.
        self._first_parts = [name.split("-")[0].encode() for name in names]

    def __call__(self, content: bytes) -> bool:
        """Whether ``content`` names one of the packages."""
        lowered = content.lower()
        if not any(part in lowered for part in self._first_parts):
            return False
        return self._pattern.search(content) is not None


def _files(location: Path) -> Iterator[tuple[str, bytes]]:
    # A zip archive as osv.dev publishes it, or a folder tree (PyPA's vulns/<package>/ layout).
    if location.is_file():
        try:
            with zipfile.ZipFile(location) as archive:
                for info in archive.infolist():
                    if not info.is_dir() and info.filename.lower().endswith(_RECORD_SUFFIXES):
                        yield f"{location}:{info.filename}", archive.read(info)
        except (zipfile.BadZipFile, OSError) as error:
            raise AdvisoryDatabaseError(
                f"advisory database {location} is not a readable .zip ({error}); "
                "give a folder of OSV records or the PyPI all.zip from osv.dev"
            ) from None
        return
    for path in sorted(location.rglob("*")):
        if path.suffix.lower() in _RECORD_SUFFIXES and path.is_file():
            try:
                yield str(path), path.read_bytes()
            except OSError as error:
                logger.warning("%s: cannot read it: %s", path, error.strerror)


def parse_record(content: bytes, name: str, problems: list[str]) -> OsvRecord | None:
    """Parse one OSV record; returns None (adding a problem line when it is bad) to skip it."""
    # Decode: JSON for .json, YAML otherwise (YAML also reads JSON, but more slowly).
    try:
        if name.lower().endswith(".json"):
            data = json.loads(content)
        else:
            data = yaml.load(content, Loader=_YAML_LOADER)  # noqa: S506 - a safe loader
    except (json.JSONDecodeError, UnicodeDecodeError, yaml.YAMLError) as error:
        problems.append(f"{name}: not valid JSON/YAML: {str(error).splitlines()[0]}")
        return None

    # Check the shape; only the fields used here must match.
    try:
        raw = _RawRecord.model_validate(data)
    except ValidationError as error:
        detail = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in detail["loc"]) or "top level"
        problems.append(f"{name}: not an OSV record: {where}: {detail['msg']}")
        return None
    if raw.withdrawn:
        return None

    affected = tuple(_pypi_affected(raw))
    if not affected:
        return None
    vector, severity = _severity(raw)
    return OsvRecord(
        id=raw.id,
        aliases=tuple(alias for alias in raw.aliases or () if alias != raw.id),
        summary=(raw.summary or raw.details or "").strip(),
        affected=affected,
        severity=severity,
        cvss_vector=vector,
        cwe=_cwe_ids(raw.database_specific),
        references=tuple(reference.url for reference in raw.references or ()),
        source=name,
    )


def _pypi_affected(raw: _RawRecord) -> Iterator[AffectedPackage]:
    for entry in raw.affected or ():
        # Only PyPI; osv.dev also spells variants such as "PyPI:…" in a few records.
        if entry.package is None or entry.package.ecosystem.split(":")[0] != "PyPI":
            continue
        ranges = tuple(
            tuple(
                Event(kind, str(version))
                for event in item.events
                for kind, version in event.items()
                if kind in ("introduced", "fixed", "last_affected", "limit")
            )
            for item in entry.ranges
            if item.type == "ECOSYSTEM"
        )
        yield AffectedPackage(
            name=canonicalize_name(entry.package.name),
            ranges=ranges,
            versions=tuple(entry.versions),
        )


_GITHUB_SEVERITY = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MODERATE": Severity.MEDIUM,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
}


def _severity(raw: _RawRecord) -> tuple[str | None, Severity | None]:
    # A CVSS v3 vector is the most precise; GitHub's word is next; else the gate's default.
    for entry in raw.severity or ():
        if entry.type == "CVSS_V3":
            score = cvss3_base_score(entry.score)
            if score is not None:
                return entry.score, severity_from_score(score)
    specific = raw.database_specific or {}
    word = specific.get("severity")
    if isinstance(word, str) and word.upper() in _GITHUB_SEVERITY:
        return None, _GITHUB_SEVERITY[word.upper()]
    return None, None


def _cwe_ids(specific: dict[str, Any] | None) -> tuple[str, ...]:
    ids = (specific or {}).get("cwe_ids") or []
    return tuple(
        sorted(
            {
                cwe
                for cwe in ids
                if isinstance(cwe, str) and cwe.startswith("CWE-") and cwe[4:].isdigit()
            },
            key=lambda text: int(text[4:]),
        )
    )


# CVSS v3 -------------------------------------------------------------------------------------

#: Metric weights of the CVSS v3.0/v3.1 base equations (FIRST's specification, section 7.4).
_WEIGHTS: dict[str, dict[str, float]] = {
    "AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
    "AC": {"L": 0.77, "H": 0.44},
    "UI": {"N": 0.85, "R": 0.62},
    "C": {"H": 0.56, "L": 0.22, "N": 0.0},
    "I": {"H": 0.56, "L": 0.22, "N": 0.0},
    "A": {"H": 0.56, "L": 0.22, "N": 0.0},
}
#: Privileges Required weighs more when the scope changes.
_PRIVILEGES = {"U": {"N": 0.85, "L": 0.62, "H": 0.27}, "C": {"N": 0.85, "L": 0.68, "H": 0.5}}


def cvss3_base_score(vector: str) -> float | None:
    """The CVSS v3.x base score (0.0 to 10.0) of a vector string, or None if it is not one.

    Implements the base equations of the CVSS v3.1 specification: impact from C/I/A, scaled
    by scope; exploitability from AV/AC/PR/UI; both summed (times 1.08 when the scope
    changes), capped at 10 and rounded up to one decimal with the specification's
    ``Roundup``. Temporal and environmental metrics in the vector are ignored.
    """
    # Parse "CVSS:3.1/AV:N/…" into metrics; every base metric must be present and known.
    parts = vector.strip().split("/")
    if not parts or not parts[0].startswith("CVSS:3"):
        return None
    metrics = dict(part.split(":", 1) for part in parts[1:] if ":" in part)
    try:
        scope = metrics["S"]
        privileges = _PRIVILEGES[scope][metrics["PR"]]
        weights = {name: table[metrics[name]] for name, table in _WEIGHTS.items()}
    except KeyError:
        return None

    # Impact: the sub-score from C/I/A, bent differently when the scope changes.
    iss = 1 - (1 - weights["C"]) * (1 - weights["I"]) * (1 - weights["A"])
    changed = 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15
    impact = 6.42 * iss if scope == "U" else changed
    if impact <= 0:
        return 0.0

    # Exploitability, then the sum.
    exploitability = 8.22 * weights["AV"] * weights["AC"] * privileges * weights["UI"]
    total = impact + exploitability if scope == "U" else 1.08 * (impact + exploitability)
    return _roundup(min(total, 10.0))


def _roundup(value: float) -> float:
    # The specification's Roundup: the smallest one-decimal number >= value, free of float noise.
    scaled = round(value * 100000)
    if scaled % 10000 == 0:
        return scaled / 100000.0
    return (math.floor(scaled / 10000) + 1) / 10.0


def severity_from_score(score: float) -> Severity:
    """CVSS's qualitative rating: 9.0+ critical, 7.0+ high, 4.0+ medium, 0.1+ low, 0 info."""
    if score >= 9.0:
        return Severity.CRITICAL
    if score >= 7.0:
        return Severity.HIGH
    if score >= 4.0:
        return Severity.MEDIUM
    if score > 0.0:
        return Severity.LOW
    return Severity.INFO
