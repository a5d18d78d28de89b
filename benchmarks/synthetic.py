"""The synthetic benchmark: N findings normalized, deduplicated, judged and written.

    python benchmarks/synthetic.py COUNT SCRATCH_DIR RESULT_JSON

Writes a tree of source files (fingerprints read the flagged line), makes COUNT raw findings from
two tools (every other one a duplicate of the other tool's, so dedup has work), then times
normalize → judge (policy) → findings.json + SARIF. The result JSON holds the seconds, the step
times and the process's peak memory before and after the findings existed.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from secpipe._findings import Confidence, GateStatus, Severity, ToolRun  # noqa: E402
from secpipe._normalize import RawFinding, normalize  # noqa: E402
from secpipe._pipeline import load_builtin  # noqa: E402
from secpipe._runner import GateRecord, PolicyInputs, judge  # noqa: E402
from secpipe.reports import write_reports  # noqa: E402

#: Lines per generated file; findings are spread over them.
_LINES = 200

_SEVERITIES = (Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.CRITICAL)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_findings(root: Path, count: int) -> list[RawFinding]:
    """Write the files and return ``count`` raw findings, half of them cross-tool duplicates."""
    places = count // 2 + 1
    files = places // _LINES + 1
    for number in range(files):
        path = root / "src" / f"file_{number}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(f"value_{line} = run(data_{line})\n" for line in range(_LINES)))
    findings: list[RawFinding] = []
    for index in range(count):
        place = index // 2
        tool = "semgrep" if index % 2 == 0 else "bandit"
        findings.append(
            RawFinding(
                tool=tool,
                rule_id=f"{tool}.rule-{place % 40}",
                title=f"Weakness {place % 40}",
                message=f"Something unsafe happens here ({place}).",
                severity=_SEVERITIES[place % len(_SEVERITIES)],
                path=f"src/file_{place // _LINES}.py",
                start_line=place % _LINES + 1,
                end_line=place % _LINES + 1,
                confidence=Confidence.HIGH,
                cwe=(f"CWE-{78 + place % 40}",),
                weakness=f"class-{place % 40}",
            )
        )
    return findings


def main() -> int:
    """Generate, time each step, and write the result JSON."""
    count, scratch, result = int(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    root = scratch / "tree"
    raw = make_findings(root, count)
    loaded = load_builtin("default")
    baseline_mb = _peak_mb()
    steps: dict[str, float] = {}

    # The same three steps a real run takes after its tools: normalize, judge, write.
    started = time.monotonic()
    findings, _ = normalize(raw, gate="sast", root=root, tool_order=("semgrep", "bandit"))
    steps["normalize+dedup"] = time.monotonic() - started
    mark = time.monotonic()
    runs = (ToolRun(name="semgrep", status=GateStatus.PASSED, duration_s=0.0),)
    report = judge(
        loaded,
        str(root),
        [("commit", ["sast"])],
        {"sast": GateRecord(runs, tuple(findings))},
        [],
        PolicyInputs(baseline=None, waivers=(), today=date.today()),
        started_at=datetime.now(UTC),
        duration_s=0.0,
    )
    steps["judge"] = time.monotonic() - mark
    mark = time.monotonic()
    write_reports(report, scratch / "out", ["sarif"])
    steps["JSON+SARIF"] = time.monotonic() - mark
    seconds = time.monotonic() - started

    result.write_text(
        json.dumps(
            {
                "count": count,
                "unique": len(findings),
                "seconds": seconds,
                "steps": ", ".join(f"{name} {value:.2f} s" for name, value in steps.items()),
                "baseline_mb": baseline_mb,
                "peak_mb": _peak_mb(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
