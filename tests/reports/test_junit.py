"""The JUnit report: valid against the Jenkins xUnit XSD, and failing what the policy fails."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
import xmlschema

from secpipe._findings import Finding, GateRun, GateStatus, Report, Violation
from secpipe.reports import JUnitReporter

FindingFactory = Callable[..., Finding]
ReportFactory = Callable[..., Report]


@pytest.fixture
def xsd(shared: Path) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(shared / "schemas" / "junit-jenkins-xunit-junit-10.xsd")


def parse(text: str) -> ET.Element:
    return ET.fromstring(text)  # noqa: S314 - parses the reporter's own output


def suites(root: ET.Element) -> dict[str, ET.Element]:
    return {suite.get("name", ""): suite for suite in root.iter("testsuite")}


def test_validates_against_the_xsd(report: Report, xsd: xmlschema.XMLSchema) -> None:
    text = JUnitReporter().render(report)

    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')
    xsd.validate(text)


def test_the_xsd_rejects_a_broken_copy(report: Report, xsd: xmlschema.XMLSchema) -> None:
    # A suite without its required counts, and a stray element, must both be refused.
    text = JUnitReporter().render(report)
    without_counts = text.replace(' tests="7"', "", 1)
    stray = text.replace("<testcase ", "<testcase><bogus/></testcase><testcase ", 1)

    assert without_counts != text
    assert not xsd.is_valid(without_counts)
    assert not xsd.is_valid(stray)


def test_one_suite_per_gate_and_one_case_per_gate_and_finding(report: Report) -> None:
    root = parse(JUnitReporter().render(report))
    by_name = suites(root)

    assert list(by_name) == ["pr/sast", "pr/iac", "pr/deps", "nightly/deep-scan"]
    sast = by_name["pr/sast"]
    names = [case.get("name") for case in sast.iter("testcase")]
    assert names[0] == "gate sast"
    assert "python.lang.security.audit.exec-detected at app/views.py:10" in names
    assert "dockerfile.security.missing-user at deploy/Dockerfile" in names
    assert sast.get("tests") == str(len(names)) == "7"
    assert root.get("tests") == "11"


def test_only_findings_named_by_a_violation_fail(report: Report) -> None:
    root = parse(JUnitReporter().render(report))

    failed = [case for case in root.iter("testcase") if case.find("failure") is not None]
    assert sorted(case.get("name", "") for case in failed) == [
        "python.lang.security.audit.exec-detected at app/admin.py:4",
        "python.lang.security.audit.exec-detected at app/views.py:10",
    ]
    assert root.get("failures") == "2"
    failure = failed[0].find("failure")
    assert failure is not None
    assert failure.get("type") in {"critical", "high"}
    assert "fingerprint: fp-" in (failure.text or "")


def test_passing_run_has_no_failures(report_factory: ReportFactory) -> None:
    root = parse(JUnitReporter().render(report_factory(violations=(), passed=True, exit_code=0)))

    assert root.get("failures") == "0"
    assert all(case.find("failure") is None for case in root.iter("testcase"))


def test_gate_in_error_is_a_junit_error(report: Report) -> None:
    root = parse(JUnitReporter().render(report))
    suite = suites(root)["nightly/deep-scan"]
    error = suite.find("testcase/error")

    assert suite.get("errors") == "1"
    assert root.get("errors") == "1"
    assert error is not None
    assert error.get("message") == "1 of 2 tools failed"
    assert "trufflehog exited with code 2" in (error.text or "")


def test_skipped_gate_is_skipped(report_factory: ReportFactory, xsd: xmlschema.XMLSchema) -> None:
    gates = (GateRun(name="container", stage="build", status=GateStatus.SKIPPED, findings=0),)
    text = JUnitReporter().render(report_factory(gates=gates, findings=(), violations=()))

    xsd.validate(text)
    suite = suites(parse(text))["build/container"]
    assert suite.get("skipped") == "1"
    assert suite.find("testcase/skipped") is not None


def test_markup_and_control_characters_survive_as_text(
    report_factory: ReportFactory, finding_factory: FindingFactory, xsd: xmlschema.XMLSchema
) -> None:
    title = 'a <b> & "c" ]]> \x1b[31mred\x1b[0m'
    finding = finding_factory(fingerprint="fp-x", title=title, message="m\x00n")
    gates = (GateRun(name="sast", stage="commit", status=GateStatus.FAILED, findings=1),)
    violation = Violation(rule="r", message="m", fingerprints=("fp-x",))
    text = JUnitReporter().render(
        report_factory(gates=gates, findings=(finding,), violations=(violation,))
    )

    xsd.validate(text)
    failure = parse(text).find("testsuite/testcase/failure")
    assert failure is not None
    assert failure.get("message") == 'a <b> & "c" ]]> [31mred[0m'
    assert "mn" in (failure.text or "")
