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

__all__ = ["FACETS", "TEXT_FIELDS", "build_schema"]
TEXT_FIELDS = {"title": 3.0, "speakers": 2.0, "tags": 1.5, "summary": 1.0, "context": 0.3}


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
        spell=Vocabulary(),
        **{f.name: facet_field(f) for f in FACET_TABLE},
        date=ID(stored=True, sortable=True),
        data=STORED(),
    )
