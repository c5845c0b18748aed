"""Scoring talk entries against labels, per site: the counts behind every quality figure.

A figure in total can hide a site where the tagger collapses, so each site keeps its own counts
(`Tally`) and the report gives, beside the totals, every figure for the site where it is worst.
Used for the crawled dev sites and for `corpus/pages/` (single real pages from other blogs).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from .models import TalkEntry

TITLE_MATCH = 0.85  # difflib ratio between normalised titles that counts as the same title


def prf(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 1.0
    r = tp / (tp + fn) if tp + fn else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def fold(text: str) -> str:
    """Case, accents, quotes and punctuation folded away: how two spellings of a name or title meet."""
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().casefold()
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def title_found(label: str, entries: Iterable[TalkEntry]) -> bool:
    """Whether some entry carries the labelled title: the same after folding, nearly so, or one
    holding the other whole (an entry title with the speaker's name left in still counts)."""
    want = fold(label)
    if not want:
        return False
    for e in entries:
        got = fold(e.title)
        if got and (got == want or SequenceMatcher(None, got, want).ratio() >= TITLE_MATCH
                    or (len(want) >= 12 and want in got and len(got) <= 2 * len(want))):
            return True
    return False


@dataclass
class Tally:
    """One site's counts. Each pair or triple is summed over its pages; a figure is only reported
    for a site that has something to count for it."""

    company: list[int] = field(default_factory=lambda: [0, 0, 0])  # tp, fp, fn
    topic: list[int] = field(default_factory=lambda: [0, 0, 0])
    speaker: list[int] = field(default_factory=lambda: [0, 0, 0])
    titles: list[int] = field(default_factory=lambda: [0, 0])  # found, labelled
    relevance: list[int] = field(default_factory=lambda: [0, 0])  # right, judged
    split: list[int] = field(default_factory=lambda: [0, 0])  # right count, multi-talk pages

    def add(self, other: Tally) -> None:
        for name in ("company", "topic", "speaker", "titles", "relevance", "split"):
            mine, theirs = getattr(self, name), getattr(other, name)
            for i, v in enumerate(theirs):
                mine[i] += v

    def count_tags(self, entries: list[TalkEntry], companies: Iterable[str], topics: Iterable[str]
                   ) -> tuple[tuple[set[str], set[str]], tuple[set[str], set[str]]]:
        """Company and topic sets of a page against its labels; returns what was wrong, as
        (extra, missed) for companies, then for topics."""
        wrong: list[tuple[set[str], set[str]]] = []
        for name, predicted, truth in (("company", {v for e in entries for v in e.companies}, set(companies)),
                                       ("topic", {v for e in entries for v in e.topics}, set(topics))):
            c = getattr(self, name)
            c[0] += len(predicted & truth)
            c[1] += len(predicted - truth)
            c[2] += len(truth - predicted)
            wrong.append((predicted - truth, truth - predicted))
        return wrong[0], wrong[1]

    def count_talks(self, entries: list[TalkEntry], talks: list[dict]) -> None:
        """Labelled talk titles carried by an entry, and labelled speakers found (by folded name)."""
        for t in talks:
            if t.get("title"):
                self.titles[1] += 1
                self.titles[0] += title_found(t["title"], entries)
        truth = {fold(s) for t in talks for s in t.get("speakers") or [] if fold(s)}
        predicted = {fold(s) for e in entries for s in e.speakers if fold(s)}
        self.speaker[0] += len(predicted & truth)
        self.speaker[1] += len(predicted - truth)
        self.speaker[2] += len(truth - predicted)

    def figures(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for name in ("company", "topic", "speaker"):
            tp, fp, fn = getattr(self, name)
            if tp + fp + fn:
                p, r, f = prf(tp, fp, fn)
                out.update({f"{name}_precision": round(p, 4), f"{name}_recall": round(r, 4), f"{name}_f1": round(f, 4)})
        for name, key in (("titles", "title_accuracy"), ("relevance", "relevance_accuracy"),
                          ("split", "split_accuracy")):
            right, total = getattr(self, name)
            if total:
                out[key] = round(right / total, 4)
        return out


def per_site_figures(tallies: dict[str, Tally], prefix: str = "") -> tuple[dict[str, float], dict[str, dict]]:
    """Totals over every site, and each figure's worst site (`worst_<figure>`), named with `prefix`;
    also every site's own figures."""
    total = Tally()
    for t in tallies.values():
        total.add(t)
    figures = {prefix + k: v for k, v in total.figures().items()}
    sites = {site: t.figures() for site, t in sorted(tallies.items())}
    for name in list(total.figures()):
        values = [(fig[name], site) for site, fig in sites.items() if name in fig]
        if values:
            figures[f"{prefix}worst_{name}"] = min(values)[0]
    return figures, sites
