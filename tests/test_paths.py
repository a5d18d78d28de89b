"""File selection with gitignore-like globs, and tool paths made repository-relative."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from secpipe._paths import (
    batches,
    folder_listing,
    list_files,
    matches,
    select,
    to_repo_relative,
)


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("tests/a.py", "tests", True),
        ("src/tests/a.py", "tests", True),
        ("src/tests/a.py", "/tests", False),
        ("tests/a.py", "tests/**", True),
        ("a.py", "**/*.py", True),
        ("src/deep/a.py", "**/*.py", True),
        ("src/a.py", "src/*.py", True),
        ("src/deep/a.py", "src/*.py", False),
        ("a.js", "*.py", False),
        ("vendor/x/y.js", "vendor/", True),
        ("app.min.js", "*.min.js", True),
    ],
)
def test_glob_matching(path: str, pattern: str, expected: bool) -> None:
    assert matches(path, [pattern]) is expected


def test_select_applies_include_then_exclude() -> None:
    files = ["app/a.py", "app/b.js", "tests/t.py"]
    assert select(files, ["**/*.py"], ["tests"]) == ["app/a.py"]
    assert select(files, [], []) == files


def test_tool_paths_become_repo_relative(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "a.py").write_text("x = 1\n")
    assert to_repo_relative("./app/a.py", tmp_path) == "app/a.py"
    assert to_repo_relative("././app/a.py", tmp_path) == "app/a.py"
    assert to_repo_relative(str(tmp_path / "app" / "a.py"), tmp_path) == "app/a.py"
    assert to_repo_relative("/app/a.py", tmp_path) == "app/a.py"
    assert to_repo_relative("a.py", tmp_path, tmp_path / "app") == "app/a.py"
    assert to_repo_relative("../outside.py", tmp_path) is None
    assert to_repo_relative("/etc/passwd", tmp_path) is None


def test_listing_outside_git_skips_vcs_output_and_virtualenvs(tmp_path: Path) -> None:
    for name in [
        "a.py",
        ".git/config",
        ".secpipe/findings.json",
        "venv/lib/x.py",
        "node_modules/m/i.js",
        "src/b.py",
    ]:
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("")
    (tmp_path / "venv" / "pyvenv.cfg").write_text("")
    assert list_files(tmp_path) == ["a.py", "src/b.py"]


def test_listing_in_git_honours_gitignore(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("build/\n")
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "gen.py").write_text("")
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "t.py").write_text("")
    assert list_files(tmp_path) == [".gitignore", "tests/t.py"]


def test_batches_keep_every_path_and_bound_the_size() -> None:
    paths = [f"dir/file{i}.py" for i in range(1000)]
    groups = batches(paths, max_chars=1000)
    assert [path for group in groups for path in group] == paths
    assert all(sum(len(path) + 1 for path in group) <= 1000 for group in groups)


def test_a_folder_listing_notices_a_rewrite_that_keeps_size_and_time(tmp_path: Path) -> None:
    data = tmp_path / "db"
    (data / "flask").mkdir(parents=True)
    record = data / "flask" / "GHSA-1.json"
    record.write_text('{"id": "GHSA-1"}')
    (data / "__pycache__").mkdir()
    before, newest = folder_listing(data, ("__pycache__",))
    assert newest >= record.stat().st_mtime_ns

    # Something appearing in a skipped folder changes nothing.
    (data / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert folder_listing(data, ("__pycache__",))[0] == before

    # Same size, the old modification time put back: the change time still tells.
    status = record.stat()
    record.write_text('{"id": "GHSA-2"}')
    os.utime(record, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert folder_listing(data, ("__pycache__",))[0] != before

    with pytest.raises(OSError):
        folder_listing(tmp_path / "missing")
