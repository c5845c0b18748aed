"""`srefind serve --workers N`: several processes on one socket, each request to a free one."""

from __future__ import annotations

import http.client
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

from conftest import free_port

# Two workers of one request thread each, serving a tiny WSGI app that says which process
# answered; /slow holds its worker until the test lets it go.
SERVER = textwrap.dedent("""
    import os, sys, time
    from pathlib import Path
    from srefind.web.serve import bind, serve

    port, flags = int(sys.argv[1]), Path(sys.argv[2])

    def app(environ, start_response):
        if environ["PATH_INFO"] == "/slow":
            (flags / "slow-started").write_text(str(os.getpid()))
            deadline = time.monotonic() + 20
            while not (flags / "release").exists() and time.monotonic() < deadline:
                time.sleep(0.01)
        body = str(os.getpid()).encode()
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
        return [body]

    serve(lambda: app, bind("127.0.0.1", port), workers=2, threads=1)
""")


def get(port: int, path: str) -> tuple[str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path)
    resp = conn.getresponse()
    pid = resp.read().decode()
    conn.close()
    return pid, resp.getheader("Connection", "")


def test_a_worker_busy_with_a_request_leaves_new_connections_to_its_free_sibling(tmp_path: Path):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), str(tmp_path)], stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        pids: set[str] = set()
        while len(pids) < 2:  # both workers up: answers come from two processes
            assert time.monotonic() < deadline and proc.poll() is None, "the workers did not start"
            try:
                pids.add(get(port, "/")[0])
            except OSError:
                time.sleep(0.05)
        slow: dict[str, tuple[str, str]] = {}
        t = threading.Thread(target=lambda: slow.setdefault("answer", get(port, "/slow")))
        t.start()
        while not (tmp_path / "slow-started").exists():
            assert time.monotonic() < deadline, "the slow request never started"
            time.sleep(0.01)
        busy = (tmp_path / "slow-started").read_text()

        answers = [get(port, "/") for _ in range(20)]

        (tmp_path / "release").write_text("")
        t.join(30)
        # Every request while one worker was busy went to the other; each answer closed its
        # connection, so a client's next request is a new accept() a free worker takes.
        assert {pid for pid, _ in answers} == pids - {busy}
        assert {conn for _, conn in answers} == {"close"}
        assert slow["answer"][0] == busy
    finally:
        proc.terminate()
        proc.wait(30)
