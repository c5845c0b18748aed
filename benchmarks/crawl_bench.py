#!/usr/bin/env python3
"""Crawl throughput: srefind's crawler against Scrapy (and a plain loop) on the fixture web.

What is compared, in one invocation, against one fixture web (shared/tools/fixture_web.py on
loopback, generation 1, no latency, no failures), contenders run back to back:

  srefind-crawler   srefind.crawler.engine.Crawler with everything a real crawl switches on:
                    robots.txt, per-origin politeness (delay 0, one request in flight per
                    origin, `workers` in total), SQLite crawl state, sitemap/feed discovery and
                    lxml extraction. Tagging and indexing are replaced by a no-op `process`.
  srefind-pipeline  srefind.pipeline.run_crawl: the same crawl plus NLTK tagging and the Whoosh
                    index, i.e. what `srefind crawl` does.
  scrapy            a Scrapy spider over the same seeds with ROBOTSTXT_OBEY, DOWNLOAD_DELAY 0 and
                    no HTTP cache, parsing every HTML response with selectors (links, title,
                    text) and following every in-scope link, sitemap entry and feed item.
  plain             a single-threaded requests + lxml BFS with the same scope and discovery, but
                    no robots.txt, no politeness bookkeeping, no state: a floor for the per-page
                    cost of Python HTTP + parsing on this machine.

Why: the goal is that srefind's crawler, with all its politeness, robots and state machinery
on, fetches at least 1.5x as many pages per second as Scrapy does here (on loopback the
client's CPU is the bottleneck, so this measures per-page overhead, not network waiting).

The fixture web's sockets: the tool is Python's http.server, which sends a response's headers
and its body in two send()s without TCP_NODELAY. On a keep-alive connection Nagle's algorithm
then holds the body back until the client's delayed ACK (about 40 ms on Linux), so every
request after a connection's first costs 40 ms, and since every contender keeps connections
alive, the benchmark would measure that stall and each contender's concurrency, not crawler
overhead. By default the unchanged tool is started with Nagle switched off on its sockets
(socketserver's `disable_nagle_algorithm`, as production servers do: nginx's tcp_nodelay is
on by default); `--server stock` runs it exactly as shipped, to see the stalled picture.

Fairness choices:
  * Every site is served on 127.0.0.1 at its own port. Scrapy keys its download slots (its
    per-domain concurrency) by hostname, which would put all eleven sites in one slot. The
    spider sets `download_slot` to the origin (scheme://host:port) on each request instead, and
    runs with CONCURRENT_REQUESTS_PER_DOMAIN=1 and CONCURRENT_REQUESTS=`workers` (srefind's
    default config, 4): the same politeness srefind applies. (Scrapy's robots.txt requests carry
    no slot and share the hostname's, so those eleven go one at a time.) `--scrapy-concurrency`
    changes the total for a sensitivity check; on this fixture more than 8 made Scrapy slower.
  * Discovery is the same for every contender: the seeds, each origin's /sitemap.xml (srefind
    reads it from robots.txt or falls back to that path), `<a href>`, feed `<link rel=alternate>`,
    sitemap `<loc>` and feed item links, limited to the fixture origins.
  * Each contender runs in its own subprocess (`--worker NAME`, one JSON result line on stdout):
    Twisted's reactor cannot be restarted, and each peak RSS (ru_maxrss) is then its own.
  * Every run gets a fresh data dir, so no request is conditional; the fixture web keeps no
    per-client state, so one instance serves every run. The contenders' order is rotated each
    round so none always runs first (cold page cache) or last.

How it is measured:
  * pages/s = HTTP responses the fixture web logged during the run (every round trip: robots.txt,
    redirects, 404s, sitemaps, feeds, pages) / the contender's own crawl seconds, timed inside
    its process so interpreter start-up and imports are excluded: around CrawlState +
    Crawler.run for srefind-crawler, around run_crawl (crawl + tagging + index) for
    srefind-pipeline, Scrapy's own `elapsed_time_seconds` stat (spider opened to closed), and
    around the loop for plain. The contenders' own counts (Scrapy's response_received_count,
    srefind's CrawlStats, the plain loop's responses) are printed next to the server's count,
    and so is each worker's CPU time (user + system, all threads) per response.
  * The median over `--rounds` rounds is reported, and each median's ratio to Scrapy's.

    .venv/bin/pip install -q scrapy            # or: pip install -e '.[bench]'
    .venv/bin/python benchmarks/crawl_bench.py [--shared ../shared] [--rounds 3] [--json]

Exit status: 0 when every contender produced a result in every round, 1 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from statistics import median
from typing import TYPE_CHECKING, Any
from urllib.parse import urldefrag, urljoin, urlsplit

if TYPE_CHECKING:
    from srefind.crawler.engine import PageOutcome
    from srefind.models import Page

CONTENDERS = ("srefind-crawler", "srefind-pipeline", "scrapy", "plain")
BASELINE = "scrapy"
RESULT_MARK = "CRAWL_BENCH_RESULT "
WORKER_TIMEOUT = 600.0
FEED_XPATH = (
    "//link[@rel='alternate'][contains(@type, 'rss') or contains(@type, 'atom')]/@href"
)
# Sitemap <loc>, RSS <item><link>text</link>, Atom <entry><link href=".."/>, namespace-blind.
XML_LINKS_XPATH = (
    "//*[local-name()='loc']/text()"
    " | //*[local-name()='item']/*[local-name()='link']/text()"
    " | //*[local-name()='entry']/*[local-name()='link']/@href"
)


# -- helpers shared by the workers -------------------------------------------------------------
def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def start_urls(seeds: list[str]) -> list[str]:
    """The seeds and each seed origin's /sitemap.xml: what srefind starts from, spelled for the others."""
    return list(seeds) + [origin_of(s) + "/sitemap.xml" for s in seeds]


