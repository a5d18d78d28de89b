"""The templates run by real CI clients on a vulnerable fixture project, entirely offline.

``gitlab-ci-local`` runs the GitLab template's jobs with the shell executor; ``act`` runs the
example GitHub workflow with the local composite action in self-hosted mode. Both come from
``.ci/setup.d/30-ci-clients.sh``. Scanners, the secpipe install and the advisory snapshot reach
the jobs through each platform's own variables (``--variable`` / ``--env``), as a real project
would set CI/CD variables; actions that need github.com are swapped for local stand-ins with
act's ``--local-repository``.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema

from secpipe._process import Completed, run
from secpipe.tools import _envs

pytestmark = pytest.mark.scanners

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "examples" / "vulnerable-app"
SETUP_SCRIPT = REPO_ROOT / ".ci" / "setup.d" / "30-ci-clients.sh"
GIT_IDENTITY = ["-c", "user.email=ci@example.invalid", "-c", "user.name=secpipe tests"]


@pytest.fixture(scope="module")
def clients() -> Path:
    """The folder the setup script installed the CI clients into."""
    prefix = Path(os.environ.get("SECPIPE_CI_CLIENTS", "/opt/secpipe-ci"))
    if not (prefix / "node_modules" / ".bin" / "gitlab-ci-local").exists():
        message = f"no CI clients in {prefix}; run {SETUP_SCRIPT.relative_to(REPO_ROOT)}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return prefix


def job_variables() -> dict[str, str]:
    """What a project would set as CI variables: secpipe, its scanners, the advisory snapshot."""
    return {
        "SECPIPE_VENV": sys.prefix,
        "SECPIPE_HOME": str(_envs.cache_root()),
        "SECPIPE_ADVISORY_DB": str(EXAMPLE / "advisories-sample"),
    }


def make_project(root: Path, extra: dict[str, str]) -> Path:
    """A git repository with a commit, holding the example's Python app and requirements."""
    root.mkdir()
    shutil.copytree(EXAMPLE / "app", root / "app")
    shutil.copy(EXAMPLE / "requirements.txt", root / "requirements.txt")
    # Report folders are ignored, as a project would; the shell executor shares one folder.
    (root / ".gitignore").write_text(
        ".gitlab-ci-local/\nsecpipe-reports/\nsecpipe-shards/\n", encoding="utf-8"
    )
    for relative, text in extra.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    for argv in (["init", "-q"], ["add", "-A"], [*GIT_IDENTITY, "commit", "-q", "-m", "fixture"]):
        result = run(["git", *argv], timeout_s=60, cwd=root)
        assert result.returncode == 0, result.stderr
    return root


def load_schema(shared: Path, name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((shared / "schemas" / name).read_text(encoding="utf-8"))
    return schema


def check_gitlab_reports(folder: Path, shared: Path, expected: dict[str, bool]) -> None:
    """Each GitLab report in ``folder`` validates; ``expected`` says which must have findings."""
    for kind, has_findings in expected.items():
        document = json.loads((folder / f"gl-{kind}-report.json").read_text(encoding="utf-8"))
        schema = load_schema(shared, f"gitlab-{kind}-report-format-15.2.1.json")
        jsonschema.Draft7Validator(schema).validate(document)
        assert bool(document["vulnerabilities"]) is has_findings, kind
    junit = xmlschema.XMLSchema(shared / "schemas" / "junit-jenkins-xunit-junit-10.xsd")
    junit.validate(str(folder / "junit.xml"))
    assert json.loads((folder / "gl-code-quality-report.json").read_text(encoding="utf-8"))


def gitlab_ci_local(clients: Path, project: Path, *args: str) -> Completed:
    bin_dir = clients / "node_modules" / ".bin"
    variables = [f"--variable={key}={value}" for key, value in job_variables().items()]
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}
    argv = [bin_dir / "gitlab-ci-local", "--force-shell-executor", *variables, *args]
    return run(argv, timeout_s=900, cwd=project, env=env)


def gitlab_project(tmp_path: Path) -> Path:
    template = (REPO_ROOT / "templates" / "gitlab" / "secpipe.gitlab-ci.yml").read_text("utf-8")
    return make_project(
        tmp_path / "project",
        {
            "ci/secpipe.gitlab-ci.yml": template,
            ".gitlab-ci.yml": "include:\n  - local: ci/secpipe.gitlab-ci.yml\n",
        },
    )


def test_gitlab_jobs_fail_and_leave_valid_reports(
    clients: Path, tmp_path: Path, shared: Path
) -> None:
    project = gitlab_project(tmp_path)

    result = gitlab_ci_local(clients, project, "secpipe-commit", "secpipe-build")

    log = result.stdout + result.stderr
    assert result.returncode == 1, log
    assert "FAIL  secpipe-commit" in log
    assert "FAIL  secpipe-build" in log
    artifacts = project / ".gitlab-ci-local" / "artifacts"
    commit = artifacts / "secpipe-commit" / "secpipe-reports"
    check_gitlab_reports(commit, shared, {"sast": True, "secret-detection": False})
    build = artifacts / "secpipe-build" / "secpipe-reports"
    check_gitlab_reports(build, shared, {"dependency-scanning": True})


