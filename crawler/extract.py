"""HTML -> Page: decode, find the main content, drop boilerplate, read the metadata.

Written on lxml rather than trafilatura: downstream needs the content as ordered blocks with
headings and element ids (to split a write-up into talks and link each one by `#anchor`), which
trafilatura's text output flattens. Conference-organiser pages get an adapter chosen by page
structure (Drupal `node-paper`; `srefind.crawler.adapters`).

Why lxml's own tree, not BeautifulSoup over lxml (measured): py-spy on benchmarks/crawl_bench.py
put extraction at 7.5 of the ~10 ms of CPU the crawler spent per page, and bs4 building its tree
of Python objects at 49% of the profile. libxml2 builds its tree in C: over the corpus pages,
extraction went from ~3.7 to ~0.8 ms of CPU a page (parsing alone from ~3.2 to ~0.2 ms), and the
crawler's CPU per response from 10.8 to 3.6 ms. bs4 still does what it is good at: charset
detection in `decode_html` (EncodingDetector, UnicodeDammit).

The port reads a page exactly as the bs4 version did (every field of every page of the corpus,
the demo site and the test fixtures compared equal), which takes three rules, kept in
`srefind.crawler.html` (the parsing and element helpers; its docstring lists them).

Three modules: `html` (the tree and what is read off it), `adapters` (organiser pages, read field
by field), this one (decoding, metadata, links, the generic content reader and `extract`).
"""

from __future__ import annotations

import hashlib
import json
import re
from urllib.parse import urlsplit

from bs4 import UnicodeDammit
from bs4.dammit import EncodingDetector
from lxml import etree

from srefind.models import Page

from .adapters import ADAPTERS
from .html import (
    Doc,
    Element,
    attached,
    blocks_of,
    classes,
    clean,
    drop,
    first_with_class,
    first_with_id,
    iso_date,
    meta,
    parse,
    text_of,
)
from .urls import normalize, site_name

DROP_TAGS = ["script", "style", "noscript", "template", "iframe", "svg", "nav", "aside", "footer", "form",
             "button", "select", "input", "object", "embed", "canvas"]
BOILERPLATE_RE = re.compile(
    r"(^|[\s_-])(comments?|sidebar|widget|share|sharing|social|related|post-nav|pagination|breadcrumbs?|"
    r"post-meta|byline|tags?-list|subscribe|newsletter|cookie|advert|ads|element-invisible|skip-link|"
    r"site-header|site-footer|masthead|topbar|colophon)([\s_-]|$)",
    re.I,
)
# Headings that are a site's furniture, never a post's title ("Skip to main content", "Loading…", "Blog Post")
UI_TITLE_RE = re.compile(
    r"(?:skip to (?:main )?content|skip navigation|loading(?:…|\.\.\.)?|blog(?: post)?|posts?|article|home|menu|"
    r"navigation|search|untitled|welcome|table of contents|contents)[.!]?", re.I)
NON_ARTICLE_PATH_RE = re.compile(r"/(about|contact|privacy|search|login|user|register|impressum|legal|terms)(/|$)", re.I)
LISTING_PATH_RE = re.compile(r"/(tags?|categor(y|ies)|archives?|page/\d+|author|topics?|labels?)(/|$)", re.I)
URL_DATE_RE = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/(?:(0[1-9]|[12]\d|3[01])(?:/|$))?")
FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/feed+json"}
# Browsers read these labels as windows-1252 (WHATWG Encoding), and so do pages that use them:
# a page that says "iso-8859-1" and has curly quotes means cp1252's 0x92, not a C1 control.
WHATWG_1252 = {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "cp819", "ibm819",
               "ascii", "us-ascii", "iso-ir-100", "csisolatin1", "x-cp1252", "cp1252"}
# What a detector may wrongly guess for a short, mostly-ASCII Western page.
MULTIBYTE = {"big5", "big5hkscs", "gb2312", "gbk", "gb18030", "euc-jp", "euc-kr", "euc-tw", "shift_jis",
             "cp932", "cp949", "cp950", "johab", "iso-2022-jp", "iso-2022-kr", "utf-16", "utf-16le",
             "utf-16be", "utf-32", "hz-gb-2312"}
_ASCII = bytes(range(128))

_FIRST_ROLE_MAIN = etree.XPath("(.//*[@role = 'main'])[1]")


