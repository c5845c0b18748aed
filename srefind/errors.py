"""Errors a user can act on. The CLI prints their message on one line and exits non-zero."""


class SrefindError(Exception):
    """Base class: an error with a message meant for the person at the terminal."""

    exit_code = 1


class UsageError(SrefindError):
    """The command line asks for something that cannot be done as asked (a seed that is no URL)."""

    exit_code = 2


class ConfigError(SrefindError):
    """A configuration file is missing or malformed; the message names file and line."""

    exit_code = 2


class DataDirError(SrefindError):
    """The data dir is missing, empty or holds no index yet."""

    exit_code = 2


class IndexLockedError(SrefindError):
    """Another process holds the index or the crawl lock."""

    exit_code = 75


class IndexUnavailableError(DataDirError):
    """The index cannot be searched. `state`: "missing", "empty", "damaged" or "unreadable".

    The message says what is wrong; callers that know the data dir add the command that fixes it."""

    def __init__(self, state: str, detail: str) -> None:
        super().__init__(detail)
        self.state = state
        self.detail = detail


class StoreEmptyError(DataDirError):
    """crawl.sqlite exists but holds no crawl (a first run stopped before writing its tables)."""
