"""Whoosh as srefind's SearchBackend (srefind/backend.py): the index lives in `<data dir>/index`.

Writes go through store.py (incremental commits, background merges) and rebuild.py (a new
index beside the old, swapped in by a symlink); reads through one SearchEngine per backend,
shared by every thread of a process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from srefind.backend import BackendStats, PageEntries, RebuildReport
from srefind.models import Hit, SearchResponse, TalkEntry

from .engine import SearchEngine
from .readers import IndexHealth, check_index, resolve
from .rebuild import rebuild
from .store import apply_changes, finish_merges, index_exists

INDEX_DIR = "index"  # inside the data dir: a symlink to the current index's own folder


class WhooshBackend:
    name = "whoosh"

    def __init__(self, data_dir: Path, *, lexicon_dir: Path | None = None, lazy: bool = True) -> None:
        self.index_dir = Path(data_dir) / INDEX_DIR
        self.lexicon_dir = lexicon_dir
        self._engine: SearchEngine | None = None
        if not lazy:
            self.engine.generation()  # fail now, with the reason, rather than at the first search

    @property
    def engine(self) -> SearchEngine:
        """Opened on first use; it then follows every new generation a writer commits."""
        if self._engine is None:
            self._engine = SearchEngine(self.index_dir, self.lexicon_dir, lazy=True)
        return self._engine

    # -- writes ----------------------------------------------------------------------
    def apply(self, changes: Iterable[PageEntries]) -> int:
        return apply_changes(self.index_dir, changes)

    def finish(self) -> None:
        finish_merges(self.index_dir)

    def rebuild(self, pages: Iterable[PageEntries], on_progress: Callable[[int, int | None], None] | None = None
                ) -> RebuildReport:
        result = rebuild(self.index_dir, pages, on_progress=on_progress)
        return RebuildReport(result.pages, result.entries, str(result.folder), result.removed)

    # -- reads -----------------------------------------------------------------------
    def search(self, query: str = "", filters: dict[str, list[str]] | None = None, *, sort: str = "relevance",
               page: int = 1, per_page: int = 10, facet_limit: int = 0, view: str = "talk") -> SearchResponse:
        return self.engine.search(query, filters, sort=sort, page=page, per_page=per_page, facet_limit=facet_limit,
                                  view=view)

    def talk(self, entry_id: str) -> TalkEntry | None:
        return self.engine.get(entry_id)

    def writeups(self, talk_url: str) -> list[TalkEntry]:
        return self.engine.writeups(talk_url)

    def related(self, entry_id: str, limit: int = 5) -> list[Hit]:
        return self.engine.related(entry_id, limit)

    def doc_count(self) -> int:
        return self.engine.doc_count()

    def generation(self) -> int:
        return self.engine.generation()

    def stats(self) -> BackendStats:
        health = self.health()
        folder = Path(resolve(self.index_dir)) if self.exists() else self.index_dir
        size = sum(e.stat().st_size for e in os.scandir(folder) if e.is_file()) if folder.is_dir() else 0
        return BackendStats(health.entries, health.generation, size, str(folder))

    def health(self) -> IndexHealth:
        return check_index(self.index_dir)

    def exists(self) -> bool:
        return index_exists(self.index_dir)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.close()
