"""The page's tree and what is read off it: lxml parsing and element helpers, shared by the generic
extractor (`extract`) and the organiser-site adapters (`adapters`).

They read a page exactly as the bs4 version of the extractor did (see `extract`), which takes
three rules, kept here:
  * the same parser, fed the same way: libxml2's HTML parser, push mode, no default DOCTYPE;
  * an element's text is bs4's `get_text(" ")` (`text_of`): its strings joined by a space, where a
    string of ASCII whitespace only counts as one newline (when it has one) or one space, except
    inside <pre>/<textarea>, and text inside <script>, <style>, <template>, <rt>, <rp> is left out;
  * removed boilerplate leaves an empty comment behind (`drop`), so the text before and after it
    stays two strings, as bs4's `decompose()` left it.
One difference, a fix: bs4 kept the DOCTYPE as a string, so a page with no <body> (an unclosed
<title> swallows the rest) had "html" as the first word of its text. A DOCTYPE is not text.

Read an element's text with `text_of` (and `clean`), never with lxml's `text_content()` or
`itertext()`: those break the rules above, and the output would change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from lxml import etree
from lxml.etree import _Element as Element  # the element type (lxml has no public name for it)

from srefind.models import Block

__all__ = [
    "BLOCK_TAGS", "CLASS_CANDIDATES", "DOCUMENT_TAG", "HEADINGS", "Doc", "Element", "attached", "blocks_of",
    "child_nodes", "classes", "clean", "drop", "first_with_class", "first_with_id", "has_class",
    "heading_anchor", "iso_date", "meta", "parse", "text_of",
]

BLOCK_TAGS = {
    "p", "li", "pre", "blockquote", "dd", "dt", "td", "th", "div", "section", "article", "ul", "ol",
    "table", "tr", "tbody", "thead", "figure", "figcaption", "header", "main", "dl", "h1", "h2", "h3",
    "h4", "h5", "h6", "body", "details", "summary", "address", "center", "form", "fieldset",
}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
DATE_RANGE_RE = re.compile(r"(?:[A-Za-z]+,\s*)?([A-Za-z]+)\s+(\d{1,2})\s*[–-]\s*(?:[A-Za-z]+\s+)?\d{1,2},\s*(\d{4})$")
WS_RE = re.compile(r"[ \t\r\f\v\u00a0]+")
# The space the join put between an inline element and the punctuation after it ("<a>Ireland</a>,"):
# before , . ; : ! ? or a closing bracket that ends a clause, not inside a word ("3 .5" stays as written),
# and before a possessive ("<a>Laura Nolan</a>'s").
SPACE_BEFORE_PUNCT = re.compile(r"(?<=[\w)\]'\"”]) (?=[,.;:!?)\]](?:\s|$)|['’]s\b)")
LEAD_TAGS = ("b", "strong", "a", "em", "i")

# How an element's text is read (bs4's rules, see the module docstring).
ASCII_SPACES = " \n\t\f\r"
KEEP_WS_TAGS = ("pre", "textarea")
OWN_TEXT_TAGS = ("script", "style", "template", "rt", "rp")  # their text is not the page's text
TEXT_SPECIAL_TAGS = KEEP_WS_TAGS + OWN_TEXT_TAGS
# The synthetic element that holds the document's top-level elements: what bs4 called the soup.
DOCUMENT_TAG = "srefind-document"

# Descendants whose class attribute contains `$name` anywhere: a superset, narrowed by `has_class`
# (or, for a class prefix such as Drupal's `field-name-`, by the caller).
CLASS_CANDIDATES = etree.XPath(".//*[contains(@class, $name)]")
_FIRST_WITH_ID = etree.XPath("(.//*[@id = $id])[1]")


def clean(text: str) -> str:
    """Runs of spaces, tabs and no-break spaces as one space, trimmed (newlines kept): the one
    normal form of every string read off a page."""
    return SPACE_BEFORE_PUNCT.sub("", WS_RE.sub(" ", text)).strip()


# -- the tree ----------------------------------------------------------------------------------

def parse(html: str) -> Element:
    """The page's tree under one synthetic root element, which plays bs4's soup.

    Parsed as bs4's lxml builder parsed it: a leading BOM dropped, the whole text fed to
    libxml2's push parser, no DOCTYPE made up. Markup after `</html>` can open a second
    top-level `<html>`: every top-level element is kept, in order, under the one root, so that
    searches, "the content is the whole document" and `drop` need no special case.
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


