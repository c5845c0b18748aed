"""The crawl loop: a frontier per origin, a bounded worker pool, politeness, robots, discovery.

Structure after Scrapy's (scheduler, downloader, spider callbacks), with what Scrapy lacks:
robots.txt Crawl-delay and 429/503 Retry-After slow the origin, conditional GETs everywhere,
and the frontier lives in SQLite so a killed crawl resumes.

Threads: workers fetch and extract (I/O plus parsing); the main thread owns SQLite and calls
`process(page)` (the tagger) so state is written from one place.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections import Counter, deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from srefind.config import CrawlConfig
from srefind.models import Page, TalkEntry

from .discover import parse_feed, parse_sitemap
from .extract import decode_html, extract
from .fetch import Fetcher, FetchResult
from .robots import RobotsRules, rules_from_response
from .state import CrawlState, UrlRow
from .urls import calendar_shape, normalize, origin, query_shape, trap_reason

MIN_BACKOFF_DELAY = 0.25
# The longest gap kept between two requests to one origin, whatever robots.txt's Crawl-delay or
# the back-off asks: an origin whose Crawl-delay is longer is paused for the run (its URLs stay
# queued for the next one) rather than holding a worker for hours.
MAX_ORIGIN_DELAY = 60.0
MAX_RETRY_AFTER = 120.0  # a Retry-After beyond this pauses the origin until the next run
# AutoThrottle-style recovery: after each answer that is not a 429/503 the gap shrinks by this
# factor, but not below RECOVERY_MARGIN x the gap at which the origin last said "too many".
RECOVERY_FACTOR = 0.9
RECOVERY_MARGIN = 1.5
# Trap budgets per origin: URLs that differ only by their query, and calendar-like URLs of one
# shape (dates blanked). A calendar links every day to the next forever; a blog's dated posts
# differ by slug, so each has its own shape.
MAX_QUERY_VARIANTS = 100
MAX_CALENDAR_PAGES = 50
HTML_TYPES = {"text/html", "application/xhtml+xml", ""}
# An origin that answers 404/410 for more than this share of the pages revisited in one run (and for at
# least SUSPECT_MIN_GONE of them) looks broken rather than edited: nothing of it is deleted that run.
SUSPECT_GONE_SHARE = 0.5
SUSPECT_MIN_GONE = 3
# Why a redirect was not followed inside the fetch; the target is queued under its own name instead,
# where scope, trap guards, robots.txt and the target origin's politeness all apply to it. A target
# already answered ("known-redirect": this run, or settled before it) is not requested a second time.
UNFOLLOWED_REDIRECTS = {"off-scope-redirect", "cross-origin-redirect", "robots-redirect", "trap-redirect",
                        "known-redirect"}
SETTLED_STATES = ("done", "gone", "skipped")  # not fetched again in a run as some other URL's redirect target


@dataclass
class PageOutcome:
    """What the downstream stage made of a page; stored with the URL in one transaction."""

    entries: list[TalkEntry]
    relevant: bool
    page_type: str
    tagger: str = ""  # fingerprint of the analysis that made the entries (re-analysed when it changes)


@dataclass
class CrawlStats:
    fetched: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    gone: int = 0
    duplicates: int = 0
    not_html: int = 0
    robots_skipped: int = 0
    off_scope_links: int = 0
    trap_skipped: int = 0
    indexed_pages: int = 0
    entries: int = 0
    errors: Counter = field(default_factory=Counter)
    origins_unreachable: list[str] = field(default_factory=list)
    origins_paused: list[str] = field(default_factory=list)
    origins_suspect: list[str] = field(default_factory=list)  # most pages missing at once: nothing deleted
    kept_despite_gone: int = 0
    upgraded: int = 0  # unchanged pages fetched once more to keep their body (an older data dir)
    retagged: int = 0  # stored pages analysed again because the analysis changed (no request)
    entries_changed: int = 0  # entries added, removed or changed by that re-analysis
    index_rebuilt: str = ""  # why the index was rebuilt from the store at the start, if it was
    stopped_at_deadline: bool = False  # --max-duration ran out: the rest stays queued for the next run
    seconds: float = 0.0

    @property
    def pages_per_second(self) -> float:
        return self.fetched / self.seconds if self.seconds else 0.0

    def to_dict(self) -> dict:
        return {
            "fetched": self.fetched, "new": self.new, "changed": self.changed, "unchanged": self.unchanged,
            "gone": self.gone, "duplicates": self.duplicates, "not_html": self.not_html,
            "robots_skipped": self.robots_skipped, "off_scope_links": self.off_scope_links,
            "trap_skipped": self.trap_skipped, "indexed_pages": self.indexed_pages, "entries": self.entries,
            "errors": dict(self.errors), "error_total": sum(self.errors.values()),
            "origins_unreachable": self.origins_unreachable, "origins_paused": self.origins_paused,
            "origins_suspect": self.origins_suspect, "kept_despite_gone": self.kept_despite_gone,
            "upgraded": self.upgraded, "retagged": self.retagged, "entries_changed": self.entries_changed,
            "index_rebuilt": self.index_rebuilt or None, "stopped_at_deadline": self.stopped_at_deadline,
            "seconds": round(self.seconds, 2), "pages_per_second": round(self.pages_per_second, 1),
        }


@dataclass
class _Origin:
    name: str
    queue: deque = field(default_factory=deque)
    next_time: float = 0.0
    busy: bool = False
    robots: RobotsRules | None = None
    delay: float = 0.0
    paused: bool = False  # asked (Retry-After, Crawl-delay) to wait longer than a run should: left for the next run
    throttled_at: float = 0.0  # the gap at which it last answered 429 (or 503 with Retry-After): recovery stays above it


@dataclass
class _Task:
    row: UrlRow
    robots: RobotsRules | None = None
    result: FetchResult | None = None
    page: Page | None = None
    disallowed: bool = False
    waited: float = 0.0
    too_slow: bool = False  # robots.txt asks for a Crawl-delay beyond MAX_ORIGIN_DELAY: not fetched
    body: bytes = b""  # the HTML, zlib-compressed (in the worker, off the main thread), to keep


class Crawler:
    def __init__(
        self,
        config: CrawlConfig,
        state: CrawlState,
        process: Callable[[Page], PageOutcome],
        *,
        on_progress: Callable[[CrawlStats, int], None] | None = None,
        on_checkpoint: Callable[[], object] | None = None,
        checkpoint_every: int = 200,
        recrawl: bool = False,
        max_duration: float = 0.0,
    ) -> None:
        self.config = config
        self.state = state
        self.process = process
        self.on_progress = on_progress
        self.on_checkpoint = on_checkpoint
        self.checkpoint_every = checkpoint_every
        self.origins: dict[str, _Origin] = {}
        self.scope: set[str] = {origin(u) for u in map(normalize, config.allowed_origins) if u}
        self.stats = CrawlStats()
        self._local = threading.local()
        self.agent = config.user_agent_header
        # In-memory mirrors of the frontier, so a page's fifty links cost set lookups, not SQL.
        self._known: set[str] = set(state.all_urls())
        self._per_origin: Counter = Counter(state.origin_counts())
        self._external: set[str] = set()
        self._finished: set[str] = set()  # URLs answered in this run (a queued copy is then skipped)
        self._settled: set[str] = set()  # URLs settled before this run started (read when it starts)
        # A re-crawl defers deletions to the end of the run, to judge each origin as a whole.
        self.recrawl = recrawl
        self._gone: dict[str, list[str]] = {}
        self._answered: Counter = Counter()
        # A run given a deadline stops dispatching at it, lets requests in flight finish, and
        # leaves the rest of the frontier queued in SQLite for the next run.
        self.max_duration = max_duration
        self._stop = threading.Event()
        self._shapes: Counter = Counter()
        for url in self._known:
            for shape in self._trap_shapes(url):
                self._shapes[shape] += 1

    # -- scope and frontier ------------------------------------------------------------
    def add_seeds(self, seeds: list[str]) -> list[str]:
        """Normalise seeds, put their origins in scope and queue them. Returns the bad ones."""
        bad = []
        for seed in seeds:
            url = normalize(seed)
            if url is None:
                bad.append(seed)
                continue
            self.scope.add(origin(url))
            self._add(url, 0, "page")
        return bad

    def in_scope(self, url: str) -> bool:
        return origin(url) in self.scope

    def _origin(self, name: str) -> _Origin:
        o = self.origins.get(name)
        if o is None:
            o = self.origins[name] = _Origin(name, delay=self.config.delay)
        return o

    def _add(self, url: str, depth: int, kind: str) -> bool:
        """Insert a new URL into the state (not the in-memory queue). True when it was new."""
        if url in self._known:
            return False
        o = origin(url)
        self._known.add(url)
        if not self.state.add(url, o, depth, kind):
            return False
        self._per_origin[o] += 1
        return True

    def _enqueue(self, url: str, depth: int, kind: str = "page", source: str = "") -> None:
        if url in self._known or url in self._external:
            return
        if not self.in_scope(url):
            self._external.add(url)
            if self.state.record_external(url, source):
                self.stats.off_scope_links += 1
            return
        if depth > self.config.max_depth or self._trap(url):
            self.stats.trap_skipped += 1
            return
        o = origin(url)
        if self._per_origin[o] >= self.config.max_pages_per_origin:
            self.stats.trap_skipped += 1
            return
        shapes = self._trap_shapes(url)
        if any(self._shapes[s] >= limit for s, limit in shapes.items()):
            self.stats.trap_skipped += 1
            return
        if self._add(url, depth, kind):
            for shape in shapes:
                self._shapes[shape] += 1
            self._origin(o).queue.append(UrlRow(url, o, depth, kind, "queued"))

    def _trap(self, url: str) -> str | None:
        return trap_reason(url, max_length=self.config.max_url_length)

    @staticmethod
    def _trap_shapes(url: str) -> dict[tuple[str, str], int]:
        """The budgets a URL counts against: its query-less URL and its calendar shape, if any."""
        out: dict[tuple[str, str], int] = {}
        q = query_shape(url)
        if q:
            out[("query", q)] = MAX_QUERY_VARIANTS
        c = calendar_shape(url)
        if c:
            out[("calendar", c)] = MAX_CALENDAR_PAGES
        return out

    def load_frontier(self, rows: list[UrlRow] | None = None) -> int:
        rows = self.state.queued() if rows is None else rows
        for row in rows:
            if self.in_scope(row.url):
                self._origin(row.origin).queue.append(row)
        return len(rows)

    # -- worker side ------------------------------------------------------------------
    def _fetcher(self) -> Fetcher:
        f = getattr(self._local, "fetcher", None)
        if f is None:
            c = self.config
            f = self._local.fetcher = Fetcher(
                self.agent, connect_timeout=c.connect_timeout, read_timeout=c.read_timeout,
                max_body_bytes=c.max_body_bytes, retries=c.retries, backoff_base=c.backoff_base,
                total_timeout=c.total_timeout,
            )
        return f

    def _redirect_check(self, home: str, rules: RobotsRules) -> Callable[[str], str | None]:
        """Follow a redirect inside the fetch only within the origin, where robots and politeness are known."""

        def check(target: str) -> str | None:
            if origin(target) != home:
                return "cross-origin-redirect" if self.in_scope(target) else "off-scope-redirect"
            if not rules.allows(target, self.agent):
                return "robots-redirect"
            if self._trap(target):
                return "trap-redirect"
            if target in self._finished or target in self._settled:
                return "known-redirect"  # already answered: following would request it a second time
            return None

        return check

    def _robots(self, fetcher: Fetcher, o: _Origin) -> RobotsRules:
        """robots.txt of one origin, fetched by the worker that runs the origin's first URL of the run."""
        robots_url = o.name + "/robots.txt"
        res = fetcher.fetch(robots_url, allowed=lambda u: None if origin(u) == o.name else "off-scope-redirect")
        rules = rules_from_response(res.status, res.body, res.error)
        rules.sitemaps = [s for s in (normalize(x, robots_url) for x in rules.sitemaps) if s]
        return rules

    def _work(self, task: _Task, o: _Origin) -> _Task:
        fetcher = self._fetcher()
        if task.robots is None:
            task.robots = self._robots(fetcher, o)
            if not task.robots.reachable:
                return task
            crawl_delay = task.robots.crawl_delay(self.agent)
            if crawl_delay > MAX_ORIGIN_DELAY:
                task.too_slow = True  # the main thread pauses the origin for this run
                return task
            delay = max(self.config.delay, crawl_delay)
            if delay:
                self._stop.wait(delay)  # politeness applies to robots.txt too
        if not task.robots.allows(task.row.url, self.agent):
            task.disallowed = True
            return task

        def slow(seconds: float) -> None:
            seconds = max(seconds, o.delay)
            task.waited += seconds
            self._stop.wait(seconds)

        bare_503_seen = False

        def throttled(status: int, retry_after: float) -> None:
            # A 429 (or Retry-After) says "too many" on every try. A bare 503 is more often one
            # page's error than a limit: it lengthens the gap once per request, not once per retry,
            # or three broken pages would push a healthy origin to the 60 s cap.
            nonlocal bare_503_seen
            if status != 429 and not retry_after:
                if bare_503_seen:
                    return
                bare_503_seen = True
            self._throttle(o, status, retry_after)

        task.result = fetcher.fetch(
            task.row.url, etag=task.row.etag, last_modified=task.row.last_modified,
            allowed=self._redirect_check(o.name, task.robots), on_wait=slow, on_throttled=throttled,
            truncate=task.row.kind in ("sitemap", "feed"),  # a huge sitemap yields its first entries, not none
        )
        res = task.result
        if res.ok and task.row.kind == "page" and res.content_type in HTML_TYPES:
            html = decode_html(res.body, res.charset)
            task.page = extract(res.final_url, html, fetched_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
            task.body = zlib.compress(res.body, 6)
        return task

    # -- main loop --------------------------------------------------------------------
    def run(self) -> CrawlStats:
        """The loop: stop at the deadline, hand due URLs to workers, wait, take in what finished."""
        start = time.monotonic()
        # Read here, not in __init__: a re-crawl queues its due URLs after making the Crawler.
        self._settled = {r.url for r in self.state.known_urls(("page", "sitemap", "feed"))
                         if r.state in SETTLED_STATES}
        workers = max(1, self.config.workers)
        inflight: dict[Future, tuple[_Task, _Origin]] = {}
        since_checkpoint = 0
        deadline = start + self.max_duration if self.max_duration > 0 else None
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch") as pool:
            while True:
                self._stop_at(deadline)
                self._dispatch(pool, inflight, workers)
                if not inflight:
                    if not self._sleep_until_due(deadline):
                        break
                    continue
                timeout = self._wait_timeout(deadline) if len(inflight) < workers else None
                done, _ = wait(list(inflight), timeout=timeout, return_when=FIRST_COMPLETED)
                for fut in done:
                    task, o = inflight.pop(fut)
                    self._collect(fut, task, o)
                    since_checkpoint += 1
                    if self.on_progress:
                        self.on_progress(self.stats, sum(len(x.queue) for x in self.origins.values()) + len(inflight))
                if since_checkpoint >= self.checkpoint_every and self.on_checkpoint:
                    self.on_checkpoint()
                    since_checkpoint = 0
        self._apply_deletions()
        self.stats.seconds = time.monotonic() - start
        return self.stats

    def _stop_at(self, deadline: float | None) -> None:
        """Past `--max-duration`: no new request; back-off sleeps end now; the queue stays in SQLite."""
        if deadline is not None and time.monotonic() >= deadline and not self._stop.is_set():
            self._stop.set()
            self.stats.stopped_at_deadline = True

    def _dispatch(self, pool: ThreadPoolExecutor, inflight: dict[Future, tuple[_Task, _Origin]], workers: int) -> None:
        """Give each origin that is due, idle and not paused its next URL, up to `workers` in flight."""
        now = time.monotonic()
        for o in self.origins.values():
            if len(inflight) >= workers or self._stop.is_set():
                return
            if o.busy or not o.queue or o.next_time > now:
                continue
            if o.paused or (o.robots is not None and not o.robots.reachable):
                o.queue.clear()  # still queued in SQLite: the next run tries again
                continue
            row = o.queue.popleft()
            if row.url in self._finished:
                continue
            o.busy = True
            task = _Task(row, robots=o.robots)
            inflight[pool.submit(self._work, task, o)] = (task, o)

    def _next_due(self) -> list[float]:
        return [o.next_time for o in self.origins.values() if o.queue and not o.busy]

    def _sleep_until_due(self, deadline: float | None) -> bool:
        """Nothing in flight: sleep (at most 1 s) until an origin is due. False when nothing will be."""
        pending = self._next_due()
        if not pending or self._stop.is_set():
            return False
        wake = min(pending) if deadline is None else min(min(pending), deadline)
        time.sleep(max(0.0, min(wake - time.monotonic(), 1.0)))
        return True

    def _wait_timeout(self, deadline: float | None) -> float | None:
        """How long to wait for a worker when a free one could take a URL that falls due meanwhile."""
        times = self._next_due()
        if deadline is not None and not self._stop.is_set():
            times.append(deadline)
        return max(0.0, min(times) - time.monotonic()) if times else None

    def _collect(self, fut: Future, task: _Task, o: _Origin) -> None:
        """Take in one finished task on the main thread; its page's links, entries and state land together."""
        o.busy = False
        done_at = time.monotonic()
        try:
            task = fut.result()
        except Exception as exc:  # a bug in extraction must not stop the crawl
            self._adopt_robots(task, o)
            self.stats.errors[f"internal:{type(exc).__name__}"] += 1
            self._mark(task.row.url, "error", error=f"internal:{type(exc).__name__}")
        else:
            with self.state.transaction():
                self._handle(task, o)
        # After _handle: the origin's first answer brings robots.txt and its Crawl-delay.
        o.next_time = max(o.next_time, done_at + o.delay)

    def _apply_deletions(self) -> None:
        """Delete the entries of pages that answered 404/410, unless their origin looks broken."""
        for name, urls in self._gone.items():
            answered = max(1, self._answered[name])
            if len(urls) >= SUSPECT_MIN_GONE and len(urls) / answered > SUSPECT_GONE_SHARE:
                self.stats.origins_suspect.append(name)
                self.stats.kept_despite_gone += len(urls)
                self.stats.errors["origin-looks-broken"] += 1  # worth an alert: exit 1
                continue  # their state says gone; the next run revisits them and decides again
            with self.state.transaction():
                for url in urls:
                    self.state.drop_page(url)

    # -- results ----------------------------------------------------------------------
    def _mark(self, url: str, state: str, **kw: Any) -> None:
        self._finished.add(url)
        self.state.mark(url, state, **kw)

    def _adopt_robots(self, task: _Task, o: _Origin) -> bool:
        """Keep the robots.txt a worker fetched for the origin's first URL. False when it says: not now."""
        if o.robots is not None or task.robots is None:
            return not o.paused
        o.robots = task.robots
        if not o.robots.reachable:
            self.stats.origins_unreachable.append(o.name)
            self.stats.errors["robots-unreachable"] += 1
            return False
        if task.too_slow:
            self._pause(o)
            return False
        o.delay = max(self.config.delay, o.robots.crawl_delay(self.agent))
        for sm in o.robots.sitemaps or [o.name + "/sitemap.xml"]:
            self._enqueue(sm, 1, "sitemap", o.name + "/robots.txt")
        return True

    def _pause(self, o: _Origin) -> None:
        """Leave the origin for the next run: it asks for a longer wait than a run should spend."""
        o.paused = True
        o.queue.clear()
        self.stats.origins_paused.append(o.name)
        self.stats.errors["origin-paused"] += 1

    def _throttle(self, o: _Origin, status: int, retry_after: float) -> None:
        """A 429 or 503 (also one the fetcher retries itself): double the origin's gap for the run.

        A 429 (or a 503 with Retry-After) says "too many": the gap it came at is remembered, and
        recovery stays 1.5x above it. A bare 503 is an error more often than a limit: the gap
        grows but may recover fully. Called from the worker fetching for `o` (one request in
        flight per origin) or the main thread.
        """
        base = max(o.delay, MIN_BACKOFF_DELAY, self.config.delay)
        if status == 429 or retry_after:
            o.throttled_at = max(o.throttled_at, base)
        o.delay = min(2 * base, max(MAX_ORIGIN_DELAY, self.config.delay))

    def _recover(self, o: _Origin) -> None:
        """An answer that was not "too many": shrink the gap slowly, staying clear of the last limit."""
        if o.delay > self.config.delay:
            crawl_delay = o.robots.crawl_delay(self.agent) if o.robots else 0.0
            floor = max(self.config.delay, RECOVERY_MARGIN * o.throttled_at, crawl_delay)
            o.delay = max(floor, o.delay * RECOVERY_FACTOR)

    def _slow_down(self, res: FetchResult, o: _Origin) -> bool:
        """Honour 429/503 and Retry-After for the origin. False when it asked for more than a run can wait."""
        if not (res.retry_after or res.status in (429, 503)):
            self._recover(o)
            return True
        if res.retry_after > MAX_RETRY_AFTER:
            self._pause(o)
            return False
        # The fetcher reported the 429/503 itself (the gap is already longer): wait as asked.
        o.next_time = max(o.next_time, time.monotonic() + res.retry_after)
        return True

    def _handle(self, task: _Task, o: _Origin) -> None:
        """One fetch outcome, each to its own step: not now, disallowed, throttled away, then by answer."""
        row = task.row
        if not self._adopt_robots(task, o):
            o.queue.appendleft(row)  # stays queued in SQLite for the next run
            return
        if task.disallowed:
            self.stats.robots_skipped += 1
            self._mark(row.url, "skipped", note="robots.txt")
            return
        res = task.result
        if res is None or not self._slow_down(res, o):
            return  # not fetched, or paused: the URL stays queued in SQLite
        self.stats.fetched += 1
        if res.error in UNFOLLOWED_REDIRECTS:
            self._on_redirect_elsewhere(row, res)
            return
        if res.error and res.status not in (404, 410):
            self._on_error(row, res, res.error)
            return
        if row.kind == "page":
            self._answered[o.name] += 1  # the origin answered: counts toward "does it look broken"
        if res.status == 304:
            self._on_not_modified(row)
        elif res.status in (404, 410):
            self._on_gone(row, res, o)
        elif res.status != 200:
            self._on_error(row, res, f"http-{res.status}")
        else:
            self._on_ok(task, o)

    def _on_redirect_elsewhere(self, row: UrlRow, res: FetchResult) -> None:
        """A redirect not followed in the fetch: the target goes through the frontier (an off-scope
        one is recorded as an external link, never requested)."""
        note = "off-scope-redirect" if res.error == "off-scope-redirect" else "redirect"
        self._mark(row.url, "done", http_status=res.status, note=f"{note}:{res.final_url}")
        self._enqueue(res.final_url, row.depth, row.kind, row.url)

    def _on_error(self, row: UrlRow, res: FetchResult, error: str) -> None:
        self.stats.errors[error] += 1
        self._mark(row.url, "error", http_status=res.status or None, error=error)

    def _on_not_modified(self, row: UrlRow) -> None:
        self.stats.unchanged += 1
        self._mark(row.url, "done", http_status=304)
        self.state.schedule_next(row.url, changed=False)

    def _on_gone(self, row: UrlRow, res: FetchResult, o: _Origin) -> None:
        """404/410: the entries go, at the end of a re-crawl only if the origin does not look broken."""
        self.stats.gone += 1
        self._mark(row.url, "gone", http_status=res.status)
        if self.recrawl:
            self._gone.setdefault(o.name, []).append(row.url)
        else:
            self.state.drop_page(row.url)

    def _on_ok(self, task: _Task, o: _Origin) -> None:
        """A 200, maybe after redirects: a listing (sitemap, feed), a non-HTML file or a page."""
        row, res = task.row, task.result
        assert res is not None
        final = res.final_url
        if final != row.url and not self._take_redirect_target(row, final):
            return
        marks: dict = dict(http_status=200, etag=res.headers.get("etag", ""),
                           last_modified=res.headers.get("last-modified", ""), content_type=res.content_type)
        if row.kind in ("sitemap", "feed"):
            self._on_listing(row, res, final)
            self._mark(final, "done", **marks)
        elif task.page is None:
            self.stats.not_html += 1
            self._mark(final, "done", note="not-html", **marks)
        else:
            self._on_page(task, o, final, {**marks, "content_type": res.content_type or "text/html",
                                           "content_hash": task.page.content_hash})

    def _take_redirect_target(self, row: UrlRow, final: str) -> bool:
        """A redirect followed in the fetch: the original URL is done and the target is crawled under
        its own name, unless it was already answered (see `_redirect_check`). False: nothing more to do."""
        self._mark(row.url, "done", http_status=200, note=f"redirect:{final}")
        existing = self.state.get(final)
        if final in self._finished or (existing and existing.state in SETTLED_STATES):
            return False
        self._add(final, row.depth, row.kind)
        return True

    def _on_listing(self, row: UrlRow, res: FetchResult, final: str) -> None:
        """A sitemap (or sitemap index) or feed: queue what it lists."""
        if row.kind == "sitemap":
            pages, nested = parse_sitemap(res.body, final)
            for u in nested:
                self._enqueue(u, row.depth, "sitemap", final)
        else:
            pages = parse_feed(res.body, final)
        for u in pages:
            self._enqueue(u, row.depth + 1, "page", final)

    def _on_page(self, task: _Task, o: _Origin, final: str, marks: dict) -> None:
        """An HTML page: follow its links; then it is a copy, unchanged, or analysed and stored."""
        page, row = task.page, task.row
        assert page is not None and task.result is not None
        for link in page.links:
            self._enqueue(link, row.depth + 1, "page", final)
        for feed in page.feeds:
            self._enqueue(feed, row.depth + 1, "feed", final)
        if self._is_copy(page, row, o, final, marks):
            return
        previous = self.state.get(final)
        unchanged = bool(previous and previous.content_hash == page.content_hash)
        if unchanged and self.state.has_body(final):
            self.stats.unchanged += 1
            self._mark(final, "done", **marks)
            self.state.schedule_next(final, changed=False)
            return
        if unchanged:
            self.stats.upgraded += 1  # the same page, analysed before bodies were kept: keep it now
        elif previous and previous.content_hash:
            self.stats.changed += 1
        else:
            self.stats.new += 1
        outcome = self.process(page)
        self.stats.entries += len(outcome.entries)
        self._mark(final, "done", **marks)
        self.state.schedule_next(final, changed=not unchanged)
        self.state.save_body(final, task.body, task.result.charset or "", page.fetched_at)
        self.state.save_entries(final, outcome.entries, relevant=outcome.relevant, page_type=outcome.page_type,
                                tagger=outcome.tagger)

    def _is_copy(self, page: Page, row: UrlRow, o: _Origin, final: str, marks: dict) -> bool:
        """A page that defers to its rel=canonical, or whose content another URL already holds."""
        if page.canonical and page.canonical != final and self._can_defer_to(page.canonical, o):
            self._enqueue(page.canonical, row.depth, "page", final)
            note = f"canonical:{page.canonical}"
        else:
            owner = self.state.hash_owner(page.content_hash, final)
            if not owner:
                return False
            note = f"duplicate:{owner}"
        self.stats.duplicates += 1
        self._mark(final, "done", note=note, **marks)
        self.state.drop_page(final)
        return True

    def _can_defer_to(self, canonical: str, o: _Origin) -> bool:
        """A page gives way to its rel=canonical only when that URL can be crawled; else it stands for itself."""
        if not self.in_scope(canonical) or self._trap(canonical):
            return False
        if origin(canonical) == o.name and o.robots is not None and not o.robots.allows(canonical, self.agent):
            return False
        existing = self.state.get(canonical)
        if existing is None:
            return self._per_origin[origin(canonical)] < self.config.max_pages_per_origin
        return existing.state in ("queued", "done")
