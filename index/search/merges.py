"""When segments merge, and merging without making the crawl wait.

Policy (`merge_group`): segments fall in size tiers a factor of ten apart (~1k, ~10k, ~100k
documents); when one tier holds ten segments they merge into one of the next tier, so each
document is rewritten about once per tier (Whoosh's own Fibonacci heuristic rewrote the whole
index every ~20 commits: at 100k entries merging was most of the build).

`ConcurrentWriter` is what the crawl writes with. On a commit it
  * swaps in a finished background merge: the merged segment replaces its sources in the new
    table of contents, and documents deleted from the sources since the merge began are
    deleted from it too;
  * writes the new documents (half of them in a forked child when there are enough and no
    merge is running, so both cores work);
  * starts the next due merge in a separate process (`python -m srefind.index.search.merge_process`), which
    writes one new segment and reports it; nothing refers to that segment until a later commit
    swaps it in, so a merge killed half-way leaves only unreferenced files, which Whoosh removes.

Readers never see a half-done state: every change enters through one table-of-contents write.
"""

from __future__ import annotations

import logging
import math
import os
import pickle
import shutil
import signal
import subprocess
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .bulkwrite import BulkWriter, TermPool, analyse_document
from .compat import (
    TOC,
    IndexingError,
    W3Codec,
    W3Segment,
    check_writer_open,
    clean_files,
    cleanup_on_error,
    close_segment,
    destroy_temp_storage,
    finalize_segment,
    finish_commit,
    new_segment_id,
)
from .integrity import write_manifest

log = logging.getLogger("srefind.index")

MERGE_FACTOR = 10
TIER_FLOOR = 1_000  # documents: tiers are powers of ten of this
PARALLEL_MIN_DOCS = 256  # fewer new documents in a commit: not worth a second process


def tier(segment) -> int:
    """0 for segments up to ~3k documents, 1 up to ~30k, 2 up to ~300k..."""
    return max(0, round(math.log10(max(segment.doc_count_all(), 1) / TIER_FLOOR)))


def merge_group(segments: list) -> list:
    """The segments to merge now: MERGE_FACTOR of the lowest tier holding that many."""
    tiers: dict[int, list] = {}
    for seg in segments:
        tiers.setdefault(tier(seg), []).append(seg)
    for t in sorted(tiers):
        if len(tiers[t]) >= MERGE_FACTOR:
            return tiers[t][:MERGE_FACTOR]
    return []


# --------------------------------------------------------------------------------------------
# Background merges
# --------------------------------------------------------------------------------------------

class _NamedSegmentCodec(W3Codec):
    """W3Codec whose next segment has a name chosen in advance, so the parent can protect the
    merge's files from clean-up before the merge process has even started. Pickles as W3Codec."""

    def __init__(self, segid: str) -> None:
        super().__init__()
        self.segid = segid

    def new_segment(self, storage, indexname):
        return W3Segment(W3Codec(), indexname, segid=self.segid)

    def __reduce__(self):
        return (W3Codec, ())


@dataclass
class BackgroundMerge:
    """A merge process: which segments it merges, their deletions when it began, its output name."""

    proc: subprocess.Popen
    indexname: str
    segid: str
    sources: list[str]
    deleted_at_start: dict[str, frozenset[int]] = field(default_factory=dict)
    outcome: tuple | None = None  # (merged segment or None,) once read

    def running(self) -> bool:
        return self.proc.poll() is None

    def result(self):
        """Wait for it: the merged segment, or None when the process failed (then nothing changes)."""
        if self.outcome is None:
            self.outcome = (self._read(),)
        return self.outcome[0]

    def _read(self):
        out, err = self.proc.communicate()
        if self.proc.returncode == 0 and out:
            try:
                return pickle.loads(out)
            except (pickle.UnpicklingError, EOFError, AttributeError, ImportError):
                pass
        reason = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {self.proc.returncode}"]
        log.warning("background merge of %d segments failed (%s); they stay as they are", len(self.sources),
                    reason[0])
        return None


_RUNNING: dict[str, BackgroundMerge] = {}  # index directory -> its merge in this process


def _key(storage) -> str:
    return str(Path(storage.folder).resolve())


