"""Prometheus metrics via prometheus-client, named by Prometheus's conventions: the web side
(requests by endpoint and code, their duration), the index (entries, bytes on disk), the crawl side
(the last run's duration, pages by outcome, errors by kind, entries; start/finish/success times),
build info and the process's own metrics.

A registry per app (not the global one) so that tests can build many apps in one process.
"""

from __future__ import annotations

import platform
import sqlite3

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)

from srefind import __version__

# The outcomes of a crawl's pages, as CrawlStats counts them (srefind_crawl_pages{outcome})
PAGE_OUTCOMES = ("fetched", "new", "changed", "unchanged", "gone", "duplicates", "not_html", "robots_skipped",
                 "trap_skipped")


class Metrics:
    def __init__(self, paths) -> None:
        self.paths = paths
        self.registry = r = CollectorRegistry()
        ProcessCollector(registry=r)
        PlatformCollector(registry=r)
        Gauge("srefind_build_info", "The srefind version serving, as labels (always 1)", ["version", "python"],
              registry=r).labels(__version__, platform.python_version()).set(1)
        self.requests = Counter("srefind_http_requests_total", "HTTP requests by endpoint and status code",
                                ["endpoint", "code"], registry=r)
        self.latency = Histogram("srefind_http_request_duration_seconds", "HTTP request duration by endpoint",
                                 ["endpoint"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5), registry=r)
        self.entries = Gauge("srefind_index_entries", "Talk entries in the index", registry=r)
        self.index_bytes = Gauge("srefind_index_size_bytes", "Bytes the index's files take on disk", registry=r)
        self.crawl = Gauge("srefind_last_crawl_timestamp_seconds", "Last crawl start/finish/success (unix time)",
                           ["event"], registry=r)
        self.run_seconds = Gauge("srefind_crawl_last_run_duration_seconds", "How long the last crawl run took",
                                 registry=r)
        self.run_ok = Gauge("srefind_crawl_last_run_success", "1 when the last crawl run succeeded, else 0", registry=r)
        self.pages = Gauge("srefind_crawl_last_run_pages", "Pages of the last crawl run by outcome", ["outcome"],
                           registry=r)
        self.errors = Gauge("srefind_crawl_last_run_errors", "Errors of the last crawl run by kind", ["kind"],
                            registry=r)
        self.run_entries = Gauge("srefind_crawl_last_run_entries", "Talk entries the last crawl run left indexed",
                                 registry=r)

    def observe(self, endpoint: str, status: int, seconds: float) -> None:
        self.requests.labels(endpoint, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)

    def _store(self) -> tuple[dict[str, float | None], dict | None]:
        """Start, finish and last success of crawl runs, and the newest finished run, read from the
        crawl state (read-only: it works on a data dir this process cannot write)."""
        from srefind.crawler.state import CrawlState

        times: dict[str, float | None] = {"last_crawl_start": None, "last_crawl_finish": None,
                                          "last_crawl_success": None}
        run = None
        if not self.paths.state.exists():
            return times, run
        try:
            state = CrawlState(self.paths.state, readonly=True)
            try:
                times.update(state.last_crawl())
                run = next((x for x in state.runs(limit=5) if x["finished"]), None)
            finally:
                state.close()
        except (sqlite3.Error, OSError):
            pass
        return times, run

    def last_crawl(self) -> dict:
        return self._store()[0]

    def render(self, engine) -> tuple[bytes, str]:
        try:
            self.entries.set(engine.doc_count())
        except Exception:
            pass
        self.index_bytes.set(_tree_bytes(self.paths.index))
        times, run = self._store()
        for event, value in times.items():
            if value:
                self.crawl.labels(event.removeprefix("last_crawl_")).set(value)
        if run:
            stats = run["stats"] or {}
            self.run_seconds.set(run["finished"] - run["started"])
            self.run_ok.set(1 if run["ok"] else 0)
            for outcome in PAGE_OUTCOMES:
                self.pages.labels(outcome).set(stats.get(outcome, 0) or 0)
            for kind, n in (stats.get("errors") or {}).items():
                self.errors.labels(kind).set(n)
            self.run_entries.set(stats.get("entries", 0) or 0)
        return generate_latest(self.registry), CONTENT_TYPE_LATEST


def _tree_bytes(path) -> int:
    """The size of the files under `path` (the index: a symlink to its current directory)."""
    try:
        root = path.resolve()
        return sum(f.stat().st_size for f in root.rglob("*") if f.is_file())
    except OSError:
        return 0
