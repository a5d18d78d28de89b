"""`secpipe run --changed-since REF`: only the changed files are scanned again, and it says so.

Git runs through secpipe's own process helper; the scanners are the real ones (marked), except
for the tests of bad input, which fail before any scanner starts.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from secpipe import _process
from secpipe._changes import changed_files
from secpipe._cli import main
from secpipe._errors import InvalidInputError


def _git(root: Path, *arguments: str) -> str:
    completed = _process.run(
        [
            "git",
            "-c",
            "user.name=secpipe tests",
            "-c",
            "user.email=tests@secpipe.invalid",
            "-c",
            "commit.gpgsign=false",
            *arguments,
        ],
        timeout_s=60,
        cwd=root,
    )
    assert completed.returncode == 0, completed.describe()
    return completed.stdout


@pytest.fixture
def repository(tmp_path: Path, assets: Path) -> Path:
    """The planted project as a git repository with one commit, then a branch with changes."""
    root = tmp_path / "project"
    shutil.copytree(assets / "projects" / "planted", root)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "start")

    # One committed change, one uncommitted edit and one new untracked file.
    _git(root, "checkout", "-q", "-b", "feature")
    safe = root / "src" / "shop" / "safe.py"
    safe.write_text(safe.read_text() + "\n\ndef run(cmd):\n    return eval(cmd)\n")
    _git(root, "commit", "-q", "-am", "feature")
    helpers = root / "tests" / "test_helpers.py"
    helpers.write_text(helpers.read_text() + "\n# touched\n")
    (root / "src" / "shop" / "new.py").write_text("import pickle\nload = pickle.loads\n")
    return root


def test_changed_files_lists_committed_uncommitted_and_new_files(repository: Path) -> None:
    assert changed_files(repository, "main") == {
        "src/shop/safe.py",
        "tests/test_helpers.py",
        "src/shop/new.py",
    }
    assert changed_files(repository / "src", "main") == {"shop/safe.py", "shop/new.py"}


def test_a_bad_ref_or_a_folder_outside_git_is_one_line_and_exit_2(
    repository: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(InvalidInputError, match="no such commit"):
        changed_files(repository, "no-such-branch")
    with pytest.raises(InvalidInputError, match="not a git revision"):
        changed_files(repository, "--output=x")

    plain = tmp_path / "plain"
    plain.mkdir()
    for root, ref in ((repository, "no-such-branch"), (plain, "main")):
        code = main(["run", str(root), "--changed-since", ref, "--output-dir", str(tmp_path / "o")])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2
        assert err[-1].startswith("secpipe: error: --changed-since")
        assert len([line for line in err if line.startswith("secpipe: error")]) == 1


def _report(root: Path, out: Path, *extra: str) -> dict[str, Any]:
    code = main(
        [
            "run",
            str(root),
            "--gate",
            "sast",
            "--gate",
            "secrets",
            "--no-cache",
            "--output-dir",
            str(out),
            "-q",
            *extra,
        ]
    )
    assert code in (0, 1)
    report: dict[str, Any] = json.loads((out / "findings.json").read_text())
    return report


@pytest.mark.scanners
def test_change_only_mode_finds_what_a_full_run_finds_in_the_changed_files(
    repository: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    full = _report(repository, tmp_path / "full")
    partial = _report(repository, tmp_path / "partial", "--changed-since", "main")
    capsys.readouterr()
    changed = {"src/shop/safe.py", "tests/test_helpers.py", "src/shop/new.py"}

    # The same findings in the changed files, and nothing from the files left alone.
    expected = [item for item in full["findings"] if item["path"] in changed]
    assert partial["findings"] == expected
    assert {item["path"] for item in expected} >= {"src/shop/safe.py", "src/shop/new.py"}
    assert any(item["path"] == "src/shop/views.py" for item in full["findings"])

    # The report says what was re-examined and that the rest was not (rather than gone).
    warnings = "\n".join(partial["warnings"])
    assert "re-examined 3 changed file(s)" in warnings
    assert "src/shop/new.py" in warnings
    assert "not re-examined, not gone" in warnings
