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
from bisect import bisect_left
from dataclasses import asdict, dataclass, field
from html import escape
from pathlib import Path
from typing import cast

from whoosh import highlight
from whoosh import query as wq
from whoosh.analysis import STOP_WORDS
from whoosh.collectors import WrappingCollector
from whoosh.matching import IntersectionMatcher, ListMatcher, NullMatcher
from whoosh.query import Every
from whoosh.query.wrappers import WrappingQuery
from whoosh.reading import TermNotFound

from srefind.models import FACETS, SORTS

from ..tagging.lexicon import load_companies, load_synonyms, load_topics
from .bounds import Expansion, bound
from .budget import UNLIMITED, Budget, OutOfTime
from .compat import posting_blocks
from .facets import BitsCache, FacetIndex, FacetValue, bitset, docnums
from .query import QueryBuilder, whole_number
from .readers import Generation, Lease, ReaderPool

MAX_PER_PAGE = 100
SNIPPET_CHARS = 280
TERM_BITS_CACHE = 4096  # per-term posting bitsets kept per generation (~12.5 KB each at 100k)
TIME_BUDGET_PER_DOC = 8e-6  # CPU seconds of matching and ranking per search, per indexed talk (budget.py)
TIME_BUDGET_MIN, TIME_BUDGET_MAX = 0.12, 0.65  # so 0.12 s up to 15k talks, 0.65 s from ~81k (+ facet counts: <1 s at 100k)


def time_budget(docs: int) -> float:
    """A search's time limit for an index of `docs` talks: what a first-sight ordinary query needs
    grows with the index (posting lists get longer), so the limit does too, within bounds."""
    return min(TIME_BUDGET_MAX, max(TIME_BUDGET_MIN, docs * TIME_BUDGET_PER_DOC))
MAX_SUGGEST_CHARS = 32  # longer words are not typo-corrected: Whoosh's automaton costs 0.5 s at 256
CHECK_EVERY = 256  # docs between two looks at the clock in per-doc loops


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


# -- restricting a query to a fixed set of documents ----------------------------------------
def _segment_ids(docs: list[int], offsets: dict[int, int], reader) -> list[int]:
    """The docs of `docs` (top-level numbers) inside this segment, as segment-local numbers."""
    off = offsets.get(id(reader), 0)
    lo, hi = bisect_left(docs, off), bisect_left(docs, off + reader.doc_count_all())
    return [d - off for d in docs[lo:hi]]


class _ZeroListMatcher(ListMatcher):
    """A doc-set matcher scoring 0 that quality pruning never drops (ListMatcher.replace() returns
    a NullMatcher once the minimum quality exceeds its maximum of 0)."""

    def score(self):
        return 0.0

    def supports_block_quality(self):
        return False

    def max_quality(self):
        return 0.0

    def block_quality(self):
        return 0.0

    def replace(self, minquality=0):
        return self if self.is_active() else NullMatcher()


class _ExhaustiveIntersection(IntersectionMatcher):
    """Scores every restricted doc: no quality pruning (the set is small, and pruning through
    replace() with a 0-quality doc-set side would drop eligible docs)."""

    def supports_block_quality(self):
        return False

    def replace(self, minquality=0):
        return self if self.is_active() else NullMatcher()


class DocSet(wq.Query):
    """Matches a fixed, sorted list of top-level document numbers; scores 0. For And([q, DocSet]).
    (`docnums`, not `docs`: Query.docs() is a Whoosh method.)"""

    def __init__(self, offsets: dict[int, int], docnums: list[int]) -> None:
        self.docnums = docnums
        self.offsets = offsets

    def __repr__(self) -> str:
        return f"DocSet({len(self.docnums)})"

    def __eq__(self, other) -> bool:
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def estimate_size(self, ixreader) -> int:
        return len(self.docnums)

    def matcher(self, searcher, context=None):
        ids = _segment_ids(self.docnums, self.offsets, searcher.reader())
        return _ZeroListMatcher(ids, all_weights=0.0) if ids else NullMatcher()


class Restricted(WrappingQuery):
    """`child`, matched and scored only on a sorted list of top-level docnums; segments holding
    none of them get a NullMatcher without building the child's matchers."""

    def __init__(self, child, offsets: dict[int, int], docnums: list[int]) -> None:
        super().__init__(child)
        self.offsets = offsets
        self.docnums = docnums

    def _rewrap(self, child):
        return self.__class__(child, self.offsets, self.docnums)

    def matcher(self, searcher, context=None):
        ids = _segment_ids(self.docnums, self.offsets, searcher.reader())
        if not ids:
            return NullMatcher()
        return _ExhaustiveIntersection(_ZeroListMatcher(ids, all_weights=0.0), self.child.matcher(searcher, context))