def text_of(el: Element) -> str:
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
    """`text_of` the long way: skips what <script>, <rt>, ... hold, keeps whitespace in <pre>/<textarea>."""
    keep = keep or el.tag in KEEP_WS_TAGS
    if el.text:
        out.append(_ws(el.text, keep))
    for child in el:
        if isinstance(child.tag, str) and child.tag not in OWN_TEXT_TAGS:
            _collect_text(child, keep, out)
        if child.tail:  # after a comment or an element: a string of `el`
            out.append(_ws(child.tail, keep))


def child_nodes(el: Element) -> Iterator[str | Element]:
    """bs4's `el.children`: strings and elements, in order. A comment counts as its text, as bs4's
    Comment is a string: the Drupal adapter's `_drupal_people` has always read it so."""
    if el.text:
        yield el.text
    for child in el:
        if isinstance(child.tag, str):
            yield child
        elif child.text:
            yield child.text
        if child.tail:
            yield child.tail


def drop(el: Element) -> None:
    """Remove `el` from the tree, as bs4's `decompose()` did. An empty comment takes its place and
    carries the text after it (lxml's tail), so that text stays a string apart from the text before
    it: with `<b>` dropped, 'x<b>y</b>z' still reads 'x z', as it did, not 'xz'."""
    parent = el.getparent()
    if parent is None:
        return
    marker = etree.Comment()
    marker.tail = el.tail
    parent.replace(el, marker)


def attached(el: Element, document: Element) -> bool:
    """Still in the page: not inside something `drop` removed."""
    return any(a is document for a in el.iterancestors())


def has_class(el: Element, name: str) -> bool:
    """`name` is one of the element's classes (a whole word of the attribute, not a substring)."""
    return name in (el.get("class") or "").split()


def classes(el: Element) -> str:
    """The class attribute with its whitespace normalised, for regexes over class names."""
    return " ".join((el.get("class") or "").split())


def first_with_class(el: Element, name: str) -> Element | None:
    """The first descendant of `el` with class `name` (XPath narrows in C, `has_class` decides)."""
    return next((d for d in CLASS_CANDIDATES(el, name=name) if has_class(d, name)), None)


def first_with_id(el: Element, ident: str) -> Element | None:
    """The first descendant of `el` with id `ident` (a page may repeat an id: the first counts, as in a browser)."""
    found = _FIRST_WITH_ID(el, id=ident)
    return found[0] if found else None


class Doc:
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

def meta(doc: Doc, *names: str) -> str:
    """The content of the first `<meta>` named (property=, then name=) by one of `names`, in the
    order given: callers list the names they trust most first."""
    for name in names:
        el = doc.meta_property.get(name)
        if el is None:
            el = doc.meta_name.get(name)
        if el is not None and el.get("content"):
            return clean(el.get("content"))
    return ""


def iso_date(value: str) -> str:
    """A date as pages write it (ISO, "March 27, 2018", a conference's range...) as YYYY-MM-DD,
    else "": one reader for metadata, `<time>` and organiser fields alike."""
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


# -- content -----------------------------------------------------------------------------------

def heading_anchor(heading: Element) -> str:
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


BR_LINE_WORDS = 16
MARKDOWN_BULLETS = re.compile(r"(?:^|\s)\*\s+(?=\S)")  # "* item" left as text by a renderer


