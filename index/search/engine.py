"""Searching the index: BM25F ranking, filters, disjunctive facets, snippets, typo tolerance.

One `SearchEngine` per process (the web server, the CLI). It reopens the searcher when a
crawl commits a new generation, and builds facet bitsets once per generation, at (re)open.

Speed (measured at 100k talks): a query's match set is computed from cached per-term posting
bitsets combined as ints, with phrases and other leaf queries checked only on the docs their
terms leave; the scored pass then runs only over the final (query & filters) docs, instead of
scoring every match and filtering afterwards.

Cost (see bounds.py and budget.py): wildcards, prefixes and ranges expand to a capped number of
words before anything runs, and every search has a time budget; the expensive steps check it and
the search returns what it has by then, with a notice.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import asdict, dataclass, field
from html import escape
from pathlib import Path
from typing import cast

from whoosh import highlight
from whoosh.analysis import STOP_WORDS
from whoosh.query import Every

from srefind.models import FACETS, SORTS

from ..tagging.lexicon import load_companies, load_synonyms, load_topics
from .bounds import bound
from .budget import UNLIMITED, Budget, OutOfTime
from .facets import FacetIndex, FacetValue, docnums
from .masks import QueryMasks, coord_scored, unranked
from .query import QueryBuilder, whole_number
from .readers import Generation, Lease, ReaderPool
from .restrict import DeadlineCollector, Restricted

MAX_PER_PAGE = 100
SNIPPET_CHARS = 280
TIME_BUDGET_PER_DOC = 8e-6  # CPU seconds of matching and ranking per search, per indexed talk (budget.py)
TIME_BUDGET_MIN, TIME_BUDGET_MAX = 0.12, 0.65  # so 0.12 s up to 15k talks, 0.65 s from ~81k (+ facet counts: <1 s at 100k)


def time_budget(docs: int) -> float:
    """A search's time limit for an index of `docs` talks: what a first-sight ordinary query needs
    grows with the index (posting lists get longer), so the limit does too, within bounds."""
    return min(TIME_BUDGET_MAX, max(TIME_BUDGET_MIN, docs * TIME_BUDGET_PER_DOC))
MAX_SUGGEST_CHARS = 32  # longer words are not typo-corrected: Whoosh's automaton costs 0.5 s at 256


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
    generation: int = 0  # the index generation that answered (every part of a response comes from one)

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
            "generation": self.generation,
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
        from html import escape

        from whoosh.highlight import get_text

        return f"<mark>{escape(get_text(text, token, replace))}</mark>"


def _out_of_time(limit: float | None, when: str) -> str:
    return f"The search stopped at its time limit ({(limit or 0) * 1000:.0f} ms of CPU) {when}."


@dataclass
class Derived:
    """What one generation's searches share: facet bitsets, the term-bitset cache and the
    wildcard/range expansions (bounds.py)."""

    facets: FacetIndex
    masks: QueryMasks
    expansions: dict = field(default_factory=dict)


def _derive(searcher) -> Derived:
    """Built once per generation, when it is opened (not inside its first search)."""
    facets = FacetIndex(searcher)
    return Derived(facets, QueryMasks(facets))


def _make_hit(data: dict, snippet: str, score: float) -> Hit:
    """A result from a stored entry; without a highlighted snippet, the summary's start (escaped)."""
    if not snippet:
        text = data.get("summary", "")
        snippet = escape(text[:SNIPPET_CHARS] + ("…" if len(text) > SNIPPET_CHARS else ""))
    return Hit(
        id=data["id"], url=data["url"], page_url=data["page_url"], title=data.get("title", ""),
        speakers=data.get("speakers", []), companies=data.get("companies", []), topics=data.get("topics", []),
        conference=data.get("conference", ""), year=data.get("year"), date=data.get("date", ""),
        site=data.get("site", ""), score=score, snippet=snippet,
    )


