"""The result cache beyond the wrapped SAST and secrets tools: checkov and secpipe's own audits.

The contract audit and the offline dependency audit are secpipe's own, so their tests run
offline without scanners; checkov's (marked ``scanners``) runs the real checkov.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from secpipe import advisories
from secpipe._cache import ResultCache
from secpipe._cli import main
from secpipe._pipeline import ContractGate
from secpipe._progress import SilentProgress
from secpipe._slots import Slots
from secpipe.gates import GATES, GateContext, _dependencies

_CONTRACT = """openapi: 3.0.3
info:
  title: Shop
  version: "1.0"
servers:
  - url: https://api.example.invalid/v1
paths:
  /users/{id}:
    get:
      parameters:
        - $ref: "parts.yaml#/id"
      responses:
        "200":
          description: a user
"""

_PARTS = """id:
  name: id
  in: path
  required: true
  schema:
    type: string
"""

# A one-byte change in the referenced file: the parameter gains a length limit.
_PARTS_LIMITED = _PARTS.replace("type: string", "type: string\n    maxLength: 9")


def _run(project: Path, out: Path, gate: str, *extra: str) -> dict[str, Any]:
    """Run one gate through the CLI and return the JSON report."""
    code = main(["run", str(project), "--gate", gate, "--output-dir", str(out), "-q", *extra])
    assert code in (0, 1), f"exit {code}"
    report: dict[str, Any] = json.loads((out / "findings.json").read_text())
    return report


def _entries(folder: Path) -> list[Path]:
    """The result entries in a cache folder (not the records of whole runs, kept for replay)."""
    if not folder.exists():
        return []
    return sorted(path for path in folder.rglob("*.json") if "runs" not in path.parts)


def _judged(report: dict[str, Any]) -> tuple[Any, ...]:
    """What a user reads in a report, without the timings."""
    return (report["findings"], report["violations"], report["contracts"], report["warnings"])


# --- keys ---------------------------------------------------------------------------------------


def test_a_native_key_follows_files_data_listing_code_and_settings(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    root = tmp_path / "tree"
    (root / "db").mkdir(parents=True)
    (root / "api.yaml").write_text("openapi: 3.0.3\n")
    (root / "db" / "A-1.yaml").write_text("id: A-1\n")
    code = tmp_path / "code.py"
    code.write_text("RULES = 1\n")

    def key(**changes: Any) -> str | None:
        arguments: dict[str, Any] = {
            "tool": "osv-offline",
            "settings": {"not_audited": "fail"},
            "root": root,
            "files": ["api.yaml"],
            "sources": [code],
            "data": [root / "db"],
            "inputs": ["api.yaml"],
        }
        arguments.update(changes)
        return cache.native_key(**arguments)

    base = key()
    assert base is not None and base == key()
    others = {
        key(settings={"not_audited": "warn"}),
        key(inputs=["other.yaml"]),
        key(tool="secpipe-contract"),
    }
    (root / "api.yaml").write_text("openapi: 3.0.4\n")
    others.add(key())
    (root / "api.yaml").write_text("openapi: 3.0.3\n")
    assert key() == base
    (root / "db" / "A-2.yaml").write_text("id: A-2\n")
    others.add(key())
    (root / "db" / "A-2.yaml").unlink()
    code.write_text("RULES = 2\n")
    others.add(key())

    assert base not in others
    assert len(others) == 6
    assert key(files=["gone.yaml"]) is None
    assert key(data=[root / "no-db"]) is None


# --- the contract audit -------------------------------------------------------------------------


@pytest.fixture
def api_project(tmp_path: Path) -> Path:
    project = tmp_path / "api"
    project.mkdir()
    (project / "openapi.yaml").write_text(_CONTRACT)
    (project / "parts.yaml").write_text(_PARTS)
    return project


def test_the_contract_audit_is_reused_and_notices_a_change_in_a_referenced_file(
    tmp_path: Path,
    api_project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SECPIPE_RESULT_CACHE", str(folder))

    # Cold, filling and warm runs read the same.
    cold = _run(api_project, tmp_path / "cold", "contract", "--no-cache")
    assert not folder.exists()
    filling = _run(api_project, tmp_path / "fill", "contract")
    entries = _entries(folder)
    assert len(entries) == 1

    # The warm run must not audit at all: the audit is made to fail if it is called.
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the contract was audited again")

    with monkeypatch.context() as patch:
        patch.setattr("secpipe.gates._contract.audit_file", refuse)
        warm = _run(api_project, tmp_path / "warm", "contract")
    assert _judged(cold) == _judged(filling) == _judged(warm)
    assert cold["contracts"] and cold["findings"]

    # A change in the file only a $ref reaches is noticed.
    (api_project / "parts.yaml").write_text(_PARTS_LIMITED)
    changed = _run(api_project, tmp_path / "changed", "contract")
    fresh = _run(api_project, tmp_path / "fresh", "contract", "--no-cache")
    capsys.readouterr()
    assert _judged(changed) == _judged(fresh)
    assert changed["contracts"] != warm["contracts"]
    assert len(_entries(folder)) == 2


def test_a_cached_contract_audit_repeats_no_warning_of_the_gate_itself(
    tmp_path: Path, api_project: Path
) -> None:
    # follow_remote_refs adds the gate's own warning on every run; a cached run adds it once too.
    settings = ContractGate(follow_remote_refs=True)
    context = GateContext(
        root=api_project,
        stage="design",
        settings=settings,
        files=("openapi.yaml", "parts.yaml"),
        progress=SilentProgress(),
        limiter=Slots(1),
        cache=ResultCache(tmp_path / "cache"),
    )

    cold = GATES["contract"].run(context)
    warm = GATES["contract"].run(context)

    assert len(_entries(tmp_path / "cache")) == 1
    assert warm.warnings == cold.warnings
    assert sum("follow_remote_refs" in warning for warning in warm.warnings) == 1
    assert (warm.findings, warm.contracts) == (cold.findings, cold.contracts)


def test_a_contract_that_cannot_be_read_is_never_cached(
    tmp_path: Path,
    api_project: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SECPIPE_RESULT_CACHE", str(folder))
    (api_project / "parts.yaml").unlink()

    for attempt in ("one", "two"):
        code = main(
            ["run", str(api_project), "--gate", "contract", "--output-dir", str(tmp_path / attempt)]
        )
        assert code == 3
    capsys.readouterr()
    assert _entries(folder) == []


# --- the offline dependency audit ---------------------------------------------------------------


@pytest.fixture
def small_db(tmp_path: Path, shared: Path) -> Path:
    """A copy of the shared snapshot's records for two packages: quick to load."""
    database = tmp_path / "db"
    for package in ("flask", "jinja2"):
        shutil.copytree(shared / "advisory-db" / "vulns" / package, database / package)
    return database


