"""Serving the app with waitress: threads in one process, or several processes on one socket.

A CPython process runs Python on one core at a time (the GIL), and a search is pure Python: one
process serves about the same requests/s with four clients as with one. `workers > 1` binds
the socket once, then forks that many processes, each running waitress (with its own threads
and its own index readers) on the inherited socket; the kernel hands each new connection to
one of them. The parent only supervises: a worker that dies is started again (unless they keep
dying), and SIGTERM or SIGINT stops them all. A reverse proxy (nginx, Caddy) in front sees one
address, as with a single process.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

from srefind.backend import DEFAULT_BACKEND

log = logging.getLogger("srefind.web")

RESTART_WINDOW = 30.0  # seconds
MAX_RESTARTS = 5  # worker deaths within the window before the server gives up
STOP_GRACE = 10.0  # seconds a worker has to finish its requests on shutdown


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (IPv4 or IPv6 by what `host` is)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    family, kind, proto, _, addr = infos[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(addr)
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def _run_waitress(make_app: Callable[[], object], sock: socket.socket, threads: int) -> None:
    import waitress

    waitress.serve(make_app(), sockets=[sock], threads=threads, _quiet=True)


def _run_worker(make_app: Callable[[], object], sock: socket.socket, threads: int) -> None:
    """One of several processes on `sock`: waitress that takes a connection only when free."""
    from .balanced import serve_when_free

    serve_when_free(make_app(), sock, threads)


def serve(make_app: Callable[[], object], sock: socket.socket, *, workers: int = 1, threads: int = 4) -> None:
    """Serve until stopped. `make_app` is called in each worker process (after the fork), so no
    index reader or file handle is shared between processes."""
    if workers <= 1:
        _run_waitress(make_app, sock, threads)
        return
    Supervisor(make_app, sock, workers, threads).run()


class Supervisor:
    def __init__(self, make_app: Callable[[], object], sock: socket.socket, workers: int, threads: int) -> None:
        self.make_app = make_app
        self.sock = sock
        self.workers = workers
        self.threads = threads
        self.children: set[int] = set()
        self.deaths: list[float] = []
        self.stopping = False

    def _spawn(self) -> None:
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; Ctrl-C reaches it
                _run_worker(self.make_app, self.sock, self.threads)
            except BaseException as exc:  # noqa: BLE001 - a worker must never return into the parent's code
                print(f"srefind: worker {os.getpid()} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
                code = 1
            finally:
                os._exit(code)
        self.children.add(pid)

    def _stop(self, *_: object) -> None:
        self.stopping = True

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        for _ in range(self.workers):
            self._spawn()
        try:
            while not self.stopping:
                try:
                    pid, status = os.waitpid(-1, os.WNOHANG)
                except ChildProcessError:
                    break
                if pid == 0:
                    time.sleep(0.2)
                    continue
                self.children.discard(pid)
                if self.stopping:
                    break
                now = time.monotonic()
                self.deaths = [t for t in self.deaths if now - t < RESTART_WINDOW] + [now]
                log.warning("web worker %d exited (status %d); starting another", pid, status)
                if len(self.deaths) > MAX_RESTARTS:
                    raise SystemExit(f"srefind: {len(self.deaths)} web workers died within {RESTART_WINDOW:.0f} s; "
                                     "stopping (see the log above)")
                self._spawn()
        finally:
            self._terminate()

    def _terminate(self) -> None:
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                self.children.discard(pid)
        deadline = time.monotonic() + STOP_GRACE
        while self.children and time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid:
                self.children.discard(pid)
            else:
                time.sleep(0.05)
        for pid in list(self.children):
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self.children.clear()


def default_threads(workers: int) -> int:
    """Request threads per worker: 4 in a lone process (a slow search does not hold up the rest),
    1 with several (a search is CPU-bound: more threads in a process only add GIL hand-offs, and
    balanced.py sends each request to a free process)."""
    return 1 if workers > 1 else 4


def default_workers() -> int:
    """One worker per core the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def app_factory(data_dir: Path, backend_name: str = DEFAULT_BACKEND) -> Callable[[], object]:
    def make() -> object:
        from .app import create_app

        return create_app(data_dir, backend_name=backend_name)

    return make
