"""The Whoosh schema: what a talk entry looks like to the search engine.

Text fields share one analyzer (tokenize, lower-case, fold accents, drop stop words, stem) so
"Tracing", "traces" and "tracé" meet. Facet values are stored KEYWORD fields: counting them is
done from per-value document sets built once per index generation (see facets.py).
"""

from __future__ import annotations

from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.lang.porter import stem
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema
from whoosh.support.charset import accent_map

FACETS = ("company", "topic", "conference", "year", "speaker", "site")
TEXT_FIELDS = {"title": 3.0, "speakers": 2.0, "tags": 1.5, "summary": 1.0, "context": 0.3}


def analyzer():
    """Accents are folded before stemming, so "résumé" and "resume" stem alike."""
    return (RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | StopFilter(minsize=1)
            | StemFilter(stemfn=stem, cachesize=50_000))


def plain_analyzer():
    """Unstemmed words: the vocabulary did-you-mean and typo tolerance draw from."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


def build_schema() -> Schema:
    ana = analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        url=ID(stored=True),
        page_url=ID(stored=True),
        title=TEXT(analyzer=ana, stored=True, field_boost=TEXT_FIELDS["title"], phrase=True),
        speakers=TEXT(analyzer=ana, stored=True, field_boost=TEXT_FIELDS["speakers"]),
        tags=TEXT(analyzer=ana, field_boost=TEXT_FIELDS["tags"]),
        summary=TEXT(analyzer=ana, stored=True, phrase=True),
        context=TEXT(analyzer=ana, phrase=True, field_boost=TEXT_FIELDS["context"]),
        spell=TEXT(analyzer=plain_analyzer(), phrase=False, spelling=True),
        company=KEYWORD(stored=True, commas=True, lowercase=False, scorable=False),
        topic=KEYWORD(stored=True, commas=True, lowercase=False),
        conference=ID(stored=True),
        speaker=KEYWORD(stored=True, commas=True, lowercase=False),
        site=ID(stored=True),
        year=NUMERIC(int, stored=True, sortable=True, signed=False, bits=32),
        date=ID(stored=True, sortable=True),
        data=STORED(),
    )
