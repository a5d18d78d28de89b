"""The pip-audit adapter on outputs of real pip-audit 2.10.1 runs (recorded with no network).

A tiny real executable stands in for pip-audit: it copies a report where the adapter asked for
it, prints recorded stderr, and exits with the recorded code. The report with vulnerabilities is
built by hand from pip-audit's JSON formatter (``pip_audit/_format/json.py`` in the installed
2.10.1: ``dependencies: [{name, version, vulns: [{id, fix_versions, aliases, description}]}]``,
skipped ones ``{name, skip_reason}``), since no real run here can reach a vulnerability service.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from secpipe._errors import ToolError
from secpipe._findings import Severity
from secpipe._pipeline import PipAuditOptions
from secpipe.tools import PipAuditAdapter, ToolContext

FAKE_PIP_AUDIT = """\
import os, shutil, sys
args = sys.argv[1:]
with open(os.environ["FAKE_ARGV_LOG"], "w") as log:
    log.write("\\n".join(args))
pins = args[args.index("-r") + 1]
shutil.copy(pins, os.environ["FAKE_PINS_COPY"])
if os.environ.get("FAKE_REPORT"):
    shutil.copy(os.environ["FAKE_REPORT"], args[args.index("-o") + 1])
if os.environ.get("FAKE_STDERR"):
    sys.stderr.write(open(os.environ["FAKE_STDERR"]).read())
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
"""

REQUIREMENTS = "requests==2.19.0\nPyYAML==5.3\nflask>=2\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "requirements.txt").write_text(REQUIREMENTS)
    return root


def run_adapter(
    tmp_path: Path,
    root: Path,
    *,
    report: Path | None,
    exit_code: int = 0,
    stderr: Path | None = None,
) -> tuple[list[str], str, object]:
    script = tmp_path / "fake-pip-audit"
    script.write_text(f"#!{sys.executable}\n{FAKE_PIP_AUDIT}")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)
    env = dict(
        os.environ,
        FAKE_EXIT=str(exit_code),
        FAKE_ARGV_LOG=str(tmp_path / "argv.log"),
        FAKE_PINS_COPY=str(tmp_path / "pins.txt"),
    )
    if report is not None:
        env["FAKE_REPORT"] = str(report)
    if stderr is not None:
        env["FAKE_STDERR"] = str(stderr)
    context = ToolContext(
        root=root,
        files=("requirements.txt", "app.py"),
        executable=script,
        options=PipAuditOptions(),
        timeout_s=30,
        workdir=workdir,
        env=env,
    )
    try:
        output: object = PipAuditAdapter().run(context)
    except ToolError as error:
        output = error
    argv = (tmp_path / "argv.log").read_text().splitlines()
    return argv, (tmp_path / "pins.txt").read_text(), output


def test_every_dependency_skipped_is_an_error_not_a_pass(
    tmp_path: Path, project: Path, assets: Path
) -> None:
    # Recorded: pip-audit 2.10.1 with PyPI unreachable skips all, says "No known
    # vulnerabilities found" and exits 0.
    report = assets / "recorded" / "pip-audit-2.10.1-all-skipped.json"
    argv, pins, output = run_adapter(tmp_path, project, report=report, exit_code=0)

    assert isinstance(output, ToolError)
    message = str(output)
    assert "could not audit any of 2 dependencies" in message
    assert "SECPIPE_ADVISORY_DB" in message and "secpipe advisories update" in message
    # Only exact pins are handed over, so one range cannot abort the whole file.
    assert pins == "pyyaml==5.3\nrequests==2.19.0\n"
    assert {"--no-deps", "--disable-pip"} <= set(argv)
    assert argv[argv.index("-f") + 1] == "json"


def test_unreachable_service_without_report_is_an_error(
    tmp_path: Path, project: Path, assets: Path
) -> None:
    stderr = assets / "recorded" / "pip-audit-2.10.1-osv-unreachable.stderr"
    _, _, output = run_adapter(tmp_path, project, report=None, exit_code=1, stderr=stderr)
    assert isinstance(output, ToolError)
    assert "wrote no report" in str(output)
    assert "ConnectionError" in str(output)
    assert "secpipe advisories update" in str(output)


def test_vulnerabilities_point_at_the_declaring_line_and_merge_aliases(
    tmp_path: Path, project: Path
) -> None:
    report = tmp_path / "report.json"
    report.write_text(
        json.dumps(
            {
                "dependencies": [
                    {
                        "name": "requests",
                        "version": "2.19.0",
                        "vulns": [
                            {
                                "id": "PYSEC-2018-28",
                                "fix_versions": ["2.20.0"],
                                "aliases": ["CVE-2018-18074", "GHSA-x84v-xcm2-53pg"],
                                "description": "Sends Authorization header on redirect.",
                            },
                            {
                                "id": "GHSA-x84v-xcm2-53pg",
                                "fix_versions": ["2.20"],
                                "aliases": ["CVE-2018-18074"],
                                "description": "",
                            },
                        ],
                    },
                    {"name": "pyyaml", "skip_reason": "Dependency not found on PyPI"},
                ],
                "fixes": [],
            }
        )
    )
    _, _, output = run_adapter(tmp_path, project, report=report, exit_code=1)

    assert not isinstance(output, ToolError)
    (finding,) = output.findings  # type: ignore[attr-defined]
    assert finding.rule_id == "GHSA-x84v-xcm2-53pg"
    assert finding.title == "requests 2.19.0: GHSA-x84v-xcm2-53pg"
    assert (finding.path, finding.start_line) == ("requirements.txt", 1)
    assert finding.severity is Severity.HIGH
    # 2.20 and 2.20.0 are one version.
    assert finding.package.fixed_versions == ("2.20",)
    assert finding.package.advisories[0].aliases == ("CVE-2018-18074", "PYSEC-2018-28")
    assert output.skipped_files == ["pyyaml: Dependency not found on PyPI"]  # type: ignore[attr-defined]


def test_a_report_of_another_shape_is_an_error(tmp_path: Path, project: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text(json.dumps({"deps": []}))
    _, _, output = run_adapter(tmp_path, project, report=report)
    assert isinstance(output, ToolError)
    assert "unexpected shape: dependencies" in str(output)