def _label(charset: str) -> str:
    name = charset.strip().strip("'\"").lower()
    return "windows-1252" if name in WHATWG_1252 else name


def decode_html(body: bytes, header_charset: str | None) -> str:
    """Charset from the HTTP header, then `<meta>`, then UTF-8, then detection (bs4's UnicodeDammit).

    A label that does not decode the bytes is skipped, so a wrong header falls through to the next.
    """
    declared = EncodingDetector.find_declared_encoding(body, is_html=True)
    known = list(dict.fromkeys(_label(c) for c in (header_charset, declared) if c))
    sample = body[:65536]
    mostly_ascii = len(sample.translate(None, _ASCII)) * 10 < len(sample)
    exclude = MULTIBYTE - set(known) if mostly_ascii else set()
    dammit = UnicodeDammit(body, known_definite_encodings=known, user_encodings=["utf-8"],
                           exclude_encodings=exclude, is_html=True)
    if dammit.unicode_markup is None:
        return body.decode("utf-8", errors="replace")
    return dammit.unicode_markup


def _is_boilerplate(el: Element) -> bool:
    cls, ident = el.get("class"), el.get("id")
    if not cls and not ident:
        return False
    text = f"{classes(el)} {ident or ''}"
    return bool(text.strip()) and bool(BOILERPLATE_RE.search(text))


# -- metadata ----------------------------------------------------------------------------------

def _jsonld_items(doc: Doc) -> list[dict]:
    """The JSON-LD objects of a page, `@graph` members included (as Yoast and others nest them)."""
    items: list[dict] = []
    for script in doc.named("script"):
        if script.get("type") != "application/ld+json":
            continue
        try:
            data = json.loads(script.text or "")
        except (ValueError, TypeError):
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                items.append(item)
                items.extend(x for x in item.get("@graph", []) if isinstance(x, dict))
    return items


def _jsonld_date(items: list[dict]) -> str:
    for item in items:
        for key in ("datePublished", "dateCreated", "uploadDate"):
            if isinstance(item.get(key), str) and iso_date(item[key]):
                return iso_date(item[key])
    return ""


def _jsonld_author(items: list[dict]) -> str:
    for item in items:
        authors = item.get("author")
        for a in authors if isinstance(authors, list) else [authors]:
            name = a.get("name") if isinstance(a, dict) else a
            if isinstance(name, str) and clean(name):
                return clean(name)
    return ""


def _time_date(container: Element) -> str:
    """The first `<time>` of the content that is not a comment's: its datetime, else its text."""
    for t in container.iterdescendants("time"):
        if any("comment" in f"{classes(p)} {p.get('id') or ''}".lower() for p in t.iterancestors()):
            continue
        found = iso_date(t.get("datetime") or "") or iso_date(clean(text_of(t)))
        if found:
            return found
    return ""


def _read_links(doc: Doc, page: Page, base: str) -> None:
    """Canonical, feeds and every `<a href>` (boilerplate included: navigation is how we discover)."""
    for link in doc.named("link"):
        href = link.get("href")
        if href is None:
            continue
        rel = [r.lower() for r in (link.get("rel") or "").split()]
        if "canonical" in rel:
            page.canonical = normalize(href, base) or ""
        elif "alternate" in rel and (link.get("type") or "").lower() in FEED_TYPES:
            feed = normalize(href, base)
            if feed:
                page.feeds.append(feed)
    links: list[str] = []
    seen: set[str] = set()
    for a in doc.named("a"):
        href = a.get("href")
        if href is None:
            continue
        target = normalize(href, base)
        if target and target not in seen:
            seen.add(target)
            links.append(target)
    page.links = links


# -- main content ------------------------------------------------------------------------------

MAIN_CANDIDATES = ("role=main", "main", "#content", "#main", ".post-content", ".entry-content", ".content")


def _candidate(document: Element, how: str) -> Element | None:
    """The first element of the page that `how` (one of MAIN_CANDIDATES) picks."""
    if how == "role=main":
        found = _FIRST_ROLE_MAIN(document)
        return found[0] if found else None
    if how.startswith("#"):
        return first_with_id(document, how[1:])
    if how.startswith("."):
        return first_with_class(document, how[1:])
    return next(document.iterdescendants(how), None)


