"""Crawled text on a terminal: control characters shown, never obeyed.

A crawled title can carry ESC sequences (clear the screen, set the window title, fake a
prompt), C1 controls or bidi overrides that reorder what is shown. Everything the CLI prints for
people goes through `printable`; `--json` output is data and stays exact (JSON escapes C0 itself).
"""

from __future__ import annotations

import re

from rich.console import Console

# C0 controls but tab and newline, DEL, C1 controls; bidi embeddings, overrides and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def _visible(m: re.Match[str]) -> str:
    c = ord(m.group())
    if c < 0x20:
        return chr(0x2400 + c)  # the Control Pictures block: ESC shows as a visible ␛
    if c == 0x7F:
        return "\u2421"
    return "\ufffd"


def printable(text: str) -> str:
    """`text` with every control character replaced by a visible stand-in."""
    return _UNSAFE.sub(_visible, text)


class SafeConsole(Console):
    """A rich Console whose plain strings (table cells, titles, print arguments) are made
    printable before rendering, so no call site can forget; styles from rich itself still work."""

    def render_str(self, text: str, **kwargs):
        return super().render_str(printable(text), **kwargs)
