"""Facet counting from per-value document bitsets, built once per index generation.

Whoosh's `groupedby` rebuilds per-document value lists on every search, which costs seconds at
10k documents. Here every facet value owns a Python int used as a bitset of document numbers;
a query's matches become one more bitset, and a count is `(a & b).bit_count()`. Selections are
OR within a facet and AND across facets; each facet's counts use every filter but its own
(disjunctive faceting), so selecting Uber still shows how many talks Google has.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from .schema import FACETS


def bitset(docnums: Iterable[int], size: int) -> int:
    """An int with bit d set for each d: via a bytearray, linear rather than quadratic."""
    buf = bytearray((size + 8) // 8)
    for d in docnums:
        buf[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(buf, "little")


def docnums(bits: int) -> list[int]:
    """The set bits of `bits`, in order."""
    out: list[int] = []
    data = bits.to_bytes((bits.bit_length() + 7) // 8, "little")
    for i, byte in enumerate(data):
        while byte:
            low = byte & -byte
            out.append(i * 8 + low.bit_length() - 1)
            byte ^= low
    return out


def facet_values(stored: dict, field: str) -> list[str]:
    raw = stored.get(field)
    if raw is None or raw == "" or raw == 0:
        return []
    if field == "year":
        return [str(raw)]
    if field in ("conference", "site"):
        return [str(raw)]
    return [v for v in str(raw).split(",") if v]


@dataclass
class FacetValue:
    value: str
    count: int
    selected: bool = False


class FacetIndex:
    """Per-value bitsets for one searcher generation."""

    def __init__(self, searcher) -> None:
        reader = searcher.reader()
        self.size = reader.doc_count_all()
        self.values: dict[str, dict[str, int]] = {f: {} for f in FACETS}
        self.all_docs = 0
        live: list[int] = []
        per_value: dict[str, dict[str, list[int]]] = {f: {} for f in FACETS}
        for docnum, stored in reader.iter_docs():
            live.append(docnum)
            for f in FACETS:
                for v in facet_values(stored, f):
                    per_value[f].setdefault(v, []).append(docnum)
        self.all_docs = bitset(live, self.size)
        for f in FACETS:
            self.values[f] = {v: bitset(ds, self.size) for v, ds in per_value[f].items()}

    def selection_mask(self, filters: dict[str, list[str]], skip: str | None = None) -> int:
        """AND across facets of (OR within a facet of the selected values); `skip` leaves one out."""
        mask = self.all_docs
        for f, selected in filters.items():
            if f == skip or not selected:
                continue
            either = 0
            for v in selected:
                either |= self.values.get(f, {}).get(v, 0)
            mask &= either
        return mask

    def counts(
        self, query_mask: int, filters: dict[str, list[str]], fields: Iterable[str] = FACETS, limit: int = 0
    ) -> dict[str, list[FacetValue]]:
        out: dict[str, list[FacetValue]] = {}
        for f in fields:
            base = query_mask & self.selection_mask(filters, skip=f)
            selected = set(filters.get(f, []))
            rows = []
            for v, bits in self.values.get(f, {}).items():
                n = (base & bits).bit_count()
                if n or v in selected:
                    rows.append(FacetValue(v, n, v in selected))
            for v in selected - {r.value for r in rows}:
                rows.append(FacetValue(v, 0, True))  # a selected value is listed even at zero
            if f == "year":
                rows.sort(key=lambda r: (-r.count, -int(r.value) if r.value.isdigit() else 0))
            else:
                rows.sort(key=lambda r: (-r.count, r.value.lower()))
            if limit:
                rows = [r for r in rows[:limit]] + [r for r in rows[limit:] if r.selected]
            out[f] = rows
        return out