def peak_rss_mb() -> float:
    """This process's peak resident set size (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Meter:
    """Wall time, CPU time (every thread) and the peak RSS reached before the measured block."""

    def __enter__(self) -> Meter:
        self.rss_before = peak_rss_mb()
        self.cpu = cpu_seconds()
        self.seconds = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self.seconds
        self.cpu = cpu_seconds() - self.cpu


def machine_busy_seconds() -> float | None:
    """CPU-seconds every process on the machine has used since boot (Linux /proc/stat), or None."""
    try:
        ticks = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    idle = ticks[3] + ticks[4]  # idle + iowait; the rest (steal included) was someone's work
    return (sum(ticks) - idle) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """This process and its reaped children (workers, the fixture web)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def source_fingerprint() -> str:
    """A short hash of the srefind sources under test (srefind, srefind.crawler, srefind.index)."""
    import hashlib
    import importlib.util

    digest = hashlib.sha1()
    for package in ("srefind", "srefind.crawler", "srefind.index"):
        spec = importlib.util.find_spec(package)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            for path in sorted(Path(folder).glob("*.py")):
                digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def user_agent() -> str:
    from srefind.config import load_config

    return load_config(None).user_agent_header


@dataclass
class WorkerResult:
    """What a worker process reports (one JSON line on stdout)."""

    contender: str
    seconds: float  # crawl time measured inside the worker (see the module docstring)
    responses: int  # the contender's own count of HTTP responses (see `note`)
    html_pages: int  # HTML pages parsed
    cpu_seconds: float  # user + system CPU of the worker process during the crawl
    peak_rss_mb: float
    rss_before_mb: float  # peak RSS after imports, before the crawl started
    note: str = ""
    detail: dict[str, Any] = field(default_factory=dict)


# -- workers (each runs in its own process) --------------------------------------------------
def _no_tagging(page: Page) -> PageOutcome:
    """The crawler's `process` stage without tagging or indexing: the page is stored with no entries."""
    from srefind.crawler.engine import PageOutcome

    return PageOutcome(entries=[], relevant=False, page_type=page.page_type)


