"""The dependencies gate's own offline path, run in-process on small projects and databases."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from secpipe._cli import main

PIPELINE = """\
version: 1
policy:
  fail_on: medium
stages:
  build:
    gates: [dependencies]
gates:
  dependencies:
{settings}
"""

RECORD = {
    "id": "PYSEC-2099-7",
    "aliases": ["GHSA-zzzz-zzzz-zzzz"],
    "details": "Example flaw in demo.",
    "affected": [
        {
            "package": {"ecosystem": "PyPI", "name": "demo"},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "1.4"}]}],
        }
    ],
    "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"}],
    "database_specific": {"cwe_ids": ["CWE-79"]},
}


@pytest.fixture(autouse=True)
def no_database_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECPIPE_ADVISORY_DB", raising=False)


def make_project(tmp_path: Path, requirements: str, settings: str) -> Path:
    root = tmp_path / "project"
    (root / "advisories").mkdir(parents=True)
    (root / "advisories" / "PYSEC-2099-7.json").write_text(json.dumps(RECORD))
    (root / "requirements.txt").write_text(requirements)
    (root / "secpipe.yml").write_text(PIPELINE.format(settings=settings))
    return root


def run(root: Path) -> tuple[int, dict[str, Any]]:
    out = root.parent / "out"
    shutil.rmtree(out, ignore_errors=True)
    code = main(["run", str(root), "--output-dir", str(out), "-q"])
    return code, json.loads((out / "findings.json").read_text())


def test_offline_finding_has_severity_from_cvss_and_cwe(tmp_path: Path) -> None:
    root = make_project(tmp_path, "demo==1.2\nother==1.0\n", "    advisory_db: advisories")
    code, report = run(root)

    assert code == 1
    (finding,) = report["findings"]
    assert finding["rule_id"] == "GHSA-zzzz-zzzz-zzzz"
    assert finding["severity"] == "medium"  # CVSS 6.1
    assert finding["cwe"] == ["CWE-79"]
    assert finding["package"] == {
        "name": "demo",
        "version": "1.2",
        "fixed_versions": ["1.4"],
        "advisories": [{"id": "GHSA-zzzz-zzzz-zzzz", "aliases": ["PYSEC-2099-7"]}],
    }
    assert report["gates"][0]["tools"][0]["version"].endswith("advisories (1 records)")


def test_not_audited_warn_keeps_the_gate_running(tmp_path: Path) -> None:
    settings = "    advisory_db: advisories\n    not_audited: warn"
    root = make_project(tmp_path, "demo==1.3\nflask\n", settings)
    code, report = run(root)

    (gate,) = report["gates"]
    assert gate["status"] == "failed"  # the finding, not an error
    assert code == 1
    assert any("requirements.txt:2: flask: not pinned" in w for w in report["warnings"])


def test_a_missing_database_path_is_a_gate_error_naming_it(tmp_path: Path) -> None:
    root = make_project(tmp_path, "demo==1.2\n", "    advisory_db: no/such/db")
    code, report = run(root)

    assert code == 3
    (tool,) = report["gates"][0]["tools"]
    assert tool["status"] == "error"
    assert "no/such/db does not exist" in tool["error"]
    assert "secpipe advisories update" in tool["error"]


def test_a_bad_advisory_file_is_named_and_the_rest_still_matches(tmp_path: Path) -> None:
    root = make_project(tmp_path, "demo==1.2\n", "    advisory_db: advisories")
    (root / "advisories" / "broken.yaml").write_text("id: [unclosed\npackage: demo\n")
    # A broken record that names none of the pinned packages cannot change this audit.
    (root / "advisories" / "elsewhere.yaml").write_text("id: [unclosed\npackage: other\n")
    code, report = run(root)

    assert code == 1
    assert len(report["findings"]) == 1
    (tool,) = report["gates"][0]["tools"]
    assert tool["skipped_files"] == [
        f"{root / 'advisories' / 'broken.yaml'}: not valid JSON/YAML: while parsing a flow sequence"
    ]
    assert tool["version"].endswith("advisories (3 records)")
    assert any("broken.yaml" in warning for warning in report["warnings"])


def test_the_environment_variable_sets_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = make_project(tmp_path, "demo==1.0.0\n", "    timeout: 60")
    monkeypatch.setenv("SECPIPE_ADVISORY_DB", str(root / "advisories"))
    code, report = run(root)
    assert code == 1
    assert report["findings"][0]["package"]["version"] == "1.0.0"


def test_pip_audit_options_take_the_hyphenated_key(tmp_path: Path) -> None:
    settings = "    advisory_db: advisories\n    pip-audit:\n      timeout: 30"
    root = make_project(tmp_path, "demo==2.0\n", settings)
    code, report = run(root)
    assert code == 0
    assert report["gates"][0]["status"] == "passed"
