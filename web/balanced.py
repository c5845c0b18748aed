"""waitress for one of several worker processes on a shared socket: take a connection only when free.

Why: the kernel hands a new connection to whichever worker calls accept() first, and stock
waitress accepts whenever its I/O thread runs, busy or not. Measured with 16 keep-alive clients
on two workers, one process got most connections and the other idled (CPU 0.35 vs 0.98 cores).
And a search is pure Python: a process running two at once spends more CPU on each (the GIL
hand-offs; 4 threads used 1.19 cores for 105 requests/s where one thread used 0.96 for 153).

So, as a pre-fork server's sync workers do (gunicorn's model): a worker listens only while it has
a free request thread, and answers each request with `Connection: close`, so every request is a
fresh accept() that goes to a free worker. Behind a reverse proxy nothing changes (nginx talks
HTTP/1.0 to upstreams by default: one connection per request anyway).

The only waitress internals used are here: the channel and server classes and their hooks
(`task_class`, `channel_class`, `add_task`, `service`, `readable`, `pull_trigger`), stable
across waitress 2.x and 3.x; tests/test_concurrent_readers.py serves through this class.
"""

from __future__ import annotations

import socket
import threading

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import WSGITask


class _ClosingTask(WSGITask):
    """A response that ends its connection (the client's next request is a new accept())."""

    def build_response_header(self) -> bytes:
        self.set_close_on_finish()
        return super().build_response_header()


class _CountedChannel(HTTPChannel):
    task_class = _ClosingTask

    def service(self) -> None:
        try:
            super().service()
        finally:
            self.server.task_done()


class FreeWorkerServer(TcpWSGIServer):
    """A waitress server that polls its listening socket only while a request thread is free."""

    channel_class = _CountedChannel

    def __init__(self, app, sock: socket.socket, threads: int, **adjustments) -> None:
        self._busy = 0
        self._busy_lock = threading.Lock()
        adj = Adjustments(threads=threads, sockets=[sock], **adjustments)
        sockinfo = (sock.family, sock.type, sock.proto, sock.getsockname())
        super().__init__(app, map={}, _sock=sock, adj=adj, bind_socket=False, sockinfo=sockinfo)

    def add_task(self, task) -> None:
        with self._busy_lock:
            self._busy += 1
        super().add_task(task)

    def task_done(self) -> None:
        with self._busy_lock:
            self._busy -= 1
        self.pull_trigger()  # wake the I/O loop so it listens again now, not at its next timeout

    def readable(self) -> bool:
        listening = super().readable()  # first: it also runs waitress's channel maintenance
        return listening and self._busy < self.adj.threads


def serve_when_free(app, sock: socket.socket, threads: int) -> None:
    """Run until the process is stopped."""
    FreeWorkerServer(app, sock, threads).run()
