"""A crawl that a hostile or overloaded site cannot stall or trap, and a terminal it cannot drive.

Each site here is a real HTTP server on loopback; every crawl runs the real CLI in a subprocess
with a timeout, so a hang fails the test instead of the suite.
"""

from __future__ import annotations

import functools
import http.server
import json
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import run_cli
from webfixture import HTML, Hit, Response, WebFixture, html, links, srecon_writeup

POSTS = [f"/post-{n}/" for n in range(6)]


def blog(web: WebFixture, robots: str = "User-agent: *\nDisallow:\n", extra_links: tuple[str, ...] = ()) -> None:
    web.robots(robots)
    web.page("/", html("An SRE blog", links(*POSTS, *extra_links)))
    for n, path in enumerate(POSTS):
        web.page(path, srecon_writeup(n))


def crawl(url: str, data: Path, *extra: str, timeout: float = 120):
    proc = run_cli("crawl", url, "--data-dir", str(data), "--delay", "0", "--json", *extra, timeout=timeout)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc, (json.loads(proc.stdout) if proc.stdout.strip() else {})


def status(data: Path) -> dict:
    proc = run_cli("status", "--json", "--data-dir", str(data))
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


# -- time ------------------------------------------------------------------------------

def test_a_crawl_delay_of_a_billion_seconds_pauses_the_origin_for_the_run_and_keeps_its_urls(tmp_path):
    with WebFixture() as web:
        blog(web, robots="User-agent: *\nCrawl-delay: 1000000000\n")
        t0 = time.monotonic()
        proc, report = crawl(web.url("/"), tmp_path / "d", timeout=60)
        assert time.monotonic() - t0 < 60
        assert proc.returncode == 1  # worth an alert: the origin could not be crawled
        assert "paused until the next run" in proc.stderr and web.origin in proc.stderr
        assert [h.path for h in web.hits] == ["/robots.txt"]
        assert status(tmp_path / "d")["store"]["urls"].get("queued", 0) >= 1  # kept for the next run
        # The lock is free: the next run is not told another crawl is running (exit 75).
        proc, _ = crawl(web.url("/"), tmp_path / "d", timeout=60)
        assert proc.returncode == 1 and "paused until the next run" in proc.stderr


def test_max_duration_stops_the_run_cleanly_and_the_next_run_resumes_without_refetching(tmp_path):
    with WebFixture(latency=0.3) as web:
        many = [f"/post-{n}/" for n in range(40)]
        web.robots("User-agent: *\nDisallow:\n")
        web.page("/", html("An SRE blog", links(*many)))
        for n, path in enumerate(many):
            web.page(path, srecon_writeup(n))
        data = tmp_path / "d"
        t0 = time.monotonic()
        proc, report = crawl(web.url("/"), data, "--max-duration", "2s")
        assert time.monotonic() - t0 < 30
        assert proc.returncode == 3, proc.stderr
        assert report["stopped_at_deadline"] and 0 < report["fetched"] < 41
        first = {h.path for h in web.hits if h.path.startswith("/post-")}
        urls = status(data)["store"]["urls"]
        assert urls["queued"] >= 40 - len(first)  # the posts not fetched yet wait for the next run

        web.hits.clear()
        proc, report = crawl(web.url("/"), data)
        assert proc.returncode == 0 and not report["stopped_at_deadline"]
        second = {h.path for h in web.hits if h.path.startswith("/post-")}
        assert first | second == set(many) and not first & second  # each post fetched once over both runs


@pytest.mark.parametrize("value", ["abc", "-5m", "²m", "0"])
def test_a_bad_max_duration_is_a_usage_error(tmp_path, value):
    proc = run_cli("crawl", "http://127.0.0.1:9/", "--data-dir", str(tmp_path), "--max-duration", value)
    assert proc.returncode == 2 and "--max-duration" in proc.stderr and "Traceback" not in proc.stderr


# -- politeness ------------------------------------------------------------------------

class RateLimit:
    """More than `rps` requests to the site in the last second get 429 with Retry-After: 1, as
    shared/tools/fixture_web.py --max-rps does (the 429s count in the window too)."""

    def __init__(self, rps: float) -> None:
        self.rps = rps
        self.window: list[float] = []
        self.lock = threading.Lock()

    def over(self) -> bool:
        now = time.monotonic()
        with self.lock:
            self.window = [t for t in self.window if now - t < 1.0] + [now]
            return len(self.window) > self.rps


