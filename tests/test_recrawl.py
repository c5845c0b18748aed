"""The nightly re-crawl against a local site whose pages change between runs."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from srefind.crawler.state import CrawlState

from conftest import cli_json, crawl, export, recrawl, run_cli, search
from webfixture import N_POSTS, srecon_writeup, urlset


def test_unchanged_pages_cost_a_304_and_no_index_write(site, tmp_path):
    data = tmp_path / "d"
    crawl(site, data)
    before = export(data)
    index_files = {p.name: p.stat().st_mtime_ns for p in (data / "index").iterdir()}
    site.web.hits.clear()
    code, report = recrawl(data, "--full")
    assert code == 0
    post_hits = [h for h in site.web.hits if h.route.startswith("/post-")]
    assert len(post_hits) == N_POSTS and all(h.headers.get("if-none-match") for h in post_hits)
    assert report["unchanged"] >= N_POSTS and report["new"] == 0 and report["changed"] == 0
    assert export(data) == before
    assert {p.name: p.stat().st_mtime_ns for p in (data / "index").iterdir()} == index_files


def test_an_edited_page_is_re_tagged_and_its_new_text_searchable(site, tmp_path):
    data = tmp_path / "d"
    crawl(site, data)
    site.bodies["/post-3/"] = srecon_writeup(3, extra="<p>Update: the speaker posted slides and a recording.</p>")
    code, report = recrawl(data, "--full")
    assert code == 0 and report["changed"] == 1
    hits = search(data, '"posted slides and a recording"')["results"]
    assert [h["page_url"] for h in hits] == [site.web.url("/post-3/")]
    assert len(export(data)) == N_POSTS  # replaced, not added


@pytest.mark.parametrize("status", [404, 410])
def test_a_deleted_page_leaves_the_index(site, tmp_path, status):
    data = tmp_path / "d"
    crawl(site, data)
    site.status["/post-5/"] = status
    site.publish()
    code, report = recrawl(data, "--full")
    assert code == 0 and report["gone"] == 1 and report["indexed_pages"] == 1
    urls = {e["page_url"] for e in export(data)}
    assert site.web.url("/post-5/") not in urls and len(urls) == N_POSTS - 1


def test_a_site_answering_404_everywhere_keeps_its_pages_and_says_so(site, tmp_path):
    data = tmp_path / "d"
    crawl(site, data)
    before = export(data)
    for path in list(site.bodies):
        if path.startswith("/post-"):
            site.status[path] = 404
    code, report = recrawl(data, "--full")
    assert code == 1  # an alert-worthy run
    assert report["origins_suspect"] == [site.web.base.rstrip("/")]
    assert report["kept_despite_gone"] == N_POSTS
    assert export(data) == before


def test_a_new_page_is_found_through_the_sitemap(site, tmp_path):
    data = tmp_path / "d"
    crawl(site, data)
    site.bodies["/post-new/"] = srecon_writeup(40, extra="<p>A brand new write-up about retry storms.</p>")
    site.bodies["/sitemap.xml"] = urlset(*site.posts())  # only the sitemap links it, not the home page
    code, report = recrawl(data)  # not --full: discovery URLs are always revisited
    assert code == 0 and report["new"] == 1
    assert search(data, "retry storms")["total"] == 1


def test_a_page_flapping_with_503_keeps_its_entries(site, tmp_path):
    data = tmp_path / "d"
    crawl(site, data)
    site.status["/post-7/"] = 503
    code, report = recrawl(data, "--full")
    assert code == 1 and report["errors"]
    assert site.web.url("/post-7/") in {e["page_url"] for e in export(data)}
    del site.status["/post-7/"]
    code, report = recrawl(data)  # failed URLs are always due
    assert code == 0 and len(export(data)) == N_POSTS


def test_only_due_pages_are_revisited_and_unchanged_ones_come_back_later(site, tmp_path):
    data = tmp_path / "d"
    crawl(site, data)
    site.web.hits.clear()
    recrawl(data)
    assert not [h for h in site.web.hits if h.route.startswith("/post-")]  # not due yet
    assert [h for h in site.web.hits if h.route in ("/", "/sitemap.xml")]  # discovery: every run
    state = CrawlState(data / "crawl.sqlite")
    try:
        before = {r.url: r.interval for r in state.records() if "/post-" in r.url}
        state.make_due()  # as if the intervals had run out
    finally:
        state.close()
    site.web.hits.clear()
    recrawl(data)
    assert len([h for h in site.web.hits if h.route.startswith("/post-")]) == N_POSTS
    state = CrawlState(data / "crawl.sqlite")
    try:
        after = {r.url: r.interval for r in state.records() if "/post-" in r.url}
    finally:
        state.close()
    assert all(after[u] > before[u] for u in before)  # unchanged: revisited less often


def test_one_crawl_per_data_dir_and_a_killed_runs_lock_is_taken_over(site, tmp_path):
    data = tmp_path / "d"
    crawl(site, data)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from srefind.lock import DataDirLock\n"
        f"l = DataDirLock(Path({str(data)!r})).__enter__(); print('held', flush=True); time.sleep(60)")],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        proc = run_cli("recrawl", "--data-dir", str(data), "--delay", "0")
        assert proc.returncode == 75 and "Traceback" not in proc.stderr
        assert f"`srefind crawl` (pid {holder.pid}, started " in proc.stderr  # the live holder, named
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    code, _ = recrawl(data)  # the kernel dropped the dead holder's lock
    assert code == 0


def test_recrawl_killed_midway_then_rerun_is_consistent(site, tmp_path):
    data = tmp_path / "d"
    crawl(site, data)
    for n in range(0, N_POSTS, 2):
        site.bodies[f"/post-{n}/"] = srecon_writeup(n, extra=f"<p>Edited once more, revision {n}.</p>")
    site.web.latency = 0.15
    proc = subprocess.Popen([sys.executable, "-m", "srefind", "recrawl", "--full", "--data-dir", str(data),
                             "--delay", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while len([h for h in site.web.hits if "post-" in h.route and h.headers.get("if-none-match")]) < 5:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    site.web.latency = 0
    code, report = recrawl(data, "--full")
    assert code == 0
    entries = export(data)
    assert len(entries) == N_POSTS and len({e["id"] for e in entries}) == N_POSTS
    assert search(data, "revision")["total"] == N_POSTS // 2
    assert search(data, "")["total"] == N_POSTS


def test_status_lists_the_runs(site, tmp_path):
    data = tmp_path / "d"
    crawl(site, data)
    recrawl(data)
    info = cli_json("status", "--json", "--data-dir", str(data))
    assert [r["command"] for r in info["runs"][:2]] == ["recrawl", "crawl"]
    last = info["runs"][0]
    assert last["ok"] is True and last["finished"] >= last["started"]
    assert {"fetched", "unchanged", "new", "changed", "gone", "errors"} <= set(last["stats"])
