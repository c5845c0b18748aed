"""HTTP fetching on requests: timeouts, a body cap, redirects checked hop by hop, retries with backoff.

Redirects are followed by hand (not by requests) so that every hop is checked against the
crawl's scope and robots.txt, and loops are caught. Bodies are streamed: a page past the cap is
abandoned mid-transfer, and a body we would not parse (a PDF, an image) is never downloaded.

Hostile input is bounded on every path:
- memory: bodies are read raw and decompressed here, `max_length` at a time, so the cap counts
  decompressed bytes (a 1 KB gzip bomb cannot inflate to GBs inside one read); stacked or unknown
  Content-Encodings are refused; error and redirect bodies are drained raw, never decoded;
- time: every try has a total deadline (connect, headers and whole body), enforced by a watchdog
  that shuts the socket, since a server dripping one byte per second never trips a read timeout.
"""

from __future__ import annotations

import email.utils
import http.client
import os
import random
import socket
import threading
import time
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
import urllib3
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import ReadTimeoutError

from srefind.config import CrawlConfig

from .robots import ROBOTS_MAX_BYTES
from .urls import normalize

MAX_REDIRECTS = 5
RETRY_STATUSES = {500, 502, 503, 504, 429}
THROTTLE_STATUSES = (429, 503)
DRAIN_LIMIT = 64 * 1024  # raw bytes of an error/redirect body read so the kept-alive connection can be reused
READ_CHUNK = 64 * 1024
ACCEPT_ENCODING = "gzip, deflate"  # exactly what `_Decoder` can undo
TOTAL_TIMEOUT = CrawlConfig.total_timeout  # [crawl] total_timeout's default: 60 s per try, 5 MB at ~85 KB/s


@dataclass
class FetchResult:
    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int = 0  # HTTP status, 0 when no response
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""  # decoded (Content-Encoding undone)
    # "", "timeout", "connection", "too-large", "bad-encoding", "redirect-loop", "too-many-redirects",
    # "bad-redirect", "http-5xx", "http-429", or whatever reason `allowed` gave for not following a redirect.
    error: str = ""
    tries: int = 0
    redirects: list[str] = field(default_factory=list)
    retry_after: float = 0.0
    truncated: bool = False  # fetched with truncate=True and the body was longer: `body` is its first bytes

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


def _is_timeout(exc: BaseException) -> bool:
    """requests reports a read timeout in the middle of a body as a ConnectionError: unwrap it."""
    return isinstance(exc, (requests.Timeout, ReadTimeoutError, socket.timeout)) or any(
        isinstance(a, ReadTimeoutError) for a in exc.args
    )


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


# -- decoding --------------------------------------------------------------------------------------


class BadEncoding(Exception):
    """A Content-Encoding we do not decode (stacked, unknown) or a compressed body that is corrupt."""


def content_coding(header: str) -> str:
    """The one coding to undo ("" for identity). Stacked codings are refused: no real server needs them."""
    codings = [c.strip().lower() for c in header.split(",") if c.strip() and c.strip().lower() != "identity"]
    if len(codings) > 1:
        raise BadEncoding(header)
    coding = codings[0] if codings else ""
    if coding not in ("", "gzip", "x-gzip", "deflate"):
        raise BadEncoding(header)
    return coding


