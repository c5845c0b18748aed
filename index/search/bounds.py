"""What a query's wildcards, prefixes and ranges may cost: each expands to a capped number of words.

Whoosh expands `a*`, `{a TO z}` or `title:*` into every matching word of the lexicon and reads
each word's postings: on a 10k-talk index `*` took 12.6 s and `{a TO z}` 34.9 s. Here, before
anything is read, each such leaf becomes an OR of at most MAX_TERMS_PER_LEAF of its words, the
first ones in the lexicon's (alphabetical) order, found by looking at no more than
MAX_SCANNED_PER_LEAF words; a whole query gets at most MAX_TERMS_PER_QUERY such words. A leaf with
no literal prefix (`*a*`, `?x`, a lone `*`, `title:*`) would have to read the field's whole
lexicon (20k words, ~1 s at 100k talks) to find its words, so it is left out. The response says
what was narrowed or left out, in words a user can act on.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from whoosh import query as wq
from whoosh.query import Every, Query
from whoosh.query.terms import MultiTerm, PatternQuery

from .budget import Budget
from .compat import WrappingQuery, multiterm_words, pattern_prefix, pattern_regex

MAX_TERMS_PER_LEAF = 16  # words one wildcard, prefix or range stands for, in one field
MAX_SCANNED_PER_LEAF = 256  # lexicon words looked at to find them (a pattern may match few)
MAX_TERMS_PER_QUERY = 64  # words all of a query's wildcards, prefixes and ranges stand for
MEMO_MAX = 4096  # leaf expansions kept per index generation (then the memo starts over)
BUDGET_CHECK_EVERY = 32  # lexicon words between two looks at the clock


class Expansion(WrappingQuery):
    """The words a wildcard, prefix or range was bounded to (an OR of Terms). Matched from the
    term bitsets like any OR; ranked as a constant (search.py), as Whoosh ranks a MultiTerm:
    BM25 over an OR of 64 words cost 12 s at 10k talks."""

    def __init__(self, child: Query, typed: str) -> None:
        super().__init__(child)
        self.typed = typed
        self.boost = 1.0  # Whoosh's normalize() reads and sets every subquery's boost

    def _rewrap(self, child: Query) -> Expansion:
        return self.__class__(child, self.typed)


@dataclass
class Bounded:
    """A query whose every multi-word leaf is an OR of known words, and what that changed."""

    query: Query
    notices: list[str] = field(default_factory=list)
    expanded: dict[tuple[str, str], int] = field(default_factory=dict)  # (field, as typed) -> words kept
    narrowed: list[str] = field(default_factory=list)  # as typed: matched more words than kept
    left_out: list[str] = field(default_factory=list)  # as typed: no literal prefix, or over the query cap


def typed(leaf: Query) -> str:
    """A multi-word leaf as the user typed it (without its field), for notices."""
    if isinstance(leaf, Every):
        return "*"
    if isinstance(leaf, wq.Prefix):
        return f"{leaf.text}*"
    if isinstance(leaf, wq.TermRange):
        start, end = leaf.start or "", f" {leaf.end}" if leaf.end else ""
        return f"{'{' if leaf.startexcl else '['}{start} TO{end}{'}' if leaf.endexcl else ']'}"
    return str(getattr(leaf, "text", leaf))


def needs_bounding(q: Query) -> bool:
    """Whether q has a leaf standing for many words (the cheap test before bounding)."""
    leaves = [q] if q.is_leaf() else q.leaves()
    return any(_multi_word(leaf) for leaf in leaves)


def _multi_word(q: Query) -> bool:
    return isinstance(q, MultiTerm) or (isinstance(q, Every) and q.fieldname not in (None, "", "*"))


class Bounder:
    """Bounds one query against one reader (a search's own lease: not shared between threads)."""

    def __init__(self, reader, budget: Budget, memo: dict | None = None) -> None:
        self.reader = reader
        self.budget = budget
        # (field, leaf, cap) -> its words, kept per index generation: a search bounds up to three
        # variants of its query (as typed, typo-corrected, any word) sharing their leaves, and
        # hostile traffic repeats a few patterns (`a*`, `{a TO z}`) in endless mixes.
        self.memo: dict = {} if memo is None else memo
        self.left = MAX_TERMS_PER_QUERY
        self.out = Bounded(wq.NullQuery)
        self._kinds: dict[str, list[str]] = {}  # kind -> leaves as typed, for notices
        self._seen: dict[str, set[str]] = {}  # as typed -> the fields it was searched in

    def bound(self, q: Query) -> Bounded:
        if not needs_bounding(q):
            self.out.query = q
            return self.out
        rewritten = self._rewrite(q).normalize()
        if rewritten is wq.NullQuery and ("left_out" in self._kinds or "over_cap" in self._kinds):
            rewritten = Every()  # nothing but left-out leaves: every talk, and the notice says so
        self.out.query = rewritten
        self.out.notices = self._notices(rewritten)
        return self.out

    def _rewrite(self, q: Query) -> Query:
        if _multi_word(q):
            return self._leaf(q)
        if q.is_leaf():
            return q
        return q.apply(self._rewrite)

    def _leaf(self, leaf: Any) -> Query:  # a MultiTerm (Prefix, Wildcard, Regex, TermRange...): loosely typed in whoosh
        fieldname, shown = leaf.fieldname, typed(leaf)
        self._seen.setdefault(shown, set()).add(fieldname)
        if fieldname not in self.reader.schema:
            return leaf  # Whoosh answers nothing for an unknown field, and quickly
        if isinstance(leaf, Every) or self._prefix(leaf) == "":
            self._note("left_out", shown)
            return wq.NullQuery
        if self.left <= 0:
            self._note("over_cap", shown)
            return wq.NullQuery
        cap = min(MAX_TERMS_PER_LEAF, self.left)
        key = (fieldname, repr(leaf), cap)
        found = self.memo.get(key)
        if found is None:
            found = self._words(leaf, cap)
            if not self.budget.spent:  # a scan cut short by the time limit is not the leaf's answer
                if len(self.memo) >= MEMO_MAX:
                    self.memo.clear()  # bounded; dict operations are atomic between search threads
                self.memo[key] = found
        words, more = found
        self.left -= len(words)
        self.out.expanded[(fieldname, shown)] = len(words)
        if more:
            self._note("narrowed", shown)
        if not words:
            return wq.NullQuery
        from_bytes = self.reader.schema[fieldname].from_bytes
        terms = [wq.Term(fieldname, from_bytes(w), boost=leaf.boost) for w in words]
        return Expansion(terms[0] if len(terms) == 1 else wq.Or(terms), shown)

    @staticmethod
    def _prefix(leaf: Query) -> str | None:
        """The literal start of a pattern ("" when it begins with a wildcard); None for a range."""
        if isinstance(leaf, wq.Prefix):
            return leaf.text
        if isinstance(leaf, PatternQuery):
            return pattern_prefix(leaf)
        return None

    def _words(self, leaf: Any, cap: int) -> tuple[list[bytes], bool]:
        """Up to `cap` of the leaf's words in lexicon order, and whether it has more (or more
        might have been found past the scan limit or the time budget)."""
        prefix = self._prefix(leaf)
        if prefix is not None:
            candidates: Iterable[bytes] = self.reader.expand_prefix(leaf.fieldname, prefix)
            pattern = None if isinstance(leaf, wq.Prefix) else re.compile(pattern_regex(leaf))
        else:  # a range (or another MultiTerm): its own iterator, cut below
            candidates, pattern = multiterm_words(leaf, self.reader), None
        from_bytes = self.reader.schema[leaf.fieldname].from_bytes
        kept: list[bytes] = []
        for i, word in enumerate(islice(candidates, MAX_SCANNED_PER_LEAF + 1)):
            if i == MAX_SCANNED_PER_LEAF or (i % BUDGET_CHECK_EVERY == 0 and self.budget.expired()):
                return kept, True
            if pattern is not None and not pattern.match(from_bytes(word)):
                continue
            if len(kept) == cap:
                return kept, True
            kept.append(word)
        return kept, False

    def _note(self, kind: str, shown: str) -> None:
        if shown not in self._kinds.setdefault(kind, []):
            self._kinds[kind].append(shown)

    def _label(self, shown: str) -> str:
        """As typed, with its field when it was searched in one field only (`title:a*`), shortened."""
        fields = self._seen.get(shown, set())
        label = f"{next(iter(fields))}:{shown}" if len(fields) == 1 else shown
        return label if len(label) <= 24 else label[:20] + "…"

    def _notices(self, rewritten: Query) -> list[str]:
        said: dict[str, str] = {}
        for kind, shown_list in self._kinds.items():
            labels = [self._label(s) for s in shown_list]
            (self.out.narrowed if kind == "narrowed" else self.out.left_out).extend(labels)
            said[kind] = ", ".join(f"“{label}”" for label in labels)
        one = {kind: len(shown) == 1 for kind, shown in self._kinds.items()}
        notices = []
        if "narrowed" in said:
            notices.append(f"The query was narrowed: {said['narrowed']} {'matches' if one['narrowed'] else 'match'} "
                           f"more than {MAX_TERMS_PER_LEAF} words of a field; only the first {MAX_TERMS_PER_LEAF} "
                           "(alphabetically) were searched.")
        if "over_cap" in said:
            notices.append(f"The query was narrowed: its wildcards and ranges match more than {MAX_TERMS_PER_QUERY} "
                           f"words in all; only the first {MAX_TERMS_PER_QUERY} were searched, and {said['over_cap']} "
                           f"{'was' if one['over_cap'] else 'were'} left out in some or all fields.")
        if "left_out" in said:
            everything = " Showing every talk." if isinstance(rewritten, Every) and rewritten.fieldname is None else ""
            notices.append(f"The query was narrowed: {said['left_out']} {'starts' if one['left_out'] else 'start'} "
                           "with a wildcard, which would mean reading every word of the index, so "
                           f"{'it was' if one['left_out'] else 'they were'} left out.{everything}")
        return notices


def bound(q: Query, reader, budget: Budget, memo: dict | None = None) -> Bounded:
    """`q` with each wildcard, prefix and range leaf replaced by an OR of at most a capped number of
    its words, and leaves that cannot be bounded (no literal prefix) left out. `memo`: shared by the
    bounding of several queries against the same reader."""
    return Bounder(reader, budget, memo).bound(q)
