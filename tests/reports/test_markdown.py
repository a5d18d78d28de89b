"""summary.md: what a reviewer reads in a PR comment or the CI job summary."""

from __future__ import annotations

import re
from collections.abc import Callable

from secpipe._findings import Finding, Report, Severity
from secpipe.reports import MarkdownReporter

ReportFactory = Callable[..., Report]
FindingFactory = Callable[..., Finding]

# A cell separator is a pipe that is not escaped with a backslash.
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def render(report: Report) -> str:
    return MarkdownReporter().render(report)


def section(text: str, title: str) -> str:
    """The body of the ``## title`` section, up to the next one."""
    match = re.search(rf"^## {re.escape(title)}.*?\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"no section {title!r} in:\n{text}"
    return match.group(1)


def table_rows(body: str) -> list[list[str]]:
    """Data rows of the first table in ``body``, split on unescaped pipes."""
    lines = [line for line in body.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in UNESCAPED_PIPE.split(line)[1:-1]] for line in lines[2:]]


def test_heading_says_failed_with_exit_code(report: Report) -> None:
    first_line = render(report).splitlines()[0]

    assert first_line == "# secpipe: FAILED (exit code 1)"


def test_heading_says_passed(report_factory: ReportFactory) -> None:
    text = render(report_factory(passed=True, exit_code=0, violations=()))

    assert text.splitlines()[0] == "# secpipe: PASSED (exit code 0)"
    assert section(text, "Policy violations").strip() == "None."


def test_names_the_stages_run(report: Report) -> None:
    assert "stages run: pr, nightly" in render(report)


def test_gate_table_lists_status_counts_tools_and_errors(report: Report) -> None:
    rows = table_rows(section(render(report), "Gates"))

    assert [row[:4] for row in rows] == [
        ["sast", "pr", "failed", "6"],
        ["iac", "pr", "passed", "0"],
        ["deps", "pr", "failed", "1"],
        ["deep-scan", "nightly", "error", "0"],
    ]
    assert rows[0][4] == "semgrep 1.85.0, bandit 1.7.9"
    assert rows[3][4] == "semgrep 1.85.0, trufflehog (error)"
    assert rows[0][5] == ""
    assert "1 of 2 tools failed" in rows[3][5]
    assert "trufflehog exited with code 2 stderr: cannot read \\| vendor" in rows[3][5]
    assert "trufflehog could not scan 2 files" in rows[3][5]


def test_one_bullet_per_policy_violation(report: Report) -> None:
    bullets = section(render(report), "Policy violations").strip().splitlines()

    assert bullets == [
        "- **no-new-high**: 2 new findings at high severity or worse (2 findings)",
        "- **tools-must-run**: trufflehog failed \\| see log",
    ]


def test_findings_sorted_by_severity_then_path_then_line(report: Report) -> None:
    rows = table_rows(section(render(report), "Findings"))

    assert [(row[0], row[2]) for row in rows] == [
        ("critical", "app/views.py:10"),
        ("high", "app/admin.py:4"),
        ("high", "app/run.py:5"),
        ("high", "requirements.txt"),
        ("medium", "app/settings.py:21"),
        ("low", "deploy/Dockerfile"),
        ("info", "app/util.py:7"),
    ]
    assert rows[0] == [
        "critical",
        "python.lang.security.audit.exec-detected",
        "app/views.py:10",
        "Use of exec",
        "semgrep, bandit",
        "new",
    ]
    assert [row[5] for row in rows] == ["new", "new", "baseline", "new", "waived", "new", "new"]


def test_same_path_sorts_by_line(
    report_factory: ReportFactory, finding_factory: FindingFactory
) -> None:
    findings = tuple(
        finding_factory(fingerprint=f"fp-{line}", start_line=line, end_line=line)
        for line in (30, 4, 12)
    )

    rows = table_rows(section(render(report_factory(findings=findings)), "Findings"))

    assert [row[2] for row in rows] == ["app/views.py:4", "app/views.py:12", "app/views.py:30"]


def test_pipes_backticks_and_newlines_cannot_break_the_table(report: Report) -> None:
    text = render(report)
    rows = table_rows(section(text, "Findings"))

    # Every row keeps exactly six cells, and the tricky title stays on one line, escaped.
    assert all(len(row) == 6 for row in rows)
    assert rows[4][3] == "Hard-coded password \\| \\`token\\` second line"
    for line in text.splitlines():
        if line.startswith("|"):
            assert len(UNESCAPED_PIPE.findall(line)) == 7, line


def test_no_html_even_when_findings_contain_tags(
    report_factory: ReportFactory, finding_factory: FindingFactory
) -> None:
    finding = finding_factory(title="<script>alert(1)</script> & <b>bold</b>")

    text = render(report_factory(findings=(finding,)))

    assert re.search(r"(?<!\\)[<>]", text) is None
    assert "<br" not in text


def test_table_is_capped_at_200_rows(
    report_factory: ReportFactory, finding_factory: FindingFactory
) -> None:
    findings = tuple(
        finding_factory(fingerprint=f"fp-{n}", start_line=n + 1, end_line=n + 1) for n in range(205)
    )

    text = render(report_factory(findings=findings))
    body = section(text, "Findings")

    assert len(table_rows(body)) == 200
    assert "5 more findings are not shown" in body
    assert "findings.json" in body
    assert "## Findings (205)" in text


def test_exactly_200_findings_are_all_shown(
    report_factory: ReportFactory, finding_factory: FindingFactory
) -> None:
    findings = tuple(
        finding_factory(fingerprint=f"fp-{n}", start_line=n + 1, end_line=n + 1) for n in range(200)
    )

    body = section(render(report_factory(findings=findings)), "Findings")

    assert len(table_rows(body)) == 200
    assert "not shown" not in body


def test_cap_keeps_the_worst_findings(
    report_factory: ReportFactory, finding_factory: FindingFactory
) -> None:
    noise = tuple(
        finding_factory(
            fingerprint=f"fp-{n}", severity=Severity.INFO, start_line=n + 1, end_line=n + 1
        )
        for n in range(250)
    )
    critical = finding_factory(
        fingerprint="fp-last", severity=Severity.CRITICAL, path="zzz.py", start_line=1
    )

    rows = table_rows(section(render(report_factory(findings=(*noise, critical))), "Findings"))

    assert rows[0][0] == "critical"
    assert rows[0][2] == "zzz.py:1"


def test_no_findings_says_so(report_factory: ReportFactory) -> None:
    text = render(report_factory(findings=()))

    assert section(text, "Findings").strip() == "No findings."


def test_warnings_are_listed(report: Report) -> None:
    assert section(render(report), "Warnings").strip() == "- checkov found no files to scan"


def test_long_errors_are_cut(report_factory: ReportFactory, report: Report) -> None:
    gate = report.gates[0].model_copy(update={"error": "x" * 5000})

    rows = table_rows(section(render(report_factory(gates=(gate,))), "Gates"))

    assert rows[0][5].endswith("…")
    assert len(rows[0][5]) <= 300


def test_ends_with_one_newline(report: Report) -> None:
    text = render(report)

    assert text.endswith("\n")
    assert not text.endswith("\n\n")