class _Decoder:
    """Undoes one Content-Encoding, never producing more than the caller has room for.

    `feed(data, room)` returns at most room + 1 bytes (one over says "past the cap"); input that
    would decode to more is kept back, so a bomb costs at most the cap in memory, whatever its ratio.
    Gzip may have several members; "deflate" is a zlib stream or, as some servers send it, raw deflate.
    """

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._z: zlib._Decompress | None = None
        self._head = b""  # deflate: bytes kept until the first two tell zlib from raw deflate

    def _new(self, data: bytes) -> zlib._Decompress:
        if self.coding in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        zlib_header = (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)

    def feed(self, data: bytes, room: int) -> bytes:
        if not self.coding:
            return data[: room + 1]
        if self._z is None:
            self._head += data
            if len(self._head) < 2:
                return b""
            data, self._head = self._head, b""
            self._z = self._new(data)
        out: list[bytes] = []
        size = 0
        try:
            while data and size <= room:
                chunk = self._z.decompress(data, room + 1 - size)
                out.append(chunk)
                size += len(chunk)
                data = self._z.unconsumed_tail
                if self._z.eof:
                    data = self._z.unused_data
                    if data and self.coding != "deflate":
                        self._z = self._new(data)  # the next gzip member
                    else:
                        data = b""  # trailing bytes after the stream: ignored, as browsers do
        except zlib.error as exc:
            raise BadEncoding(str(exc)) from exc
        return b"".join(out)


# -- the deadline watchdog -------------------------------------------------------------------------

_in_flight = threading.local()  # the fetching thread's _Deadline, told which connection a request uses


class _Deadline:
    """Shuts the socket of a try still running at its deadline.

    A server that sends one byte a second keeps every read under the read timeout, in the headers as
    in the body; only a clock outside the reads can stop it. One thread per Fetcher (so per worker),
    asleep unless armed: arming and disarming a try is a lock and a notify.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._due: float | None = None
        self._conn: object | None = None
        self._thread: threading.Thread | None = None
        self._closed = False
        self.fired = False

    def arm(self, seconds: float) -> None:
        with self._cond:
            self._due, self._conn, self.fired = time.monotonic() + seconds, None, False
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="fetch-deadline", daemon=True)
                self._thread.start()
            self._cond.notify()

    def watch(self, conn: object) -> None:
        with self._cond:
            self._conn = conn

    def disarm(self) -> None:
        with self._cond:
            self._due, self._conn = None, None

    def expired(self) -> bool:
        with self._cond:
            return self.fired or (self._due is not None and time.monotonic() >= self._due)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify()

    def _run(self) -> None:
        with self._cond:
            while not self._closed:
                if self._due is None:
                    self._cond.wait()
                    continue
                left = self._due - time.monotonic()
                if left > 0:
                    self._cond.wait(left)
                    continue
                self.fired, self._due = True, None
                self._shut(self._conn)

    @staticmethod
    def _shut(conn: object) -> None:
        sock = getattr(conn, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once, in the fetching thread
            except OSError:
                pass


class _WatchedPool:
    """Tells the fetching thread's deadline which connection the request goes out on."""

    def _make_request(self, conn, *args, **kwargs):
        deadline = getattr(_in_flight, "deadline", None)
        if deadline is not None:
            deadline.watch(conn)
        return super()._make_request(conn, *args, **kwargs)


class _WatchedHTTPPool(_WatchedPool, urllib3.HTTPConnectionPool):
    pass


class _WatchedHTTPSPool(_WatchedPool, urllib3.HTTPSConnectionPool):
    pass


_WATCHED_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class _Adapter(requests.adapters.HTTPAdapter):
    """requests' adapter, its pools (direct and through a proxy) reporting connections to the deadline."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy, **kwargs):
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager


class _Session(requests.Session):
    """A session that never looks at a redirect's body: the redirects are followed in `_fetch_once`.

    Even with `allow_redirects=False`, `Session.send` prepares the next request for
    `Response.next` through `resolve_redirects`, which first reads the redirect's whole body,
    decoded (`resp.content`): a 301 carrying 1 GB of stacked gzip in 1.8 KB took the crawler to
    600 MB. With no redirect target, that generator stops before reading anything; `_drain`
    reads at most DRAIN_LIMIT raw bytes instead.
    """

    def get_redirect_target(self, resp: requests.Response) -> None:
        return None


class _Expired(Exception):
    """The try's total deadline passed between two reads."""


READ_ERRORS = (requests.RequestException, Urllib3Error, http.client.HTTPException, OSError, _Expired)


