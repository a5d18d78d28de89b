"""End to end: `secpipe run --gate contract` on a planted contract, through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

CONTRACT = """\
openapi: 3.0.3
info:
  title: Shop
  version: "1.0"
servers:
  - url: http://api.shop.example.com
security:
  - basicAuth: []
paths:
  /items/{itemId}:
    delete:
      operationId: deleteItem
      security: []
      parameters:
        - name: itemId
          in: path
          required: true
          schema:
            type: string
      responses:
        "204":
          description: deleted
components:
  securitySchemes:
    basicAuth:
      type: http
      scheme: basic
    key:
      type: apiKey
      name: key
      in: query
"""


def _line(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def _run(project: Path, out: Path, pipeline: str | None = None) -> tuple[int, dict[str, Any], str]:
    argv = [sys.executable, "-m", "secpipe", "run", str(project), "--gate", "contract"]
    argv += ["--output-dir", str(out), "--format", "json", "--format", "markdown"]
    if pipeline is not None:
        (project / "secpipe.yml").write_text(pipeline, encoding="utf-8")
    done = subprocess.run(
        argv, capture_output=True, text=True, timeout=120, env=dict(os.environ), check=False
    )
    assert (out / "findings.json").is_file(), done.stderr
    findings = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return done.returncode, findings, (out / "summary.md").read_text(encoding="utf-8")


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "api").mkdir(parents=True)
    (project / "api" / "openapi.yaml").write_text(CONTRACT, encoding="utf-8")
    return project


PIPELINE = """\
version: 1
stages:
  design:
    gates: [contract]
gates:
  contract:
    min_score: {minimum}
policy:
  gates:
    contract:
      fail_on: never
"""


def test_planted_problems_are_found_on_their_lines_and_scored(tmp_path: Path) -> None:
    project = _project(tmp_path)
    code, report, summary = _run(project, tmp_path / "out")

    # Each planted problem is a finding on the exact line where it is written.
    located = {(item["rule_id"], item["path"], item["start_line"]) for item in report["findings"]}
    path = "api/openapi.yaml"
    expected = {
        ("api.transport.http-server", path, _line(CONTRACT, "http://api.shop")),
        ("api.auth.security-disabled", path, _line(CONTRACT, "security: []")),
        ("api.auth.http-basic", path, _line(CONTRACT, "scheme: basic")),
        ("api.auth.apikey-in-query", path, _line(CONTRACT, "in: query")),
    }
    assert expected <= located
    assert code == 1  # the default policy fails on these high findings
    assert all(item["tool"] == "secpipe-contract" for item in report["findings"])

    # The score and its deductions are in findings.json and in summary.md.
    (scored,) = report["contracts"]
    assert scored["path"] == path
    assert 0 <= scored["score"] < 100
    assert scored["score"] == round(scored["security"] + scored["data_validation"], 1)
    deducted = {item["rule_id"] for item in scored["deductions"]}
    assert {"api.transport.http-server", "api.auth.http-basic"} <= deducted
    assert "## Contract scores" in summary
    assert f"api/openapi.yaml: {scored['score']:.1f}/100" in summary
    assert "| api.auth.apikey-in-query | API key sent in the query string |" in summary
    (tool,) = report["gates"][0]["tools"]
    assert (tool["name"], tool["status"]) == ("secpipe-contract", "passed")


def test_min_score_fails_below_and_passes_above(tmp_path: Path) -> None:
    project = _project(tmp_path)
    code, report, summary = _run(project, tmp_path / "a", PIPELINE.format(minimum=80))
    (scored,) = report["contracts"]
    assert scored["score"] < 80
    assert code == 1
    message = (
        f"api/openapi.yaml: contract score {scored['score']:.1f} is below the minimum 80 "
        "[contract/design]"
    )
    assert [item["message"] for item in report["violations"]] == [message]
    assert "contract score" in summary and "(minimum 80)" in summary

    # The same contract passes once the minimum is under its score (fail_on: never).
    lower = int(scored["score"]) - 1
    code, report, _ = _run(project, tmp_path / "b", PIPELINE.format(minimum=lower))
    assert (code, report["passed"], report["violations"]) == (0, True, [])


def test_a_broken_contract_is_an_error_and_others_are_still_scored(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / "api" / "broken.yaml").write_text("openapi: 3.0.3\ninfo: {title: [\n")
    code, report, _ = _run(project, tmp_path / "out")
    assert code == 3
    (tool,) = report["gates"][0]["tools"]
    assert tool["status"] == "error"
    assert "api/broken.yaml:3: not valid YAML" in tool["error"]
    assert [item["path"] for item in report["contracts"]] == ["api/openapi.yaml"]
