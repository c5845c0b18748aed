"""Readers for many concurrent searches: a generation shared, a Whoosh searcher per search.

Whoosh reads segment files with `seek()` then `read()` on one file object per reader, so one
searcher used by two threads at once returns another document's bytes (measured before this
module: 4 threads x 150 searches gave 188 right answers, 108 wrong ones and 304 exceptions).
Here each search leases a searcher of its own from a pool kept per generation; what is derived
from a generation and costly to build (the facet bitsets, the term-bitset cache) is built
once per generation and shared, so memory grows with the index, not with the threads.

Lifetimes. A generation is retired when a newer commit is seen; its searchers are closed when
the last search holding one returns it, so a search never loses its reader however many
commits land meanwhile. A later commit may delete a retired generation's files: every file a
search can need is opened when its searcher is made (`_pin_files`), and the storage answers
"does this file exist" from the listing taken when the generation was opened, so a search on
it still sees exactly that generation.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import scoring
from whoosh.filedb.filestore import FileStorage
from whoosh.searching import Searcher

from srefind.errors import IndexUnavailableError

from .compat import TOC, open_segments_reader, toc_file_pattern
from .integrity import check_generation
from .schema import build_schema

INDEX_NAME = "talks"
OPEN_ATTEMPTS = 8  # a commit can remove a generation between listing it and opening its files


class SnapshotStorage(FileStorage):
    """Read-only FileStorage answering `list`/`file_exists`/`file_length` from one listing.

    Whoosh asks whether a column file exists when it first opens it and, for sorting, on every
    search; after a later commit removed that generation's files the live answer would be "no",
    and a sort or a length lookup would silently change. The listing keeps the answer fixed."""

    def __init__(self, folder: str, sizes: dict[str, int]) -> None:
        super().__init__(folder, readonly=True)
        self._sizes = sizes

    def list(self) -> list[str]:
        return list(self._sizes)

    def file_exists(self, name: str) -> bool:
        return name in self._sizes

    def file_length(self, name: str) -> int:
        try:
            return self._sizes[name]
        except KeyError:
            raise FileNotFoundError(2, "not in this generation", name) from None


def listing(folder: str) -> dict[str, int]:
    """name -> size of every file in `folder` (one scandir)."""
    out = {}
    with os.scandir(folder) as it:
        for e in it:
            try:
                out[e.name] = e.stat().st_size
            except FileNotFoundError:
                continue
    return out


def latest_generation(folder: str) -> int:
    """The newest committed generation in `folder` (-1: none), from file names alone."""
    pattern = toc_file_pattern(INDEX_NAME)
    best = -1
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return -1
    for name in names:
        m = pattern.match(name)
        if m:
            best = max(best, int(m.group(1)))
    return best


def resolve(index_dir: Path) -> str:
    """The real directory behind `index_dir` (a `reindex` swaps a symlink to a new one)."""
    return os.path.realpath(index_dir)


@dataclass
class Lease:
    """A searcher of one generation, used by one search at a time."""

    searcher: Searcher
    offsets: dict[int, int]  # id(leaf reader) -> its first top-level document number


@dataclass
class Generation:
    """One committed state of the index and everything derived from it."""

    folder: str  # the real directory
    number: int
    schema: object
    segments: list
    storage: SnapshotStorage
    derived: object = None  # built once from the first searcher (facet and term bitsets)
    refs: int = 0
    retired: bool = False
    free: list[Lease] = field(default_factory=list)
    opened: int = 0  # searchers made, for tests and /metrics

    def new_lease(self) -> Lease:
        reader = open_segments_reader(self.storage, self.schema, list(self.segments), self.number)
        searcher = Searcher(reader, weighting=scoring.BM25F())
        try:
            _pin_files(searcher, self.schema)
        except BaseException:
            searcher.close()
            raise
        self.opened += 1
        return Lease(searcher, {id(s.reader()): off for s, off in searcher.leaf_searchers()})

    def close_free(self) -> None:
        for lease in self.free:
            lease.searcher.close()
        self.free.clear()


def _pin_files(searcher: Searcher, schema) -> None:
    """Open every file a search can read (Whoosh opens stored fields, length and sort columns on
    first use): after this, nothing of the generation is looked up by name again."""
    scorable = [name for name in schema.names() if schema[name].scorable]
    sortable = [name for name in schema.names() if getattr(schema[name], "column_type", None) is not None]
    for sub, _ in searcher.leaf_searchers():
        r = sub.reader()
        if r.doc_count_all() == 0:
            continue
        r.stored_fields(0)
        for name in scorable:
            r.doc_field_length(0, name)
        for name in sortable:
            if r.has_column(name):
                r.column_reader(name)


def open_generation(index_dir: Path, build: Callable[[Searcher], object]) -> tuple[Generation, Lease]:
    """The newest generation under `index_dir`, checked against its manifest, with one searcher
    and its derived data (`build(searcher)`). IndexUnavailableError when there is none to open."""
    last: Exception | None = None
    for attempt in range(OPEN_ATTEMPTS):
        folder = resolve(index_dir)
        if not os.path.isdir(folder):
            raise IndexUnavailableError("missing", f"there is no index at {index_dir}")
        # The generation first, then the sizes: every file of generation N is complete before its
        # TOC appears, so a listing taken after seeing the TOC cannot catch one mid-write (taken
        # before, it could, and a healthy index read as damaged under a commit: 1 in 8,000 searches).
        number = latest_generation(folder)
        sizes = listing(folder)
        if number < 0:
            if any(n.startswith(INDEX_NAME + "_") for n in sizes):
                raise IndexUnavailableError("damaged", f"the index at {index_dir} has segment files but no "
                                                       "table of contents")
            raise IndexUnavailableError("missing", f"there is no index at {index_dir}")
        try:
            storage = SnapshotStorage(folder, sizes)
            toc = TOC.read(storage, INDEX_NAME, number)
            check = check_generation(folder, number, sizes)
            if not check.ok:
                raise _Damage("; ".join(check.problems[:3]))
            gen = Generation(folder, number, toc.schema, list(toc.segments), storage)
            lease = gen.new_lease()
            try:
                gen.derived = build(lease.searcher)
            except BaseException:
                lease.searcher.close()
                raise
            return gen, lease
        except Exception as exc:  # noqa: BLE001 - Whoosh reports damage as many kinds of error
            last = exc
            if latest_generation(folder) != number or resolve(index_dir) != folder:
                continue  # superseded while we opened it: take the newer one
            if isinstance(exc, FileNotFoundError) and attempt < OPEN_ATTEMPTS - 1:
                time.sleep(0.02)  # a commit may be between its TOC and its clean-up
                continue
            break
    detail = str(last) if isinstance(last, _Damage) else f"{type(last).__name__}: {last}"
    if isinstance(last, _Damage) or not isinstance(last, OSError):
        raise IndexUnavailableError("damaged", f"the index at {index_dir} is damaged ({detail})") from None
    raise IndexUnavailableError("unreadable", f"the index at {index_dir} cannot be read ({detail})") from None


@dataclass
class IndexHealth:
    """What a reader finds at an index path. `state`: ok, empty, missing, damaged, unreadable, or
    outdated (searchable, but built with fewer fields than this srefind writes: rebuilt before a write)."""

    state: str
    detail: str = ""
    generation: int = -1
    entries: int = 0


def check_index(index_dir: Path) -> IndexHealth:
    """Open the newest generation as a search would (TOC, manifest, every file pinned), without
    building facets: cheap enough for every crawl's start and `srefind status`."""
    try:
        gen, lease = open_generation(Path(index_dir), build=lambda searcher: None)
    except IndexUnavailableError as exc:
        return IndexHealth(exc.state, exc.detail)
    try:
        n = lease.searcher.doc_count()
        current, built = build_schema(), lease.searcher.schema
        missing = sorted(set(current.names()) - set(built.names()))
        # a field's weight is written into its postings: an index built with other weights ranks by those
        reweighed = sorted(name for name in set(current.names()) & set(built.names())
                           if _field_boost(current[name]) != _field_boost(built[name]))
    finally:
        lease.searcher.close()
    if missing or reweighed:
        what = f"no {', '.join(missing)} field" if missing else f"other weights for {', '.join(reweighed)}"
        return IndexHealth("outdated", f"the index at {index_dir} was built by an older srefind ({what}): it is "
                                       "rebuilt from crawl.sqlite by the next crawl or `srefind reindex`",
                           gen.number, n)
    if n == 0:
        return IndexHealth("empty", f"the index at {index_dir} holds no talks yet", gen.number, 0)
    return IndexHealth("ok", "", gen.number, n)


