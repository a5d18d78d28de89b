"""How many scanner processes run at once, and which waiting one starts first.

A run on two cores starts about two scanners at a time. When a slot frees up, a tool that is
slow to start (checkov spends seconds importing before it checks anything) goes before the
others: started last, it would be the one the whole run waits for at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class Slots:
    """A counting limit whose waiters marked ``first`` are served before the others."""

    def __init__(self, count: int) -> None:
        self._free = max(1, count)
        self._waiting_first = 0
        self._condition = threading.Condition()

    @contextmanager
    def take(self, *, first: bool = False) -> Iterator[None]:
        """Hold one slot for the block; ``first`` jumps ahead of every other waiter."""
        with self._condition:
            if first:
                self._waiting_first += 1
            try:
                while self._free == 0 or (not first and self._waiting_first):
                    self._condition.wait()
            finally:
                if first:
                    self._waiting_first -= 1
            self._free -= 1
        try:
            yield
        finally:
            with self._condition:
                self._free += 1
                self._condition.notify_all()
