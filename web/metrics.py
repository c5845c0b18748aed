"""Prometheus metrics via prometheus-client: requests and latency per endpoint, index size, crawls.

A registry per app (not the global one) so that tests can build many apps in one process.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self, paths) -> None:
        self.paths = paths
        self.registry = CollectorRegistry()
        self.requests = Counter("srefind_http_requests_total", "HTTP requests", ["endpoint", "status"],
                                registry=self.registry)
        self.latency = Histogram("srefind_http_request_seconds", "Request latency", ["endpoint"],
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5), registry=self.registry)
        self.entries = Gauge("srefind_index_entries", "Talk entries in the index", registry=self.registry)
        self.crawl = Gauge("srefind_last_crawl_timestamp_seconds", "Last crawl start/finish/success (unix time)",
                           ["event"], registry=self.registry)

    def observe(self, endpoint: str, status: int, seconds: float) -> None:
        self.requests.labels(endpoint, str(status)).inc()
        self.latency.labels(endpoint).observe(seconds)

    def last_crawl(self) -> dict:
        """Start, finish and last success of crawl runs, read from the crawl state (read-only: it
        works on a data dir this process cannot write)."""
        import sqlite3

        from srefind.crawler.state import CrawlState

        out: dict[str, float | None] = {"last_crawl_start": None, "last_crawl_finish": None, "last_crawl_success": None}
        if not self.paths.state.exists():
            return out
        try:
            state = CrawlState(self.paths.state, readonly=True)
            try:
                out.update(state.last_crawl())
            finally:
                state.close()
        except (sqlite3.Error, OSError):
            pass
        return out

    def render(self, engine) -> tuple[bytes, str]:
        try:
            self.entries.set(engine.doc_count())
        except Exception:
            pass
        for event, value in self.last_crawl().items():
            if value:
                self.crawl.labels(event.removeprefix("last_crawl_")).set(value)
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
