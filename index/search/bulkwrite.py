"""A Whoosh segment writer that writes postings a term at a time, and merges by copying blocks.

Whoosh's SegmentWriter pushes every posting through a generic sorting pool and then through
`FieldWriter.add_postings` one call at a time (out-of-order checks, a length lookup from disk,
type asserts); merging a segment decodes every posting and re-sorts it, spilling pickled runs
to disk past 128 MB. Measured at 10k entries, the commit was 55% of the build and merging a
segment cost 1.6x what indexing it had.

`BulkWriter` keeps the segment format exactly: postings are filed by term as they are added
(document numbers only grow, so each term's list is already in order), each term's list is cut
into the codec's blocks and encoded as W3PostingsWriter would, the term table rows are written
at once, and a merge decodes the source segment's blocks whole, renumbers the documents and
appends them. tests/test_index_writer.py checks the files are byte-for-byte what Whoosh's writer
produces, for new documents, merges and merges of segments with deletions.

Blocks are compressed with a small-window zlib stream (same sizes, a fraction of the set-up
cost; `exact_zlib=True` uses zlib.compress as Whoosh does). When and what to merge: merges.py.
"""

from __future__ import annotations

import pickle
import zlib
from array import array
from collections import defaultdict
from collections.abc import Iterable
from io import BytesIO
from itertools import accumulate
from pickle import dumps
from typing import Any

from .compat import (
    _LONG_SIZE,
    COMPRESSION_MIN_SIZE,
    WHOOSH3_HEADER_MAGIC,
    CorruptIndexError,
    SegmentReader,
    SegmentWriter,
    TranslatingColumnReader,
    can_copy_blocks,
    check_field_names,
    check_writer_open,
    codec_block_settings,
    decoded_blocks,
    field_writer_files,
    length_to_byte,
    mark_documents_added,
    pack_int,
    pack_long,
    pack_ushort,
    per_document_reader,
    segment_postings,
    terminfo_struct,
    unpack_int,
    unpack_long,
)
from .compat import _lengths as _ROW_LENGTHS
from .fields import StemmedText, Vocabulary

_TERMINFO = terminfo_struct()
_INFO_SIZE = _TERMINFO.size


class TermPool:
    """Postings of the segment being written: field -> term -> one flat list
    [docnum, weight, value, docnum, weight, value, ...] in arrival order, which is document
    order. Flat, because one `+=` per posting is the cheapest way to file it (2.4x faster than
    three appends); `columns()` splits a list back with C-level slices."""

    def __init__(self) -> None:
        self.fields: dict[str, defaultdict[bytes, list]] = {}

    @property
    def fieldnames(self) -> set[str]:
        return set(self.fields)

    def terms(self, fieldname: str) -> defaultdict[bytes, list]:
        got = self.fields.get(fieldname)
        if got is None:
            got = self.fields[fieldname] = defaultdict(list)
        return got

    @staticmethod
    def columns(flat: list) -> tuple[list, list, list]:
        """(docnums, weights, values) of a term's flat list."""
        return flat[0::3], flat[1::3], flat[2::3]

    @staticmethod
    def interleave(ids, weights, values) -> list:
        flat = [None] * (3 * len(ids))
        flat[0::3], flat[1::3], flat[2::3] = ids, weights, values
        return flat

    def add(self, item: tuple) -> None:
        """Whoosh's pool interface: item is (fieldname, btext, docnum, weight, vbytes)."""
        self.terms(item[0])[item[1]] += item[2:]

    def iter_postings(self) -> Iterable[tuple]:
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            for btext in sorted(terms):
                for docnum, weight, vbytes in zip(*self.columns(terms[btext])):
                    yield fieldname, btext, docnum, weight, vbytes

    def absorb(self, fields: dict, offset: int) -> None:
        """Append another pool's postings (documents numbered from 0) after this pool's documents."""
        for fieldname, their_terms in fields.items():
            terms = self.terms(fieldname)
            for btext, flat in their_terms.items():
                flat[0::3] = [d + offset for d in flat[0::3]]
                terms[btext] += flat

    def save(self) -> None:
        """Nothing to spill: a crawl commits every few hundred pages."""

    def cleanup(self) -> None:
        self.fields = {}


_FUSED = (StemmedText, Vocabulary)
SMALL_VALUE_CACHE = 50_000
# (field definition, value) -> its postings, for the short string values of ID and KEYWORD fields:
# analysing "SREcon18 Americas" or "Google" through Whoosh's generator chain once is enough.
_small_values: dict[tuple[bytes, str], list] = {}
_signatures: dict[int, tuple[object, bytes]] = {}


