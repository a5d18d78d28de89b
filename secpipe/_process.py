"""The one helper every child process goes through.

It takes an argument list (never a shell), starts the child in a process group of its own so a
timeout or Ctrl-C kills the whole tree, captures both streams, and reports a missing executable
or a timeout as an ordinary outcome the caller turns into a gate error.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

#: Children still running, so that Ctrl-C in the main thread can kill them all.
_RUNNING: set[subprocess.Popen[bytes]] = set()


@dataclass(frozen=True)
class Completed:
    """A child process that ran to its end (whatever its exit code)."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    duration_s: float

    def describe(self) -> str:
        """One line naming the command, its exit code and the last line it printed."""
        last = _last_line(self.stderr) or _last_line(self.stdout) or "no output"
        return f"`{' '.join(self.argv[:3])} …` exited {self.returncode}: {last}"


class ProcessFailure(Exception):
    """The child could not start or did not finish; the message says which and why."""

    def __init__(self, argv: Sequence[str], reason: str, stdout: str = "", stderr: str = ""):
        """Record what was run, why it failed and whatever it printed before."""
        super().__init__(reason)
        self.argv = tuple(argv)
        self.reason = reason
        self.stdout = stdout
        self.stderr = stderr


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    timeout_s: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
) -> Completed:
    """Run ``argv`` to completion within ``timeout_s`` seconds and capture its output.

    The exit code is not judged here: each tool adapter knows what its tool's codes mean.
    Raises ProcessFailure when the executable is missing or the timeout passes (the whole process
    group is killed first).
    """
    args = [os.fspath(part) for part in argv]
    logger.debug("running %s", " ".join(args))
    started = time.monotonic()

    # A new session makes the child a group leader, so killpg reaches its own children too.
    try:
        child = subprocess.Popen(
            args,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise ProcessFailure(args, f"executable not found: {args[0]}") from None
    except PermissionError:
        raise ProcessFailure(args, f"executable is not runnable: {args[0]}") from None

    _RUNNING.add(child)
    try:
        stdout_bytes, stderr_bytes = child.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(child)
        stdout_bytes, stderr_bytes = child.communicate()
        raise ProcessFailure(
            args,
            f"timed out after {timeout_s:g} s and was killed",
            _decode(stdout_bytes),
            _decode(stderr_bytes),
        ) from None
    finally:
        _RUNNING.discard(child)

    completed = Completed(
        argv=tuple(args),
        returncode=child.returncode,
        stdout=_decode(stdout_bytes),
        stderr=_decode(stderr_bytes),
        duration_s=time.monotonic() - started,
    )
    # Raw tool output stays below the default level: it can be long, and only -v shows it.
    logger.debug("%s exited %d after %.2f s", args[0], child.returncode, completed.duration_s)
    return completed


def kill_all() -> None:
    """Kill every child still running (used on Ctrl-C)."""
    for child in list(_RUNNING):
        _kill_group(child)


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        child.kill()


def _decode(data: bytes | None) -> str:
    return (data or b"").decode("utf-8", errors="replace")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else ""
