"""The main job: crawl -> extract -> tag -> store -> index, for `crawl`, `recrawl` and `demo`.

The only module that knows every stage; each stage stays ignorant of the others.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from srefind import __version__
from srefind.crawler.engine import MAX_ORIGIN_DELAY, MAX_RETRY_AFTER, Crawler, CrawlStats, PageOutcome
from srefind.crawler.extract import decode_html, extract
from srefind.crawler.state import CrawlState, EntryDiff
from srefind.index.tagging import KnownTalk, KnownTalks, Tagger, tagging_files_digest

from .backend import DEFAULT_BACKEND, SearchBackend, open_backend
from .config import CrawlConfig, DataPaths
from .errors import DataDirError, SrefindError
from .lock import DataDirLock
from .logs import event
from .models import Page

# The code a page's entries depend on, from its HTML: extraction and every tagging step. A change
# to any of them (or to the data files they read) changes the fingerprint stored with each page's
# entries, and the next run analyses the stored pages again.
ANALYSIS_MODULES = (
    "srefind.models", "srefind.crawler.extract", "srefind.crawler.html", "srefind.crawler.adapters",
    "srefind.index.tagging.pipeline", "srefind.index.tagging.segmentation", "srefind.index.tagging.companies",
    "srefind.index.tagging.topics", "srefind.index.tagging.conference", "srefind.index.tagging.text",
    "srefind.index.tagging.lexicon", "srefind.index.tagging.speakers", "srefind.index.tagging.known_talks",
)

log = logging.getLogger("srefind.pipeline")


def analysis_fingerprint(lexicon_dir: Path | None, known: KnownTalks | None = None) -> str:
    """What made a page's entries: srefind's version, the analysis code, the tagging data
    files (shipped and the user's) and the known talks write-ups were matched against. Stored
    with every page's entries."""
    h = hashlib.sha256(__version__.encode())
    for name in ANALYSIS_MODULES:
        h.update(Path(importlib.import_module(name).__file__ or "").read_bytes())
    h.update(tagging_files_digest(lexicon_dir).encode())
    if known is not None and len(known):
        h.update(known.digest().encode())
    return h.hexdigest()[:16]


def known_talks(state: CrawlState) -> KnownTalks:
    """The talks the events' own pages in the store state (what write-ups are matched against)."""
    return KnownTalks(KnownTalk.of(e) for e in state.entries_of("talk"))


def stored_known_talks(paths: DataPaths) -> KnownTalks:
    """The known talks of a data dir, read without a lock (none when nothing was crawled)."""
    if not paths.state.exists():
        return KnownTalks()
    state = CrawlState(paths.state, readonly=True)
    try:
        return known_talks(state)
    finally:
        state.close()


def stored_fingerprint(paths: DataPaths) -> str:
    """The fingerprint a data dir's entries should carry now (what `status` compares them with)."""
    return analysis_fingerprint(paths.lexicon, stored_known_talks(paths))


def current_analysis(state: CrawlState, lexicon_dir: Path | None) -> tuple[Tagger, str]:
    """A tagger that knows the stored talks, and the fingerprint of what it makes."""
    known = known_talks(state)
    return Tagger(lexicon_dir, known), analysis_fingerprint(lexicon_dir, known)


def analyse_until_settled(state: CrawlState, lexicon_dir: Path | None, *, everything: bool = False,
                          on_progress: Callable[[int, int], None] | None = None) -> tuple[RetagReport, Tagger, str]:
    """Analyse again the stored pages another analysis made (all of them with `everything`), with a
    tagger that knows the stored talks; when that changes the known talks (a talk page retagged),
    once more, so write-ups match what the store now says. Returns the tagger and fingerprint the
    store's entries now come from."""
    tagger, fingerprint = current_analysis(state, lexicon_dir)
    report = reanalyse_stored(state, make_processor(tagger, fingerprint), None if everything else fingerprint,
                              on_progress)
    tagger2, fingerprint2 = current_analysis(state, lexicon_dir)
    if fingerprint2 != fingerprint:
        report.add(reanalyse_stored(state, make_processor(tagger2, fingerprint2), fingerprint2, on_progress))
    return report, tagger2, fingerprint2


@dataclass
class RetagReport:
    pages: int = 0  # stored pages analysed again
    entries_added: int = 0
    entries_removed: int = 0
    entries_changed: int = 0
    pages_changed: int = 0  # pages whose entries changed (the only ones the index rewrites)
    errors: int = 0
    indexed_pages: int = 0
    # pages crawled by an srefind that did not keep their HTML: they keep their entries until a crawl
    # fetches them once more
    without_html: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    def add(self, other: RetagReport) -> None:
        """Count a second pass in with this one."""
        for name in ("pages", "entries_added", "entries_removed", "entries_changed", "pages_changed", "errors"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.seconds = round(self.seconds + other.seconds, 2)


def reanalyse_stored(state: CrawlState, process: Callable[[Page], PageOutcome], fingerprint: str | None,
                     on_progress: Callable[[int, int], None] | None = None) -> RetagReport:
    """Analyse again, from their stored HTML, the pages whose entries another analysis made;
    replace their entries (a page whose entries come out the same costs no index write)."""
    report = RetagReport()
    t0 = time.monotonic()
    total = state.count_stale(fingerprint)
    for body in state.stale_bodies(fingerprint):
        try:
            page = extract(body.page_url, decode_html(body.html, body.charset or None), fetched_at=body.fetched_at)
            outcome = process(page)
        except Exception as exc:  # a page the analysis fails on must not stop the others
            log.warning("re-analysis of %s failed: %s: %s", body.page_url, type(exc).__name__, exc)
            report.errors += 1
            continue
        diff: EntryDiff = state.save_entries(body.page_url, outcome.entries, relevant=outcome.relevant,
                                             page_type=outcome.page_type, tagger=outcome.tagger)
        report.pages += 1
        report.entries_added += diff.added
        report.entries_removed += diff.removed
        report.entries_changed += diff.changed
        report.pages_changed += bool(diff.added or diff.removed or diff.changed)
        if on_progress:
            on_progress(report.pages, total)
    report.seconds = round(time.monotonic() - t0, 2)
    return report


def ensure_index(state: CrawlState, backend: SearchBackend) -> str:
    """Rebuild the index from the store when it is missing or damaged and the store holds entries.
    Returns why it was rebuilt ("" when it was not)."""
    health = backend.health()
    if health.state in ("ok", "empty") or not state.count_entries():
        return ""
    event(log, "index rebuilt from crawl.sqlite", logging.WARNING, reason=health.detail)
    backend.rebuild(state.pages_with_entries())
    state.mark_indexed(None)
    return health.detail


def sync_index(state: CrawlState, backend: SearchBackend) -> int:
    """Push pages whose entries changed into the index (one commit), then mark them indexed."""
    dirty = list(state.dirty_pages())
    if not dirty and backend.exists():
        return 0
    backend.apply(dirty)
    state.mark_indexed(url for url, _ in dirty)
    return len(dirty)


def make_processor(tagger: Tagger, fingerprint: str = "") -> Callable[[Page], PageOutcome]:
    def process(page: Page) -> PageOutcome:
        analysis = tagger.analyze(page)
        return PageOutcome(
            entries=list(analysis.entries), relevant=analysis.relevant, page_type=page.page_type,
            tagger=fingerprint,
        )

    return process


def reindex(data_dir: Path, on_progress: Callable[[int, int | None], None] | None = None, *,
            backend_name: str = DEFAULT_BACKEND) -> dict:
    """`srefind reindex`: a new index from crawl.sqlite alone, swapped in when complete."""
    paths = DataPaths(data_dir)
    if not paths.state.exists():
        raise DataDirError(f"{paths.state} does not exist: there is nothing to rebuild the index from "
                           f"(run `srefind crawl --data-dir {data_dir}` first)")
    t0 = time.monotonic()
    with DataDirLock(data_dir, command="reindex"):
        state = CrawlState(paths.state)
        backend = open_backend(data_dir, backend_name, lexicon_dir=paths.lexicon)
        try:
            result = backend.rebuild(state.pages_with_entries(), on_progress=on_progress)
            state.mark_indexed(None)
        finally:
            backend.close()
            state.close()
    return {"pages": result.pages, "entries": result.entries, "index": result.location,
            "removed": result.removed, "seconds": round(time.monotonic() - t0, 2)}


def retag(data_dir: Path, *, everything: bool = False, on_progress: Callable[[int, int], None] | None = None,
          backend_name: str = DEFAULT_BACKEND) -> RetagReport:
    """`srefind retag`: analyse stored pages again (all of them with `everything`, else those a
    different analysis made) and index the pages whose entries changed."""
    paths = DataPaths(data_dir)
    if not paths.state.exists():
        raise DataDirError(f"{paths.state} does not exist: nothing was crawled yet "
                           f"(run `srefind crawl --data-dir {data_dir}` first)")
    with DataDirLock(data_dir, command="retag"):
        state = CrawlState(paths.state)
        backend = open_backend(data_dir, backend_name, lexicon_dir=paths.lexicon)
        try:
            ensure_index(state, backend)
            report, _, _ = analyse_until_settled(state, paths.lexicon, everything=everything, on_progress=on_progress)
            report.without_html = state.count_missing_bodies()
            report.indexed_pages = sync_index(state, backend)
            backend.finish()
            return report
        finally:
            backend.close()
            state.close()


def run_crawl(
    config: CrawlConfig,
    data_dir: Path,
    seeds: list[str],
    *,
    command: str = "crawl",
    requeue: bool = False,
    full: bool = False,
    on_progress: Callable[[CrawlStats, int], None] | None = None,
    backend_name: str = DEFAULT_BACKEND,
) -> CrawlStats:
    """Crawl from `seeds` (resuming any unfinished frontier), tag, and index. Holds the data-dir lock.

    `requeue` is the nightly re-crawl: known URLs that are due are revisited with conditional GETs
    (`full`: all of them), and 404/410 deletions are judged per origin at the end of the run.
    """
    paths = DataPaths(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    with DataDirLock(data_dir, command=command):
        state = CrawlState(paths.state)
        backend = open_backend(data_dir, backend_name, lexicon_dir=paths.lexicon)
        run_id = state.start_run(command)
        event(log, f"{command} started", run=run_id, data_dir=str(data_dir), seeds=len(seeds))
        stats = CrawlStats()
        ok = False
        try:
            rebuilt = ensure_index(state, backend)
            # Stored pages a different analysis made are analysed again (no request), so a tagger
            # upgrade or a lexicon edit reaches every talk; pages crawled before bodies were kept
            # are fetched once more, unconditionally (a 304 brings no body).
            state.requeue_missing_bodies()
            retagged, tagger, fingerprint = analyse_until_settled(state, paths.lexicon)
            process = make_processor(tagger, fingerprint)
            if retagged.pages:
                event(log, "stored pages analysed again", pages=retagged.pages, changed=retagged.pages_changed)
            if not requeue:
                state.requeue_failed()  # a plain crawl finishes what the last one could not fetch
            crawler = Crawler(
                config, state, process, on_progress=on_progress, recrawl=requeue, max_duration=config.max_duration,
                # A first crawl publishes as it goes (and resumes from there); a re-crawl publishes once,
                # at the end, so searchers see one consistent new state.
                on_checkpoint=None if requeue else (lambda: sync_index(state, backend)),
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
            # Talk pages this run found: write-ups (old and new) are matched against them too
            retagged.add(analyse_until_settled(state, paths.lexicon)[0])
            stats.index_rebuilt = rebuilt
            stats.retagged = retagged.pages
            stats.entries_changed = retagged.entries_added + retagged.entries_removed + retagged.entries_changed
            stats.indexed_pages = sync_index(state, backend)
            backend.finish()  # a background merge still running: wait, and swap it in
            ok = not stats.errors
            if stats.fetched == 0 and seeds and not any(True for _ in state.all_entries()):
                if stats.origins_unreachable:
                    raise SrefindError(f"cannot reach {', '.join(stats.origins_unreachable)}: nothing was crawled")
                if stats.origins_paused:
                    raise SrefindError(
                        f"{', '.join(stats.origins_paused)} asked to wait longer than a run waits (a Crawl-delay over "
                        f"{MAX_ORIGIN_DELAY:.0f} s or a Retry-After over {MAX_RETRY_AFTER:.0f} s): paused until the "
                        "next run, its URLs kept queued")
                kinds = ", ".join(stats.errors) or "nothing new to fetch"
                raise SrefindError(f"nothing could be fetched from the seeds ({kinds})")
            return stats
        finally:
            state.finish_run(run_id, ok, stats.to_dict())
            backend.close()
            state.close()
            summary = {k: v for k, v in stats.to_dict().items() if k not in ("origins_unreachable",)}
            event(log, f"{command} finished", logging.INFO if ok else logging.WARNING, run=run_id, ok=ok, **summary)
