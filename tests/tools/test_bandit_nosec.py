"""bandit's own ``# nosec`` suppressions are counted, from a recorded real run (bandit 1.9.4).

The recorded project had one blanket ``# nosec`` and one ``# nosec B602`` on shell=True calls,
and one unsuppressed call; bandit reports the first in ``nosec`` and the second in
``skipped_tests``.
"""

from __future__ import annotations

import os
import stat
import sys
from datetime import UTC, datetime
from pathlib import Path

from secpipe._console import summary
from secpipe._findings import GateRun, GateStatus, Report, ToolRun
from secpipe._pipeline import BanditOptions
from secpipe.tools import BanditAdapter, ToolContext

COPYING_SCANNER = """\
import os, shutil, sys
args = sys.argv[1:]
shutil.copy(os.environ["FAKE_REPORT"], args[args.index("-o") + 1])
sys.exit(1)
"""


def test_nosec_comments_are_counted_as_suppressed(tmp_path: Path, assets: Path) -> None:
    script = tmp_path / "bandit"
    script.write_text(f"#!{sys.executable}\n{COPYING_SCANNER}")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    (tmp_path / "work").mkdir()
    context = ToolContext(
        root=tmp_path,
        files=("pkg/run.py",),
        executable=script,
        options=BanditOptions(),
        timeout_s=30,
        workdir=tmp_path / "work",
        env=dict(os.environ, FAKE_REPORT=str(assets / "recorded" / "bandit-1.9.4-nosec.json")),
    )

    output = BanditAdapter().run(context)

    assert output.suppressed == 2
    assert [(item.rule_id, item.start_line) for item in output.findings] == [
        ("B404", 1),
        ("B602", 7),
    ]


def test_summary_shows_suppressed_counts_per_tool() -> None:
    report = Report(
        secpipe_version="0.1.0",
        started_at=datetime(2026, 1, 1, tzinfo=UTC),
        duration_s=1.0,
        root="/r",
        pipeline="builtin:default",
        stages=("commit",),
        passed=True,
        exit_code=0,
        gates=(
            GateRun(
                name="sast",
                stage="commit",
                status=GateStatus.PASSED,
                findings=0,
                tools=(
                    ToolRun(
                        name="bandit",
                        version="1.9.4",
                        status=GateStatus.PASSED,
                        duration_s=1,
                        suppressed=2,
                    ),
                    ToolRun(name="semgrep", version="1", status=GateStatus.PASSED, duration_s=1),
                ),
            ),
        ),
        findings=(),
    )
    text = summary(report, [])
    assert "bandit 1.9.4 (2 suppressed inline), semgrep 1" in text