def _field_boost(field: object) -> float:
    return float(getattr(getattr(field, "format", None), "field_boost", 1.0) or 1.0)


class _Damage(Exception):
    """A generation that does not match its manifest."""


class ReaderPool:
    """The current generation and the searchers leased from it; thread-safe.

    `lease()` checks for a newer commit (a directory listing), then hands out a free searcher
    of the newest generation or opens one more. Retired generations stay open until their
    last lease returns."""

    def __init__(self, index_dir: Path, build: Callable[[Searcher], object]) -> None:
        self.index_dir = Path(index_dir)
        self.build = build
        self._lock = threading.Lock()
        self._open_lock = threading.Lock()  # one thread opens a new generation, the others wait for it
        self._gen: Generation | None = None
        self.retired_open = 0  # retired generations some search still holds

    def close(self) -> None:
        with self._lock:
            gen, self._gen = self._gen, None
            if gen is not None:
                gen.retired = True
                if gen.refs == 0:
                    gen.close_free()

    def _stale(self, gen: Generation) -> bool:
        return resolve(self.index_dir) != gen.folder or latest_generation(gen.folder) != gen.number

    def current(self) -> Generation:
        """The newest generation, opened (or reopened) if needed."""
        gen = self._gen
        if gen is not None and not self._stale(gen):
            return gen
        with self._open_lock:
            gen = self._gen
            if gen is not None and not self._stale(gen):
                return gen
            fresh, lease = open_generation(self.index_dir, self.build)
            with self._lock:
                old, self._gen = self._gen, fresh
                fresh.free.append(lease)
                if old is not None:
                    old.retired = True
                    if old.refs == 0:
                        old.close_free()
                    else:
                        self.retired_open += 1
            return fresh

    @contextmanager
    def lease(self) -> Iterator[tuple[Generation, Lease]]:
        """A generation and a searcher of it that no other search uses until this one ends."""
        for attempt in range(OPEN_ATTEMPTS):
            gen = self.current()
            with self._lock:
                if gen.retired:
                    continue  # replaced between current() and here
                gen.refs += 1
                lease = gen.free.pop() if gen.free else None
            if lease is None:
                try:
                    lease = gen.new_lease()
                except Exception:
                    self._give_back(gen, None)
                    if attempt == OPEN_ATTEMPTS - 1 or not self._stale(gen):
                        raise
                    continue  # its files went with a newer commit: lease from that one
            try:
                yield gen, lease
            finally:
                self._give_back(gen, lease)
            return
        raise IndexUnavailableError("unreadable", f"the index at {self.index_dir} keeps changing under the reader")

    def _give_back(self, gen: Generation, lease: Lease | None) -> None:
        with self._lock:
            gen.refs -= 1
            if lease is not None:
                if gen.retired:
                    lease.searcher.close()
                else:
                    gen.free.append(lease)
            if gen.retired and gen.refs == 0:
                gen.close_free()
                if gen is not self._gen and self.retired_open:
                    self.retired_open -= 1
