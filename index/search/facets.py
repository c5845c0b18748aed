"""Facet counting from per-value document bitsets, built once per index generation.

Whoosh's `groupedby` rebuilds per-document value lists on every search, which costs seconds at
10k documents. Here every facet value owns a Python int used as a bitset of document numbers;
a query's matches become one more bitset, and a count is `(a & b).bit_count()`. Selections are
OR within a facet and AND across facets; each facet's counts use every filter but its own
(disjunctive faceting), so selecting Uber still shows how many talks Google has.

Facets with many values (speakers: ~20k at 100k talks) are kept sparse instead: one bitset per
value would cost 20k `&`s per search and gigabytes of ints. Their counts scan the matched docs'
value ids, and the bitsets of values used as filters are built on demand and cached.
"""

from __future__ import annotations

import threading
from array import array
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable
from itertools import chain

from srefind.facet_table import FACET_BY_NAME, FACETS
from srefind.models import FacetValue

from .schema import VIEWS

DENSE_MAX_VALUES = 512  # above this, a facet is counted per matched doc instead of per value
VALUE_BITS_CACHE = 256  # sparse values' bitsets kept for filters

_BYTE_BITS = [tuple(i for i in range(8) if b >> i & 1) for b in range(256)]  # set bits per byte


class BitsCache:
    """A small thread-safe LRU of bitsets, computed outside the lock (two threads may compute one twice)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[object, int] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: object, compute: Callable[[], int]) -> int:
        with self._lock:
            bits = self._items.get(key)
            if bits is not None:
                self._items.move_to_end(key)
                return bits
        bits = compute()
        with self._lock:
            self._items[key] = bits
            if len(self._items) > self.size:
                self._items.popitem(last=False)
        return bits


def bitset(docnums: Iterable[int], size: int) -> int:
    """An int with bit d set for each d: via a bytearray, linear rather than quadratic."""
    buf = bytearray((size + 8) // 8)
    for d in docnums:
        buf[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(buf, "little")


def docnums(bits: int) -> list[int]:
    """The set bits of `bits`, in order: a byte at a time through a table, not a bit at a time."""
    out: list[int] = []
    extend = out.extend
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    for i, byte in enumerate(data):
        if byte:
            base = i << 3
            extend([base + p for p in _BYTE_BITS[byte]])
    return out


def facet_values(stored: dict, name: str) -> list[str]:
    """A document's values of one facet, from its stored fields (as store.py wrote them)."""
    raw = stored.get(name)
    if raw is None or raw == "" or raw == 0:
        return []
    if FACET_BY_NAME[name].storage == "many":
        return [v for v in str(raw).split(",") if v]
    return [str(raw)]