def _signature(field) -> bytes:
    """The field's full definition (analyzer included) as bytes, computed once per field object."""
    got = _signatures.get(id(field))
    if got is None or got[0] is not field:
        if len(_signatures) > 1_000:
            _signatures.clear()
        got = _signatures[id(field)] = (field, pickle.dumps(field))
    return got[1]


def _field_names(fields: dict) -> list[str]:
    return sorted(name for name in fields if not name.startswith("_"))


def analyse_document(pool: TermPool, schema, fields: dict, docnum: int) -> dict[str, int]:
    """Pool one document's postings (as SegmentWriter.add_document does); its field lengths."""
    docboost = float(fields.get("_boost", 1.0))
    lengths: dict[str, int] = {}
    for fieldname in _field_names(fields):
        value = fields.get(fieldname)
        if value is None:
            continue
        field = schema[fieldname]
        if not field.indexed:
            continue
        fieldboost = float(fields.get(f"_{fieldname}_boost", docboost))
        length = 0
        terms = pool.terms(fieldname)
        if isinstance(value, str) and len(value) <= 200 and not isinstance(field, _FUSED):
            key = (_signature(field), value)  # facet values repeat; ids are tiny
            items = _small_values.get(key)
            if items is None:
                if len(_small_values) >= SMALL_VALUE_CACHE:
                    _small_values.clear()
                items = _small_values[key] = list(field.index(value))
        else:
            items = field.index(value)
        for tbytes, freq, weight, vbytes in items:
            length += freq
            terms[tbytes] += (docnum, weight * fieldboost, vbytes)
        lengths[fieldname] = length if field.scorable else 0
    return lengths