def test_429s_lengthen_the_gap_for_the_rest_of_the_run_so_they_stop_after_the_first_requests(tmp_path):
    with WebFixture() as web:
        limit = RateLimit(5)
        statuses: list[int] = []
        many = [f"/post-{n}/" for n in range(45)]
        pages = {"/": html("An SRE blog", links(*many)), "/robots.txt": "User-agent: *\nDisallow:\n"}
        pages.update({p: srecon_writeup(n) for n, p in enumerate(many)})

        def answer(hit: Hit) -> Response | None:
            if limit.over():
                resp = Response(429, "slow down", "text/plain", headers={"Retry-After": "1"})
            elif hit.path in pages:
                resp = Response(200, pages[hit.path], "text/plain" if hit.path == "/robots.txt" else HTML)
            else:
                resp = Response(404, "not here")
            with limit.lock:
                statuses.append(resp.status)
            return resp

        web.handle_prefix("/", answer)
        proc, report = crawl(web.url("/"), tmp_path / "d", timeout=180)
        assert proc.returncode == 0, proc.stderr
        late = statuses[20:]
        assert len(late) >= 25
        assert sum(s == 429 for s in late) / len(late) < 0.05, statuses
        assert report["new"] == len(many) + 1 or report["entries"] >= len(many)


def test_pages_that_always_answer_a_bare_503_lengthen_the_gap_once_per_request_not_per_retry(tmp_path):
    """Three broken pages (503 on each of their three tries, no Retry-After) are errors, not a rate
    limit: doubling the gap per retry would take the origin from 0.25 s to the 60 s cap (nine
    doublings) and every later page would wait a minute. Once per request it is 2 s at most."""
    with WebFixture() as web:
        blog(web)
        broken = POSTS[1:4]
        for path in broken:
            web.answer(path, Response(503, "broken", "text/plain"))
        proc, report = crawl(web.url("/"), tmp_path / "d", timeout=120)
        assert proc.returncode == 1 and report["errors"], proc.stderr
        hits = [h for h in web.hits if h.route != "/favicon.ico"]
        assert sum(h.route in broken for h in hits) == 9, "three tries each"
        assert report["entries"] >= len(POSTS) - len(broken)
        longest = max(b.at - a.at for a, b in zip(hits, hits[1:]))
        assert longest < 8.0, f"a gap of {longest:.1f} s: the origin was throttled per retry"


# -- traps -----------------------------------------------------------------------------

def calendar(hit: Hit) -> Response | None:
    """An events calendar: every day links to the day before and after, both months around it and
    the same day in the list view, each link with a fresh session id."""
    import datetime as dt
    import random

    path, query = hit.route, urlsplit(hit.path).query
    day = None
    if path.startswith("/calendar/"):
        parts = [p for p in path.split("/") if p][1:]
        try:
            day = dt.date(*map(int, parts[:3]))
        except (TypeError, ValueError):
            return Response(404, "no such day")
    elif path == "/events/":
        try:
            day = dt.date.fromisoformat(dict(q.split("=", 1) for q in query.split("&") if "=" in q).get("date", ""))
        except ValueError:
            return Response(404, "no such day")
    if day is None:
        return None
    sid = lambda: f"sid={random.randrange(10**9)}"  # noqa: E731
    near = [day - dt.timedelta(days=1), day + dt.timedelta(days=1), day - dt.timedelta(days=31),
            day + dt.timedelta(days=31)]
    hrefs = [f"/calendar/{d.year}/{d.month:02d}/{d.day:02d}/?{sid()}" for d in near]
    hrefs += [f"/events/?date={d.isoformat()}&{sid()}" for d in near]
    return Response(200, html(f"Events on {day.isoformat()}", "<p>No events.</p>" + links(*hrefs)))


def test_a_calendar_trap_with_session_ids_costs_at_most_200_requests_and_the_posts_are_still_indexed(tmp_path):
    with WebFixture() as web:
        blog(web, extra_links=("/calendar/2026/12/03/?sid=1", "/events/?date=2026-12-03&sid=2"))
        web.handle_prefix("/calendar/", calendar)
        web.handle_prefix("/events/", calendar)
        proc, report = crawl(web.url("/"), tmp_path / "d", timeout=180)
        assert proc.returncode == 0, proc.stderr
        trap = [h for h in web.hits if h.path.startswith(("/calendar/", "/events/"))]
        assert len(trap) <= 200
        assert report["trap_skipped"] > 0
        assert not [h for h in trap if "sid=" in h.path]  # session ids are not part of a URL
        assert {h.route for h in web.hits} >= set(POSTS)
        assert report["entries"] >= len(POSTS)


