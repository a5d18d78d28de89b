"""Matching pinned versions against OSV ranges and version lists (PEP 440), and alias merging."""

from __future__ import annotations

from pathlib import Path

import pytest

from secpipe.advisories import (
    AdvisoryDatabase,
    AffectedPackage,
    Event,
    OsvRecord,
    find_matches,
    is_affected,
)


def affected(*events: tuple[str, str], versions: tuple[str, ...] = ()) -> AffectedPackage:
    return AffectedPackage(
        name="demo",
        ranges=(tuple(Event(kind, version) for kind, version in events),),
        versions=versions,
    )


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("0.1", True),
        ("1.0", True),
        ("1.9.9", True),
        ("2.0rc1", True),  # a pre-release of the fix is still before it
        ("2.0", False),
        ("2.0.0", False),  # 2.0 and 2.0.0 are the same version
        ("2.0.post1", False),
        ("3.0", False),
    ],
)
def test_introduced_zero_to_fixed(version: str, expected: bool) -> None:
    assert is_affected(affected(("introduced", "0"), ("fixed", "2.0")), version) is expected


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.0", False),
        ("1.1a1", False),
        ("1.1", True),
        ("1.5", True),
        ("1.5.0", True),
        ("1.5.1", False),
        ("1.5.0.post1", False),
    ],
)
def test_introduced_to_last_affected_includes_the_last(version: str, expected: bool) -> None:
    entry = affected(("introduced", "1.1"), ("last_affected", "1.5"))
    assert is_affected(entry, version) is expected


def test_several_windows_in_one_range_in_any_event_order() -> None:
    entry = affected(
        ("fixed", "2.2.4"), ("introduced", "3.0"), ("introduced", "2.2"), ("fixed", "3.0.1")
    )
    assert [
        is_affected(entry, v) for v in ("2.1", "2.2", "2.2.3", "2.2.4", "2.9", "3.0", "3.0.1")
    ] == [
        False,
        True,
        True,
        False,
        False,
        True,
        False,
    ]


def test_introduced_without_end_affects_everything_after() -> None:
    entry = affected(("introduced", "4.0"))
    assert not is_affected(entry, "3.9")
    assert is_affected(entry, "4.0")
    assert is_affected(entry, "99")


def test_explicit_versions_compare_as_pep_440() -> None:
    entry = AffectedPackage(name="demo", versions=("1.0", "2.0b1", "not-pep440"))
    assert is_affected(entry, "1.0.0")
    assert is_affected(entry, "2.0.0b1")
    assert not is_affected(entry, "2.0")
    assert is_affected(entry, "not-pep440")
    assert not is_affected(entry, "1.0.1")


def test_a_version_that_is_not_pep_440_matches_no_range() -> None:
    assert not is_affected(affected(("introduced", "0"), ("fixed", "2.0")), "banana")


def record(record_id: str, aliases: tuple[str, ...], fixed: str) -> OsvRecord:
    return OsvRecord(
        id=record_id,
        aliases=aliases,
        summary=f"summary of {record_id}",
        affected=(affected(("introduced", "0"), ("fixed", fixed)),),
    )


def test_records_of_one_advisory_merge_and_collect_fixes() -> None:
    database = AdvisoryDatabase(location=Path("."))
    database.add(record("PYSEC-2020-1", ("CVE-2020-1", "GHSA-aaaa-aaaa-aaaa"), "2.0"))
    database.add(record("GHSA-aaaa-aaaa-aaaa", ("CVE-2020-1",), "2.0.1"))
    database.add(record("PYSEC-2021-9", ("CVE-2021-9",), "3.0"))
    database.add(record("PYSEC-2019-5", (), "1.0"))  # does not affect 1.5

    matches = find_matches(database, "Demo", "1.5")

    assert [(m.id, m.aliases, m.fixed_versions) for m in matches] == [
        ("GHSA-aaaa-aaaa-aaaa", ("CVE-2020-1", "PYSEC-2020-1"), ("2.0", "2.0.1")),
        ("PYSEC-2021-9", ("CVE-2021-9",), ("3.0",)),
    ]
    assert len(matches[0].records) == 2