class _DeadlineCollector(WrappingCollector):
    """Stops collecting when the search's budget runs out (OutOfTime); the collector it wraps
    keeps the hits found so far. (Whoosh's TimeLimitCollector uses SIGALRM or a thread per search.)"""

    def __init__(self, child, budget: Budget) -> None:
        super().__init__(child)
        self.budget = budget

    def set_subsearcher(self, subsearcher, offset: int) -> None:
        self.budget.check()  # before this segment's matchers are built
        super().set_subsearcher(subsearcher, offset)

    def collect_matches(self) -> None:
        child, budget = self.child, self.budget
        for i, sub_docnum in enumerate(child.matches()):
            if i % 32 == 0:
                budget.check()
            child.collect(sub_docnum)


# -- query match sets as bitsets ----------------------------------------------------------------
_BOOLEAN = (wq.And, wq.Or, wq.DisjunctionMax, wq.Not, wq.AndNot, wq.AndMaybe)


def _matches_all(q) -> bool:
    """Every() matches every doc; Every(field) only docs with that field, so Whoosh runs it."""
    return isinstance(q, Every) and q.fieldname in (None, "", "*")


def _terms_only(q) -> bool:
    """Whether q is built from terms with boolean operators only (cheap from cached bitsets)."""
    if isinstance(q, wq.Term) or _matches_all(q):
        return True
    if isinstance(q, Expansion):
        return _terms_only(q.child)
    if isinstance(q, _BOOLEAN):
        return all(_terms_only(c) for c in q.children())
    return False


def _out_of_time(limit: float | None, when: str) -> str:
    return f"The search stopped at its time limit ({(limit or 0) * 1000:.0f} ms of CPU) {when}."


def _unranked(q) -> bool:
    """Whether nothing in q has a relevance score: browsing (Every), or only bounded wildcards."""
    leaves = [q] if q.is_leaf() else q.leaves()
    return all(_matches_all(leaf) or isinstance(leaf, DocSet) for leaf in leaves)


def _coord_scored(q) -> bool:
    """Whether q holds an Or scored by how many of its words match (the "some of the words"
    fallback): measured to score differently under Restricted, so it keeps Whoosh's filter."""
    if isinstance(q, wq.Or) and q.scale:
        return True
    return not q.is_leaf() and any(_coord_scored(c) for c in q.children())


