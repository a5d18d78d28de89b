"""The scanner slots: never more holders than slots, and slow starters served first."""

from __future__ import annotations

import threading
import time

from secpipe._slots import Slots


def test_a_waiting_slow_starter_gets_the_next_free_slot() -> None:
    slots = Slots(1)
    order: list[str] = []
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with slots.take():
            holding.set()
            release.wait(5)

    def wait_for_slot(name: str, first: bool) -> None:
        with slots.take(first=first):
            order.append(name)

    holder = threading.Thread(target=hold)
    holder.start()
    holding.wait(5)

    # An ordinary tool queues first, the slow starter after it; the slow starter still wins.
    ordinary = threading.Thread(target=wait_for_slot, args=("ordinary", False))
    ordinary.start()
    time.sleep(0.1)
    slow = threading.Thread(target=wait_for_slot, args=("slow", True))
    slow.start()
    time.sleep(0.1)
    release.set()
    for thread in (holder, ordinary, slow):
        thread.join(5)

    assert order == ["slow", "ordinary"]


def test_never_more_holders_than_slots() -> None:
    slots = Slots(2)
    lock = threading.Lock()
    holders = 0
    most = 0

    def work(first: bool) -> None:
        nonlocal holders, most
        with slots.take(first=first):
            with lock:
                holders += 1
                most = max(most, holders)
            time.sleep(0.02)
            with lock:
                holders -= 1

    threads = [threading.Thread(target=work, args=(index % 3 == 0,)) for index in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(5)

    assert most == 2
    assert holders == 0
