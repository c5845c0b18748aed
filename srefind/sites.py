"""A small static web server for local sites: one port per site, ETag/Last-Modified/304, robots.

Serves the bundled demo site for `srefind demo`, and the fixture sites of the tests, over real
HTTP on loopback so the crawler is exercised exactly as on the web.
"""

from __future__ import annotations

import contextlib
import email.utils
import hashlib
import http.server
import json
import mimetypes
import threading
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from urllib.parse import unquote, urlsplit


def demo_root() -> Path:
    """The bundled demo web: shipped in the package so a `pip install` user has it too."""
    return Path(str(resources.files("srefind") / "demo_site"))


class SiteHandler(http.server.BaseHTTPRequestHandler):
    root: Path = Path(".")
    server_version = "srefind-site/1"
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else each kept-alive request after the first stalls ~40 ms

    def log_message(self, format: str, *args: object) -> None:  # quiet: tests and the demo print their own
        pass

    def _resolve(self) -> Path | None:
        path = unquote(urlsplit(self.path).path)
        target = (self.root / path.lstrip("/")).resolve()
        if self.root.resolve() not in target.parents and target != self.root.resolve():
            return None
        if target.is_dir():
            if not path.endswith("/"):
                return target  # redirect to the slash form below
            target = target / "index.html"
        return target if target.is_file() else None

    def do_HEAD(self) -> None:
        self.do_GET(head=True)

    def do_GET(self, head: bool = False) -> None:
        routes = self._routes()
        path = urlsplit(self.path).path
        if path in routes.get("gone", []):
            return self._send(410, b"gone\n", "text/plain")
        if path in routes.get("redirects", {}):
            return self._redirect(routes["redirects"][path])
        target = self._resolve()
        if target is None:
            return self._send(404, b"<!DOCTYPE html><title>Not found</title><p>Not found</p>\n", "text/html")
        if target.is_dir():
            return self._redirect(path + "/")
        body = target.read_bytes()
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        mtime = target.stat().st_mtime
        last_modified = email.utils.formatdate(mtime, usegmt=True)
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        if (inm and inm == etag) or (not inm and ims and _not_modified_since(ims, mtime)):
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if ctype.startswith("text/") or ctype.endswith("xml"):
            ctype += "; charset=utf-8" if b"windows-1252" not in body[:400] else ""
        self._send(200, body, ctype, {"ETag": etag, "Last-Modified": last_modified}, head=head)

    def _routes(self) -> dict:
        f = self.root / "_routes.json"
        return json.loads(f.read_text()) if f.is_file() else {}

    def _redirect(self, location: str) -> None:
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send(self, status: int, body: bytes, ctype: str, headers: dict | None = None, head: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)


def _not_modified_since(ims: str, mtime: float) -> bool:
    try:
        return int(mtime) <= email.utils.parsedate_to_datetime(ims).timestamp()
    except (TypeError, ValueError):
        return False


@contextlib.contextmanager
def serve_sites(root: Path, host: str = "127.0.0.1", first_port: int = 0) -> Iterator[dict[str, str]]:
    """Serve every folder under `root` at its own port (free ones, or first_port, first_port + 1, …
    in folder order: the same URLs each time); yields {site: base_url}. A port in use is an OSError."""
    servers = []
    bases: dict[str, str] = {}
    try:
        for i, site in enumerate(sorted(p for p in root.iterdir() if p.is_dir())):
            handler = type(f"Handler_{site.name}", (SiteHandler,), {"root": site})
            server = http.server.ThreadingHTTPServer((host, first_port + i if first_port else 0), handler)
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            servers.append(server)
            bases[site.name] = f"http://{host}:{server.server_address[1]}/"
        yield bases
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
