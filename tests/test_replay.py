"""Replaying a whole run: the same reports on an unchanged tree, a fresh scan after any change.

These run offline with secpipe's own checks (the contract audit and the offline dependency
audit, both cached like the scanners), through the command line as a user calls it.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from secpipe import _replay, _runner, advisories
from secpipe._cli import main

_CONTRACT = """openapi: 3.0.3
info:
  title: Shop
  version: "1.0"
servers:
  - url: http://api.example.invalid/v1
paths:
  /orders/{order}:
    get:
      parameters:
        - name: order
          in: path
          required: true
          schema:
            type: string
      responses:
        "200":
          description: one order
"""

_FORMATS = "sarif,markdown,junit"


@pytest.fixture
def project(tmp_path: Path, shared: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A small project with a contract and a manifest, an advisory database and a cache."""
    root = tmp_path / "app"
    root.mkdir()
    (root / "openapi.yaml").write_text(_CONTRACT)
    (root / "requirements.txt").write_text("flask==0.12\njinja2==2.10\n")
    database = tmp_path / "db"
    for package in ("flask", "jinja2"):
        shutil.copytree(shared / "advisory-db" / "vulns" / package, database / package)
    monkeypatch.setenv("SECPIPE_RESULT_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv(advisories.DATABASE_ENV_VAR, str(database))
    # The files were written a moment ago; a real user's tree has settled long before a re-run.
    monkeypatch.setattr(_replay, "SETTLED_NS", 0)
    yield root


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The roots of the runs that really scanned (a replay adds nothing)."""
    seen: list[Path] = []
    real = _runner.run

    def counting(request: _runner.RunRequest, progress: Any = None) -> Any:
        seen.append(request.root)
        return real(request, progress)

    monkeypatch.setattr(_runner, "run", counting)
    return seen


def _run(
    root: Path, out: Path, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, str, dict[str, bytes]]:
    """Run two gates through the CLI: the exit code, stdout, and every report's bytes."""
    argv = ["run", str(root), "--gate", "contract", "--gate", "dependencies"]
    code = main([*argv, "--output-dir", str(out), "--format", _FORMATS, *extra])
    printed = capsys.readouterr().out
    reports = {path.name: path.read_bytes() for path in sorted(out.iterdir())}
    return code, printed, reports


def _records(cache: Path) -> list[Path]:
    folder = cache / _replay.RUNS_FOLDER
    return sorted(folder.iterdir()) if folder.exists() else []


def test_an_unchanged_tree_is_replayed_byte_for_byte(
    project: Path, tmp_path: Path, scans: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, printed, reports = _run(project, out, capsys)
    assert code == 1
    assert len(scans) == 1
    assert len(_records(tmp_path / "cache")) == 1
    assert set(reports) == {"findings.json", "findings.sarif", "junit.xml", "summary.md"}

    # The reports are gone; a replay writes them again, the same bytes, with the same verdict.
    shutil.rmtree(out)
    again, printed_again, replayed = _run(project, out, capsys)

    assert len(scans) == 1, "the unchanged tree was scanned again"
    assert again == code
    assert replayed == reports
    # Written like any new file, as the run wrote them: the umask decides, not a private mode.
    expected_mode = 0o666 & ~_umask()
    assert {(out / name).stat().st_mode & 0o777 for name in replayed} == {expected_mode}
    assert printed_again.splitlines()[:-1] == printed.splitlines()[:-1]
    assert printed_again.splitlines()[-1] == printed.splitlines()[-1] + " (replayed)"
    assert "FAILED (exit 1)" in printed_again

    # --quiet replays the short form.
    _, quiet, _ = _run(project, out, capsys, "-q")
    assert len(scans) == 1
    assert quiet.splitlines()[-1] == printed.splitlines()[-1] + " (replayed)"
    assert "Policy violations" in quiet and "Findings (" not in quiet


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _same_size_edit(path: Path, old: str, new: str) -> None:
    """Edit ``path`` keeping its size and putting its modification time back."""
    assert len(old) == len(new)
    status = path.stat()
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert path.stat().st_mtime_ns == status.st_mtime_ns
    assert path.stat().st_size == status.st_size


def _add_file(root: Path) -> None:
    (root / "admin.yaml").write_text(_CONTRACT.replace("/orders/{order}", "/refunds/{order}"))


def _add_waivers(root: Path) -> None:
    (root / "secpipe-waivers.yml").write_text("version: 1\nwaivers: []\n")


def _shrink_database(root: Path) -> None:
    shutil.rmtree(Path(os.environ[advisories.DATABASE_ENV_VAR]) / "flask")


CHANGES: dict[str, Callable[[Path], None]] = {
    "one byte, same size and time": lambda root: _same_size_edit(
        root / "requirements.txt", "jinja2==2.10", "jinja2==2.11"
    ),
    "a new file": _add_file,
    "a deleted file": lambda root: (root / "requirements.txt").unlink(),
    "a waivers file appears": _add_waivers,
    "the advisory database changes": _shrink_database,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_any_change_is_scanned_afresh_with_the_findings_of_a_cold_run(
    project: Path,
    tmp_path: Path,
    scans: list[Path],
    capsys: pytest.CaptureFixture[str],
    change: str,
) -> None:
    out = tmp_path / "out"
    _run(project, out, capsys)
    _, _, recorded = _run(project, out, capsys)
    assert len(scans) == 1

    CHANGES[change](project)
    _, printed, changed = _run(project, out, capsys)
    _, _, cold = _run(project, tmp_path / "cold", capsys, "--no-cache")

    assert len(scans) == 3, f"after {change}, the run was replayed"
    assert "(replayed)" not in printed

    def judged(reports: dict[str, bytes]) -> tuple[Any, ...]:
        data = json.loads(reports["findings.json"])
        return data["findings"], data["violations"], data["warnings"], data["exit_code"]

    assert judged(changed) == judged(cold)
    if change != "a waivers file appears":  # an empty waivers file changes no finding
        assert judged(changed) != judged(recorded)


def test_another_day_or_environment_or_pipeline_file_is_not_replayed(
    project: Path,
    tmp_path: Path,
    scans: list[Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pipeline = tmp_path / "pipeline.yml"
    pipeline.write_text((Path(__file__).parent.parent / "pipelines" / "default.yml").read_text())
    out = tmp_path / "out"
    _run(project, out, capsys, "--pipeline", str(pipeline))
    _run(project, out, capsys, "--pipeline", str(pipeline))
    assert len(scans) == 1

    # Waivers expire by date: tomorrow is judged afresh.
    with monkeypatch.context() as patch:
        patch.setattr(_replay, "_today", lambda: "2999-01-01")
        _run(project, out, capsys, "--pipeline", str(pipeline))
    assert len(scans) == 2

    # A variable the scanners or secpipe could read.
    with monkeypatch.context() as patch:
        patch.setenv("SECPIPE_EXTRA_SETTING", "1")
        _run(project, out, capsys, "--pipeline", str(pipeline))
    assert len(scans) == 3

    # The pipeline file outside the tree, edited.
    pipeline.write_text(pipeline.read_text() + "\n# reviewed\n")
    _run(project, out, capsys, "--pipeline", str(pipeline))
    assert len(scans) == 4


def test_no_cache_neither_replays_nor_records(
    project: Path, tmp_path: Path, scans: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    _run(project, out, capsys)
    _run(project, out, capsys, "--no-cache")
    _run(project, tmp_path / "other", capsys, "--no-cache")

    assert len(scans) == 3
    assert len(_records(tmp_path / "cache")) == 1


def test_a_tree_that_changes_during_a_run_is_not_recorded(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = _runner.run

    def editing(request: _runner.RunRequest, progress: Any = None) -> Any:
        report = real(request, progress)
        (project / "openapi.yaml").write_text(_CONTRACT.replace("http://", "https://"))
        return report

    with monkeypatch.context() as patch:
        patch.setattr(_runner, "run", editing)
        _run(project, tmp_path / "out", capsys)

    assert _records(tmp_path / "cache") == []


def test_a_tree_written_moments_before_the_run_is_not_recorded(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The real margin: the project was written well within two seconds of this run.
    monkeypatch.setattr(_replay, "SETTLED_NS", 2_000_000_000)
    _run(project, tmp_path / "out", capsys)

    assert _records(tmp_path / "cache") == []


def test_a_corrupt_record_means_a_fresh_scan_that_records_again(
    project: Path, tmp_path: Path, scans: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, _, reports = _run(project, out, capsys)
    (record,) = _records(tmp_path / "cache")
    record.write_text('{"format": 1, "request": [')

    again, _, rescanned = _run(project, out, capsys)
    assert len(scans) == 2
    assert again == code
    assert (
        json.loads(rescanned["findings.json"])["findings"]
        == json.loads(reports["findings.json"])["findings"]
    )
    json.loads(record.read_text())  # written whole again


@pytest.mark.parametrize(
    "damage",
    [
        {"outside": [1, 2]},
        {"outside": None},
        {"outputs": "not a list"},
        {"summary": []},
        {"exit_code": "one"},
    ],
)
def test_a_record_of_the_wrong_shape_means_a_fresh_scan_not_an_error(
    project: Path,
    tmp_path: Path,
    scans: list[Path],
    capsys: pytest.CaptureFixture[str],
    damage: dict[str, Any],
) -> None:
    out = tmp_path / "out"
    code, _, _ = _run(project, out, capsys)
    (record,) = _records(tmp_path / "cache")
    record.write_text(json.dumps({**json.loads(record.read_text()), **damage}))

    again, printed, _ = _run(project, out, capsys)

    assert again == code
    assert len(scans) == 2
    assert "(replayed)" not in printed


@pytest.mark.parametrize(
    ("tool_runs", "recorded"),
    [
        ([("semgrep", "failed"), ("osv-offline", "passed")], True),
        ([("pip-audit", "passed")], False),
        ([("pip-audit", "skipped")], True),
        ([("dockerfile", "passed"), ("image", "passed")], False),
        ([("a-future-tool", "passed")], False),
    ],
)
def test_only_runs_whose_result_follows_from_local_files_are_recorded(
    tmp_path: Path,
    tool_runs: list[tuple[str, str]],
    recorded: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_replay, "SETTLED_NS", 0)
    root = tmp_path / "tree"
    root.mkdir()
    (root / "a.py").write_text("print(1)\n")
    request = _replay.Request(root, tmp_path / "runs" / "r.json", {"request": 1})
    recorder = _replay.Recorder(request)
    recorder.start()

    written = recorder.finish(
        tool_runs=tool_runs, exit_code=1, started_at="now", outputs=[], summaries={}
    )

    assert written is recorded
    assert (tmp_path / "runs" / "r.json").exists() is recorded


def test_a_run_that_could_not_run_a_gate_is_not_recorded(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    root.mkdir()
    recorder = _replay.Recorder(_replay.Request(root, tmp_path / "r.json", {}))
    recorder.start()

    assert not recorder.finish(
        tool_runs=[("semgrep", "error")], exit_code=3, started_at="", outputs=[], summaries={}
    )


def test_a_record_keeps_no_environment_value(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = "ghp_" + "Zq8Xw2Lm4Np6Rt0Vy3Bc5Df7Gh9Jk1Ls2Mn4Pq"
    monkeypatch.setenv("DEPLOY_TOKEN", token)
    _run(project, tmp_path / "out", capsys)

    (record,) = _records(tmp_path / "cache")
    assert token not in record.read_text()
    assert "DEPLOY_TOKEN" not in record.read_text()


def test_only_the_latest_records_are_kept(
    project: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_replay, "MAX_RECORDS", 2)
    for number in range(4):
        _run(project, tmp_path / f"out-{number}", capsys)

    kept = _records(tmp_path / "cache")
    assert len(kept) == 2
    # The newest request (the last output folder) is among those kept.
    latest = [record for record in kept if "out-3" in record.read_text()]
    assert len(latest) == 1
