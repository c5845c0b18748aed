"""Logging for people (text) or for journald and log shippers (`--log-format json`: one object a line)."""

from __future__ import annotations

import json
import logging
import sys
import time

from .terminal import printable


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        out.update(getattr(record, "fields", {}) or {})
        if record.exc_info:
            text = self.formatException(record.exc_info)
            out["error"] = text.splitlines()[-1]
            out["traceback"] = text  # the whole of it, as one field: a log line stays one line
        if record.stack_info:
            out["stack"] = record.stack_info
        return json.dumps(out, default=str)


class TextFormatter(logging.Formatter):
    """One line for people; crawled text in a message (a URL, a title) shows its control characters."""

    def format(self, record: logging.LogRecord) -> str:
        return printable(super().format(record))


def configure(fmt: str = "text", level: str = "warning") -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(TextFormatter("srefind: %(levelname)s: %(message)s"))
    root = logging.getLogger("srefind")
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    root.propagate = False
    if fmt == "json":
        # every line is JSON, the libraries' too (waitress's "Serving on" and "Task queue depth",
        # werkzeug, urllib3) and Python's warnings
        libraries = logging.getLogger()
        libraries.handlers[:] = [handler]
        libraries.setLevel(logging.WARNING if level.upper() in ("ERROR", "WARNING") else logging.INFO)
        logging.captureWarnings(True)


def json_error(message: str, **fields: object) -> str:
    """An error the CLI reports, as a --log-format json line."""
    return json.dumps({"time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z", "level": "error",
                       "logger": "srefind.cli", "message": message, **fields}, default=str)


def event(logger: logging.Logger, message: str, level: int = logging.INFO, **fields: object) -> None:
    """A log line with structured fields (kept as JSON keys with --log-format json)."""
    text = message + ("" if not fields else " " + " ".join(f"{k}={v}" for k, v in fields.items()))
    logger.log(level, text if not json_logging() else message, extra={"fields": fields})


def json_logging() -> bool:
    """Whether srefind logs JSON (--log-format json)."""
    return any(isinstance(h.formatter, JsonFormatter) for h in logging.getLogger("srefind").handlers)

