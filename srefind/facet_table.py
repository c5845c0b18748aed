"""The facets, defined once: everything a front end, the query parser or the index knows about one.

Each `Facet` says what it is called (URL parameter, `name:` query field, index field, API key),
how people see it (label), how its values come from a talk entry, how the index keeps them,
how a value typed by a user is read (a `company:fb` query or a `?company=fb` filter), and in
which order its values are listed. The CLI's choices, the web labels, the query fields, the
index schema and documents, and facet counting are all derived from this table (Datasette's
facet classes are the model): adding a facet is one row here plus the `TalkEntry` field it reads.

No whoosh here: the CLI imports this at start.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .models import TalkEntry

# How the index keeps a facet's values:
#   many: a list of values per talk (a comma-separated keyword field; commas inside a value become spaces)
#   one:  at most one value per talk (an exact-match field)
#   year: a whole number (a numeric field, so `year:2017..2019` is a range)
Storage = Literal["many", "one", "year"]
# How a value a user typed is read, before it is looked up:
#   company:    through the tagger's company aliases (fb -> Meta)
#   topic:      through the topic ids and labels (k8s, "Kubernetes" -> kubernetes)
#   conference: the conference-name normaliser (srecon 19 emea -> SREcon19 EMEA)
#   year:       a year or a range of years
#   exact:      as written
Reading = Literal["company", "topic", "conference", "year", "exact"]


def by_count(value: str, count: int) -> tuple:
    """Most talks first, then alphabetically (case-insensitive)."""
    return (-count, value.lower())


def newest_first(value: str, count: int) -> tuple:
    """Years newest first (a list of years is read as a timeline, not a ranking)."""
    return (-int(value) if value.isdigit() else 0, value)


@dataclass(frozen=True)
class Facet:
    name: str
    label: str
    values: Callable[[TalkEntry], list[str]]  # the entry's values, as the index keeps them
    storage: Storage
    reading: Reading
    order: Callable[[str, int], tuple] = by_count  # sort key of a (value, count) row in facet lists
    # A `name:` query searches this text field as a phrase instead of the facet's own exact values
    # (`speaker:"laura nolan"` finds "Laura Nolan (Slack)" too); "" means the facet field itself.
    query_field: str = ""


def _one(value: object) -> list[str]:
    return [str(value)] if value else []


FACET_TABLE: tuple[Facet, ...] = (
    Facet("company", "Company", lambda e: list(e.companies), "many", "company"),
    Facet("topic", "Topic", lambda e: list(e.topics), "many", "topic"),
    Facet("conference", "Conference", lambda e: _one(e.conference), "one", "conference"),
    Facet("year", "Year", lambda e: _one(e.year), "year", "year", order=newest_first),
    Facet("speaker", "Speaker", lambda e: list(e.speakers), "many", "exact", query_field="speakers"),
    Facet("site", "Site", lambda e: _one(e.site), "one", "exact"),
    Facet("media", "Media", lambda e: sorted({m["kind"] for m in e.media}), "many", "exact"),
    Facet("type", "Type", lambda e: _one(e.talk_type), "one", "exact"),
)

FACETS: tuple[str, ...] = tuple(f.name for f in FACET_TABLE)  # facet names, in display order
FACET_BY_NAME: dict[str, Facet] = {f.name: f for f in FACET_TABLE}
FACET_LABELS: dict[str, str] = {f.name: f.label for f in FACET_TABLE}
SORTS = ("relevance", "newest", "oldest")  # result orders


def facet(name: str) -> Facet:
    """The facet called `name` (KeyError for any other)."""
    return FACET_BY_NAME[name]
