"""The dependencies gate end to end, as a user runs it: ``python -m secpipe run PATH``.

Offline against the shared PyPA advisory snapshot (``SECPIPE_ADVISORY_DB``), and online through
the real pip-audit with the network made unreachable (a proxy nobody listens on), which must be
a gate error naming the offline way, never a pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.scanners

#: The acceptance project: line number → (package, version).
PINS = {
    2: ("requests", "2.19.0"),
    3: ("PyYAML", "5.3"),
    5: ("Jinja2", "2.10"),
    6: ("Django", "2.2.0"),
}
REQUIREMENTS = "# the app\nrequests==2.19.0\nPyYAML==5.3\n\nJinja2==2.10\nDjango==2.2.0\n"

#: Advisories from the snapshot each pin must be reported with, and the fix each names.
EXPECTED = {
    "requests": {"GHSA-x84v-xcm2-53pg": "2.20.0", "GHSA-j8r2-6x86-q33q": "2.31.0"},
    "PyYAML": {"GHSA-6757-jp84-gxfx": "5.3.1", "GHSA-8q59-q68h-6hv4": "5.4"},
    "Jinja2": {"GHSA-462w-v97r-4m45": "2.10.1", "GHSA-g3rq-g295-4j3m": "2.11.3"},
    "Django": {"GHSA-2gwj-7jmv-h26r": "2.2.28", "GHSA-6c7v-2f49-8h26": "2.2.3"},
}


def run_secpipe(project: Path, out: Path, env: dict[str, str]) -> tuple[int, dict[str, Any], str]:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "secpipe",
            "run",
            str(project),
            "--gate",
            "dependencies",
            "--output-dir",
            str(out),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    report = json.loads((out / "findings.json").read_text())
    return completed.returncode, report, completed.stdout + completed.stderr


def base_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "SECPIPE_ADVISORY_DB"}
    env.update(extra)
    return env


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "requirements.txt").write_text(REQUIREMENTS)
    return root


def test_offline_audit_reports_each_pin_at_its_line(
    project: Path, tmp_path: Path, shared: Path
) -> None:
    env = base_env(SECPIPE_ADVISORY_DB=str(shared / "advisory-db"))
    code, report, _ = run_secpipe(project, tmp_path / "out", env)

    assert code == 1
    (gate,) = report["gates"]
    assert gate["status"] == "failed"
    assert gate["tools"][0]["name"] == "osv-offline"
    assert "advisory-db" in gate["tools"][0]["version"]

    found: dict[str, dict[str, dict[str, Any]]] = {}
    for finding in report["findings"]:
        package = finding["package"]
        found.setdefault(package["name"], {})[finding["rule_id"]] = finding
    assert set(found) == {name for name, _ in PINS.values()}
    for line, (name, version) in PINS.items():
        for advisory, fix in EXPECTED[name].items():
            finding = found[name][advisory]
            assert (finding["path"], finding["start_line"]) == ("requirements.txt", line)
            assert finding["package"]["version"] == version
            assert fix in finding["package"]["fixed_versions"]
            assert finding["title"] == f"{name} {version}: {advisory}"
    # One finding per advisory: the PYSEC record is an alias, not a second finding.
    ids = [f["rule_id"] for f in report["findings"]]
    assert len(ids) == len(set(ids))
    aliases = found["requests"]["GHSA-x84v-xcm2-53pg"]["package"]["advisories"][0]["aliases"]
    assert "PYSEC-2018-28" in aliases and "PYSEC-2018-28" not in ids


def test_an_unpinned_requirement_makes_the_gate_an_error(
    project: Path, tmp_path: Path, shared: Path
) -> None:
    (project / "requirements.txt").write_text(REQUIREMENTS + "flask>=2.0\n")
    env = base_env(SECPIPE_ADVISORY_DB=str(shared / "advisory-db"))
    code, report, terminal = run_secpipe(project, tmp_path / "out", env)

    assert code == 3
    (gate,) = report["gates"]
    assert gate["status"] == "error"
    errors = [tool["error"] for tool in gate["tools"] if tool["status"] == "error"]
    assert len(errors) == 1
    assert "requirements.txt:7: flask: not pinned to one version (>=2.0)" in errors[0]
    # The pinned ones are still audited and reported.
    assert any(f["package"]["name"] == "requests" for f in report["findings"])
    assert "requirements.txt:7" in terminal


def test_pip_audit_without_network_is_a_gate_error(project: Path, tmp_path: Path) -> None:
    # A proxy nobody listens on: pip-audit cannot reach any service, here or in CI.
    dead = "http://127.0.0.1:9"
    env = base_env(HTTPS_PROXY=dead, https_proxy=dead, HTTP_PROXY=dead, http_proxy=dead)
    code, report, terminal = run_secpipe(project, tmp_path / "out", env)

    assert code == 3
    (gate,) = report["gates"]
    assert gate["status"] == "error"
    (tool,) = gate["tools"]
    assert tool["name"] == "pip-audit" and tool["status"] == "error"
    assert "secpipe advisories update" in tool["error"]
    assert "SECPIPE_ADVISORY_DB" in tool["error"]
    assert report["findings"] == []
    assert "Traceback" not in terminal
