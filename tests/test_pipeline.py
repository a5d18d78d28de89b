"""The pipeline file: valid files load, and every mistake is one line naming file, line, fix."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from secpipe._errors import PipelineError
from secpipe._findings import Severity
from secpipe._pipeline import (
    KNOWN_GATES,
    find_pipeline,
    load_builtin,
    load_pipeline,
    parse_pipeline,
    pipeline_json_schema,
)
from secpipe._starter import starter_pipeline

VALID = """\
version: 1
stages:
  commit:
    gates: [sast]
  build:
    gates: [sast]
gates:
  sast:
    tools: [bandit]
    exclude: ["tests/**"]
    timeout: 30
    bandit:
      skip: [B101]
policy:
  fail_on: medium
  gates:
    sast: {fail_on: low}
"""


def error_for(text: str) -> str:
    with pytest.raises(PipelineError) as caught:
        parse_pipeline(text.encode(), "secpipe.yml")
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_a_valid_file_keeps_stage_order_and_settings() -> None:
    pipeline = parse_pipeline(VALID.encode(), "secpipe.yml")
    assert list(pipeline.stages) == ["commit", "build"]
    assert pipeline.gates.sast.tools == ["bandit"]
    assert pipeline.gates.sast.bandit.skip == ["B101"]
    assert pipeline.policy.fail_on is Severity.MEDIUM


def test_unknown_gate_names_the_item_and_the_known_gates() -> None:
    text = "version: 1\nstages:\n  build:\n    gates: [sast, sats]\n"
    message = error_for(text)
    assert message.startswith(
        "secpipe.yml:4:19: stages.build.gates[1]: unknown gate 'sats' (known: "
    )
    assert "sast" in message


def test_misspelt_key_names_line_column_and_allowed_keys() -> None:
    text = "version: 1\nstages:\n  build:\n    gates: [sast]\ngates:\n  sast:\n    exclud: [x]\n"
    message = error_for(text)
    assert message.startswith("secpipe.yml:7:5: gates.sast: unknown key 'exclud' (allowed: ")
    assert "exclude" in message and "include" in message


def test_misspelt_top_level_key() -> None:
    message = error_for("version: 1\nstage:\n  build:\n    gates: [sast]\n")
    assert message.startswith("secpipe.yml:2:1: top level: unknown key 'stage'")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "version: 1\nstages:\n  b:\n    gates: [sast]\npolicy:\n  fail_on: hihg\n",
            "secpipe.yml:6:12: policy.fail_on: expected 'critical'",
        ),
        (
            "version: 1\nstages:\n  b:\n    gates: [sast]\ngates:\n  sast:\n    timeout: soon\n",
            "secpipe.yml:7:14: gates.sast.timeout: expected a valid number",
        ),
        ("version: 2\nstages:\n  b:\n    gates: [sast]\n", "secpipe.yml:1:10: version: expected 1"),
        ("stages:\n  b:\n    gates: [sast]\n", "secpipe.yml:1:1: version: required setting"),
        ("version: 1\nstages: {b: {gates: [sast]}\n", "secpipe.yml:3:1: not valid YAML"),
        ("version: 1\nversion: 1\n", "secpipe.yml:2:1: not valid YAML: duplicate key 'version'"),
        ("- a\n", "secpipe.yml:1:1: expected a mapping"),
        ("", "secpipe.yml: the pipeline file is empty"),
        (
            "version: 1\nstages:\n  b:\n    gates: [sast]\npolicy:\n  stages:\n    c: {}\n",
            "secpipe.yml:7:5: policy.stages.c: stage 'c' is not in stages (stages: b)",
        ),
        ("version: 1\nstages:\n  b:\n    gates: []\n", "secpipe.yml:4:12: stages.b.gates"),
    ],
)
def test_bad_files_get_one_line_with_position(text: str, expected: str) -> None:
    assert error_for(text).startswith(expected)


def test_non_utf8_file_is_a_clear_error() -> None:
    with pytest.raises(PipelineError, match="not UTF-8"):
        parse_pipeline(b"version: 1\n\xff\xfe", "secpipe.yml")


def test_missing_file_is_invalid_input(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match="pipeline file not found") as caught:
        load_pipeline(tmp_path / "nope.yml")
    assert caught.value.exit_code == 2


def test_discovery_prefers_explicit_then_root_file_then_builtin(tmp_path: Path) -> None:
    assert find_pipeline(tmp_path, None).source == "builtin:default"
    (tmp_path / "secpipe.yml").write_text(VALID)
    assert find_pipeline(tmp_path, None).source == str(tmp_path / "secpipe.yml")
    assert find_pipeline(tmp_path, Path("builtin:strict")).source == "builtin:strict"


def test_builtin_pipelines_load_and_unknown_ones_are_listed() -> None:
    assert load_builtin("default").pipeline.stages
    assert load_builtin("strict").pipeline.policy.fail_on is Severity.MEDIUM
    with pytest.raises(PipelineError, match="built-in: default, strict"):
        load_builtin("lenient")


def test_starter_file_is_valid_and_lists_every_gate() -> None:
    text = starter_pipeline()
    pipeline = parse_pipeline(text.encode(), "secpipe.yml")
    assert "sast" in pipeline.stages["commit"].gates
    assert "Gates secpipe has: " + ", ".join(KNOWN_GATES) in text


def test_shipped_schema_matches_the_models() -> None:
    shipped = Path(__file__).parent.parent / "secpipe" / "schemas" / "pipeline.schema.json"
    assert json.loads(shipped.read_text()) == pipeline_json_schema()


def test_schema_accepts_the_examples_and_rejects_typos() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    import yaml

    validator = jsonschema.Draft202012Validator(pipeline_json_schema())
    for path in (Path(__file__).parent.parent / "pipelines").glob("*.yml"):
        assert not list(validator.iter_errors(yaml.safe_load(path.read_text()))), path
    assert list(validator.iter_errors({"version": 1, "stages": {}, "polcy": {}}))
