"""The search backend seam: what the pipeline, the CLI and the web app ask of an index.

They hold a `SearchBackend` and never learn how it indexes: Whoosh (index/search/backend.py)
is the one implementation today, chosen by the `[index] backend` setting. A backend is made
from the data dir and owns where its data lives in it (or on a server it names). The README's
"Another backend" section maps this onto OpenSearch for a corpus that outgrows one machine.

No whoosh here: the CLI imports this at start, and a backend's module is imported when chosen.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from .errors import ConfigError, SrefindError
from .models import Hit, SearchResponse, TalkEntry

# name -> "module:class"; the module is imported only when the backend is chosen
BACKENDS = {"whoosh": "srefind.index.search.backend:WhooshBackend"}
DEFAULT_BACKEND = "whoosh"

# What every backend accepts of a search request (the web and the CLI check them before asking)
MAX_QUERY_CHARS = 256  # longer queries are shortened (Whoosh's parser is quadratic in the length)
MAX_PER_PAGE = 100
MAX_NUMBER_DIGITS = 9  # more digits than any page, size or year can need; int() of 4,300 digits costs CPU


class QueryError(SrefindError, ValueError):
    """A search parameter that cannot mean anything: a 400 on the web, exit 2 in the CLI."""

    exit_code = 2


def whole_number(name: str, raw: str, lo: int, hi: int) -> int:
    """`raw` as an int in [lo, hi]; ASCII digits only (`int()` would take "٣" and fail on "²")."""
    if not (raw.isascii() and raw.isdigit() and len(raw) <= MAX_NUMBER_DIGITS) or not lo <= int(raw) <= hi:
        raise QueryError(f"{name} must be a whole number from {lo} to {hi} in ASCII digits, not {_show(raw)}")
    return int(raw)


def _show(raw: str, width: int = 24) -> str:
    """A parameter value quoted for an error message: printable, long ones cut."""
    text = ascii(raw[:width])[1:-1]
    return f"'{text}'" + (f"... ({len(raw):,} characters)" if len(raw) > width else "")


PageEntries = tuple[str, list[TalkEntry]]  # a page's URL and all its entries ([]: the page is gone)


class Health(Protocol):
    """Whether a backend can answer: `state` is ok, empty, missing, damaged or unreadable."""

    state: str
    detail: str
    generation: int  # -1: none committed
    entries: int


@dataclass
class RebuildReport:
    pages: int
    entries: int
    location: str  # where the new index lives (a folder, an index name)
    removed: list[str] = field(default_factory=list)  # earlier copies deleted after the swap


@dataclass
class BackendStats:
    entries: int  # talk entries searchable now
    generation: int  # how many commits it has seen (a reader's answers all come from one)
    size_bytes: int  # what it keeps on disk (or on its server)
    location: str


@runtime_checkable
class SearchBackend(Protocol):
    """Writes come from the pipeline only, under the data dir's lock; reads from any number of
    threads at once, each answer from one committed state."""

    name: str

    # -- writes ----------------------------------------------------------------------
    def apply(self, changes: Iterable[PageEntries]) -> int:
        """Add, replace or delete pages' entries (each page's entries replace all it had) in one
        commit; pages not named are untouched. Returns how many pages were written."""
        ...

    def finish(self) -> None:
        """Wait for background work of this process's writes (merges) before a run ends."""
        ...

    def rebuild(self, pages: Iterable[PageEntries], on_progress: Callable[[int, int | None], None] | None = None
                ) -> RebuildReport:
        """A complete new index from every page's entries, swapped in at once when whole."""
        ...

    # -- reads -----------------------------------------------------------------------
    def search(self, query: str = "", filters: dict[str, list[str]] | None = None, *, sort: str = "relevance",
               page: int = 1, per_page: int = 10, facet_limit: int = 0, view: str = "talk") -> SearchResponse:
        """One page of talks for a query with facet filters, and the facet counts. `view`: "talk" (one
        result per talk, its write-ups with it) or "writeup" (every write-up on its own)."""
        ...

    def talk(self, entry_id: str) -> TalkEntry | None:
        ...

    def writeups(self, talk_url: str) -> list[TalkEntry]:
        """The write-up entries linked to the talk page at `talk_url` (TalkEntry.talk_url), newest first."""
        ...

    def related(self, entry_id: str, limit: int = 5) -> list[Hit]:
        """Talks like this one (not itself), best first."""
        ...

    def doc_count(self) -> int:
        ...

    def generation(self) -> int:
        ...

    def stats(self) -> BackendStats:
        ...

    def health(self) -> Health:
        ...

    def exists(self) -> bool:
        """Whether there is an index at all (a first crawl makes it)."""
        ...

    def close(self) -> None:
        ...


def open_backend(data_dir: Path, name: str = DEFAULT_BACKEND, *, lexicon_dir: Path | None = None,
                 lazy: bool = True) -> SearchBackend:
    """The backend called `name` for a data dir. `lazy`: do not open the index before first use (a
    server starts, and says why it cannot search, before there is one)."""
    try:
        target = BACKENDS[name]
    except KeyError:
        raise ConfigError(f"unknown search backend {name!r} (known: {', '.join(sorted(BACKENDS))})") from None
    module, _, cls = target.partition(":")
    backend: SearchBackend = getattr(importlib.import_module(module), cls)(Path(data_dir), lexicon_dir=lexicon_dir,
                                                                           lazy=lazy)
    return backend
