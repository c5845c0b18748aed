"""HTML -> Page: decode, find the main content, drop boilerplate, read the metadata.

Written on bs4 + lxml rather than trafilatura: downstream needs the content as ordered
blocks with headings and element ids (to split a write-up into talks and link each one by
`#anchor`), which trafilatura's text output flattens; and it is several times faster here.
Conference-organiser pages get an adapter chosen by page structure (Drupal `node-paper`).
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime
from typing import Callable
from urllib.parse import urlsplit

from bs4 import BeautifulSoup, NavigableString, Tag, UnicodeDammit
from bs4.dammit import EncodingDetector
from bs4.element import Comment

from srefind.models import Block, Page, Person

from .urls import normalize, site_name

BLOCK_TAGS = {
    "p", "li", "pre", "blockquote", "dd", "dt", "td", "th", "div", "section", "article", "ul", "ol",
    "table", "tr", "tbody", "thead", "figure", "figcaption", "header", "main", "dl", "h1", "h2", "h3",
    "h4", "h5", "h6", "body", "details", "summary", "address", "center", "form", "fieldset",
}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
DROP_TAGS = ["script", "style", "noscript", "template", "iframe", "svg", "nav", "aside", "footer", "form",
             "button", "select", "input", "object", "embed", "canvas"]
BOILERPLATE_RE = re.compile(
    r"(^|[\s_-])(comments?|sidebar|widget|share|sharing|social|related|post-nav|pagination|breadcrumbs?|"
    r"post-meta|byline|tags?-list|subscribe|newsletter|cookie|advert|ads|element-invisible|skip-link|"
    r"site-header|site-footer|masthead|topbar|colophon)([\s_-]|$)",
    re.I,
)
NON_ARTICLE_PATH_RE = re.compile(r"/(about|contact|privacy|search|login|user|register|impressum|legal|terms)(/|$)", re.I)
LISTING_PATH_RE = re.compile(r"/(tags?|categor(y|ies)|archives?|page/\d+|author|topics?|labels?)(/|$)", re.I)
URL_DATE_RE = re.compile(r"/((?:19|20)\d\d)/(0[1-9]|1[0-2])/(?:(0[1-9]|[12]\d|3[01])(?:/|$))?")
DATE_RANGE_RE = re.compile(r"(?:[A-Za-z]+,\s*)?([A-Za-z]+)\s+(\d{1,2})\s*[–-]\s*(?:[A-Za-z]+\s+)?\d{1,2},\s*(\d{4})$")
WS_RE = re.compile(r"[ \t\r\f\v\u00a0]+")
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


def clean(text: str) -> str:
    return WS_RE.sub(" ", text).strip()


def _classes(el: Tag) -> str:
    cls = el.get("class") or []
    return " ".join(cls) if isinstance(cls, list) else str(cls)


def _is_boilerplate(el: Tag) -> bool:
    ident = f"{_classes(el)} {el.get('id') or ''}"
    return bool(ident.strip()) and bool(BOILERPLATE_RE.search(ident))


class _Tags:
    """The page's elements in document order, grouped by name.

    One walk of the tree serves every lookup of `extract` that precedes the boilerplate removal;
    a bs4 `find()` or CSS `select()` per lookup walked the whole tree again each time (profiled:
    the larger part of the crawler's CPU per page).
    """

    def __init__(self, soup: BeautifulSoup) -> None:
        self.all: list[Tag] = [el for el in soup.descendants if isinstance(el, Tag)]
        self.by_name: dict[str, list[Tag]] = {}
        for el in self.all:
            self.by_name.setdefault(el.name, []).append(el)
        self.meta_property: dict[str, Tag] = {}
        self.meta_name: dict[str, Tag] = {}
        for m in self.named("meta"):
            prop, name = m.get("property"), m.get("name")
            if isinstance(prop, str):
                self.meta_property.setdefault(prop, m)
            if isinstance(name, str):
                self.meta_name.setdefault(name, m)

    def named(self, name: str) -> list[Tag]:
        return self.by_name.get(name, [])

    def first(self, test: Callable[[Tag], bool]) -> Tag | None:
        return next((el for el in self.all if test(el)), None)


def _meta(tags: _Tags, *names: str) -> str:
    for name in names:
        el = tags.meta_property.get(name) or tags.meta_name.get(name)
        if el and el.get("content"):
            return clean(str(el["content"]))
    return ""


def _has_class(el: Tag, name: str) -> bool:
    cls = el.get("class")
    return name in cls if isinstance(cls, list) else cls == name


def _iso_date(value: str) -> str:
    value = value.strip()
    m = re.match(r"((?:19|20)\d\d)-(\d\d)-(\d\d)", value)
    if m:
        return "-".join(m.groups())
    head = value.split(" - ")[0].strip()
    span = DATE_RANGE_RE.match(head)  # "October 24–26, 2023": a conference's dates, take the first day
    if span:
        head = f"{span.group(1)} {span.group(2)}, {span.group(3)}"
    for fmt in ("%A, %B %d, %Y", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%a, %d %b %Y", "%Y/%m/%d"):
        try:
            return datetime.strptime(head, fmt).date().isoformat()
        except ValueError:
            continue
    return ""


def _jsonld_items(tags: _Tags) -> list[dict]:
    """The JSON-LD objects of a page, `@graph` members included (as Yoast and others nest them)."""
    items: list[dict] = []
    for script in tags.named("script"):
        if script.get("type") != "application/ld+json":
            continue
        try:
            data = json.loads(script.string or "")
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
            if isinstance(item.get(key), str) and _iso_date(item[key]):
                return _iso_date(item[key])
    return ""


def _jsonld_author(items: list[dict]) -> str:
    for item in items:
        authors = item.get("author")
        for a in authors if isinstance(authors, list) else [authors]:
            name = a.get("name") if isinstance(a, dict) else a
            if isinstance(name, str) and clean(name):
                return clean(name)
    return ""


def _time_date(container: Tag) -> str:
    """The first `<time>` of the content that is not a comment's: its datetime, else its text."""
    for t in container.find_all("time"):
        if any("comment" in f"{_classes(p)} {p.get('id') or ''}".lower() for p in t.parents if isinstance(p, Tag)):
            continue
        found = _iso_date(str(t.get("datetime") or "")) or _iso_date(clean(t.get_text(" ")))
        if found:
            return found
    return ""


def _blocks(container: Tag) -> list[Block]:
    """Flatten a content element into ordered text/heading blocks, keeping element ids as anchors."""
    out: list[Block] = []
    buf: list[str] = []
    pending_anchor = [""]
    current_tag = [""]

    def flush(kind: str = "text", level: int = 0, anchor: str = "", tag: str = "") -> None:
        text = clean(" ".join(buf).replace("\n", " "))
        buf.clear()
        if text:
            out.append(Block(kind=kind, text=text, level=level, anchor=anchor or pending_anchor[0],
                             tag=tag or current_tag[0]))
            pending_anchor[0] = ""

    def walk(el: Tag) -> None:
        for child in el.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                buf.append(str(child))
                continue
            if not isinstance(child, Tag):
                continue
            name = child.name
            if name in HEADINGS:
                flush()
                anchor = child.get("id") or ""
                inner = child.find(id=True) or child.find("a", attrs={"name": True})
                if not anchor and inner is not None:
                    anchor = inner.get("id") or inner.get("name") or ""
                buf.append(child.get_text(" "))
                flush("heading", HEADINGS[name], str(anchor), name)
            elif name == "br":
                buf.append(" ")
            elif name in BLOCK_TAGS:
                flush()
                if child.get("id") and name in ("p", "section", "div", "li"):
                    pending_anchor[0] = str(child["id"])
                outer, current_tag[0] = current_tag[0], name
                walk(child)
                flush()
                current_tag[0] = outer
            else:
                if child.get("id") and not buf:
                    pending_anchor[0] = str(child["id"])
                walk(child)

    walk(container)
    flush()
    return out


def _drupal_people(field: Tag) -> list[Person]:
    """'Name, <em>Affiliation</em>; A and B, <em>Other</em>' -> people with affiliations."""
    people: list[Person] = []
    for p in field.find_all(["p", "div"], recursive=True) or [field]:
        if p.find("p"):
            continue
        names: list[str] = []
        for node in p.children:
            if isinstance(node, Tag) and node.name in ("em", "i"):
                aff = clean(node.get_text(" "))
                people.extend(Person(n, aff) for n in names)
                if not names and aff:
                    people.append(Person("", aff))
                names = []
            else:
                text = node.get_text(" ") if isinstance(node, Tag) else str(node)
                for part in re.split(r";|,|\band\b", text):
                    part = clean(part)
                    if part:
                        names.append(part)
        people.extend(Person(n) for n in names)
    return people


def _fields(paper: Tag) -> dict[str, Tag]:
    """A Drupal node's fields by name (`field-name-X` -> its element), the first of each in document order."""
    out: dict[str, Tag] = {}
    for el in paper.find_all(class_=True):
        cls = el.get("class")
        for c in cls if isinstance(cls, list) else [cls]:
            if c.startswith("field-name-"):
                out.setdefault(c[len("field-name-"):], el)
    return out


def _field(fields: dict[str, Tag], name: str) -> Tag | None:
    el = fields.get(name)
    if el is None:
        return None
    return el.find(class_="field-items") or el


def _drupal_notes(paper: Tag) -> list[Block]:
    """Text the node holds outside its known fields (an editor's update note, say): part of the talk page."""
    notes = []
    for child in paper.find_all(["p", "div"], recursive=True):
        if any(_has_class(a, "field") or _has_class(a, "links") for a in [child, *child.parents] if a is not paper):
            continue
        if child.find(["p", "div"]) is not None or child.find_parent("ul") is not None:
            continue
        text = clean(child.get_text(" "))
        if text:
            notes.append(Block("text", text, tag=child.name))
    return notes


def _drupal_talk(soup: BeautifulSoup, tags: _Tags, page: Page, base: str) -> bool:
    """Talk pages in the Drupal style of usenix.org: one `node-paper` that is the page itself."""
    papers = [el for name in ("article", "div") for el in tags.named(name) if _has_class(el, "node-paper")]
    sessions = [el for el in tags.all if _has_class(el, "node-session")]
    if len(papers) != 1 or sessions:
        if len(papers) > 1 or sessions:
            page.page_type = "program"
        return False
    paper = papers[0]
    fields = _fields(paper)
    title_el = tags.first(lambda el: el.get("id") == "page-title") or paper.find(class_="node-title") or soup.find("h1")
    page.talk_title = clean(title_el.get_text(" ")) if title_el else page.title
    people = _field(fields, "field-paper-people-text")
    if people is not None:
        page.speakers = _drupal_people(people)
    desc = _field(fields, "field-paper-description") or _field(fields, "field-paper-description-long")
    blocks = [Block("heading", page.talk_title, 1)]
    if desc is not None:
        blocks.extend(_blocks(desc))
    blocks.extend(_drupal_notes(paper))
    page.blocks = blocks
    conf = _field(fields, "field-presentation-conference")
    if conf is not None:
        page.conference_hint = clean(conf.get_text(" "))
    date_field = fields.get("field-presentation-date")
    when = date_field.find(class_="date-display-single") if date_field is not None else None
    if when is not None and not page.date:
        page.date = _iso_date(when.get_text(" "))
    room = _field(fields, "field-presentation-location")
    if room is not None:
        page.room = clean(room.get_text(" "))
    for name in ("field-presentation-video", "field-final-paper-pdf", "field-presentation-slides", "field-paper-pdf"):
        fld = _field(fields, name)
        if fld is not None:
            page.media.extend(u for u in (normalize(str(a["href"]), base) for a in fld.find_all("a", href=True)) if u)
    page.page_type = "talk"
    return True


MAIN_CANDIDATES: list[Callable[[Tag], bool]] = [  # in order of trust: [role=main], main, #content, ...
    lambda el: el.get("role") == "main",
    lambda el: el.name == "main",
    lambda el: el.get("id") == "content",
    lambda el: el.get("id") == "main",
    lambda el: _has_class(el, "post-content"),
    lambda el: _has_class(el, "entry-content"),
    lambda el: _has_class(el, "content"),
]


def _main_container(soup: BeautifulSoup, tags: _Tags) -> tuple[Tag, int]:
    """The element holding the main content, and how many article-like entries the page lists."""
    articles = [a for a in tags.named("article") if not a.find_parent("article")]
    if len(articles) == 1:
        return articles[0], 1
    for test in MAIN_CANDIDATES:
        el = tags.first(test)
        if el is not None:
            return el, len(articles)
    return (soup.body or soup), len(articles)


def _strip_boilerplate(container: Tag) -> None:
    for el in container.find_all(DROP_TAGS):
        el.decompose()
    for el in container.find_all(True):
        if _gone(el):
            continue
        if el.name in ("header",) and el.find(["h1", "h2"]) is None:
            el.decompose()
        elif _is_boilerplate(el) and el.name not in ("body", "main", "article"):
            el.decompose()


def _lists_posts(tags: _Tags) -> bool:
    """A post-list element still in the tree (boilerplate removal may have dropped some)."""
    return any(not _gone(el) and any(_has_class(el, c) for c in ("post-list", "posts-list", "archive-list"))
               for el in tags.all)


def _gone(el: Tag) -> bool:
    """Removed from the tree. Not `el.decomposed`: on a live tag bs4 resolves that attribute
    lookup through `__getattr__` as a search of the whole subtree; a decomposed tag has no name."""
    return not el.name or el.parent is None


def _link_density(container: Tag) -> float:
    text = len(clean(container.get_text(" ")))
    if not text:
        return 1.0
    linked = sum(len(clean(a.get_text(" "))) for a in container.find_all("a"))
    return linked / text


def extract(url: str, html: str, *, fetched_at: str = "") -> Page:
    """Parse one HTML page into a Page. Never raises on malformed HTML: lxml repairs what it can."""
    soup = BeautifulSoup(html, "lxml")
    tags = _Tags(soup)
    page = Page(url=url, site=site_name(url), fetched_at=fetched_at)
    base = url
    base_el = next((b for b in tags.named("base") if b.has_attr("href")), None)
    if base_el:
        base = normalize(str(base_el["href"]), url) or url

    title = tags.named("title")
    page.title = _meta(tags, "og:title") or (clean(title[0].get_text(" ")) if title else "")
    page.description = _meta(tags, "description", "og:description")
    jsonld = _jsonld_items(tags)
    page.author = _meta(tags, "author", "article:author") or _jsonld_author(jsonld)
    page.tags = [clean(str(m["content"])) for m in tags.named("meta")
                 if m.get("property") == "article:tag" and m.get("content")]
    page.date = _iso_date(_meta(tags, "article:published_time", "date", "dc.date", "DC.date.issued")) or _jsonld_date(jsonld)

    for link in tags.named("link"):
        if not link.has_attr("href"):
            continue
        rel = [r.lower() for r in (link.get("rel") or [])]
        if "canonical" in rel:
            page.canonical = normalize(str(link["href"]), base) or ""
        elif "alternate" in rel and str(link.get("type", "")).lower() in FEED_TYPES:
            feed = normalize(str(link["href"]), base)
            if feed:
                page.feeds.append(feed)

    links: list[str] = []
    seen: set[str] = set()
    for a in tags.named("a"):
        if not a.has_attr("href"):
            continue
        target = normalize(str(a["href"]), base)
        if target and target not in seen:
            seen.add(target)
            links.append(target)
    page.links = links

    body_classes = _classes(soup.body) if soup.body else ""
    node_type = re.search(r"\bnode-type-([\w-]+)", body_classes)
    if node_type and node_type.group(1) != "paper":
        # An organiser site's other nodes: conference overviews and schedules list talks, pages are pages.
        page.page_type = "program" if node_type.group(1) in ("conference", "schedule", "session") else "page"
    if not _drupal_talk(soup, tags, page, base):
        container, n_articles = _main_container(soup, tags)
        if not page.date:
            page.date = _time_date(container)
        h1 = container.find("h1") if container else None
        _strip_boilerplate(container)
        page.blocks = _blocks(container)
        if h1 is not None and clean(h1.get_text(" ")):
            page.title = clean(h1.get_text(" "))
        path = re.sub(r"^https?://[^/]+", "", url)
        if page.page_type == "article" and NON_ARTICLE_PATH_RE.search(path):
            page.page_type = "page"
        if page.page_type == "article":
            if n_articles > 1 or LISTING_PATH_RE.search(path) or path == "/" or _lists_posts(tags):
                page.page_type = "listing"
            elif n_articles == 0 and _link_density(container) > 0.5:
                page.page_type = "listing"
    if not page.date:
        m = URL_DATE_RE.search(urlsplit(url).path)
        if m:
            page.date = f"{m.group(1)}-{m.group(2)}-{m.group(3) or '01'}"
    page.content_hash = hashlib.sha1(page.text.encode("utf-8")).hexdigest()
    return page
