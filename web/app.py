"""The Flask app factory, and what the pages and the JSON API share.

Where things live:
  app.py    create_app; the shared parameter check (parse_params); search_backend() and the other accessors
            the blueprints reach the app's objects through; security headers and request metrics; error
            handlers (an HTML page, or JSON under /api/)
  pages.py  the HTML pages: the search page (/) and a talk's page (/talks/<id>), and their template helpers
  api.py    the JSON twins: /api/search, /api/talks/<id>, /api/facets
  ops.py    for operators: /healthz and /metrics

Every page state lives in the URL (query, selected facet values, sort, page), so a search is
shareable and reloadable and the back button works; pages render fully without JavaScript.
"""

from __future__ import annotations

import time
from pathlib import Path

from flask import Flask, current_app, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from srefind.backend import (
    DEFAULT_BACKEND,
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    QueryError,
    SearchBackend,
    open_backend,
    whole_number,
)
from srefind.config import DataPaths
from srefind.errors import IndexUnavailableError, SrefindError
from srefind.facet_table import FACETS, SORTS
from srefind.health import explain

from .metrics import Metrics

MAX_PAGE = 1000
MAX_FILTER_VALUES = 20
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'; "
                               # a talk's video player, inserted only when the reader asks for it
                               "frame-src https://www.youtube-nocookie.com https://player.vimeo.com",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def create_app(data_dir: Path, *, backend: SearchBackend | None = None, backend_name: str = DEFAULT_BACKEND) -> Flask:
    # Imported here, as in Flask's tutorial: the blueprints import this module for what they share.
    from . import api, feeds, ops, pages

    app = Flask(__name__)
    app.config["DATA_DIR"] = Path(data_dir)
    paths = DataPaths(Path(data_dir))
    # lazy: the server starts (and /healthz says why it cannot search) before there is an index,
    # and picks the index up when a crawl or `srefind reindex` makes one.
    app.extensions["srefind"] = backend or open_backend(paths.root, backend_name, lexicon_dir=paths.lexicon, lazy=True)
    app.extensions["srefind_metrics"] = Metrics(paths)

    app.before_request(_start_timer)
    app.after_request(_finish_request)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(QueryError, query_error)
    app.register_error_handler(SrefindError, srefind_error)
    app.register_error_handler(Exception, internal_error)

    app.register_blueprint(pages.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(ops.bp)
    app.register_blueprint(feeds.bp)
    app.add_template_global(feeds.feed_url)
    return app


# What a request handler reaches the app's objects through: every search goes via search_backend().

def search_backend() -> SearchBackend:
    """The search backend of the app handling this request."""
    return current_app.extensions["srefind"]


def app_metrics() -> Metrics:
    """The Prometheus metrics of the app handling this request."""
    return current_app.extensions["srefind_metrics"]


def data_paths() -> DataPaths:
    """The data dir the app serves."""
    return DataPaths(current_app.config["DATA_DIR"])


# Parameters shared by the search page, /api/search and /api/facets.

class BadRequest(QueryError):
    """A parameter the app cannot take: a 400 with the reason (the engine raises QueryError too)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_params(args) -> dict:
    """Validate the search parameters shared by the page and /api/search; a BadRequest says why not
    (the QueryError handler below makes it a 400 page, or JSON under /api/)."""
    q = args.get("q", "")
    if len(q) > 4 * MAX_QUERY_CHARS:
        raise BadRequest(f"q is too long ({len(q)} characters; at most {4 * MAX_QUERY_CHARS})")
    sort = args.get("sort", "relevance")
    if sort not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)}")
    out = {"q": q, "sort": sort}
    for name, default, hi in (("page", 1, MAX_PAGE), ("per_page", 10, MAX_PER_PAGE)):
        try:
            out[name] = whole_number(name, args.get(name, str(default)), 1, hi)
        except QueryError as exc:
            raise BadRequest(str(exc)) from None
    filters: dict[str, list[str]] = {}
    for f in FACETS:
        values = [v for v in args.getlist(f) if v.strip()]
        if len(values) > MAX_FILTER_VALUES:
            raise BadRequest(f"at most {MAX_FILTER_VALUES} values for {f}")
        if any(len(v) > 200 for v in values):
            raise BadRequest(f"a {f} value is too long")
        if values:
            filters[f] = values
    # Parameters srefind does not know (utm_source, fbclid, a cache-buster "_") are ignored, as every
    # search engine does: a shared link with tracking added still opens the search.
    out["filters"] = filters
    shown = args.get("show", "talks")
    if shown not in ("talks", "writeups"):
        raise BadRequest("show must be talks (one result per talk) or writeups (every write-up on its own)")
    out["show"], out["view"] = shown, "writeup" if shown == "writeups" else "talk"
    return out


# Around every request: its start time, then the security headers and the request's metrics.

# What a page or API answer depends on is its URL and the index generation it was read from: that
# pair is its (weak) ETag, so a repeat with the same generation is a 304 without a search.
CACHED_ENDPOINTS = {"pages.search_page", "pages.talk_page", "api.search", "api.talk", "api.facets", "feeds.atom"}
GZIP_TYPES = {"text/html", "application/json", "application/atom+xml", "application/opensearchdescription+xml",
              "text/css", "application/javascript", "text/javascript"}
GZIP_MIN_BYTES = 1024


def _page_tag() -> str | None:
    if request.method != "GET" or request.endpoint not in CACHED_ENDPOINTS:
        return None
    try:
        generation = search_backend().generation()
    except SrefindError:
        return None  # no index yet: nothing to cache
    import hashlib

    from srefind import __version__  # a new srefind renders the same URL differently

    return hashlib.sha1(f"{__version__}\n{generation}\n{request.full_path}".encode()).hexdigest()[:24]


def _start_timer():
    g.t0 = time.perf_counter()
    g.etag = _page_tag()
    if g.etag and request.if_none_match.contains_weak(g.etag):
        resp = current_app.response_class(status=304)
        resp.set_etag(g.etag, weak=True)
        resp.headers["Cache-Control"] = "no-cache"
        return resp
    return None


def _finish_request(resp):
    for k, v in SECURITY_HEADERS.items():
        resp.headers.setdefault(k, v)
    if g.get("etag") and resp.status_code == 200:
        resp.set_etag(g.etag, weak=True)
        resp.headers["Cache-Control"] = "no-cache"  # may be stored, revalidated each time (cheap: a 304)
    _gzip(resp)
    endpoint = request.url_rule.rule if request.url_rule else "unmatched"
    app_metrics().observe(endpoint, resp.status_code, time.perf_counter() - g.get("t0", time.perf_counter()))
    return resp


def _gzip(resp) -> None:
    """Compress a text answer over GZIP_MIN_BYTES for a client that takes gzip."""
    if resp.direct_passthrough or resp.status_code < 200 or resp.status_code in (204, 304):
        return
    if resp.mimetype not in GZIP_TYPES or "Content-Encoding" in resp.headers:
        return
    resp.vary.add("Accept-Encoding")
    if "gzip" not in request.accept_encodings:
        return
    body = resp.get_data()
    if len(body) < GZIP_MIN_BYTES:
        return
    import gzip

    resp.set_data(gzip.compress(body, compresslevel=5))
    resp.headers["Content-Encoding"] = "gzip"


# Errors: JSON under /api/, the HTML error page everywhere else.

def _error_response(status: int, message: str):
    if request.path.startswith("/api/"):
        return jsonify(error=message), status
    return render_template("error.html", status=status, message=message), status


def http_error(exc: HTTPException):
    return _error_response(exc.code or 500, exc.description or "")


def query_error(exc: QueryError):
    """A parameter the app or the engine refuses (a year filter that is no number): the request's fault."""
    return _error_response(400, str(exc))


def srefind_error(exc: SrefindError):
    message = explain(data_paths(), exc) if isinstance(exc, IndexUnavailableError) else str(exc)
    return _error_response(503, message)


def internal_error(exc: Exception):
    current_app.logger.exception("unhandled error")
    if request.path.startswith("/api/"):
        return jsonify(error="internal error"), 500
    return render_template("error.html", status=500, message="Something went wrong on our side."), 500
