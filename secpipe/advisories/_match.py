"""Which advisories affect one pinned package version (PEP 440 comparisons, OSV semantics).

A version is affected by an ``affected`` entry when it is listed in its ``versions`` (compared as
PEP 440 versions, so ``1.0`` equals ``1.0.0``), or when it falls inside an ``ECOSYSTEM`` range:
from an ``introduced`` event up to (not including) the next ``fixed`` event, or up to (including)
the next ``last_affected`` event; with neither, everything from ``introduced`` on. ``introduced:
0`` means "from the first release". Pre-releases order as PEP 440 says (``2.0rc1`` < ``2.0``).

Records describing the same advisory under different ids (a PYSEC record and its GHSA alias, as
osv.dev publishes both) are merged into one ``Match``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from secpipe._findings import Severity
from secpipe.advisories._osv import AdvisoryDatabase, AffectedPackage, Event, OsvRecord

T = TypeVar("T")


@dataclass(frozen=True)
class Match:
    """One advisory (possibly several records of it) that affects a package version."""

    id: str
    aliases: tuple[str, ...]
    records: tuple[OsvRecord, ...]
    fixed_versions: tuple[str, ...]

    @property
    def severity(self) -> Severity | None:
        """The worst severity any of the merged records gives (None if none gives one)."""
        known = [record.severity for record in self.records if record.severity is not None]
        return max(known, key=lambda severity: severity.rank) if known else None

    @property
    def cwe(self) -> tuple[str, ...]:
        """Every CWE id the merged records name."""
        ids = {cwe for record in self.records for cwe in record.cwe}
        return tuple(sorted(ids, key=lambda text: int(text[4:])))

    @property
    def summary(self) -> str:
        """The first non-empty description of the merged records."""
        return next((record.summary for record in self.records if record.summary), "")

    @property
    def references(self) -> tuple[str, ...]:
        """The records' reference URLs, each once."""
        return tuple(dict.fromkeys(url for record in self.records for url in record.references))


def parse_version(text: str) -> Version | None:
    """A PEP 440 version, or None when ``text`` is not one."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


def is_affected(affected: AffectedPackage, version: str) -> bool:
    """Whether ``version`` of the package is affected by this ``affected`` entry."""
    parsed = parse_version(version)

    # Explicit versions: PEP 440 equality when both parse, else exact text.
    for listed in affected.versions:
        other = parse_version(listed)
        if (parsed is not None and other is not None and parsed == other) or listed == version:
            return True

    # Ranges need an orderable version.
    if parsed is None:
        return False
    return any(_in_range(events, parsed) for events in affected.ranges)


def _in_range(events: tuple[Event, ...], version: Version) -> bool:
    """OSV's range walk: events in version order switch "affected" on and off."""
    ordered: list[tuple[Version | None, Event]] = []
    for event in events:
        if event.kind == "limit":
            continue
        if event.kind == "introduced" and event.version == "0":
            ordered.append((None, event))
            continue
        parsed = parse_version(event.version)
        if parsed is None:
            # TODO: an event version that is not PEP 440 makes the whole range unusable; such
            # ranges are ignored and only the record's explicit versions list is used.
            return False
        ordered.append((parsed, event))
    ordered.sort(key=lambda item: (item[0] is not None, item[0] or Version("0")))

    affected = False
    for bound, event in ordered:
        if event.kind == "introduced":
            if bound is None or version >= bound:
                affected = True
        elif bound is not None and (
            (event.kind == "fixed" and version >= bound)
            or (event.kind == "last_affected" and version > bound)
        ):
            affected = False
    return affected


def fixed_versions(affected: AffectedPackage, version: str) -> list[str]:
    """The ``fixed`` versions of the entry's ranges that are newer than ``version``."""
    parsed = parse_version(version)
    found: list[str] = []
    for events in affected.ranges:
        for event in events:
            bound = parse_version(event.version) if event.kind == "fixed" else None
            if bound is not None and (parsed is None or bound > parsed):
                found.append(event.version)
    return found


def find_matches(database: AdvisoryDatabase, name: str, version: str) -> list[Match]:
    """Every advisory in ``database`` that affects ``name`` at ``version``, aliases merged."""
    # Collect the affecting records with the fixes they name for this version.
    canonical = canonicalize_name(name)
    hits: list[tuple[OsvRecord, list[str]]] = []
    for record in database.for_package(name):
        entries = [
            entry
            for entry in record.affected
            if entry.name == canonical and is_affected(entry, version)
        ]
        if entries:
            fixes = [fix for entry in entries for fix in fixed_versions(entry, version)]
            hits.append((record, fixes))

    # Merge records that share an id or alias: each group is one advisory.
    matches = []
    for ids, members in merge_by_alias(hits, lambda hit: hit[0].ids):
        primary = preferred_id(ids)
        matches.append(
            Match(
                id=primary,
                aliases=tuple(sorted(ids - {primary})),
                records=tuple(sorted((record for record, _ in members), key=_record_id)),
                fixed_versions=sort_versions({fix for _, fixes in members for fix in fixes}),
            )
        )
    return sorted(matches, key=lambda match: match.id)


def _record_id(record: OsvRecord) -> str:
    return record.id


def sort_versions(versions: Iterable[str]) -> tuple[str, ...]:
    """Versions in PEP 440 order, each once (``2.0`` and ``2.0.0`` are one version)."""
    unique: dict[Version | str, str] = {}
    for text in sorted(set(versions)):
        unique.setdefault(parse_version(text) or text, text)
    # Text that is not a PEP 440 version sorts first, as version 0.
    return tuple(
        sorted(unique.values(), key=lambda text: (parse_version(text) or Version("0"), text))
    )


def merge_by_alias(
    items: Iterable[T], ids_of: Callable[[T], Iterable[str]]
) -> list[tuple[set[str], list[T]]]:
    """Group items whose ids overlap (directly or through others): one group per advisory."""
    groups: list[tuple[set[str], list[T]]] = []
    for item in items:
        ids, members = set(ids_of(item)), [item]
        for group in [group for group in groups if group[0] & ids]:
            groups.remove(group)
            ids |= group[0]
            members = group[1] + members
        groups.append((ids, members))
    return groups


def preferred_id(ids: set[str] | frozenset[str]) -> str:
    """The id a finding is reported under: the GHSA id when there is one, else PYSEC, else any.

    A fixed choice keeps ``rule_id`` (and so baselines and waivers) the same whichever database
    or service reported the advisory.
    """
    for prefix in ("GHSA-", "PYSEC-"):
        chosen = sorted(advisory for advisory in ids if advisory.startswith(prefix))
        if chosen:
            return chosen[0]
    return sorted(ids)[0]
