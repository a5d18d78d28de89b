"""The container and kubernetes gates end to end, with the real checkov, as a user runs them.

``secpipe run PATH --gate container`` on a Dockerfile with ``FROM python:latest``, ``ADD
https://…``, ``ENV API_TOKEN=…`` and no ``USER``; ``--gate kubernetes`` on a Deployment with
``privileged: true``, ``hostNetwork: true`` and a ``hostPath`` mount of the Docker socket.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from secpipe._cli import main

pytestmark = pytest.mark.scanners

TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"


def run(project: Path, out: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    code = main(["run", str(project), "--output-dir", str(out), *extra])
    return code, json.loads((out / "findings.json").read_text())


def line_of(path: Path, text: str) -> int:
    lines = path.read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.strip() == text)


def test_dockerfile_findings_land_on_their_lines_and_the_token_never_shows(
    tmp_path: Path, assets: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(assets / "docker" / "Dockerfile", project / "Dockerfile")
    out = tmp_path / "out"

    code, report = run(project, out, "--gate", "container", "--format", "sarif,markdown")

    assert code == 1
    [gate] = report["gates"]
    tools = {tool["name"]: tool["status"] for tool in gate["tools"]}
    assert tools == {"checkov": "passed", "dockerfile": "passed"}
    found = {(f["rule_id"], f["start_line"]): f for f in report["findings"]}
    assert set(found) >= {
        ("DOCKERFILE_BASE_TAG", 1),
        ("DOCKERFILE_ADD_URL", 2),
        ("DOCKERFILE_SECRET", 3),
        ("DOCKERFILE_ROOT_USER", 1),
    }
    # checkov and secpipe saw the same weaknesses on the same lines: one finding each.
    assert found[("DOCKERFILE_ADD_URL", 2)]["tools"] == ["checkov", "dockerfile"]
    assert found[("DOCKERFILE_ROOT_USER", 1)]["tools"] == ["checkov", "dockerfile"]
    assert not any(rule == "CKV_DOCKER_3" for rule, _ in found)
    # The token: not in any report, nor on the terminal.
    printed = capsys.readouterr()
    for path in out.rglob("*"):
        if path.is_file():
            assert TOKEN not in path.read_text(errors="replace"), path
    assert TOKEN not in printed.out and TOKEN not in printed.err


def test_a_dockerfile_that_does_not_parse_is_an_error_and_the_rest_is_scanned(
    tmp_path: Path, assets: Path
) -> None:
    project = tmp_path / "project"
    (project / "good").mkdir(parents=True)
    shutil.copy(assets / "docker" / "Dockerfile", project / "good" / "Dockerfile")
    (project / "Dockerfile").write_text("FROM python:3.12\nFORM typo\n")

    code, report = run(project, tmp_path / "out", "--gate", "container")

    assert code == 3
    [gate] = report["gates"]
    native = next(tool for tool in gate["tools"] if tool["name"] == "dockerfile")
    assert native["status"] == "error"
    assert "Dockerfile:2" in native["error"] and "FORM" in native["error"]
    assert any(f["path"] == "good/Dockerfile" for f in report["findings"])


def test_deployment_findings_land_on_the_offending_fields(tmp_path: Path, assets: Path) -> None:
    project = tmp_path / "project"
    (project / "k8s").mkdir(parents=True)
    manifest = project / "k8s" / "deploy.yaml"
    shutil.copy(assets / "kubernetes" / "deploy.yaml", manifest)
    shutil.copy(assets / "kubernetes" / "multi.yaml", project / "k8s" / "multi.yaml")
    (project / "k8s" / "broken.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: x\n")
    (project / "ci.yml").write_text("stages: [test]\n")

    code, report = run(project, tmp_path / "out", "--gate", "kubernetes")

    assert code == 3  # broken.yaml could not be scanned: an error, not a pass
    [gate] = report["gates"]
    tools = {tool["name"]: tool for tool in gate["tools"]}
    assert tools["checkov"]["status"] == "passed"
    assert "k8s/broken.yaml:4" in tools["manifests"]["error"]
    lines = {
        (f["path"], f["rule_id"]): f["start_line"]
        for f in report["findings"]
        if f["path"] == "k8s/deploy.yaml"
    }
    assert lines[("k8s/deploy.yaml", "CKV_K8S_16")] == line_of(manifest, "privileged: true")
    assert lines[("k8s/deploy.yaml", "CKV_K8S_19")] == line_of(manifest, "hostNetwork: true")
    assert lines[("k8s/deploy.yaml", "CKV_K8S_27")] == line_of(manifest, "hostPath:")
    severities = {f["rule_id"]: f["severity"] for f in report["findings"]}
    assert severities["CKV_K8S_16"] == "critical"
    assert {f["path"] for f in report["findings"]} == {"k8s/deploy.yaml", "k8s/multi.yaml"}
