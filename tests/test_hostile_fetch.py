"""Responses built to exhaust the crawler cost it bounded memory and time.

One loopback site serves, at once, a gzip bomb, stacked-gzip error pages, a 1 GB body, a 100 MB
sitemap and a billion-laughs feed beside ordinary posts; the real CLI crawls it in a subprocess
whose peak RSS is read from the kernel (`os.wait4`), not estimated. Other tests: a 6 MB robots.txt
read as Google reads it, and a body that drips forever ended by the per-try deadline.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from webfixture import Response, WebFixture, html, links, srecon_writeup

PEAK_RSS_LIMIT_MB = 200
POSTS = [f"/post-{n}/" for n in range(4)]
FEED_ONLY = ["/from-the-feed/"]  # linked from the feed alone: found only if the feed was parsed
SITEMAP_ONLY = ["/from-the-sitemap/"]  # listed first in the 100 MB sitemap and nowhere else


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    peak_rss_mb: float
    seconds: float

    @property
    def report(self) -> dict:
        return json.loads(self.stdout) if self.stdout.strip() else {}


# A small launcher forks the measured command and reports its rusage. Why not fork it from the
# test process: a forked child starts with its parent's resident pages counted (ru_maxrss
# survives exec), so under a full pytest run (300 MB) every child would read as 300 MB.
LAUNCHER = """
import json, os, sys
report, argv = sys.argv[1], sys.argv[2:]
pid = os.fork()
if pid == 0:
    os.execv(argv[0], argv)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as f:
    json.dump({"maxrss_kb": usage.ru_maxrss, "status": status}, f)
