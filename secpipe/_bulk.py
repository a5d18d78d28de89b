"""Pausing Python's cycle collector while secpipe builds many small, acyclic objects.

Normalizing, judging and writing 100,000 findings creates millions of short-lived dicts, tuples
and models. None of them form reference cycles, yet each allocation burst makes the cycle
collector walk every live object again, which costs more than the work itself. Inside
``collector_paused()`` the collector is off; plain reference counting still frees everything at
once, so memory stays proportional to the findings, and any cycle made meanwhile is collected
as soon as the last paused section ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: Objects left in the youngest generation by a block, above which they are frozen at its end.
BULK_OBJECTS = 50_000

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Turn the cycle collector off for the block; nested and concurrent blocks are safe.

    Gates normalize on several threads at once, so the collector is switched back on only when
    the last open block (on any thread) ends, and only if it was on before the first began.
    """
    global _depth, _was_enabled

    # The first block to open remembers whether the collector was on, and turns it off.
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        # The last block to close restores what it found.
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                # Everything made meanwhile sits in the youngest generation, and the first
                # collection after this would walk all of it (a tenth of a second for 100,000
                # findings) only to keep it. After a bulk of work, freezing moves it out of the
                # collector's sight instead; reference counting still frees it. A cycle made
                # in the block then lives until the process ends: fine for a command-line run.
                if gc.get_count()[0] >= BULK_OBJECTS:
                    gc.freeze()
                gc.enable()
