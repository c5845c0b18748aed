"""The data model every stage shares: crawler -> Page -> tagger -> TalkEntry -> index -> web/CLI.

Plain dataclasses so that no stage needs to know another's internals.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


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
    lead: str = ""  # the bold words it opens with ("<b>Title</b>: notes"), where it opens with some
    links: tuple[str, ...] = ()  # the texts of the links in it ("<a href=…>Full Talk Title</a>")
    cells: tuple[tuple[str, ...], ...] = ()  # a table row's cells, each as its lines (split at <br> and blocks)
    shape: str = ""  # a list item's list and depth ("ul1", "ol2"): the items of one shape are siblings
    emphasis: tuple[str, ...] = ()  # the texts in italics in it ("<b>Title</b> <em>Jane Doe</em> notes")


# The kinds a talk's media and a talk itself can be: the values `Media.kind` and `TalkEntry.talk_type` take.
MEDIA_KINDS = ("video", "slides", "audio")
TALK_TYPES = ("keynote", "talk", "lightning", "workshop", "panel")


@dataclass
class Person:
    """A speaker as a page names them, with the affiliation when the page gives one."""

    name: str
    affiliation: str = ""


@dataclass(frozen=True)
class Media:
    """A talk's recording or slides, as its event's page links them."""

    kind: str  # one of MEDIA_KINDS
    url: str


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
    media: list[Media] = field(default_factory=list)  # video / slides links of a talk page
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
    # A write-up's entry matched to the event's own page of its talk: that page, and how sure the match is
    talk_url: str = ""
    link_confidence: float = 0.0
    link_evidence: list[str] = field(default_factory=list)  # why the match was made ("title 97% alike")
    own_title: str = ""  # a linked write-up's own heading (its title is the talk's official one)
    author: str = ""  # who wrote the page (a write-up's author), when it says
    # What an event's own talk page gives: the recording and slides ({"kind": "video", "url": ...}), the room
    media: list[dict[str, str]] = field(default_factory=list)
    room: str = ""
    record: bool = False  # the event's own page of the talk (not a write-up about it)
    talk_type: str = ""  # keynote, talk, lightning, workshop or panel: what the event's page calls it
    # A record's write-ups, as the store hands them to the index (id, url, page_url, title, site,
    # author, date, text): searched with the talk, listed in its result. Empty as the tagger makes it.
    writeups: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self, *, evidence: bool = False) -> dict[str, Any]:
        """The entry as plain JSON-ready data (lists and dicts copied, one level deep: that is all
        an entry holds; dataclasses.asdict's deep copy cost 10x as much, on every indexed entry)."""
        d = {f: (list(v) if type(v) is list else dict(v) if type(v) is dict else v)
             for f in self.__dataclass_fields__ for v in (getattr(self, f),)}
        if not evidence:
            d.pop("evidence")
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TalkEntry:
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in d.items() if k in known})


# What a search result leaves out of its entry: the long texts (a result carries a snippet instead)
# and the tagger's evidence (`srefind tag` shows it).
NOT_IN_RESULTS = ("summary", "context", "evidence")


@dataclass
class Hit(TalkEntry):
    """A search result: the talk entry (less NOT_IN_RESULTS in its JSON), its score and snippet."""

    score: float = 0.0
    snippet: str = ""  # HTML: escaped text, only <mark> elements as markup

    @classmethod
    def from_entry(cls, entry: TalkEntry, score: float, snippet: str) -> Hit:
        return cls(**{f: getattr(entry, f) for f in TalkEntry.__dataclass_fields__}, score=score, snippet=snippet)

    def to_json(self) -> dict[str, Any]:
        out = nulls_for_missing({k: v for k, v in self.to_dict().items() if k not in NOT_IN_RESULTS})
        out["writeups"] = [nulls_for_missing({k: v for k, v in w.items() if k != "text"})
                           | {"snippet": first_lines(w.get("text", ""))} for w in self.writeups]
        return out


@dataclass
class FacetValue:
    """One row of a facet list: a value, how many talks of the search hold it, and whether it is selected."""

    value: str
    count: int
    selected: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "count": self.count, "selected": self.selected}


@dataclass
class SearchResponse:
    """One page of results with its facet counts: what every search backend answers."""

    query: str
    total: int
    page: int
    per_page: int
    sort: str
    results: list[Hit]
    facets: dict[str, list[FacetValue]]
    filters: dict[str, list[str]]
    took_ms: float = 0.0
    corrected: str = ""  # the query actually run, when typos were corrected
    did_you_mean: str = ""
    notices: list[str] = field(default_factory=list)
    generation: int = 0  # the index generation that answered (every part of a response comes from one)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def facets_json(self) -> dict[str, list[dict[str, Any]]]:
        """Facet rows as JSON; a year is a number, as it is in a result."""
        out = {f: [v.to_json() for v in rows] for f, rows in self.facets.items()}
        for row in out.get("year", []):
            if str(row["value"]).isdigit():
                row["value"] = int(row["value"])
        return out

    def to_json(self) -> dict[str, Any]:
        """The JSON shape shared by `srefind search --json` and `/api/search`."""
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "sort": self.sort,
            "took_ms": round(self.took_ms, 2),
            "generation": self.generation,
            "corrected": self.corrected or None,
            "did_you_mean": self.did_you_mean or None,
            "notices": self.notices,
            "filters": {f: [int(v) if f == "year" and v.isdigit() else v for v in values]
                        for f, values in self.filters.items()},
            "results": [h.to_json() for h in self.results],
            "facets": self.facets_json(),
        }


# Values the JSON API gives as null when a page does not say (rather than "", which reads as a value)
MAYBE_MISSING = ("conference", "date", "author", "room", "talk_url", "own_title", "talk_type", "site")


def nulls_for_missing(d: dict[str, Any]) -> dict[str, Any]:
    """`d` with each empty MAYBE_MISSING value as None (year is already None or a number)."""
    return {k: (None if k in MAYBE_MISSING and v == "" else v) for k, v in d.items()}


def first_lines(text: str, limit: int = 280) -> str:
    """The start of a text, whitespace folded, cut at a word."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return flat[:limit].rsplit(" ", 1)[0] + "…"


def entry_id(url: str) -> str:
    """Stable id for an entry: derived from its URL so a re-crawl replaces rather than duplicates."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16]