class FacetIndex:
    """Per-value bitsets (or, for facets with many values, per-doc value ids) for one generation."""

    def __init__(self, searcher) -> None:
        reader = searcher.reader()
        self.size = reader.doc_count_all()
        live: list[int] = []
        dates: dict[int, str] = {}
        in_view: dict[str, list[int]] = {v: [] for v in VIEWS}
        per_value: dict[str, dict[str, list[int]]] = {f: {} for f in FACETS}
        for docnum, stored in reader.iter_docs():
            live.append(docnum)
            dates[docnum] = stored.get("date", "")
            for v in (stored.get("view") or " ".join(VIEWS)).split():  # an older index: in every list
                in_view.setdefault(v, []).append(docnum)
            for f in FACETS:
                for v in facet_values(stored, f):
                    per_value[f].setdefault(v, []).append(docnum)
        self.all_docs = bitset(live, self.size)
        self.views = {v: bitset(ds, self.size) for v, ds in in_view.items()}  # result list -> its docs
        self.views["all"] = self.all_docs
        # Live docs by date, oldest first, ties by document number: browsing pages through this
        # instead of sorting every doc on each search (0.4 s at 100k talks). `newest` is its exact
        # reverse, which is the order Whoosh's sortedby="date", reverse=True gives.
        self.oldest = sorted(live, key=dates.__getitem__)
        self.newest = self.oldest[::-1]
        self.values: dict[str, dict[str, int]] = {}  # dense facets: value -> bitset
        self.sparse: dict[str, dict[str, array]] = {}  # sparse facets: value -> docnums
        self.doc_values: dict[str, list[tuple[str, ...]]] = {}  # sparse facets: docnum -> values
        self.rank: dict[str, dict[str, int]] = {}  # sparse facets: value -> first-seen order
        for f in FACETS:
            if len(per_value[f]) <= DENSE_MAX_VALUES:
                self.values[f] = {v: bitset(ds, self.size) for v, ds in per_value[f].items()}
            else:
                self._add_sparse(f, per_value[f])
        self._bits_cache = BitsCache(VALUE_BITS_CACHE)  # one FacetIndex serves every request thread

    def _add_sparse(self, f: str, per_value: dict[str, list[int]]) -> None:
        self.sparse[f] = {v: array("i", ds) for v, ds in per_value.items()}
        self.rank[f] = {v: i for i, v in enumerate(per_value)}  # rows in the dense facets' order
        by_doc: list[tuple[str, ...]] = [()] * self.size
        for v, ds in per_value.items():
            for d in ds:
                by_doc[d] = by_doc[d] + (v,)
        self.doc_values[f] = by_doc

    def value_bits(self, f: str, v: str) -> int:
        """The docs holding value v of facet f (0 for an unknown facet or value)."""
        if f not in self.sparse:
            return self.values.get(f, {}).get(v, 0)
        return self._bits_cache.get((f, v), lambda: bitset(self.sparse[f].get(v, ()), self.size))

    def selection_mask(self, filters: dict[str, list[str]], skip: str | None = None) -> int:
        """AND across facets of (OR within a facet of the selected values); `skip` leaves one out."""
        mask = self.all_docs
        for f, selected in filters.items():
            if f == skip or not selected:
                continue
            either = 0
            for v in selected:
                either |= self.value_bits(f, v)
            mask &= either
        return mask

    def needed_region(self, filters: dict[str, list[str]]) -> int:
        """The docs whose query match can matter: facet f's counts use every filter but f's, so
        only docs passing all active filters but at most one are ever looked at."""
        active = [f for f, vs in filters.items() if vs]
        if len(active) < 2:
            return self.all_docs
        masks = {f: self.selection_mask({f: filters[f]}) for f in active}
        region = 0
        for skip in active:
            m = self.all_docs
            for f in active:
                if f != skip:
                    m &= masks[f]
            region |= m
        return region

    def _dense_rows(self, f: str, base: int, selected: set[str]) -> list[FacetValue]:
        rows = []
        for v, bits in self.values.get(f, {}).items():
            n = (base & bits).bit_count()
            if n or v in selected:
                rows.append(FacetValue(v, n, v in selected))
        return rows

    def _sparse_rows(self, f: str, base: int, selected: set[str]) -> list[FacetValue]:
        by_doc = self.doc_values[f]
        counter = Counter(chain.from_iterable(by_doc[d] for d in docnums(base)))
        rank = self.rank[f]
        shown = sorted(set(counter) | (selected & rank.keys()), key=rank.__getitem__)
        return [FacetValue(v, counter.get(v, 0), v in selected) for v in shown]

    def counts(
        self, query_mask: int, filters: dict[str, list[str]], fields: Iterable[str] = FACETS, limit: int = 0
    ) -> dict[str, list[FacetValue]]:
        out: dict[str, list[FacetValue]] = {}
        for f in fields:
            base = query_mask & self.selection_mask(filters, skip=f)
            selected = set(filters.get(f, []))
            if f in self.sparse:
                rows = self._sparse_rows(f, base, selected)
            else:
                rows = self._dense_rows(f, base, selected)
            for v in selected - {r.value for r in rows}:
                rows.append(FacetValue(v, 0, True))  # a selected value is listed even at zero
            order = FACET_BY_NAME[f].order
            rows.sort(key=lambda r: order(r.value, r.count))
            if limit:
                rows = [r for r in rows[:limit]] + [r for r in rows[limit:] if r.selected]
            out[f] = rows
        return out
