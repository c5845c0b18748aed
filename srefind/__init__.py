"""srefind: a search engine for what was said at SREcon."""

__version__ = "0.1.0"