# -- the fetcher -----------------------------------------------------------------------------------


def is_robots_txt(url: str) -> bool:
    return urlsplit(url).path == "/robots.txt"


class Fetcher:
    """One per worker thread: requests.Session is not safe to share across threads.

    Without a proxy in the environment, the session does not consult the environment per request
    (`trust_env = False`): requests would otherwise, on every request, scan it for proxies, check
    NO_PROXY and look for ~/.netrc (measured: a quarter of the client's CPU per request). When
    HTTP(S)_PROXY is set, the usual per-request behaviour is kept, so proxies and NO_PROXY work.
    The CA bundle named by REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE is read once, here, as requests
    would read it, so a host that inspects TLS keeps working.

    `total_timeout` (default 60 s) bounds one try, redirect hops included, from connect to the last
    body byte; a try that runs out of it is "timeout" and is not tried again (a server that dripped
    for a minute would drip again). `read_timeout` still bounds each silence within a try.
    """

    def __init__(
        self,
        user_agent: str,
        *,
        connect_timeout: float = 5.0,
        read_timeout: float = 20.0,
        total_timeout: float = TOTAL_TIMEOUT,
        max_body_bytes: int = 5_000_000,
        retries: int = 3,
        backoff_base: float = 0.5,
        max_retry_after: float = 120.0,
    ) -> None:
        self.session = _Session()
        self.session.trust_env = bool(_environment_proxies())  # see the class docstring
        self.session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        self.session.headers["User-Agent"] = user_agent
        self.session.headers["Accept"] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        self.session.headers["Accept-Encoding"] = ACCEPT_ENCODING
        adapter = _Adapter(pool_connections=4, pool_maxsize=4, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.timeout = (connect_timeout, read_timeout)
        self.total_timeout = total_timeout
        self.max_body_bytes = max_body_bytes
        self.retries = max(1, retries)
        self.backoff_base = backoff_base
        self.max_retry_after = max_retry_after
        self._deadline = _Deadline()
        self._deadline_hit = False  # the last try ran out of its total deadline

    def close(self) -> None:
        self._deadline.close()
        self.session.close()

    def fetch(
        self,
        url: str,
        *,
        etag: str = "",
        last_modified: str = "",
        allowed: Callable[[str], str | None] = lambda u: None,
        on_wait: Callable[[float], None] = time.sleep,
        on_throttled: Callable[[int, float], None] | None = None,
        max_bytes: int | None = None,
        truncate: bool | None = None,
    ) -> FetchResult:
        """GET `url` with retries. `allowed(url)` returns why a redirect target may not be fetched, or None.

        `on_wait(seconds)` is called for every back-off so the caller can also slow the origin;
        `on_throttled(status, retry_after)` for every 429/503 seen, retried here or not.
        The body cap is `max_bytes` (default `max_body_bytes`); past it the result is "too-large",
        or, with `truncate`, the first `max_bytes` with `truncated=True`. A /robots.txt is read
        as Google reads it by default: its first 500 KiB.
        """
        robots = is_robots_txt(url)
        limit = max_bytes if max_bytes is not None else (ROBOTS_MAX_BYTES if robots else self.max_body_bytes)
        cut = truncate if truncate is not None else robots
        result = FetchResult(url=url, final_url=url)
        for attempt in range(self.retries):
            result = self._attempt(url, etag, last_modified, allowed, limit, cut)
            result.tries = attempt + 1
            if on_throttled is not None and result.status in THROTTLE_STATUSES:
                on_throttled(result.status, result.retry_after)
            if not self._retryable(result) or attempt == self.retries - 1:
                break
            if result.retry_after > self.max_retry_after:
                break  # asked to wait longer than a run should: the caller pauses the origin instead
            backoff = self.backoff_base * (2**attempt) * random.uniform(0.5, 1.5)  # exponential, with jitter
            on_wait(min(max(backoff, result.retry_after), self.max_retry_after))
        return result

    def _retryable(self, result: FetchResult) -> bool:
        if result.error == "timeout" and self._deadline_hit:
            return False  # the whole deadline went by: see the class docstring
        return result.error in ("timeout", "connection") or result.status in RETRY_STATUSES

    def _attempt(self, url: str, etag: str, last_modified: str, allowed: Callable[[str], str | None],
                 limit: int, cut: bool) -> FetchResult:
        """One try under the total deadline."""
        deadline = self._deadline
        self._deadline_hit = False
        deadline.arm(self.total_timeout)
        _in_flight.deadline = deadline
        try:
            result = self._fetch_once(url, etag, last_modified, allowed, limit, cut)
        finally:
            _in_flight.deadline = None
            expired = deadline.expired()
            deadline.disarm()
        if expired and result.error in ("timeout", "connection"):
            result.error = "timeout"
            self._deadline_hit = True
        return result

    def _fetch_once(
        self, url: str, etag: str, last_modified: str, allowed: Callable[[str], str | None],
        limit: int, cut: bool,
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
                    self._drain(resp)
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
                if resp.status_code in THROTTLE_STATUSES:
                    result.retry_after = parse_retry_after(hdrs.get("retry-after"))
                if resp.status_code >= 500:
                    result.error = f"http-{resp.status_code // 100}xx"
                elif resp.status_code == 429:
                    result.error = "http-429"
                if resp.status_code == 200 and wants_body(result.content_type):
                    self._read_body(resp, result, limit, cut)
                return result
        return FetchResult(url, current, error="too-many-redirects", redirects=chain[1:])

    def _read_body(self, resp: requests.Response, result: FetchResult, limit: int, cut: bool) -> None:
        """Stream the decoded body into `result`, giving up (and dropping the connection) past `limit`.

        With `cut`, past the limit keeps the first `limit` bytes instead of failing.
        """
        declared = result.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit and not cut:
            result.error = "too-large"
            return
        try:
            decoder = _Decoder(content_coding(result.headers.get("content-encoding", "")))
        except BadEncoding:
            result.error = "bad-encoding"
            return
        chunks, size = [], 0
        try:
            while True:
                if self._deadline.expired():
                    raise _Expired()
                data = resp.raw.read1(READ_CHUNK, decode_content=False)
                if not data:
                    resp.raw.release_conn()  # read to the end: the connection can be reused
                    break
                piece = decoder.feed(data, limit - size)
                size += len(piece)
                if size > limit:
                    if cut:
                        chunks.append(piece[: len(piece) - (size - limit)])
                        result.truncated = True
                        break
                    result.error = "too-large"
                    return
                chunks.append(piece)
        except BadEncoding:
            result.error = "bad-encoding"
            return
        except READ_ERRORS as exc:
            result.error = "timeout" if isinstance(exc, _Expired) or _is_timeout(exc) else "connection"
            return
        result.body = b"".join(chunks)

    @staticmethod
    def _drain(resp: requests.Response) -> None:
        """Read what is left of a small error/redirect body, raw, so the connection goes back to the pool.

        At most DRAIN_LIMIT raw bytes, never decoded (nobody reads the body of a 404 or a 301, so a
        compressed one cannot inflate); a longer body drops the connection instead. A 304 or 204 has no
        body whatever its headers say: a re-crawl of unchanged pages keeps its connections.
        """
        if resp.status_code in (204, 304):
            resp.raw.release_conn()
            return
        declared = resp.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > DRAIN_LIMIT:
            return  # closing the response closes the connection
        read = 0
        try:
            while read <= DRAIN_LIMIT:
                data = resp.raw.read1(DRAIN_LIMIT + 1 - read, decode_content=False)
                if not data:
                    resp.raw.release_conn()
                    return
                read += len(data)
        except READ_ERRORS:
            pass
