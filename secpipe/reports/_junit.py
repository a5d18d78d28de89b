"""``junit.xml``: the run as test results, for CI systems that show JUnit but not security reports.

There is one test suite per gate. Each suite has a test case for the gate itself (an error when
the gate could not finish, skipped when it did not run) and one test case per finding. A finding
is a failure only when the policy counts it against the run (it is listed in a violation), so the
test tab agrees with the exit code; other findings pass, with their details in ``system-out``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence

from secpipe._findings import Finding, GateRun, GateStatus, Report
from secpipe.reports._interface import Reporter

# Characters XML 1.0 cannot hold at all, not even escaped (a scanner may print ANSI colours).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class JUnitReporter(Reporter):
    """Writes a JUnit XML file with one suite per gate."""

    name = "junit"
    filename = "junit.xml"

    def render(self, report: Report) -> str:
        """Return the JUnit XML document."""
        # Findings listed by a violation are the ones that failed the run.
        violating = {fp for violation in report.violations for fp in violation.fingerprints}
        by_gate: dict[str, list[Finding]] = {}
        for finding in report.findings:
            by_gate.setdefault(finding.gate, []).append(finding)

        # Build one suite per gate, then total them on the root element.
        root = ET.Element("testsuites", name=f"secpipe {report.pipeline}")
        suites = [
            _suite(gate, by_gate.get(gate.name, []), violating, report.started_at.isoformat())
            for gate in report.gates
        ]
        root.extend(suites)
        for total in ("tests", "failures", "errors"):
            root.set(total, str(sum(int(suite.get(total, "0")) for suite in suites)))
        root.set("time", _seconds(report.duration_s))

        for element in root.iter():
            _clean(element)
        ET.indent(root)
        body = ET.tostring(root, encoding="unicode")
        return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _suite(
    gate: GateRun, findings: Sequence[Finding], violating: set[str], timestamp: str
) -> ET.Element:
    """The suite of one gate: its own test case, then one per finding."""
    suite = ET.Element("testsuite", name=f"{gate.stage}/{gate.name}", timestamp=timestamp)
    duration = max((tool.duration_s for tool in gate.tools), default=0.0)
    suite.set("time", _seconds(duration))

    # The gate's own case says whether the gate could do its job at all.
    case = ET.SubElement(suite, "testcase", name=f"gate {gate.name}", classname=gate.name)
    case.set("time", _seconds(duration))
    errors = 0
    if gate.status is GateStatus.ERROR:
        errors = 1
        problems = [gate.error] if gate.error else []
        problems += [f"{tool.name}: {tool.error}" for tool in gate.tools if tool.error]
        text = "\n".join(problems) or "the gate could not finish"
        ET.SubElement(case, "error", type="gate-error", message=problems[0] if problems else "")
        case[-1].text = text
    elif gate.status is GateStatus.SKIPPED:
        ET.SubElement(case, "skipped", message="the gate did not run")

    # One case per finding, failing when the policy counts it.
    failures = 0
    for finding in findings:
        finding_case = ET.SubElement(
            suite, "testcase", name=_case_name(finding), classname=f"{gate.name}.{finding.tool}"
        )
        details = _details(finding)
        if finding.fingerprint in violating:
            failures += 1
            failure = ET.SubElement(
                finding_case, "failure", type=finding.severity.value, message=finding.title
            )
            failure.text = details
        else:
            ET.SubElement(finding_case, "system-out").text = details

    suite.set("tests", str(1 + len(findings)))
    suite.set("failures", str(failures))
    suite.set("errors", str(errors))
    suite.set("skipped", "1" if gate.status is GateStatus.SKIPPED else "0")
    return suite


def _case_name(finding: Finding) -> str:
    """``rule at path:line``: unique enough to read, stable between runs."""
    where = f"{finding.path}:{finding.start_line}" if finding.start_line else finding.path
    return f"{finding.rule_id} at {where}"


def _details(finding: Finding) -> str:
    """The finding in a few plain lines, for the failure body or the case's output."""
    lines = [
        f"{finding.severity.value}: {finding.title}",
        finding.message,
        f"status: {finding.status.value}; tools: {', '.join(finding.tools)}",
        f"fingerprint: {finding.fingerprint}",
    ]
    if finding.package is not None:
        lines.append(f"package: {finding.package.name} {finding.package.version}")
    lines.extend(finding.references)
    return "\n".join(line for line in lines if line)


def _clean(element: ET.Element) -> None:
    """Drop the characters XML cannot hold from an element's text and attributes."""
    if element.text:
        element.text = _NOT_XML.sub("", element.text)
    for key, value in element.attrib.items():
        element.set(key, _NOT_XML.sub("", value))


def _seconds(value: float) -> str:
    """Seconds with at most three decimals, as the Surefire time type allows."""
    return f"{value:.3f}"
