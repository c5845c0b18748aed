"""A per-search CPU-time budget: the expensive steps of a search check it and stop when it is spent.

A hostile query (every word of an index, a phrase over every doc) can cost seconds of CPU and
hold a server thread; with a budget the search returns what it has by then and says so. The
clock is the thread's own CPU time (time.thread_time), not the wall: 16 threads sharing one GIL
each wait most of the time, and a wall-clock budget cut 5,479 of 8,000 ordinary searches short in
tests/test_concurrent_readers.py (their answers then differed from a single-threaded engine's).
"""

from __future__ import annotations

import math
import time


class OutOfTime(Exception):
    """Raised by Budget.check() once the deadline has passed; the search catches it."""


class Budget:
    """A deadline on this thread's CPU time; `seconds=None` never runs out. Use it in the thread
    that made it (each search runs in one thread)."""

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.deadline = math.inf if seconds is None else time.thread_time() + seconds
        self.spent = False  # set once a check found the deadline passed

    def expired(self) -> bool:
        if not self.spent and time.thread_time() > self.deadline:
            self.spent = True
        return self.spent

    def check(self) -> None:
        if self.expired():
            raise OutOfTime


UNLIMITED = Budget(None)
