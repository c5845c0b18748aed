"""A programmable web server for crawler tests: real HTTP on loopback, every request logged.

Each `WebFixture` is one origin (its own free port). A test declares what each path answers
(a page, a status, a redirect, a sequence of answers, a slow or endless body, a function) and
afterwards reads the server's own request log: what was asked, when, with which headers, and
how many requests were in flight at once. Asserting on the server side is what proves a rule
("zero requests to the disallowed path"), whatever the crawler believes it did.
"""

from __future__ import annotations

import hashlib
import http.server
import itertools
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

HTML = "text/html; charset=utf-8"


@dataclass
class Response:
    """One answer. `stall` sleeps before the status line; `body_stall` after the headers."""

    status: int = 200
    body: bytes | str = b""
    content_type: str = HTML
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0
    body_stall: float = 0.0
    stream: Callable[[], Iterable[bytes]] | None = None  # chunked body, no Content-Length
    declared_length: int | None = None  # a Content-Length to announce instead of the real one
    drop: bool = False  # close the connection without answering


@dataclass
class Hit:
    """One request as the server saw it."""

    path: str  # path and query, as sent
    at: float  # time.monotonic() when the request line arrived
    headers: dict[str, str]
    client: tuple[str, int]  # (host, port) of the connection: one port per kept-alive connection

    @property
    def route(self) -> str:
        return urlsplit(self.path).path


Handler = Callable[[Hit], Response]


