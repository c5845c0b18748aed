"""Rebuilding the index from the store of record, beside the old one, swapped in at once.

The index is derived data: every talk entry is in `crawl.sqlite`. A rebuild writes a complete
new index into a new directory (the same writer and merges a crawl uses), then points the
`index` symlink at it with one atomic rename. Until then readers answer from the old index,
however damaged or missing parts of it are; afterwards they open the new one on their next
search (its generation numbers continue the old one's, so no reader mistakes one for the other).
The caller holds the data dir's crawl lock: nothing else writes meanwhile.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from srefind.models import TalkEntry

from .readers import latest_generation, resolve
from .store import apply_changes, finish_merges, link, new_index_dir

BATCH_PAGES = 500  # pages per commit, as a crawl commits them


@dataclass
class RebuildResult:
    pages: int
    entries: int
    folder: Path
    removed: list[str]  # directories of earlier indexes deleted after the swap


def _ours(path: Path, name: str) -> bool:
    return bool(re.fullmatch(re.escape(name) + r"-\d{14}-[0-9a-f]{6}(\.old)?", path.name))


def rebuild(index_dir: Path, pages: Iterable[tuple[str, list[TalkEntry]]], *,
            on_progress: Callable[[int, int], None] | None = None) -> RebuildResult:
    """Write every page's entries into a new index and swap it in; delete the old one."""
    index_dir = Path(index_dir)
    old = Path(resolve(index_dir)) if (index_dir.exists() or index_dir.is_symlink()) else None
    first_generation = (latest_generation(str(old)) + 1) if old is not None and old.is_dir() else 0
    folder = new_index_dir(index_dir, max(first_generation, 0))
    n_pages = n_entries = 0
    batch: list[tuple[str, list[TalkEntry]]] = []
    try:
        for page_url, entries in pages:
            if not entries:
                continue
            batch.append((page_url, entries))
            n_pages += 1
            n_entries += len(entries)
            if len(batch) >= BATCH_PAGES:
                apply_changes(folder, batch)
                batch.clear()
                if on_progress:
                    on_progress(n_pages, n_entries)
        if batch:
            apply_changes(folder, batch)
        finish_merges(folder)
        if on_progress:
            on_progress(n_pages, n_entries)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    _swap(index_dir, folder)
    removed = _remove_others(index_dir, keep=folder)
    return RebuildResult(n_pages, n_entries, folder, removed)


def _swap(index_dir: Path, folder: Path) -> None:
    """`index_dir` -> `folder`. A legacy real directory is renamed away first (readers retry the
    moment the name is missing); a symlink is replaced atomically."""
    if index_dir.is_dir() and not index_dir.is_symlink():
        os.rename(index_dir, index_dir.parent / f"{folder.name}.old")
    link(index_dir, folder)


def _remove_others(index_dir: Path, keep: Path) -> list[str]:
    """Delete index directories of ours that the link no longer names (the one replaced, and any
    left by an interrupted rebuild or an `rm` of the link). Readers still using one keep their
    open files; new searches already open the new index."""
    removed = []
    for p in index_dir.parent.iterdir():
        if p != keep and p.is_dir() and not p.is_symlink() and _ours(p, index_dir.name):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p.name)
    return removed