def work_srefind_crawler(seeds: list[str], data_dir: Path, _concurrency: int) -> WorkerResult:
    from srefind.config import load_config
    from srefind.crawler.engine import Crawler
    from srefind.crawler.state import CrawlState

    cfg = load_config(None)
    cfg.delay = 0.0
    with Meter() as m:
        state = CrawlState(data_dir / "crawl.sqlite")
        try:
            crawler = Crawler(cfg, state, _no_tagging)
            bad = crawler.add_seeds(seeds)
            if bad:
                raise SystemExit(f"bad seeds: {bad}")
            crawler.load_frontier()
            stats = crawler.run()
        finally:
            state.close()
    return _srefind_result("srefind-crawler", m, stats)


def work_srefind_pipeline(seeds: list[str], data_dir: Path, _concurrency: int) -> WorkerResult:
    from srefind.config import load_config
    from srefind.pipeline import run_crawl

    cfg = load_config(None)
    cfg.delay = 0.0
    with Meter() as m:
        stats = run_crawl(cfg, data_dir / "data", seeds)
    return _srefind_result("srefind-pipeline", m, stats)


def _srefind_result(name: str, m: Meter, stats) -> WorkerResult:
    return WorkerResult(
        name, m.seconds, stats.fetched,
        stats.new + stats.changed + stats.unchanged + stats.duplicates, m.cpu, peak_rss_mb(), m.rss_before,
        note="CrawlStats.fetched: final answers, without robots.txt and redirect hops",
        detail=stats.to_dict(),
    )


def work_scrapy(seeds: list[str], _data_dir: Path, concurrency: int) -> WorkerResult:
    try:
        import scrapy
    except ImportError:
        raise SystemExit("scrapy is not installed: .venv/bin/pip install -q scrapy (the `bench` extra)") from None
    from scrapy.crawler import CrawlerProcess
    from scrapy.http import HtmlResponse, Response, XmlResponse

    scope = {origin_of(s) for s in seeds}

    class FixtureSpider(scrapy.Spider):
        name = "fixture-web"

        async def start(self) -> AsyncIterator[scrapy.Request]:  # Scrapy >= 2.13
            for request in self.start_requests():
                yield request

        def start_requests(self) -> Iterator[scrapy.Request]:  # older Scrapy
            for url in start_urls(seeds):
                yield self.request(url)

        def request(self, url: str) -> scrapy.Request:
            # One download slot per origin (host:port), not per hostname: see the module docstring.
            return scrapy.Request(url, callback=self.parse, meta={"download_slot": origin_of(url)})

        def parse(self, response: Response) -> Iterator[scrapy.Request]:
            if isinstance(response, HtmlResponse):
                title = response.css("title::text").get(default="")
                text = " ".join(response.xpath("//body//text()").getall())
                self.crawler.stats.inc_value("bench/html_pages")
                self.crawler.stats.inc_value("bench/text_chars", len(title) + len(text))
                hrefs = response.css("a::attr(href)").getall() + response.xpath(FEED_XPATH).getall()
            elif isinstance(response, XmlResponse):
                hrefs = response.xpath(XML_LINKS_XPATH).getall()
            else:
                return
            for href in hrefs:
                url = response.urljoin(href.strip())
                if origin_of(url) in scope:
                    yield self.request(url)

    process = CrawlerProcess(
        settings={
            "ROBOTSTXT_OBEY": True,
            "DOWNLOAD_DELAY": 0,
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
            "HTTPCACHE_ENABLED": False,
            "LOG_LEVEL": "WARNING",
            "TELNETCONSOLE_ENABLED": False,
            "USER_AGENT": user_agent(),
        },
    )
    crawler = process.create_crawler(FixtureSpider)
    process.crawl(crawler)
    with Meter() as m:
        process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    detail = {k: (v if isinstance(v, (int, float, str)) else str(v)) for k, v in sorted(stats.items())}
    return WorkerResult(
        "scrapy", float(stats.get("elapsed_time_seconds", 0.0)), int(stats.get("response_received_count", 0)),
        int(stats.get("bench/html_pages", 0)), m.cpu, peak_rss_mb(), m.rss_before,
        note="response_received_count: every response but redirect hops (robots.txt included)",
        detail=detail,
    )