def start_merge(storage, indexname: str, group: list, kwargs: dict) -> BackgroundMerge:
    segid = new_segment_id()
    payload = pickle.dumps({"folder": storage.folder, "indexname": indexname, "segid": segid,
                            "segments": group, "kwargs": kwargs})
    # -P: never import a `srefind` directory that happens to be in the working directory
    proc = subprocess.Popen([sys.executable, "-P", "-m", "srefind.index.search.merge_process"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, close_fds=True)
    assert proc.stdin is not None  # stdin=PIPE
    proc.stdin.write(payload)
    proc.stdin.close()
    proc.stdin = None  # communicate() must not flush it again
    merge = BackgroundMerge(proc, indexname, segid, [s.segment_id() for s in group],
                            {s.segment_id(): frozenset(s.deleted_docs()) for s in group})
    _RUNNING[_key(storage)] = merge
    return merge


def swap_in(merge: BackgroundMerge, merged, segments: list, storage) -> list:
    """`segments` with the merge's sources replaced by `merged`, deletions carried over; unchanged
    when a source is gone (another writer merged or cleared it) or the merged files are missing."""
    shutil.rmtree(Path(storage.folder) / _temp_name(merge.indexname, merge.segid), ignore_errors=True)
    current = {s.segment_id(): s for s in segments}
    if merged is None or any(sid not in current for sid in merge.sources):
        return segments
    if not merged.list_files(storage):  # removed by another process's clean-up meanwhile
        return segments
    newdoc = 0
    for sid in merge.sources:
        src = current[sid]
        before = merge.deleted_at_start[sid]
        for docnum in range(src.doc_count_all()):
            if docnum in before:
                continue
            if src.is_deleted(docnum):
                merged.delete_document(newdoc)
            newdoc += 1
    if newdoc != merged.doc_count_all():  # not the documents it was started on
        return segments
    sources = set(merge.sources)
    return [s for s in segments if s.segment_id() not in sources] + [merged]


def merge_running(storage) -> bool:
    return _key(storage) in _RUNNING


def wait_for_merge(storage) -> None:
    """Block until this process's background merge on `storage` ends (a commit then swaps it in)."""
    merge = _RUNNING.get(_key(storage))
    if merge is not None:
        merge.result()  # reads its output as it ends (a full pipe would stall it); kept for the swap


def _temp_name(indexname: str, segid: str) -> str:
    return f"{indexname}.merge-{segid}.tmp"


def _merge_main() -> None:
    """The merge process: read the job on stdin, write one segment, print it (pickled) on stdout."""
    from whoosh.filedb.filestore import FileStorage

    job = pickle.load(sys.stdin.buffer)
    os.nice(10)  # background work: the crawl's own commits go first

    class PrivateTemp(FileStorage):
        """Its own scratch directory: each commit of the parent removes the shared one."""

        def temp_storage(self, name=None):
            return super().temp_storage(_temp_name(job["indexname"], job["segid"]))

    storage = PrivateTemp(job["folder"])
    ix = storage.open_index(job["indexname"])
    writer = BulkWriter(ix, _lk=False, codec=_NamedSegmentCodec(job["segid"]), **job["kwargs"])
    for seg in job["segments"]:
        writer.merge_segment(seg)
    merged = finalize_segment(writer)
    destroy_temp_storage(writer)
    sys.stdout.buffer.write(pickle.dumps(merged))
    sys.stdout.buffer.flush()


# --------------------------------------------------------------------------------------------
# The writer the crawl uses
# --------------------------------------------------------------------------------------------

class ConcurrentWriter(BulkWriter):
    """BulkWriter whose commit swaps in finished merges, shares new documents with a forked
    child, and starts due merges in the background (see the module docstring)."""

    def __init__(self, ix, procs: int = 2, start_merges: bool = True, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        self._ix = ix
        self.procs = procs if hasattr(os, "fork") else 1
        self.start_merges = start_merges
        self._kwargs = {k: v for k, v in kwargs.items() if k in ("compound", "exact_zlib")}
        self._pending: list[dict] = []
        self._split_ok = False  # set per commit: no background merge is using the other core

    def add_document(self, **fields: Any) -> None:
        check_writer_open(self)
        self._pending.append(fields)

    def commit(self, mergetype=None, optimize=None, merge=None, **kwargs) -> None:
        pending, self._pending = self._pending, []
        if mergetype is not None or optimize or merge is False:  # an explicit Whoosh policy
            for fields in pending:
                BulkWriter.add_document(self, **fields)
            return super().commit(mergetype=mergetype, optimize=optimize, merge=merge, **kwargs)
        check_writer_open(self)
        key = _key(self.storage)
        running = _RUNNING.get(key)
        try:
            segments = list(self.segments)
            if running is not None and not running.running():
                segments = swap_in(running, running.result(), segments, self.storage)
                del _RUNNING[key]
                running = None
            self._split_ok = running is None
            segments += self._write_new(pending, split=running is None)
            group = merge_group(segments) if running is None and self.start_merges else []
            self._commit_toc(segments)
        except BaseException:
            cleanup_on_error(self)
            raise
        if group:
            start_merge(self.storage, self.indexname, group, self._kwargs)
        finish_commit(self)

    def _write_new(self, pending: list[dict], split: bool) -> list:
        """The segment holding this commit's new documents; with enough of them (and no merge
        using the other core) a forked child analyses the second half meanwhile."""
        if not pending:
            close_segment(self)
            return []
        if not (split and self.procs > 1 and len(pending) >= PARALLEL_MIN_DOCS):
            for fields in pending:
                BulkWriter.add_document(self, **fields)
            return [finalize_segment(self)]
        half = len(pending) // 2
        theirs = pending[half:]
        child = _Forked.start(lambda: _analyse(self.schema, theirs))
        try:
            for fields in pending[:half]:
                BulkWriter.add_document(self, **fields)
            pooled, lengths = child.result()
        except BaseException:
            child.abandon()
            raise
        offset = self.docnum
        for fields, doc_lengths in zip(theirs, lengths):
            self.add_analysed(fields, doc_lengths)
        self.pool.absorb(pooled, offset)
        return [finalize_segment(self)]

    def _encode_fields(self, fieldnames: list[str], lengths: dict[str, list]) -> dict[str, tuple]:
        """Encode the postings; with enough of them, a forked child encodes about half the
        fields (by posting count) while the parent encodes the rest."""
        if not (self.procs > 1 and self._split_ok and self.docnum >= PARALLEL_MIN_DOCS):
            return super()._encode_fields(fieldnames, lengths)
        # Measured cost: ~6 postings' worth per term; positions cost ~3x a plain posting.
        work = {}
        for f in fieldnames:
            terms = self.pool.fields[f]
            per_posting = 3 if self.schema[f].format.fixed_value_size() is None else 1
            work[f] = per_posting * sum(len(p) for p in terms.values()) // 3 + 6 * len(terms)
        half = sum(work.values()) / 2
        theirs, share = [], 0
        for f in sorted(fieldnames, key=lambda name: work[name], reverse=True):
            if share + work[f] <= half:
                theirs.append(f)
                share += work[f]
        ours = [f for f in fieldnames if f not in theirs]

        def encode(names: list[str]) -> dict[str, tuple]:
            return BulkWriter._encode_fields(self, names, lengths)

        child = _Forked.start(lambda: encode(theirs))
        try:
            encoded = encode(ours)
            encoded.update(child.result())
        except BaseException:
            child.abandon()
            raise
        return encoded

    def _commit_toc(self, segments) -> None:
        """SegmentWriter._commit_toc, keeping the files of a merge still being written; the
        generation's manifest (integrity.py) is written first, so a TOC never lacks one."""
        write_manifest(self.storage, self.generation, segments)
        TOC(self.schema, segments, self.generation).write(self.storage, self.indexname)
        keep = list(segments)
        running = _RUNNING.get(_key(self.storage))
        if running is not None:
            keep.append(W3Segment(W3Codec(), self.indexname, segid=running.segid))
        clean_files(self.storage, self.indexname, self.generation, keep)


class _Forked:
    """A forked child computing `fn()` while the parent does its own share of the work.

    The child inherits the parent's memory, so the inputs are not copied; it sends back only
    the pickled result through a pipe and writes nothing to the index itself."""

    def __init__(self, pid: int, fd: int) -> None:
        self.pid, self.fd, self.done = pid, fd, False

    @classmethod
    def start(cls, fn) -> _Forked:
        rfd, wfd = os.pipe()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads (3.12+)
            pid = os.fork()
        if pid == 0:
            os.close(rfd)
            code, payload = 1, b""
            try:
                payload = pickle.dumps(("ok", fn()), pickle.HIGHEST_PROTOCOL)
                code = 0
            except BaseException as exc:  # reported to the parent, which fails the commit
                payload = pickle.dumps(("error", f"{type(exc).__name__}: {exc}"))
            finally:
                try:
                    with os.fdopen(wfd, "wb") as out:
                        out.write(payload)
                finally:
                    os._exit(code)
        os.close(wfd)
        return cls(pid, rfd)

    def result(self):
        """fn()'s result; IndexingError when the child failed or died."""
        with os.fdopen(self.fd, "rb") as f:
            payload = f.read()
        _, status = os.waitpid(self.pid, 0)
        self.done = True
        kind, value = pickle.loads(payload) if payload else ("error", f"died (wait status {status})")
        if kind == "ok" and status == 0:
            return value
        raise IndexingError(f"parallel indexing failed: {value}")

    def abandon(self) -> None:
        """The parent failed: stop and reap the child."""
        if self.done:
            return
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def _analyse(schema, docs: list[dict]) -> tuple[dict, list[dict]]:
    pool = TermPool()
    lengths = [analyse_document(pool, schema, fields, i) for i, fields in enumerate(docs)]
    return pool.fields, lengths
