"""The CI formats and the GitHub Action's shell steps, run for real on the vulnerable example.

The first test runs ``secpipe run`` with every CI format and checks the files against the
platforms' schemas. The second runs the shell steps of ``action.yml`` the way the Actions runner
does (inputs through ``env``, ``GITHUB_OUTPUT``, ``GITHUB_STEP_SUMMARY``), without GitHub: the step
must fail with secpipe's exit code and still leave the summary, annotations and outputs.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import xmlschema
import yaml

from secpipe._process import Completed, run

pytestmark = pytest.mark.scanners

REPO_ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = REPO_ROOT / "examples" / "vulnerable-app"
ADVISORIES = EXAMPLE / "advisories-sample"
SECPIPE = Path(sys.executable).parent / "secpipe"

GITLAB_FILES = {
    "gl-sast-report.json": "sast",
    "gl-secret-detection-report.json": "secret-detection",
    "gl-dependency-scanning-report.json": "dependency-scanning",
}


def secpipe_env() -> dict[str, str]:
    # The offline advisory snapshot, as the templates pass it through the platform's variables.
    return {**os.environ, "SECPIPE_ADVISORY_DB": str(ADVISORIES)}


def planted_key() -> str:
    text = (EXAMPLE / "api" / "openapi.yaml").read_text(encoding="utf-8")
    match = re.search(r"AKIA[A-Z0-9]{16}", text)
    assert match, "the example lost its planted AWS key"
    return match.group(0)


def test_ci_formats_from_a_real_run_validate(shared: Path, tmp_path: Path) -> None:
    formats = "gitlab,codeclimate,junit,html,annotations,sarif"
    argv = [SECPIPE, "run", EXAMPLE, "-q", "--output-dir", tmp_path, "--format", formats]

    result = run(argv, timeout_s=600, env=secpipe_env())

    assert result.returncode == 1, result.stderr
    for filename, kind in GITLAB_FILES.items():
        schema_path = shared / "schemas" / f"gitlab-{kind}-report-format-15.2.1.json"
        schema = json.loads(schema_path.read_text(encoding="utf-8"))
        document = json.loads((tmp_path / filename).read_text(encoding="utf-8"))
        jsonschema.Draft7Validator(schema).validate(document)
        assert document["vulnerabilities"], filename
    junit = xmlschema.XMLSchema(shared / "schemas" / "junit-jenkins-xunit-junit-10.xsd")
    junit.validate(str(tmp_path / "junit.xml"))
    assert (tmp_path / "annotations.txt").read_text(encoding="utf-8").startswith("::error ")

    # The planted key is masked in findings.json; no CI format may bring it back.
    key = planted_key()
    for path in tmp_path.iterdir():
        assert key not in path.read_text(encoding="utf-8"), path.name


_EXPRESSION = re.compile(r"\$\{\{\s*([a-z0-9_.-]+)\s*\}\}")


def _resolve(value: str, context: dict[str, str]) -> str:
    return _EXPRESSION.sub(lambda match: context.get(match.group(1), ""), value)


def _outputs(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if line)
    return dict(pairs)


def run_action_steps(inputs: dict[str, str], workdir: Path) -> list[tuple[str, Completed]]:
    """Run the action's own shell steps (all but installing, caching and uploading) in order."""
    action: dict[str, Any] = yaml.safe_load((REPO_ROOT / "action.yml").read_text("utf-8"))
    context = {f"inputs.{k}": v["default"] for k, v in action["inputs"].items()}
    context.update({f"inputs.{k}": v for k, v in inputs.items()})
    summary = workdir / "step-summary.md"
    base_env = {
        **secpipe_env(),
        # The test environment's secpipe stands in for the one the install step would make.
        "PATH": f"{SECPIPE.parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(workdir),
    }
    results = []
    for step in action["runs"]["steps"]:
        if "run" not in step or step.get("id") == "install":
            continue
        output_file = workdir / f"output-{len(results)}"
        output_file.touch()
        env = {k: _resolve(str(v), context) for k, v in step.get("env", {}).items()}
        completed = run(
            ["bash", "-eo", "pipefail", "-c", step["run"]],
            timeout_s=600,
            cwd=workdir,
            env={**base_env, **env, "GITHUB_OUTPUT": str(output_file)},
        )
        for key, value in _outputs(output_file).items():
            context[f"steps.{step['id']}.outputs.{key}"] = value
        results.append((step.get("id", "final"), completed))
    return results


def test_action_fails_with_secpipe_exit_code_and_still_reports(tmp_path: Path) -> None:
    inputs = {"path": str(EXAMPLE), "stages": "commit", "upload-sarif": "false"}

    steps = dict(run_action_steps(inputs, tmp_path))

    assert steps["run"].returncode == 0, steps["run"].stderr
    assert steps["results"].returncode == 0, steps["results"].stderr
    # The last step fails the job with secpipe's code: 1, the policy failed.
    assert steps["final"].returncode == 1
    outputs = _outputs(tmp_path / "output-1")
    assert outputs["passed"] == "false"
    assert int(outputs["findings"]) > 0
    assert outputs["sarif"] == "secpipe-reports/findings.sarif"
    assert (tmp_path / "secpipe-reports" / "findings.sarif").is_file()
    summary = (tmp_path / "step-summary.md").read_text(encoding="utf-8")
    assert summary.startswith("# secpipe: FAILED (exit code 1)")
    annotations = steps["results"].stdout.splitlines()
    assert annotations and all(line.startswith("::") for line in annotations)
    assert any(line.startswith("::error file=app/server.py,line=") for line in annotations)


def test_action_passes_on_a_clean_folder(tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "main.py").write_text("print('hello')\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()

    steps = dict(run_action_steps({"path": str(clean), "gates": "secrets,sast"}, work))

    assert steps["final"].returncode == 0, steps["run"].stderr
    assert _outputs(work / "output-1") == {
        "passed": "true",
        "findings": "0",
        "sarif": "secpipe-reports/findings.sarif",
    }
    assert steps["results"].stdout == ""