def work_plain(seeds: list[str], _data_dir: Path, _concurrency: int) -> WorkerResult:
    import lxml.html
    import requests
    from lxml import etree

    scope = {origin_of(s) for s in seeds}
    xml_parser = etree.XMLParser(recover=True, resolve_entities=False, no_network=True)
    session = requests.Session()
    session.headers["User-Agent"] = user_agent()
    queue = deque(start_urls(seeds))
    seen = set(queue)
    counts: Counter[str] = Counter()
    statuses: Counter[int] = Counter()

    def visit(url: str) -> tuple[str, list[str]]:
        """Fetch one URL and parse it: (the URL it ended at, the hrefs it holds)."""
        try:
            resp = session.get(url, timeout=(5, 20))
        except requests.RequestException:
            statuses[0] += 1
            return url, []
        counts["responses"] += 1 + len(resp.history)
        statuses[resp.status_code] += 1
        seen.add(resp.url)
        ctype = resp.headers.get("content-type", "").split(";")[0].strip().lower()
        if resp.status_code != 200 or not resp.content:
            return resp.url, []
        if ctype in ("text/html", "application/xhtml+xml"):
            doc = lxml.html.fromstring(resp.content, base_url=resp.url)
            title = doc.findtext(".//title") or ""
            body = doc.find("body")
            text = " ".join(body.itertext()) if body is not None else ""
            counts["html_pages"] += 1
            counts["text_chars"] += len(title) + len(text)
            return resp.url, doc.xpath("//a/@href") + doc.xpath(FEED_XPATH)
        if ctype.endswith("xml"):
            root = etree.fromstring(resp.content, parser=xml_parser)
            return resp.url, root.xpath(XML_LINKS_XPATH) if root is not None else []
        return resp.url, []

    with Meter() as m:
        while queue:
            base, hrefs = visit(queue.popleft())
            for href in hrefs:
                target = urldefrag(urljoin(base, str(href).strip())).url
                if target not in seen and origin_of(target) in scope:
                    seen.add(target)
                    queue.append(target)
    return WorkerResult(
        "plain", m.seconds, counts["responses"], counts["html_pages"], m.cpu, peak_rss_mb(), m.rss_before,
        note="every response, redirect hops included (no robots.txt)",
        detail={"statuses": {str(k): v for k, v in sorted(statuses.items())}, "text_chars": counts["text_chars"]},
    )


WORKERS: dict[str, Callable[[list[str], Path, int], WorkerResult]] = {
    "srefind-crawler": work_srefind_crawler,
    "srefind-pipeline": work_srefind_pipeline,
    "scrapy": work_scrapy,
    "plain": work_plain,
}


def worker_main(name: str, seeds: list[str], data_dir: Path, concurrency: int) -> int:
    result = WORKERS[name](seeds, data_dir, concurrency)
    sys.stdout.write(RESULT_MARK + json.dumps(asdict(result)) + "\n")
    sys.stdout.flush()
    return 0


# -- the parent: fixture web, rounds, server-side counts, report ------------------------------
# Runs fixture_web.py unchanged, with TCP_NODELAY on every connection it accepts (see the docstring).
@contextlib.contextmanager
def fixture_web(shared: Path, log: Path, *, nodelay: bool) -> Iterator[dict[str, str]]:
    """Serve shared/corpus/sites with shared/tools/fixture_web.py (srefind's own launcher); yields {site: base_url}."""
    from srefind.errors import SrefindError
    from srefind.evaluation import fixture_web as serve

    if not (shared / "tools" / "fixture_web.py").is_file() or not (shared / "corpus" / "sites").is_dir():
        raise SystemExit(f"{shared} holds no tools/fixture_web.py and corpus/sites: pass --shared")
    try:
        with serve(shared, log=log, nodelay=nodelay) as bases:
            yield bases
    except SrefindError as exc:
        raise SystemExit(str(exc)) from None


