"""The CI templates, checked by check-jsonschema against each platform's own published schema.

check-jsonschema ships the vendor schemas inside its package; the runs below point every proxy at
a closed port, so a validator that tried the network would fail instead of passing by luck. Each
validator is also run on a deliberately broken copy, to prove it can fail.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from secpipe._process import Completed, run

REPO_ROOT = Path(__file__).resolve().parents[2]
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"

# Nothing listens on port 9 (discard); any attempt to download a schema fails fast.
OFFLINE = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}

GITLAB = ["--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci"]
AZURE = [
    "--builtin-schema",
    "vendor.azure-pipelines",
    "--data-transform",
    "azure-pipelines",
    "--regex-variant",
    "nonunicode",
]

Breakage = Callable[[Any], object]


def _drop_runs(action: Any) -> object:
    return action.pop("runs")


def _drop_runs_on(workflow: Any) -> object:
    return workflow["jobs"]["secpipe"].pop("runs-on")


def _misspell_script(config: Any) -> object:
    job = next(
        value for key, value in config.items() if not key.startswith(".") and "extends" in value
    )
    job["scripts"] = ["echo typo"]
    return job


def _bad_task(config: Any) -> object:
    return config["steps"].append(
        {"task": "PublishTestResults@2", "condition": ["not", "a string"]}
    )


def _unknown_step_size(config: Any) -> object:
    return config["pipelines"]["default"][0]["step"].update(size="5x")


CASES = {
    "action.yml": (["--builtin-schema", "vendor.github-actions"], _drop_runs),
    "templates/github/secpipe.yml": (
        ["--builtin-schema", "vendor.github-workflows"],
        _drop_runs_on,
    ),
    ".gitlab-ci.yml": (GITLAB, lambda config: config["tests"].update(when="sometimes")),
    "templates/gitlab/secpipe.gitlab-ci.yml": (GITLAB, _misspell_script),
    "templates/azure/azure-pipelines.yml": (AZURE, _bad_task),
    "templates/bitbucket/bitbucket-pipelines.yml": (
        ["--builtin-schema", "vendor.bitbucket-pipelines"],
        _unknown_step_size,
    ),
}


@pytest.fixture
def check_jsonschema() -> Callable[..., Completed]:
    """Run the installed check-jsonschema offline; missing it fails under CI, else skips."""
    if not CHECK_JSONSCHEMA.is_file():
        message = f"{CHECK_JSONSCHEMA} is missing; install the test extra: pip install -e '.[test]'"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)

    def check(*args: str | Path) -> Completed:
        env = {**os.environ, **OFFLINE}
        return run([CHECK_JSONSCHEMA, *args], timeout_s=120, cwd=REPO_ROOT, env=env)

    return check


@pytest.mark.parametrize("relative", list(CASES))
def test_shipped_file_is_valid(relative: str, check_jsonschema: Callable[..., Completed]) -> None:
    options, _ = CASES[relative]

    result = check_jsonschema(*options, REPO_ROOT / relative)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok -- validation done" in result.stdout


@pytest.mark.parametrize("relative", list(CASES))
def test_broken_copy_is_refused(
    relative: str, check_jsonschema: Callable[..., Completed], tmp_path: Path
) -> None:
    options, breakage = CASES[relative]
    data = yaml.safe_load((REPO_ROOT / relative).read_text(encoding="utf-8"))
    breakage(data)
    broken = tmp_path / Path(relative).name
    broken.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")

    result = check_jsonschema(*options, broken)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Schema validation errors were encountered" in result.stdout + result.stderr


def load(relative: str) -> Any:
    return yaml.safe_load((REPO_ROOT / relative).read_text(encoding="utf-8"))


def test_action_inputs_outputs_and_steps() -> None:
    action = load("action.yml")

    assert set(action["inputs"]) >= {
        "pipeline",
        "stages",
        "gates",
        "path",
        "formats",
        "secpipe-version",
        "upload-sarif",
        "advisory-db",
    }
    assert action["inputs"]["upload-sarif"]["default"] == "true"
    assert set(action["outputs"]) >= {"passed", "findings", "sarif"}
    steps = action["runs"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    assert "actions/cache@v4" in uses
    assert "github/codeql-action/upload-sarif@v3" in uses
    cache = steps[uses.index("actions/cache@v4")]
    assert "steps.install.outputs.lock-hash" in cache["with"]["key"]
    run_step = next(step for step in steps if step.get("id") == "run")
    assert "--install-tools" in run_step["run"]
    assert "GITHUB_STEP_SUMMARY" in next(s for s in steps if s.get("id") == "results")["run"]
    # The last step fails the job with secpipe's own exit code, after the reports were shown.
    assert steps[-1]["if"] == "always()"
    assert steps[-1]["run"] == 'exit "${EXIT_CODE:-3}"'
    # Inputs reach the shell through env only, so a crafted input cannot inject commands.
    assert all("${{ inputs." not in step.get("run", "") for step in steps)


def test_gitlab_template_leaves_every_report_gitlab_reads() -> None:
    template = load("templates/gitlab/secpipe.gitlab-ci.yml")

    expected = {
        "sast": "secpipe-reports/gl-sast-report.json",
        "secret_detection": "secpipe-reports/gl-secret-detection-report.json",
        "dependency_scanning": "secpipe-reports/gl-dependency-scanning-report.json",
        "container_scanning": "secpipe-reports/gl-container-scanning-report.json",
        "codequality": "secpipe-reports/gl-code-quality-report.json",
        "junit": "secpipe-reports/junit.xml",
    }
    assert template[".secpipe-run"]["artifacts"]["reports"] == expected
    assert template["secpipe-merge"]["artifacts"]["reports"] == expected
    jobs = {name for name, job in template.items() if job.get("extends") == ".secpipe-run"}
    assert jobs == {"secpipe-commit", "secpipe-build", "secpipe-design", "secpipe-shard"}
    assert template["secpipe-shard"]["parallel"]["matrix"][0]["SECPIPE_GATES"]
    assert "secpipe merge" in template["secpipe-merge"]["script"][0]


def test_pre_commit_hook_runs_the_commit_stage() -> None:
    (hook,) = load(".pre-commit-hooks.yaml")

    assert hook["id"] == "secpipe"
    assert hook["entry"] == "secpipe run --stage commit"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
