"""Follow a search: an Atom feed for every search URL (/feed.atom?<the same parameters>), newest
talks and write-ups first, and an OpenSearch description so a browser can add srefind as a search
engine. Both are plain XML built with the standard library.
"""

from __future__ import annotations

from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from flask import Blueprint, Response, request

from srefind.facet_table import FACET_LABELS
from srefind.models import Hit
from srefind.talks import snippet

from .app import parse_params, search_backend

bp = Blueprint("feeds", __name__)

ATOM = "http://www.w3.org/2005/Atom"
OPENSEARCH = "http://a9.com/-/spec/opensearch/1.1/"
FEED_ENTRIES = 50
EPOCH = "1970-01-01T00:00:00Z"


def _search_params() -> list[tuple[str, str]]:
    """The request's search parameters, in order, less those a feed has no use for (page, sort)."""
    return [(k, v) for k, vs in request.args.lists() for v in vs if k not in ("page", "sort", "per_page") and v]


def feed_url() -> str:
    """The Atom feed of the current search (what the search page links as rel=alternate)."""
    params = _search_params()
    return "/feed.atom" + ("?" + urlencode(params) if params else "")


def _describe(q: str, filters: dict[str, list[str]]) -> str:
    parts = [f"“{q}”"] if q else []
    parts += [f"{FACET_LABELS.get(f, f)}: {' or '.join(vs)}" for f, vs in filters.items() if vs]
    return ", ".join(parts) or "every talk"


def _when(hit: Hit, fallback: str) -> str:
    """An entry's Atom date: the day the page gives (written, or the talk's date), else `fallback`."""
    return f"{hit.date}T00:00:00Z" if len(hit.date) == 10 else fallback


@bp.route("/feed.atom")
def atom():
    p = parse_params(request.args)
    # new talks and new write-ups that match: every record and every write-up, each on its own
    resp = search_backend().search(p["q"], p["filters"], sort="newest", per_page=FEED_ENTRIES, view="all")
    base = request.host_url.rstrip("/")
    params = _search_params()
    query = "?" + urlencode(params) if params else ""
    dated = [f"{h.date}T00:00:00Z" for h in resp.results if len(h.date) == 10]
    updated = max(dated) if dated else EPOCH
    undated = min(dated) if dated else EPOCH  # newest first puts undated talks last: keep the order monotone
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = f"srefind: {_describe(p['q'], p['filters'])}"
    ET.SubElement(feed, f"{{{ATOM}}}id").text = f"{base}/feed.atom{query}"
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", type="application/atom+xml", href=f"{base}/feed.atom{query}")
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=f"{base}/{query}")
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "srefind"
    ET.SubElement(feed, f"{{{ATOM}}}generator").text = "srefind"
    for h in resp.results:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        page = f"{base}/talks/{h.id}"
        ET.SubElement(entry, f"{{{ATOM}}}id").text = page
        ET.SubElement(entry, f"{{{ATOM}}}title").text = h.title
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _when(h, undated)
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type="text/html", href=page)
        if h.url.startswith(("http://", "https://")):
            ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", type="text/html", href=h.url)
        if h.author:
            who = ET.SubElement(entry, f"{{{ATOM}}}author")
            ET.SubElement(who, f"{{{ATOM}}}name").text = h.author
        for c in [*h.topics, *h.companies]:
            ET.SubElement(entry, f"{{{ATOM}}}category", term=c)
        line = " · ".join(x for x in (h.conference, ", ".join(h.speakers)) if x)
        text = snippet(h.summary) if h.summary else ""
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = (line + " — " if line and text else line) + text
    body = ET.tostring(feed, encoding="unicode", xml_declaration=True)
    return Response(body, mimetype="application/atom+xml")


@bp.route("/opensearch.xml")
def opensearch():
    base = request.host_url.rstrip("/")
    ET.register_namespace("", OPENSEARCH)
    doc = ET.Element(f"{{{OPENSEARCH}}}OpenSearchDescription")
    ET.SubElement(doc, f"{{{OPENSEARCH}}}ShortName").text = "srefind"
    ET.SubElement(doc, f"{{{OPENSEARCH}}}Description").text = "Search what was said at SREcon: talks and write-ups"
    ET.SubElement(doc, f"{{{OPENSEARCH}}}InputEncoding").text = "UTF-8"
    ET.SubElement(doc, f"{{{OPENSEARCH}}}Url", type="text/html", method="get", template=f"{base}/?q={{searchTerms}}")
    ET.SubElement(doc, f"{{{OPENSEARCH}}}Url", type="application/atom+xml", template=f"{base}/feed.atom?q={{searchTerms}}")
    ET.SubElement(doc, f"{{{OPENSEARCH}}}Url", type="application/opensearchdescription+xml", rel="self",
                  template=f"{base}/opensearch.xml")
    body = ET.tostring(doc, encoding="unicode", xml_declaration=True)
    return Response(body, mimetype="application/opensearchdescription+xml")