def blocks_of(container: Element) -> list[Block]:
    """Flatten a content element into ordered text/heading blocks, keeping element ids as anchors."""
    out: list[Block] = []
    buf: list[str] = []
    pending_anchor = ""
    current_tag = ""
    lists: list[str] = []  # the lists the walk is inside, outermost first
    current_shape = ""  # the shape of the list item being read ("ul1")
    lead = ""  # the bold words the block being read opens with
    link_texts: list[str] = []  # the texts of the links in the block being read
    emphasised: list[str] = []  # the texts in italics (<em>, <i>) of the block being read

    def flush(kind: str = "text", level: int = 0, anchor: str = "", tag: str = "") -> None:
        nonlocal pending_anchor, lead
        text = clean(" ".join(buf).replace("\n", " "))
        buf.clear()
        opening, lead = lead, ""
        cited, marked = tuple(link_texts), tuple(emphasised)
        link_texts.clear()
        emphasised.clear()
        if not text:
            return
        para = kind == "text" and (tag or current_tag) in ("p", "")
        items = MARKDOWN_BULLETS.split(text) if para and len(MARKDOWN_BULLETS.findall(text)) >= 2 else []
        if items:
            # A Markdown list the page left unrendered ("Socials: * LinkedIn * Twitter"): its items
            # are list items, as the writer meant
            lead, *rest = (i.strip() for i in items)
            if lead:
                out.append(Block(kind="text", text=lead, anchor=anchor or pending_anchor, tag=tag or current_tag))
            out.extend(Block(kind="text", text=i, tag="li") for i in rest if i)
        else:
            out.append(Block(kind=kind, text=text, level=level, anchor=anchor or pending_anchor,
                             tag=tag or current_tag, lead=opening if text.startswith(opening) else "",
                             links=cited, shape=current_shape if kind == "text" else "", emphasis=marked))
        pending_anchor = ""

    def walk(el: Element) -> None:
        nonlocal pending_anchor, current_tag, current_shape, lead
        if el.text:
            buf.append(el.text)
        for child in el:
            name = child.tag
            if not isinstance(name, str):
                pass  # a comment: skipped, the text after it is not
            elif name in HEADINGS:
                flush()
                anchor = heading_anchor(child)
                buf.append(text_of(child))
                flush("heading", HEADINGS[name], anchor, name)
            elif name == "br":
                # "<strong>Title</strong><br><em>Jane Doe, Uber</em>": a short line ended by a break is
                # a line of its own (a title, a speaker line); prose wrapped with breaks stays one block
                line = clean(" ".join(buf))
                if line and len(line.split()) <= BR_LINE_WORDS and not line.endswith(":"):
                    flush()
                else:
                    buf.append(" ")
            elif name == "tr":
                # A table row is one block, its cells joined by " | " (a row of <th> is the header):
                # a table of talks is read row by row, title beside speaker
                flush()
                cells = [c for c in child if isinstance(c.tag, str) and c.tag in ("td", "th")]
                texts = [clean(text_of(c)).replace("|", "/") for c in cells]
                if any(texts):
                    header = all(c.tag == "th" for c in cells)
                    lines = tuple(tuple(b.text for b in blocks_of(c)) for c in cells)  # "Title<br>Jane Doe, Uber"
                    out.append(Block(kind="text", text=" | ".join(texts), tag="th" if header else "tr", cells=lines))
            elif name in BLOCK_TAGS:
                flush()
                if child.get("id") and name in ("p", "section", "div", "li"):
                    pending_anchor = child.get("id")
                outer, outer_shape, current_tag = current_tag, current_shape, name
                if name in ("ul", "ol"):
                    lists.append(name)
                elif name == "li":
                    current_shape = f"{lists[-1] if lists else 'ul'}{max(len(lists), 1)}"
                walk(child)
                flush()
                if name in ("ul", "ol"):
                    lists.pop()
                current_tag, current_shape = outer, outer_shape
            else:
                if child.get("id") and not buf:
                    pending_anchor = child.get("id")
                if name in LEAD_TAGS and not lead and not clean(" ".join(buf)):
                    lead = clean(text_of(child))  # "<b>Title</b>: notes": the title is what is bold
                if name == "a" and child.get("href"):
                    link_texts.append(clean(text_of(child).replace("\n", " ")))
                if name in ("em", "i"):
                    emphasised.append(clean(text_of(child).replace("\n", " ")))
                walk(child)
            if child.tail:
                buf.append(child.tail)

    walk(container)
    flush()
    return out
