"""Baselines, waivers and merging end to end, with the real scanners, as a user runs secpipe.

Dates in waivers are relative to the real date, so the files are "in a month" and "yesterday"
whatever day the tests run (the unit tests in test_waivers.py inject a fixed date instead).
"""

from __future__ import annotations

import json
import secrets
import shutil
import string
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from secpipe._cli import main

pytestmark = pytest.mark.scanners

NEW_ONLY = """\
version: 1
stages:
  commit:
    gates: [sast]
policy:
  fail_on: high
  new_only: true
"""

SHARDED = """\
version: 1
stages:
  commit:
    gates: [secrets, sast]
policy:
  fail_on: medium
  max_new: 3
"""


def findings_json(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "findings.json").read_text())
    return data


@pytest.fixture
def planted(tmp_path: Path, assets: Path) -> Path:
    target = tmp_path / "project"
    shutil.copytree(assets / "projects" / "planted", target)
    return target


def test_baseline_then_only_a_new_weakness_fails(
    tmp_path: Path, planted: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline = tmp_path / "secpipe.yml"
    pipeline.write_text(NEW_ONLY)
    base = ["--pipeline", str(pipeline)]

    # Record the baseline where it is committed by default: PATH/.secpipe/baseline.json.
    assert main(["baseline", str(planted), *base, "-q"]) == 0
    baseline = planted / ".secpipe" / "baseline.json"
    recorded = json.loads(baseline.read_text())
    assert recorded["kind"] == "secpipe-baseline" and len(recorded["findings"]) >= 8
    capsys.readouterr()

    # The same tree against its baseline passes, every finding marked "baseline".
    out = tmp_path / "out"
    args = ["run", str(planted), *base, "--baseline", str(baseline), "-q"]
    assert main([*args, "--output-dir", str(out)]) == 0
    assert {item["status"] for item in findings_json(out)["findings"]} == {"baseline"}
    # An earlier findings.json works as a baseline too.
    shutil.copy(out / "findings.json", tmp_path / "earlier.json")

    # One new weakness fails the run, and only it is named.
    with (planted / "src" / "shop" / "views.py").open("a") as stream:
        stream.write("\n\ndef backup(cmd):\n    return subprocess.call(cmd, shell=True)\n")
    new_line = len((planted / "src" / "shop" / "views.py").read_text().splitlines())
    capsys.readouterr()
    for known in (baseline, tmp_path / "earlier.json"):
        args = ["run", str(planted), *base, "--baseline", str(known), "-q"]
        assert main([*args, "--output-dir", str(out)]) == 1
        report = findings_json(out)
        new = [item for item in report["findings"] if item["status"] == "new"]
        assert [(item["path"], item["start_line"]) for item in new] == [
            ("src/shop/views.py", new_line)
        ]
        assert [violation["fingerprints"] for violation in report["violations"]] == [
            [new[0]["fingerprint"]]
        ]
        assert f"src/shop/views.py:{new_line}: high" in capsys.readouterr().out


@pytest.fixture
def one_high(tmp_path: Path) -> tuple[Path, Path]:
    project = tmp_path / "small"
    (project / "app").mkdir(parents=True)
    (project / "app" / "run.py").write_text(
        "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
    )
    pipeline = tmp_path / "secpipe.yml"
    pipeline.write_text(NEW_ONLY)
    return project, pipeline


def write_waiver(project: Path, expires: datetime) -> Path:
    path = project / "secpipe-waivers.yml"
    path.write_text(
        "version: 1\n"
        "waivers:\n"
        "  # The command comes from our own deploy config, never from a user.\n"
        "  - rule: python.injection.subprocess-shell-true\n"
        "    path: app/**\n"
        "    reason: cmd is a constant from deploy config\n"
        "    owner: platform-team\n"
        f"    expires: {expires.date().isoformat()}\n"
    )
    return path


def test_a_waiver_passes_the_run_and_shows_in_every_report(
    tmp_path: Path, one_high: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    project, pipeline = one_high
    write_waiver(project, datetime.now(UTC) + timedelta(days=30))
    out = tmp_path / "out"

    argv = ["run", str(project), "--pipeline", str(pipeline), "--output-dir", str(out)]
    code = main([*argv, "--format", "sarif,markdown"])

    assert code == 0
    high = [item for item in findings_json(out)["findings"] if item["severity"] == "high"]
    assert [item["status"] for item in high] == ["waived"]
    sarif = json.loads((out / "findings.sarif").read_text())
    suppressed = [result for result in sarif["runs"][0]["results"] if result.get("suppressions")]
    assert len(suppressed) == 1 and suppressed[0]["locations"]
    assert "| waived |" in (out / "summary.md").read_text()
    assert "[waived]" in capsys.readouterr().out


def test_an_expired_waiver_fails_the_run_and_is_named(
    tmp_path: Path, one_high: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    project, pipeline = one_high
    waivers = write_waiver(project, datetime.now(UTC) - timedelta(days=1))
    out = tmp_path / "out"

    code = main(["run", str(project), "--pipeline", str(pipeline), "--output-dir", str(out)])

    assert code == 1
    report = findings_json(out)
    assert {item["status"] for item in report["findings"]} == {"new"}
    expired = [item for item in report["violations"] if item["rule"] == "waiver-expired"]
    assert len(expired) == 1
    assert expired[0]["message"].startswith(
        f"{waivers}:4: waiver for rule python.injection.subprocess-shell-true in app/** "
        "(owner platform-team) expired on "
    )
    assert f"{waivers}:4: waiver for rule" in capsys.readouterr().out


def test_merged_gate_shards_equal_one_whole_run(tmp_path: Path, planted: Path) -> None:
    # A made-up credential, so the secrets shard has a finding of its own.
    token = "ghp_" + "".join(
        secrets.choice(string.ascii_letters + string.digits) for _ in range(36)
    )
    (planted / "src" / "shop" / "settings.py").write_text(f'GITHUB_TOKEN = "{token}"\n')
    pipeline = tmp_path / "secpipe.yml"
    pipeline.write_text(SHARDED)

    def run(out: str, *selection: str) -> int:
        argv = ["run", str(planted), "--pipeline", str(pipeline), *selection, "-q"]
        return main([*argv, "--output-dir", str(tmp_path / out)])

    whole = run("whole")
    run("shard-secrets", "--gate", "secrets")
    run("shard-sast", "--gate", "sast")
    shards = [str(tmp_path / name / "findings.json") for name in ("shard-secrets", "shard-sast")]
    options = ["--pipeline", str(pipeline), "--root", str(planted), "-q"]
    merged = main(["merge", *shards, *options, "--output-dir", str(tmp_path / "merged")])

    one = findings_json(tmp_path / "whole")
    union = findings_json(tmp_path / "merged")
    assert {item["gate"] for item in one["findings"]} == {"secrets", "sast"}
    assert union["findings"] == one["findings"]
    assert union["violations"] == one["violations"]
    assert any(item["rule"] == "max_new" for item in one["violations"])
    assert (merged, union["exit_code"]) == (whole, one["exit_code"]) == (1, 1)
    assert [(g["stage"], g["name"], g["status"]) for g in union["gates"]] == [
        (g["stage"], g["name"], g["status"]) for g in one["gates"]
    ]
    assert token not in (tmp_path / "merged" / "findings.json").read_text()
