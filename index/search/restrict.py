"""Restricting a Whoosh query to a fixed set of documents, and stopping a collector on time.

The search computes its final document set as a bitset first (masks.py); these classes let
Whoosh score only those documents, without its quality pruning dropping any (they score 0
on the doc-set side), and let ranking stop at the search's time budget.
"""

from __future__ import annotations

from bisect import bisect_left

from whoosh import query as wq

from .budget import Budget
from .compat import IntersectionMatcher, ListMatcher, NullMatcher, WrappingCollector, WrappingQuery

__all__ = ["DeadlineCollector", "DocSet", "Restricted"]


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


class DeadlineCollector(WrappingCollector):
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
