"""The SAST gate end to end: the real semgrep and bandit on a project with planted weaknesses.

Run as a user would: ``secpipe run PATH --gate sast --output-dir OUT --format sarif,markdown``.
The expected places are read from ``# planted: CWE-…`` comments in the project, not typed here.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest

from secpipe._cli import main
from secpipe._schemas import findings_json_schema

pytestmark = pytest.mark.scanners

PLANTED = re.compile(r"#\s*planted:\s*(?P<cwes>CWE-[0-9|CWE-]+)")


def planted_lines(root: Path) -> dict[tuple[str, int], set[str]]:
    expected: dict[tuple[str, int], set[str]] = {}
    for path in sorted(root.rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = PLANTED.search(line)
            if match:
                relative = path.relative_to(root).as_posix()
                expected[(relative, number)] = set(match["cwes"].split("|"))
    return expected


@pytest.fixture
def project(tmp_path: Path, assets: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(assets / "projects" / "planted", target)
    return target


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int, dict]:  # type: ignore[type-arg]
    """One real run on the planted project, shared by the tests that only read its results."""
    base = tmp_path_factory.mktemp("planted")
    target = base / "project"
    shutil.copytree(Path(__file__).parent / "assets" / "projects" / "planted", target)
    code, report = run_secpipe(target, base / "out")
    return target, base / "out", code, report


def run_secpipe(project: Path, out: Path, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code = main(
        [
            "run",
            str(project),
            "--gate",
            "sast",
            "--output-dir",
            str(out),
            "--format",
            "sarif,markdown",
            *extra,
        ]
    )
    return code, json.loads((out / "findings.json").read_text())


def test_every_planted_weakness_is_found_at_its_line(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = run_secpipe(project, tmp_path / "out")

    assert code == 1, capsys.readouterr().err
    assert report["exit_code"] == 1 and report["passed"] is False
    [gate] = report["gates"]
    assert gate["status"] == "failed"
    assert {tool["name"]: tool["status"] for tool in gate["tools"]} == {
        "semgrep": "passed",
        "bandit": "passed",
    }
    found: dict[tuple[str, int], set[str]] = {}
    for finding in report["findings"]:
        found.setdefault((finding["path"], finding["start_line"]), set()).update(finding["cwe"])
    for place, cwes in planted_lines(project).items():
        assert place in found, f"nothing reported at {place[0]}:{place[1]}"
        assert cwes & found[place], f"{place}: expected one of {cwes}, got {found[place]}"


def test_both_tools_on_one_weakness_make_one_finding(planted_run: tuple) -> None:  # type: ignore[type-arg]
    report = planted_run[3]
    shell = [
        f
        for f in report["findings"]
        if f["path"] == "src/shop/views.py" and "CWE-78" in f["cwe"] and f["start_line"] == 18
    ]
    assert len(shell) == 1
    assert shell[0]["tools"] == ["bandit", "semgrep"]


def test_safe_code_has_no_high_findings(planted_run: tuple) -> None:  # type: ignore[type-arg]
    report = planted_run[3]
    safe = [
        f
        for f in report["findings"]
        if f["path"] == "src/shop/safe.py" and f["severity"] in ("critical", "high")
    ]
    assert safe == []


def test_unparseable_file_is_reported_not_dropped(planted_run: tuple) -> None:  # type: ignore[type-arg]
    report = planted_run[3]
    bandit = next(t for t in report["gates"][0]["tools"] if t["name"] == "bandit")
    assert any(entry.startswith("src/shop/broken.py:") for entry in bandit["skipped_files"])
    assert any("src/shop/broken.py" in warning for warning in report["warnings"])


def test_reports_validate_against_their_schemas(
    project: Path, tmp_path: Path, shared: Path
) -> None:
    out = tmp_path / "out"
    _, report = run_secpipe(project, out)

    jsonschema.Draft202012Validator(findings_json_schema()).validate(report)
    published = json.loads(
        (Path(__file__).parent.parent / "secpipe" / "schemas" / "findings.schema.json").read_text()
    )
    jsonschema.Draft202012Validator(published).validate(report)

    sarif_schema = json.loads((shared / "schemas" / "sarif-schema-2.1.0.json").read_text())
    sarif = json.loads((out / "findings.sarif").read_text())
    jsonschema.validators.validator_for(sarif_schema)(sarif_schema).validate(sarif)
    assert {run["tool"]["driver"]["name"] for run in sarif["runs"]} == {"semgrep", "bandit"}
    assert "requires login" not in (out / "findings.sarif").read_text()
    assert "| " in (out / "summary.md").read_text()


def test_blank_lines_above_change_no_fingerprint(
    project: Path,
    tmp_path: Path,
    planted_run: tuple,  # type: ignore[type-arg]
) -> None:
    before = planted_run[3]
    views = project / "src" / "shop" / "views.py"
    views.write_text("\n" * 10 + views.read_text())
    _, after = run_secpipe(project, tmp_path / "after")

    def prints(report: dict) -> dict[str, int]:  # type: ignore[type-arg]
        return {f["fingerprint"]: f["start_line"] for f in report["findings"]}

    assert set(prints(before)) == set(prints(after))
    moved = [
        fp
        for fp, line in prints(before).items()
        if next(f for f in before["findings"] if f["fingerprint"] == fp)["path"]
        == "src/shop/views.py"
    ]
    assert moved and all(prints(after)[fp] == prints(before)[fp] + 10 for fp in moved)


def test_exclude_glob_decides_what_is_scanned(
    project: Path,
    tmp_path: Path,
    planted_run: tuple,  # type: ignore[type-arg]
) -> None:
    assert any(f["path"] == "tests/test_helpers.py" for f in planted_run[3]["findings"])

    (project / "secpipe.yml").write_text(
        "version: 1\nstages:\n  commit:\n    gates: [sast]\ngates:\n  sast:\n    exclude: [tests]\n"
    )
    _, report = run_secpipe(project, tmp_path / "out2")
    assert not any(f["path"].startswith("tests/") for f in report["findings"])
    assert report["pipeline"] == str(project / "secpipe.yml")


def test_both_semgrep_command_lines_report_the_same_findings(project: Path, tmp_path: Path) -> None:
    # The compiled front end (the default) and the classic Python one run the same engine.
    found = {}
    for engine in ("native", "python"):
        (project / "secpipe.yml").write_text(
            "version: 1\nstages:\n  commit:\n    gates: [sast]\n"
            f"gates:\n  sast:\n    tools: [semgrep]\n    semgrep:\n      engine: {engine}\n"
        )
        _, report = run_secpipe(project, tmp_path / engine)
        found[engine] = report["findings"]

    assert len(found["native"]) >= 8
    assert found["native"] == found["python"]


def test_a_missing_scanner_is_a_gate_error_not_a_pass(project: Path, tmp_path: Path) -> None:
    (project / "secpipe.yml").write_text(
        "version: 1\nstages:\n  commit:\n    gates: [sast]\n"
        "gates:\n  sast:\n    tools: [bandit]\n    bandit:\n      path: /nonexistent/bandit\n"
    )
    code, report = run_secpipe(project, tmp_path / "out")
    assert code == 3
    assert report["gates"][0]["status"] == "error"
    assert "/nonexistent/bandit" in report["gates"][0]["tools"][0]["error"]


def test_a_hung_scanner_is_killed_and_errors(project: Path, tmp_path: Path) -> None:
    sleeper = tmp_path / "bandit"
    sleeper.write_text(
        '#!/bin/sh\n[ "$1" = --version ] && echo "bandit 1.9.4" && exit 0\nsleep 60\n'
    )
    sleeper.chmod(0o755)
    (project / "secpipe.yml").write_text(
        "version: 1\nstages:\n  commit:\n    gates: [sast]\n"
        f"gates:\n  sast:\n    tools: [bandit]\n    bandit:\n      path: {sleeper}\n"
        "      timeout: 2\n"
    )
    code, report = run_secpipe(project, tmp_path / "out")
    assert code == 3
    assert "timed out after 2 s" in report["gates"][0]["tools"][0]["error"]
