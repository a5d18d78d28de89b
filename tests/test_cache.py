"""The result cache: keys follow every input byte, entries round-trip, and failures are not kept.

The unit tests run offline without scanners; the end-to-end tests (marked ``scanners``) run the
real semgrep, bandit and detect-secrets and compare cached runs with cold ones.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from secpipe._cache import CachedOutput, ResultCache
from secpipe._cli import main
from secpipe._errors import ToolError
from secpipe._findings import Confidence, Package, Severity
from secpipe._normalize import RawFinding
from secpipe._pipeline import BanditOptions
from secpipe._pipeline import SastGate as SastSettings
from secpipe._progress import SilentProgress
from secpipe._slots import Slots
from secpipe.gates import GateContext
from secpipe.gates._sast import SastGate
from secpipe.tools import BanditAdapter, ToolContext, ToolOutput


def _key(cache: ResultCache, root: Path, **changes: Any) -> str | None:
    arguments: dict[str, Any] = {
        "tool": "bandit",
        "version": "1.9.4",
        "executable": root / "tool",
        "options": {"skip": []},
        "config_files": [],
        "root": root,
        "files": ["a.py", "b.py"],
    }
    arguments.update(changes)
    return cache.key(**arguments)


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    root.mkdir()
    (root / "a.py").write_text("import os\nos.system(cmd)\n")
    (root / "b.py").write_text("print('hi')\n")
    (root / "tool").write_text("#!/bin/sh\n")
    return root


def test_a_one_byte_change_in_one_input_changes_the_key(tmp_path: Path, tree: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    before = _key(cache, tree)
    assert before == _key(cache, tree)

    (tree / "b.py").write_text("print('ho')\n")

    assert _key(cache, tree) not in {None, before}


def test_version_options_rules_and_file_list_are_part_of_the_key(
    tmp_path: Path, tree: Path
) -> None:
    cache = ResultCache(tmp_path / "cache")
    rules = tmp_path / "rules.yml"
    rules.write_text("rules: []\n")
    base = _key(cache, tree, config_files=[rules])
    rules.write_text("rules: [] \n")

    others = {
        _key(cache, tree, config_files=[rules]),
        _key(cache, tree, version="1.9.5"),
        _key(cache, tree, options={"skip": ["B101"]}),
        _key(cache, tree, files=["a.py"]),
        _key(cache, tree, tool="semgrep"),
    }

    assert base is not None
    assert base not in others
    assert len(others) == 5


def test_an_unreadable_input_means_no_key(tmp_path: Path, tree: Path) -> None:
    cache = ResultCache(tmp_path / "cache")

    assert _key(cache, tree, files=["a.py", "gone.py"]) is None


def _sample() -> CachedOutput:
    return CachedOutput(
        findings=[
            RawFinding(
                tool="bandit",
                rule_id="B602",
                title="shell",
                message="shell=True",
                severity=Severity.HIGH,
                path="a.py",
                start_line=2,
                end_line=3,
                confidence=Confidence.MEDIUM,
                cwe=("CWE-78",),
                references=("https://example.invalid/b602",),
                weakness="injection",
                package=Package(name="pkg", version="1.0", fixed_versions=("1.1",)),
            )
        ],
        skipped_files=["broken.py"],
        version="1.9.4",
        suppressed=2,
    )


def test_an_entry_round_trips_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    cache.store("ab" * 32, _sample())

    assert cache.load("ab" * 32) == _sample()
    assert cache.load("cd" * 32) is None
    names = [path.name for path in (tmp_path / "cache").rglob("*") if path.is_file()]
    assert names == [f"{'ab' * 32}.json"]


@pytest.mark.parametrize("garbage", ["", "{not json", '{"format": 1}', "[1, 2]", '"text"'])
def test_a_corrupt_entry_is_a_miss_and_is_replaced(tmp_path: Path, garbage: str) -> None:
    cache = ResultCache(tmp_path / "cache")
    cache.store("ab" * 32, _sample())
    entry = next(path for path in (tmp_path / "cache").rglob("*.json"))
    entry.write_text(garbage)

    assert cache.load("ab" * 32) is None
    cache.store("ab" * 32, _sample())
    assert cache.load("ab" * 32) == _sample()


class _FailingBandit(BanditAdapter):
    """bandit as it looks when it crashed: every run is a ToolError."""

    calls = 0

    def run(self, context: ToolContext) -> ToolOutput:
        type(self).calls += 1
        raise ToolError("bandit crashed")


def test_a_tool_error_is_never_cached(tmp_path: Path, tree: Path) -> None:
    cache = ResultCache(tmp_path / "cache")
    context = ToolContext(
        root=tree,
        files=("a.py",),
        executable=tree / "tool",
        options=BanditOptions(),
        timeout_s=10,
        workdir=tmp_path,
        env={},
    )

    gate_context = GateContext(
        root=tree,
        stage="commit",
        settings=SastSettings(),
        files=("a.py",),
        progress=SilentProgress(),
        limiter=Slots(1),
        cache=cache,
    )

    for _ in range(2):
        with pytest.raises(ToolError):
            SastGate()._run_adapter(_FailingBandit(), context, gate_context, "1.9.4", None)

    assert _FailingBandit.calls == 2
    assert not (tmp_path / "cache").exists()


# --- end to end with the real scanners ---------------------------------------------------------


def _entries(folder: Path) -> list[Path]:
    """The result entries in a cache folder (not the records of whole runs, kept for replay)."""
    return sorted(path for path in folder.rglob("*.json") if "runs" not in path.parts)


def _findings(
    project: Path, out: Path, *extra: str, capsys: pytest.CaptureFixture[str]
) -> list[dict[str, Any]]:
    code = main(
        [
            "run",
            str(project),
            "--gate",
            "sast",
            "--gate",
            "secrets",
            "--output-dir",
            str(out),
            "-q",
            *extra,
        ]
    )
    capsys.readouterr()
    assert code in (0, 1)
    findings: list[dict[str, Any]] = json.loads((out / "findings.json").read_text())["findings"]
    return findings


@pytest.mark.scanners
def test_cached_runs_match_cold_runs_and_notice_a_one_byte_change(
    tmp_path: Path,
    assets: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    project = tmp_path / "project"
    shutil.copytree(assets / "projects" / "planted", project)
    cache_folder = tmp_path / "cache"
    monkeypatch.setenv("SECPIPE_RESULT_CACHE", str(cache_folder))

    # Cold without the cache, then twice with it (filling, then reading): the same findings.
    cold = _findings(project, tmp_path / "cold", "--no-cache", capsys=capsys)
    assert not cache_folder.exists()
    filling = _findings(project, tmp_path / "fill", capsys=capsys)
    entries = _entries(cache_folder)
    warm = _findings(project, tmp_path / "warm", capsys=capsys)
    assert len(entries) == 3
    assert _entries(cache_folder) == entries
    assert cold == filling == warm
    assert any(item["rule_id"] == "B324" or "md5" in item["title"].lower() for item in cold)

    # One byte: md5 becomes md6, which no rule flags; the cache must not hide the change.
    views = project / "src" / "shop" / "views.py"
    text = views.read_text()
    assert text.count("hashlib.md5(") == 1
    views.write_text(text.replace("hashlib.md5(", "hashlib.md6("))
    changed = _findings(project, tmp_path / "changed", capsys=capsys)
    fresh = _findings(project, tmp_path / "fresh", "--no-cache", capsys=capsys)

    assert changed == fresh
    assert changed != warm
    assert len(_entries(cache_folder)) > len(entries)
