"""The main job: crawl -> extract -> tag -> store -> index, for `crawl`, `recrawl` and `demo`.

The only module that knows every stage; each stage stays ignorant of the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from srefind.crawler.engine import CrawlStats, Crawler, PageOutcome
from srefind.crawler.state import CrawlState
from srefind.index.store import apply_changes, finish_merges, index_exists
from srefind.index.tagger import Tagger

from .config import CrawlConfig
from .errors import SrefindError
from .lock import DataDirLock
from .logs import event
from .models import Page

log = logging.getLogger("srefind.pipeline")


@dataclass
class DataPaths:
    root: Path

    @property
    def state(self) -> Path:
        return self.root / "crawl.sqlite"

    @property
    def index(self) -> Path:
        return self.root / "index"

    @property
    def lexicon(self) -> Path | None:
        p = self.root / "lexicon"
        return p if p.is_dir() else None


def sync_index(state: CrawlState, index_dir: Path) -> int:
    """Push pages whose entries changed into the index (one commit), then mark them indexed."""
    dirty = list(state.dirty_pages())
    if not dirty and index_exists(index_dir):
        return 0
    apply_changes(index_dir, dirty)
    state.mark_indexed(url for url, _ in dirty)
    return len(dirty)


def make_processor(tagger: Tagger) -> Callable[[Page], PageOutcome]:
    def process(page: Page) -> PageOutcome:
        analysis = tagger.analyze(page)
        return PageOutcome(
            entries=[e.to_dict() for e in analysis.entries], relevant=analysis.relevant, page_type=page.page_type
        )

    return process


def run_crawl(
    config: CrawlConfig,
    data_dir: Path,
    seeds: list[str],
    *,
    command: str = "crawl",
    requeue: bool = False,
    full: bool = False,
    on_progress: Callable[[CrawlStats, int], None] | None = None,
) -> CrawlStats:
    """Crawl from `seeds` (resuming any unfinished frontier), tag, and index. Holds the data-dir lock.

    `requeue` is the nightly re-crawl: known URLs that are due are revisited with conditional GETs
    (`full`: all of them), and 404/410 deletions are judged per origin at the end of the run.
    """
    paths = DataPaths(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    with DataDirLock(data_dir):
        state = CrawlState(paths.state)
        run_id = state.start_run(command)
        event(log, f"{command} started", run=run_id, data_dir=str(data_dir), seeds=len(seeds))
        stats = CrawlStats()
        ok = False
        try:
            tagger = Tagger(paths.lexicon)
            crawler = Crawler(
                config, state, make_processor(tagger), on_progress=on_progress, recrawl=requeue,
                # A first crawl publishes as it goes (and resumes from there); a re-crawl publishes once,
                # at the end, so searchers see one consistent new state.
                on_checkpoint=None if requeue else (lambda: sync_index(state, paths.index)),
            )
            for row in state.known_urls(("page", "sitemap", "feed")):
                if row.depth == 0:
                    crawler.scope.add(row.origin)
            if requeue:
                state.requeue_due(full=full)
            bad = crawler.add_seeds(seeds)
            if bad:
                raise SrefindError(f"not an http(s) URL: {bad[0]}")
            crawler.load_frontier()
            stats = crawler.run()
            stats.indexed_pages = sync_index(state, paths.index)
            finish_merges(paths.index)  # a background merge still running: wait, and swap it in
            ok = not stats.errors
            if stats.fetched == 0 and seeds and not any(True for _ in state.all_entries()):
                if stats.origins_unreachable:
                    raise SrefindError(f"cannot reach {', '.join(stats.origins_unreachable)}: nothing was crawled")
                kinds = ", ".join(stats.errors) or "nothing new to fetch"
                raise SrefindError(f"nothing could be fetched from the seeds ({kinds})")
            return stats
        finally:
            state.finish_run(run_id, ok, stats.to_dict())
            state.close()
            summary = {k: v for k, v in stats.to_dict().items() if k not in ("origins_unreachable",)}
            event(log, f"{command} finished", logging.INFO if ok else logging.WARNING, run=run_id, ok=ok, **summary)
