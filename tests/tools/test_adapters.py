"""The semgrep and bandit adapters on recorded outputs of real runs.

A tiny real executable stands in for the scanner: it writes a recorded report where the adapter
asked for it and exits with the code the real tool used, so the adapters' command building,
exit-code reading and parsing are all exercised without the scanners installed.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path
from typing import Literal

import pytest

from secpipe._errors import ToolError
from secpipe._findings import Severity
from secpipe._pipeline import BanditOptions, SemgrepOptions, ToolOptions
from secpipe.tools import BanditAdapter, SemgrepAdapter, ToolContext

FAKE_SCANNER = """\
import os, shutil, sys
args = sys.argv[1:]
with open(os.environ["FAKE_ARGV_LOG"], "w") as log:
    log.write("\\n".join(args))
for flag in ("-o", "--output"):
    if flag in args and os.environ.get("FAKE_REPORT"):
        shutil.copy(os.environ["FAKE_REPORT"], args[args.index(flag) + 1])
# semgrep's compiled front end prints its report instead of writing it.
if "--experimental" in args and os.environ.get("FAKE_REPORT"):
    sys.stdout.write(open(os.environ["FAKE_REPORT"]).read())
sys.stdout.write(os.environ.get("FAKE_STDOUT", ""))
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
"""


@pytest.fixture
def fake_scanner(tmp_path: Path) -> Path:
    script = tmp_path / "fake-scanner"
    script.write_text(f"#!{sys.executable}\n{FAKE_SCANNER}")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def context(
    tmp_path: Path,
    executable: Path,
    options: ToolOptions,
    report: Path | None,
    exit_code: int,
    files: tuple[str, ...] = ("pkg/db.py",),
) -> ToolContext:
    workdir = tmp_path / "work"
    workdir.mkdir(exist_ok=True)
    env = dict(os.environ, FAKE_EXIT=str(exit_code), FAKE_ARGV_LOG=str(tmp_path / "argv.log"))
    if report is not None:
        env["FAKE_REPORT"] = str(report)
    return ToolContext(
        root=tmp_path,
        files=files,
        executable=executable,
        options=options,
        timeout_s=30,
        workdir=workdir,
        env=env,
    )


def argv_used(tmp_path: Path) -> list[str]:
    return (tmp_path / "argv.log").read_text().splitlines()


def test_bandit_findings_skipped_files_and_masked_password(
    tmp_path: Path, fake_scanner: Path, assets: Path
) -> None:
    report = assets / "recorded" / "bandit-mixed.json"
    output = BanditAdapter().run(
        context(tmp_path, fake_scanner, BanditOptions(skip=["B101"]), report, 1)
    )
    by_rule = {finding.rule_id: finding for finding in output.findings}
    assert set(by_rule) == {"B404", "B105", "B602", "B506"}
    assert by_rule["B602"].severity is Severity.HIGH and by_rule["B602"].start_line == 8
    assert by_rule["B506"].weakness == "deserialization"
    assert by_rule["B602"].cwe == ("CWE-78",)
    assert "hunter2-very-secret" not in by_rule["B105"].message
    assert "hunt…(19 chars)" in by_rule["B105"].message
    assert output.skipped_files == [
        "pkg/broken.py: syntax error while parsing AST from file",
        "pkg/latin.py: syntax error while parsing AST from file",
        "pkg/missing.py: No such file or directory",
    ]
    argv = argv_used(tmp_path)
    assert argv[:2] == ["-f", "json"] and "-s" in argv and "B101" in argv
    assert argv[-1] == "./pkg/db.py"


def test_bandit_usage_error_exit_is_a_tool_error(tmp_path: Path, fake_scanner: Path) -> None:
    with pytest.raises(ToolError, match=r"bandit failed: .* exited 2"):
        BanditAdapter().run(context(tmp_path, fake_scanner, BanditOptions(), None, 2))


def test_bandit_without_a_report_is_a_tool_error(tmp_path: Path, fake_scanner: Path) -> None:
    with pytest.raises(ToolError, match="bandit wrote no report"):
        BanditAdapter().run(context(tmp_path, fake_scanner, BanditOptions(), None, 0))


def test_bandit_garbage_report_is_a_tool_error(tmp_path: Path, fake_scanner: Path) -> None:
    garbage = tmp_path / "garbage.json"
    garbage.write_text("Working... ━━━━━━━━ 100%\n{")
    with pytest.raises(ToolError, match="not JSON"):
        BanditAdapter().run(context(tmp_path, fake_scanner, BanditOptions(), garbage, 0))


#: Real reports of semgrep 1.185.0 on the same files and rules, from each command line.
RECORDED_RUNS = {"python": "semgrep-run.json", "native": "semgrep-1.185.0-native-run.json"}
RECORDED_BAD_RULES = {
    "python": "semgrep-bad-rule.json",
    "native": "semgrep-1.185.0-native-bad-rule.json",
}


@pytest.mark.parametrize("engine", ["native", "python"])
def test_semgrep_maps_rule_ids_back_and_ignores_login_placeholders(
    tmp_path: Path, fake_scanner: Path, assets: Path, engine: Literal["native", "python"]
) -> None:
    rules = tmp_path / "rules.yml"
    rules.write_text("rules:\n  - id: python-shell-true\n    pattern: x\n")
    options = SemgrepOptions(rules=[str(rules)], engine=engine)
    report = assets / "recorded" / RECORDED_RUNS[engine]
    output = SemgrepAdapter().run(context(tmp_path, fake_scanner, options, report, 0))
    [finding] = output.findings
    assert finding.rule_id == "python-shell-true"
    assert finding.path == "pkg/db.py"
    assert finding.start_line == 8
    assert finding.severity is Severity.HIGH
    assert finding.cwe == ("CWE-78",)
    assert "requires login" not in repr(finding)
    assert output.version == "1.185.0"
    argv = argv_used(tmp_path)
    assert "--disable-version-check" in argv and "--metrics=off" in argv
    assert argv[-1] == "./pkg/db.py"
    assert ("--experimental" in argv) == (engine == "native")


@pytest.mark.parametrize("engine", ["native", "python"])
def test_semgrep_bad_rule_file_exit_7_is_a_tool_error(
    tmp_path: Path, fake_scanner: Path, assets: Path, engine: Literal["native", "python"]
) -> None:
    options = SemgrepOptions(rules=["builtin"], engine=engine)
    report = assets / "recorded" / RECORDED_BAD_RULES[engine]
    with pytest.raises(ToolError, match=r"exited 7 .*rule file is invalid.*Invalid YAML"):
        SemgrepAdapter().run(context(tmp_path, fake_scanner, options, report, 7))


def test_semgrep_bad_target_exit_2_is_a_tool_error(tmp_path: Path, fake_scanner: Path) -> None:
    with pytest.raises(ToolError, match="exited 2"):
        SemgrepAdapter().run(context(tmp_path, fake_scanner, SemgrepOptions(), None, 2))


def test_semgrep_runs_with_a_private_home(tmp_path: Path, assets: Path) -> None:
    # A fake semgrep that records the HOME it was given.
    script = tmp_path / "semgrep"
    script.write_text(
        f"#!{sys.executable}\nimport os, shutil, sys\n"
        "open(os.environ['FAKE_ARGV_LOG'], 'w').write(os.environ['HOME'])\n"
        "sys.stdout.write(open(os.environ['FAKE_REPORT']).read())\n"
    )
    script.chmod(0o755)
    report = assets / "recorded" / RECORDED_RUNS["native"]
    SemgrepAdapter().run(context(tmp_path, script, SemgrepOptions(), report, 0))
    home = (tmp_path / "argv.log").read_text()
    assert home.startswith(str(tmp_path / "work"))


def test_bandit_titles_say_what_is_wrong(tmp_path: Path, fake_scanner: Path, assets: Path) -> None:
    report = assets / "recorded" / "bandit-mixed.json"
    output = BanditAdapter().run(context(tmp_path, fake_scanner, BanditOptions(), report, 1))
    titles = {finding.rule_id: finding.title for finding in output.findings}
    assert titles["B602"] == "Subprocess call with shell=True identified, security issue"
    assert titles["B506"] == "Use of unsafe yaml load"
    assert "hunter2-very-secret" not in titles["B105"]
