"""The SARIF report: valid against the 2.1.0 schema, and shaped the way code scanning reads it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from secpipe._findings import Report
from secpipe.reports import SarifReporter

ReportFactory = Callable[..., Report]


def render(report: Report) -> dict[str, Any]:
    text = SarifReporter().render(report)
    assert text.endswith("}\n")
    data: dict[str, Any] = json.loads(text)
    return data


def runs_by_tool(log: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {run["tool"]["driver"]["name"]: run for run in log["runs"]}


def results_by_fingerprint(log: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        result["partialFingerprints"]["secpipeFingerprint/v1"]: result
        for run in log["runs"]
        for result in run["results"]
    }


def rule_of(run: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    rule: dict[str, Any] = run["tool"]["driver"]["rules"][result["ruleIndex"]]
    return rule


@pytest.fixture
def sarif_schema(shared: Path) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(
        (shared / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
    )
    return schema


def test_validates_against_the_sarif_schema(report: Report, sarif_schema: dict[str, Any]) -> None:
    # The shared schema declares draft-04; validate with the validator its $schema names.
    validator_class = jsonschema.validators.validator_for(sarif_schema)
    assert validator_class is jsonschema.Draft4Validator
    validator_class.check_schema(sarif_schema)

    errors = list(validator_class(sarif_schema).iter_errors(render(report)))

    assert errors == []


def test_relative_root_and_empty_report_still_validate(
    report_factory: ReportFactory, sarif_schema: dict[str, Any]
) -> None:
    log = render(report_factory(root="checkout", gates=(), findings=(), violations=()))

    jsonschema.Draft4Validator(sarif_schema).validate(log)
    assert log["runs"] == []


def test_header_names_the_version_and_schema(report: Report) -> None:
    log = render(report)

    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-schema-2.1.0.json")


def test_one_run_per_tool_including_tools_without_results(report: Report) -> None:
    log = render(report)
    runs = runs_by_tool(log)

    # semgrep ran in two gates but must appear once; checkov found nothing but still ran.
    assert [run["tool"]["driver"]["name"] for run in log["runs"]] == [
        "semgrep",
        "bandit",
        "checkov",
        "pip-audit",
        "trufflehog",
    ]
    assert runs["checkov"]["results"] == []
    assert runs["checkov"]["tool"]["driver"]["rules"] == []
    assert runs["checkov"]["invocations"][0]["executionSuccessful"] is True
    assert runs["semgrep"]["properties"]["gates"] == ["sast", "deep-scan"]
    assert runs["semgrep"]["automationDetails"]["id"] == "secpipe/pr+nightly/"
    assert runs["checkov"]["automationDetails"]["id"] == "secpipe/pr/"


def test_driver_has_version_and_homepage_when_known(report: Report) -> None:
    runs = runs_by_tool(render(report))

    assert runs["semgrep"]["tool"]["driver"]["version"] == "1.85.0"
    assert runs["semgrep"]["tool"]["driver"]["informationUri"] == "https://semgrep.dev/"
    assert runs["pip-audit"]["tool"]["driver"]["informationUri"].endswith("pypa/pip-audit")
    assert "version" not in runs["trufflehog"]["tool"]["driver"]
    assert "informationUri" not in runs["trufflehog"]["tool"]["driver"]


def test_findings_go_to_the_run_of_their_primary_tool(report: Report) -> None:
    runs = runs_by_tool(render(report))

    def fingerprints(tool: str) -> set[str]:
        return {r["partialFingerprints"]["secpipeFingerprint/v1"] for r in runs[tool]["results"]}

    assert fingerprints("semgrep") == {"fp-info", "fp-critical", "fp-high-exec", "fp-whole-file"}
    assert fingerprints("bandit") == {"fp-baseline", "fp-waived"}
    assert fingerprints("pip-audit") == {"fp-package"}


def test_other_reporting_tools_are_listed_in_result_properties(report: Report) -> None:
    results = results_by_fingerprint(render(report))

    assert results["fp-critical"]["properties"]["tools"] == ["semgrep", "bandit"]
    assert "tools" not in results["fp-high-exec"]["properties"]


@pytest.mark.parametrize(
    ("fingerprint", "level"),
    [
        ("fp-critical", "error"),
        ("fp-high-exec", "error"),
        ("fp-waived", "warning"),
        ("fp-whole-file", "note"),
        ("fp-info", "note"),
    ],
)
def test_level_follows_severity(report: Report, fingerprint: str, level: str) -> None:
    assert results_by_fingerprint(render(report))[fingerprint]["level"] == level


def test_rules_are_deduplicated_and_rated_by_their_worst_finding(report: Report) -> None:
    run = runs_by_tool(render(report))["semgrep"]
    rules = run["tool"]["driver"]["rules"]
    results = results_by_fingerprint({"runs": [run]})

    exec_rules = [
        rule for rule in rules if rule["id"] == "python.lang.security.audit.exec-detected"
    ]
    assert len(exec_rules) == 1
    assert len(rules) == len({rule["id"] for rule in rules}) == 3
    for result in run["results"]:
        assert rule_of(run, result)["id"] == result["ruleId"]

    rule = rule_of(run, results["fp-high-exec"])
    assert rule["properties"]["security-severity"] == "9.5"
    assert rule["defaultConfiguration"]["level"] == "error"
    assert rule["properties"]["tags"] == ["security", "CWE-95", "CWE-94"]
    assert rule["shortDescription"]["text"] == "Use of exec"
    assert rule["help"]["text"] == "exec() runs arbitrary code."
    assert rule["helpUri"] == "https://semgrep.dev/r/python.lang.security.audit.exec-detected"


@pytest.mark.parametrize(
    ("fingerprint", "score"),
    [
        ("fp-critical", "9.5"),
        ("fp-baseline", "8.0"),
        ("fp-waived", "5.5"),
        ("fp-whole-file", "3.0"),
        ("fp-info", "0.0"),
    ],
)
def test_security_severity_is_a_string_score(report: Report, fingerprint: str, score: str) -> None:
    log = render(report)
    runs = runs_by_tool(log)
    result = results_by_fingerprint(log)[fingerprint]
    run = next(run for run in runs.values() if result in run["results"])

    assert rule_of(run, result)["properties"]["security-severity"] == score


def test_rule_without_references_has_no_help_uri(report: Report) -> None:
    run = runs_by_tool(render(report))["bandit"]

    assert all("helpUri" not in rule for rule in run["tool"]["driver"]["rules"])


def test_partial_fingerprints_carry_the_secpipe_fingerprint(report: Report) -> None:
    results = results_by_fingerprint(render(report))

    assert set(results) == {finding.fingerprint for finding in report.findings}
    assert all(
        list(r["partialFingerprints"]) == ["secpipeFingerprint/v1"] for r in results.values()
    )


def test_only_waived_findings_are_suppressed(report: Report) -> None:
    results = results_by_fingerprint(render(report))

    assert results["fp-waived"]["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "waived by secpipe policy"}
    ]
    assert [fp for fp, result in results.items() if "suppressions" in result] == ["fp-waived"]


def test_baseline_state_reflects_status(report: Report) -> None:
    results = results_by_fingerprint(render(report))

    assert results["fp-critical"]["baselineState"] == "new"
    assert results["fp-baseline"]["baselineState"] == "unchanged"


def test_locations_are_relative_to_srcroot(report: Report) -> None:
    log = render(report)
    result = results_by_fingerprint(log)["fp-critical"]
    physical = result["locations"][0]["physicalLocation"]

    assert physical["artifactLocation"] == {"uri": "app/views.py", "uriBaseId": "%SRCROOT%"}
    assert physical["region"] == {"startLine": 10, "endLine": 12}
    for run in log["runs"]:
        base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        assert base == "file:///home/ci/work/my%20project/"


def test_whole_file_findings_have_no_region(report: Report) -> None:
    results = results_by_fingerprint(render(report))

    for fingerprint in ("fp-whole-file", "fp-package"):
        physical = results[fingerprint]["locations"][0]["physicalLocation"]
        assert "region" not in physical
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"


def test_package_details_are_in_result_properties(report: Report) -> None:
    properties = results_by_fingerprint(render(report))["fp-package"]["properties"]

    assert properties["package"] == {
        "name": "jinja2",
        "version": "2.10",
        "fixedVersions": ["2.10.1", "3.1.4"],
        "advisories": ["PYSEC-2024-1"],
        "aliases": ["CVE-2019-10906", "GHSA-462w"],
    }
    assert "package" not in results_by_fingerprint(render(report))["fp-info"]["properties"]


def test_failed_tool_reports_its_error_and_skipped_files(report: Report) -> None:
    invocation = runs_by_tool(render(report))["trufflehog"]["invocations"][0]
    notifications = invocation["toolExecutionNotifications"]

    assert invocation["executionSuccessful"] is False
    assert [n["level"] for n in notifications] == ["error", "note", "note"]
    assert (
        "trufflehog exited with code 2\nstderr: cannot read | vendor"
        in (notifications[0]["message"]["text"])
    )
    assert "vendor/blob.bin: larger than 10 MB" in notifications[1]["message"]["text"]
    assert "docs/manual.pdf: binary" in notifications[2]["message"]["text"]


def test_successful_tool_has_no_notifications(report: Report) -> None:
    invocation = runs_by_tool(render(report))["semgrep"]["invocations"][0]

    assert invocation["executionSuccessful"] is True
    assert "toolExecutionNotifications" not in invocation
