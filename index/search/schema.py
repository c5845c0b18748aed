"""The Whoosh schema: what a talk entry looks like to the search engine.

Text fields share one analyzer (tokenize, lower-case, fold accents, drop stop words, stem) so
"Tracing", "traces" and "tracé" meet; fields.py indexes them in one pass. `spell` is the
unstemmed vocabulary that typo correction draws from. Facet values are stored KEYWORD fields:
counting them is done from per-value document sets built once per index generation (facets.py).
"""

from __future__ import annotations

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, Schema

from srefind.facet_table import FACET_TABLE, FACETS, Facet

from .fields import StemmedText, Vocabulary

__all__ = ["FACETS", "TEXT_FIELDS", "VIEWS", "build_schema", "views_of"]
TEXT_FIELDS = {"title": 3.0, "speakers": 2.0, "tags": 3.0, "summary": 1.0, "writeups": 0.8, "context": 0.3}
# Which result lists a document belongs to: "talk" (one result per talk: an event's record with its
# write-ups' text, or a write-up of a talk no crawled program lists) and "writeup" (each write-up on
# its own, for people who want to read notes). A write-up not linked to a record is in both.
VIEWS = ("talk", "writeup")


def facet_field(f: Facet):
    """How the index keeps a facet, from its storage (facet_table.py)."""
    if f.storage == "many":
        return KEYWORD(stored=True, commas=True, lowercase=False)
    if f.storage == "year":
        return NUMERIC(int, stored=True, sortable=True, signed=False, bits=32)
    return ID(stored=True)


def build_schema() -> Schema:
    return Schema(
        id=ID(stored=True, unique=True),
        url=ID(stored=True),
        page_url=ID(stored=True),
        talk_url=ID(),  # a write-up's entry: the event's page of the talk it is linked to
        title=StemmedText(stored=True, field_boost=TEXT_FIELDS["title"], phrase=True),
        speakers=StemmedText(stored=True, field_boost=TEXT_FIELDS["speakers"]),
        tags=StemmedText(field_boost=TEXT_FIELDS["tags"]),
        summary=StemmedText(stored=True, phrase=True),
        context=StemmedText(phrase=True, field_boost=TEXT_FIELDS["context"]),
        writeups=StemmedText(stored=True, phrase=True, field_boost=TEXT_FIELDS["writeups"]),
        view=KEYWORD(stored=True),
        spell=Vocabulary(),
        **{f.name: facet_field(f) for f in FACET_TABLE},
        date=ID(stored=True, sortable=True),
        data=STORED(),
    )


def views_of(entry) -> str:
    """The result lists (VIEWS) an entry's document belongs to, space-separated."""
    if entry.record:
        return "talk"
    return "writeup" if entry.talk_url else "talk writeup"