def test_gitlab_sharded_form_merges_into_one_verdict(
    clients: Path, tmp_path: Path, shared: Path
) -> None:
    project = gitlab_project(tmp_path)

    result = gitlab_ci_local(clients, project, "--variable=SECPIPE_SHARDED=true")

    log = result.stdout + result.stderr
    assert result.returncode == 1, log
    # Shards may fail (allowed); the merge job gives the verdict and the reports.
    assert "FAIL  secpipe-merge" in log
    assert "secpipe-commit" not in log
    merged = project / ".gitlab-ci-local" / "artifacts" / "secpipe-merge" / "secpipe-reports"
    check_gitlab_reports(
        merged, shared, {"sast": True, "secret-detection": False, "dependency-scanning": True}
    )
    report = json.loads((merged / "findings.json").read_text(encoding="utf-8"))
    assert {gate["name"] for gate in report["gates"]} >= {"secrets", "sast", "dependencies"}
    assert report["passed"] is False


STUB_ACTION = """\
name: offline stand-in
description: Records that the workflow called it, instead of reaching github.com.
runs:
  using: composite
  steps:
    - shell: bash
      run: echo "{name}" >> "{calls}"
"""


def test_act_runs_the_example_workflow(clients: Path, tmp_path: Path, shared: Path) -> None:
    # The example workflow exactly as shipped, in a fixture repository.
    workflow = (REPO_ROOT / "templates" / "github" / "secpipe.yml").read_text(encoding="utf-8")
    project = make_project(tmp_path / "project", {".github/workflows/secpipe.yml": workflow})
    calls = tmp_path / "stub-calls.txt"
    stubs = {
        "actions/cache@v4": "cache",
        "actions/upload-artifact@v4": "upload-artifact",
        "github/codeql-action@v3": "codeql-action/upload-sarif",
    }
    mappings = [f"secpipe/secpipe@v0.1.0={REPO_ROOT}"]
    for repository, name in stubs.items():
        folder = tmp_path / "stubs" / name
        folder.mkdir(parents=True)
        text = STUB_ACTION.format(name=name, calls=calls)
        (folder / "action.yml").write_text(text, encoding="utf-8")
        mappings.append(f"{repository}={tmp_path / 'stubs' / name.split('/')[0]}")

    argv: list[str | Path] = [
        clients / "act-venv" / "bin" / "act",
        "push",
        "--workflows",
        ".github/workflows/secpipe.yml",
        "--job",
        "secpipe",
        "-P",
        "ubuntu-latest=-self-hosted",
        "--action-offline-mode",
        "--action-cache-path",
        tmp_path / "act-cache",
        "--cache-server-path",
        tmp_path / "act-cache-server",
    ]
    argv += [item for mapping in mappings for item in ("--local-repository", mapping)]
    argv += [item for k, v in job_variables().items() for item in ("--env", f"{k}={v}")]
    # act keeps its own caches under XDG_CACHE_HOME; keep them in the test's folder.
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg-cache")}
    result = run(argv, timeout_s=900, cwd=project, env=env)

    log = result.stdout + result.stderr
    assert result.returncode == 1, log
    assert "Job 'secpipe' failed" in log
    assert "::error file=app/server.py,line=" in log
    assert "Summary - # secpipe: FAILED (exit code 1)" in log
    assert calls.read_text(encoding="utf-8").split() == [
        "cache",
        "codeql-action/upload-sarif",
        "upload-artifact",
    ]
    (sarif,) = (tmp_path / "act-cache").glob("*/hostexecutor/secpipe-reports/findings.sarif")
    schema = load_schema(shared, "sarif-schema-2.1.0.json")
    jsonschema.Draft4Validator(schema).validate(json.loads(sarif.read_text(encoding="utf-8")))


def test_setup_script_is_idempotent(clients: Path, tmp_path: Path) -> None:
    # A second run must find everything in place, change nothing and say so quickly.
    env_file = tmp_path / "ci.env"
    env = {**os.environ, "SECPIPE_CI_ENV": str(env_file), "SECPIPE_CI_CLIENTS": str(clients)}

    result = run(["bash", "-euo", "pipefail", SETUP_SCRIPT], timeout_s=600, env=env)

    assert result.returncode == 0, result.stderr
    assert "gitlab-ci-local 4.75.1 (node v22." in result.stdout
    assert env_file.read_text(encoding="utf-8") == f"SECPIPE_CI_CLIENTS={clients}\n"
