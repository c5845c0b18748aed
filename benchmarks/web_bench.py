#!/usr/bin/env python3
"""Server time of the search page (`/`) with facets, and the page weight, on the demo index.

What is measured:

  /             the search page as a browser asks for it: a query (or none), then zero to four of
                the facet values offered under it (one or two companies OR-ed, a topic, a year),
                sometimes a sort or page 2.
                The request goes through the Flask test client (the whole WSGI app: parameter
                checks, search, disjunctive facet counts, snippets, the Jinja template, security
                headers, metrics), so this is server time with no network and no HTTP parsing.
  baselines     in the same process, in the same loop, interleaved with the `/` requests so
                that both see the same machine: `/healthz` (the app's fixed cost per request: the
                Flask dispatch, the after_request hooks and a doc count) and `engine.search()`
                called directly with the same parameters (the search alone, without the web
                layer). Printed as ratios: `/` over each.

How: the bundled demo web is served on loopback ports and crawled into a temporary data dir (as
`make demo` and the test fixture `demo_data` do; --data-dir reuses a finished crawl), the app is
created, every distinct request is made once as warm-up (the first one, which builds the facet
caches, is reported as "cold"), then N requests (default 500) drawn from a fixed seed are timed
with time.perf_counter(). Page weight: the HTML of `/` and `/?q=tracing` plus the stylesheet and
script they load (there are no images), raw and gzipped.

Goals (the issue): p95 of `/` <= 50 ms; page weight < 100 KB.

Concurrent mode (--concurrent): the real server over real HTTP, as people behind one URL use it.
`srefind serve` is started as a subprocess (waitress; --workers 1 and the default, one process
per core), on the demo index and on a synthetic 10k-entry index (benchmarks/search_bench.py's
corpus, built with the crawl's own commit path). 1, 4 and 16 client threads, each on its own
keep-alive connection (http.client), send a fixed mix of `/api/search` requests (queries,
phrases, typos, facet filters, pages 1-5); every body is compared with the one the same request
got when it was sent alone before the run, so a wrong answer counts as an error, not only a
non-200. `/healthz` at the same levels is the baseline: the server's fixed cost per request.
Printed per index, workers and clients: requests/s, p50/p95/p99 and errors.

Goals (issue 11): 0 errors and 0 differing bodies at every level; with the default workers,
requests/s at 4 and 16 clients >= 1.6x that of 1 client.

    .venv/bin/python benchmarks/web_bench.py
    .venv/bin/python benchmarks/web_bench.py --requests 2000 --json
    .venv/bin/python benchmarks/web_bench.py --data-dir /tmp/demo-data --check   # exit 1 on a missed goal
    .venv/bin/python benchmarks/web_bench.py --concurrent --check
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import concurrent_http
from concurrent_http import percentile

GOALS = {"p95_ms": 50.0, "page_weight_bytes": 100_000}
SEED = 20240611
QUERIES = [
    "", "", "", "tracing", "distributed tracing", "incident", "kubernetes", "k8s", "postmortem", "slo",
    "error budget", '"error budget"', "observability", "o11y", "ml", "machine learning", "latency",
    "capacity", "chaos engineering", "company:google", "topic:tracing", "year:2018..2019",
    "tracing AND kafka", "kubernetes OR containers", "reliability NOT google", "tracng", "kuberntes",
    "on-call burnout", "database migration", "zzzz nothing matches",
]


def crawl_demo(data_dir: Path) -> None:
    from srefind.config import load_config
    from srefind.pipeline import run_crawl
    from srefind.sites import demo_root, serve_sites

    with serve_sites(demo_root()) as bases:
        cfg = load_config(None)
        cfg.delay = 0.0
        run_crawl(cfg, data_dir, list(bases.values()))


def request_mix(facets_by_query: dict[str, dict[str, list[str]]], n: int, rng: random.Random) -> list[list[tuple[str, str]]]:
    """n search-page requests: a query from QUERIES, then facet values offered under that query,
    as a user refining a search picks them (one or two companies, a topic, a year)."""
    out = []
    for _ in range(n):
        params: list[tuple[str, str]] = []
        q = rng.choice(QUERIES)
        if q:
            params.append(("q", q))
        facets = facets_by_query[q]
        companies, topics, years = facets.get("company", []), facets.get("topic", []), facets.get("year", [])
        k = rng.choices([0, 1, 2], weights=[3, 4, 3])[0]
        params += [("company", c) for c in rng.sample(companies, min(k, len(companies)))]
        if topics and rng.random() < 0.3:
            params.append(("topic", rng.choice(topics)))
        if years and rng.random() < 0.4:
            params.append(("year", rng.choice(years)))
        if rng.random() < 0.15:
            params.append(("sort", rng.choice(["newest", "oldest"])))
        if rng.random() < 0.1:
            params.append(("page", "2"))
        out.append(params)
    return out


def summarize(samples: list[float]) -> dict:
    ms = [s * 1000 for s in samples]
    return {"n": len(ms), "mean_ms": round(statistics.fmean(ms), 3), "p50_ms": round(percentile(ms, 50), 3),
            "p95_ms": round(percentile(ms, 95), 3), "p99_ms": round(percentile(ms, 99), 3),
            "max_ms": round(max(ms), 3)}


def page_weight(client, path: str) -> dict:
    html = client.get(path).data
    assets = re.findall(rb'(?:href|src)="(/static/[^"]+)"', html)
    sizes = {"html": len(html)}
    total, total_gz = len(html), len(gzip.compress(html))
    for a in assets:
        body = client.get(a.decode()).data
        sizes[a.decode()] = len(body)
        total += len(body)
        total_gz += len(gzip.compress(body))
    images = re.findall(rb"<img\b", html)
    return {"path": path, "bytes": total, "gzip_bytes": total_gz, "parts": sizes, "images": len(images)}


def run(args) -> dict:
    from srefind.web.app import create_app

    tmp = None
    if args.data_dir:
        data = Path(args.data_dir)
        if not (data / "index").exists():
            data.mkdir(parents=True, exist_ok=True)
            crawl_demo(data)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="srefind-web-bench-")
        data = Path(tmp.name)
        t0 = time.perf_counter()
        crawl_demo(data)
        print(f"crawled the demo web into {data} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)

    app = create_app(data)
    engine = app.extensions["srefind"]
    client = app.test_client()

    def get(url: str) -> bytes:
        resp = client.get(url)
        body = resp.data
        if resp.status_code != 200:
            raise SystemExit(f"{url} answered {resp.status_code}: {body[:200]!r}")
        return body

    t0 = time.perf_counter()
    get("/")
    cold_ms = (time.perf_counter() - t0) * 1000

    facets_by_query = {q: {f: [v.value for v in rows] for f, rows in engine.search(q).facets.items()}
                       for q in set(QUERIES)}
    rng = random.Random(args.seed)
    mix = request_mix(facets_by_query, args.requests, rng)
    urls = ["/?" + urlencode(p) if p else "/" for p in mix]

    def direct(params: list[tuple[str, str]]):
        q = dict(params).get("q", "")
        filters: dict[str, list[str]] = {}
        for k, v in params:
            if k in ("company", "topic", "year", "conference", "speaker", "site"):
                filters.setdefault(k, []).append(v)
        d = dict(params)
        return engine.search(q, filters, sort=d.get("sort", "relevance"), page=int(d.get("page", "1")))

    for url, params in dict(zip(urls, mix)).items():  # warm-up: every distinct request once
        get(url)
        direct(params)
    get("/healthz")

    page_t, health_t, search_t = [], [], []
    totals = []
    gc.collect()
    clock = time.perf_counter
    for url, params in zip(urls, mix):
        t = clock()
        body = get(url)
        page_t.append(clock() - t)
        t = clock()
        get("/healthz")
        health_t.append(clock() - t)
        t = clock()
        resp = direct(params)
        search_t.append(clock() - t)
        totals.append(resp.total)
        assert b"</html>" in body

    page, health, search = summarize(page_t), summarize(health_t), summarize(search_t)
    weights = [page_weight(client, "/"), page_weight(client, "/?q=tracing")]
    out = {
        "entries": engine.doc_count(),
        "requests": args.requests,
        "distinct_requests": len(set(urls)),
        "with_results": sum(1 for t in totals if t),
        "cold_first_request_ms": round(cold_ms, 2),
        "search_page": page,
        "baseline_healthz": health,
        "baseline_engine_search": search,
        "ratios": {
            "p50_page_over_healthz": round(page["p50_ms"] / health["p50_ms"], 1),
            "p95_page_over_healthz": round(page["p95_ms"] / health["p95_ms"], 1),
            "p50_page_over_engine_search": round(page["p50_ms"] / search["p50_ms"], 2),
            "p95_page_over_engine_search": round(page["p95_ms"] / search["p95_ms"], 2),
        },
        "page_weight": weights,
        "goals": {
            "p95_ms <= 50": page["p95_ms"] <= GOALS["p95_ms"],
            "page weight < 100 KB": all(w["bytes"] < GOALS["page_weight_bytes"] for w in weights),
        },
    }
    if tmp is not None:
        tmp.cleanup()
    return out


def report(out: dict) -> str:
    lines = [f"demo index: {out['entries']} talk entries; {out['requests']} timed requests to / "
             f"({out['distinct_requests']} distinct, {out['with_results']} with results); "
             f"cold first request {out['cold_first_request_ms']:.1f} ms", ""]
    lines.append(f"{'':26} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'max ms':>8}")
    for name, key in (("/ (search page, facets)", "search_page"), ("baseline /healthz", "baseline_healthz"),
                      ("baseline engine.search()", "baseline_engine_search")):
        s = out[key]
        lines.append(f"{name:26} {s['p50_ms']:8.2f} {s['p95_ms']:8.2f} {s['p99_ms']:8.2f} {s['mean_ms']:8.2f} {s['max_ms']:8.2f}")
    r = out["ratios"]
    lines += ["", f"/ over /healthz: {r['p50_page_over_healthz']}x at p50, {r['p95_page_over_healthz']}x at p95",
              f"/ over engine.search() alone: {r['p50_page_over_engine_search']}x at p50, "
              f"{r['p95_page_over_engine_search']}x at p95 (the rest is the web layer: template, URLs, headers)", ""]
    for w in out["page_weight"]:
        parts = ", ".join(f"{k} {v:,}" for k, v in w["parts"].items())
        lines.append(f"page weight {w['path']:12} {w['bytes']:>7,} bytes ({w['gzip_bytes']:,} gzipped; "
                     f"{w['images']} images): {parts}")
    lines.append("")
    for goal, ok in out["goals"].items():
        lines.append(f"goal {goal}: {'met' if ok else 'MISSED'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--requests", type=int, default=500, help="timed requests to / (default 500)")
    ap.add_argument("--seed", type=int, default=SEED)
    ap.add_argument("--data-dir", help="reuse (or create) a crawl of the demo web here instead of a temp dir")
    ap.add_argument("--json", action="store_true", help="print the numbers as JSON")
    ap.add_argument("--check", action="store_true", help="exit 1 when a goal is missed")
    ap.add_argument("--concurrent", action="store_true",
                    help="the concurrent mode: srefind serve over HTTP with 1/4/16 clients")
    ap.add_argument("--clients", default="1,4,16", help="concurrent mode: client counts (default 1,4,16)")
    ap.add_argument("--workers", default="1,auto",
                    help="concurrent mode: server processes to compare (default 1,auto: auto is one per core)")
    ap.add_argument("--threads", type=int, default=0,
                    help="concurrent mode: srefind serve --threads (default: serve's own default)")
    ap.add_argument("--size", type=int, default=10_000, help="concurrent mode: synthetic index size (0: demo only)")
    args = ap.parse_args(argv)
    if args.concurrent:
        out = concurrent_http.run(args, crawl_demo, QUERIES)
        print(json.dumps(out, indent=2) if args.json else concurrent_http.report(out))
        return 1 if args.check and not all(out["goals"].values()) else 0
    out = run(args)
    print(json.dumps(out, indent=2) if args.json else report(out))
    return 1 if args.check and not all(out["goals"].values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