class QueryMasks:
    """One generation's query -> matching-docs bitsets. Term postings become cached bitsets, and
    boolean operators int operations; any other leaf (phrase, range, prefix...) is run by Whoosh
    only on the docs still possible, instead of over the whole index.

    Shared by every search of the generation; each call reads through the caller's own lease
    (a searcher no other thread uses), so only the bitset cache is shared."""

    def __init__(self, facets: FacetIndex) -> None:
        self.facets = facets
        self._terms = BitsCache(TERM_BITS_CACHE)

    def mask(self, lease: Lease, q, within: int | None = None, budget: Budget = UNLIMITED) -> int:
        """Docs matching q; exact inside `within` (default: every doc), which bounds the work.
        Raises OutOfTime when `budget` runs out first (a partial mask would be wrong under NOT)."""
        within = self.facets.all_docs if within is None else within
        if not self._known_fields(lease.searcher, q):
            # Whoosh gives no docs at all when a part of q raises TermNotFound (a field missing
            # from an older index's schema); keep exactly that answer.
            return self._docs_bits(lease.searcher.docs_for_query(q), budget) & within
        return self._bits(lease, q, within, budget)

    def _docs_bits(self, docs, budget: Budget) -> int:
        """A bitset of Whoosh's matching docs, looking at the clock every CHECK_EVERY docs."""
        def checked():
            for i, d in enumerate(docs):
                if i % CHECK_EVERY == 0:
                    budget.check()
                yield d
        return bitset(checked(), self.facets.size)

    @staticmethod
    def _known_fields(searcher, q) -> bool:
        schema = searcher.schema
        leaves = [q] if q.is_leaf() else q.leaves()
        return all(getattr(leaf, "fieldname", None) in (None, "", "*") or leaf.fieldname in schema for leaf in leaves)

    def term_bits(self, lease: Lease, fieldname: str, text, budget: Budget = UNLIMITED) -> int:
        return self._terms.get((fieldname, text), lambda: self._postings_bits(lease, fieldname, text, budget))

    def _postings_bits(self, lease: Lease, fieldname: str, text, budget: Budget) -> int:
        buf = bytearray((self.facets.size + 8) // 8)
        for sub, off in lease.searcher.leaf_searchers():
            budget.check()
            try:
                m = sub.reader().postings(fieldname, text)
            except TermNotFound:
                continue
            for block in posting_blocks(m):
                for d in block:
                    d += off
                    buf[d >> 3] |= 1 << (d & 7)
        return int.from_bytes(buf, "little") & self.facets.all_docs  # live docs only

    def _bits(self, lease: Lease, q, within: int, budget: Budget) -> int:
        if _matches_all(q):
            return within
        if isinstance(q, wq.Term):
            return self.term_bits(lease, q.fieldname, q.text, budget) & within
        if isinstance(q, wq.And):
            out = within
            for c in sorted(q.children(), key=lambda c: not _terms_only(c)):  # cheap children first
                out &= self._bits(lease, c, out, budget)
                if not out:
                    break
            return out
        if isinstance(q, (wq.Or, wq.DisjunctionMax)):
            out = 0
            for c in q.children():
                out |= self._bits(lease, c, within, budget)
            return out
        if isinstance(q, wq.Not):
            return within & ~self._bits(lease, q.query, within, budget)
        if isinstance(q, wq.AndNot):
            a = self._bits(lease, q.a, within, budget)
            return a & ~self._bits(lease, q.b, a, budget) if a else 0
        if isinstance(q, wq.AndMaybe):
            return self._bits(lease, q.a, within, budget)
        if isinstance(q, Expansion):
            return self._bits(lease, q.child, within, budget)
        if q is wq.NullQuery:
            return 0
        return self._leaf_bits(lease, q, within, budget)

    def constant_expansions(self, lease: Lease, q, budget: Budget):
        """q for ranking: each Expansion replaced by its docs, scored 0 (its words' bitsets are
        cached from matching), so no BM25 runs over its many words. All its docs, not only the
        final ones: under a NOT the difference matters."""
        if isinstance(q, Expansion):
            return DocSet(lease.offsets, docnums(self._bits(lease, q.child, self.facets.all_docs, budget)))
        if q.is_leaf():
            return q
        return q.apply(lambda c: self.constant_expansions(lease, c, budget))

    def _leaf_bits(self, lease: Lease, q, within: int, budget: Budget) -> int:
        cand = within
        if isinstance(q, wq.Phrase):
            for w in q.words:
                cand &= self.term_bits(lease, q.fieldname, w, budget)
                if not cand:
                    return 0
            if q.slop == 1 and len(q.words) > 1 and len(set(q.words)) == len(q.words):
                return self._phrase_bits(lease, q.fieldname, q.words, cand, budget)
        budget.check()
        if cand == self.facets.all_docs:
            return self._docs_bits(lease.searcher.docs_for_query(q), budget)
        restricted = wq.And([q, DocSet(lease.offsets, docnums(cand))])
        return self._docs_bits(lease.searcher.docs_for_query(restricted), budget)

    def _phrase_bits(self, lease: Lease, fieldname: str, words, cand: int, budget: Budget) -> int:
        """An exact phrase, checked on each candidate doc only: skip every word's postings to the
        doc and compare positions (Whoosh's span matcher computes spans for every doc holding all
        the words, candidates or not)."""
        docs = docnums(cand)
        found: list[int] = []
        for sub, off in lease.searcher.leaf_searchers():
            r = sub.reader()
            lo, hi = bisect_left(docs, off), bisect_left(docs, off + r.doc_count_all())
            if lo == hi:
                continue
            try:
                ms = [r.postings(fieldname, w) for w in words]
            except TermNotFound:
                continue
            for i, d in enumerate(docs[lo:hi]):
                if i % CHECK_EVERY == 0:
                    budget.check()
                if _has_phrase(ms, d - off):
                    found.append(d)
        return bitset(found, self.facets.size)


def _has_phrase(matchers, local: int) -> bool:
    """Whether the words' postings (advanced in doc order) put them consecutively in doc `local`."""
    positions = []
    for m in matchers:
        if m.is_active() and m.id() < local:
            m.skip_to(local)
        if not m.is_active() or m.id() != local:
            return False
        positions.append(m.value_as("positions"))
    rest = [set(p) for p in positions[1:]]
    return any(all(p + i + 1 in ps for i, ps in enumerate(rest)) for p in positions[0])


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
        if _unranked(ranked) and sort == "relevance":
            sort = "newest"  # browsing, or only bounded wildcards (scored alike): newest first
        if total and sort != "relevance":
            hits = self._in_date_order(searcher, lease, facets, ranked, final, sort, page, per_page)
        elif total:
            kwargs: dict = {}
            if region != facets.all_docs or final != qmask:
                if _coord_scored(ranked):
                    kwargs["filter"] = set(docnums(final))  # see _coord_scored
                else:
                    # Score only the final docs (a `filter=` would score every match, then drop most).
                    ranked = Restricted(ranked, lease.offsets, docnums(final))
            collector = searcher.collector(limit=page * per_page, terms=True, **kwargs)
            try:
                searcher.search_with_collector(ranked, _DeadlineCollector(collector, budget))
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
