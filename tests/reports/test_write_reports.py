"""write_reports: which files appear, what they hold, and how bad paths and names are refused."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from secpipe._errors import ExitCode, InvalidInputError
from secpipe._findings import GateRun, GateStatus, Report
from secpipe.reports import (
    FORMATS,
    JsonReporter,
    MarkdownReporter,
    Reporter,
    SarifReporter,
    write_reports,
)


def test_known_formats() -> None:
    assert sorted(FORMATS) == [
        "annotations",
        "codeclimate",
        "gitlab",
        "html",
        "json",
        "junit",
        "markdown",
        "sarif",
    ]
    assert all(isinstance(reporter, Reporter) for reporter in FORMATS.values())
    assert all(name == reporter.name for name, reporter in FORMATS.items())
    assert {reporter.filename for reporter in FORMATS.values()} == {
        "findings.json",
        "findings.sarif",
        "summary.md",
        "gl-sast-report.json",
        "gl-code-quality-report.json",
        "junit.xml",
        "report.html",
        "annotations.txt",
    }


def test_findings_json_is_always_written(report: Report, tmp_path: Path) -> None:
    written = write_reports(report, tmp_path, [])

    assert written == [tmp_path / "findings.json"]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["findings.json"]
    assert (tmp_path / "findings.json").read_text(encoding="utf-8") == JsonReporter().render(report)


def test_writes_each_requested_format_once(report: Report, tmp_path: Path) -> None:
    written = write_reports(report, tmp_path, ["sarif", "markdown", "json", "sarif"])

    assert written == [
        tmp_path / "findings.json",
        tmp_path / "findings.sarif",
        tmp_path / "summary.md",
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "findings.json",
        "findings.sarif",
        "summary.md",
    ]
    sarif = (tmp_path / "findings.sarif").read_text(encoding="utf-8")
    assert sarif == SarifReporter().render(report)
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert summary == MarkdownReporter().render(report)


def test_creates_a_missing_output_folder(report: Report, tmp_path: Path) -> None:
    output_dir = tmp_path / "out" / "reports"

    written = write_reports(report, output_dir, ["markdown"])

    assert all(path.is_file() for path in written)
    assert written[0].parent == output_dir


def test_replaces_old_reports_and_leaves_no_temporary_files(report: Report, tmp_path: Path) -> None:
    (tmp_path / "findings.json").write_text("stale", encoding="utf-8")

    write_reports(report, tmp_path, ["sarif"])

    assert Report.model_validate_json((tmp_path / "findings.json").read_text("utf-8")) == report
    assert sorted(path.name for path in tmp_path.iterdir()) == ["findings.json", "findings.sarif"]


def test_unknown_format_is_refused_before_anything_is_written(
    report: Report, tmp_path: Path
) -> None:
    output_dir = tmp_path / "out"

    with pytest.raises(InvalidInputError) as raised:
        write_reports(report, output_dir, ["sarif", "pdf"])

    message = str(raised.value)
    assert "\n" not in message
    assert "'pdf'" in message
    assert "html, json, junit, markdown, sarif" in message
    assert raised.value.exit_code is ExitCode.INVALID_INPUT
    assert not output_dir.exists()


def test_output_folder_that_cannot_be_created_is_named(report: Report, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    output_dir = blocker / "reports"

    with pytest.raises(InvalidInputError, match="not-a-folder/reports"):
        write_reports(report, output_dir, [])


def test_output_path_that_is_a_file_is_refused(report: Report, tmp_path: Path) -> None:
    output_file = tmp_path / "reports"
    output_file.write_text("", encoding="utf-8")

    with pytest.raises(InvalidInputError, match=re.escape(str(output_file))):
        write_reports(report, output_file, [])


def test_unwritable_target_is_named_and_cleaned_up(report: Report, tmp_path: Path) -> None:
    # A folder where findings.sarif should go makes the final rename fail, even for root.
    (tmp_path / "findings.sarif").mkdir()

    with pytest.raises(InvalidInputError, match=r"findings\.sarif"):
        write_reports(report, tmp_path, ["sarif"])

    assert sorted(path.name for path in tmp_path.iterdir()) == ["findings.json", "findings.sarif"]
    assert (tmp_path / "findings.sarif").is_dir()


def test_a_format_with_several_files_writes_each_atomically(
    report_factory: Callable[..., Report], tmp_path: Path
) -> None:
    gates = (
        GateRun(name="sast", stage="commit", status=GateStatus.PASSED, findings=0),
        GateRun(name="secrets", stage="commit", status=GateStatus.PASSED, findings=0),
    )
    report = report_factory(gates=gates, findings=(), violations=())

    written = write_reports(report, tmp_path, ["gitlab", "junit"])

    assert written == [
        tmp_path / "findings.json",
        tmp_path / "gl-sast-report.json",
        tmp_path / "gl-secret-detection-report.json",
        tmp_path / "junit.xml",
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(p.name for p in written)
