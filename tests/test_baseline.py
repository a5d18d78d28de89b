"""Baseline files: stable, reviewable output, and clear errors for anything that is not one."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from secpipe import _baseline
from secpipe._errors import InvalidInputError
from secpipe._findings import Finding, FindingStatus, Report, Severity


def finding(fingerprint: str, path: str = "a.py", rule: str = "B602") -> Finding:
    return Finding(
        fingerprint=fingerprint,
        gate="sast",
        tool="bandit",
        tools=("bandit",),
        rule_id=rule,
        title="t",
        message="m",
        severity=Severity.HIGH,
        path=path,
        start_line=1,
        end_line=1,
    )


def report(*findings: Finding) -> Report:
    return Report(
        secpipe_version="0.1.0",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        duration_s=1.0,
        root="/r",
        pipeline="builtin:default",
        stages=("commit",),
        passed=True,
        exit_code=0,
        gates=(),
        findings=findings,
    )


def test_render_is_sorted_one_per_line_whatever_the_input_order() -> None:
    items = [finding("f3", "b.py"), finding("f1", "a.py", "B603"), finding("f2", "a.py")]
    text = _baseline.render(items)
    assert text == _baseline.render(list(reversed(items)))
    lines = text.splitlines()
    assert lines[1] == '  "kind": "secpipe-baseline",'
    entries = [line for line in lines if '"fingerprint"' in line]
    assert [json.loads(line.rstrip(","))["fingerprint"] for line in entries] == ["f2", "f1", "f3"]
    assert json.loads(entries[0].rstrip(",")) == {
        "fingerprint": "f2",
        "rule_id": "B602",
        "path": "a.py",
        "severity": "high",
    }


def test_write_then_read_round_trips(tmp_path: Path) -> None:
    target = tmp_path / ".secpipe" / "baseline.json"
    _baseline.write([finding("f1"), finding("f2")], target)
    assert _baseline.read(target).fingerprints == {"f1", "f2"}
    _baseline.write([], target)
    assert _baseline.read(target).fingerprints == frozenset()


def test_a_findings_json_is_accepted_as_a_baseline(tmp_path: Path) -> None:
    path = tmp_path / "findings.json"
    path.write_text(report(finding("f1"), finding("f9")).model_dump_json())
    assert _baseline.read(path).fingerprints == {"f1", "f9"}


def test_mark_sets_baseline_and_new() -> None:
    known = _baseline.Baseline(fingerprints=frozenset({"f1"}), source="b.json")
    marked = _baseline.mark([finding("f1"), finding("f2")], known)
    assert [item.status for item in marked] == [FindingStatus.BASELINE, FindingStatus.NEW]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[1, 2]", "not a secpipe baseline or findings.json"),
        ('{"hello": 1}', "not a secpipe baseline or findings.json"),
        ("{nope", ":1:2: not JSON"),
        (
            '{"kind": "secpipe-baseline", "schema_version": 7, "fingerprint_version": "v1", '
            '"findings": []}',
            "baseline schema_version 7 is not supported",
        ),
        (
            '{"kind": "secpipe-baseline", "schema_version": 1, "fingerprint_version": "v0", '
            '"findings": []}',
            "fingerprints are of version 'v0'",
        ),
        (
            '{"schema_version": "2.0", "secpipe_version": "9", "findings": []}',
            "schema_version '2.0' is incompatible",
        ),
        (
            '{"schema_version": "1.0", "secpipe_version": "9", "findings": []}',
            "not a valid secpipe findings.json",
        ),
    ],
)
def test_bad_baselines_are_one_line_errors_naming_the_file(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "base.json"
    path.write_text(content)
    with pytest.raises(InvalidInputError, match=message) as caught:
        _baseline.read(path)
    assert str(caught.value).startswith(str(path))
    assert "\n" not in str(caught.value)


def test_missing_baseline_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match=r"nope\.json: file not found"):
        _baseline.read(tmp_path / "nope.json")
