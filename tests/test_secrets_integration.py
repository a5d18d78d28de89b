"""The secrets gate end to end with the real detect-secrets, run as a user runs secpipe.

The planted credentials are made up at test time (random, never committed). Besides finding
each at its line, the run must not leak any of them: not in a report, not on stdout, not in the
log at ``-v``. The same holds for the password bandit quotes in its B105 message (sast gate).
"""

from __future__ import annotations

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.scanners

ALNUM = string.ascii_letters + string.digits


def random_text(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def run_secpipe(project: Path, out: Path, gate: str) -> subprocess.CompletedProcess[str]:
    """``secpipe run`` in a child process, exactly as on a command line, at -v."""
    argv = [sys.executable, "-m", "secpipe", "run", str(project), "--gate", gate]
    argv += ["--output-dir", str(out), "--format", "sarif,markdown", "-v"]
    return subprocess.run(
        argv, capture_output=True, text=True, timeout=600, env=dict(os.environ), check=False
    )


def leaks(values: list[str], out: Path, completed: subprocess.CompletedProcess[str]) -> list[str]:
    """Every planted value found in any output file or in the captured streams."""
    texts = {"stdout": completed.stdout, "stderr": completed.stderr}
    for path in out.rglob("*"):
        if path.is_file():
            texts[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    return [
        f"{where}: {value[:4]}…"
        for value in values
        for where, text in texts.items()
        if value in text
    ]


def test_planted_credentials_are_found_at_their_lines_and_never_leak(tmp_path: Path) -> None:
    # Plant an AWS key pair, a GitHub token, an allowlisted token and a private key.
    project = tmp_path / "project"
    (project / "app").mkdir(parents=True)
    aws_id = "AKIA" + random_text(string.ascii_uppercase + "234567", 16)
    aws_secret = random_text(ALNUM + "+/", 40)
    github = "ghp_" + random_text(ALNUM, 36)
    allowed = "ghp_" + random_text(ALNUM, 36)
    (project / "app" / "config.py").write_text(
        "# Service settings.\n"
        f'AWS_ACCESS_KEY_ID = "{aws_id}"\n'
        f'aws_secret_access_key = "{aws_secret}"\n'
        f'GITHUB_TOKEN = "{github}"\n'
        f'DOCS_TOKEN = "{allowed}"  # pragma: allowlist secret\n'
    )
    key_lines = [random_text(ALNUM + "+/", 64) for _ in range(8)]
    (project / "keys").mkdir()
    (project / "keys" / "deploy.pem").write_text(
        "-----BEGIN RSA PRIVATE KEY-----\n"
        + "\n".join(key_lines)
        + "\n-----END RSA PRIVATE KEY-----\n"
    )

    out = tmp_path / "out"
    completed = run_secpipe(project, out, "secrets")

    # The run fails on the critical and high findings, each at its own line.
    assert completed.returncode == 1, completed.stderr
    report = json.loads((out / "findings.json").read_text())
    found = {(f["path"], f["start_line"]): f for f in report["findings"]}
    assert {place: f["rule_id"] for place, f in found.items()} == {
        ("app/config.py", 2): "aws-access-key",
        ("app/config.py", 3): "aws-access-key",
        ("app/config.py", 4): "github-token",
        ("keys/deploy.pem", 1): "private-key",
    }
    assert found[("app/config.py", 2)]["severity"] == "critical"
    assert found[("app/config.py", 4)]["severity"] == "high"
    assert found[("keys/deploy.pem", 1)]["severity"] == "critical"
    assert all(f["cwe"] == ["CWE-798"] for f in report["findings"])

    # The allowlisted line is not a finding but is counted as suppressed.
    [gate] = report["gates"]
    [tool] = gate["tools"]
    assert tool["name"] == "detect-secrets" and tool["status"] == "passed"
    assert tool["suppressed"] == 1

    # Nothing planted appears anywhere the user or a CI log could see it.
    planted = [aws_id, aws_secret, github, allowed, *key_lines]
    assert leaks(planted, out, completed) == []
    assert "secrets" in completed.stdout and "detect-secrets" in completed.stderr


def test_bandits_hard_coded_password_never_leaks_through_the_sast_gate(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    password = random_text(ALNUM, 18)
    (project / "login.py").write_text(
        f'password = "{password}"\n\n\ndef connect(client):\n'
        f'    return client.login(user="admin", password="{password}")\n'
    )

    out = tmp_path / "out"
    completed = run_secpipe(project, out, "sast")

    report = json.loads((out / "findings.json").read_text())
    # bandit's B105 (line 1) and B106 (line 5) both quote the password in their messages.
    by_line = {f["start_line"]: f["tools"] for f in report["findings"]}
    assert "bandit" in by_line.get(1, []) and "bandit" in by_line.get(5, []), completed.stderr
    assert leaks([password], out, completed) == []
