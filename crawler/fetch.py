"""HTTP fetching on requests: timeouts, a body cap, redirects checked hop by hop, retries with backoff.

Redirects are followed by hand (not by requests) so that every hop is checked against the
crawl's scope and robots.txt, and loops are caught.
"""

from __future__ import annotations

import email.utils
import random
import time
from dataclasses import dataclass, field
from typing import Callable

import requests

from .urls import normalize

MAX_REDIRECTS = 5
RETRY_STATUSES = {500, 502, 503, 504, 429}


@dataclass
class FetchResult:
    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int = 0  # HTTP status, 0 when no response
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str = ""  # "", "timeout", "connection", "too-large", "redirect-loop", "too-many-redirects", "off-scope-redirect", "robots-redirect", "http-5xx", "http-429"
    tries: int = 0
    redirects: list[str] = field(default_factory=list)
    retry_after: float = 0.0

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.error

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str | None:
        for part in self.headers.get("content-type", "").split(";")[1:]:
            k, _, v = part.partition("=")
            if k.strip().lower() == "charset" and v.strip():
                return v.strip().strip('"')
        return None


def parse_retry_after(value: str | None, now: float | None = None) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); 0 when absent."""
    if not value:
        return 0.0
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return 0.0
    return max(0.0, when - (now or time.time()))


class Fetcher:
    """One per worker thread: requests.Session is not safe to share across threads."""

    def __init__(
        self,
        user_agent: str,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        max_body_bytes: int = 5_000_000,
        retries: int = 3,
        backoff_base: float = 0.5,
        max_retry_after: float = 120.0,
    ) -> None:
        self.session = requests.Session()
        self.session.headers["User-Agent"] = user_agent
        self.session.headers["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=4, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.timeout = (connect_timeout, read_timeout)
        self.max_body_bytes = max_body_bytes
        self.retries = max(1, retries)
        self.backoff_base = backoff_base
        self.max_retry_after = max_retry_after

    def close(self) -> None:
        self.session.close()

    def fetch(
        self,
        url: str,
        *,
        etag: str = "",
        last_modified: str = "",
        allowed: Callable[[str], str | None] = lambda u: None,
        on_wait: Callable[[float], None] = time.sleep,
    ) -> FetchResult:
        """GET `url` with retries. `allowed(url)` returns why a redirect target may not be fetched, or None.

        `on_wait(seconds)` is called for every back-off so the caller can also slow the origin.
        """
        result = FetchResult(url=url, final_url=url)
        for attempt in range(self.retries):
            result = self._fetch_once(url, etag, last_modified, allowed)
            result.tries = attempt + 1
            retryable = result.error in ("timeout", "connection") or result.status in RETRY_STATUSES
            if not retryable or attempt == self.retries - 1:
                break
            backoff = self.backoff_base * (2**attempt) * random.uniform(0.5, 1.5)
            wait = max(backoff, min(result.retry_after, self.max_retry_after))
            on_wait(wait)
        return result

    def _fetch_once(
        self, url: str, etag: str, last_modified: str, allowed: Callable[[str], str | None]
    ) -> FetchResult:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        current, chain = url, [url]
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                resp = self.session.get(
                    current, headers=headers, timeout=self.timeout, allow_redirects=False, stream=True
                )
            except requests.Timeout:
                return FetchResult(url, current, error="timeout", redirects=chain[1:])
            except requests.RequestException:
                return FetchResult(url, current, error="connection", redirects=chain[1:])
            with resp:
                hdrs = {k.lower(): v for k, v in resp.headers.items()}
                if resp.is_redirect and "location" in hdrs:
                    target = normalize(hdrs["location"], current)
                    if target is None:
                        return FetchResult(url, current, resp.status_code, hdrs, error="bad-redirect", redirects=chain[1:])
                    if target in chain:
                        return FetchResult(url, target, resp.status_code, hdrs, error="redirect-loop", redirects=chain[1:])
                    why = allowed(target)
                    if why:
                        return FetchResult(url, target, resp.status_code, hdrs, error=why, redirects=chain[1:])
                    chain.append(target)
                    current = target
                    continue
                result = FetchResult(url, current, resp.status_code, hdrs, redirects=chain[1:])
                if resp.status_code in (429, 503):
                    result.retry_after = parse_retry_after(hdrs.get("retry-after"))
                if resp.status_code >= 500:
                    result.error = f"http-{resp.status_code // 100}xx"
                elif resp.status_code == 429:
                    result.error = "http-429"
                if resp.status_code == 200:
                    declared = hdrs.get("content-length", "")
                    if declared.isdigit() and int(declared) > self.max_body_bytes:
                        result.error = "too-large"
                        return result
                    chunks, size = [], 0
                    try:
                        for chunk in resp.iter_content(65536):
                            size += len(chunk)
                            if size > self.max_body_bytes:
                                result.error = "too-large"
                                return result
                            chunks.append(chunk)
                    except requests.Timeout:
                        result.error = "timeout"
                        return result
                    except requests.RequestException:
                        result.error = "connection"
                        return result
                    result.body = b"".join(chunks)
                return result
        return FetchResult(url, current, error="too-many-redirects", redirects=chain[1:])
