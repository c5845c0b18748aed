"""Crawl state in SQLite: the frontier, what each URL answered, and what each page yielded.

SQLite because it is embedded (no server to run) and transactional: a `kill -9` leaves the
last committed state, so a rerun resumes where it stopped and refetches nothing it has.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from srefind.errors import StoreEmptyError
from srefind.models import TalkEntry

# Revisit intervals: at least every 20 hours (so a nightly job keeps daily pages daily, whatever its
# start jitter), at most every 30 days; halved when a page changed, grown by half when it did not.
MIN_INTERVAL = 20 * 3600.0
MAX_INTERVAL = 30 * 86400.0
CHANGED_FACTOR = 0.5
UNCHANGED_FACTOR = 1.5

SCHEMA = """
CREATE TABLE IF NOT EXISTS urls (
    url TEXT PRIMARY KEY,
    origin TEXT NOT NULL,
    depth INTEGER NOT NULL DEFAULT 0,
    kind TEXT NOT NULL DEFAULT 'page',      -- page | sitemap | feed
    state TEXT NOT NULL DEFAULT 'queued',   -- queued | done | error | skipped | gone
    http_status INTEGER,
    etag TEXT NOT NULL DEFAULT '',
    last_modified TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL DEFAULT '',
    content_type TEXT NOT NULL DEFAULT '',
    fetched_at REAL,
    error_count INTEGER NOT NULL DEFAULT 0,
    error TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',          -- why skipped, duplicate of what, redirect target...
    interval REAL NOT NULL DEFAULT 72000,   -- revisit interval (seconds), adapted per page
    next_visit REAL NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS urls_state ON urls(state);
CREATE INDEX IF NOT EXISTS urls_hash ON urls(content_hash);
CREATE TABLE IF NOT EXISTS entries (
    page_url TEXT NOT NULL,
    entry_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (page_url, entry_id)
);
CREATE TABLE IF NOT EXISTS pages (
    page_url TEXT PRIMARY KEY,
    indexed INTEGER NOT NULL DEFAULT 0,     -- 0: entries changed since the index last saw them
    relevant INTEGER NOT NULL DEFAULT 0,
    page_type TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS links (
    url TEXT PRIMARY KEY,                   -- off-scope links: recorded, never fetched
    first_seen_on TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    command TEXT NOT NULL,
    started REAL NOT NULL,
    finished REAL,
    ok INTEGER,
    stats TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS bodies (
    page_url TEXT PRIMARY KEY,              -- what a page was analysed from, to analyse it again
    body BLOB NOT NULL,                     -- the HTML as fetched, zlib-compressed
    charset TEXT NOT NULL DEFAULT '',       -- from the Content-Type header ('' : sniffed again)
    fetched_at TEXT NOT NULL DEFAULT ''
);
"""

# Columns added after the first release, added in place to an older crawl.sqlite (user_version 0).
MIGRATIONS = {
    1: ["ALTER TABLE pages ADD COLUMN tagger TEXT NOT NULL DEFAULT ''",  # fingerprint of the analysis
        "ALTER TABLE runs ADD COLUMN pid INTEGER"],
    # the write-ups linked to a talk page, found without reading every entry
    2: ["CREATE INDEX IF NOT EXISTS entries_talk ON entries(json_extract(data, '$.talk_url'))"],
}
SCHEMA_VERSION = max(MIGRATIONS)


@dataclass
class UrlRow:
    url: str
    origin: str
    depth: int
    kind: str
    state: str
    etag: str = ""
    last_modified: str = ""
    content_hash: str = ""
    error_count: int = 0


@dataclass(frozen=True)
class UrlRecord:
    """All the state keeps about one URL (a UrlRow is the part the frontier needs): for reports,
    evaluation and tests."""

    url: str
    origin: str
    depth: int
    kind: str
    state: str
    http_status: int | None
    error: str
    note: str
    content_type: str
    interval: float
    next_visit: float


@dataclass
class StoredBody:
    """A page's HTML as fetched, kept so the page can be analysed again without a request."""

    page_url: str
    html: bytes
    charset: str
    fetched_at: str


@dataclass
class EntryDiff:
    """How a page's entries changed when it was saved (by entry id)."""

    added: int = 0
    removed: int = 0
    changed: int = 0

    def __iadd__(self, other: EntryDiff) -> EntryDiff:
        self.added += other.added
        self.removed += other.removed
        self.changed += other.changed
        return self


@dataclass
class StateSummary:
    """What `srefind status` shows of the store."""

    entries: int = 0
    pages_indexed: int = 0
    pages_unsynced: int = 0
    stored_bodies: int = 0
    stored_bytes: int = 0
    urls: dict[str, int] = field(default_factory=dict)
    queued: int = 0
    schema_version: int = 0


class CrawlState:
    """All reads and writes of the crawl's SQLite file. Used from one thread only.

    `readonly=True` opens it for reading only (status, export, /metrics), which also works in a
    data dir the process may not write to: SQLite's WAL needs a writable `-shm` file, so when
    that is impossible the file is opened as immutable (nothing can be writing to it then)."""

    def __init__(self, path: Path, *, readonly: bool = False) -> None:
        self.path = path
        self.readonly = readonly
        if readonly:
            self.db = _open_readonly(path)
            self.version = self.db.execute("PRAGMA user_version").fetchone()[0]
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self._migrate()
        self.version = SCHEMA_VERSION

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version >= SCHEMA_VERSION:
            return
        with self.transaction():
            for v in sorted(MIGRATIONS):
                if v > version:
                    for stmt in MIGRATIONS[v]:
                        try:
                            self.db.execute(stmt)
                        except sqlite3.OperationalError as exc:
                            if "duplicate column" not in str(exc):  # a fresh file already has it
                                raise
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self.db.close()

    # -- frontier -------------------------------------------------------------
    def add(self, url: str, origin: str, depth: int, kind: str = "page") -> bool:
        """Queue `url` if it is new. Returns True when it was added."""
        cur = self.db.execute(
            "INSERT OR IGNORE INTO urls(url, origin, depth, kind) VALUES (?,?,?,?)", (url, origin, depth, kind)
        )
        return cur.rowcount > 0

    def requeue_due(self, *, full: bool = False, now: float | None = None) -> int:
        """Queue what a re-crawl should revisit; stored ETags make every revisit conditional.

        Due: pages whose adaptive interval has run out, every URL that failed last time, pages
        recorded as gone whose entries are still stored (a re-crawl killed before it applied its
        deletions, or an origin that looked broken: revisited and judged again), and always the
        discovery URLs (seeds, sitemaps, feeds, listing and program pages) where new pages show
        up. `full` revisits everything.
        """
        if full:
            return self.requeue_all()
        now = time.time() if now is None else now
        return self.db.execute(
            "UPDATE urls SET state='queued' WHERE state<>'queued' AND ("
            " next_visit <= ? OR state='error' OR kind<>'page' OR depth=0"
            " OR (state='gone' AND url IN (SELECT page_url FROM entries))"
            " OR url IN (SELECT page_url FROM pages WHERE page_type IN ('listing', 'program')))",
            (now,),
        ).rowcount

    def requeue_failed(self) -> int:
        """Queue again the URLs whose last try failed (a plain `crawl` finishes what the last one could not)."""
        return self.db.execute("UPDATE urls SET state='queued' WHERE state='error'").rowcount

    def schedule_next(self, url: str, *, changed: bool, now: float | None = None) -> None:
        """Nutch-style adaptive revisits: a changed page comes back sooner, an unchanged one later."""
        now = time.time() if now is None else now
        factor = CHANGED_FACTOR if changed else UNCHANGED_FACTOR
        self.db.execute(
            "UPDATE urls SET interval = MIN(MAX(interval * ?, ?), ?), next_visit = ? + MIN(MAX(interval * ?, ?), ?)"
            " WHERE url=?",
            (factor, MIN_INTERVAL, MAX_INTERVAL, now, factor, MIN_INTERVAL, MAX_INTERVAL, url),
        )

    def requeue_all(self) -> int:
        """Queue every known URL again (a re-crawl); stored ETags make the revisits conditional."""
        return self.db.execute("UPDATE urls SET state='queued' WHERE state<>'queued'").rowcount

    def requeue(self, url: str) -> None:
        self.db.execute("UPDATE urls SET state='queued' WHERE url=?", (url,))

    def queued(self) -> list[UrlRow]:
        rows = self.db.execute(
            "SELECT url, origin, depth, kind, state, etag, last_modified, content_hash, error_count "
            "FROM urls WHERE state='queued' ORDER BY depth, rowid"
        )
        return [UrlRow(*r) for r in rows]

    def get(self, url: str) -> UrlRow | None:
        r = self.db.execute(
            "SELECT url, origin, depth, kind, state, etag, last_modified, content_hash, error_count "
            "FROM urls WHERE url=?",
            (url,),
        ).fetchone()
        return UrlRow(*r) if r else None

    def known_urls(self, kinds: Iterable[str] = ("page",)) -> list[UrlRow]:
        marks = ",".join("?" * len(tuple(kinds)))
        rows = self.db.execute(
            "SELECT url, origin, depth, kind, state, etag, last_modified, content_hash, error_count "
            f"FROM urls WHERE kind IN ({marks}) ORDER BY rowid",
            tuple(kinds),
        )
        return [UrlRow(*r) for r in rows]

    def records(self) -> list[UrlRecord]:
        rows = self.db.execute(
            "SELECT url, origin, depth, kind, state, http_status, error, note, content_type, interval, next_visit "
            "FROM urls ORDER BY rowid"
        )
        return [UrlRecord(*r) for r in rows]

    def make_due(self) -> int:
        """Every URL due at once, as if each revisit interval had run out (the intervals are kept)."""
        with self.transaction():
            return self.db.execute("UPDATE urls SET next_visit = 0").rowcount

    def count_origin(self, origin: str) -> int:
        return self.db.execute("SELECT COUNT(*) FROM urls WHERE origin=?", (origin,)).fetchone()[0]

    def all_urls(self) -> list[str]:
        """Every URL the state knows, whatever its state: the crawler keeps them in memory to skip SQL."""
        return [r[0] for r in self.db.execute("SELECT url FROM urls")]

    def origin_counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT origin, COUNT(*) FROM urls GROUP BY origin").fetchall())

    def mark(
        self,
        url: str,
        state: str,
        *,
        http_status: int | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        content_hash: str | None = None,
        content_type: str | None = None,
        error: str = "",
        note: str = "",
    ) -> None:
        sets = ["state=?", "fetched_at=?", "error=?", "note=?"]
        args: list[object] = [state, time.time(), error, note]
        for col, val in (
            ("http_status", http_status),
            ("etag", etag),
            ("last_modified", last_modified),
            ("content_hash", content_hash),
            ("content_type", content_type),
        ):
            if val is not None:
                sets.append(f"{col}=?")
                args.append(val)
        sets.append("error_count = error_count + ?" if error else "error_count = 0 + ?")
        args.append(1 if error else 0)
        args.append(url)
        self.db.execute(f"UPDATE urls SET {', '.join(sets)} WHERE url=?", args)

    def hash_owner(self, content_hash: str, url: str) -> str | None:
        """Another URL already holding this exact content, if any."""
        r = self.db.execute(
            "SELECT url FROM urls WHERE content_hash=? AND url<>? AND state='done' AND note='' LIMIT 1",
            (content_hash, url),
        ).fetchone()
        return r[0] if r else None

    def record_external(self, url: str, seen_on: str) -> bool:
        cur = self.db.execute("INSERT OR IGNORE INTO links(url, first_seen_on) VALUES (?,?)", (url, seen_on))
        return cur.rowcount > 0

    # -- entries ----------------------------------------------------------------
    def save_entries(self, page_url: str, entries: list[TalkEntry], *, relevant: bool, page_type: str,
                     tagger: str = "") -> EntryDiff:
        """Replace a page's entries in one transaction; the index catches up on `sync`.

        Entries equal to the stored ones (a listing page that changed but holds no talk, say) leave
        the page clean: nothing to rewrite in the index. `tagger`: the fingerprint of the analysis
        that made them. Returns how the entries changed."""
        rows = [json.dumps(e.to_dict()) for e in entries]
        stored = [(r[0], r[1]) for r in self.db.execute(
            "SELECT entry_id, data FROM entries WHERE page_url=? ORDER BY position", (page_url,))]
        dirty = int([d for _, d in stored] != rows)
        # a talk page shows the write-ups linked to it: when they change, so does its index entry
        talks = {e.talk_url for e in entries} | {json.loads(d).get("talk_url", "") for _, d in stored} if dirty else set()
        diff = EntryDiff()
        if dirty:
            before = dict(stored)
            after = {e.id: row for e, row in zip(entries, rows)}
            diff = EntryDiff(added=len(after.keys() - before.keys()), removed=len(before.keys() - after.keys()),
                             changed=sum(1 for k in after.keys() & before.keys() if after[k] != before[k]))
        with self.transaction():
            if dirty:
                self.db.execute("DELETE FROM entries WHERE page_url=?", (page_url,))
                self.db.executemany(
                    "INSERT INTO entries(page_url, entry_id, position, data) VALUES (?,?,?,?)",
                    [(page_url, e.id, i, row) for i, (e, row) in enumerate(zip(entries, rows))],
                )
            self.db.execute(
                "INSERT INTO pages(page_url, indexed, relevant, page_type, tagger) VALUES (?,?,?,?,?) "
                "ON CONFLICT(page_url) DO UPDATE SET indexed=MIN(indexed, excluded.indexed), "
                "relevant=excluded.relevant, page_type=excluded.page_type, tagger=excluded.tagger",
                (page_url, 1 - dirty, int(relevant), page_type, tagger),
            )
            self.db.executemany("UPDATE pages SET indexed=0 WHERE page_url=?", [(t,) for t in talks - {"", page_url}])
        return diff

    # -- stored pages (for re-analysis) ---------------------------------------------
    def save_body(self, page_url: str, compressed: bytes, charset: str, fetched_at: str) -> None:
        """Keep a page's HTML (zlib-compressed by the caller, off the main thread)."""
        self.db.execute(
            "INSERT INTO bodies(page_url, body, charset, fetched_at) VALUES (?,?,?,?) "
            "ON CONFLICT(page_url) DO UPDATE SET body=excluded.body, charset=excluded.charset, "
            "fetched_at=excluded.fetched_at",
            (page_url, compressed, charset or "", fetched_at),
        )

    def has_body(self, page_url: str) -> bool:
        return self.db.execute("SELECT 1 FROM bodies WHERE page_url=?", (page_url,)).fetchone() is not None

    def stale_bodies(self, fingerprint: str | None) -> Iterator[StoredBody]:
        """Stored pages whose entries were made by another analysis than `fingerprint` (None: all)."""
        urls = [r[0] for r in self.db.execute(
            "SELECT b.page_url FROM bodies b JOIN pages p ON p.page_url=b.page_url "
            "WHERE p.tagger IS NOT ? AND p.page_type<>'gone' ORDER BY b.page_url", (fingerprint,))]
        for url in urls:
            row = self.db.execute("SELECT body, charset, fetched_at FROM bodies WHERE page_url=?", (url,)).fetchone()
            if row is not None:
                yield StoredBody(url, zlib.decompress(row[0]), row[1], row[2])

    def count_stale(self, fingerprint: str | None) -> int:
        return self.db.execute(
            "SELECT COUNT(*) FROM bodies b JOIN pages p ON p.page_url=b.page_url "
            "WHERE p.tagger IS NOT ? AND p.page_type<>'gone'", (fingerprint,)).fetchone()[0]

    def count_missing_bodies(self) -> int:
        """Analysed pages with no stored body: nothing to analyse them again from."""
        return self.db.execute(
            "SELECT COUNT(*) FROM pages WHERE page_type<>'gone' AND page_url NOT IN (SELECT page_url FROM bodies)"
        ).fetchone()[0]

    def requeue_missing_bodies(self) -> int:
        """Analysed pages with no stored body (a data dir from before bodies were kept): queue them
        for one unconditional fetch, so the next run stores them (a 304 would bring no body)."""
        return self.db.execute(
            "UPDATE urls SET state='queued', etag='', last_modified='' WHERE kind='page' AND state='done' "
            "AND note='' AND url IN (SELECT page_url FROM pages WHERE page_type<>'gone') "
            "AND url NOT IN (SELECT page_url FROM bodies)"
        ).rowcount

    def drop_body(self, page_url: str) -> None:
        self.db.execute("DELETE FROM bodies WHERE page_url=?", (page_url,))

    def drop_page(self, page_url: str) -> None:
        """Remove a page's entries (and its stored body); a page that had none costs no index write."""
        self.drop_body(page_url)
        if self.db.execute("SELECT 1 FROM entries WHERE page_url=? LIMIT 1", (page_url,)).fetchone() is None:
            self.db.execute("UPDATE pages SET page_type='gone', relevant=0 WHERE page_url=?", (page_url,))
            return
        self.save_entries(page_url, [], relevant=False, page_type="gone")

    def dirty_pages(self) -> Iterator[tuple[str, list[TalkEntry]]]:
        """Pages whose entries the index has not seen yet, each talk record with its write-ups."""
        pages = [r[0] for r in self.db.execute("SELECT page_url FROM pages WHERE indexed=0")]
        for page_url in pages:
            rows = self.db.execute("SELECT data FROM entries WHERE page_url=? ORDER BY position", (page_url,))
            yield page_url, self._with_writeups([_entry(r[0]) for r in rows])

    def writeups_of(self, talk_url: str) -> list[TalkEntry]:
        """The write-up entries linked to the talk page at `talk_url`, in page order."""
        rows = self.db.execute("SELECT data FROM entries WHERE json_extract(data, '$.talk_url') = ? "
                               "ORDER BY page_url, position", (talk_url,))
        return [_entry(r[0]) for r in rows]

    def _with_writeups(self, entries: list[TalkEntry]) -> list[TalkEntry]:
        """A talk record (a talk page's entry) carries what is written about it, for the index."""
        for e in entries:
            if e.record:
                e.writeups = [writeup_summary(w) for w in self.writeups_of(e.url)]
        return entries

    def mark_indexed(self, page_urls: Iterable[str] | None = None) -> None:
        """The index now holds these pages' entries (None: every page's, after a rebuild)."""
        with self.transaction():
            if page_urls is None:
                self.db.execute("UPDATE pages SET indexed=1 WHERE indexed=0")
            else:
                self.db.executemany("UPDATE pages SET indexed=1 WHERE page_url=?", [(u,) for u in page_urls])

    def pages_with_entries(self) -> Iterator[tuple[str, list[TalkEntry]]]:
        """Every page's entries, page by page (what a rebuilt index holds)."""
        current: str | None = None
        batch: list[TalkEntry] = []
        for page_url, data in self.db.execute("SELECT page_url, data FROM entries ORDER BY page_url, position"):
            if page_url != current:
                if current is not None:
                    yield current, self._with_writeups(batch)
                current, batch = page_url, []
            batch.append(_entry(data))
        if current is not None:
            yield current, self._with_writeups(batch)

    def entries_of(self, page_type: str) -> Iterator[TalkEntry]:
        """The entries of every page of one type ("talk": what the events' own pages say)."""
        rows = self.db.execute("SELECT e.data FROM entries e JOIN pages p ON p.page_url=e.page_url "
                               "WHERE p.page_type=? ORDER BY e.page_url, e.position", (page_type,))
        for (data,) in rows:
            yield _entry(data)

    def all_entries(self) -> Iterator[TalkEntry]:
        for (data,) in self.db.execute("SELECT data FROM entries ORDER BY page_url, position"):
            yield _entry(data)

    def count_entries(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]

    def fetched_urls(self) -> list[str]:
        """URLs that were requested (they have an HTTP status)."""
        return [r[0] for r in self.db.execute("SELECT url FROM urls WHERE http_status IS NOT NULL")]

    def external_links(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT url FROM links")]

    def summary(self) -> StateSummary:
        one = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        has_bodies = self.version >= 1 or one("SELECT COUNT(*) FROM sqlite_master WHERE name='bodies'")
        return StateSummary(
            entries=one("SELECT COUNT(*) FROM entries"),
            pages_indexed=one("SELECT COUNT(*) FROM pages WHERE relevant=1"),
            pages_unsynced=one("SELECT COUNT(*) FROM pages WHERE indexed=0"),
            stored_bodies=one("SELECT COUNT(*) FROM bodies") if has_bodies else 0,
            stored_bytes=one("SELECT COALESCE(SUM(LENGTH(body)), 0) FROM bodies") if has_bodies else 0,
            urls=dict(self.db.execute("SELECT state, COUNT(*) FROM urls GROUP BY state").fetchall()),
            queued=one("SELECT COUNT(*) FROM urls WHERE state='queued'"),
            schema_version=self.version,
        )

    # -- runs -------------------------------------------------------------------
    def start_run(self, command: str) -> int:
        cur = self.db.execute("INSERT INTO runs(command, started, pid) VALUES (?,?,?)",
                              (command, time.time(), os.getpid()))
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, ok: bool, stats: dict) -> None:
        self.db.execute(
            "UPDATE runs SET finished=?, ok=?, stats=? WHERE id=?", (time.time(), int(ok), json.dumps(stats), run_id)
        )

    def runs(self, limit: int = 10) -> list[dict]:
        pid = "pid" if self.version >= 1 else "NULL"
        rows = self.db.execute(
            f"SELECT id, command, started, finished, ok, stats, {pid} FROM runs ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [
            {"id": r[0], "command": r[1], "started": r[2], "finished": r[3], "ok": None if r[4] is None else bool(r[4]),
             "stats": json.loads(r[5]), "pid": r[6]}
            for r in rows
        ]

    def last_crawl(self) -> dict[str, float | None]:
        """Start and finish of the newest run, and the finish of the newest successful one."""
        row = self.db.execute("SELECT started, finished FROM runs ORDER BY id DESC LIMIT 1").fetchone()
        ok = self.db.execute("SELECT MAX(finished) FROM runs WHERE ok=1").fetchone()
        return {"last_crawl_start": row[0] if row else None, "last_crawl_finish": row[1] if row else None,
                "last_crawl_success": ok[0] if ok else None}

    def transaction(self) -> _Tx:
        return _Tx(self.db)


def writeup_summary(w: TalkEntry) -> dict[str, str]:
    """What a talk record keeps of a write-up linked to it (TalkEntry.writeups)."""
    return {"id": w.id, "url": w.url, "page_url": w.page_url, "title": w.own_title or w.title, "site": w.site,
            "author": w.author, "date": w.date, "text": w.summary}


def _entry(data: str) -> TalkEntry:
    """A stored entry (JSON, as save_entries wrote it) as the typed entry every stage passes."""
    return TalkEntry.from_dict(json.loads(data))


class _Tx:
    """BEGIN/COMMIT around a block; nested use joins the outer transaction."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self.outer = False

    def __enter__(self) -> None:
        self.outer = not self.db.in_transaction
        if self.outer:
            self.db.execute("BEGIN")

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.outer:
            self.db.execute("COMMIT" if exc_type is None else "ROLLBACK")


def write_first_release_layout(path: Path) -> None:
    """Turn a crawl.sqlite back into the first release's layout (user_version 0: no bodies table,
    none of MIGRATIONS' columns), which the next open upgrades in place: for the upgrade tests."""
    db = sqlite3.connect(path)
    try:
        db.executescript("DROP TABLE bodies; ALTER TABLE pages DROP COLUMN tagger; ALTER TABLE runs DROP COLUMN pid; "
                         "PRAGMA user_version = 0;")
    finally:
        db.close()


def _open_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection; `immutable` when the directory cannot hold WAL's shared-memory file."""
    if not path.exists():
        raise FileNotFoundError(2, "no crawl state", str(path))
    uri = path.resolve().as_uri()
    db = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=30, isolation_level=None)
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.OperationalError:
        db.close()
        if os.access(path.parent, os.W_OK) and os.access(path, os.W_OK):
            raise
        db = sqlite3.connect(f"{uri}?immutable=1", uri=True, isolation_level=None)
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    if not {"urls", "entries", "pages", "runs"} <= tables:
        db.close()
        raise StoreEmptyError(f"{path} holds no crawl yet (the first run stopped before writing it): "
                              f"run `srefind crawl --data-dir {path.parent}`")
    return db
