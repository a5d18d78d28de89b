"""A realistic finished run, shared by the report writer tests.

The sample has several stages, gates and tools; a tool that ran in two gates; a tool with no
findings; a tool that failed and skipped files; findings of every severity and status; a
whole-file finding; a package finding; and text that breaks naive Markdown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from secpipe._findings import (
    Advisory,
    Confidence,
    Finding,
    FindingStatus,
    GateRun,
    GateStatus,
    Package,
    Report,
    Severity,
    ToolRun,
    Violation,
)

TRICKY_TITLE = "Hard-coded password | `token`\nsecond line"
TRICKY_MESSAGE = "Possible hard-coded password: 'hunter2' | used in `login()`\nsee line 2\r\nend"
TOOL_ERROR = "trufflehog exited with code 2\nstderr: cannot read | vendor"


def make_finding(**overrides: Any) -> Finding:
    """A new, medium-severity semgrep finding on one line, changed by ``overrides``."""
    fields: dict[str, Any] = {
        "fingerprint": "fp-default",
        "gate": "sast",
        "tool": "semgrep",
        "tools": ("semgrep",),
        "rule_id": "python.lang.security.audit.eval-detected",
        "title": "Use of eval",
        "message": "eval() on untrusted input runs arbitrary code.",
        "severity": Severity.MEDIUM,
        "path": "app/views.py",
        "start_line": 3,
        "end_line": 3,
    }
    fields.update(overrides)
    return Finding(**fields)


def make_report(**overrides: Any) -> Report:
    """The sample report described in the module docstring, changed by ``overrides``."""
    fields: dict[str, Any] = {
        "secpipe_version": "0.1.0",
        "started_at": datetime(2024, 5, 1, 12, 30, tzinfo=UTC),
        "duration_s": 42.5,
        "root": "/home/ci/work/my project",
        "pipeline": "python-service",
        "stages": ("pr", "nightly"),
        "passed": False,
        "exit_code": 1,
        "gates": _GATES,
        "findings": _FINDINGS,
        "violations": (
            Violation(
                rule="no-new-high",
                message="2 new findings at high severity or worse",
                fingerprints=("fp-critical", "fp-high-exec"),
            ),
            Violation(rule="tools-must-run", message="trufflehog failed | see log"),
        ),
        "warnings": ("checkov found no files to scan",),
    }
    fields.update(overrides)
    return Report(**fields)


_GATES = (
    GateRun(
        name="sast",
        stage="pr",
        status=GateStatus.FAILED,
        findings=6,
        tools=(
            ToolRun(name="semgrep", version="1.85.0", status=GateStatus.FAILED, duration_s=12.0),
            ToolRun(name="bandit", version="1.7.9", status=GateStatus.FAILED, duration_s=3.5),
        ),
    ),
    GateRun(
        name="iac",
        stage="pr",
        status=GateStatus.PASSED,
        findings=0,
        tools=(ToolRun(name="checkov", version="3.2.0", status=GateStatus.PASSED, duration_s=8),),
    ),
    GateRun(
        name="deps",
        stage="pr",
        status=GateStatus.FAILED,
        findings=1,
        tools=(ToolRun(name="pip-audit", version="2.7.3", status=GateStatus.FAILED, duration_s=5),),
    ),
    GateRun(
        name="deep-scan",
        stage="nightly",
        status=GateStatus.ERROR,
        findings=0,
        error="1 of 2 tools failed",
        tools=(
            ToolRun(name="semgrep", version="1.85.0", status=GateStatus.PASSED, duration_s=30),
            ToolRun(
                name="trufflehog",
                status=GateStatus.ERROR,
                duration_s=0.4,
                error=TOOL_ERROR,
                skipped_files=("vendor/blob.bin: larger than 10 MB", "docs/manual.pdf: binary"),
            ),
        ),
    ),
)

_FINDINGS = (
    make_finding(
        fingerprint="fp-info",
        rule_id="python.lang.best-practice.open-never-closed",
        title="File opened but never closed",
        message="open() without a with-block leaks the file handle.",
        severity=Severity.INFO,
        path="app/util.py",
        start_line=7,
        end_line=7,
    ),
    make_finding(
        fingerprint="fp-critical",
        tools=("semgrep", "bandit"),
        rule_id="python.lang.security.audit.exec-detected",
        title="Use of exec",
        message="exec() runs arbitrary code.",
        severity=Severity.CRITICAL,
        confidence=Confidence.HIGH,
        path="app/views.py",
        start_line=10,
        end_line=12,
        cwe=("CWE-95",),
        references=(
            "https://semgrep.dev/r/python.lang.security.audit.exec-detected",
            "https://cwe.mitre.org/data/definitions/95.html",
        ),
    ),
    make_finding(
        fingerprint="fp-high-exec",
        rule_id="python.lang.security.audit.exec-detected",
        title="Use of exec",
        message="exec() runs arbitrary code.",
        severity=Severity.HIGH,
        path="app/admin.py",
        start_line=4,
        end_line=4,
        cwe=("CWE-95", "CWE-94"),
    ),
    make_finding(
        fingerprint="fp-baseline",
        tool="bandit",
        tools=("bandit",),
        rule_id="B602",
        title="subprocess call with shell=True",
        message="subprocess call with shell=True identified, security issue.",
        severity=Severity.HIGH,
        confidence=Confidence.HIGH,
        path="app/run.py",
        start_line=5,
        end_line=6,
        cwe=("CWE-78",),
        status=FindingStatus.BASELINE,
    ),
    make_finding(
        fingerprint="fp-waived",
        tool="bandit",
        tools=("bandit",),
        rule_id="B105",
        title=TRICKY_TITLE,
        message=TRICKY_MESSAGE,
        severity=Severity.MEDIUM,
        confidence=Confidence.MEDIUM,
        path="app/settings.py",
        start_line=21,
        end_line=21,
        cwe=("CWE-259",),
        status=FindingStatus.WAIVED,
    ),
    make_finding(
        fingerprint="fp-whole-file",
        rule_id="dockerfile.security.missing-user",
        title="Container runs as root",
        message="The Dockerfile never sets a non-root USER.",
        severity=Severity.LOW,
        path="deploy/Dockerfile",
        start_line=0,
        end_line=0,
        cwe=("CWE-250",),
    ),
    make_finding(
        fingerprint="fp-package",
        gate="deps",
        tool="pip-audit",
        tools=("pip-audit",),
        rule_id="PYSEC-2024-1",
        title="jinja2 2.10 has a known vulnerability",
        message="Jinja2 sandbox escape through the format method.",
        severity=Severity.HIGH,
        path="requirements.txt",
        start_line=0,
        end_line=0,
        references=("https://osv.dev/vulnerability/PYSEC-2024-1",),
        package=Package(
            name="jinja2",
            version="2.10",
            fixed_versions=("2.10.1", "3.1.4"),
            advisories=(Advisory(id="PYSEC-2024-1", aliases=("CVE-2019-10906", "GHSA-462w")),),
        ),
    ),
)


@pytest.fixture
def report() -> Report:
    """The sample report."""
    return make_report()


@pytest.fixture
def finding_factory() -> Callable[..., Finding]:
    """Build one finding from the defaults plus keyword overrides."""
    return make_finding


@pytest.fixture
def report_factory() -> Callable[..., Report]:
    """Build the sample report with some fields replaced."""
    return make_report
