"""The Code Climate report: the fields GitLab's code quality widget needs, one issue per finding."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from secpipe._findings import Finding, Report
from secpipe.reports import CodeClimateReporter

# GitLab's documented minimum for a code quality issue, written out as a schema.
CODE_QUALITY_SCHEMA: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["type", "check_name", "description", "fingerprint", "severity", "location"],
        "properties": {
            "type": {"const": "issue"},
            "check_name": {"type": "string", "minLength": 1},
            "description": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "categories": {"type": "array", "items": {"type": "string"}},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {
                            "begin": {"type": "integer", "minimum": 1},
                            "end": {"type": "integer", "minimum": 1},
                        },
                    },
                },
            },
        },
    },
}


def render(report: Report) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = json.loads(CodeClimateReporter().render(report))
    return data


def by_fingerprint(issues: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {issue["fingerprint"]: issue for issue in issues}


def test_validates(report: Report) -> None:
    jsonschema.Draft7Validator.check_schema(CODE_QUALITY_SCHEMA)

    jsonschema.Draft7Validator(CODE_QUALITY_SCHEMA).validate(render(report))


@pytest.mark.parametrize(
    "breakage",
    [
        lambda issues: issues[0].pop("fingerprint"),
        lambda issues: issues[0]["location"]["lines"].update(begin=0),
        lambda issues: issues[0].update(severity="high"),
    ],
)
def test_the_schema_rejects_a_broken_copy(
    report: Report, breakage: Callable[[list[dict[str, Any]]], object]
) -> None:
    issues = copy.deepcopy(render(report))
    breakage(issues)

    assert list(jsonschema.Draft7Validator(CODE_QUALITY_SCHEMA).iter_errors(issues)) != []


def test_one_issue_per_unwaived_finding_with_unique_fingerprints(report: Report) -> None:
    issues = render(report)

    expected = {f.fingerprint for f in report.findings if f.status.value != "waived"}
    assert set(by_fingerprint(issues)) == expected
    assert len(issues) == len(expected)


@pytest.mark.parametrize(
    ("fingerprint", "severity"),
    [
        ("fp-critical", "blocker"),
        ("fp-high-exec", "critical"),
        ("fp-whole-file", "minor"),
        ("fp-info", "info"),
    ],
)
def test_severity_mapping(report: Report, fingerprint: str, severity: str) -> None:
    assert by_fingerprint(render(report))[fingerprint]["severity"] == severity


def test_location_and_whole_file_findings(
    report_factory: Callable[..., Report], finding_factory: Callable[..., Finding]
) -> None:
    issues = by_fingerprint(render(report_factory()))

    assert issues["fp-critical"]["location"] == {
        "path": "app/views.py",
        "lines": {"begin": 10, "end": 12},
    }
    # GitLab drops issues without a line, so a whole-file finding is shown on line 1.
    assert issues["fp-whole-file"]["location"]["lines"] == {"begin": 1, "end": 1}
    assert issues["fp-critical"]["check_name"] == "python.lang.security.audit.exec-detected"
    assert issues["fp-critical"]["categories"] == ["Security"]


def test_empty_run_is_an_empty_list(report_factory: Callable[..., Report]) -> None:
    assert CodeClimateReporter().render(report_factory(findings=())) == "[]\n"
