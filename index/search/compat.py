"""Where srefind reaches into whoosh3's private parts, in one place, each with why.

whoosh3 is pinned (pyproject.toml); `make check-whoosh-latest` runs the index and search tests
against its newest release before the pin is raised. Everything here has a plain fallback or a
test that fails loudly if whoosh changes underneath it.

The rule: the other modules of this package import from whoosh only what `PUBLIC_WHOOSH` lists
(its documented API); every other whoosh name they need is imported here, re-exported through
`__all__` and imported from here. Private attributes of whoosh objects are read through the small
functions below. tests/test_index_writer.py checks the imports (not the attributes) with `ast`.

Left where they are, because whoosh calls them by name: the private hooks srefind's subclasses
override, SegmentWriter._flush_segment (bulkwrite.BulkWriter), SegmentWriter._commit_toc
(merges.ConcurrentWriter) and WrappingQuery._rewrap (bounds.Expansion, restrict.Restricted).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

# The segment format, which bulkwrite.py writes and reads itself, byte for byte as whoosh does
# (tests/test_index_writer.py compares the files with whoosh's own writer's).
from whoosh.codec.whoosh3 import (
    COMPRESSION_MIN_SIZE,  # a block this long or longer is zlib'd, as W3PostingsWriter decides
    WHOOSH3_HEADER_MAGIC,  # the tag before each term's postings: written, and checked on reading
    W3Codec,  # merges.py subclasses it to name a merge's segment before the merge starts
    W3LeafMatcher,  # posting_blocks / decoded_blocks read its decoded blocks whole
    W3Segment,  # merges.py: a running merge's segment, named to keep its files from clean-up
    W3TermInfo,  # its struct is the fixed part of a term-table row (terminfo_struct)
)
from whoosh.collectors import WrappingCollector  # restrict.DeadlineCollector wraps the ranking collector
from whoosh.columns import TranslatingColumnReader  # bulkwrite: merges copy a sort column's raw values
from whoosh.filedb.filetables import _lengths  # struct of a term-table row's key and value lengths
from whoosh.index import (
    TOC,  # store.py and merges.py write a TOC themselves; readers.py reads one by generation number
    FileIndex,  # open_segments_reader: a reader over a generation's segment list, kept in hand
    clean_files,  # merges.ConcurrentWriter._commit_toc removes old files, keeping a running merge's
)
from whoosh.matching import (  # restrict.py's doc-set matchers subclass these to turn quality pruning off
    IntersectionMatcher,
    ListMatcher,
    NullMatcher,
)
from whoosh.query.wrappers import WrappingQuery  # bounds.Expansion and restrict.Restricted wrap a query
from whoosh.reading import (
    CorruptIndexError,  # bulkwrite raises it, as whoosh does, on a postings block with a bad tag
    SegmentReader,  # bulkwrite merges and store.py reads one segment without opening the index
)
from whoosh.system import (  # the struct helpers whoosh's files are written with
    _LONG_SIZE,  # bytes of a packed long: a term info's postings offset
    pack_int,
    pack_long,
    pack_ushort,
    unpack_int,
    unpack_long,
)
from whoosh.util.numeric import length_to_byte  # the one-byte field lengths of block and term infos
from whoosh.writing import (
    IndexingError,  # merges.py fails a commit with it when the forked half of the work fails
    SegmentWriter,  # bulkwrite.BulkWriter (and so merges.ConcurrentWriter) is one
)

__all__ = [
    "COMPRESSION_MIN_SIZE", "PUBLIC_WHOOSH", "TOC", "WHOOSH3_HEADER_MAGIC", "_LONG_SIZE",
    "CorruptIndexError", "FileIndex", "IndexingError", "IntersectionMatcher", "ListMatcher", "NullMatcher",
    "SegmentReader", "SegmentWriter", "TranslatingColumnReader", "W3Codec", "W3LeafMatcher", "W3Segment",
    "W3TermInfo", "WrappingCollector", "WrappingQuery", "_lengths", "clean_files", "length_to_byte", "pack_int",
    "pack_long", "pack_ushort", "unpack_int", "unpack_long",
    # private attributes, behind functions
    "can_copy_blocks", "check_field_names", "check_writer_open", "cleanup_on_error", "close_segment",
    "codec_block_settings", "decoded_blocks", "destroy_temp_storage", "field_writer_files", "finalize_segment",
    "finish_commit", "mark_documents_added", "multiterm_words", "new_segment_id", "open_segments_reader",
    "pattern_prefix", "pattern_regex", "per_document_reader", "posting_blocks", "segment_postings",
    "terminfo_struct", "toc_file_pattern",
]

# whoosh's documented API: what the other modules of this package may import from whoosh itself.
# module -> the names they may import from it (None: any name without a leading underscore).
# `from whoosh import query as wq` counts as importing `query` from "whoosh", and each `wq.Name`
# used as importing Name from "whoosh.query".
PUBLIC_WHOOSH: dict[str, frozenset[str] | None] = {
    "whoosh": frozenset({"analysis", "fields", "formats", "highlight", "index", "qparser", "query", "scoring"}),
    "whoosh.analysis": None,
    "whoosh.analysis.filters": None,
    "whoosh.fields": None,
    "whoosh.filedb.filestore": frozenset({"FileStorage", "RamStorage"}),
    "whoosh.formats": None,
    "whoosh.highlight": None,
    "whoosh.index": frozenset({"EmptyIndexError", "LockError", "create_in", "exists_in", "open_dir"}),
    "whoosh.lang.porter": frozenset({"stem"}),
    "whoosh.qparser": None,
    "whoosh.query": frozenset({
        "And", "AndMaybe", "AndNot", "DateRange", "DisjunctionMax", "Every", "FuzzyTerm", "Not", "NullQuery",
        "NumericRange", "Or", "Ordered", "Otherwise", "Phrase", "Prefix", "Query", "QueryError", "Regex",
        "Require", "Sequence", "Term", "TermRange", "Variations", "Wildcard",
    }),
    "whoosh.query.terms": frozenset({"MultiTerm", "PatternQuery"}),
    "whoosh.reading": frozenset({"TermNotFound"}),
    "whoosh.scoring": None,
    "whoosh.searching": frozenset({"Hit", "Results", "ResultsPage", "Searcher"}),
    "whoosh.support.charset": frozenset({"accent_map"}),
}


# --------------------------------------------------------------------------------------------
# Postings, a block at a time (masks.py, bulkwrite.py)
# --------------------------------------------------------------------------------------------

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


def decoded_blocks(m) -> Iterable[tuple]:
    """(docnums, weights, values) of each stored block of a W3 postings list, decoded whole.

    Why private: a merge (bulkwrite._copy_postings) renumbers whole blocks; going posting by
    posting through the matcher's public methods is what made whoosh's own merge slow. Uses the
    same W3LeafMatcher internals as posting_blocks, plus `_read_weights`/`_read_values` and their
    `_weights`/`_values`. Fallback: a matcher without `_read_ids` (inlined postings come as a
    ListMatcher) is read through its public methods. Test: tests/test_index_writer.py's merges
    must give whoosh's bytes.
    """
    if not hasattr(m, "_read_ids"):  # inlined postings come as a ListMatcher
        while m.is_active():
            yield (m.id(),), (m.weight(),), (m.value(),)
            m.next()
        return
    while m.is_active():
        m._read_ids()
        m._read_weights()
        m._read_values()
        yield m._ids, m._weights, m._values
        m._next_block()


# --------------------------------------------------------------------------------------------
# Writing segments (bulkwrite.py, merges.py). Test for all of these: tests/test_index_writer.py,
# whose indexes must be byte-for-byte what whoosh's SegmentWriter writes.
# --------------------------------------------------------------------------------------------

def terminfo_struct():
    """W3TermInfo's fixed-size struct (`_struct`): the term table rows bulkwrite writes at once
    start with it, as W3TermInfo.to_bytes() writes them."""
    return W3TermInfo._struct


def codec_block_settings(codec) -> tuple[int, int]:
    """(postings per block, zlib level) of a W3Codec (`_blocklimit`, `_compression`): the
    block-wise encoder must cut and compress blocks exactly as W3PostingsWriter would."""
    return codec._blocklimit, codec._compression


def field_writer_files(fw) -> tuple[Any, int, Any]:
    """(postings file, field number, term table writer) of a W3FieldWriter after start_field()
    (`_postfile`, `_fieldid`, `_tindex`): bulkwrite appends a field's encoded postings and its
    term rows in one write each instead of a call per posting. (Its per-term loop then uses the
    term table writer's own attributes, dbfile/index/buckets/hashfn/lastkey, directly.)"""
    return fw._postfile, fw._fieldid, fw._tindex


def per_document_reader(reader):
    """A segment reader's per-document reader (`_perdoc`), or None when it has none: a merge looks
    each field's length reader up once instead of once per document. Fallback (None, or one
    without doc_field_length_reader): whoosh's own SegmentWriter.write_per_doc."""
    return getattr(reader, "_perdoc", None)


def can_copy_blocks(reader) -> bool:
    """Whether `reader` is a segment reader whose terms reader (`_terms`) can be walked item by
    item, so a merge can copy its postings blocks (segment_postings). Fallback (False): whoosh's
    own SegmentWriter.add_reader, a posting at a time."""
    return hasattr(getattr(reader, "_terms", None), "items")


def segment_postings(reader) -> tuple[Any, Any, Any]:
    """(terms reader, postings reader factory, postings file) of a segment reader that
    can_copy_blocks (`_terms`, `_codec.postings_reader`, `_terms._postfile`): a merge reads each
    term's postings bytes straight from the file."""
    terms_reader = reader._terms
    return terms_reader, reader._codec.postings_reader, terms_reader._postfile


def check_writer_open(writer) -> None:
    """SegmentWriter._check_state: IndexingError when the writer is closed (srefind's writers
    replace add_document and commit, which begin with it)."""
    writer._check_state()


def check_field_names(writer, schema, names) -> None:
    """SegmentWriter._check_fields: an unknown field name is an error, as in add_document."""
    writer._check_fields(schema, names)


def mark_documents_added(writer) -> None:
    """Set SegmentWriter's `_added`, as its add_document and add_reader do: without it the commit
    writes no new segment."""
    writer._added = True


def close_segment(writer) -> None:
    """SegmentWriter._close_segment: a commit with no new documents closes the segment it began."""
    writer._close_segment()


def finalize_segment(writer):
    """SegmentWriter._finalize_segment: flush the new segment's files and return the segment
    (a commit puts it in the TOC; a merge process sends it back to its parent)."""
    return writer._finalize_segment()


def cleanup_on_error(writer) -> None:
    """SegmentWriter._cleanup_on_error: a commit that fails releases the lock and the scratch
    storage and closes the writer, as whoosh's own commit does."""
    writer._cleanup_on_error()


def finish_commit(writer) -> None:
    """SegmentWriter._finish: once the TOC is written, drop the scratch storage, release the lock
    and close the writer, as whoosh's own commit does."""
    writer._finish()


def destroy_temp_storage(writer) -> None:
    """Remove a writer's scratch storage (`_tempstorage`): a merge process finishes without a
    commit (its parent commits the segment), so whoosh's _finish never runs there. Test:
    tests/test_index_writer.py's background merges leave no files."""
    writer._tempstorage.destroy()


def new_segment_id() -> str:
    """A fresh random segment id, as whoosh draws them (W3Segment._random_id): a background merge's
    segment is named before it starts, so the parent keeps its files from clean-up."""
    return W3Segment._random_id()


# --------------------------------------------------------------------------------------------
# Reading generations (readers.py). Tests: tests/test_concurrent_readers.py, test_search.py.
# --------------------------------------------------------------------------------------------

def toc_file_pattern(indexname: str):
    """The regex of a TOC file's name, its generation in group 1 (TOC._pattern): the newest
    generation is found from one directory listing, without opening the index."""
    return TOC._pattern(indexname)


def open_segments_reader(storage, schema, segments: list, generation: int):
    """A reader over exactly these segments of a generation (FileIndex._reader), as
    FileIndex.reader() makes one: readers.py keeps the TOC it checked against its manifest
    instead of letting whoosh read the newest TOC again."""
    return FileIndex._reader(storage, schema, segments, generation)


# --------------------------------------------------------------------------------------------
# Wildcards, prefixes and ranges (bounds.py). Tests: tests/test_hostile_queries.py.
# --------------------------------------------------------------------------------------------

def pattern_prefix(leaf) -> str:
    """The literal start of a Wildcard or Regex, as whoosh finds it (PatternQuery._find_prefix):
    bounds.py lists the words under it, and leaves a pattern out when it is ""."""
    return leaf._find_prefix(leaf.text)


def pattern_regex(leaf) -> str:
    """The regular expression a Wildcard or Regex matches words with (PatternQuery._get_pattern),
    so bounds.py keeps exactly the words whoosh would."""
    return leaf._get_pattern()


def multiterm_words(leaf, reader) -> Iterable[bytes]:
    """The words of a range (or another MultiTerm) in lexicon order, lazily (MultiTerm._btexts):
    bounds.py takes only the first few instead of whoosh's whole expansion."""
    return leaf._btexts(reader)
