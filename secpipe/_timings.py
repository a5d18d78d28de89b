"""Where a run's CPU time goes: the CPU seconds of each phase, for the benchmark harness.

Each phase is timed with ``time.thread_time`` in the thread that does the work, so phases that
run side by side in different threads add up, and a thread that only waits for a scanner costs
nothing. A phase timed inside another counts for itself only (the outer one's figure excludes
it), so the figures never count a second twice.

``secpipe run`` writes the totals as JSON to the file that ``SECPIPE_TIMINGS`` names, together
with the process's whole CPU time; without that variable nothing is written. The figures are
for measuring secpipe, not part of any report.
"""

from __future__ import annotations

import json
import os
import resource
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import ParamSpec, TypeVar

#: The environment variable naming the file the timings are written to.
TIMINGS_ENV_VAR = "SECPIPE_TIMINGS"

_totals: defaultdict[str, float] = defaultdict(float)
_lock = threading.Lock()
_active = threading.local()

_P = ParamSpec("_P")
_R = TypeVar("_R")


@contextmanager
def phase(name: str) -> Iterator[None]:
    """Add the CPU time of the block, less that of phases inside it, to the phase ``name``."""
    stack: list[list[float]] = getattr(_active, "stack", None) or []
    _active.stack = stack
    frame = [time.thread_time(), 0.0]  # start, CPU of the phases nested inside
    stack.append(frame)
    try:
        yield
    finally:
        stack.pop()
        spent = time.thread_time() - frame[0]
        if stack:
            stack[-1][1] += spent
        with _lock:
            _totals[name] += spent - frame[1]


def timed(name: str) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Decorate a function so that each call counts as the phase ``name``."""

    def decorate(function: Callable[_P, _R]) -> Callable[_P, _R]:
        @wraps(function)
        def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            with phase(name):
                return function(*args, **kwargs)

        return wrapper

    return decorate


def snapshot() -> dict[str, float]:
    """The totals so far, by phase, in CPU seconds."""
    with _lock:
        return dict(_totals)


def write_if_requested() -> None:
    """Write the totals and the process's CPU time where ``SECPIPE_TIMINGS`` says, if set."""
    target = os.environ.get(TIMINGS_ENV_VAR, "").strip()
    if not target:
        return
    usage = resource.getrusage(resource.RUSAGE_SELF)
    data = {"process_cpu_s": usage.ru_utime + usage.ru_stime, "phases": snapshot()}
    Path(target).write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
