"""What state a data dir is in, and the command that moves it on.

`srefind status`, `/healthz` and every CLI error about the index read it from here, so the
advice is the same everywhere: a missing or damaged index is rebuilt by `srefind reindex`
from crawl.sqlite (the store of record), an empty data dir needs a first `srefind crawl`.
Nothing here writes: it works on a read-only data dir and beside a running crawl.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, field

from srefind.crawler.state import CrawlState, StateSummary

from .backend import DEFAULT_BACKEND, Health, open_backend
from .config import DataPaths
from .errors import IndexUnavailableError, StoreEmptyError
from .lock import Holder, holder


def index_fix(paths: DataPaths, state: str) -> str:
    """The command that repairs an index in `state` (missing, empty, damaged, unreadable)."""
    dd = f" --data-dir {paths.root}"
    has_store = paths.state.exists()
    if state == "empty" or not has_store:
        return f"run `srefind crawl{dd}` first (or `srefind demo`)"
    return f"run `srefind reindex{dd}` to rebuild it from crawl.sqlite"


def explain(paths: DataPaths, exc: IndexUnavailableError) -> str:
    """One line: what is wrong with the index and what to run."""
    return f"{exc.detail}: {index_fix(paths, exc.state)}"


@dataclass
class RunRow:
    id: int
    command: str
    started: float
    finished: float | None
    status: str  # ok | failed | running | killed
    fetched: int | None
    errors: int | None
    pid: int | None
    ok: bool | None  # as recorded: None while running, or when the run was killed
    stats: dict


@dataclass
class DataDirStatus:
    data_dir: str
    state: str  # empty | ok | running | interrupted | index-missing | index-damaged | unreadable
    index: Health  # the search backend's own account (a dataclass)
    store: StateSummary | None
    running: dict | None
    runs: list[RunRow] = field(default_factory=list)
    stale_pages: int | None = None  # pages analysed by another version of the analysis
    next_steps: list[str] = field(default_factory=list)
    problem: str = ""

    def to_json(self) -> dict:
        return asdict(self)


def inspect(paths: DataPaths, fingerprint: str | None = None, backend_name: str = DEFAULT_BACKEND) -> DataDirStatus:
    """Everything `srefind status` reports; never raises for a data dir in any state."""
    root = paths.root
    live: Holder | None = holder(root) if root.is_dir() else None
    running = ({"pid": live.pid, "command": live.command, "started": live.started} if live else None)
    backend = open_backend(root, backend_name, lexicon_dir=paths.lexicon)
    try:
        index = backend.health()
    finally:
        backend.close()
    st = DataDirStatus(str(root), "ok", index, None, running)
    if not paths.state.exists():
        st.state = "running" if live else "empty"
        st.next_steps.append(f"nothing crawled yet: run `srefind crawl --data-dir {root}` (or `srefind demo`)")
        return st
    try:
        state = CrawlState(paths.state, readonly=True)
        try:
            st.store = state.summary()
            rows = state.runs(5)
            if fingerprint is not None and st.store.schema_version >= 1:
                st.stale_pages = state.count_stale(fingerprint)
        finally:
            state.close()
    except StoreEmptyError:
        st.state = "running" if live else "empty"
        st.next_steps.append(f"nothing crawled yet: run `srefind crawl --data-dir {root}` (or `srefind demo`)")
        return st
    except (sqlite3.Error, OSError) as exc:
        st.state = "unreadable"
        st.problem = f"crawl.sqlite cannot be read ({exc})"
        st.next_steps.append("check the file's permissions and the disk; restore crawl.sqlite from a backup if it "
                             "is damaged")
        return st
    for i, r in enumerate(rows):
        if r["ok"] is not None:
            status = "ok" if r["ok"] else "failed"
        elif live and (r.get("pid") == live.pid if r.get("pid") else i == 0):
            status = "running"  # the lock's holder wrote this row
        else:
            status = "killed"  # unfinished, and its process no longer holds the lock
        st.runs.append(RunRow(r["id"], r["command"], r["started"], r["finished"], status,
                              r["stats"].get("fetched"), r["stats"].get("error_total"), r.get("pid"), r["ok"],
                              r["stats"]))
    dd = f" --data-dir {root}"
    if live:
        st.state = "running"
        st.next_steps.append(f"{live.describe()} is running: wait for it, or watch `srefind status{dd}`")
    elif st.runs and st.runs[0].status == "killed":
        st.state = "interrupted"
        cmd = "recrawl" if st.runs[0].command == "recrawl" else "crawl"
        st.next_steps.append(f"the last run ({st.runs[0].command}, id {st.runs[0].id}) was killed; "
                             f"`srefind {cmd}{dd}` resumes it ({st.store.queued} URLs queued)")
    if index.state in ("missing", "damaged", "unreadable") and not live and st.state != "interrupted":
        st.state = "index-missing" if index.state == "missing" else "index-damaged"
        st.problem = index.detail
        if st.store.entries:
            st.next_steps.insert(0, f"run `srefind reindex{dd}` to rebuild the index from crawl.sqlite "
                                    f"({st.store.entries} talk entries)")
        else:
            st.next_steps.insert(0, f"run `srefind crawl{dd}` (crawl.sqlite holds no talks yet)")
    elif index.state in ("missing", "damaged", "unreadable") and st.state == "interrupted":
        st.problem = index.detail  # the resumed crawl rebuilds it from crawl.sqlite
    elif index.state == "outdated" and not live:
        st.problem = index.detail
        st.next_steps.insert(0, f"run `srefind reindex{dd}`: the index was built by an older srefind "
                                "(the next crawl or recrawl rebuilds it too)")
    elif st.store.pages_unsynced and not live:
        st.next_steps.append(f"the index lags crawl.sqlite by {st.store.pages_unsynced} pages: the next crawl "
                             f"catches up, or run `srefind reindex{dd}`")
    if st.stale_pages and not live:
        st.next_steps.append(f"{st.stale_pages} stored pages were analysed by another version of the tagger or "
                             f"lexicon: run `srefind retag{dd}` (the next crawl or recrawl does it too)")
    if not st.next_steps:
        st.next_steps.append(f"all good: search with `srefind search{dd} QUERY`; `srefind recrawl{dd}` refreshes it")
    return st
