"""From what a user typed to a Whoosh query: cap, clean, resolve fields, expand synonyms, parse.

Whoosh's parser is quadratic on long inputs, so the text is capped before parsing. Field
queries are rewritten to the index's own spelling (`company:fb` -> `company:'Meta'`,
`year:2017..2019` -> `year:[2017 TO 2019]`, `speaker:"laura nolan"` -> a phrase in speakers).
Free-text words and phrases from a synonym group become an OR of the group. Anything the
parser cannot take degrades to plain terms, and the response says so.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from whoosh import qparser
from whoosh.query import Every, Query

from srefind.backend import MAX_QUERY_CHARS, whole_number
from srefind.facet_table import FACET_BY_NAME, FACETS, Facet

from ..tagging.companies import CompanyNames
from ..tagging.conference import normalize_conference
from ..tagging.lexicon import Company, Topic

SEARCH_FIELDS = ["title", "speakers", "tags", "summary", "writeups", "context"]
# `name:value` for every facet (facet_table.py) and `title:`
FIELD_RE = re.compile(r"\b(" + "|".join((*FACETS, "title")) + r")\s*:\s*(\"[^\"]*\"|'[^']*'|[^\s()]+)", re.I)
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\ufeff]")
OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}


@dataclass
class ParsedQuery:
    text: str  # the cleaned query text (what the user sees echoed back)
    rewritten: str  # what was given to Whoosh's parser
    query: Query
    notices: list[str] = field(default_factory=list)
    words: list[str] = field(default_factory=list)  # plain words, for did-you-mean
    degraded: bool = False


def clean_query(raw: str) -> tuple[str, list[str]]:
    """Strip control characters, fold width variants, cap the length."""
    notices = []
    text = unicodedata.normalize("NFKC", raw or "")
    text = CONTROL_RE.sub(" ", text)
    text = " ".join(text.split())
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS].rsplit(" ", 1)[0] or text[:MAX_QUERY_CHARS]
        notices.append(f"The query was longer than {MAX_QUERY_CHARS} characters and was shortened.")
    return text, notices


class QueryBuilder:
    def __init__(self, schema, companies: list[Company], topics: list[Topic], synonyms: list[tuple[str, ...]]) -> None:
        self.schema = schema
        self.company_names = CompanyNames(companies)  # the tagger's resolver: one alias table
        self.topic_alias: dict[str, str] = {}
        for t in topics:
            self.topic_alias[t.id] = t.id
            self.topic_alias[t.label.lower()] = t.id
            self.topic_alias[t.id.replace("-", " ")] = t.id
        self.synonyms: dict[str, tuple[str, ...]] = {}
        for group in synonyms:
            for member in group:
                self.synonyms[member.lower()] = group
        longest = sorted(self.synonyms, key=len, reverse=True)
        self.synonym_re = (
            re.compile(r"(?<![\w:'\"-])(" + "|".join(re.escape(m) for m in longest) + r")(?![\w-])", re.I)
            if longest else None
        )
        fields = [f for f in SEARCH_FIELDS if f in schema.names()]  # an older index may lack a newer field
        self.parser = qparser.MultifieldParser(fields, schema, group=qparser.AndGroup)
        self.parser.add_plugin(qparser.GtLtPlugin())
        self.any_parser = qparser.MultifieldParser(fields, schema, group=qparser.OrGroup.factory(0.9))
        self.any_parser.add_plugin(qparser.GtLtPlugin())
        self.plain_parser = qparser.MultifieldParser(fields, schema, group=qparser.AndGroup)
        self.plain_parser.remove_plugin_class(qparser.WildcardPlugin)

    # -- rewriting ------------------------------------------------------------------
    def resolve_company(self, value: str) -> str:
        return self.company_names.lookup(value) or value

    def resolve_topic(self, value: str) -> str:
        v = value.lower().strip()
        return self.topic_alias.get(v, self.topic_alias.get(v.replace("-", " "), v.replace(" ", "-")))

    def read_value(self, facet: Facet, value: str) -> str:
        """A value a user typed for `facet`, in the index's spelling (facet_table.py `reading`)."""
        if facet.reading == "company":
            return self.resolve_company(value)
        if facet.reading == "topic":
            return self.resolve_topic(value)
        if facet.reading == "conference":
            return normalize_conference(value)
        return value

    def filter_value(self, facet: Facet, value: str) -> str:
        """A `?name=value` filter's value, read as the facet reads it; QueryError for a year that is no year."""
        if facet.reading == "year" and value:
            # "²" or 4,300 digits: QueryError, never a crash; "02019" is the year 2019
            return str(whole_number(facet.name, value, 1, 9999))
        return self.read_value(facet, value) if value else value

    def _field(self, m: re.Match, notes: list[str]) -> str:
        name, value = m.group(1).lower(), m.group(2)
        bare = value.strip("\"'")
        literal = lambda v: "'" + v.replace("'", " ") + "'"  # noqa: E731 - a single-quoted whoosh term
        if name == "title":
            return f'title:"{bare}"' if " " in bare else f"title:{bare}"
        facet = FACET_BY_NAME[name]
        if facet.query_field:
            return f'{facet.query_field}:"{bare}"'
        if facet.reading == "year":
            r = re.fullmatch(r"([0-9]{4})?\s*(?:\.\.|-|to)\s*([0-9]{4})?", bare)
            if r and (r.group(1) or r.group(2)):
                return f"{name}:[{r.group(1) or ''} TO{' ' + r.group(2) if r.group(2) else ''}]"
            if bare.isascii() and bare.isdigit() and len(bare) <= 4:
                return f"{name}:{bare}"
            shown = m.group(0) if len(m.group(0)) <= 24 else m.group(0)[:20] + "…"
            notes.append(f"“{shown}” is not a year (such as 2019 or 2017..2019) and was left out.")
            return ""
        return f"{name}:{literal(self.read_value(facet, bare))}"

    def _expand(self, segment: str) -> str:
        if not self.synonym_re:
            return segment

        def sub(m: re.Match) -> str:
            group = self.synonyms[m.group(1).lower()]
            parts = [f'"{g}"' if " " in g else g for g in group]
            return "(" + " OR ".join(parts) + ")"

        return self.synonym_re.sub(sub, segment)

    def rewrite(self, text: str, notes: list[str] | None = None) -> str:
        """Fields resolved; synonyms expanded outside quotes and fields; a note added to `notes`
        for each field query left out (the builder is shared by threads: no state on self)."""
        notes = [] if notes is None else notes
        out: list[str] = []
        pos = 0
        for m in FIELD_RE.finditer(text):
            out.append(self._expand_unquoted(text[pos : m.start()]))
            out.append(self._field(m, notes))
            pos = m.end()
        out.append(self._expand_unquoted(text[pos:]))
        return "".join(out)

    def _expand_unquoted(self, segment: str) -> str:
        pieces = re.split(r"(\"[^\"]*\")", segment)
        return "".join(p if p.startswith('"') else self._expand(p) for p in pieces)

    # -- parsing --------------------------------------------------------------------
    def words(self, text: str) -> list[str]:
        stripped = FIELD_RE.sub(" ", text)
        return [w for w in re.findall(r"[\w.+#-]+", stripped) if w.upper() not in OPERATORS and len(w) > 1]

    def plain(self, text: str) -> Query:
        """The fallback: the query's words as plain terms, no syntax."""
        words = self.words(text)
        if not words:
            return Every()
        return self.plain_parser.parse(" ".join(words))

    def parse(self, raw: str, *, any_word: bool = False) -> ParsedQuery:
        """Parse a query; `any_word` ORs the words (scored higher the more match) instead of ANDing them."""
        text, notices = clean_query(raw)
        if not text:
            return ParsedQuery("", "", Every(), notices)
        words = self.words(text)
        unbalanced = text.count('"') % 2 == 1 or text.count("(") != text.count(")")
        tokens = text.split()
        dangling = bool(tokens) and (tokens[0].upper() in OPERATORS - {"NOT"} or tokens[-1].upper() in OPERATORS)
        if unbalanced or dangling:
            notices.append("The query had unbalanced quotes, parentheses or a dangling operator; searched for its words instead.")
            q = self.plain(self._expand(" ".join(words)) if words else "")
            return ParsedQuery(text, " ".join(words), q, notices, words, degraded=True)
        rewritten = self.rewrite(text, notices)
        if not rewritten.strip():  # only field queries that were left out (a notice says so)
            return ParsedQuery(text, rewritten, Every(), notices, words)
        try:
            q = (self.any_parser if any_word else self.parser).parse(rewritten)
        except Exception:  # whoosh raises a variety of errors on odd input: degrade, never fail
            notices.append("The query could not be parsed; searched for its words instead.")
            return ParsedQuery(text, " ".join(words), self.plain(" ".join(words)), notices, words, degraded=True)
        if q is None or q.is_empty() if hasattr(q, "is_empty") else False:
            q = Every()
        return ParsedQuery(text, rewritten, q, notices, words)
