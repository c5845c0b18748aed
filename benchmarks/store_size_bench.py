#!/usr/bin/env python3
"""What it costs to keep every analysed page for re-tagging: its HTML or its extracted Page.

`srefind retag` and a tagger upgrade analyse every stored page again without a request. Two
things could be kept in crawl.sqlite: the fetched HTML (zlib, what srefind keeps) or the Page the
extractor made from it (JSON, zlib). This crawls the labelled corpus of ../shared over HTTP (as
`srefind eval` does) into a temporary data dir, then for every stored page measures both sizes,
per 1,000 pages, and the time to extract a Page from the HTML again (what keeping the HTML
costs at each retag). The extractor is part of what changes between versions (issue 14 is about
it), so only the HTML lets an upgrade reach what the extractor does; the figures say what that
choice costs.

    .venv/bin/python benchmarks/store_size_bench.py [--shared ../shared] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import zlib
from dataclasses import asdict
from pathlib import Path

from srefind.config import load_config
from srefind.crawler.extract import decode_html, extract
from srefind.crawler.state import CrawlState
from srefind.evaluation import fixture_web
from srefind.pipeline import run_crawl


def measure(shared: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="srefind-store-size-") as tmp:
        data = Path(tmp)
        cfg = load_config(None)
        cfg.delay = 0.0
        t0 = time.perf_counter()
        with fixture_web(shared) as bases:
            run_crawl(cfg, data, list(bases.values()))
        crawl_s = time.perf_counter() - t0
        state = CrawlState(data / "crawl.sqlite", readonly=True)
        n = raw = stored = page_json = page_z = 0
        extract_s = 0.0
        for body in state.stale_bodies(None):
            n += 1
            raw += len(body.html)
            stored += len(zlib.compress(body.html, 6))
            t = time.perf_counter()
            page = extract(body.page_url, decode_html(body.html, body.charset or None), fetched_at=body.fetched_at)
            extract_s += time.perf_counter() - t
            js = json.dumps(asdict(page), ensure_ascii=False, separators=(",", ":")).encode()
            page_json += len(js)
            page_z += len(zlib.compress(js, 6))
        db_mb = (data / "crawl.sqlite").stat().st_size / 2**20
        state.close()
    per_k = 1000 / n if n else 0
    return {"pages": n, "crawl_seconds": round(crawl_s, 1), "crawl_sqlite_mb": round(db_mb, 2),
            "per_1000_pages_mb": {"html_raw": round(raw * per_k / 2**20, 1),
                                  "html_zlib (kept)": round(stored * per_k / 2**20, 1),
                                  "page_json": round(page_json * per_k / 2**20, 1),
                                  "page_json_zlib": round(page_z * per_k / 2**20, 1)},
            "extract_ms_per_page": round(extract_s * 1000 / n, 1) if n else None}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[1].parent / "shared"))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out = measure(Path(args.shared))
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"{out['pages']} stored pages (crawl of {args.shared} in {out['crawl_seconds']} s; "
          f"crawl.sqlite {out['crawl_sqlite_mb']} MB)")
    for k, v in out["per_1000_pages_mb"].items():
        print(f"  per 1,000 pages, {k:18} {v:8.1f} MB")
    print(f"  re-extracting a Page from its HTML: {out['extract_ms_per_page']} ms per page")
    return 0


if __name__ == "__main__":
    sys.exit(main())
