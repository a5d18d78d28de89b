"""The command line as a user meets it: exit codes and one-line errors, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from secpipe._cli import main

BAD_KEY = "version: 1\nstages:\n  commit:\n    gates: [sast]\ngates:\n  sast:\n    tool: [x]\n"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.startswith("secpipe 0.")


def test_validate_good_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "secpipe.yml").write_text("version: 1\nstages:\n  commit:\n    gates: [sast]\n")
    assert main(["validate", str(tmp_path / "secpipe.yml")]) == 0
    assert "valid" in capsys.readouterr().out


def test_misspelt_key_is_one_line_and_exit_2(tmp_path: Path) -> None:
    pipeline = tmp_path / "secpipe.yml"
    pipeline.write_text(BAD_KEY)
    # A real process, so the user's view (stderr, exit code) is what is checked.
    done = subprocess.run(
        [sys.executable, "-m", "secpipe", "validate", str(pipeline)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"secpipe: error: {pipeline}:7:5: gates.sast: unknown key 'tool'")
    assert "allowed: include, exclude" in done.stderr
    assert "Traceback" not in done.stderr


def test_run_with_a_bad_pipeline_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "secpipe.yml").write_text(BAD_KEY)
    assert main(["run", str(tmp_path), "--output-dir", str(tmp_path / "out")]) == 2
    assert "unknown key 'tool'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "/nonexistent/path"], "/nonexistent/path: not a folder"),
        (["run", ".", "--gate", "sats"], "--gate sats: unknown gate (known: "),
        (["run", ".", "--stage", "release"], "--stage release: no such stage"),
        (["run", ".", "--format", "pdf"], "unknown report format 'pdf'"),
        (["run", ".", "--jobs", "0"], "--jobs: must be at least 1"),
        (["validate", "/nonexistent/secpipe.yml"], "pipeline file not found"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    args: list[str],
    message: str,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_unknown_option_is_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["run", "--colour"])
    assert caught.value.code == 2


def test_init_writes_a_valid_starter_and_refuses_to_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path)]) == 0
    assert main(["validate", str(tmp_path / "secpipe.yml")]) == 0
    assert main(["init", str(tmp_path)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_schema_commands_print_json_schemas(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "pipeline"]) == 0
    pipeline = json.loads(capsys.readouterr().out)
    assert "stages" in pipeline["properties"]
    assert main(["schema", "findings"]) == 0
    findings = json.loads(capsys.readouterr().out)
    assert {"findings", "gates", "violations", "exit_code"} <= set(findings["properties"])


def test_gates_lists_every_gate_and_tool(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gates"]) == 0
    out = capsys.readouterr().out
    assert "sast" in out and "semgrep" in out and "bandit" in out


def test_every_subcommand_takes_verbose_and_quiet() -> None:
    for command in (["validate", "-q", "x"], ["gates", "-v"], ["schema", "-q", "findings"]):
        assert main(command) in (0, 2)


def test_ctrl_c_exits_130_and_kills_the_scanners(tmp_path: Path) -> None:
    import signal
    import time

    # A stand-in bandit that answers --version, then starts a long-lived grandchild and waits.
    pid_file = tmp_path / "grandchild.pid"
    scanner = tmp_path / "bandit"
    scanner.write_text(
        f"#!{sys.executable}\n"
        "import subprocess, sys, time\n"
        "if '--version' in sys.argv:\n"
        "    print('bandit 1.9.4'); sys.exit(0)\n"
        "child = subprocess.Popen(['sleep', '120'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "time.sleep(120)\n"
    )
    scanner.chmod(0o755)
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text("print('hello')\n")
    (project / "secpipe.yml").write_text(
        "version: 1\nstages:\n  commit:\n    gates: [sast]\n"
        f"gates:\n  sast:\n    tools: [bandit]\n    bandit:\n      path: {scanner}\n"
    )

    run = subprocess.Popen(
        [sys.executable, "-m", "secpipe", "run", str(project), "--output-dir", str(tmp_path / "o")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline, "the scanner never started"
        time.sleep(0.1)
    grandchild = int(pid_file.read_text())

    run.send_signal(signal.SIGINT)
    _, err = run.communicate(timeout=30)
    assert run.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    time.sleep(0.5)
    assert not _alive(grandchild)


def _alive(pid: int) -> bool:
    # A killed process whose parent is gone may linger as a zombie until init reaps it.
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_a_gate_with_nothing_to_scan_is_skipped_not_passed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "notes.txt").write_text("no source code here\n")
    (project / "secpipe.yml").write_text("version: 1\nstages:\n  commit:\n    gates: [sast]\n")
    assert main(["run", str(project), "--output-dir", str(tmp_path / "out")]) == 0
    report = json.loads((tmp_path / "out" / "findings.json").read_text())
    assert report["gates"][0]["status"] == "skipped"
    assert {tool["status"] for tool in report["gates"][0]["tools"]} == {"skipped"}