class BulkWriter(SegmentWriter):
    """SegmentWriter with the term-grouped pool, block-wise postings writing and block-copy merges."""

    def __init__(self, ix, exact_zlib: bool = False, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        self.exact_zlib = exact_zlib  # True: compress blocks exactly as Whoosh does (byte-identical files)
        self.pool = TermPool()
        # Term vectors and separate spelling words take Whoosh's own path (srefind uses neither).
        self._plain = not any(f.vector or f.separate_spelling() for _, f in self.schema.items())

    def merge_segment(self, segment) -> None:
        reader = SegmentReader(self.storage, self.schema, segment)
        try:
            self.add_reader(reader)
        finally:
            reader.close()

    def add_document(self, **fields: Any) -> None:
        """SegmentWriter.add_document, with each field's postings added straight to their terms."""
        if not self._plain:
            return super().add_document(**fields)
        check_writer_open(self)
        check_field_names(self, self.schema, _field_names(fields))
        self.perdocwriter.start_doc(self.docnum)
        try:
            lengths = analyse_document(self.pool, self.schema, fields, self.docnum)
            self._write_doc(fields, lengths)
        except ValueError:
            self.perdocwriter.cancel_doc()
            raise
        self.perdocwriter.finish_doc()
        mark_documents_added(self)
        self.docnum += 1

    def add_analysed(self, fields: dict, lengths: dict[str, int]) -> None:
        """Add a document whose postings were pooled elsewhere (see TermPool.absorb)."""
        check_writer_open(self)
        self.perdocwriter.start_doc(self.docnum)
        self._write_doc(fields, lengths)
        self.perdocwriter.finish_doc()
        mark_documents_added(self)
        self.docnum += 1

    def _write_doc(self, fields: dict, lengths: dict[str, int]) -> None:
        """The per-document part of add_document: stored values, field lengths, sort columns."""
        perdocwriter = self.perdocwriter
        schema = self.schema
        for fieldname in _field_names(fields):
            value = fields.get(fieldname)
            if value is None:
                continue
            field = schema[fieldname]
            stored = fields.get(f"_stored_{fieldname}", value)
            perdocwriter.add_field(fieldname, field, stored if field.stored else None, lengths.get(fieldname, 0))
            if field.column_type and stored is not None:
                perdocwriter.add_column_value(fieldname, field.column_type, field.to_column_value(stored))

    def write_per_doc(self, fieldnames, reader):
        """SegmentWriter.write_per_doc with each field's length reader looked up once, not per
        document (Whoosh's per-document lookup stats a file for every field without lengths)."""
        perdoc = per_document_reader(reader)
        if not self._plain or perdoc is None or not hasattr(perdoc, "doc_field_length_reader"):
            return super().write_per_doc(fieldnames, reader)
        schema = self.schema
        docmap = {} if reader.has_deletions() else None
        pdw = self.perdocwriter
        columns = {}
        for fieldname in fieldnames:
            coltype = schema[fieldname].column_type
            if coltype and reader.has_column(fieldname):
                creader = reader.column_reader(fieldname, coltype)
                if isinstance(creader, TranslatingColumnReader):
                    creader = creader.raw_column()
                columns[fieldname] = creader
        lengths = {f: perdoc.doc_field_length_reader(f) for f in fieldnames}
        for docnum, stored in reader.iter_docs():
            if docmap is not None:
                docmap[docnum] = self.docnum
            pdw.start_doc(self.docnum)
            # the very set Whoosh iterates (a union made anew for each document): a set's iteration order
            # depends on how it was built, and the stored fields are written in that order
            names = fieldnames | {s for s in stored if s in schema}
            for fieldname in names:
                length = lengths[fieldname](docnum) if fieldname in lengths else reader.doc_field_length(docnum, fieldname)
                pdw.add_field(fieldname, schema[fieldname], stored.get(fieldname), length)
                if fieldname in columns:
                    pdw.add_column_value(fieldname, schema[fieldname].column_type, columns[fieldname][docnum])
            pdw.finish_doc()
            self.docnum += 1
        return docmap

    def add_reader(self, reader) -> None:
        """Merge a segment: whole blocks at a time from a W3 segment, else Whoosh's own way."""
        if not can_copy_blocks(reader):
            return super().add_reader(reader)  # per posting, into self.pool via TermPool.add
        check_writer_open(self)
        basedoc = self.docnum
        indexed = {f for f in reader.indexed_field_names() if f in self.schema}
        docmap = self.write_per_doc(set(self.schema.names()) | indexed, reader)
        _copy_postings(reader, self.pool, self.schema, basedoc, docmap)
        mark_documents_added(self)

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        try:
            fieldnames = sorted(f for f, terms in self.pool.fields.items() if terms)  # as Whoosh: no empty fields
            lengths = {f: _field_lengths(pdr, f, self.docnum) for f in fieldnames}
            encoded = self._encode_fields(fieldnames, lengths)
            for fieldname in fieldnames:
                _write_field(self.fieldwriter, fieldname, self.schema[fieldname], encoded[fieldname])
        finally:
            self.fieldwriter.close()
            if pdr:
                pdr.close()

    def _encode_fields(self, fieldnames: list[str], lengths: dict[str, list]) -> dict[str, tuple]:
        """field -> (postings bytes, [(term, term info bytes, offset relative to those bytes)])."""
        return {f: encode_field(self.pool.fields[f], self.schema[f].format, lengths[f], self.codec,
                                self.exact_zlib) for f in fieldnames}


def _field_lengths(pdr, fieldname: str, doccount: int) -> list:
    """Each document's length of the field, as FieldWriter.add_postings looks them up."""
    if pdr is None:
        return [0] * doccount
    dfl = pdr.doc_field_length_reader(fieldname)
    return [dfl(d) for d in range(doccount)]


def _small_window_compress(data: bytes, level: int) -> bytes:
    """zlib with an 8 KB window and a small hash table: blocks are a few KB at most, so the
    output is as small as zlib.compress()'s, but without its ~60 us of set-up per call, which
    was a third of writing a segment. Any zlib reader (Whoosh's among them) inflates it."""
    c = zlib.compressobj(level, zlib.DEFLATED, 13, 5)
    return c.compress(data) + c.flush()


def encode_field(terms: dict, fmt, field_lengths: list, codec, exact_zlib: bool = False) -> tuple[bytes, list]:
    """One field's postings, terms in sorted order, as the bytes Whoosh would write for them."""
    encoder = _TermEncoder(codec, fmt, field_lengths, exact_zlib)
    for btext in sorted(terms):
        encoder.write(btext, *TermPool.columns(terms[btext]))
    return bytes(encoder.out), encoder.entries


def _write_field(fw, fieldname: str, fieldobj, encoded: tuple[bytes, list]) -> None:
    """Append an encoded field to the segment's postings file and its terms to the term table.

    The term table rows are what OrderedHashWriter.add writes, built in memory and written at
    once: its two file.tell() calls per term were a tenth of the whole build."""
    data, entries = encoded
    fw.start_field(fieldname, fieldobj)
    postfile, fieldid, tindex = field_writer_files(fw)
    base = postfile.tell()
    postfile.write(data)
    prefix = pack_ushort(fieldid)
    dbfile = tindex.dbfile
    pos = dbfile.tell()
    rows = bytearray()
    index, buckets, hashfn, lastkey = tindex.index, tindex.buckets, tindex.hashfn, tindex.lastkey
    at = _INFO_SIZE
    for btext, info in entries:
        key = prefix + btext
        if key <= lastkey:
            raise ValueError(f"Keys must increase: {lastkey!r}..{key!r}")
        # W3TermInfo.to_bytes(): fixed struct, then the postings offset (long) and length (int)
        (offset,) = unpack_long(info[at:at + _LONG_SIZE])
        value = info[:at] + pack_long(base + offset) + info[at + _LONG_SIZE:]
        row = _ROW_LENGTHS.pack(len(key), len(value)) + key + value
        index.append(pos)
        h = hashfn(key)
        buckets[h & 255].append((h, pos))
        rows += row
        pos += len(row)
        lastkey = key
    dbfile.write(bytes(rows))
    tindex.lastkey = lastkey
    fw.finish_field()


class _TermEncoder:
    """W3FieldWriter.start_term/add/finish_term and W3PostingsWriter fused into one call per term.

    Produces the same bytes: the block header magic, blocks of `blocklimit` postings (pickled
    delta-encoded ids, minified weights and values, zlib above COMPRESSION_MIN_SIZE), each
    after its pickled info tuple and signed length; and the term's info."""

    def __init__(self, codec, fmt, field_lengths: list, exact_zlib: bool = False) -> None:
        self.out = bytearray()
        self.entries: list[tuple[bytes, bytes]] = []  # (term, term info with a relative offset)
        self.blocklimit, self.compression = codec_block_settings(codec)
        self.compress = zlib.compress if exact_zlib else _small_window_compress
        self.fixedsize = fmt.fixed_value_size()
        self.lengths = field_lengths

    def write(self, btext: bytes, ids: list, weights: list, values: list) -> None:
        out = self.out
        startoffset = len(out)
        out += WHOOSH3_HEADER_MAGIC
        n = len(ids)
        if n == 1:  # the commonest term in a fresh segment (ids, urls, rare words): no lists
            total, minlength, maxlength, maxweight = self._single(ids[0], weights[0], values[0])
        else:
            total, minlength, maxlength, maxweight = 0, None, 0, 0  # W3TermInfo's starting values
            limit = self.blocklimit
            for start in range(0, n, limit):
                end = start + limit
                bw, bmin, bmax, bmaxw = self._block(ids[start:end], weights[start:end], values[start:end],
                                                    last=end >= n)
                total += bw  # W3TermInfo.add_block
                minlength = bmin if minlength is None else min(minlength, bmin)
                maxlength = max(maxlength, bmax)
                maxweight = max(maxweight, bmaxw)
        # W3TermInfo.to_bytes (never inlined; offset relative to `out` until _write_field)
        info = _TERMINFO.pack(False, total, n, 0 if minlength is None else length_to_byte(minlength),
                              length_to_byte(maxlength), maxweight, ids[0], ids[-1])
        self.entries.append((btext, info + pack_long(startoffset) + pack_int(len(out) - startoffset)))

    def _single(self, docnum: int, weight: float, value) -> tuple:
        """_block for a one-posting term, without the lists."""
        w32 = _float32(weight)
        length = self.lengths[docnum]
        minlength, maxlength = (length, length) if length else (None, 0)
        maxweight = weight if weight > 0 else 0
        fixedsize = self.fixedsize
        mini_values: tuple | bytes | None
        if fixedsize is None or fixedsize < 0:
            mini_values = (value,) if value else ()
        elif fixedsize == 0:
            mini_values = None
        else:
            mini_values = value or b""
        databytes = dumps(((docnum,), None if w32 == 1.0 else w32, mini_values), 2)
        self._emit(databytes, 1, docnum, maxweight, minlength, maxlength, last=True)
        return w32, minlength, maxlength, maxweight

    def _block(self, ids: list, weights: list, values: list, last: bool) -> tuple:
        """Write one block; (its weight total, min and max length, max weight) for the term info."""
        ws = array("f", weights)
        top = max(weights)
        maxweight = top if top > 0 else 0
        lens = [x for x in map(self.lengths.__getitem__, ids) if x]
        minlength = min(lens) if lens else None
        maxlength = max(lens) if lens else 0
        # W3PostingsWriter._mini_ids / _mini_weights / _mini_values
        mini_ids = (ids[0], *[b - a for a, b in zip(ids, ids[1:])])
        if all(w == 1.0 for w in ws):
            mini_weights = None
        elif all(w == ws[0] for w in ws):
            mini_weights = ws[0]
        else:
            mini_weights = tuple(ws)
        fixedsize = self.fixedsize
        kept = [v for v in values if v]
        mini_values: tuple | bytes | None
        if fixedsize is None or fixedsize < 0:
            mini_values = tuple(kept)
        elif fixedsize == 0:
            mini_values = None
        else:
            mini_values = b"".join(kept)
        databytes = dumps((mini_ids, mini_weights, mini_values), 2)
        self._emit(databytes, len(ids), ids[-1], maxweight, minlength, maxlength, last)
        return sum(ws), minlength, maxlength, maxweight

    def _emit(self, databytes: bytes, count: int, maxid: int, maxweight, minlength, maxlength, last: bool) -> None:
        """W3PostingsWriter._write_block's output: signed length, pickled info, (zlib'd) data."""
        comp = self.compression if len(databytes) >= COMPRESSION_MIN_SIZE else 0
        if comp:
            databytes = self.compress(databytes, comp)
        infobytes = dumps((count, maxid, maxweight, comp, length_to_byte(minlength), length_to_byte(maxlength)), 2)
        blocklength = len(infobytes) + len(databytes)
        out = self.out
        out += pack_int(-blocklength if last else blocklength)
        out += infobytes
        out += databytes


_float32_of: dict[float, float] = {}


def _float32(x: float) -> float:
    """x as stored in an array("f") (weights are few distinct values: a cache)."""
    got = _float32_of.get(x)
    if got is None:
        if len(_float32_of) > 10_000:
            _float32_of.clear()
        got = _float32_of[x] = array("f", [x])[0]
    return got


def _copy_postings(reader, pool: TermPool, schema, basedoc: int, docmap: dict | None) -> None:
    """Append every live posting of a segment to the pool, renumbered, a whole block at a time."""
    terms_reader, postings_reader, postfile = segment_postings(reader)
    for (fieldname, btext), terminfo in terms_reader.items():
        if fieldname not in schema:
            continue
        terms = pool.terms(fieldname)
        fmt = schema[fieldname].format
        if terminfo.is_inlined():
            blocks = decoded_blocks(postings_reader(postfile, terminfo, fmt))
        else:
            blocks = _stored_blocks(postfile, terminfo, fmt.fixed_value_size())
        for ids, weights, values in blocks:
            if docmap is None:
                ids = [basedoc + d for d in ids]
            else:
                live = [i for i, d in enumerate(ids) if d in docmap]
                if not live:
                    continue
                ids = [docmap[ids[i]] for i in live]
                weights = [weights[i] for i in live]
                values = [values[i] for i in live]
            terms[btext] += TermPool.interleave(ids, weights, values)


def _stored_blocks(postfile, terminfo, fixedsize: int | None) -> Iterable[tuple]:
    """Decode a term's blocks as W3LeafMatcher does, reading the term's bytes in one go.

    Layout (whoosh.codec.whoosh3): magic, then per block a signed length (negative on the
    last block), the pickled info tuple and the pickled (zlib'd when flagged) data tuple."""
    offset, length = terminfo.extent()
    if isinstance(length, tuple):  # W3TermInfo.from_bytes leaves the length as unpack()'s tuple
        length = length[0]
    buf = postfile.get(offset, length)
    if buf[:4] != WHOOSH3_HEADER_MAGIC:
        raise CorruptIndexError(f"bad postings block tag at offset {offset}")
    pos = 4
    while True:
        (size,) = unpack_int(buf[pos:pos + 4])
        pos += 4
        end = pos + abs(size)
        head = BytesIO(buf[pos:end])
        count, _maxid, _maxweight, comp, _minlen, _maxlen = pickle.load(head)
        data = buf[pos + head.tell():end]
        if comp:
            data = zlib.decompress(data)
        mini_ids, mini_weights, mini_values = pickle.loads(data)
        ids = list(accumulate(mini_ids))
        if mini_weights is None:
            weights = [1.0] * count
        elif isinstance(mini_weights, float):
            weights = list(array("f", [mini_weights]) * count)
        else:
            weights = mini_weights
        if fixedsize is None or fixedsize < 0:
            values = mini_values
        elif fixedsize == 0:
            values = [None] * count
        else:
            values = [mini_values[i:i + fixedsize] for i in range(0, len(mini_values), fixedsize)]
        yield ids, weights, values
        if size < 0:
            return
        pos = end
