"""Normalization: repository-relative paths, cross-tool deduplication, stable fingerprints."""

from __future__ import annotations

from pathlib import Path

from secpipe._findings import Severity
from secpipe._normalize import RawFinding, normalize

SOURCE = """\
import subprocess


def ping(host):
    return subprocess.check_output(f"ping {host}", shell=True)


def ping_again(host):
    return subprocess.check_output(f"ping {host}", shell=True)
"""


def raw(tool: str, line: int, **changes: object) -> RawFinding:
    values: dict[str, object] = {
        "tool": tool,
        "rule_id": f"{tool}-rule",
        "title": "Shell injection",
        "message": "shell=True",
        "severity": Severity.HIGH,
        "path": "./app.py",
        "start_line": line,
        "end_line": line,
        "cwe": ("CWE-78",),
        "weakness": "injection",
    }
    values.update(changes)
    return RawFinding(**values)  # type: ignore[arg-type]


def test_same_weakness_from_two_tools_is_one_finding(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SOURCE)
    findings, warnings = normalize(
        [raw("semgrep", 5), raw("bandit", 5, severity=Severity.MEDIUM)], gate="sast", root=tmp_path
    )
    assert warnings == []
    assert len(findings) == 1
    assert findings[0].tools == ("bandit", "semgrep")
    assert findings[0].severity is Severity.HIGH
    assert findings[0].path == "app.py"


def test_merge_by_class_even_when_cwes_differ(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SOURCE)
    findings, _ = normalize(
        [
            raw("semgrep", 5, cwe=("CWE-502",), weakness="deserialization"),
            raw("bandit", 5, cwe=("CWE-20",), weakness="deserialization"),
        ],
        gate="sast",
        root=tmp_path,
    )
    assert len(findings) == 1
    assert findings[0].cwe == ("CWE-20", "CWE-502")


def test_two_weaknesses_on_one_line_stay_two(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SOURCE)
    findings, _ = normalize(
        [raw("semgrep", 5), raw("bandit", 5, cwe=("CWE-327",), weakness="crypto")],
        gate="sast",
        root=tmp_path,
    )
    assert len(findings) == 2


def test_same_weakness_at_two_places_gets_two_fingerprints(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SOURCE)
    findings, _ = normalize([raw("semgrep", 5), raw("semgrep", 9)], gate="sast", root=tmp_path)
    assert len({finding.fingerprint for finding in findings}) == 2


def test_fingerprints_survive_lines_added_above(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SOURCE)
    before, _ = normalize([raw("semgrep", 5), raw("semgrep", 9)], gate="sast", root=tmp_path)
    (tmp_path / "app.py").write_text("\n" * 10 + SOURCE)
    after, _ = normalize([raw("semgrep", 15), raw("semgrep", 19)], gate="sast", root=tmp_path)
    assert [f.fingerprint for f in before] == [f.fingerprint for f in after]
    assert [f.start_line for f in after] == [15, 19]


def test_fingerprint_does_not_depend_on_which_tools_ran(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SOURCE)
    both, _ = normalize([raw("semgrep", 5), raw("bandit", 5)], gate="sast", root=tmp_path)
    alone, _ = normalize([raw("bandit", 5)], gate="sast", root=tmp_path)
    assert both[0].fingerprint == alone[0].fingerprint


def test_paths_outside_the_root_are_dropped_with_a_warning(tmp_path: Path) -> None:
    findings, warnings = normalize(
        [raw("semgrep", 1, path="/etc/passwd")], gate="sast", root=tmp_path
    )
    assert findings == []
    assert warnings == ["semgrep: dropped a finding outside the scanned root: /etc/passwd"]


def test_the_gate_s_preferred_tool_words_a_merged_finding(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SOURCE)
    reports = [raw("semgrep", 5, title="From semgrep"), raw("bandit", 5, title="From bandit")]
    first, _ = normalize(reports, gate="sast", root=tmp_path, tool_order=("semgrep", "bandit"))
    second, _ = normalize(reports, gate="sast", root=tmp_path, tool_order=("bandit", "semgrep"))
    assert (first[0].title, second[0].title) == ("From semgrep", "From bandit")
    assert first[0].fingerprint == second[0].fingerprint
