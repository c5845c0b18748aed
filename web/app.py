"""Flask app factory: search page, talk pages, JSON twins, /healthz and /metrics.

Every page state lives in the URL (query, selected facet values, sort, page), so a search is
shareable and reloadable and the back button works; pages render fully without JavaScript.
"""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from flask import Flask, abort, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from srefind.errors import IndexUnavailableError, SrefindError
from srefind.health import explain, index_fix
from srefind.index.search import MAX_PER_PAGE, MAX_QUERY_CHARS, QueryError, SearchEngine, whole_number
from srefind.models import FACETS, SORTS

from .metrics import Metrics

MAX_PAGE = 1000
MAX_FILTER_VALUES = 20
FACET_LABELS = {"company": "Company", "topic": "Topic", "conference": "Conference", "year": "Year",
                "speaker": "Speaker", "site": "Site"}
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
                               "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def http_url(url) -> str:
    """The URL when it is http(s), else "": crawled text never becomes a javascript: or data: link."""
    if not isinstance(url, str):
        return ""
    try:
        scheme = urlsplit(url).scheme
    except ValueError:
        return ""
    return url if scheme in ("http", "https") else ""


def back_url(referrer: str | None, host: str) -> str:
    """Where "Back to results" goes without JavaScript: the search page we came from, else /."""
    if referrer:
        try:
            parts = urlsplit(referrer)
        except ValueError:
            return "/"
        if parts.netloc == host and parts.path == "/":
            return "/?" + parts.query if parts.query else "/"
    return "/"


