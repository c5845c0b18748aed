"""Discovery beyond links: sitemaps (and sitemap indexes) and RSS/Atom feeds.

Relative `<loc>` and `<link>` values are resolved against the file's own URL, as the
sitemap protocol's relative use in the wild requires.
"""

from __future__ import annotations

from lxml import etree

from .urls import normalize


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def parse_sitemap(body: bytes, url: str) -> tuple[list[str], list[str]]:
    """(page URLs, nested sitemap URLs) of a sitemap or sitemap index. Malformed XML yields what it can."""
    pages: list[str] = []
    nested: list[str] = []
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return pages, nested
    if root is None:
        return pages, nested
    is_index = _local(root.tag) == "sitemapindex"
    for el in root.iter():
        if _local(el.tag) == "loc" and el.text:
            target = normalize(el.text.strip(), url)
            if target:
                (nested if is_index else pages).append(target)
    return pages, nested


def parse_feed(body: bytes, url: str) -> list[str]:
    """Entry links of an RSS 2.0 or Atom feed."""
    out: list[str] = []
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return out
    if root is None:
        return out
    for el in root.iter():
        name = _local(el.tag)
        parent = _local(el.getparent().tag) if el.getparent() is not None else ""
        if name != "link" or parent not in ("item", "entry"):
            continue
        href = el.get("href") if el.get("href") else (el.text or "")
        rel = el.get("rel", "alternate")
        if href and rel == "alternate":
            target = normalize(href.strip(), url)
            if target:
                out.append(target)
    return out
