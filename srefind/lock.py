"""One crawl per data dir at a time: an advisory file lock the kernel drops when the process dies.

Because the kernel releases a `flock` when its holder exits, even by `kill -9`, a stale lock
cannot outlive its crawl: the next run simply takes it. The holder writes who it is (pid,
command, start time) into the file, so a refused run and `srefind status` can name it.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from .errors import IndexLockedError

LOCK_NAME = "crawl.lock"
TAKE_WAIT = 1.0  # seconds a run keeps trying: a `status` probing the lock holds it for microseconds


@dataclass
class Holder:
    pid: int | None
    command: str
    started: float | None

    def describe(self) -> str:
        what = f"`srefind {self.command}`" if self.command else "another srefind run"
        pid = f" (pid {self.pid}" if self.pid else " ("
        since = time.strftime(", started %Y-%m-%d %H:%M:%S", time.localtime(self.started)) if self.started else ""
        return f"{what}{pid}{since})".replace(" ()", "")


def _read_holder(fd: int) -> Holder:
    try:
        raw = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip()
    except OSError:
        raw = ""
    try:
        data = json.loads(raw)
        return Holder(int(data.get("pid") or 0) or None, str(data.get("command") or ""), data.get("started"))
    except (ValueError, AttributeError, TypeError):
        return Holder(int(raw) if raw.isdigit() else None, "", None)  # written by an older srefind


def holder(data_dir: Path) -> Holder | None:
    """Who holds the data dir's lock now (None: nobody). Probes with a shared lock it drops at once."""
    path = data_dir / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


class DataDirLock:
    def __init__(self, data_dir: Path, command: str = "crawl") -> None:
        self.path = data_dir / LOCK_NAME
        self.command = command
        self.fd: int | None = None

    def __enter__(self) -> DataDirLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + TAKE_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                who = _read_holder(fd)
                os.close(fd)
                raise IndexLockedError(
                    f"{who.describe()} is using {self.path.parent}; try again when it has finished"
                ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps({"pid": os.getpid(), "command": self.command, "started": time.time()}).encode(), 0)
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
