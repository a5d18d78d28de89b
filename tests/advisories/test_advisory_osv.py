"""Loading OSV records (folder, zip, JSON, YAML, bad files) and scoring CVSS v3 vectors."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest

from secpipe._findings import Severity
from secpipe.advisories import (
    AdvisoryDatabaseError,
    cvss3_base_score,
    load_database,
    severity_from_score,
)

RECORD = {
    "id": "GHSA-aaaa-bbbb-cccc",
    "aliases": ["CVE-2099-0001"],
    "summary": "Example flaw",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "Demo_Pkg"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "1.2"}]}],
        },
        {"package": {"ecosystem": "npm", "name": "demo-pkg"}, "versions": ["1.0.0"]},
    ],
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}],
    "database_specific": {"cwe_ids": ["CWE-79", "CWE-20"], "severity": "LOW"},
}

YAML_RECORD = """\
id: PYSEC-2099-1
details: Unquoted numbers in YAML are versions too.
affected:
- package:
    name: other
    ecosystem: PyPI
  ranges:
  - type: ECOSYSTEM
    events:
    - introduced: 5.1
    - fixed: 5.2
  versions:
  - 5.1
"""


def test_loads_a_folder_recursively_json_and_yaml(tmp_path: Path) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "GHSA.json").write_text(json.dumps(RECORD))
    (tmp_path / "a" / "b" / "PYSEC-2099-1.yaml").write_text(YAML_RECORD)
    (tmp_path / "README.md").write_text("not a record")

    database = load_database(tmp_path)

    assert sorted(record.id for record in database.records) == [
        "GHSA-aaaa-bbbb-cccc",
        "PYSEC-2099-1",
    ]
    # Names are canonical; only the PyPI entry is kept; YAML numbers became version text.
    (demo,) = database.for_package("demo-pkg")
    assert [entry.name for entry in demo.affected] == ["demo-pkg"]
    assert database.for_package("DEMO.PKG") == [demo]
    (other,) = database.for_package("other")
    assert other.affected[0].versions == ("5.1",)
    assert [event.version for event in other.affected[0].ranges[0]] == ["5.1", "5.2"]
    assert database.problems == []


def test_severity_cwe_and_aliases_come_from_the_record(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text(json.dumps(RECORD))
    (record,) = load_database(tmp_path).records
    # The CVSS vector (9.8) wins over GitHub's word (LOW).
    assert record.severity is Severity.CRITICAL
    assert record.cwe == ("CWE-20", "CWE-79")
    assert record.aliases == ("CVE-2099-0001",)

    without_vector = {**RECORD, "severity": []}
    (tmp_path / "r.json").write_text(json.dumps(without_vector))
    assert load_database(tmp_path).records[0].severity is Severity.LOW

    bare = {key: value for key, value in RECORD.items() if key not in ("severity",)}
    bare["database_specific"] = {}
    (tmp_path / "r.json").write_text(json.dumps(bare))
    assert load_database(tmp_path).records[0].severity is None


def test_loads_a_zip_as_osv_publishes_it(tmp_path: Path) -> None:
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("GHSA-aaaa-bbbb-cccc.json", json.dumps(RECORD))
        out.writestr("PYSEC-2099-1.yaml", YAML_RECORD)
    database = load_database(archive)
    assert len(database.records) == 2


def test_bad_records_are_reported_by_file_and_the_rest_loads(tmp_path: Path) -> None:
    (tmp_path / "good.json").write_text(json.dumps(RECORD))
    (tmp_path / "broken.json").write_text("{")
    (tmp_path / "shape.yaml").write_text("id: X-1\naffected: not-a-list\n")
    (tmp_path / "withdrawn.json").write_text(json.dumps({**RECORD, "withdrawn": "2024-01-01"}))

    database = load_database(tmp_path)

    assert [record.id for record in database.records] == ["GHSA-aaaa-bbbb-cccc"]
    assert len(database.problems) == 2
    assert database.problems[0].startswith(f"{tmp_path / 'broken.json'}: not valid JSON/YAML")
    assert database.problems[1].startswith(f"{tmp_path / 'shape.yaml'}: not an OSV record")


def test_a_missing_or_useless_database_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(AdvisoryDatabaseError, match=r"does not exist.*advisories update"):
        load_database(tmp_path / "nowhere")
    (tmp_path / "fake.zip").write_text("not a zip")
    with pytest.raises(AdvisoryDatabaseError, match=r"not a readable \.zip"):
        load_database(tmp_path / "fake.zip")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "x.json").write_text("[1, 2]")
    with pytest.raises(AdvisoryDatabaseError, match="no readable PyPI record"):
        load_database(tmp_path / "dir")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "README.md").write_text("records are elsewhere")
    with pytest.raises(AdvisoryDatabaseError, match="holds no OSV record"):
        load_database(tmp_path / "empty", ["flask"])


def test_the_shared_pypa_snapshot_loads(shared: Path) -> None:
    database = load_database(shared / "advisory-db")
    assert len(database.records) > 2500
    assert database.problems == []
    ids = {record.id for record in database.for_package("requests")}
    assert "PYSEC-2018-28" in ids


def test_a_load_for_some_packages_finds_what_a_full_load_finds(shared: Path) -> None:
    # Spellings differ between manifests and records (case, "-", "_", "."); records may name
    # several packages; a name inside another ("requests" in "requests-oauthlib") is not one.
    names = ["Django", "requests", "PyYAML", "jinja2", "zope.interface", "Flask_Cors", "urllib3"]
    full = load_database(shared / "advisory-db")

    some = load_database(shared / "advisory-db", names)

    assert some.files_read == full.files_read > 2500
    assert len(some.records) < len(full.records) / 5
    for name in names:
        assert some.for_package(name) == full.for_package(name), name


def test_a_load_for_no_package_parses_nothing(tmp_path: Path) -> None:
    (tmp_path / "good.json").write_text(json.dumps(RECORD))
    (tmp_path / "broken.json").write_text("{")

    database = load_database(tmp_path, [])

    assert database.records == []
    assert database.problems == []
    assert database.files_read == 2


def test_a_load_for_one_package_matches_every_spelling_of_it(tmp_path: Path) -> None:
    (tmp_path / "r.json").write_text(json.dumps(RECORD))  # names "Demo_Pkg"
    for spelling in ("demo-pkg", "DEMO.PKG", "demo__pkg"):
        assert [r.id for r in load_database(tmp_path, [spelling]).records] == [RECORD["id"]]
    assert load_database(tmp_path, ["demo"]).records == []
    assert load_database(tmp_path, ["demo-pkg-extra"]).records == []


@pytest.mark.parametrize(
    ("vector", "score"),
    [
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1),
        ("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4),
        ("CVSS:3.0/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N", 5.9),
        ("CVSS:3.1/AV:L/AC:L/PR:L/UI:R/S:U/C:L/I:N/A:N", 2.8),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N", 0.0),
        ("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O", 9.8),
    ],
)
def test_cvss3_base_scores_match_the_specification(vector: str, score: float) -> None:
    assert cvss3_base_score(vector) == score


@pytest.mark.parametrize(
    "vector",
    [
        "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        "AV:N/AC:L",
        "",
        "CVSS:3.1/AV:X",
    ],
)
def test_not_a_cvss3_vector_gives_no_score(vector: str) -> None:
    assert cvss3_base_score(vector) is None


def test_qualitative_ratings() -> None:
    assert [severity_from_score(s) for s in (9.0, 8.9, 7.0, 6.9, 4.0, 3.9, 0.1, 0.0)] == [
        Severity.CRITICAL,
        Severity.HIGH,
        Severity.HIGH,
        Severity.MEDIUM,
        Severity.MEDIUM,
        Severity.LOW,
        Severity.LOW,
        Severity.INFO,
    ]