class Concurrency:
    """Counts requests in flight; share one instance between servers to see the global figure."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0

    def __enter__(self) -> None:
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def __exit__(self, *exc: object) -> None:
        with self.lock:
            self.now -= 1


class WebFixture:
    """One origin on 127.0.0.1; use as a context manager (or call `close`)."""

    def __init__(self, *, latency: float = 0.0, shared: Concurrency | None = None) -> None:
        self.routes: dict[str, Handler] = {}
        self.prefixes: list[tuple[str, Callable[[Hit], Response | None]]] = []
        self.hits: list[Hit] = []
        self.latency = latency
        self.inflight = Concurrency()
        self.shared = shared
        self.bytes_sent: dict[str, int] = {}
        self._lock = threading.Lock()
        fixture = self

        class _Handler(_RequestHandler):
            web = fixture

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.server.block_on_close = False
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.origin = self.base
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    # -- declaring the site --------------------------------------------------------------
    def url(self, path: str = "/") -> str:
        return self.base + path

    def page(self, path: str, body: bytes | str, *, status: int = 200, content_type: str = HTML,
             headers: dict[str, str] | None = None) -> WebFixture:
        return self.answer(path, Response(status, body, content_type, dict(headers or {})))

    def answer(self, path: str, response: Response) -> WebFixture:
        self.routes[path] = lambda hit: response
        return self

    def sequence(self, path: str, *responses: Response) -> WebFixture:
        """The n-th request gets the n-th answer; the last one repeats."""
        it = itertools.chain(responses, itertools.repeat(responses[-1]))
        lock = threading.Lock()

        def next_answer(hit: Hit) -> Response:
            with lock:
                return next(it)

        self.routes[path] = next_answer
        return self

    def redirect(self, path: str, location: str, status: int = 301) -> WebFixture:
        return self.answer(path, Response(status, b"", "text/plain", {"Location": location}))

    def handle(self, path: str, handler: Handler) -> WebFixture:
        self.routes[path] = handler
        return self

    def handle_prefix(self, prefix: str, handler: Callable[[Hit], Response | None]) -> WebFixture:
        """Answer every path under `prefix` (an endless calendar, say); None means 404."""
        self.prefixes.append((prefix, handler))
        return self

    def robots(self, text: str) -> WebFixture:
        return self.page("/robots.txt", text, content_type="text/plain")

    # -- reading the log -----------------------------------------------------------------
    def requests(self, path: str | None = None, *, prefix: str | None = None) -> list[Hit]:
        """Requests in arrival order, optionally for one path (with its query) or under a prefix."""
        with self._lock:
            hits = list(self.hits)
        if path is not None:
            hits = [h for h in hits if h.path == path or (h.route == path and "?" not in path)]
        if prefix is not None:
            hits = [h for h in hits if h.path.startswith(prefix)]
        return hits

    def paths(self) -> list[str]:
        return [h.path for h in self.requests()]

    def count(self, path: str) -> int:
        return len(self.requests(path))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> WebFixture:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- serving -------------------------------------------------------------------------
    def _find(self, hit: Hit) -> Response:
        handler = self.routes.get(hit.path) or self.routes.get(hit.route)
        if handler is not None:
            return handler(hit)
        for prefix, fn in self.prefixes:
            if hit.route.startswith(prefix):
                found = fn(hit)
                if found is not None:
                    return found
        return Response(404, "<!DOCTYPE html><title>Not found</title><p>Not found</p>")


class _RequestHandler(http.server.BaseHTTPRequestHandler):
    web: WebFixture
    protocol_version = "HTTP/1.1"  # keep-alive, as real servers do
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        web = self.web
        hit = Hit(self.path, time.monotonic(), {k.lower(): v for k, v in self.headers.items()},
                  self.client_address[:2])
        with web._lock:
            web.hits.append(hit)
        with web.inflight, (web.shared or _Nothing()):
            if web.latency:
                time.sleep(web.latency)
            resp = web._find(hit)
            if resp.stall:
                time.sleep(resp.stall)
            if resp.drop:
                self.close_connection = True
                return
            try:
                self._send(resp, hit)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    def _send(self, resp: Response, hit: Hit) -> None:
        body = resp.body.encode("utf-8") if isinstance(resp.body, str) else resp.body
        self.send_response(resp.status)
        self.send_header("Content-Type", resp.content_type)
        for k, v in resp.headers.items():
            self.send_header(k, v)
        if resp.stream is not None:
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            sent = 0
            try:
                for chunk in resp.stream():
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                    sent += len(chunk)
                    self.web.bytes_sent[hit.path] = sent
                self.wfile.write(b"0\r\n\r\n")
            finally:
                self.web.bytes_sent[hit.path] = sent
            return
        self.send_header("Content-Length", str(resp.declared_length if resp.declared_length is not None else len(body)))
        self.end_headers()
        self.wfile.flush()
        if resp.body_stall:
            time.sleep(resp.body_stall)
        self.wfile.write(body)
        self.web.bytes_sent[hit.path] = len(body)
        if resp.declared_length is not None and resp.declared_length != len(body):
            self.close_connection = True


class _Nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def filler(total: int, prefix: bytes = b"", chunk: int = 64 * 1024) -> Callable[[], Iterator[bytes]]:
    """A streamed body of about `total` bytes of HTML filler after `prefix`, produced lazily."""

    def gen() -> Iterator[bytes]:
        yield prefix or b"<!DOCTYPE html>"
        sent = 0
        block = b"<p>" + b"x" * (chunk - 8) + b"</p>\n"
        while sent < total:
            yield block
            sent += len(block)

    return gen


def urlset(*locs: str) -> str:
    """A sitemap listing `locs` as written (relative ones included)."""
    items = "".join(f"<url><loc>{loc}</loc></url>" for loc in locs)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</urlset>'


def sitemap_index(*locs: str) -> str:
    items = "".join(f"<sitemap><loc>{loc}</loc></sitemap>" for loc in locs)
    return (f'<?xml version="1.0" encoding="UTF-8"?>'
            f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>')


def html(title: str, body: str, *, head: str = "") -> str:
    """A small, valid HTML page."""
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>{head}</head>"
            f"<body>{body}</body></html>")


def links(*hrefs: str) -> str:
    return "<ul>" + "".join(f'<li><a href="{h}">{h}</a></li>' for h in hrefs) + "</ul>"


TALKS = [
    ("Distributed tracing at scale", "Maria Lopez", "Uber"),
    ("Kubernetes capacity planning without tears", "Ken Ito", "Shopify"),
    ("What we learned from a year of chaos engineering", "Dana Reyes", "Netflix"),
    ("Alerting on SLOs that people trust", "Priya Nair", "Google"),
    ("Incident review as a learning practice", "Tom Berg", "Spotify"),
    ("Running Postgres failover drills every week", "Ana Silva", "GitLab"),
]


def srecon_writeup(n: int, *, extra: str = "", head: str = "") -> str:
    """A short blog write-up of one made-up SREcon talk: enough words for the tagger to index it."""
    title, speaker, company = TALKS[n % len(TALKS)]
    year = 17 + n % 7
    body = (
        f"<header><nav><a href=\"/\">Home</a></nav></header>"
        f"<article><h1>SREcon{year} Americas: {title} (part {n})</h1>"
        f"<p>At SREcon{year} Americas, {speaker} from {company} gave a talk called {title.lower()}. "
        f"The room was full, and the talk walked through how the team got there, what broke on the way "
        f"and which parts of the approach they would keep if they started again tomorrow.</p>"
        f"<p>My main takeaway from part {n}: measure before you change anything, write the runbook while "
        f"the incident is fresh, and share the dashboards with the people who get paged.</p>{extra}</article>"
        f"<footer>Copyright the author. <a href=\"/about/\">About</a></footer>"
    )
    return html(f"SREcon{year}: {title} ({n})", body, head=head)


N_POSTS = 12


class VersionedSite:
    """A site whose pages can be edited, deleted or added between runs; ETags and 304s like a real one."""

    def __init__(self, web: WebFixture) -> None:
        self.web = web
        self.bodies: dict[str, str] = {}
        self.status: dict[str, int] = {}
        self.stall: dict[str, float] = {}  # path -> seconds before it answers
        web.handle_prefix("/", self.answer)
        web.robots("User-agent: *\nDisallow:\n")
        for n in range(N_POSTS):
            self.bodies[f"/post-{n}/"] = srecon_writeup(n)
        self.bodies["/about/"] = html("About", "<p>About this blog and its author.</p>")
        self.publish()

    def posts(self) -> list[str]:
        return sorted(p for p in self.bodies if p.startswith("/post-") and self.status.get(p, 200) == 200)

    def publish(self) -> None:
        """Home page and sitemap list the live posts, as a blog's generator would."""
        self.bodies["/"] = html("An SRE blog", links(*self.posts()))
        self.bodies["/sitemap.xml"] = urlset(*self.posts())

    def answer(self, hit: Hit) -> Response | None:
        path = hit.route
        if path not in self.bodies:
            return None
        status = self.status.get(path, 200)
        if status != 200:
            return Response(status, b"", "text/plain")
        body = self.bodies[path]
        etag = '"' + hashlib.sha1(body.encode()).hexdigest()[:12] + '"'
        if hit.headers.get("if-none-match") == etag:
            return Response(304, b"", "text/html", {"ETag": etag}, stall=self.stall.get(path, 0.0))
        ctype = "application/xml" if path.endswith(".xml") else "text/html; charset=utf-8"
        return Response(200, body, ctype, {"ETag": etag}, stall=self.stall.get(path, 0.0))
