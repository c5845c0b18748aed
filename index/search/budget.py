"""A per-search CPU-time budget: the expensive steps of a search check it and stop when it is spent.

A hostile query (every word of an index, a phrase over every doc) can cost seconds of CPU and
hold a server thread; with a budget the search returns what it has by then and says so. The
clock is the thread's own CPU time (time.thread_time), not the wall: 16 threads sharing one GIL
each wait most of the time, and a wall-clock budget cut 5,479 of 8,000 ordinary searches short in
tests/test_concurrent_readers.py (their answers then differed from a single-threaded engine's).

Time the thread spends in Python's garbage collector is not the search's: a full collection in a
process holding a large index or a long test run costs tens to hundreds of milliseconds, wherever
it happens to strike, and it once cut an ordinary first search short (an empty answer). Collections
are timed by a gc callback per thread and taken off the clock.
"""

from __future__ import annotations

import gc
import math
import threading
import time

_collecting = threading.local()  # per thread: when the running collection started, and the total so far


def _time_collections(phase: str, info: dict) -> None:
    now = time.thread_time()
    if phase == "start":
        _collecting.started = now
    else:
        started = getattr(_collecting, "started", None)
        if started is not None:
            _collecting.total = getattr(_collecting, "total", 0.0) + (now - started)
            _collecting.started = None


gc.callbacks.append(_time_collections)


def collector_time() -> float:
    """CPU seconds this thread has spent in garbage collections so far."""
    return getattr(_collecting, "total", 0.0)


def search_time() -> float:
    """This thread's CPU time less its garbage collections: what a budget counts."""
    return time.thread_time() - collector_time()


class OutOfTime(Exception):
    """Raised by Budget.check() once the deadline has passed; the search catches it."""


class Budget:
    """A deadline on this thread's CPU time (collections not counted); `seconds=None` never runs out.
    Use it in the thread that made it (each search runs in one thread)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.deadline = math.inf if seconds is None else search_time() + seconds
        self.spent = False  # set once a check found the deadline passed

    def expired(self) -> bool:
        if not self.spent and search_time() > self.deadline:
            self.spent = True
        return self.spent

    def check(self) -> None:
        if self.expired():
            raise OutOfTime


UNLIMITED = Budget(None)