def test_the_offline_audit_is_reused_and_notices_manifest_and_database_changes(
    tmp_path: Path,
    small_db: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SECPIPE_RESULT_CACHE", str(folder))
    monkeypatch.setenv(advisories.DATABASE_ENV_VAR, str(small_db))
    project = tmp_path / "app"
    project.mkdir()
    (project / "requirements.txt").write_text("flask==0.12\njinja2==2.10\n")

    cold = _run(project, tmp_path / "cold", "dependencies", "--no-cache")
    filling = _run(project, tmp_path / "fill", "dependencies")
    assert len(_entries(folder)) == 1

    # The warm run must not even load the database.
    def refuse(location: Path, packages: object = None) -> None:
        raise AssertionError("the advisory database was loaded again")

    with monkeypatch.context() as patch:
        patch.setattr(_dependencies, "load_database", refuse)
        warm = _run(project, tmp_path / "warm", "dependencies")
    assert _judged(cold) == _judged(filling) == _judged(warm)
    assert {item["package"]["name"] for item in cold["findings"]} == {"flask", "jinja2"}

    # One byte in the manifest: jinja2 2.10 becomes 2.11, which other advisories concern. The
    # matches are made anew.
    (project / "requirements.txt").write_text("flask==0.12\njinja2==2.11\n")
    changed = _run(project, tmp_path / "changed", "dependencies")
    fresh = _run(project, tmp_path / "fresh", "dependencies", "--no-cache")
    assert _judged(changed) == _judged(fresh)
    assert _judged(changed) != _judged(warm)

    # The database changes: flask's advisories are gone, and the cache must not remember them.
    shutil.rmtree(small_db / "flask")
    later = _run(project, tmp_path / "later", "dependencies")
    capsys.readouterr()
    assert {item["package"]["name"] for item in later["findings"]} == {"jinja2"}
    assert len(_entries(folder)) == 3


def test_an_unreadable_advisory_database_is_never_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "cache"
    monkeypatch.setenv("SECPIPE_RESULT_CACHE", str(folder))
    monkeypatch.setenv(advisories.DATABASE_ENV_VAR, str(tmp_path / "no-such-db"))
    project = tmp_path / "app"
    project.mkdir()
    (project / "requirements.txt").write_text("flask==0.12\n")

    code = main(
        ["run", str(project), "--gate", "dependencies", "--output-dir", str(tmp_path / "o")]
    )
    capsys.readouterr()

    assert code == 3
    assert _entries(folder) == []


# --- checkov ------------------------------------------------------------------------------------

_POD = """apiVersion: v1
kind: Pod
metadata:
  name: app
spec:
  containers:
    - name: app
      image: example/app:1.0
      securityContext:
        privileged: true
        runAsUser: 1000
"""

_DOCKERFILE = 'FROM python:3.12\nUSER root\nCMD ["python"]\n'


@pytest.mark.scanners
def test_checkov_results_are_reused_and_a_one_byte_change_is_noticed(
    tmp_path: Path,
    scanner: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    scanner("checkov")
    folder = tmp_path / "cache"
    monkeypatch.setenv("SECPIPE_RESULT_CACHE", str(folder))
    project = tmp_path / "deploy"
    project.mkdir()
    (project / "pod.yaml").write_text(_POD)
    (project / "Dockerfile").write_text(_DOCKERFILE)

    def both(out: str, *extra: str) -> tuple[Any, ...]:
        reports = [
            _run(project, tmp_path / f"{out}-{gate}", gate, *extra)
            for gate in ("kubernetes", "container")
        ]
        return tuple(_judged(report) for report in reports)

    cold = both("cold", "--no-cache")
    filling = both("fill")
    entries = _entries(folder)
    warm = both("warm")
    assert len(entries) == 2
    assert _entries(folder) == entries
    assert cold == filling == warm
    assert any(item["rule_id"] == "CKV_K8S_16" for item in cold[0][0])

    # One byte: the user id 1000 becomes 10000, which is no longer a low (host-clashing) UID.
    assert any(item["rule_id"] == "CKV_K8S_40" for item in cold[0][0])
    (project / "pod.yaml").write_text(_POD.replace("runAsUser: 1000", "runAsUser: 10000"))
    changed = both("changed")
    fresh = both("fresh", "--no-cache")
    capsys.readouterr()
    assert changed == fresh
    assert changed != warm
    assert not any(item["rule_id"] == "CKV_K8S_40" for item in changed[0][0])
