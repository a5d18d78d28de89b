"""The container and kubernetes gates share one checkov run, as if each had run it alone.

checkov is the real one (3.3.30), behind a wrapper that logs each scan it is asked for, so the
tests can count the processes; the wrapper answers ``--version`` itself, as checkov would.
"""

from __future__ import annotations

import json
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from secpipe._cli import main
from secpipe._pipeline import ToolOptions
from secpipe._shared import SharedRun
from secpipe.tools import ToolContext, ToolOutput

pytestmark = pytest.mark.scanners

_WRAPPER = """#!/bin/sh
if [ "$1" = --version ]; then echo 3.3.30; exit 0; fi
echo "$@" >> {log}
{action}
"""


@pytest.fixture
def project(tmp_path: Path, assets: Path) -> Path:
    root = tmp_path / "project"
    (root / "deploy").mkdir(parents=True)
    shutil.copy(assets / "docker" / "Dockerfile", root / "Dockerfile")
    shutil.copy(assets / "kubernetes" / "deploy.yaml", root / "deploy" / "web.yaml")
    return root


def _wrapper(tmp_path: Path, real: Path, action: str | None = None) -> tuple[Path, Path]:
    log = tmp_path / "checkov-runs.log"
    script = tmp_path / "checkov"
    script.write_text(_WRAPPER.format(log=log, action=action or f'exec {real} "$@"'))
    script.chmod(0o755)
    return script, log


def _pipeline(project: Path, checkov: Path, kubernetes_extra: str = "") -> None:
    (project / "secpipe.yml").write_text(
        "version: 1\nstages:\n  build:\n    gates: [container, kubernetes]\n"
        f"gates:\n  container:\n    checkov:\n      path: {checkov}\n"
        f"  kubernetes:\n    checkov:\n      path: {checkov}\n{kubernetes_extra}"
    )


def _run(project: Path, out: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["run", str(project), "--output-dir", str(out), "--no-cache", "-q", *extra])
    return code, json.loads((out / "findings.json").read_text())


def _scans(log: Path) -> list[str]:
    return log.read_text().splitlines() if log.exists() else []


def test_both_gates_share_one_checkov_run_and_get_their_own_findings(
    project: Path,
    tmp_path: Path,
    scanner: Callable[[str], Path],
) -> None:
    checkov, log = _wrapper(tmp_path, scanner("checkov"))
    _pipeline(project, checkov)

    code, together = _run(project, tmp_path / "together")
    scans = _scans(log)
    log.unlink()
    _, container = _run(project, tmp_path / "container", "--gate", "container")
    _, kubernetes = _run(project, tmp_path / "kubernetes", "--gate", "kubernetes")

    # One process checked both kinds of file.
    assert code == 1
    assert len(scans) == 1
    assert "--framework dockerfile kubernetes" in scans[0]
    assert len(_scans(log)) == 2

    # Each gate reports what it reports when it runs alone.
    by_gate = {
        gate: [f for f in together["findings"] if f["gate"] == gate]
        for gate in ("container", "kubernetes")
    }
    assert by_gate["container"] == container["findings"]
    assert by_gate["kubernetes"] == kubernetes["findings"]
    assert any(f["tool"] == "checkov" for f in by_gate["container"])
    assert any(f["tool"] == "checkov" for f in by_gate["kubernetes"])
    assert all(f["path"] == "Dockerfile" for f in by_gate["container"])
    assert all(f["path"] == "deploy/web.yaml" for f in by_gate["kubernetes"])


def test_a_gate_without_files_for_checkov_does_not_hold_up_the_other(
    project: Path,
    tmp_path: Path,
    scanner: Callable[[str], Path],
) -> None:
    (project / "Dockerfile").unlink()
    checkov, log = _wrapper(tmp_path, scanner("checkov"))
    _pipeline(project, checkov)

    code, report = _run(project, tmp_path / "out")

    assert code == 1
    [scan] = _scans(log)
    assert "--framework kubernetes " in scan
    statuses = {g["name"]: g["status"] for g in report["gates"]}
    assert statuses == {"container": "skipped", "kubernetes": "failed"}


def test_gates_with_different_checkov_settings_run_it_apart(
    project: Path,
    tmp_path: Path,
    scanner: Callable[[str], Path],
) -> None:
    checkov, log = _wrapper(tmp_path, scanner("checkov"))
    _pipeline(project, checkov, "      timeout: 300\n")

    code, _ = _run(project, tmp_path / "out")

    assert code == 1
    assert sorted(scan.split(" -o ")[0] for scan in _scans(log)) == [
        "--framework dockerfile",
        "--framework kubernetes",
    ]


def test_a_failed_shared_run_is_an_error_in_both_gates(
    project: Path,
    tmp_path: Path,
    scanner: Callable[[str], Path],
) -> None:
    checkov, log = _wrapper(tmp_path, scanner("checkov"), "echo 'Traceback: boom' >&2; exit 2")
    _pipeline(project, checkov)

    code, report = _run(project, tmp_path / "out")

    assert code == 3
    assert len(_scans(log)) == 1
    for gate in report["gates"]:
        [run] = [tool for tool in gate["tools"] if tool["name"] == "checkov"]
        assert gate["status"] == "error"
        assert "checkov failed" in run["error"]


# --- the rendezvous itself, without a scanner -----------------------------------------------------


def _context(root: Path, *files: str) -> ToolContext:
    return ToolContext(
        root=root,
        files=files,
        executable=root / "tool",
        options=ToolOptions(),
        timeout_s=10,
        workdir=root,
        env={},
    )


def _in_threads(calls: dict[str, Callable[[], object]]) -> dict[str, object]:
    """Run each call in its own thread; what each returned or raised, by name."""
    outcomes: dict[str, object] = {}

    def call(name: str) -> None:
        try:
            outcomes[name] = calls[name]()
        except Exception as error:
            outcomes[name] = error

    # Daemon threads: a regression that leaves a gate waiting must fail the test, not hang pytest.
    threads = [threading.Thread(target=call, args=(name,), daemon=True) for name in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert not any(thread.is_alive() for thread in threads), "a gate is still waiting"
    return outcomes


def test_an_unexpected_failure_of_the_shared_run_ends_every_wait(tmp_path: Path) -> None:
    shared = SharedRun("checkov", ["container", "kubernetes"])

    def broken(context: ToolContext) -> ToolOutput:
        raise RuntimeError("the adapter has a bug")

    outcomes = _in_threads(
        {
            gate: lambda gate=gate: shared.run(gate, _context(tmp_path, f"{gate}.yaml"), broken)
            for gate in ("container", "kubernetes")
        }
    )

    assert all(isinstance(outcome, RuntimeError) for outcome in outcomes.values())


def test_a_withdrawn_gate_lets_the_other_run_the_tool_itself(tmp_path: Path) -> None:
    shared = SharedRun("checkov", ["container", "kubernetes"])
    calls: list[tuple[str, ...]] = []

    def runner(context: ToolContext) -> ToolOutput:
        calls.append(context.files)
        return ToolOutput()

    def kubernetes() -> object:
        return shared.run("kubernetes", _context(tmp_path, "k.yaml"), runner)

    def container() -> object:
        time.sleep(0.2)
        shared.withdraw("container")
        return "withdrew"

    outcomes = _in_threads({"kubernetes": kubernetes, "container": container})

    # None means "run it yourself": nobody shares, so the shared runner never ran.
    assert outcomes == {"kubernetes": None, "container": "withdrew"}
    assert calls == []
