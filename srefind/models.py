"""The data model every stage shares: crawler -> Page -> tagger -> TalkEntry -> index -> web/CLI.

Plain dataclasses so that no stage needs to know another's internals.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

# The search vocabulary every stage and front end names (no whoosh here: the CLI imports this at start).
FACETS = ("company", "topic", "conference", "year", "speaker", "site")  # facet names, in display order
SORTS = ("relevance", "newest", "oldest")  # result orders


@dataclass
class Block:
    """One block of a page's main content, in reading order.

    `kind` is "heading" (with `level` 1-6) or "text" (a paragraph or list item).
    `anchor` is the element id when the page gives one, so an entry can link to it.
    """

    kind: str
    text: str
    level: int = 0
    anchor: str = ""
    tag: str = ""  # the element it came from ("p", "li", "h2", ...): lists of talks look different


@dataclass
class Person:
    """A speaker as a page names them, with the affiliation when the page gives one."""

    name: str
    affiliation: str = ""


@dataclass
class Page:
    """A fetched and extracted HTML page: what the crawler hands to the tagger."""

    url: str
    site: str
    title: str = ""
    description: str = ""
    author: str = ""
    date: str = ""  # ISO date (YYYY-MM-DD) or ""
    blocks: list[Block] = field(default_factory=list)
    # Structured hints from an organiser's talk page (Drupal-style program sites).
    talk_title: str = ""
    speakers: list[Person] = field(default_factory=list)
    conference_hint: str = ""
    page_type: str = "article"  # article | talk | program | listing
    tags: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    canonical: str = ""
    feeds: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)  # video / slides links of a talk page
    room: str = ""
    content_hash: str = ""
    fetched_at: str = ""

    @property
    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)


@dataclass
class TalkEntry:
    """One talk as srefind indexes it. A page may hold several; each gets its own anchor URL."""

    id: str
    url: str
    page_url: str
    title: str
    speakers: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    conference: str = ""
    year: int | None = None
    date: str = ""
    summary: str = ""
    site: str = ""
    # Text of the page that belongs to none of its talks (a write-up's intro, a closing note): searchable
    # with every talk of the page, at a low weight, so a page-level phrase still finds the page.
    context: str = ""
    evidence: dict[str, list[str]] = field(default_factory=dict)

    def to_dict(self, *, evidence: bool = False) -> dict[str, Any]:
        d = asdict(self)
        if not evidence:
            d.pop("evidence")
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TalkEntry:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})


def entry_id(url: str) -> str:
    """Stable id for an entry: derived from its URL so a re-crawl replaces rather than duplicates."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]
