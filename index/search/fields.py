"""Whoosh field types for talk text whose indexing runs in one loop instead of a filter chain.

Whoosh analyses a value by passing one Token object through five generators (tokenize,
lower-case, fold accents, drop stop words, stem); at 10k entries that was 40% of the build.
`StemmedText.index()` does the same steps in a single pass and yields byte-for-byte the same
postings (tests/test_index_fields.py compares them with Whoosh's own chain), while queries,
highlighting and phrase matching keep using the ordinary analyzer.

`Vocabulary` holds the unstemmed words that typo correction suggests from: each distinct word
once per entry, existence only, no stop words, so it costs a fraction of a text field.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from typing import Any

from whoosh import formats
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.analysis.filters import STOP_WORDS
from whoosh.fields import TEXT, FieldType
from whoosh.lang.porter import stem
from whoosh.support.charset import accent_map

# RegexTokenizer's default expression, with its group made non-capturing.
WORD = re.compile(r"[\w\*]+(?:\.?[\w\*]+)*")
TOKEN_CACHE_LIMIT = 200_000
VOCABULARY_MIN_LENGTH = 3


def analyzer():
    """Accents are folded before stemming, so "résumé" and "resume" stem alike."""
    return (RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | StopFilter(minsize=1)
            | StemFilter(stemfn=stem, cachesize=50_000))


def plain_analyzer():
    """Unstemmed, folded words: how a query word is looked up in the vocabulary."""
    return RegexTokenizer() | LowercaseFilter() | CharsetFilter(accent_map)


class _TokenCache(dict):
    """raw token -> what one analysis step makes of it (None: dropped); cleared when full.

    Talk text is Zipfian, so nearly every token is a dictionary hit instead of lower-casing,
    folding, a stop-word test and a Porter stem."""

    def __init__(self, analyse) -> None:
        super().__init__()
        self.analyse = analyse

    def __missing__(self, raw: str) -> str | None:
        if len(self) >= TOKEN_CACHE_LIMIT:
            self.clear()
        got = self[raw] = self.analyse(raw)
        return got


def fold_word(raw: str) -> str:
    """A word as the index keeps it: lower-cased, accents folded ("Gagné" -> "gagne")."""
    return raw.lower().translate(accent_map)  # type: ignore[arg-type]  # whoosh types its code-point map as str keys


def _fold(raw: str) -> str | None:
    w = fold_word(raw)
    return w if w and w not in STOP_WORDS else None


def _stem_of(raw: str) -> str | None:
    w = _fold(raw)
    return stem(w) if w else None


def _vocabulary_word(raw: str) -> str | None:
    w = _fold(raw)
    return w if w and len(w) >= VOCABULARY_MIN_LENGTH and w.isalpha() else None


_STEMS = _TokenCache(_stem_of)
_VOCABULARY = _TokenCache(_vocabulary_word)


def stemmed_positions(text: str) -> dict[str, list[int]]:
    """Stem -> positions, numbered as Whoosh's StopFilter renumbers them: the first kept
    token keeps its place, the ones after it follow on without gaps."""
    out: dict[str, list[int]] = {}
    stems = _STEMS
    pos = -1
    for i, raw in enumerate(WORD.findall(text)):
        s = stems[raw]
        if s is None:
            continue
        pos = i if pos < 0 else pos + 1
        got = out.get(s)
        if got is None:
            out[s] = [pos]
        else:
            got.append(pos)
    return out


_single_position: dict[int, bytes] = {}


def _encode_positions(fmt: formats.Positions, positions: list[int]) -> bytes:
    """fmt.encode(positions), memoised for the commonest case, a word seen once."""
    if len(positions) > 1:
        return fmt.encode(positions)
    p = positions[0]
    b = _single_position.get(p)
    if b is None:
        b = _single_position[p] = fmt.encode(positions)
    return b


class StemmedText(TEXT):
    """TEXT with `analyzer()`; indexes strings through `stemmed_positions` (same postings)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("analyzer", analyzer())
        super().__init__(**kwargs)

    def index(self, value: Any, **kwargs: Any) -> Generator[tuple[bytes, int, float, bytes], Any, None]:
        fmt = self.format
        if kwargs or not isinstance(value, str) or type(fmt) is not formats.Positions:
            yield from super().index(value, **kwargs)
            return
        fb = fmt.field_boost
        for word, positions in stemmed_positions(value).items():
            yield word.encode("utf-8"), len(positions), float(len(positions)) * fb, _encode_positions(fmt, positions)


def vocabulary_words(text: str) -> set[str]:
    """The words typo correction may suggest: folded, alphabetic, 3+ letters, not stop words."""
    words = set(map(_VOCABULARY.__getitem__, WORD.findall(text)))
    words.discard(None)
    return words


class Vocabulary(FieldType):
    """Unstemmed distinct words of an entry, for did-you-mean and fuzzy retries; not scored."""

    def __init__(self) -> None:
        super().__init__(formats.Existence(), plain_analyzer())

    def index(self, value: Any, **kwargs: Any) -> Generator[tuple[bytes, int, float, bytes], Any, None]:
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not a string")
        assert self.format is not None  # set in __init__
        fb = self.format.field_boost
        for word in vocabulary_words(value):
            yield word.encode("utf-8"), 1, fb, b""
