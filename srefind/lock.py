"""One crawl per data dir at a time: an advisory file lock the kernel drops when the process dies.

Because the kernel releases a `flock` when its holder exits, even by `kill -9`, a stale lock
cannot outlive its crawl: the next run simply takes it.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from .errors import IndexLockedError


class DataDirLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "crawl.lock"
        self.fd: int | None = None

    def __enter__(self) -> "DataDirLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 64).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise IndexLockedError(
                f"another crawl (pid {holder}) is using {self.path.parent}; try again when it has finished"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self.fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
