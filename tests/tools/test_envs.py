"""Tests for the managed scanner environments and the ``secpipe tools`` commands.

Real scanners take minutes to install, so the machinery is exercised with ``fake-scanner``: a tiny
wheel written by the tests, installed offline (``PIP_NO_INDEX``) from a local folder through an
alternative lock named by ``SECPIPE_TOOLS_LOCK``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from secpipe._errors import InvalidInputError, ToolError
from secpipe._tools_cli import add_tools_parser
from secpipe.tools import _envs

posix_only = pytest.mark.skipif(os.name == "nt", reason="uses /bin/sh scripts as fake scanners")

NOT_INSTALLED = (
    "fake-scanner 1.0.0 is not installed; run `secpipe tools install fake-scanner` "
    "(or `secpipe run --install-tools`)"
)


def write_wheel(folder: Path, version: str) -> Path:
    """Write a minimal pure-Python wheel whose console script prints its version."""
    dist_info = f"fake_scanner-{version}.dist-info"
    files = {
        "fake_scanner.py": (
            "import sys\n\n\ndef main() -> int:\n"
            f"    print('fake-scanner {version}')\n    return 0\n"
        ),
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: fake-scanner\nVersion: {version}\n",
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: secpipe-tests\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n"
        ),
        f"{dist_info}/entry_points.txt": "[console_scripts]\nfake-scanner = fake_scanner:main\n",
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{name},sha256={digest.decode()},{len(text.encode())}")
    files[f"{dist_info}/RECORD"] = "\n".join([*record, f"{dist_info}/RECORD,,"]) + "\n"

    wheel = folder / f"fake_scanner-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return wheel


def write_lock(path: Path, requirement: str = "fake-scanner==1.0.0") -> Path:
    """Write a lock that knows only fake-scanner, pinned to ``requirement``."""
    entry = {
        "version": requirement.partition("==")[2],
        "distribution": "fake-scanner",
        "executables": ["fake-scanner"],
        "requirements": [requirement],
    }
    lock = {
        "lock_version": 1,
        "python": "3.11",
        "platform": "any",
        "generated_by": "tests",
        "tools": {"fake-scanner": entry},
    }
    path.write_text(json.dumps(lock), encoding="utf-8")
    return path


def write_script(folder: Path, output: str) -> Path:
    """Write an executable ``fake-scanner`` shell script that prints ``output``."""
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "fake-scanner"
    script.write_text(f"#!/bin/sh\nprintf '%s\\n' '{output}'\n", encoding="utf-8")
    script.chmod(0o755)
    return script


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with fake-scanner 1.0.0 and 2.0.0 wheels, for offline installs."""
    folder = tmp_path_factory.mktemp("wheelhouse")
    write_wheel(folder, "1.0.0")
    write_wheel(folder, "2.0.0")
    return folder


def point_at(monkeypatch: pytest.MonkeyPatch, home: Path, lock: Path, wheelhouse: Path) -> None:
    """Use ``home`` as the cache, ``lock`` as the lock, and only ``wheelhouse`` as the index."""
    monkeypatch.setenv("SECPIPE_HOME", str(home))
    monkeypatch.setenv("SECPIPE_TOOLS_LOCK", str(lock))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheelhouse))


@pytest.fixture
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wheelhouse: Path) -> Path:
    """An empty cache with the fake lock; returns the cache folder."""
    home = tmp_path / "home"
    point_at(monkeypatch, home, write_lock(tmp_path / "lock.json"), wheelhouse)
    return home


@pytest.fixture(scope="module")
def _shared_install(
    tmp_path_factory: pytest.TempPathFactory, wheelhouse: Path
) -> Iterator[tuple[Path, Path]]:
    """One cache with fake-scanner 1.0.0 installed, built once for the read-only tests."""
    folder = tmp_path_factory.mktemp("shared")
    lock = write_lock(folder / "lock.json")
    with pytest.MonkeyPatch.context() as monkeypatch:
        point_at(monkeypatch, folder / "home", lock, wheelhouse)
        _envs.install("fake-scanner")
    yield folder / "home", lock


@pytest.fixture
def installed(
    _shared_install: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch, wheelhouse: Path
) -> Path:
    """The shared cache with fake-scanner 1.0.0 installed; tests must not change it."""
    home, lock = _shared_install
    point_at(monkeypatch, home, lock, wheelhouse)
    return home