def _main_container(doc: Doc) -> tuple[Element, int]:
    """The element holding the main content, and how many article-like entries the page lists."""
    articles = [a for a in doc.named("article") if next(a.iterancestors("article"), None) is None]
    if len(articles) == 1:
        return articles[0], 1
    for how in MAIN_CANDIDATES:  # in order of trust
        el = _candidate(doc.document, how)
        if el is not None:
            return el, len(articles)
    body = doc.first("body")
    return (body if body is not None else doc.document), len(articles)


def _strip_boilerplate(container: Element) -> None:
    """Drop non-content elements, then (outside them, in document order) headers without a title
    and elements whose class or id says boilerplate."""
    for el in list(container.iterdescendants(*DROP_TAGS)):
        drop(el)
    stack = list(container.iterchildren(etree.Element, reversed=True))
    while stack:
        el = stack.pop()
        if el.tag == "header" and next(el.iterdescendants("h1", "h2"), None) is None:
            drop(el)
        elif el.tag not in ("body", "main", "article") and _is_boilerplate(el):
            drop(el)
        else:
            stack.extend(el.iterchildren(etree.Element, reversed=True))


def _lists_posts(document: Element) -> bool:
    """A post-list element still in the tree (boilerplate removal may have dropped some)."""
    return any(first_with_class(document, c) is not None for c in ("post-list", "posts-list", "archive-list"))


def _link_density(container: Element) -> float:
    text = len(clean(text_of(container)))
    if not text:
        return 1.0
    linked = sum(len(clean(text_of(a))) for a in container.iterdescendants("a"))
    return linked / text


# -- the page ----------------------------------------------------------------------------------

def _read_meta(doc: Doc, page: Page) -> None:
    title = doc.first("title")
    page.title = meta(doc, "og:title") or (clean(text_of(title)) if title is not None else "")
    page.description = meta(doc, "description", "og:description")
    jsonld = _jsonld_items(doc)
    page.author = meta(doc, "author", "article:author") or _jsonld_author(jsonld)
    page.tags = [clean(m.get("content")) for m in doc.named("meta")
                 if m.get("property") == "article:tag" and m.get("content")]
    page.date = iso_date(meta(doc, "article:published_time", "date", "dc.date", "DC.date.issued")) or _jsonld_date(jsonld)


def _read_content(doc: Doc, page: Page, url: str) -> None:
    """Main content of a page no adapter read (a blog post, a listing): blocks, a better title, the page type."""
    container, n_articles = _main_container(doc)
    if not page.date:
        page.date = _time_date(container)
    h1 = next(container.iterdescendants("h1"), None)
    _strip_boilerplate(container)
    page.blocks = blocks_of(container)
    if h1 is not None and attached(h1, doc.document) and clean(text_of(h1)) \
            and not UI_TITLE_RE.fullmatch(clean(text_of(h1))):
        page.title = clean(text_of(h1))
    path = re.sub(r"^https?://[^/]+", "", url)
    if page.page_type == "article" and NON_ARTICLE_PATH_RE.search(path):
        page.page_type = "page"
    if page.page_type == "article":
        if n_articles > 1 or LISTING_PATH_RE.search(path) or path == "/" or _lists_posts(doc.document):
            page.page_type = "listing"
        elif n_articles == 0 and _link_density(container) > 0.5:
            page.page_type = "listing"


def extract(url: str, html: str, *, fetched_at: str = "") -> Page:
    """Parse one HTML page into a Page. Never raises on malformed HTML: lxml repairs what it can."""
    doc = Doc(parse(html))
    page = Page(url=url, site=site_name(url), fetched_at=fetched_at)
    base = url
    base_el = next((b for b in doc.named("base") if b.get("href") is not None), None)
    if base_el is not None:
        base = normalize(base_el.get("href"), url) or url

    _read_meta(doc, page)
    _read_links(doc, page, base)

    for adapter in ADAPTERS:  # organiser pages, recognised by structure: the first that reads the page wins
        if adapter(doc, page, base):
            break
    else:
        _read_content(doc, page, url)
    if not page.date:
        m = URL_DATE_RE.search(urlsplit(url).path)
        if m:
            page.date = f"{m.group(1)}-{m.group(2)}-{m.group(3) or '01'}"
    page.content_hash = hashlib.sha1(page.text.encode("utf-8")).hexdigest()
    return page