def test_urls_differing_only_by_query_have_a_budget_per_path(tmp_path):
    with WebFixture() as web:
        web.robots("User-agent: *\nDisallow:\n")
        web.page("/", html("An SRE blog", links(*POSTS, "/search/?q=0")))
        for n, path in enumerate(POSTS):
            web.page(path, srecon_writeup(n))

        def search_page(hit: Hit) -> Response:
            n = int(urlsplit(hit.path).query.split("=")[-1] or 0)
            return Response(200, html(f"Search {n}", links(*(f"/search/?q={n * 7 + k}" for k in range(1, 8)))))

        web.handle_prefix("/search/", search_page)
        proc, report = crawl(web.url("/"), tmp_path / "d", "--config", str(deep_config(tmp_path)), timeout=180)
        assert proc.returncode == 0, proc.stderr
        assert 0 < len(web.requests(prefix="/search/")) <= 100
        assert {h.route for h in web.hits} >= set(POSTS)


def deep_config(tmp_path: Path) -> Path:
    """The shipped limits but a depth cap far away, so the budgets are what stops a trap."""
    cfg = tmp_path / "deep.toml"
    cfg.write_text("[crawl]\nmax_depth = 1000\n")
    return cfg


# -- IPv6 ------------------------------------------------------------------------------

class _V6Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6


def test_an_ipv6_literal_seed_is_crawled_with_its_brackets(tmp_path):
    try:
        probe = socket.socket(socket.AF_INET6)
        probe.bind(("::1", 0))
        probe.close()
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    root = tmp_path / "www"
    root.mkdir()
    (root / "robots.txt").write_text("User-agent: *\nDisallow:\n")
    (root / "index.html").write_text(html("An SRE blog", links("/post-1.html", "post-2.html")))
    (root / "post-1.html").write_text(srecon_writeup(1))
    (root / "post-2.html").write_text(srecon_writeup(2))
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a: None  # type: ignore[method-assign]
    server = _V6Server(("::1", 0), handler)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    try:
        port = server.server_address[1]
        proc, report = crawl(f"http://[::1]:{port}/", tmp_path / "d")
        assert proc.returncode == 0, proc.stderr
        assert report["entries"] >= 2
        export = run_cli("export", "--data-dir", str(tmp_path / "d")).stdout.splitlines()
        urls = {json.loads(line)["page_url"] for line in export}
        assert urls == {f"http://[::1]:{port}/post-1.html", f"http://[::1]:{port}/post-2.html"}
    finally:
        server.shutdown()
        server.server_close()


# -- terminals -------------------------------------------------------------------------

HOSTILE_TITLE = "SREcon19 Americas: Tracing\x1b]0;owned\x07 at\x1b[2J scale \u202egnicart\u202c (\x9b31m)"


def test_control_characters_in_crawled_text_are_shown_not_obeyed_and_json_stays_exact(tmp_path):
    with WebFixture() as web:
        web.robots("User-agent: *\nDisallow:\n")
        page = srecon_writeup(3).replace("<h1>", "<h1>" + HOSTILE_TITLE.replace("SREcon19 Americas: ", "") + " ", 1)
        web.page("/", html("An SRE blog", links("/post/")))
        web.page("/post/", page)
        data = tmp_path / "d"
        proc, _ = crawl(web.url("/"), data)
        assert proc.returncode == 0, proc.stderr

        shown = run_cli("search", "tracing", "--data-dir", str(data), env={"COLUMNS": "200"})
        tagged = run_cli("tag", web.url("/post/"), "--data-dir", str(data), env={"COLUMNS": "200"})
        for proc in (shown, tagged):
            assert proc.returncode == 0, proc.stderr
            assert not any(c in proc.stdout for c in "\x1b\x07\x9b\u202e\u202c"), repr(proc.stdout)
            assert "\u241b" in proc.stdout  # ESC is shown as a visible stand-in

        exact = json.loads(run_cli("search", "tracing", "--json", "--data-dir", str(data)).stdout)
        assert any("\x1b]0;owned\x07" in r["title"] for r in exact["results"])