def run_version(executable: Path) -> str:
    done = subprocess.run(
        [executable, "--version"], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def test_install_creates_a_working_environment(fresh: Path) -> None:
    env = _envs.install("fake-scanner")

    assert env.created
    assert env.version == "1.0.0"
    assert env.requirements == ("fake-scanner==1.0.0",)
    assert env.path.parent == fresh / "envs"
    assert re.fullmatch(r"fake-scanner-1\.0\.0-[0-9a-f]{12}", env.path.name)
    assert (env.path / _envs.MARKER_NAME).is_file()
    assert run_version(env.executable) == "fake-scanner 1.0.0"


def test_second_install_is_fast_and_runs_no_pip(installed: Path) -> None:
    logs = list((installed / "logs").glob("*.log"))
    sizes = [log.stat().st_size for log in logs]

    started = time.monotonic()
    env = _envs.install("fake-scanner")
    elapsed = time.monotonic() - started

    assert not env.created
    assert elapsed < 1.0
    assert [log.stat().st_size for log in logs] == sizes


def test_other_version_installs_beside_the_locked_one(fresh: Path) -> None:
    locked = _envs.install("fake-scanner")
    other = _envs.install("fake-scanner", "2.0.0")

    assert other.path != locked.path
    assert other.requirements == ("fake-scanner==2.0.0",)
    assert run_version(other.executable) == "fake-scanner 2.0.0"
    assert run_version(locked.executable) == "fake-scanner 1.0.0"
    assert _envs.resolve("fake-scanner", version="2.0.0").executable == other.executable
    assert _envs.resolve("fake-scanner").executable == locked.executable


def test_half_deleted_environment_is_rebuilt(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _envs.install("fake-scanner")
    first.executable.unlink()
    monkeypatch.setenv("PATH", str(fresh.parent / "empty"))

    # Damaged: not offered by resolve, reported by doctor, rebuilt by install.
    with pytest.raises(ToolError):
        _envs.resolve("fake-scanner")
    assert [result.ok for result in _envs.doctor()] == [False]
    again = _envs.install("fake-scanner")

    assert again.created
    assert again.path == first.path
    assert run_version(again.executable) == "fake-scanner 1.0.0"
    assert [result.ok for result in _envs.doctor()] == [True]


@posix_only
def test_failing_executable_is_rebuilt_when_verified(fresh: Path) -> None:
    first = _envs.install("fake-scanner")
    first.executable.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")

    # The cheap check trusts the marker; verify runs --version and rebuilds.
    assert not _envs.install("fake-scanner").created
    again = _envs.install("fake-scanner", verify=True)

    assert again.created
    assert run_version(again.executable) == "fake-scanner 1.0.0"
    assert not _envs.install("fake-scanner", verify=True).created


def test_failed_pip_leaves_nothing_that_looks_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wheelhouse: Path
) -> None:
    lock = write_lock(tmp_path / "lock.json", "fake-scanner==9.9.9")
    point_at(monkeypatch, tmp_path / "home", lock, wheelhouse)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    with pytest.raises(ToolError) as caught:
        _envs.install("fake-scanner")

    message = str(caught.value)
    log = next((tmp_path / "home" / "logs").glob("fake-scanner-9.9.9-*.log"))
    assert "\n" not in message
    assert "pip install for fake-scanner 9.9.9 failed" in message
    assert "ERROR:" in message and "fake-scanner==9.9.9" in message
    assert str(log) in message
    assert "fake-scanner==9.9.9" in log.read_text(encoding="utf-8")
    assert [path.name for path in (tmp_path / "home" / "envs").iterdir() if path.is_dir()] == []
    with pytest.raises(ToolError, match="is not installed"):
        _envs.resolve("fake-scanner")


def test_interrupted_install_leaves_nothing_that_looks_installed(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_envs, "_verify", interrupt)
    with pytest.raises(KeyboardInterrupt):
        _envs.install("fake-scanner")

    assert [path for path in (fresh / "envs").iterdir() if path.is_dir()] == []
    assert _envs.list_tools()[0].installed == ()


@posix_only
def test_leftover_folder_without_marker_is_not_trusted_and_is_rebuilt(
    fresh: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a killed install leaves: a plausible folder with a working executable, but no marker.
    name = _envs._spec("fake-scanner", None).name
    leftover = fresh / "envs" / name
    write_script(leftover / "bin", "fake-scanner 1.0.0")
    (leftover / "bin" / "python").symlink_to(sys.executable)
    monkeypatch.setenv("PATH", str(fresh.parent / "empty"))

    with pytest.raises(ToolError, match="is not installed"):
        _envs.resolve("fake-scanner")
    env = _envs.install("fake-scanner")

    assert env.created
    assert (env.path / "pyvenv.cfg").is_file()
    assert _envs.resolve("fake-scanner").source == "managed"


def test_concurrent_installs_build_one_environment(fresh: Path) -> None:
    code = "from secpipe.tools._envs import install; print(install('fake-scanner').created)"
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = [child.communicate(timeout=300) for child in children]

    assert [child.returncode for child in children] == [0, 0], outputs
    assert sorted(out.strip() for out, _ in outputs) == ["False", "True"]
    log = next((fresh / "logs").glob("*.log")).read_text(encoding="utf-8")
    assert log.count("=== done ===") == 1
    env = _envs.install("fake-scanner")
    assert not env.created
    assert run_version(env.executable) == "fake-scanner 1.0.0"


@posix_only
def test_resolve_prefers_pipeline_path_then_managed_then_path(
    installed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_path = write_script(tmp_path / "bin", "fake-scanner 0.9.0")
    monkeypatch.setenv("PATH", str(on_path.parent))

    pipeline = _envs.resolve("fake-scanner", explicit_path=str(on_path))
    managed = _envs.resolve("fake-scanner")

    assert (pipeline.source, pipeline.executable) == ("pipeline", on_path)
    assert pipeline.version == "0.9.0"
    assert pipeline.warning is not None and "0.9.0" in pipeline.warning
    assert managed.source == "managed"
    assert managed.version == "1.0.0"
    assert managed.warning is None
    assert managed.executable.is_relative_to(installed)


@posix_only
def test_resolve_falls_back_to_path_with_a_version_warning(
    fresh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_path = write_script(tmp_path / "bin", "fake-scanner 0.9.0")
    monkeypatch.setenv("PATH", str(on_path.parent))

    found = _envs.resolve("fake-scanner")

    assert (found.source, found.executable, found.version) == ("path", on_path, "0.9.0")
    assert found.warning is not None
    assert "0.9.0" in found.warning and "1.0.0" in found.warning


@posix_only
def test_resolve_path_with_the_wanted_version_has_no_warning(
    fresh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_path = write_script(tmp_path / "bin", "fake-scanner 1.0.0")
    monkeypatch.setenv("PATH", str(on_path.parent))

    assert _envs.resolve("fake-scanner").warning is None


def test_resolve_reports_what_to_run_when_nothing_is_found(
    fresh: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))

    with pytest.raises(ToolError) as caught:
        _envs.resolve("fake-scanner")

    assert str(caught.value) == NOT_INSTALLED


def test_resolve_rejects_a_missing_pipeline_path(fresh: Path, tmp_path: Path) -> None:
    with pytest.raises(ToolError, match="does not exist or is not executable"):
        _envs.resolve("fake-scanner", explicit_path=str(tmp_path / "nowhere" / "fake-scanner"))


def test_unknown_tool_names_the_known_ones(fresh: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"unknown tool 'semgrap'.*fake-scanner"):
        _envs.install("semgrap")
    with pytest.raises(InvalidInputError, match="fake-scanner"):
        _envs.resolve("semgrap")


def test_malformed_version_is_rejected(fresh: Path) -> None:
    with pytest.raises(InvalidInputError, match="not a version"):
        _envs.install("fake-scanner", "1.0 --index-url=http://example.invalid")


def test_cache_under_a_file_is_a_clear_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wheelhouse: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    point_at(monkeypatch, blocker / "home", write_lock(tmp_path / "lock.json"), wheelhouse)

    with pytest.raises(InvalidInputError, match=r"cannot write to the secpipe cache.*SECPIPE_HOME"):
        _envs.install("fake-scanner")


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="permission bits do not stop root")
def test_read_only_cache_is_a_clear_input_error(fresh: Path) -> None:
    fresh.mkdir()
    fresh.chmod(0o500)
    try:
        with pytest.raises(InvalidInputError, match="cannot write to the secpipe cache"):
            _envs.install("fake-scanner")
    finally:
        fresh.chmod(0o700)


@pytest.mark.parametrize(
    ("output", "version"),
    [
        ("bandit 1.9.4\n  python version = 3.11.7 (main, May  9 2026)", "1.9.4"),
        ("1.185.0", "1.185.0"),
        ("1.5.0", "1.5.0"),
        ("pip-audit 2.10.1", "2.10.1"),
        ("3.3.30", "3.3.30"),
    ],
)
@posix_only
def test_version_is_the_first_version_looking_token(
    tmp_path: Path, output: str, version: str
) -> None:
    script = write_script(tmp_path, output)
    assert _envs._probe_version(script) == (version, "")


def test_scanner_env_drops_python_path_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHONPATH", "/somewhere")
    monkeypatch.setenv("PYTHONHOME", "/elsewhere")
    monkeypatch.setenv("VIRTUAL_ENV", "/venv")
    monkeypatch.setenv("KEEP_ME", "1")

    env = _envs.scanner_env({"EXTRA": "2"})

    assert not {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV"} & set(env)
    assert (env["KEEP_ME"], env["EXTRA"]) == ("1", "2")


def test_shipped_lock_pins_every_scanner_exactly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECPIPE_TOOLS_LOCK", raising=False)

    lock = _envs.load_lock()
    raw = json.loads(_envs.DEFAULT_LOCK_PATH.read_text(encoding="utf-8"))

    assert set(lock.tools) == {"semgrep", "bandit", "detect-secrets", "pip-audit", "checkov"}
    assert lock.tools["semgrep"].version == "1.185.0"
    assert lock.tools["bandit"].version == "1.9.4"
    assert lock.tools["detect-secrets"].version == "1.5.0"
    for name, entry in raw["tools"].items():
        assert all(re.fullmatch(r"[a-z0-9-]+==\S+", req) for req in entry["requirements"]), name
        assert f"{entry['distribution']}=={entry['version']}" in entry["requirements"], name
    assert len(lock.tools["semgrep"].requirements) > 10
    assert lock.tools["checkov"].executable == "checkov"


def test_broken_override_lock_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = tmp_path / "lock.json"
    write_lock(lock, "fake-scanner>=1.0")
    monkeypatch.setenv("SECPIPE_TOOLS_LOCK", str(lock))

    with pytest.raises(InvalidInputError, match=r"not valid.*exact `name==version` pins"):
        _envs.load_lock()


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="secpipe")
    add_tools_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    code: int = args.handler(args)
    return code


def test_cli_install_list_and_doctor(installed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("tools", "install") == 0
    assert capsys.readouterr().out == "fake-scanner 1.0.0 already installed\n"

    assert run_cli("tools", "list") == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split() == ["TOOL", "LOCKED", "INSTALLED", "WHERE"]
    assert row.split()[:3] == ["fake-scanner", "1.0.0", "1.0.0"]
    assert row.split()[3].startswith(str(installed / "envs" / "fake-scanner-1.0.0-"))

    assert run_cli("tools", "doctor") == 0
    assert capsys.readouterr().out.startswith("ok   fake-scanner 1.0.0: ")


def test_cli_install_reports_a_new_install(fresh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli("tools", "install", "--version-of", "fake-scanner=2.0.0") == 0

    out = capsys.readouterr().out
    assert out.startswith("installed fake-scanner 2.0.0 in ")
    assert str(fresh / "envs") in out


def test_cli_rejects_bad_arguments_before_installing(fresh: Path) -> None:
    with pytest.raises(InvalidInputError, match="TOOL=VERSION"):
        run_cli("tools", "install", "--version-of", "fake-scanner")
    with pytest.raises(InvalidInputError, match="unknown tool"):
        run_cli("tools", "install", "semgrap")
    assert not (fresh / "envs").exists()


def test_cli_doctor_fails_on_a_damaged_environment(
    fresh: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _envs.install("fake-scanner").executable.unlink()

    assert run_cli("tools", "doctor") == 3
    assert capsys.readouterr().out.startswith("FAIL fake-scanner 1.0.0: ")


def test_gates_installing_at_once_do_not_trip_over_the_write_check(tmp_path: Path) -> None:
    # Two gates of one run (one process) may both install checkov; each checks the cache can be
    # written, and neither check may remove the other's probe file.
    from concurrent.futures import ThreadPoolExecutor

    root = tmp_path / "cache"
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: _envs._prepare_cache(root), range(200)))

    assert results == [None] * 200
    assert list((root / "envs").iterdir()) == []
