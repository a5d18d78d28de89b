"""The subprocess helper, with tiny real children."""

from __future__ import annotations

import sys
import time

import pytest

from secpipe import _process


def test_captures_both_streams_and_the_exit_code() -> None:
    done = _process.run(
        [sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr); exit(3)"],
        timeout_s=30,
    )
    assert (done.returncode, done.stdout.strip(), done.stderr.strip()) == (3, "out", "err")
    assert "exited 3: err" in done.describe()


def test_missing_executable_is_an_ordinary_failure() -> None:
    with pytest.raises(_process.ProcessFailure, match="executable not found"):
        _process.run(["/nonexistent/scanner", "--version"], timeout_s=5)


def test_timeout_kills_the_whole_process_group() -> None:
    # The child starts a grandchild that would outlive a plain kill of the child.
    script = (
        "import subprocess, sys, time;"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']);"
        "time.sleep(60)"
    )
    started = time.monotonic()
    with pytest.raises(_process.ProcessFailure, match="timed out after 1 s"):
        _process.run([sys.executable, "-c", script], timeout_s=1)
    assert time.monotonic() - started < 20


def test_undecodable_output_does_not_crash() -> None:
    done = _process.run(
        [sys.executable, "-c", "import sys; sys.stdout.buffer.write(b'\\xff\\xfe ok')"],
        timeout_s=30,
    )
    assert done.stdout.endswith("ok")
