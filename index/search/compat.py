"""Where srefind reaches into whoosh3's private parts, in one place, each with why.

whoosh3 is pinned (pyproject.toml); `make check-whoosh-latest` runs the index and search tests
against its newest release before the pin is raised. Everything here has a plain fallback or a
test that fails loudly if whoosh changes underneath it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from whoosh.codec.whoosh3 import W3LeafMatcher


def posting_blocks(matcher) -> Iterator[Sequence[int]]:
    """The document ids of a fresh leaf matcher, one posting block at a time.

    Why private: `Matcher.all_ids()` costs four Python method calls per posting (is_active, id,
    next, replace); building a term's document bitset at 100k talks spent most of its time there.
    W3LeafMatcher keeps each block's ids in `_ids` (loaded by `_read_ids`), `_next_block()` moves
    on and `_atend` says it is done. Any other matcher (a term inlined in the terms file) goes
    through `all_ids()`.
    """
    if type(matcher) is not W3LeafMatcher:
        yield list(matcher.all_ids())
        return
    while not matcher._atend:
        if matcher._ids is None:
            matcher._read_ids()
        yield matcher._ids
        matcher._next_block()
