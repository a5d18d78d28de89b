"""Waivers: parsing with line numbers, matching, expiry, staleness and the horizon.

"today" is always passed in, so these tests do not depend on the real date.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from secpipe import _waivers
from secpipe._errors import InvalidInputError
from secpipe._findings import Finding, FindingStatus, Severity
from secpipe._pipeline import load_pipeline

TODAY = date(2026, 6, 1)

GOOD = """\
version: 1
waivers:
  - rule: B602
    path: src/legacy/**
    reason: inputs are constants
    owner: team-a
    expires: 2026-08-01
  - fingerprint: fp-other
    reason: false positive
    owner: bob
    expires: 2026-06-10
"""


def finding(fingerprint: str, path: str = "src/legacy/run.py", rule: str = "B602") -> Finding:
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
        start_line=3,
        end_line=3,
    )


def load(tmp_path: Path, text: str, today: date = TODAY) -> list[_waivers.LoadedWaiver]:
    path = tmp_path / "secpipe-waivers.yml"
    path.write_text(text)
    return _waivers.load_file(path, today=today, max_days=90)


def test_entries_keep_their_line(tmp_path: Path) -> None:
    waivers = load(tmp_path, GOOD)
    assert [item.line for item in waivers] == [3, 8]
    assert waivers[0].where.endswith("secpipe-waivers.yml:3")
    assert waivers[0].waiver.expires == date(2026, 8, 1)


def test_rule_and_glob_or_fingerprint_match(tmp_path: Path) -> None:
    waivers = load(tmp_path, GOOD)
    findings = [
        finding("fp1"),
        finding("fp2", path="src/new/run.py"),
        finding("fp3", rule="B603"),
        finding("fp-other", path="x.py", rule="B101"),
    ]
    outcome = _waivers.apply(findings, waivers, today=TODAY)
    assert [item.status for item in outcome.findings] == [
        FindingStatus.WAIVED,
        FindingStatus.NEW,
        FindingStatus.NEW,
        FindingStatus.WAIVED,
    ]
    assert outcome.violations == []


def test_expired_waiver_stops_applying_and_is_a_violation(tmp_path: Path) -> None:
    waivers = load(tmp_path, GOOD)
    outcome = _waivers.apply([finding("fp1")], waivers, today=date(2026, 8, 2))
    assert outcome.findings[0].status is FindingStatus.NEW
    [violation] = [v for v in outcome.violations if "B602" in v.message]
    assert violation.rule == "waiver-expired"
    assert "secpipe-waivers.yml:3: waiver for rule B602 in src/legacy/** (owner team-a)" in (
        violation.message
    )
    assert "expired on 2026-08-01" in violation.message
    assert violation.fingerprints == ("fp1",)


def test_last_day_still_applies(tmp_path: Path) -> None:
    outcome = _waivers.apply([finding("fp1")], load(tmp_path, GOOD), today=date(2026, 8, 1))
    assert outcome.findings[0].status is FindingStatus.WAIVED
    assert "expires on 2026-08-01 (in 0 days)" in " ".join(outcome.warnings)


def test_expiring_soon_and_stale_are_warnings(tmp_path: Path) -> None:
    outcome = _waivers.apply([finding("fp1")], load(tmp_path, GOOD), today=TODAY)
    warnings = "\n".join(outcome.warnings)
    # The fingerprint waiver ends in 9 days and matches nothing; the rule waiver is fine.
    assert "secpipe-waivers.yml:8: waiver for fingerprint fp-other (owner bob) expires on " in (
        warnings
    )
    assert "(in 9 days)" in warnings
    assert "secpipe-waivers.yml:8: stale waiver for fingerprint fp-other" in warnings
    assert "B602" not in warnings
    assert all(line.startswith("policy: ") for line in outcome.warnings)


def test_expiry_beyond_the_horizon_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as caught:
        load(tmp_path, GOOD, today=date(2026, 1, 1))
    message = str(caught.value)
    assert "secpipe-waivers.yml:7:14: waivers[0].expires: 2026-08-01 is more than 90 days" in (
        message
    )
    assert "pick a date on or before 2026-04-01" in message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "version: 1\nwaivers:\n  - rule: B602\n    path: a.py\n    owner: me\n"
            "    expires: 2026-07-01\n",
            ":3:5: waivers[0].reason: required setting is missing",
        ),
        (
            "version: 1\nwaivers:\n  - rule: B602\n    path: a.py\n    reason: r\n"
            "    expires: 2026-07-01\n",
            ":3:5: waivers[0].owner: required setting is missing",
        ),
        (
            "version: 1\nwaivers:\n  - rule: B602\n    path: a.py\n    reason: r\n    owner: me\n",
            ":3:5: waivers[0].expires: required setting is missing",
        ),
        (
            "version: 1\nwaivers:\n  - rule: B602\n    path: a.py\n    reason: r\n    owner: me\n"
            "    expires: soon\n",
            ":7:14: waivers[0].expires:",
        ),
        (
            "version: 1\nwaivers:\n  - rule: B602\n    reason: r\n    owner: me\n"
            "    expires: 2026-07-01\n",
            "waivers[0]: a waiver needs 'fingerprint', or both 'rule' and 'path'",
        ),
        (
            "version: 1\nwaivers:\n  - fingerprint: abc\n    rule: B602\n    reason: r\n"
            "    owner: me\n    expires: 2026-07-01\n",
            "give either 'fingerprint' or 'rule' with 'path', not both",
        ),
        (
            "version: 1\nwaivers:\n  - fingerprint: abc\n    reason: r\n    owner: me\n"
            "    expires: 2026-07-01\n    ticket: X-1\n",
            ":7:5: waivers[0]: unknown key 'ticket' (allowed: fingerprint, rule, path",
        ),
        ("waivers: [\n", "not valid YAML"),
        ("- a\n", ":1:1: expected a mapping with 'version' and 'waivers'"),
    ],
)
def test_bad_waivers_are_one_line_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        load(tmp_path, text)
    assert message in str(caught.value)
    assert str(caught.value).startswith(str(tmp_path / "secpipe-waivers.yml"))
    assert "\n" not in str(caught.value)


def test_pipeline_section_and_default_file_are_both_read(tmp_path: Path) -> None:
    pipeline = tmp_path / "secpipe.yml"
    pipeline.write_text(
        "version: 1\nstages:\n  commit:\n    gates: [sast]\npolicy:\n  waiver_max_days: 30\n"
        "waivers:\n  - fingerprint: fp9\n    reason: r\n    owner: me\n    expires: 2026-06-20\n"
    )
    (tmp_path / "secpipe-waivers.yml").write_text(GOOD.split("  - fingerprint")[0])
    loaded = load_pipeline(pipeline)
    with pytest.raises(InvalidInputError, match="more than 30 days ahead"):
        _waivers.load_all(tmp_path, loaded, None, today=TODAY)
    waivers = _waivers.load_all(tmp_path, loaded, None, today=date(2026, 7, 5))
    assert [(item.where.rsplit("/", 1)[-1]) for item in waivers] == [
        "secpipe.yml:8",
        "secpipe-waivers.yml:3",
    ]


def test_explicit_waivers_file_must_exist(tmp_path: Path) -> None:
    pipeline = tmp_path / "secpipe.yml"
    pipeline.write_text("version: 1\nstages:\n  commit:\n    gates: [sast]\n")
    with pytest.raises(InvalidInputError, match=r"nope\.yml: waivers file not found"):
        _waivers.load_all(tmp_path, load_pipeline(pipeline), tmp_path / "nope.yml", today=TODAY)
