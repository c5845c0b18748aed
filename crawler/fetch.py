"""HTTP fetching on requests: timeouts, a body cap, redirects checked hop by hop, retries with backoff.

Redirects are followed by hand (not by requests) so that every hop is checked against the
crawl's scope and robots.txt, and loops are caught. Bodies are streamed: a page past the cap is
abandoned mid-transfer, and a body we would not parse (a PDF, an image) is never downloaded.
"""

from __future__ import annotations

import email.utils
import os
import random
import time
import urllib.request
from dataclasses import dataclass, field
from typing import Callable

import requests
from urllib3.exceptions import ReadTimeoutError

from .urls import normalize

MAX_REDIRECTS = 5
RETRY_STATUSES = {500, 502, 503, 504, 429}
DRAIN_LIMIT = 64 * 1024  # read small error/redirect bodies so the kept-alive connection can be reused


@dataclass
class FetchResult:
    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int = 0  # HTTP status, 0 when no response
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # "", "timeout", "connection", "too-large", "redirect-loop", "too-many-redirects", "bad-redirect",
    # "http-5xx", "http-429", or whatever reason `allowed` gave for not following a redirect.
    error: str = ""
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


def wants_body(content_type: str) -> bool:
    """Only text and XML are read: HTML to parse, robots.txt, sitemaps, feeds. "" is sniffed as HTML."""
    return (
        not content_type
        or content_type.startswith("text/")
        or content_type.endswith(("/xml", "+xml", "/xhtml"))
    )


def _is_timeout(exc: requests.RequestException) -> bool:
    """requests reports a read timeout in the middle of a body as a ConnectionError: unwrap it."""
    return isinstance(exc, requests.Timeout) or any(isinstance(a, ReadTimeoutError) for a in exc.args)


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


def _environment_proxies() -> dict[str, str]:
    return {k: v for k, v in urllib.request.getproxies().items() if k in ("http", "https", "all")}


class Fetcher:
    """One per worker thread: requests.Session is not safe to share across threads.

    Without a proxy in the environment, the session does not consult the environment per request
    (`trust_env = False`): requests would otherwise, on every request, scan it for proxies, check
    NO_PROXY and look for ~/.netrc (measured: a quarter of the client's CPU per request). When
    HTTP(S)_PROXY is set, the usual per-request behaviour is kept, so proxies and NO_PROXY work.
    The CA bundle named by REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE is read once, here, as requests
    would read it, so a host that inspects TLS keeps working.
    """

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
        self.session.trust_env = bool(_environment_proxies())  # see the class docstring
        self.session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
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
            if result.retry_after > self.max_retry_after:
                break  # asked to wait longer than a run should: the caller pauses the origin instead
            backoff = self.backoff_base * (2**attempt) * random.uniform(0.5, 1.5)  # exponential, with jitter
            on_wait(max(backoff, result.retry_after))
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
            except requests.RequestException as exc:
                return FetchResult(url, current, error="timeout" if _is_timeout(exc) else "connection",
                                   redirects=chain[1:])
            with resp:
                hdrs = {k.lower(): v for k, v in resp.headers.items()}
                if resp.status_code != 200:
                    self._drain(resp, hdrs)
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
                if resp.status_code == 200 and wants_body(result.content_type):
                    self._read_body(resp, result)
                return result
        return FetchResult(url, current, error="too-many-redirects", redirects=chain[1:])

    def _read_body(self, resp: requests.Response, result: FetchResult) -> None:
        """Stream the body into `result`, giving up (and dropping the connection) past the cap."""
        declared = result.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            result.error = "too-large"
            return
        chunks, size = [], 0
        try:
            for chunk in resp.iter_content(65536):
                size += len(chunk)
                if size > self.max_body_bytes:
                    result.error = "too-large"
                    return
                chunks.append(chunk)
        except requests.RequestException as exc:
            result.error = "timeout" if _is_timeout(exc) else "connection"
            return
        result.body = b"".join(chunks)

    @staticmethod
    def _drain(resp: requests.Response, hdrs: dict[str, str]) -> None:
        """Read a small declared body (a redirect's, a 404 page) so the connection goes back to the pool.

        A 304 or 204 has no body whatever its headers say: a re-crawl of unchanged pages keeps its connections.
        """
        declared = hdrs.get("content-length", "")
        if resp.status_code in (204, 304) or (declared.isdigit() and int(declared) <= DRAIN_LIMIT):
            try:
                resp.content
            except requests.RequestException:
                pass