class AccessLog:
    """Reads the fixture web's JSON access log incrementally: the requests one run made."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0

    def _size(self) -> int:
        return self.path.stat().st_size if self.path.exists() else 0

    def mark(self) -> None:
        self.offset = self._size()

    def since_mark(self, settle: float = 0.3) -> list[dict[str, Any]]:
        """Records written since `mark()`, once the log has stopped growing (the server logs after replying)."""
        size, deadline = self._size(), time.monotonic() + 3.0
        while time.monotonic() < deadline:
            time.sleep(settle)
            now = self._size()
            if now == size:
                break
            size = now
        with self.path.open("rb") as f:
            f.seek(self.offset)
            data = f.read(size - self.offset)
        self.offset = size
        return [json.loads(line) for line in data.splitlines() if line.strip()]


@dataclass
class RunRecord:
    contender: str
    round: int
    ok: bool
    error: str = ""
    process_seconds: float = 0.0  # spawn to exit, start-up and imports included
    server_responses: int = 0
    server_statuses: dict[str, int] = field(default_factory=dict)
    robots_requests: int = 0
    pages_per_second: float = 0.0
    result: dict[str, Any] = field(default_factory=dict)


def run_worker(name: str, seeds: list[str], concurrency: int, log: AccessLog, rnd: int) -> RunRecord:
    with tempfile.TemporaryDirectory(prefix=f"crawl-bench-{name}-") as tmp:
        args = [sys.executable, str(Path(__file__).resolve()), "--worker", name, "--seeds", json.dumps(seeds),
                "--data-dir", tmp, "--scrapy-concurrency", str(concurrency)]
        log.mark()
        start = time.perf_counter()
        try:
            proc = subprocess.run(args, capture_output=True, text=True, timeout=WORKER_TIMEOUT)
        except subprocess.TimeoutExpired:
            log.since_mark()
            return RunRecord(name, rnd, False, error=f"timed out after {WORKER_TIMEOUT:.0f}s")
        elapsed = time.perf_counter() - start
        records = log.since_mark()
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_MARK)]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        return RunRecord(name, rnd, False, error=f"exit {proc.returncode}: " + " | ".join(tail))
    result = json.loads(lines[-1][len(RESULT_MARK):])
    statuses = Counter(str(r["status"]) for r in records)
    robots = sum(1 for r in records if urlsplit(r["path"]).path == "/robots.txt")
    seconds = result["seconds"]
    return RunRecord(
        name, rnd, True, process_seconds=elapsed, server_responses=len(records),
        server_statuses=dict(sorted(statuses.items())), robots_requests=robots,
        pages_per_second=len(records) / seconds if seconds > 0 else 0.0, result=result,
    )


def summarize(runs: list[RunRecord], contenders: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in contenders:
        ok = [r for r in runs if r.contender == name and r.ok]
        failed = [r for r in runs if r.contender == name and not r.ok]
        if not ok:
            out[name] = {"ok": False, "errors": [r.error for r in failed]}
            continue
        out[name] = {
            "ok": not failed,
            "errors": [r.error for r in failed],
            "rounds": len(ok),
            "pages_per_second": round(median([r.pages_per_second for r in ok]), 1),
            "pages_per_second_min": round(min(r.pages_per_second for r in ok), 1),
            "pages_per_second_max": round(max(r.pages_per_second for r in ok), 1),
            "seconds": round(median([r.result["seconds"] for r in ok]), 3),
            "process_seconds": round(median([r.process_seconds for r in ok]), 3),
            "server_responses": int(median([r.server_responses for r in ok])),
            "server_statuses": ok[0].server_statuses,
            "robots_requests": ok[0].robots_requests,
            "cpu_ms_per_response": round(median([1000 * r.result["cpu_seconds"] / max(1, r.server_responses)
                                               for r in ok]), 2),
            "own_responses": int(median([r.result["responses"] for r in ok])),
            "own_responses_note": ok[0].result["note"],
            "html_pages": int(median([r.result["html_pages"] for r in ok])),
            "peak_rss_mb": round(max(r.result["peak_rss_mb"] for r in ok), 1),
            "rss_before_crawl_mb": round(max(r.result["rss_before_mb"] for r in ok), 1),
        }
    base = out.get(BASELINE, {}).get("pages_per_second")
    base_cpu = out.get(BASELINE, {}).get("cpu_ms_per_response")
    for row in out.values():
        if row.get("pages_per_second") is not None:
            row[f"ratio_vs_{BASELINE}"] = round(row["pages_per_second"] / base, 2) if base else None
            # Less sensitive to other load on the machine: responses per CPU-second, relative to Scrapy's.
            cpu = row["cpu_ms_per_response"]
            row[f"cpu_efficiency_vs_{BASELINE}"] = round(base_cpu / cpu, 2) if base_cpu and cpu else None
    return out


def print_table(summary: dict[str, Any], meta: dict[str, Any]) -> None:
    print(f"crawl_bench: {meta['sites']} fixture sites on 127.0.0.1 (server: {meta['server']}), "
          f"{meta['rounds']} round(s), medians; srefind delay 0, workers {meta['workers']}; "
          f"scrapy {meta['scrapy']}, CONCURRENT_REQUESTS {meta['scrapy_concurrency']}, 1 per origin slot; "
          f"{meta['cpus']} CPUs; srefind sources {meta['srefind_sources']}")
    head = (f"{'contender':<17} {'pages/s':>8} {'min-max':>9} {'x scrapy':>8} {'crawl s':>7} {'proc s':>6} "
            f"{'CPU ms/r':>8} {'responses':>9} {'own':>4} {'html':>4} {'RSS MB':>6} {'(pre)':>5}")
    print(head)
    print("-" * len(head))
    for name, row in summary.items():
        if "pages_per_second" not in row:
            print(f"{name:<17} FAILED: {'; '.join(row['errors'])[:200]}")
            continue
        ratio = row.get(f"ratio_vs_{BASELINE}")
        spread = f"{row['pages_per_second_min']:.0f}-{row['pages_per_second_max']:.0f}"
        print(f"{name:<17} {row['pages_per_second']:>8.1f} {spread:>9} "
              f"{(f'{ratio:.2f}x' if ratio is not None else 'n/a'):>8} {row['seconds']:>7.2f} "
              f"{row['process_seconds']:>6.2f} {row['cpu_ms_per_response']:>8.2f} {row['server_responses']:>9} "
              f"{row['own_responses']:>4} {row['html_pages']:>4} {row['peak_rss_mb']:>6.1f} "
              f"{row['rss_before_crawl_mb']:>5.1f}")
        if row["errors"]:
            print(f"{'':<17} {len(row['errors'])} failed round(s): {row['errors'][0][:160]}")
    print()
    print("pages/s   = HTTP responses the fixture web logged for the run / crawl s (median over rounds)")
    print("crawl s   = crawl time inside the worker (start-up and imports excluded; scrapy: its elapsed_time_seconds)")
    print("proc s    = the worker process from spawn to exit, for reference")
    print("CPU ms/r  = the worker's CPU time (user + system, all threads) during the crawl per response")
    print("responses = requests the fixture web answered (robots.txt, redirects, 404s, sitemaps, feeds, pages)")
    print("own       = the contender's own count:")
    for name, row in summary.items():
        if "own_responses_note" in row:
            print(f"            {name}: {row['own_responses_note']}")
    print("html      = HTML pages the contender parsed")
    print("RSS MB    = peak RSS of the contender's process (ru_maxrss); (pre) = after imports, before crawling")
    for name, row in summary.items():
        if "server_statuses" in row:
            st = ", ".join(f"{k}: {v}" for k, v in row["server_statuses"].items())
            print(f"  {name:<17} statuses {{{st}}}, robots.txt requests {row['robots_requests']}")
    crawler = summary.get("srefind-crawler", {})
    goal = crawler.get(f"ratio_vs_{BASELINE}")
    if goal is not None:
        verdict = "meets" if goal >= 1.5 else "is below"
        print(f"\nsrefind-crawler runs at {goal:.2f}x Scrapy's pages/s: {verdict} the 1.5x goal "
              f"(per CPU-second it does {crawler[f'cpu_efficiency_vs_{BASELINE}']:.2f}x Scrapy's responses).")
    if meta["srefind_sources_changed"]:
        print("warning: srefind's sources changed during the run: the rounds measured different code.")
    share = meta.get("other_processes_cpu_share")
    if share is not None:
        print(f"other processes used {100 * share:.0f}% of the machine's CPU during the run"
              + (": pages/s is noisy, CPU ms/r is the steadier figure." if share > 0.05 else "."))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    default_shared = Path(__file__).resolve().parents[2] / "shared"
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shared", type=Path, default=default_shared,
                   help=f"the shared folder holding tools/fixture_web.py and corpus/ (default: {default_shared})")
    p.add_argument("--rounds", type=int, default=3, help="runs per contender; the median is reported (default 3)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    p.add_argument("--server", choices=("nodelay", "stock"), default="nodelay",
                   help="run the fixture web with TCP_NODELAY (default) or exactly as shipped: see above")
    p.add_argument("--only", action="append", choices=CONTENDERS, help="run only this contender (repeatable)")
    p.add_argument("--scrapy-concurrency", type=int, default=0,
                   help="Scrapy's CONCURRENT_REQUESTS (default: srefind's `workers`, 4)")
    # Internal: the parent re-invokes this script once per contender and round.
    p.add_argument("--worker", choices=CONTENDERS, help=argparse.SUPPRESS)
    p.add_argument("--seeds", help=argparse.SUPPRESS)
    p.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from srefind.config import load_config

    workers = load_config(None).workers
    concurrency = args.scrapy_concurrency or workers
    if args.worker:
        return worker_main(args.worker, json.loads(args.seeds), args.data_dir, concurrency)

    contenders = [c for c in CONTENDERS if not args.only or c in args.only]
    runs: list[RunRecord] = []
    with tempfile.TemporaryDirectory(prefix="crawl-bench-") as tmp:
        log_path = Path(tmp) / "access.jsonl"
        busy0, own0, wall0 = machine_busy_seconds(), own_cpu_seconds(), time.monotonic()
        code = source_fingerprint()
        with fixture_web(args.shared.resolve(), log_path, nodelay=args.server == "nodelay") as bases:
            seeds = list(bases.values())
            log = AccessLog(log_path)
            for rnd in range(args.rounds):
                k = rnd % len(contenders)
                for name in contenders[k:] + contenders[:k]:
                    print(f"round {rnd + 1}/{args.rounds}: {name} ...", end="", file=sys.stderr, flush=True)
                    rec = run_worker(name, seeds, concurrency, log, rnd + 1)
                    runs.append(rec)
                    msg = (f" {rec.pages_per_second:.1f} pages/s ({rec.server_responses} responses in "
                           f"{rec.result['seconds']:.2f}s)" if rec.ok else f" FAILED: {rec.error}")
                    print(msg, file=sys.stderr, flush=True)
    busy1, own1, wall = machine_busy_seconds(), own_cpu_seconds(), time.monotonic() - wall0
    code_after = source_fingerprint()
    others = None
    if busy0 is not None and busy1 is not None:
        others = round(max(0.0, (busy1 - busy0) - (own1 - own0)) / (wall * (os.cpu_count() or 1)), 3)
    summary = summarize(runs, contenders)
    meta = {"sites": len(seeds), "rounds": args.rounds, "server": args.server, "workers": workers,
            "scrapy_concurrency": concurrency, "python": sys.version.split()[0], "cpus": os.cpu_count(),
            "seconds": round(wall, 1), "other_processes_cpu_share": others, "srefind_sources": code,
            "srefind_sources_changed": code_after != code}
    try:
        meta["scrapy"] = importlib.metadata.version("scrapy")
    except importlib.metadata.PackageNotFoundError:
        meta["scrapy"] = None
    if args.json:
        print(json.dumps({"meta": meta, "summary": summary, "runs": [asdict(r) for r in runs]}))
    else:
        print_table(summary, meta)
    return 0 if all(r.ok for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
