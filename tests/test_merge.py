"""Merging shards offline: validation, refusal of mixed pipelines, and re-derived statuses."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from secpipe._cli import main
from secpipe._findings import (
    Finding,
    FindingStatus,
    GateRun,
    GateStatus,
    Report,
    Severity,
    ToolRun,
)

PIPELINE = """\
version: 1
stages:
  commit:
    gates: [secrets, sast]
policy:
  fail_on: high
"""


def finding(fingerprint: str, gate: str, severity: Severity, status: FindingStatus) -> Finding:
    return Finding(
        fingerprint=fingerprint,
        gate=gate,
        tool="bandit",
        tools=("bandit",),
        rule_id=f"{gate}-rule",
        title="t",
        message="m",
        severity=severity,
        path="a.py",
        start_line=1,
        end_line=1,
        status=status,
    )


def shard(pipeline: str, gate: str, *findings: Finding, warnings: tuple[str, ...] = ()) -> str:
    report = Report(
        secpipe_version="0.1.0",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        duration_s=2.0,
        root="/ci/project",
        pipeline=pipeline,
        stages=("commit",),
        passed=True,
        exit_code=0,
        gates=(
            GateRun(
                name=gate,
                stage="commit",
                status=GateStatus.PASSED,
                findings=len(findings),
                tools=(ToolRun(name="bandit", status=GateStatus.PASSED, duration_s=1.0),),
            ),
        ),
        findings=findings,
        warnings=warnings,
    )
    return report.model_dump_json()


@pytest.fixture
def pipeline(tmp_path: Path) -> Path:
    path = tmp_path / "secpipe.yml"
    path.write_text(PIPELINE)
    return path


def test_statuses_are_re_derived_over_the_union(
    tmp_path: Path, pipeline: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Shard a says its high finding was waived (a shard-local waiver that no longer exists).
    a = tmp_path / "a.json"
    a.write_text(
        shard(
            str(pipeline),
            "sast",
            finding("fp1", "sast", Severity.HIGH, FindingStatus.WAIVED),
            warnings=("policy: old.yml:3: stale waiver", "bandit could not scan x.py"),
        )
    )
    b = tmp_path / "b.json"
    same = finding("fp2", "secrets", Severity.LOW, FindingStatus.NEW)
    b.write_text(shard(str(pipeline), "secrets", same, same))
    out = tmp_path / "out"

    code = main(["merge", str(a), str(b), "--root", str(tmp_path), "--output-dir", str(out)])

    assert code == 1
    merged = json.loads((out / "findings.json").read_text())
    assert [(item["fingerprint"], item["status"]) for item in merged["findings"]] == [
        ("fp1", "new"),
        ("fp2", "new"),
    ]
    assert [(gate["name"], gate["status"]) for gate in merged["gates"]] == [
        ("secrets", "passed"),
        ("sast", "failed"),
    ]
    assert merged["warnings"] == ["bandit could not scan x.py"]
    assert "a.py:1: high sast-rule" in capsys.readouterr().out


def test_shards_of_different_pipelines_are_refused(
    tmp_path: Path, pipeline: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.json").write_text(shard(str(pipeline), "sast"))
    (tmp_path / "b.json").write_text(shard("builtin:strict", "secrets"))
    code = main(["merge", str(tmp_path / "a.json"), str(tmp_path / "b.json")])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"secpipe: error: {tmp_path / 'b.json'}: produced with pipeline")
    assert err.count("\n") == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"kind": "secpipe-baseline"}', "not a secpipe findings.json"),
        ('{"schema_version": "9.0", "findings": []}', "schema_version '9.0' is incompatible"),
        ("not json", "not JSON"),
    ],
)
def test_bad_shards_are_exit_2_naming_the_file(
    tmp_path: Path, content: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    assert main(["merge", str(bad), "--output-dir", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"secpipe: error: {bad}")
    assert message in err
    assert not (tmp_path / "out").exists()


def test_a_shard_whose_gate_the_pipeline_lacks_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other.yml"
    other.write_text("version: 1\nstages:\n  build:\n    gates: [sast]\n")
    (tmp_path / "a.json").write_text(shard(str(other), "sast"))
    assert main(["merge", str(tmp_path / "a.json")]) == 2
    assert "the shards ran sast/commit, which" in capsys.readouterr().err


def test_run_with_a_bad_baseline_or_waiver_stops_before_any_tool(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    bad = tmp_path / "base.json"
    bad.write_text('{"hello": 1}')
    out = tmp_path / "out"
    assert main(["run", str(tmp_path), "--baseline", str(bad), "--output-dir", str(out)]) == 2
    assert f"{bad}: not a secpipe baseline or findings.json" in capsys.readouterr().err
    waivers = tmp_path / "w.yml"
    waivers.write_text("version: 1\nwaivers:\n  - fingerprint: abc\n    owner: me\n")
    assert main(["run", str(tmp_path), "--waivers", str(waivers), "--output-dir", str(out)]) == 2
    assert f"{waivers}:3:5: waivers[0].reason: required setting is missing" in (
        capsys.readouterr().err
    )
    assert not out.exists()
