"""The HTML pages: the search page (/) and a talk's page (/talks/<id>), and the template helpers they use.

Every page state lives in the URL, so the helpers build links from the current request's parameters.
"""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, render_template, request

from srefind.facet_table import FACET_LABELS, FACETS
from srefind.talks import embed_url, snippet, talk_view

from .app import parse_params, search_backend

bp = Blueprint("pages", __name__)


@bp.route("/")
def search_page():
    p = parse_params(request.args)
    resp = search_backend().search(p["q"], p["filters"], sort=p["sort"], page=p["page"], per_page=p["per_page"],
                                     view=p["view"])
    return render_template("search.html", r=resp, p=p, facets=FACETS, labels=FACET_LABELS,
                           active=[(f, v) for f, vs in resp.filters.items() for v in vs],
                           clear_url=url_with(**{f: None for f in FACETS}, page=None))


@bp.route("/talks/<entry_id>")
def talk_page(entry_id: str):
    view = talk_view(search_backend(), entry_id)
    if view is None:
        abort(404)
    return render_template("talk.html", e=view.entry, v=view, related=view.related, labels=FACET_LABELS,
                           embed_url=embed_url, snippet=snippet, back=back_url(request.referrer, request.host))


@bp.app_template_global()
def url_with(**changes) -> str:
    """The current search URL with some parameters changed; None removes one."""
    params: list[tuple[str, str]] = []
    current = {k: request.args.getlist(k) for k in request.args}
    for k, v in changes.items():
        current[k] = [] if v is None else ([str(x) for x in v] if isinstance(v, (list, tuple)) else [str(v)])
    for k, vs in current.items():
        params.extend((k, v) for v in vs if v != "")
    return "/?" + urlencode(params) if params else "/"


@bp.app_template_global()
def toggle(field: str, value: str) -> str:
    """URL that adds or removes one facet value (multi-select), back to page 1."""
    selected = request.args.getlist(field)
    values = [v for v in selected if v != value] if value in selected else selected + [value]
    return url_with(**{field: values, "page": None})


@bp.app_template_filter("http_url")
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
