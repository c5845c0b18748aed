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

from bs4 import BeautifulSoup, NavigableString, Tag, UnicodeDammit
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
URL_DATE_RE = re.compile(r"/((?:19|20)\d\d)/(\d\d)/(\d\d)?/?")
WS_RE = re.compile(r"[ \t\r\f\v\u00a0]+")
FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/feed+json"}


def decode_html(body: bytes, header_charset: str | None) -> str:
    """Charset from the HTTP header, then `<meta>`, then detection (bs4's UnicodeDammit)."""
    known = [header_charset] if header_charset else []
    dammit = UnicodeDammit(body, known_definite_encodings=known, is_html=True)
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


def _meta(soup: BeautifulSoup, *names: str) -> str:
    for name in names:
        el = soup.find("meta", attrs={"property": name}) or soup.find("meta", attrs={"name": name})
        if el and el.get("content"):
            return clean(str(el["content"]))
    return ""


def _iso_date(value: str) -> str:
    value = value.strip()
    m = re.match(r"((?:19|20)\d\d)-(\d\d)-(\d\d)", value)
    if m:
        return "-".join(m.groups())
    for fmt in ("%A, %B %d, %Y", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%a, %d %b %Y"):
        head = value.split(" - ")[0].strip()
        try:
            return datetime.strptime(head if fmt.startswith("%A") else head[: len(head)], fmt).date().isoformat()
        except ValueError:
            continue
    return ""


def _jsonld_date(soup: BeautifulSoup) -> str:
    for script in soup.find_all("script", attrs={"type": "application/ld+json"}):
        try:
            data = json.loads(script.string or "")
        except (ValueError, TypeError):
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict):
                for key in ("datePublished", "dateCreated", "uploadDate"):
                    if isinstance(item.get(key), str) and _iso_date(item[key]):
                        return _iso_date(item[key])
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


def _field(root: Tag, name: str) -> Tag | None:
    el = root.select_one(f".field-name-{name}")
    if el is None:
        return None
    items = el.select_one(".field-items")
    return items or el


def _drupal_talk(soup: BeautifulSoup, page: Page) -> bool:
    """Talk pages in the Drupal style of usenix.org: one `node-paper` that is the page itself."""
    papers = soup.select("article.node-paper, div.node-paper")
    sessions = soup.select(".node-session")
    if len(papers) != 1 or sessions:
        if len(papers) > 1 or sessions:
            page.page_type = "program"
        return False
    paper = papers[0]
    title_el = soup.select_one("#page-title") or paper.select_one(".node-title") or soup.find("h1")
    page.talk_title = clean(title_el.get_text(" ")) if title_el else page.title
    people = _field(paper, "field-paper-people-text")
    if people is not None:
        page.speakers = _drupal_people(people)
    desc = _field(paper, "field-paper-description") or _field(paper, "field-paper-description-long")
    blocks = [Block("heading", page.talk_title, 1)]
    if desc is not None:
        blocks.extend(_blocks(desc))
    page.blocks = blocks
    conf = _field(paper, "field-presentation-conference")
    if conf is not None:
        page.conference_hint = clean(conf.get_text(" "))
    when = paper.select_one(".field-name-field-presentation-date .date-display-single")
    if when is not None and not page.date:
        page.date = _iso_date(when.get_text(" "))
    room = _field(paper, "field-presentation-location")
    if room is not None:
        page.room = clean(room.get_text(" "))
    for name in ("field-presentation-video", "field-final-paper-pdf", "field-presentation-slides", "field-paper-pdf"):
        fld = _field(paper, name)
        if fld is not None:
            page.media.extend(a["href"] for a in fld.find_all("a", href=True))
    page.page_type = "talk"
    return True


def _main_container(soup: BeautifulSoup) -> tuple[Tag, int]:
    """The element holding the main content, and how many article-like entries the page lists."""
    articles = [a for a in soup.find_all("article") if not a.find_parent("article")]
    if len(articles) == 1:
        return articles[0], 1
    for selector in ("[role=main]", "main", "#content", "#main", ".post-content", ".entry-content", ".content"):
        el = soup.select_one(selector)
        if el is not None:
            return el, len(articles)
    return (soup.body or soup), len(articles)


def _strip_boilerplate(container: Tag) -> None:
    for el in container.find_all(DROP_TAGS):
        el.decompose()
    for el in container.find_all(True):
        if el.parent is None or el.decomposed:
            continue
        if el.name in ("header",) and el.find(["h1", "h2"]) is None:
            el.decompose()
        elif _is_boilerplate(el) and el.name not in ("body", "main", "article"):
            el.decompose()


def _link_density(container: Tag) -> float:
    text = len(clean(container.get_text(" ")))
    if not text:
        return 1.0
    linked = sum(len(clean(a.get_text(" "))) for a in container.find_all("a"))
    return linked / text


def extract(url: str, html: str, *, fetched_at: str = "") -> Page:
    """Parse one HTML page into a Page. Never raises on malformed HTML: lxml repairs what it can."""
    soup = BeautifulSoup(html, "lxml")
    page = Page(url=url, site=site_name(url), fetched_at=fetched_at)
    base = url
    base_el = soup.find("base", href=True)
    if base_el:
        base = normalize(str(base_el["href"]), url) or url

    page.title = _meta(soup, "og:title") or clean(soup.title.get_text(" ")) if soup.title else _meta(soup, "og:title")
    page.description = _meta(soup, "description", "og:description")
    page.author = _meta(soup, "author", "article:author")
    page.tags = [clean(str(m["content"])) for m in soup.find_all("meta", attrs={"property": "article:tag"}) if m.get("content")]
    page.date = _iso_date(_meta(soup, "article:published_time", "date", "dc.date", "DC.date.issued")) or _jsonld_date(soup)

    for link in soup.find_all("link", href=True):
        rel = [r.lower() for r in (link.get("rel") or [])]
        if "canonical" in rel:
            page.canonical = normalize(str(link["href"]), base) or ""
        elif "alternate" in rel and str(link.get("type", "")).lower() in FEED_TYPES:
            feed = normalize(str(link["href"]), base)
            if feed:
                page.feeds.append(feed)

    links: list[str] = []
    seen: set[str] = set()
    for a in soup.find_all("a", href=True):
        rel = [r.lower() for r in (a.get("rel") or [])]
        if "nofollow" in rel and False:
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
    if not _drupal_talk(soup, page):
        container, n_articles = _main_container(soup)
        if not page.date:
            t = container.find("time", attrs={"datetime": True})
            if t is not None:
                page.date = _iso_date(str(t["datetime"]))
        h1 = container.find("h1") if container else None
        _strip_boilerplate(container)
        page.blocks = _blocks(container)
        if h1 is not None and clean(h1.get_text(" ")):
            page.title = clean(h1.get_text(" "))
        path = re.sub(r"^https?://[^/]+", "", url)
        if page.page_type == "article" and NON_ARTICLE_PATH_RE.search(path):
            page.page_type = "page"
        if page.page_type == "article":
            if n_articles > 1 or LISTING_PATH_RE.search(path) or path == "/" or soup.select(".post-list, .posts-list, .archive-list"):
                page.page_type = "listing"
            elif n_articles == 0 and _link_density(container) > 0.5:
                page.page_type = "listing"
    if not page.date:
        m = URL_DATE_RE.search(url)
        if m:
            page.date = f"{m.group(1)}-{m.group(2)}-{m.group(3) or '01'}"
    page.content_hash = hashlib.sha1(page.text.encode("utf-8")).hexdigest()
    return page
