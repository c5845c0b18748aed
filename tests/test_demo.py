"""`srefind demo` as a newcomer runs it: the demo web stays up beside the UI (every link answers),
it says where its data went and what to type next, one demo per data dir, the same ids every run."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import requests

from conftest import free_port, run_cli


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag in ("a", "link") and href:
            self.hrefs.append(href)


def start_demo(data, port: int, sites_port: int) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-m", "srefind", "demo", "--port", str(port), "--sites-port",
                             str(sites_port), "--data-dir", str(data)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except requests.RequestException:  # not up yet, or a busy machine: try again
            pass
        if proc.poll() is not None:
            raise AssertionError(proc.stderr.read())
        time.sleep(0.3)
    proc.kill()
    raise AssertionError("the demo did not start serving")


def test_the_demo_serves_its_web_as_long_as_the_ui_and_every_link_answers(tmp_path):
    port, sites_port = free_port(), free_port()
    data = tmp_path / "demo"
    proc = start_demo(data, port, sites_port)
    try:
        ui = f"http://127.0.0.1:{port}"
        pages = ["/", "/?q=observability", "/?show=writeups"]
        talks = requests.get(f"{ui}/api/search?per_page=50").json()["results"]
        pages += [f"/talks/{h['id']}" for h in talks[:8]]
        checked: set[str] = set()
        for page in pages:
            r = requests.get(ui + page, timeout=30)
            assert r.status_code == 200, page
            parser = Links()
            parser.feed(r.text)
            for href in parser.hrefs:
                url = urljoin(ui + page, href)
                if urlsplit(url).hostname != "127.0.0.1" or url in checked:
                    continue  # the demo's own web and the UI; a video host is not ours to test
                checked.add(url)
                assert requests.get(url, timeout=30).status_code == 200, f"{url} (linked from {page})"
        assert any(f":{sites_port}/" in u for u in checked) and len(checked) > 40
        # a second demo beside it, on the same data dir, refuses instead of emptying it
        second = run_cli("demo", "--port", str(free_port()), "--sites-port", str(free_port()), "--data-dir", str(data))
        assert second.returncode == 75 and "a demo is already running" in second.stderr
        assert requests.get(f"{ui}/api/search").json()["total"] == len(talks)
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=30)
    assert f"the demo's data dir is {data}" in out and "search distributed tracing" in out


def test_a_busy_port_fails_before_the_crawl(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        busy = s.getsockname()[1]
        proc = run_cli("demo", "--port", str(busy), "--sites-port", str(free_port()), "--data-dir", str(tmp_path / "d"))
    assert proc.returncode == 1 and f"cannot listen on 127.0.0.1:{busy}" in proc.stderr
    assert "crawled" not in proc.stdout and not (tmp_path / "d" / "crawl.sqlite").exists()


def test_a_demo_run_gives_the_same_talk_ids_every_time(tmp_path):
    sites_port = free_port()
    ids = []
    for _ in range(2):
        proc = run_cli("demo", "--no-serve", "--sites-port", str(sites_port), "--data-dir", str(tmp_path / "d"))
        assert proc.returncode == 0, proc.stderr
        export = run_cli("export", "--data-dir", str(tmp_path / "d")).stdout.splitlines()
        ids.append(sorted(json.loads(x)["id"] for x in export))
    assert ids[0] == ids[1] and len(ids[0]) == 28
    assert re.search(r"data dir is .*/d", proc.stdout)
