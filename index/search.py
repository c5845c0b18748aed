"""Searching the index: BM25F ranking, filters, disjunctive facets, snippets, typo tolerance.

One `SearchEngine` per process (the web server, the CLI). It reopens the searcher when a
crawl commits a new generation, and builds facet bitsets once per generation.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from whoosh import highlight, scoring
from whoosh.query import Every

from .facets import FacetIndex, FacetValue, bitset, docnums
from .lexicon import load_companies, load_synonyms, load_topics
from .query import QueryBuilder
from .schema import FACETS
from .store import open_index

MAX_PER_PAGE = 100
SNIPPET_CHARS = 280


@dataclass
class Hit:
    id: str
    url: str
    page_url: str
    title: str
    speakers: list[str]
    companies: list[str]
    topics: list[str]
    conference: str
    year: int | None
    date: str
    site: str
    score: float
    snippet: str  # HTML: escaped text, only <mark> elements as markup


@dataclass
class SearchResponse:
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

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_json(self) -> dict:
        """The JSON shape shared by `srefind search --json` and `/api/search`."""
        return {
            "query": self.query,
            "total": self.total,
            "page": self.page,
            "per_page": self.per_page,
            "sort": self.sort,
            "took_ms": round(self.took_ms, 2),
            "corrected": self.corrected or None,
            "did_you_mean": self.did_you_mean or None,
            "notices": self.notices,
            "filters": self.filters,
            "results": [asdict(h) for h in self.results],
            "facets": {f: [{"value": v.value, "count": v.count, "selected": v.selected} for v in rows]
                       for f, rows in self.facets.items()},
        }


class _Formatter(highlight.HtmlFormatter):
    def __init__(self) -> None:
        super().__init__(tagname="mark", classname="", termclass="", between=" … ")

    def format_token(self, text, token, replace=False):
        from whoosh.highlight import get_text
        from html import escape

        return f"<mark>{escape(get_text(text, token, replace))}</mark>"


class SearchEngine:
    def __init__(self, index_dir: Path, lexicon_dir: Path | None = None) -> None:
        self.index_dir = index_dir
        self.ix = open_index(index_dir)
        self.builder = QueryBuilder(
            self.ix.schema,
            load_companies(extra_dir=lexicon_dir),
            load_topics(extra_dir=lexicon_dir),
            load_synonyms(extra_dir=lexicon_dir),
        )
        self._lock = threading.Lock()
        self._searcher = self.ix.searcher(weighting=scoring.BM25F())
        self._facets: FacetIndex | None = None
        self._retired = None

    def close(self) -> None:
        self._searcher.close()

    def _current(self):
        """The searcher for the newest committed generation, and its facet bitsets."""
        with self._lock:
            if not self._searcher.up_to_date():
                # A fresh searcher, not `refresh()`: whoosh's reader reuse keeps stale deletions of old
                # segments (measured: a deleted page's entries still counted). The previous searcher is
                # closed one generation later, so a search still using it in another thread can finish.
                if self._retired is not None:
                    self._retired.close()
                self._retired = self._searcher
                self._searcher = self.ix.searcher(weighting=scoring.BM25F())
                self._facets = None
            if self._facets is None:
                self._facets = FacetIndex(self._searcher)
            return self._searcher, self._facets

    def doc_count(self) -> int:
        searcher, _ = self._current()
        return searcher.doc_count()

    # -- search -------------------------------------------------------------------
    def search(
        self,
        query: str = "",
        filters: dict[str, list[str]] | None = None,
        *,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 10,
        facet_limit: int = 0,
    ) -> SearchResponse:
        t0 = time.perf_counter()
        searcher, facets = self._current()
        filters = self._clean_filters(filters or {})
        per_page = max(1, min(per_page, MAX_PER_PAGE))
        page = max(1, page)
        parsed = self.builder.parse(query)
        notices = list(parsed.notices)
        q = parsed.query
        qmask = self._mask(searcher, facets, q)
        corrected = ""
        if not qmask and parsed.words and not isinstance(q, Every):
            fixed = self._correct(searcher, parsed.text)
            if fixed and fixed != parsed.text:
                q2 = self.builder.parse(fixed).query
                m2 = self._mask(searcher, facets, q2)
                if m2:
                    corrected, q, qmask = fixed, q2, m2
                    notices.append(f"No results for “{parsed.text}”; showing results for “{fixed}”.")
        if not qmask and not corrected and len(parsed.words) > 1 and not parsed.degraded:
            loose = self.builder.parse(parsed.text, any_word=True).query
            m3 = self._mask(searcher, facets, loose)
            if m3:
                q, qmask = loose, m3
                notices.append("No talk matches every word; showing talks that match some of them.")
        did_you_mean = "" if corrected else self._did_you_mean(searcher, parsed)
        final = qmask & facets.selection_mask(filters)
        total = final.bit_count()
        sort = sort if sort in ("relevance", "newest", "oldest") else "relevance"
        if isinstance(q, Every) and sort == "relevance":
            sort = "newest"  # browsing: newest first
        hits: list[Hit] = []
        if total:
            keep = set(docnums(final)) if final != qmask else None
            kwargs = {}
            if sort != "relevance":
                kwargs = {"sortedby": "date", "reverse": sort == "newest"}
            results = searcher.search(q, limit=page * per_page, filter=keep, terms=True, **kwargs)
            results.fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=70)
            results.formatter = _Formatter()
            for r in results[(page - 1) * per_page : page * per_page]:
                hits.append(self._hit(r, scored=sort == "relevance"))
        counts = facets.counts(qmask, filters, limit=facet_limit)
        return SearchResponse(
            query=parsed.text, total=total, page=page, per_page=per_page, sort=sort, results=hits,
            facets=counts, filters=filters, took_ms=(time.perf_counter() - t0) * 1000,
            corrected=corrected, did_you_mean=did_you_mean, notices=notices,
        )

    def _clean_filters(self, filters: dict[str, list[str]]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for f, values in filters.items():
            if f not in FACETS:
                continue
            vals = []
            for v in values:
                v = v.strip()
                if f == "company":
                    v = self.builder.resolve_company(v)
                elif f == "topic":
                    v = self.builder.resolve_topic(v)
                if v and v not in vals:
                    vals.append(v)
            if vals:
                out[f] = vals
        return out

    @staticmethod
    def _mask(searcher, facets: FacetIndex, q) -> int:
        if isinstance(q, Every):
            return facets.all_docs
        return bitset(searcher.docs_for_query(q), facets.size)

    def _hit(self, r, scored: bool = True) -> Hit:
        data = json.loads(r["data"])
        snippet = r.highlights("summary", top=2) or r.highlights("title")
        if not snippet:
            from html import escape

            text = data.get("summary", "")
            snippet = escape(text[:SNIPPET_CHARS] + ("…" if len(text) > SNIPPET_CHARS else ""))
        return Hit(
            id=data["id"], url=data["url"], page_url=data["page_url"], title=data.get("title", ""),
            speakers=data.get("speakers", []), companies=data.get("companies", []), topics=data.get("topics", []),
            conference=data.get("conference", ""), year=data.get("year"), date=data.get("date", ""),
            site=data.get("site", ""), score=round(float(r.score or 0.0), 4) if scored else 0.0, snippet=snippet,
        )

    # -- typos ----------------------------------------------------------------------
    def _suggest(self, searcher, word: str) -> str:
        w = word.lower()
        if len(w) < 4 or searcher.doc_frequency("spell", w):
            return w
        maxdist = 1 if len(w) < 7 else 2
        found = searcher.suggest("spell", w, limit=1, maxdist=maxdist, prefix=1)
        return found[0] if found else w

    def _correct(self, searcher, text: str) -> str:
        words = text.split()
        out = []
        for w in words:
            if ":" in w or w.upper() in ("AND", "OR", "NOT") or not w.strip("\"'()").isalpha():
                out.append(w)
                continue
            core = w.strip("\"'()")
            out.append(w.replace(core, self._suggest(searcher, core)))
        return " ".join(out)

    def _did_you_mean(self, searcher, parsed) -> str:
        if not parsed.words:
            return ""
        fixed = self._correct(searcher, parsed.text)
        return fixed if fixed.lower() != parsed.text.lower() else ""

    # -- single entries ---------------------------------------------------------------
    def get(self, entry_id: str) -> dict | None:
        searcher, _ = self._current()
        stored = searcher.document(id=entry_id)
        return json.loads(stored["data"]) if stored else None

    def related(self, entry_id: str, limit: int = 5) -> list[Hit]:
        """More like this: key terms of the entry's text, excluding the entry itself."""
        searcher, _ = self._current()
        docnum = searcher.document_number(id=entry_id)
        if docnum is None:
            return []
        data = json.loads(searcher.stored_fields(docnum)["data"])
        text = " ".join([data.get("title", ""), data.get("summary", ""), " ".join(data.get("topics", []))])
        results = searcher.more_like(docnum, "summary", text=text, top=limit, numterms=12)
        out = []
        for r in results:
            out.append(self._hit(r))
        return out
