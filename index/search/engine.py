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
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import cast

from whoosh import highlight
from whoosh.analysis import STOP_WORDS
from whoosh.query import Every, Query
from whoosh.searching import Results

from srefind.backend import MAX_PER_PAGE
from srefind.facet_table import FACET_BY_NAME, SORTS
from srefind.models import Hit, SearchResponse, TalkEntry

from ..tagging.lexicon import load_companies, load_synonyms, load_topics
from .bounds import bound
from .budget import UNLIMITED, Budget, OutOfTime
from .facets import FacetIndex, docnums
from .fields import fold_word
from .masks import QueryMasks, coord_scored, unranked
from .query import ParsedQuery, QueryBuilder
from .readers import Generation, Lease, ReaderPool
from .restrict import DeadlineCollector, Restricted

SNIPPET_CHARS = 280
TIME_BUDGET_PER_DOC = 8e-6  # CPU seconds of matching and ranking per search, per indexed talk (budget.py)
TIME_BUDGET_MIN, TIME_BUDGET_MAX = 0.12, 0.65  # so 0.12 s up to 15k talks, 0.65 s from ~81k (+ facet counts: <1 s at 100k)


def time_budget(docs: int) -> float:
    """A search's time limit for an index of `docs` talks: what a first-sight ordinary query needs
    grows with the index (posting lists get longer), so the limit does too, within bounds."""
    return min(TIME_BUDGET_MAX, max(TIME_BUDGET_MIN, docs * TIME_BUDGET_PER_DOC))
MAX_SUGGEST_CHARS = 32  # longer words are not typo-corrected: Whoosh's automaton costs 0.5 s at 256


class _Formatter(highlight.HtmlFormatter):
    def __init__(self) -> None:
        super().__init__(tagname="mark", classname="", termclass="", between=" … ")

    def format_token(self, text, token, replace=False):
        from html import escape

        from whoosh.highlight import get_text

        return f"<mark>{escape(get_text(text, token, replace))}</mark>"


def _out_of_time(limit: float | None, when: str) -> str:
    return f"The search stopped at its time limit ({(limit or 0) * 1000:.0f} ms of CPU) {when}."


def _highlighting(results) -> None:
    """Snippets of up to SNIPPET_CHARS around the matched words, marked with <mark>."""
    results.fragmenter = highlight.ContextFragmenter(maxchars=SNIPPET_CHARS, surround=70)
    results.formatter = _Formatter()


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


@dataclass
class _Run:
    """One search as it goes through the stages of SearchEngine._search."""

    gen: Generation
    lease: Lease
    derived: Derived
    limit: float | None  # the CPU-time limit (budget.py)
    budget: Budget
    query: str
    filters: dict[str, list[str]]
    sort: str
    page: int
    per_page: int
    view: str = "talk"  # which result list (schema.VIEWS): one result per talk, every write-up, or "all"
    view_docs: int = 0  # _match: the docs of that list
    parsed: ParsedQuery = cast(ParsedQuery, None)  # _parse
    q: Query = cast(Query, None)  # _parse, then _recover's correction
    notices: list[str] = field(default_factory=list)
    region: int = 0  # _match: the docs whose match matters to the answer (see FacetIndex.needed_region)
    qmask: int = 0  # _match: the docs matching q, exact inside region
    found_anywhere: bool = False
    corrected: str = ""  # _recover
    did_you_mean: str = ""
    final: int = 0  # _select: matching docs that pass the filters
    total: int = 0
    ranked: Query = cast(Query, None)  # _select: q as ranked (expansions scored 0)
    results: Results | None = None  # _rank, by relevance
    hits: list[Hit] = field(default_factory=list)  # _rank (by date) or _snippets


def _stored_entry(stored: dict) -> TalkEntry:
    return TalkEntry.from_dict(json.loads(stored["data"]))