sys.exit(os.waitstatus_to_exitcode(status) & 0xFF)
"""


def run_command_measured(argv: list[str], tmp: Path, timeout: float = 180) -> Run:
    """`argv` in a grandchild of a small launcher; its own peak RSS from wait4 (that process only)."""
    out, err, report = tmp / "stdout", tmp / "stderr", tmp / "rusage.json"
    started = time.monotonic()
    with out.open("wb") as o, err.open("wb") as e:
        proc = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(report), *argv], stdout=o, stderr=e,
                                start_new_session=True)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait()
        raise AssertionError(f"{argv[1:4]} did not finish in {timeout} s: {err.read_text()[-2000:]}") from None
    usage = json.loads(report.read_text())
    return Run(os.waitstatus_to_exitcode(usage["status"]), out.read_text(), err.read_text(),
               usage["maxrss_kb"] / 1024, time.monotonic() - started)


def run_measured(args: list[str], tmp: Path, timeout: float = 180) -> Run:
    """The real CLI, measured (see run_command_measured)."""
    return run_command_measured([sys.executable, "-m", "srefind", *args], tmp, timeout)


def config(tmp: Path, **crawl: object) -> Path:
    path = tmp / "crawl.toml"
    path.write_text("[crawl]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in crawl.items()))
    return path


# -- what the hostile site serves -------------------------------------------------------------

def gzip_stream(total: int, layers: int = 1) -> Iterator[bytes]:
    """`total` zero bytes gzip-compressed (`layers` times over), produced as the client reads."""
    block = b"\0" * (1 << 20)
    encoders = [zlib.compressobj(9, zlib.DEFLATED, 31) for _ in range(layers)]

    def push(data: bytes, final: bool = False) -> bytes:
        for enc in encoders:
            data = enc.compress(data) + (enc.flush() if final else b"")
        return data

    sent = 0
    while sent < total:
        chunk = push(block)
        sent += len(block)
        if chunk:
            yield chunk
    yield push(b"", final=True)


def stacked_gzip_body(total: int) -> bytes:
    return b"".join(gzip_stream(total, layers=2))


def huge_sitemap(total: int) -> Iterator[bytes]:
    """A 100 MB urlset: the sitemap-only post first, then generated URLs that differ by their query
    (so the per-path query budget, not the page budget, bounds what is fetched of them)."""
    yield b'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
    yield b"".join(b"<url><loc>%s</loc></url>" % p.encode() for p in SITEMAP_ONLY + POSTS)
    sent, n = 0, 0
    while sent < total:
        chunk = b"".join(b"<url><loc>/generated/?page=%d</loc><lastmod>2026-01-01</lastmod></url>\n" % (n + i)
                         for i in range(1000))
        n += 1000
        sent += len(chunk)
        yield chunk
    yield b"</urlset>"


def billion_laughs_feed() -> str:
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{(f"&lol{i - 1};" if i > 1 else "&lol;") * 10}">' for i in range(1, 10))
    return (f'<?xml version="1.0"?>\n<!DOCTYPE rss [{entities}]>\n<rss version="2.0"><channel><title>&lol9;</title>'
            + "".join(f"<item><title>&lol9;</title><link>{p}</link></item>" for p in FEED_ONLY + POSTS)
            + "</channel></rss>")


def hostile_site(web: WebFixture) -> None:
    web.robots("User-agent: *\nDisallow:\nSitemap: /sitemap.xml\n")
    feed = '<link rel="alternate" type="application/rss+xml" href="/feed.xml">'
    web.page("/", html("An SRE blog", feed + links(*POSTS, "/bomb/", "/stacked-404/", "/stacked-301/",
                                                      "/one-gigabyte/")))
    for n, path in enumerate(POSTS + FEED_ONLY + SITEMAP_ONLY):
        web.page(path, srecon_writeup(n))
    web.answer("/bomb/", Response(200, headers={"Content-Encoding": "gzip"},
                                  stream=lambda: gzip_stream(1 << 30)))  # 1 GB of zeros, ~1 MB on the wire
    stacked = stacked_gzip_body(1 << 28)  # 256 MB inside two gzip layers: 2 KB on the wire
    web.answer("/stacked-404/", Response(404, stacked, headers={"Content-Encoding": "gzip, gzip"}))
    web.answer("/stacked-301/", Response(301, stacked, headers={"Content-Encoding": "gzip, gzip",
                                                                "Location": "/post-0/"}))
    web.answer("/one-gigabyte/", Response(200, stream=lambda: (b"<p>" + b"x" * 65_000 + b"</p>"
                                                               for _ in range(16_000))))
    web.answer("/sitemap.xml", Response(200, content_type="application/xml",
                                        stream=lambda: huge_sitemap(100 << 20)))
    web.handle_prefix("/generated/", lambda hit: Response(200, html("An archive page", "<p>Nothing here.</p>")))
    web.answer("/feed.xml", Response(200, billion_laughs_feed(), content_type="application/rss+xml"))


def test_bombs_huge_bodies_and_entity_tricks_keep_the_crawler_under_200_mb_and_lose_no_post(tmp_path):
    with WebFixture() as web:
        hostile_site(web)
        cfg = config(tmp_path, max_pages_per_origin=500)
        run = run_measured(["crawl", web.url("/"), "--data-dir", str(tmp_path / "d"), "--delay", "0",
                            "--json", "--config", str(cfg)], tmp_path)
        assert "Traceback" not in run.stderr, run.stderr
        report = run.report
        assert run.code == 1, run.stderr  # errors happened (the bombs), and the run says so
        assert run.peak_rss_mb < PEAK_RSS_LIMIT_MB, f"peak RSS {run.peak_rss_mb:.0f} MB"
        assert report["errors"].get("too-large", 0) >= 2, report["errors"]  # the bomb and the 1 GB body
        assert report["entries"] >= len(POSTS) + len(FEED_ONLY) + len(SITEMAP_ONLY), report
        # The client stopped reading each big body near the 5 MB cap, not at its end.
        for path in ("/bomb/", "/one-gigabyte/", "/sitemap.xml"):
            assert web.bytes_sent.get(path, 0) < 40 << 20, (path, web.bytes_sent.get(path))
        assert web.count("/stacked-404/") == 1 and web.count("/stacked-301/") == 1
        requested = {h.route for h in web.hits}
        assert set(FEED_ONLY) <= requested, "the billion-laughs feed's links were still read"
        assert set(SITEMAP_ONLY) <= requested, "the first entries of the 100 MB sitemap were read"
        assert sum(h.route == "/generated/" for h in web.hits) <= 100, "its query variants have a budget"
        print(f"peak RSS {run.peak_rss_mb:.0f} MB, {len(web.hits)} requests, {run.seconds:.1f} s")


def test_a_six_megabyte_robots_txt_is_read_to_its_first_500_kib_as_google_does(tmp_path):
    with WebFixture() as web:
        filler = "".join(f"# line {n} of a very long robots.txt, padded out to make it large\n"
                         for n in range(100_000))
        robots = "User-agent: *\nDisallow: /private/\n" + filler + "User-agent: *\nDisallow: /late/\n"
        assert len(robots) > 6_000_000
        web.robots(robots)
        web.page("/", html("An SRE blog", links(*POSTS, "/private/", "/late/")))
        for n, path in enumerate(POSTS + ["/private/", "/late/"]):
            web.page(path, srecon_writeup(n))
        run = run_measured(["crawl", web.url("/"), "--data-dir", str(tmp_path / "d"), "--delay", "0", "--json"],
                           tmp_path)
        assert run.code == 0, run.stderr
        assert web.count("/private/") == 0, "disallowed in the first lines: never requested"
        assert web.count("/late/") == 1, "a rule past the first 500 KiB is not read (Google's limit)"
        assert run.report["robots_skipped"] == 1
        assert all(web.count(p) == 1 for p in POSTS)


def test_a_body_that_drips_forever_ends_at_the_per_try_deadline_and_is_not_retried(tmp_path):
    def drip() -> Iterator[bytes]:
        yield b"<!DOCTYPE html><title>slow</title>"
        while True:  # well inside the read timeout each time, so only a total deadline ends it
            time.sleep(0.2)
            yield b"x"

    with WebFixture() as web:
        web.robots("User-agent: *\nDisallow:\n")
        web.page("/", html("An SRE blog", links("/drip/", *POSTS)))
        for n, path in enumerate(POSTS):
            web.page(path, srecon_writeup(n))
        web.answer("/drip/", Response(200, stream=drip))
        cfg = config(tmp_path, total_timeout=3.0)
        run = run_measured(["crawl", web.url("/"), "--data-dir", str(tmp_path / "d"), "--delay", "0", "--json",
                            "--config", str(cfg)], tmp_path, timeout=90)
        assert run.code == 1, run.stderr
        assert run.report["errors"] == {"timeout": 1}
        assert web.count("/drip/") == 1, "the whole deadline went by: not tried again this run"
        assert run.report["entries"] >= len(POSTS)


def test_peak_rss_is_the_measured_process_own_whatever_the_test_process_holds(tmp_path):
    """The figure above must be the crawler's: a process that allocates 300 MB reads as 300 MB or
    more, and `--version` reads small even while this test process holds 300 MB itself."""
    big = run_command_measured([sys.executable, "-c", "b = bytearray(300 << 20); b[::4096] = b'x' * len(b[::4096])"],
                               tmp_path)
    assert big.code == 0 and big.peak_rss_mb >= 300
    ballast = bytearray(300 << 20)
    ballast[::4096] = b"x" * len(ballast[::4096])  # resident, as a long pytest run's memory is
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 >= 300
    small = run_measured(["--version"], tmp_path)
    del ballast
    assert small.code == 0 and small.peak_rss_mb < 150, small.peak_rss_mb
