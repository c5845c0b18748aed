"""HTML -> Page: decode, find the main content, drop boilerplate, read the metadata.

Written on lxml rather than trafilatura: downstream needs the content as ordered blocks with
headings and element ids (to split a write-up into talks and link each one by `#anchor`), which
trafilatura's text output flattens. Conference-organiser pages get an adapter chosen by page
structure (Drupal `node-paper`).

Why lxml's own tree, not BeautifulSoup over lxml (measured): py-spy on benchmarks/crawl_bench.py
put extraction at 7.5 of the ~10 ms of CPU the crawler spent per page, and bs4 building its tree
of Python objects at 49% of the profile. libxml2 builds its tree in C: over the corpus pages,
extraction went from ~3.7 to ~0.8 ms of CPU a page (parsing alone from ~3.2 to ~0.2 ms), and the
crawler's CPU per response from 10.8 to 3.6 ms. bs4 still does what it is good at: charset
detection in `decode_html` (EncodingDetector, UnicodeDammit).

The port reads a page exactly as the bs4 version did (every field of every page of the corpus,
the demo site and the test fixtures compared equal), which takes three rules, kept here:
  * the same parser, fed the same way: libxml2's HTML parser, push mode, no default DOCTYPE;
  * an element's text is bs4's `get_text(" ")` (`_text`): its strings joined by a space, where a
    string of ASCII whitespace only counts as one newline (when it has one) or one space, except
    inside <pre>/<textarea>, and text inside <script>, <style>, <template>, <rt>, <rp> is left out;
  * removed boilerplate leaves an empty comment behind (`_drop`), so the text before and after it
    stays two strings, as bs4's `decompose()` left it.
One difference, a fix: bs4 kept the DOCTYPE as a string, so a page with no <body> (an unclosed
<title> swallows the rest) had "html" as the first word of its text. A DOCTYPE is not text.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlsplit

from bs4 import UnicodeDammit
from bs4.dammit import EncodingDetector
from lxml import etree
from lxml.etree import _Element as Element  # the element type (lxml has no public name for it)

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

# How an element's text is read (bs4's rules, see the module docstring).
ASCII_SPACES = " \n\t\f\r"
KEEP_WS_TAGS = ("pre", "textarea")
OWN_TEXT_TAGS = ("script", "style", "template", "rt", "rp")  # their text is not the page's text
TEXT_SPECIAL_TAGS = KEEP_WS_TAGS + OWN_TEXT_TAGS
# The synthetic element that holds the document's top-level elements: what bs4 called the soup.
DOCUMENT_TAG = "srefind-document"

_CLASS_CANDIDATES = etree.XPath(".//*[contains(@class, $name)]")  # narrowed by `_has_class`
_FIRST_WITH_ID = etree.XPath("(.//*[@id = $id])[1]")
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


def clean(text: str) -> str:
    return WS_RE.sub(" ", text).strip()


# -- the tree ----------------------------------------------------------------------------------

def _parse(html: str) -> Element:
    """The page's tree under one synthetic root element, which plays bs4's soup.

    Parsed as bs4's lxml builder parsed it: a leading BOM dropped, the whole text fed to
    libxml2's push parser, no DOCTYPE made up. Markup after `</html>` can open a second
    top-level `<html>`: every top-level element is kept, in order, under the one root, so that
    searches, "the content is the whole document" and `_drop` need no special case.
    """
    if html.startswith("\ufeff"):
        html = html[1:]
    parser = etree.HTMLParser(recover=True, default_doctype=False)
    parser.feed(html)
    root = parser.close()
    document = etree.Element(DOCUMENT_TAG)
    if root is not None:
        for top in [root, *root.itersiblings(etree.Element)]:
            document.append(top)
    return document


def _ws(text: str, keep: bool) -> str:
    """A string as bs4 stored it: ASCII whitespace only becomes one newline or one space, unless kept."""
    if keep or text.strip(ASCII_SPACES):
        return text
    return "\n" if "\n" in text else " "


def _text(el: Element) -> str:
    """bs4's `el.get_text(" ")`: the element's strings, read as bs4 read them, joined by a space."""
    special_inside = next(el.iter(*TEXT_SPECIAL_TAGS), None) is not None  # `el` itself included
    if not special_inside and next(el.iterancestors(*TEXT_SPECIAL_TAGS), None) is None:
        return " ".join([_ws(t, False) for t in el.itertext()])  # the common case, walked in C
    if el.tag not in OWN_TEXT_TAGS and next(el.iterancestors(*OWN_TEXT_TAGS), None) is not None:
        return ""  # all its strings belong to the <script>/<rt>/... around it
    out: list[str] = []
    _collect_text(el, next(el.iterancestors(*KEEP_WS_TAGS), None) is not None, out)
    return " ".join(out)


def _collect_text(el: Element, keep: bool, out: list[str]) -> None:
    """`_text` the long way: skips what <script>, <rt>, ... hold, keeps whitespace in <pre>/<textarea>."""
    keep = keep or el.tag in KEEP_WS_TAGS
    if el.text:
        out.append(_ws(el.text, keep))
    for child in el:
        if isinstance(child.tag, str) and child.tag not in OWN_TEXT_TAGS:
            _collect_text(child, keep, out)
        if child.tail:  # after a comment or an element: a string of `el`
            out.append(_ws(child.tail, keep))


def _child_nodes(el: Element) -> Iterator[str | Element]:
    """bs4's `el.children`: strings and elements, in order. A comment counts as its text, as bs4's
    Comment is a string: `_drupal_people` has always read it so."""
    if el.text:
        yield el.text
    for child in el:
        if isinstance(child.tag, str):
            yield child
        elif child.text:
            yield child.text
        if child.tail:
            yield child.tail


def _drop(el: Element) -> None:
    """Remove `el` from the tree, as bs4's `decompose()` did. An empty comment takes its place and
    carries the text after it (lxml's tail), so that text stays a string apart from the text before
    it: with `<b>` dropped, 'x<b>y</b>z' still reads 'x z', as it did, not 'xz'."""
    parent = el.getparent()
    if parent is None:
        return
    marker = etree.Comment()
    marker.tail = el.tail
    parent.replace(el, marker)


def _attached(el: Element, document: Element) -> bool:
    """Still in the page: not inside something `_drop` removed."""
    return any(a is document for a in el.iterancestors())


def _has_class(el: Element, name: str) -> bool:
    return name in (el.get("class") or "").split()


def _classes(el: Element) -> str:
    return " ".join((el.get("class") or "").split())


def _first_with_class(el: Element, name: str) -> Element | None:
    """The first descendant of `el` with class `name` (XPath narrows in C, `_has_class` decides)."""
    return next((d for d in _CLASS_CANDIDATES(el, name=name) if _has_class(d, name)), None)


def _first_with_id(el: Element, ident: str) -> Element | None:
    found = _FIRST_WITH_ID(el, id=ident)
    return found[0] if found else None


def _is_boilerplate(el: Element) -> bool:
    cls, ident = el.get("class"), el.get("id")
    if not cls and not ident:
        return False
    text = f"{_classes(el)} {ident or ''}"
    return bool(text.strip()) and bool(BOILERPLATE_RE.search(text))


class _Doc:
    """The parsed page and its elements by name, for the lookups `extract` makes."""

    def __init__(self, document: Element) -> None:
        self.document = document
        self._named: dict[str, list[Element]] = {}
        self.meta_property: dict[str, Element] = {}
        self.meta_name: dict[str, Element] = {}
        for m in self.named("meta"):
            prop, name = m.get("property"), m.get("name")
            if prop is not None:
                self.meta_property.setdefault(prop, m)
            if name is not None:
                self.meta_name.setdefault(name, m)

    def named(self, name: str) -> list[Element]:
        found = self._named.get(name)
        if found is None:
            found = self._named[name] = list(self.document.iterdescendants(name))
        return found

    def first(self, name: str) -> Element | None:
        found = self.named(name)
        return found[0] if found else None


# -- metadata ----------------------------------------------------------------------------------

def _meta(doc: _Doc, *names: str) -> str:
    for name in names:
        el = doc.meta_property.get(name)
        if el is None:
            el = doc.meta_name.get(name)
        if el is not None and el.get("content"):
            return clean(el.get("content"))
    return ""


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


def _jsonld_items(doc: _Doc) -> list[dict]:
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


def _time_date(container: Element) -> str:
    """The first `<time>` of the content that is not a comment's: its datetime, else its text."""
    for t in container.iterdescendants("time"):
        if any("comment" in f"{_classes(p)} {p.get('id') or ''}".lower() for p in t.iterancestors()):
            continue
        found = _iso_date(t.get("datetime") or "") or _iso_date(clean(_text(t)))
        if found:
            return found
    return ""


def _read_links(doc: _Doc, page: Page, base: str) -> None:
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

def _heading_anchor(heading: Element) -> str:
    """The heading's id, else that of the first element inside with an id, else an `<a name>`'s."""
    anchor = heading.get("id")
    if anchor:
        return anchor
    inner = next((d for d in heading.iterdescendants(etree.Element) if d.get("id") is not None), None)
    if inner is None:
        inner = next((a for a in heading.iterdescendants("a") if a.get("name") is not None), None)
    if inner is None:
        return ""
    return inner.get("id") or inner.get("name") or ""


def _blocks(container: Element) -> list[Block]:
    """Flatten a content element into ordered text/heading blocks, keeping element ids as anchors."""
    out: list[Block] = []
    buf: list[str] = []
    pending_anchor = ""
    current_tag = ""

    def flush(kind: str = "text", level: int = 0, anchor: str = "", tag: str = "") -> None:
        nonlocal pending_anchor
        text = clean(" ".join(buf).replace("\n", " "))
        buf.clear()
        if text:
            out.append(Block(kind=kind, text=text, level=level, anchor=anchor or pending_anchor,
                             tag=tag or current_tag))
            pending_anchor = ""

    def walk(el: Element) -> None:
        nonlocal pending_anchor, current_tag
        if el.text:
            buf.append(el.text)
        for child in el:
            name = child.tag
            if not isinstance(name, str):
                pass  # a comment: skipped, the text after it is not
            elif name in HEADINGS:
                flush()
                anchor = _heading_anchor(child)
                buf.append(_text(child))
                flush("heading", HEADINGS[name], anchor, name)
            elif name == "br":
                buf.append(" ")
            elif name in BLOCK_TAGS:
                flush()
                if child.get("id") and name in ("p", "section", "div", "li"):
                    pending_anchor = child.get("id")
                outer, current_tag = current_tag, name
                walk(child)
                flush()
                current_tag = outer
            else:
                if child.get("id") and not buf:
                    pending_anchor = child.get("id")
                walk(child)
            if child.tail:
                buf.append(child.tail)

    walk(container)
    flush()
    return out


MAIN_CANDIDATES = ("role=main", "main", "#content", "#main", ".post-content", ".entry-content", ".content")


def _candidate(document: Element, how: str) -> Element | None:
    """The first element of the page that `how` (one of MAIN_CANDIDATES) picks."""
    if how == "role=main":
        found = _FIRST_ROLE_MAIN(document)
        return found[0] if found else None
    if how.startswith("#"):
        return _first_with_id(document, how[1:])
    if how.startswith("."):
        return _first_with_class(document, how[1:])
    return next(document.iterdescendants(how), None)


def _main_container(doc: _Doc) -> tuple[Element, int]:
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
        _drop(el)
    stack = list(container.iterchildren(etree.Element, reversed=True))
    while stack:
        el = stack.pop()
        if el.tag == "header" and next(el.iterdescendants("h1", "h2"), None) is None:
            _drop(el)
        elif el.tag not in ("body", "main", "article") and _is_boilerplate(el):
            _drop(el)
        else:
            stack.extend(el.iterchildren(etree.Element, reversed=True))


def _lists_posts(document: Element) -> bool:
    """A post-list element still in the tree (boilerplate removal may have dropped some)."""
    return any(_first_with_class(document, c) is not None for c in ("post-list", "posts-list", "archive-list"))


def _link_density(container: Element) -> float:
    text = len(clean(_text(container)))
    if not text:
        return 1.0
    linked = sum(len(clean(_text(a))) for a in container.iterdescendants("a"))
    return linked / text


# -- organiser pages (Drupal, as usenix.org) --------------------------------------------------------

def _drupal_people(field: Element) -> list[Person]:
    """'Name, <em>Affiliation</em>; A and B, <em>Other</em>' -> people with affiliations."""
    people: list[Person] = []
    for p in list(field.iterdescendants("p", "div")) or [field]:
        if next(p.iterdescendants("p"), None) is not None:
            continue
        names: list[str] = []
        for node in _child_nodes(p):
            if not isinstance(node, str) and node.tag in ("em", "i"):
                aff = clean(_text(node))
                people.extend(Person(n, aff) for n in names)
                if not names and aff:
                    people.append(Person("", aff))
                names = []
            else:
                text = node if isinstance(node, str) else _text(node)
                for part in re.split(r";|,|\band\b", text):
                    part = clean(part)
                    if part:
                        names.append(part)
        people.extend(Person(n) for n in names)
    return people


def _fields(paper: Element) -> dict[str, Element]:
    """A Drupal node's fields by name (`field-name-X` -> its element), the first of each in document order."""
    out: dict[str, Element] = {}
    for el in _CLASS_CANDIDATES(paper, name="field-name-"):
        for c in (el.get("class") or "").split():
            if c.startswith("field-name-"):
                out.setdefault(c[len("field-name-"):], el)
    return out


def _field(fields: dict[str, Element], name: str) -> Element | None:
    el = fields.get(name)
    if el is None:
        return None
    items = _first_with_class(el, "field-items")
    return items if items is not None else el


def _drupal_notes(paper: Element) -> list[Block]:
    """Text the node holds outside its known fields (an editor's update note, say): part of the talk page."""
    notes = []
    for child in paper.iterdescendants("p", "div"):
        if any(_has_class(a, "field") or _has_class(a, "links") for a in (child, *child.iterancestors()) if a is not paper):
            continue
        if next(child.iterdescendants("p", "div"), None) is not None or next(child.iterancestors("ul"), None) is not None:
            continue
        text = clean(_text(child))
        if text:
            notes.append(Block("text", text, tag=child.tag))
    return notes


def _drupal_talk(doc: _Doc, page: Page, base: str) -> bool:
    """Talk pages in the Drupal style of usenix.org: one `node-paper` that is the page itself."""
    papers = [el for name in ("article", "div") for el in doc.named(name) if _has_class(el, "node-paper")]
    sessions = _first_with_class(doc.document, "node-session")
    if len(papers) != 1 or sessions is not None:
        if len(papers) > 1 or sessions is not None:
            page.page_type = "program"
        return False
    paper = papers[0]
    fields = _fields(paper)
    title_el = _first_with_id(doc.document, "page-title")
    if title_el is None:
        title_el = _first_with_class(paper, "node-title")
    if title_el is None:
        title_el = doc.first("h1")
    page.talk_title = clean(_text(title_el)) if title_el is not None else page.title
    people = _field(fields, "field-paper-people-text")
    if people is not None:
        page.speakers = _drupal_people(people)
    desc = _field(fields, "field-paper-description")
    if desc is None:
        desc = _field(fields, "field-paper-description-long")
    blocks = [Block("heading", page.talk_title, 1)]
    if desc is not None:
        blocks.extend(_blocks(desc))
    blocks.extend(_drupal_notes(paper))
    page.blocks = blocks
    conf = _field(fields, "field-presentation-conference")
    if conf is not None:
        page.conference_hint = clean(_text(conf))
    date_field = fields.get("field-presentation-date")
    when = _first_with_class(date_field, "date-display-single") if date_field is not None else None
    if when is not None and not page.date:
        page.date = _iso_date(_text(when))
    room = _field(fields, "field-presentation-location")
    if room is not None:
        page.room = clean(_text(room))
    for name in ("field-presentation-video", "field-final-paper-pdf", "field-presentation-slides", "field-paper-pdf"):
        fld = _field(fields, name)
        if fld is not None:
            hrefs = (a.get("href") for a in fld.iterdescendants("a"))
            page.media.extend(u for u in (normalize(h, base) for h in hrefs if h is not None) if u)
    page.page_type = "talk"
    return True


# -- the page ----------------------------------------------------------------------------------

def _read_meta(doc: _Doc, page: Page) -> None:
    title = doc.first("title")
    page.title = _meta(doc, "og:title") or (clean(_text(title)) if title is not None else "")
    page.description = _meta(doc, "description", "og:description")
    jsonld = _jsonld_items(doc)
    page.author = _meta(doc, "author", "article:author") or _jsonld_author(jsonld)
    page.tags = [clean(m.get("content")) for m in doc.named("meta")
                 if m.get("property") == "article:tag" and m.get("content")]
    page.date = _iso_date(_meta(doc, "article:published_time", "date", "dc.date", "DC.date.issued")) or _jsonld_date(jsonld)


def _read_content(doc: _Doc, page: Page, url: str) -> None:
    """Main content of a page that is not a Drupal talk: blocks, a better title, the page type."""
    container, n_articles = _main_container(doc)
    if not page.date:
        page.date = _time_date(container)
    h1 = next(container.iterdescendants("h1"), None)
    _strip_boilerplate(container)
    page.blocks = _blocks(container)
    if h1 is not None and _attached(h1, doc.document) and clean(_text(h1)):
        page.title = clean(_text(h1))
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
    doc = _Doc(_parse(html))
    page = Page(url=url, site=site_name(url), fetched_at=fetched_at)
    base = url
    base_el = next((b for b in doc.named("base") if b.get("href") is not None), None)
    if base_el is not None:
        base = normalize(base_el.get("href"), url) or url

    _read_meta(doc, page)
    _read_links(doc, page, base)

    body = doc.first("body")
    node_type = re.search(r"\bnode-type-([\w-]+)", _classes(body) if body is not None else "")
    if node_type and node_type.group(1) != "paper":
        # An organiser site's other nodes: conference overviews and schedules list talks, pages are pages.
        page.page_type = "program" if node_type.group(1) in ("conference", "schedule", "session") else "page"
    if not _drupal_talk(doc, page, base):
        _read_content(doc, page, url)
    if not page.date:
        m = URL_DATE_RE.search(urlsplit(url).path)
        if m:
            page.date = f"{m.group(1)}-{m.group(2)}-{m.group(3) or '01'}"
    page.content_hash = hashlib.sha1(page.text.encode("utf-8")).hexdigest()
    return page
