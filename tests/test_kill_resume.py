"""Crawl state survives `kill -9`: the next run resumes, refetches nothing it has, duplicates nothing.

A real `srefind crawl` runs in a subprocess against a ~60-page site served by a WebFixture; it is
killed with SIGKILL once the server has answered a third of the site, then run again. The server's
request log of both runs is the evidence.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter

from srefind.crawler.state import CrawlState

from conftest import run_cli
from webfixture import WebFixture, html, links, srecon_writeup

SECTIONS = 6
POSTS_PER_SECTION = 9


def build_site(site: WebFixture) -> set[str]:
    """Home -> 6 section pages -> 54 write-ups. Returns the paths of every page."""
    site.robots("User-agent: *\nDisallow:\n")
    site.page("/sitemap.xml", '<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"/>',
              content_type="application/xml")
    paths = {"/"}
    site.page("/", html("home", links(*[f"/section/{s}/" for s in range(SECTIONS)])))
    for s in range(SECTIONS):
        posts = [f"/section/{s}/post-{p}/" for p in range(POSTS_PER_SECTION)]
        site.page(f"/section/{s}/", html(f"section {s}", links(*posts)))
        paths.add(f"/section/{s}/")
        for p, path in enumerate(posts):
            site.page(path, srecon_writeup(s * POSTS_PER_SECTION + p))
            paths.add(path)
    site.page("/about/", html("about", "<p>About this blog.</p>"))
    paths.add("/about/")
    return paths


def done_paths(data, base: str) -> set[str]:
    state = CrawlState(data / "crawl.sqlite")
    try:
        done = [r.url for r in state.records() if r.state == "done"]
    finally:
        state.close()
    return {url[len(base):] or "/" for url in done}


def test_a_crawl_killed_with_sigkill_resumes_without_refetching_or_duplicating(tmp_path):
    data = tmp_path / "data"
    with WebFixture(latency=0.01) as site:
        pages = build_site(site)
        args = ["crawl", site.url("/"), "--data-dir", str(data), "--delay", "0.05", "--json"]
        proc = subprocess.Popen([sys.executable, "-m", "srefind", *args],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + 30
            while len(site.requests()) < 25 and time.monotonic() < deadline:
                assert proc.poll() is None, "the crawl finished before it could be killed"
                time.sleep(0.01)
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(10)
        assert proc.returncode == -signal.SIGKILL
        first = site.requests()
        finished = done_paths(data, site.base)
        assert 10 < len(finished & pages) < len(pages), "killed mid-crawl"

        again = run_cli(*args)
        assert again.returncode == 0, again.stderr
        second = site.requests()[len(first):]

    # Nothing finished before the kill is asked for again (robots.txt is read once per run, by rule).
    refetched = {h.path for h in second if h.route != "/robots.txt"} & finished
    assert refetched == set()
    # Every page was fetched once over both runs, but for what was in flight when the kill came
    # (one origin: at most one request at a time).
    counts = Counter(h.path for h in first + second if h.route != "/robots.txt")
    assert set(counts) >= pages
    assert sum(1 for n in counts.values() if n > 1) <= 1
    assert max(counts.values()) <= 2
    # The resumed run finished the job, and the export lists every talk once.
    assert done_paths(data, site.base) >= pages
    report = json.loads(again.stdout)
    assert report["error_total"] == 0
    lines = run_cli("export", "--data-dir", str(data)).stdout.splitlines()
    entries = [json.loads(x) for x in lines]
    assert len(entries) == SECTIONS * POSTS_PER_SECTION
    assert len({e["id"] for e in entries}) == len(entries)
    assert len({e["url"] for e in entries}) == len(entries)