class BadRequest(QueryError):
    """A parameter the app cannot take: a 400 with the reason (the engine raises QueryError too)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def parse_params(args) -> dict:
    """Validate the search parameters shared by the page and /api/search; 400 with a reason otherwise."""
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
    unknown = set(args) - {"q", "sort", "page", "per_page", *FACETS}
    if unknown:
        raise BadRequest(f"unknown parameter: {sorted(unknown)[0]}")
    out["filters"] = filters
    return out


def create_app(data_dir: Path, *, engine: SearchEngine | None = None) -> Flask:
    app = Flask(__name__)
    app.config["DATA_DIR"] = Path(data_dir)
    from srefind.config import DataPaths

    paths = DataPaths(Path(data_dir))
    # lazy: the server starts (and /healthz says why it cannot search) before there is an index,
    # and picks the index up when a crawl or `srefind reindex` makes one.
    app.extensions["srefind"] = engine or SearchEngine(paths.index, paths.lexicon, lazy=True)
    metrics = Metrics(paths)
    app.extensions["srefind_metrics"] = metrics

    def engine_() -> SearchEngine:
        return app.extensions["srefind"]

    @app.before_request
    def _start() -> None:
        g.t0 = time.perf_counter()

    @app.after_request
    def _headers(resp):
        for k, v in SECURITY_HEADERS.items():
            resp.headers.setdefault(k, v)
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        metrics.observe(endpoint, resp.status_code, time.perf_counter() - g.get("t0", time.perf_counter()))
        return resp

    app.add_template_filter(http_url, "http_url")

    @app.template_global()
    def url_with(**changes) -> str:
        """The current search URL with some parameters changed; None removes one."""
        params: list[tuple[str, str]] = []
        current = {k: request.args.getlist(k) for k in request.args}
        for k, v in changes.items():
            current[k] = [] if v is None else ([str(x) for x in v] if isinstance(v, (list, tuple)) else [str(v)])
        for k, vs in current.items():
            params.extend((k, v) for v in vs if v != "")
        return "/?" + urlencode(params) if params else "/"

    @app.template_global()
    def toggle(field: str, value: str) -> str:
        """URL that adds or removes one facet value (multi-select), back to page 1."""
        selected = request.args.getlist(field)
        values = [v for v in selected if v != value] if value in selected else selected + [value]
        return url_with(**{field: values, "page": None})

    @app.route("/")
    def search_page():
        try:
            p = parse_params(request.args)
        except BadRequest as exc:
            return render_template("error.html", status=400, message=exc.message), 400
        resp = engine_().search(p["q"], p["filters"], sort=p["sort"], page=p["page"], per_page=p["per_page"])
        return render_template("search.html", r=resp, p=p, facets=FACETS, labels=FACET_LABELS,
                               active=[(f, v) for f, vs in resp.filters.items() for v in vs],
                               clear_url=url_with(**{f: None for f in FACETS}, page=None))

    @app.route("/talks/<entry_id>")
    def talk_page(entry_id: str):
        entry = engine_().get(entry_id)
        if entry is None:
            abort(404)
        return render_template("talk.html", e=entry, related=engine_().related(entry_id), labels=FACET_LABELS,
                               back=back_url(request.referrer, request.host))

    @app.route("/api/search")
    def api_search():
        try:
            p = parse_params(request.args)
        except BadRequest as exc:
            return jsonify(error=exc.message), 400
        resp = engine_().search(p["q"], p["filters"], sort=p["sort"], page=p["page"], per_page=p["per_page"])
        return jsonify(resp.to_json())

    @app.route("/api/talks/<entry_id>")
    def api_talk(entry_id: str):
        entry = engine_().get(entry_id)
        if entry is None:
            return jsonify(error=f"no talk with id {entry_id}"), 404
        entry.pop("evidence", None)
        entry["related"] = [h.id for h in engine_().related(entry_id)]
        return jsonify(entry)

    @app.route("/api/facets")
    def api_facets():
        try:
            p = parse_params(request.args)
        except BadRequest as exc:
            return jsonify(error=exc.message), 400
        resp = engine_().search(p["q"], p["filters"], per_page=1)
        return jsonify({f: [{"value": v.value, "count": v.count, "selected": v.selected} for v in rows]
                        for f, rows in resp.facets.items()})

    @app.route("/healthz")
    def healthz():
        """200 when the index answers searches and holds talks; 503 with the reason otherwise."""
        crawl = metrics.last_crawl()
        try:
            n = engine_().doc_count()
        except IndexUnavailableError as exc:
            return jsonify(ok=False, index=exc.state, error=explain(paths, exc), **crawl), 503
        except Exception as exc:  # the probe must answer, whatever broke
            return jsonify(ok=False, index="unreadable", error=f"{type(exc).__name__}: {exc}", **crawl), 503
        if n == 0:
            return jsonify(ok=False, index="empty", error=f"the index holds no talks yet: {index_fix(paths, 'empty')}",
                           entries=0, **crawl), 503
        return jsonify(ok=True, index="ok", entries=n, generation=engine_().generation(), **crawl)

    @app.route("/metrics")
    def metrics_endpoint():
        body, ctype = metrics.render(engine_())
        return app.response_class(body, mimetype=None, content_type=ctype)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            return jsonify(error=exc.description), exc.code
        return render_template("error.html", status=exc.code, message=exc.description), exc.code

    @app.errorhandler(QueryError)
    def query_error(exc: QueryError):
        """A parameter the engine refuses (a year filter that is no number): the request's fault."""
        if request.path.startswith("/api/"):
            return jsonify(error=str(exc)), 400
        return render_template("error.html", status=400, message=str(exc)), 400

    @app.errorhandler(SrefindError)
    def srefind_error(exc: SrefindError):
        message = explain(paths, exc) if isinstance(exc, IndexUnavailableError) else str(exc)
        if request.path.startswith("/api/"):
            return jsonify(error=message), 503
        return render_template("error.html", status=503, message=message), 503

    @app.errorhandler(Exception)
    def internal_error(exc: Exception):
        app.logger.exception("unhandled error")
        if request.path.startswith("/api/"):
            return jsonify(error="internal error"), 500
        return render_template("error.html", status=500, message="Something went wrong on our side."), 500

    return app
