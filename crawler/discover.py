"""Discovery beyond links: sitemaps (and sitemap indexes) and RSS/Atom feeds.

Relative `<loc>` and `<link>` values are resolved against the file's own URL, as the
sitemap protocol's relative use in the wild requires.

Bounded whatever a site sends: the body was already cut to the fetcher's cap (the engine
fetches these files truncated, so a huge sitemap yields its first entries instead of none);
parsing is incremental, each finished element is dropped, entities are never expanded (a
billion-laughs file costs its own size), libxml2's default depth and text limits stay on
(no `huge_tree`), and at most MAX_ENTRIES URLs come out of one file: the sitemap protocol's
own limit, applied to feeds too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from .urls import normalize

MAX_ENTRIES = 50_000  # sitemaps.org: "no more than 50,000 URLs" per sitemap (or sitemap index)
_CHUNK = 64 * 1024
# A document type declaration with its internal subset, in the prolog: nothing a sitemap or feed
# needs, and where entity bombs live. Without it, libxml2 drops the undefined references and goes on
# (with it, it stops at the amplification limit and the rest of the file is lost).
_DOCTYPE = re.compile(  # possessive and atomic throughout: linear on any prolog a site sends
    rb"(?>(?:\s*+(?:<\?[^>]*+>|<!--(?:[^-]|-(?!->))*+-->))*+)\s*+(<!DOCTYPE[^\[>]*+(?:\[.*?\]\s*+)?>)", re.S
)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _ends(body: bytes) -> Iterator[tuple[str, etree._Element]]:
    """(local name, element) as each element ends; malformed or cut-off XML yields what it can."""
    parser = etree.XMLPullParser(
        events=("end",), recover=True, resolve_entities=False, no_network=True, huge_tree=False,
        load_dtd=False,
    )
    m = _DOCTYPE.match(body, 0, 1 << 20)
    if m:
        body = body[: m.start(1)] + body[m.end(1):]
    try:
        for start in range(0, len(body), _CHUNK):
            parser.feed(body[start:start + _CHUNK])
            for _event, el in parser.read_events():
                yield _local(el.tag), el
        parser.close()
        for _event, el in parser.read_events():
            yield _local(el.tag), el
    except etree.XMLSyntaxError:
        return


def _drop(el: etree._Element) -> None:
    """Free a finished entry and the siblings before it, so memory stays flat in the file's size."""
    el.clear()
    parent = el.getparent()
    while parent is not None and el.getprevious() is not None:
        del parent[0]


def parse_sitemap(body: bytes, url: str) -> tuple[list[str], list[str]]:
    """(page URLs, nested sitemap URLs) of a sitemap or sitemap index, at most MAX_ENTRIES together."""
    pages: list[str] = []
    nested: list[str] = []
    for name, el in _ends(body):
        if name == "loc" and el.text:
            parent = _local(el.getparent().tag) if el.getparent() is not None else ""
            target = normalize(el.text.strip(), url) if parent in ("url", "sitemap") else None
            if target:  # an image:loc or video:loc inside <url> is media, not a page
                (nested if parent == "sitemap" else pages).append(target)
            if len(pages) + len(nested) >= MAX_ENTRIES:
                break
        elif name in ("url", "sitemap"):
            _drop(el)
    return pages, nested


def parse_feed(body: bytes, url: str) -> list[str]:
    """Entry links of an RSS 2.0 or Atom feed, at most MAX_ENTRIES."""
    out: list[str] = []
    for name, el in _ends(body):
        if name == "link":
            parent = el.getparent()
            if parent is None or _local(parent.tag) not in ("item", "entry"):
                continue
            href = el.get("href") or (el.text or "")
            if href and el.get("rel", "alternate") == "alternate":
                target = normalize(href.strip(), url)
                if target:
                    out.append(target)
                    if len(out) >= MAX_ENTRIES:
                        break
        elif name in ("item", "entry"):
            _drop(el)
    return out
