"""A query's matching documents as a bitset, from cached per-term posting bitsets.

Term postings become bitsets cached per index generation, boolean operators become int
operations, and any other leaf (phrase, range, prefix...) is run by Whoosh only on the
documents still possible, instead of over the whole index.
"""

from __future__ import annotations

from bisect import bisect_left

from whoosh import query as wq
from whoosh.query import Every
from whoosh.reading import TermNotFound

from .bounds import Expansion
from .budget import UNLIMITED, Budget
from .compat import posting_blocks
from .facets import BitsCache, FacetIndex, bitset, docnums
from .readers import Lease
from .restrict import DocSet

TERM_BITS_CACHE = 4096  # per-term posting bitsets kept per generation (~12.5 KB each at 100k)
CHECK_EVERY = 256  # docs between two looks at the clock in per-doc loops

_BOOLEAN = (wq.And, wq.Or, wq.DisjunctionMax, wq.Not, wq.AndNot, wq.AndMaybe)


def matches_all(q) -> bool:
    """Every() matches every doc; Every(field) only docs with that field, so Whoosh runs it."""
    return isinstance(q, Every) and q.fieldname in (None, "", "*")


def _terms_only(q) -> bool:
    """Whether q is built from terms with boolean operators only (cheap from cached bitsets)."""
    if isinstance(q, wq.Term) or matches_all(q):
        return True
    if isinstance(q, Expansion):
        return _terms_only(q.child)
    if isinstance(q, _BOOLEAN):
        return all(_terms_only(c) for c in q.children())
    return False


def unranked(q) -> bool:
    """Whether nothing in q has a relevance score: browsing (Every), or only bounded wildcards."""
    leaves = [q] if q.is_leaf() else q.leaves()
    return all(matches_all(leaf) or isinstance(leaf, DocSet) for leaf in leaves)


def coord_scored(q) -> bool:
    """Whether q holds an Or scored by how many of its words match (the "some of the words"
    fallback): measured to score differently under Restricted, so it keeps Whoosh's filter."""
    if isinstance(q, wq.Or) and q.scale:
        return True
    return not q.is_leaf() and any(coord_scored(c) for c in q.children())


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
        if matches_all(q):
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