class SearchEngine:
    """Searches for any number of threads at once (see readers.py): each search leases a searcher
    of the newest committed generation; facet and term bitsets are shared per generation.

    The index is opened on first use, so an engine can be made before there is an index (a web
    server started before the first crawl); until then every call raises IndexUnavailableError."""

    def __init__(self, index_dir: Path, lexicon_dir: Path | None = None, *, lazy: bool = False,
                 time_budget: float | None | str = "auto") -> None:
        self.index_dir = Path(index_dir)
        self.time_budget = time_budget  # seconds; "auto": time_budget(doc count); None: no limit
        self.lexicon_dir = lexicon_dir
        self._builder: QueryBuilder | None = None
        self._builder_lock = threading.Lock()
        self.pool = ReaderPool(self.index_dir, _derive)
        if not lazy:
            self.pool.current()  # fail now, with the reason, rather than at the first search

    @property
    def builder(self) -> QueryBuilder:
        """The query parser for the index's schema (from the first generation opened)."""
        if self._builder is None:
            gen = self.pool.current()
            with self._builder_lock:
                if self._builder is None:
                    lex = self.lexicon_dir
                    self._builder = QueryBuilder(gen.schema, load_companies(extra_dir=lex), load_topics(extra_dir=lex),
                                                 load_synonyms(extra_dir=lex))
        return self._builder

    def close(self) -> None:
        self.pool.close()

    def generation(self) -> int:
        """The newest committed generation (opening it if it is new)."""
        return self.pool.current().number

    def doc_count(self) -> int:
        with self.pool.lease() as (_, lease):
            return lease.searcher.doc_count()

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
        with self.pool.lease() as (gen, lease):
            return self._search(gen, lease, t0, query, filters, sort=sort, page=page, per_page=per_page,
                                facet_limit=facet_limit)

    def _search(self, gen: Generation, lease: Lease, t0: float, query: str, filters: dict[str, list[str]] | None,
                *, sort: str, page: int, per_page: int, facet_limit: int) -> SearchResponse:
        searcher = lease.searcher
        derived = cast(Derived, gen.derived)
        facets, masks = derived.facets, derived.masks
        limit = time_budget(facets.size) if self.time_budget == "auto" else cast(float | None, self.time_budget)
        budget = Budget(limit)  # CPU seconds of this thread (see budget.py)
        filters = self._clean_filters(filters or {})
        per_page = max(1, min(per_page, MAX_PER_PAGE))
        page = max(1, page)
        parsed = self.builder.parse(query)
        notices = list(parsed.notices)
        expansions = derived.expansions
        q = self._bounded(lease, parsed.query, budget, notices, expansions)
        # Matches only matter inside `region` (see FacetIndex.needed_region): qmask is exact there.
        region = facets.needed_region(filters)
        corrected = did_you_mean = ""
        try:
            qmask = masks.mask(lease, q, region, budget)
            # "no results at all" (not just none inside the region) decides typo fixing
            found_anywhere = bool(qmask) or (region != facets.all_docs and bool(masks.mask(lease, q, None, budget)))
        except OutOfTime:
            qmask, found_anywhere = 0, True
            notices.append(_out_of_time(limit, "before any match was found; try fewer or longer words"))
        try:
            if not found_anywhere and parsed.words and not isinstance(q, Every):
                fixed = self._correct(searcher, parsed.text, budget)
                if fixed and fixed != parsed.text:
                    q2 = self._bounded(lease, self.builder.parse(fixed).query, budget, [], expansions)
                    m2 = masks.mask(lease, q2, None, budget)
                    if m2:
                        corrected, q, qmask = fixed, q2, m2 & region
                        notices.append(f"No results for “{parsed.text}”; showing results for “{fixed}”.")
            if not found_anywhere and not corrected and len(parsed.words) > 1 and not parsed.degraded:
                loose = self._bounded(lease, self.builder.parse(parsed.text, any_word=True).query, budget, [], expansions)
                m3 = masks.mask(lease, loose, None, budget)
                if m3:
                    q, qmask = loose, m3 & region
                    notices.append("No talk matches every word; showing talks that match some of them.")
            did_you_mean = "" if corrected else self._did_you_mean(searcher, parsed, budget)
        except OutOfTime:
            pass  # corrections are extras: the answer so far stands
        final = qmask & facets.selection_mask(filters)
        total = final.bit_count()
        sort = sort if sort in SORTS else "relevance"
        hits: list[Hit] = []
        ranked = q
        try:
            if total:
                ranked = masks.constant_expansions(lease, q, budget)
        except OutOfTime:
            total = 0  # nothing to rank by: say so rather than show a count without its talks
            notices.append(_out_of_time(limit, "before any match was found; try fewer or longer words"))
        if unranked(ranked) and sort == "relevance":
            sort = "newest"  # browsing, or only bounded wildcards (scored alike): newest first
        if total and sort != "relevance":
            hits = self._in_date_order(searcher, lease, facets, ranked, final, sort, page, per_page)
        elif total:
            kwargs: dict = {}
            if region != facets.all_docs or final != qmask:
                if coord_scored(ranked):
                    kwargs["filter"] = set(docnums(final))  # see masks.coord_scored
                else:
                    # Score only the final docs (a `filter=` would score every match, then drop most).
                    ranked = Restricted(ranked, lease.offsets, docnums(final))
            collector = searcher.collector(limit=page * per_page, terms=True, **kwargs)
            try:
                searcher.search_with_collector(ranked, DeadlineCollector(collector, budget))
            except OutOfTime:
                notices.append(_out_of_time(limit, "while ranking; these are the best matches found by then "
                                                   "(the count is exact)"))
            results = collector.results()
            results.fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=70)
            results.formatter = _Formatter()
            for r in results[(page - 1) * per_page : page * per_page]:
                hits.append(self._hit(r))
        counts = facets.counts(qmask, filters, limit=facet_limit)
        return SearchResponse(
            query=parsed.text, total=total, page=page, per_page=per_page, sort=sort, results=hits,
            facets=counts, filters=filters, took_ms=(time.perf_counter() - t0) * 1000,
            corrected=corrected, did_you_mean=did_you_mean, notices=notices, generation=gen.number,
        )

    @staticmethod
    def _bounded(lease: Lease, q, budget: Budget, notices: list[str], memo: dict):
        """q with its wildcards, prefixes and ranges bounded (bounds.py); what changed goes to notices."""
        b = bound(q, lease.searcher.reader(), budget, memo)
        notices.extend(n for n in b.notices if n not in notices)
        return b.query

    def _clean_filters(self, filters: dict[str, list[str]]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for f, values in filters.items():
            if f not in FACETS:
                continue
            vals = []
            for v in values:
                v = v.strip()
                if f == "year" and v:
                    whole_number("year", v, 1, 9999)  # "²" or 4,300 digits: QueryError, never a crash
                if f == "company":
                    v = self.builder.resolve_company(v)
                elif f == "topic":
                    v = self.builder.resolve_topic(v)
                if v and v not in vals:
                    vals.append(v)
            if vals:
                out[f] = vals
        return out

    def _in_date_order(self, searcher, lease: Lease, facets: FacetIndex, ranked, final: int, sort: str,
                       page: int, per_page: int) -> list[Hit]:
        """Newest or oldest first: the page is read off the generation's date order (see FacetIndex),
        so no search sorts every match (0.4 s for 100k); only the page's own docs are matched
        again, for their highlighted snippets."""
        order = facets.oldest if sort == "oldest" else facets.newest
        want = page * per_page
        if final == facets.all_docs:
            picked = order[want - per_page: want]
        else:
            keep, found = set(docnums(final)), []
            for d in order:
                if d in keep:
                    found.append(d)
                    if len(found) == want:
                        break
            picked = found[want - per_page:]
        matched = {}
        if picked and not isinstance(ranked, Every):
            results = searcher.search(Restricted(ranked, lease.offsets, sorted(picked)), limit=None, terms=True)
            results.fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=70)
            results.formatter = _Formatter()
            matched = {r.docnum: r for r in results}
        reader = searcher.reader()
        return [self._hit(matched[d], scored=False) if d in matched
                else _make_hit(json.loads(reader.stored_fields(d)["data"]), "", 0.0) for d in picked]

    def _hit(self, r, scored: bool = True) -> Hit:
        snippet = r.highlights("summary", top=2) or r.highlights("title")
        return _make_hit(json.loads(r["data"]), snippet, round(float(r.score or 0.0), 4) if scored else 0.0)

    # -- typos ----------------------------------------------------------------------
    def _suggest(self, searcher, word: str) -> str:
        w = word.lower()
        if len(w) < 4 or len(w) > MAX_SUGGEST_CHARS or w in STOP_WORDS or searcher.doc_frequency("spell", w):
            return w  # too short or too long to correct (no word is 256 letters), never searched, or known
        maxdist = 1 if len(w) < 7 else 2
        found = searcher.suggest("spell", w, limit=1, maxdist=maxdist, prefix=1)
        return found[0] if found else w

    def _correct(self, searcher, text: str, budget: Budget = UNLIMITED) -> str:
        words = text.split()
        out = []
        for w in words:
            budget.check()
            if ":" in w or w.upper() in ("AND", "OR", "NOT") or not w.strip("\"'()").isalpha():
                out.append(w)
                continue
            core = w.strip("\"'()")
            out.append(w.replace(core, self._suggest(searcher, core)))
        return " ".join(out)

    def _did_you_mean(self, searcher, parsed, budget: Budget = UNLIMITED) -> str:
        if not parsed.words:
            return ""
        fixed = self._correct(searcher, parsed.text, budget)
        return fixed if fixed.lower() != parsed.text.lower() else ""

    # -- single entries ---------------------------------------------------------------
    def get(self, entry_id: str) -> dict | None:
        with self.pool.lease() as (_, lease):
            stored = lease.searcher.document(id=entry_id)
            return json.loads(stored["data"]) if stored else None

    def related(self, entry_id: str, limit: int = 5) -> list[Hit]:
        """More like this: key terms of the entry's text, excluding the entry itself."""
        with self.pool.lease() as (_, lease):
            searcher = lease.searcher
            docnum = searcher.document_number(id=entry_id)
            if docnum is None:
                return []
            data = json.loads(searcher.reader().stored_fields(docnum)["data"])
            text = " ".join([data.get("title", ""), data.get("summary", ""), " ".join(data.get("topics", []))])
            results = searcher.more_like(docnum, "summary", text=text, top=limit, numterms=12)
            return [self._hit(r) for r in results]
