"""URL normalisation and spider-trap guards.

One canonical spelling per URL is what lets the frontier, the dedupe and the index agree
on what "the same page" is.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

TRACKING_PARAMS = {"fbclid", "gclid", "dclid", "msclkid", "mc_cid", "mc_eid", "ref", "ref_src", "_ga", "igshid"}
# Session ids make every visit mint new URLs for the same pages (a classic spider trap): dropped.
SESSION_PARAMS = {"sid", "phpsessid", "jsessionid", "sessionid", "session_id", "aspsessionid", "cfid", "cftoken"}
_PATH_SESSION_RE = re.compile(r";(?:jsessionid|phpsessid|sid|sessionid)=[^/?#;]*", re.I)
INDEX_FILES = ("index.html", "index.htm", "index.php", "default.htm", "default.html")
DEFAULT_PORTS = {"http": 80, "https": 443}
CACHE_SIZE = 16384  # per cache; a page's links repeat across a site (navigation, sidebars, footers)
# References whose resolution needs only the base's scheme ("https://h/x", "//h/x") or its scheme
# and host ("/x"): a host must follow the slashes, else urljoin falls back on the base's path.
_ORIGIN_ONLY_RE = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*:)?//[^/?#\t\r\n]|/(?![/\t\r\n])")


def normalize(url: str, base: str | None = None) -> str | None:
    """Return the canonical form of `url` (resolved against `base`), or None if it is not http(s).

    Drops the fragment, default port, `index.html`, tracking parameters; sorts the query;
    lower-cases scheme and host; resolves `.` and `..` segments.

    Cached (a crawl meets the same links on every page of a site, and each costs ~15 us here):
    an absolute or root-relative link is cached against the base's origin, not the whole base,
    so it is resolved once per site rather than once per page.
    """
    url = url.strip()
    if not url:
        return None
    return _resolve(url, _join_base(url, base) if base else None)


def _join_base(url: str, base: str) -> str:
    """The part of `base` that urljoin(base, url) depends on, as a base: the same result, more cache hits."""
    if _ORIGIN_ONLY_RE.match(url):
        scheme, netloc = _scheme_host(base)
        if scheme in DEFAULT_PORTS and netloc:
            return f"{scheme}://{netloc}/"
    return base


@lru_cache(maxsize=1024)
def _scheme_host(base: str) -> tuple[str, str]:
    parts = urlsplit(base)
    return parts.scheme, parts.netloc


@lru_cache(maxsize=CACHE_SIZE)
def _resolve(url: str, base: str | None) -> str | None:
    return _canonical(urljoin(base, url) if base else url)


@lru_cache(maxsize=CACHE_SIZE)
def _canonical(url: str) -> str | None:
    """`normalize` of an already absolute URL; cached apart, as relative links resolve to the same ones."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:  # an IPv6 literal: urlsplit drops its brackets, a URL needs them
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _PATH_SESSION_RE.sub("", parts.path) or "/"
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
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS and k.lower() not in SESSION_PARAMS
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


# Calendar-like parts of a URL: a date (2024-10-07, 2024/10/07, 20241007, 2024-10, 2024/10) in the
# path or the query, or a query key that names a date. A calendar links every day to the next one
# forever; a blog's dated post URLs differ in their slug too, so they do not share a shape.
_DATE_RE = re.compile(r"(?<![0-9])(?:19|20|21)[0-9]{2}(?:[-/_.]?(?:0[1-9]|1[0-2]))(?:[-/_.]?(?:0[1-9]|[12][0-9]|3[01]))?(?![0-9])")
_DATE_KEYS = {"date", "day", "month", "year", "week", "cal", "calendar", "time", "start", "end", "from", "to",
              "ical", "tribe-bar-date", "eventdate"}


def query_shape(url: str) -> str | None:
    """The URL without its query, when it has one: URLs that differ only by query parameters share it."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")) if parts.query else None


def calendar_shape(url: str) -> str | None:
    """The URL with its dates blanked, when it is calendar-like: a calendar's pages all share it."""
    parts = urlsplit(url)
    path = _DATE_RE.sub("{date}", parts.path)
    keys = sorted({k.lower() for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    dated_query = any(k in _DATE_KEYS for k in keys) or bool(_DATE_RE.search(parts.query))
    if path == parts.path and not dated_query:
        return None
    return urlunsplit((parts.scheme, parts.netloc, path, "&".join(keys), ""))
