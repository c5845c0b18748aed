"""URL normalisation and spider-trap guards.

One canonical spelling per URL is what lets the frontier, the dedupe and the index agree
on what "the same page" is.
"""

from __future__ import annotations

import posixpath
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

TRACKING_PARAMS = {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "ref", "ref_src", "_ga", "igshid"}
INDEX_FILES = ("index.html", "index.htm", "index.php", "default.htm", "default.html")
DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize(url: str, base: str | None = None) -> str | None:
    """Return the canonical form of `url` (resolved against `base`), or None if it is not http(s).

    Drops the fragment, default port, `index.html`, tracking parameters; sorts the query;
    lower-cases scheme and host; resolves `.` and `..` segments.
    """
    url = url.strip()
    if not url:
        return None
    if base:
        url = urljoin(base, url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = parts.path or "/"
    trailing = path.endswith("/")
    path = posixpath.normpath(path)
    if path in (".", "//"):
        path = "/"
    if trailing and not path.endswith("/"):
        path += "/"
    head, _, last = path.rpartition("/")
    if last.lower() in INDEX_FILES:
        path = head + "/"
    path = quote(unquote(path), safe="/%:@!$&'()*+,;=~-._")
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    ]
    query.sort()
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def origin(url: str) -> str:
    """scheme://host[:port] of a normalised URL: the unit of politeness and scope."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def site_name(url: str) -> str:
    """A short, human name for the site a URL belongs to (its host, with the port when not default)."""
    return urlsplit(url).netloc


def trap_reason(url: str, *, max_length: int = 512, max_repeats: int = 2) -> str | None:
    """Why `url` looks like a spider trap (too long, a path segment repeated), or None."""
    if len(url) > max_length:
        return "url-too-long"
    segments = [s for s in urlsplit(url).path.split("/") if s]
    counts: dict[str, int] = {}
    for seg in segments:
        counts[seg] = counts.get(seg, 0) + 1
        if counts[seg] > max_repeats:
            return "repeated-segment"
    return None
