"""Search: the Whoosh index of talk entries, how it is written (bulkwrite, merges, store), read
concurrently (readers), queried (query, bounds, budget) and answered with facets (engine, facets).

Import from here: these names are the package's public API; the modules behind them may move.
Every private Whoosh name the package relies on is listed, with why, in `compat`.
"""

from srefind.backend import MAX_PER_PAGE, MAX_QUERY_CHARS, QueryError, whole_number
from srefind.models import Hit, SearchResponse

from .backend import WhooshBackend
from .engine import SearchEngine
from .query import QueryBuilder
from .readers import IndexHealth, check_index, latest_generation
from .rebuild import rebuild
from .store import apply_changes, finish_merges, index_exists, open_index

__all__ = [
    "MAX_PER_PAGE", "MAX_QUERY_CHARS", "Hit", "IndexHealth", "QueryError", "SearchEngine", "SearchResponse",
    "apply_changes", "check_index", "finish_merges", "index_exists", "latest_generation", "open_index", "rebuild",
    "whole_number", "WhooshBackend", "QueryBuilder",
]
