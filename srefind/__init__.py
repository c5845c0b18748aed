"""srefind: a search engine for what was said at SREcon."""

from pathlib import Path as _Path

__version__ = "0.1.0"

# From a source checkout (not installed), the subpackages srefind.crawler, .index and .web are the
# top-level folders beside this one (pyproject's package-dir maps them when installing): let
# `python -m srefind` find them there too.
_here = _Path(__file__).resolve().parent
if not (_here / "crawler").is_dir() and (_here.parent / "crawler" / "__init__.py").is_file():
    __path__.append(str(_here.parent))  # noqa: F821 - a package's own __path__
