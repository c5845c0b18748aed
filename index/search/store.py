"""Writing the Whoosh index: incremental, by page, safe under a concurrent reader.

Whoosh commits by writing new segment files and then a new table of contents, so a searcher
that is open keeps its generation and a `kill -9` mid-commit leaves the last committed one.
A second writer waits a bounded time for the lock, then says clearly who holds it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError

from srefind.errors import IndexLockedError, IndexUnavailableError
from srefind.facet_table import FACET_TABLE, Facet
from srefind.models import TalkEntry

from .compat import TOC, SegmentReader
from .merges import ConcurrentWriter, merge_running, wait_for_merge
from .readers import INDEX_NAME
from .schema import build_schema, views_of


def open_index(path: Path, *, create: bool = False, generation: int = 0):
    """Open the index at `path` for writing; create it when asked and missing. Clear errors otherwise.

    A new index lives in a directory of its own beside `path`, which is a symlink to it: a
    rebuild (`rebuild.py`) writes the next one and swaps the link, so readers switch at once.
    `generation`: the first generation number of a new index (a rebuild continues the numbering
    of the index it replaces, so readers never see a generation number twice)."""
    if index_exists(path):
        try:
            return whoosh_index.open_dir(str(path), indexname=INDEX_NAME)
        except Exception as exc:  # noqa: BLE001 - an unreadable TOC raises anything from EOFError to KeyError
            raise IndexUnavailableError("damaged", f"the index at {path} cannot be opened ({type(exc).__name__}: {exc})"
                                        ) from None
    if not create:
        raise IndexUnavailableError("missing", f"there is no index at {path}")
    if path.is_symlink() or path.exists():
        # A dangling link, or a directory without a TOC: never written to in place (it may be damaged).
        raise IndexUnavailableError("damaged", f"{path} holds no readable index")
    folder = new_index_dir(path, generation)
    link(path, folder)
    return whoosh_index.open_dir(str(path), indexname=INDEX_NAME)


def new_index_dir(path: Path, generation: int = 0) -> Path:
    """A new, empty index (its first TOC at `generation`) in a directory of its own beside `path`."""
    folder = path.parent / f"{path.name}-{time.strftime('%Y%m%d%H%M%S')}-{os.urandom(3).hex()}"
    folder.mkdir(parents=True)
    TOC(build_schema(), [], generation).write(FileStorage(str(folder)), INDEX_NAME)
    return folder


def link(path: Path, folder: Path) -> None:
    """Point the symlink `path` at `folder` in one atomic rename (readers see the old or the new)."""
    tmp = path.parent / f".{path.name}.link-{os.urandom(3).hex()}"
    os.symlink(folder.name, tmp)
    try:
        os.replace(tmp, path)
    except OSError:
        os.unlink(tmp)
        raise


def index_exists(path: Path) -> bool:
    return path.is_dir() and whoosh_index.exists_in(str(path), indexname=INDEX_NAME)


def _indexed(f: Facet, entry: TalkEntry) -> str | int:
    """A facet's value(s) as its index field takes them (facet_table.py storage)."""
    values = f.values(entry)
    if f.storage == "year":
        return int(values[0]) if values else 0
    if f.storage == "one":
        return values[0] if values else ""
    return ",".join(v.replace(",", " ") for v in values)


def _document(entry: TalkEntry) -> dict:
    tags = " ".join(
        entry.companies + [t.replace("-", " ") for t in entry.topics] + [entry.conference or "", str(entry.year or "")]
    )
    return {
        "id": entry.id,
        "url": entry.url,
        "page_url": entry.page_url,
        # a linked write-up's own heading is searched as a title too ("Wide events instead of dashboards")
        "title": entry.title + (f"\n{entry.own_title}" if entry.own_title and entry.own_title != entry.title else ""),
        "speakers": ", ".join(entry.speakers),
        "tags": tags,
        "summary": entry.summary,
        "context": entry.context,
        "spell": " ".join([entry.title, tags, " ".join(entry.speakers), entry.summary]),
        **{f.name: _indexed(f, entry) for f in FACET_TABLE},
        "date": entry.date or "",
        "data": json.dumps(entry.to_dict()),
        **({"talk_url": entry.talk_url} if entry.talk_url else {}),
        "writeups": "\n".join(f"{w.get('title', '')}\n{w.get('text', '')}" for w in entry.writeups),
        "view": views_of(entry),
    }


def apply_changes(path: Path, changes: Iterable[tuple[str, list[TalkEntry]]], *, timeout: float = 30.0) -> int:
    """Replace the entries of each changed page (delete by page_url, add its entries); one commit.

    Returns how many pages were written. Pages not named are not touched.
    """
    ix = open_index(path, create=True)
    writer = _writer(ix, path, timeout)
    n = 0
    names = set(ix.schema.names())  # an index made by an older srefind lacks newer fields: skip them
    indexed = [_pages_in(ix, seg) for seg in writer.segments]
    try:
        for page_url, entries in changes:
            # Entry ids are derived from the page URL, so this also removes any old copy of each entry.
            if any(page_url in pages for pages in indexed):  # a first crawl's pages are all new
                writer.delete_by_term("page_url", page_url)
            for entry in entries:
                doc = _document(entry)
                writer.add_document(**{k: v for k, v in doc.items() if k in names})
            n += 1
        writer.commit()
    except BaseException:
        if not writer.is_closed:
            writer.cancel()
        raise
    return n


_PAGES_IN: dict[str, frozenset[str]] = {}  # segment id -> its page URLs (a segment never changes)


def _pages_in(ix, segment) -> frozenset[str]:
    """The page URLs a segment holds, read once per segment: looking each page up in every
    segment at every commit was a twentieth of a 100k build, for pages that are mostly new."""
    sid = segment.segment_id()
    got = _PAGES_IN.get(sid)
    if got is None:
        if len(_PAGES_IN) > 10_000:
            _PAGES_IN.clear()
        reader = SegmentReader(ix.storage, ix.schema, segment)
        try:
            got = _PAGES_IN[sid] = frozenset(reader.field_terms("page_url"))
        finally:
            reader.close()
    return got


def finish_merges(path: Path, *, timeout: float = 30.0) -> None:
    """Wait for this process's background merge and swap it in (starting no other): a crawl does
    this before it ends, so the merge's work is not left to be redone. Merges still due are
    started by the next run's first commit."""
    if not index_exists(path):
        return
    ix = open_index(path)
    if merge_running(ix.storage):
        wait_for_merge(ix.storage)
        _writer(ix, path, timeout, start_merges=False).commit()


def _writer(ix, path: Path, timeout: float, start_merges: bool = True) -> ConcurrentWriter:
    try:
        # compound=False: a compound segment is copied into RAM by every reader that opens it (measured
        # at 100k entries: 913 MB serving RSS, 223 MB with plain segment files that are memory-mapped).
        return ConcurrentWriter(ix, timeout=timeout, delay=0.25, compound=False, start_merges=start_merges)
    except LockError:
        raise IndexLockedError(
            f"the index at {path} is locked by another writer (a crawl still running?); try again when it ends"
        ) from None
