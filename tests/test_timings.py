"""CPU time by phase: nested phases count once, and a run writes them only when asked."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from secpipe import _timings
from secpipe._cli import main


def _burn(seconds: float) -> None:
    # Busy work: thread CPU time only grows while the thread computes.
    deadline = time.thread_time() + seconds
    while time.thread_time() < deadline:
        pass


def test_a_nested_phase_is_not_counted_in_the_outer_one() -> None:
    before = _timings.snapshot()

    with _timings.phase("test outer"):
        _burn(0.05)
        with _timings.phase("test inner"):
            _burn(0.1)

    after = _timings.snapshot()
    outer = after["test outer"] - before.get("test outer", 0.0)
    inner = after["test inner"] - before.get("test inner", 0.0)
    assert 0.1 <= inner < 0.15
    assert 0.05 <= outer < 0.09


def test_waiting_costs_no_cpu_time() -> None:
    before = _timings.snapshot().get("test wait", 0.0)
    with _timings.phase("test wait"):
        time.sleep(0.2)
    assert _timings.snapshot()["test wait"] - before < 0.05


def test_a_run_writes_its_timings_only_when_asked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "Dockerfile").write_text("FROM python:3.12\nUSER root\n")
    (project / "secpipe.yml").write_text(
        "version: 1\nstages:\n  build:\n    gates: [container]\n"
        "gates:\n  container:\n    tools: []\n"
    )
    target = tmp_path / "timings.json"

    main(["run", str(project), "--output-dir", str(tmp_path / "a"), "-q"])
    assert not target.exists()

    monkeypatch.setenv(_timings.TIMINGS_ENV_VAR, str(target))
    main(["run", str(project), "--output-dir", str(tmp_path / "b"), "-q"])
    capsys.readouterr()
    written = json.loads(target.read_text())
    assert written["process_cpu_s"] > 0
    assert {"normalize", "judge", "reports", "own check: dockerfile"} <= set(written["phases"])
