"""The hostile-query fuzzer: seeded mixes of query syntax, words, unicode and numbers.

One definition for both places that throw such queries at the search engine:
tests/test_hostile_queries.py (through the web app and the engine, checking what comes back)
and benchmarks/search_bench.py --hostile (timing them; it imports this file by path). Each
passes its own pieces, words and proportions, so the same seed gives each the same queries as
before. Not part of the package: nothing at run time needs it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

WORD_SUFFIXES = ("", "", "*", "?", "~", "~2")  # a word as is (twice as likely), as a prefix, wildcard, fuzzy


def hostile_query(
    rng: random.Random,
    pieces: Sequence[str],
    words: Sequence[str],
    *,
    max_parts: int,
    shares: tuple[float, float, float],
    max_chars: int,
    repeats: Sequence[int],
    openers: Sequence[str] = (),
) -> str:
    """One query of 1 to `max_parts` parts joined by spaces, each part drawn by `shares`
    (cumulative): below the first a piece of syntax from `pieces`, below the second a word from
    `words` with one of WORD_SUFFIXES, below the third 1 to `max_chars` characters from U+0020
    to U+2FFF, else a number of up to 40 digits. The whole is repeated a number of times drawn
    from `repeats` and, when `openers` is given, starts with one of them (drawn before the repeat).
    """
    parts = []
    for _ in range(rng.randint(1, max_parts)):
        kind = rng.random()
        if kind < shares[0]:
            parts.append(rng.choice(pieces))
        elif kind < shares[1]:
            parts.append(rng.choice(words) + rng.choice(WORD_SUFFIXES))
        elif kind < shares[2]:
            parts.append("".join(chr(rng.randint(0x20, 0x2FFF)) for _ in range(rng.randint(1, max_chars))))
        else:
            parts.append(str(rng.randint(0, 10 ** rng.randint(1, 40))))
    opener = rng.choice(openers) if openers else ""
    return opener + " ".join(parts) * rng.choice(repeats)