def _make_hit(entry: TalkEntry, snippet: str, score: float) -> Hit:
    """A result from a stored entry; without a highlighted snippet, the summary's start (escaped)."""
    if not snippet:
        text = entry.summary
        snippet = escape(text[:SNIPPET_CHARS] + ("…" if len(text) > SNIPPET_CHARS else ""))
    return Hit.from_entry(entry, score, snippet)


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
        view: str = "talk",
    ) -> SearchResponse:
        t0 = time.perf_counter()
        with self.pool.lease() as (gen, lease):
            return self._search(gen, lease, t0, query, filters, sort=sort, page=page, per_page=per_page,
                                facet_limit=facet_limit, view=view)

    def _search(self, gen: Generation, lease: Lease, t0: float, query: str, filters: dict[str, list[str]] | None,
                *, sort: str, page: int, per_page: int, facet_limit: int, view: str = "talk") -> SearchResponse:
        """A search is these stages, in order, each reading and adding to one `_Run` (see its fields)."""
        derived = cast(Derived, gen.derived)
        limit = time_budget(derived.facets.size) if self.time_budget == "auto" else cast(float | None, self.time_budget)
        run = _Run(gen=gen, lease=lease, derived=derived, limit=limit, budget=Budget(limit), query=query,
                   filters=self._clean_filters(filters or {}), sort=sort if sort in SORTS else "relevance",
                   page=max(1, page), per_page=max(1, min(per_page, MAX_PER_PAGE)), view=view)
        for stage in (self._parse, self._match, self._recover, self._select, self._rank, self._snippets):
            stage(run)
        counts = derived.facets.counts(run.qmask, run.filters, limit=facet_limit)
        return SearchResponse(
            query=run.parsed.text, total=run.total, page=run.page, per_page=run.per_page, sort=run.sort,
            results=run.hits, facets=counts, filters=run.filters, took_ms=(time.perf_counter() - t0) * 1000,
            corrected=run.corrected, did_you_mean=run.did_you_mean, notices=run.notices, generation=gen.number,
        )

    # -- the stages of a search ------------------------------------------------------
    def _parse(self, run: _Run) -> None:
        """The query text as a Whoosh query, its wildcards and ranges bounded (bounds.py)."""
        run.parsed = self.builder.parse(run.query)
        run.notices = list(run.parsed.notices)
        run.q = self._bounded(run.lease, run.parsed.query, run.budget, run.notices, run.derived.expansions)

    def _match(self, run: _Run) -> None:
        """The matching docs as a bitset, exact inside the region the facet counts need."""
        facets, masks = run.derived.facets, run.derived.masks
        run.view_docs = facets.views.get(run.view, facets.all_docs)
        run.region = facets.needed_region(run.filters) & run.view_docs
        try:
            run.qmask = masks.mask(run.lease, run.q, run.region, run.budget)
            # "no results at all" (not just none inside the region) decides typo fixing
            run.found_anywhere = bool(run.qmask) or (
                run.region != run.view_docs and bool(masks.mask(run.lease, run.q, run.view_docs, run.budget)))
        except OutOfTime:
            run.qmask, run.found_anywhere = 0, True
            run.notices.append(_out_of_time(run.limit, "before any match was found; try fewer or longer words"))

    def _recover(self, run: _Run) -> None:
        """Nothing found anywhere: the query with its typos corrected, else with any of its words;
        and a did-you-mean for a query that found something."""
        masks, parsed, lease, budget = run.derived.masks, run.parsed, run.lease, run.budget
        expansions = run.derived.expansions
        try:
            if not run.found_anywhere and parsed.words and not isinstance(run.q, Every):
                fixed = self._correct(lease.searcher, parsed.text, budget)
                if fixed and fixed != parsed.text:
                    q2 = self._bounded(lease, self.builder.parse(fixed).query, budget, [], expansions)
                    m2 = masks.mask(lease, q2, run.view_docs, budget)
                    if m2:
                        run.corrected, run.q, run.qmask = fixed, q2, m2 & run.region
                        run.notices.append(f"No results for “{parsed.text}”; showing results for “{fixed}”.")
            if not run.found_anywhere and not run.corrected and len(parsed.words) > 1 and not parsed.degraded:
                loose = self._bounded(lease, self.builder.parse(parsed.text, any_word=True).query, budget, [],
                                      expansions)
                m3 = masks.mask(lease, loose, run.view_docs, budget)
                if m3:
                    run.q, run.qmask = loose, m3 & run.region
                    run.notices.append("No talk matches every word; showing talks that match some of them.")
            run.did_you_mean = "" if run.corrected else self._did_you_mean(lease.searcher, parsed, budget)
        except OutOfTime:
            pass  # corrections are extras: the answer so far stands

    def _select(self, run: _Run) -> None:
        """The final docs (matches and filters) and their count; the query to rank them by."""
        run.final = run.qmask & run.derived.facets.selection_mask(run.filters)
        run.total = run.final.bit_count()
        run.ranked = run.q
        try:
            if run.total:
                run.ranked = run.derived.masks.constant_expansions(run.lease, run.q, run.budget)
        except OutOfTime:
            run.total = 0  # nothing to rank by: say so rather than show a count without its talks
            run.notices.append(_out_of_time(run.limit, "before any match was found; try fewer or longer words"))
        if unranked(run.ranked) and run.sort == "relevance":
            run.sort = "newest"  # browsing, or only bounded wildcards (scored alike): newest first

    def _rank(self, run: _Run) -> None:
        """The page of results: by relevance (BM25F, scored only over the final docs), or by date."""
        if not run.total:
            return
        lease, facets, final = run.lease, run.derived.facets, run.final
        if run.sort != "relevance":
            run.hits = self._in_date_order(lease.searcher, lease, facets, run.ranked, final, run.sort, run.page,
                                           run.per_page)
            return
        ranked, kwargs = run.ranked, {}
        if run.region != facets.all_docs or final != run.qmask:
            if coord_scored(ranked):
                kwargs["filter"] = set(docnums(final))  # see masks.coord_scored
            else:
                # Score only the final docs (a `filter=` would score every match, then drop most).
                ranked = Restricted(ranked, lease.offsets, docnums(final))
        collector = lease.searcher.collector(limit=run.page * run.per_page, terms=True, **kwargs)
        try:
            lease.searcher.search_with_collector(ranked, DeadlineCollector(collector, run.budget))
        except OutOfTime:
            run.notices.append(_out_of_time(run.limit, "while ranking; these are the best matches found by then "
                                                       "(the count is exact)"))
        run.results = collector.results()

    def _snippets(self, run: _Run) -> None:
        """The ranked page's hits, with highlighted snippets."""
        if run.results is None:
            return
        _highlighting(run.results)
        run.hits = [self._hit(r) for r in run.results[(run.page - 1) * run.per_page: run.page * run.per_page]]

    @staticmethod
    def _bounded(lease: Lease, q, budget: Budget, notices: list[str], memo: dict):
        """q with its wildcards, prefixes and ranges bounded (bounds.py); what changed goes to notices."""
        b = bound(q, lease.searcher.reader(), budget, memo)
        notices.extend(n for n in b.notices if n not in notices)
        return b.query

    def _clean_filters(self, filters: dict[str, list[str]]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for f, values in filters.items():
            facet = FACET_BY_NAME.get(f)
            if facet is None:
                continue
            vals = []
            for v in values:
                v = self.builder.filter_value(facet, v.strip())
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
            _highlighting(results)
            matched = {r.docnum: r for r in results}
        reader = searcher.reader()
        return [self._hit(matched[d], scored=False) if d in matched
                else _make_hit(_stored_entry(reader.stored_fields(d)), "", 0.0) for d in picked]

    def _hit(self, r, scored: bool = True) -> Hit:
        snippet = (r.highlights("summary", top=2, strict_phrase=True) or r.highlights("writeups", top=2, strict_phrase=True)
                   or r.highlights("title", strict_phrase=True))
        return _make_hit(_stored_entry(r.fields()), snippet, round(float(r.score or 0.0), 4) if scored else 0.0)

    # -- typos ----------------------------------------------------------------------
    def _suggest(self, searcher, word: str) -> str:
        w = fold_word(word)  # "Gagné" is the indexed "gagne", written right: nothing to suggest
        if len(w) < 4 or len(w) > MAX_SUGGEST_CHARS or w in STOP_WORDS or searcher.doc_frequency("spell", w):
            return word.lower()  # too short or too long to correct (no word is 256 letters), never searched, or known
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
        return fixed if fold_word(fixed) != fold_word(parsed.text) else ""

    # -- single entries ---------------------------------------------------------------
    def get(self, entry_id: str) -> TalkEntry | None:
        with self.pool.lease() as (_, lease):
            stored = lease.searcher.document(id=entry_id)
            return _stored_entry(stored) if stored else None

    def writeups(self, talk_url: str) -> list[TalkEntry]:
        """The write-up entries linked to the talk page at `talk_url`, newest first."""
        with self.pool.lease() as (_, lease):
            if "talk_url" not in lease.searcher.schema:
                return []  # an index built before links were indexed: rebuilt by the next crawl or reindex
            found = [_stored_entry(s) for s in lease.searcher.documents(talk_url=talk_url)]
        return sorted(found, key=lambda e: (e.date or "", e.url), reverse=True)

    def related(self, entry_id: str, limit: int = 5) -> list[Hit]:
        """More like this: key terms of the entry's text, excluding the entry itself."""
        with self.pool.lease() as (_, lease):
            searcher = lease.searcher
            docnum = searcher.document_number(id=entry_id)
            if docnum is None:
                return []
            entry = _stored_entry(searcher.reader().stored_fields(docnum))
            text = " ".join([entry.title, entry.summary, " ".join(entry.topics)])
            results = searcher.more_like(docnum, "summary", text=text, top=limit, numterms=12)
            return [self._hit(r) for r in results]
