#!/usr/bin/env python3
"""How fast the crawler backs off a rate-limited web: the share of 429s, per site, over time.

Serves ../shared's sites with `fixture_web.py --max-rps N` (more than N requests to one site in
a second get 429 with Retry-After: 1), crawls them all with --delay 0 (the crawler's own gap is
what is measured), and reads the server's access log: per site, the share of 429s in its first
20 requests (the crawler learning the limit) and after them (goal: under 5%). The baseline in the
same run is the first 20 requests.

    .venv/bin/python benchmarks/throttle_bench.py [--max-rps 2] [--shared ../shared] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from srefind.config import load_config
from srefind.evaluation import fixture_web
from srefind.pipeline import run_crawl

LEARNING = 20  # requests per site before the share is judged


def measure(shared: Path, max_rps: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="srefind-throttle-") as tmp:
        log = Path(tmp) / "access.jsonl"
        cfg = load_config(None)
        cfg.delay = 0.0
        t0 = time.perf_counter()
        with fixture_web(shared, max_rps=max_rps, log=log) as bases:
            stats = run_crawl(cfg, Path(tmp) / "data", list(bases.values()))
        seconds = time.perf_counter() - t0
        by_site: dict[str, list[int]] = defaultdict(list)
        for line in log.read_text().splitlines():
            rec = json.loads(line)
            by_site[rec["site"]].append(int(rec["status"]))
    sites = {}
    for site, statuses in sorted(by_site.items()):
        first, rest = statuses[:LEARNING], statuses[LEARNING:]
        sites[site] = {"requests": len(statuses), "429_first_20": sum(s == 429 for s in first),
                       "429_after": sum(s == 429 for s in rest),
                       "share_after": round(sum(s == 429 for s in rest) / len(rest), 4) if rest else 0.0}
    total = sum(v["requests"] for v in sites.values())
    after = sum(max(0, v["requests"] - LEARNING) for v in sites.values())
    return {"max_rps": max_rps, "seconds": round(seconds, 1), "requests": total,
            "429_total": sum(v["429_first_20"] + v["429_after"] for v in sites.values()),
            "share_after_first_20": round(sum(v["429_after"] for v in sites.values()) / after, 4) if after else 0.0,
            "worst_site_share_after": max((v["share_after"] for v in sites.values()), default=0.0),
            "entries": stats.entries, "sites": sites}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[1].parent / "shared"))
    ap.add_argument("--max-rps", type=float, default=2.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    out = measure(Path(args.shared), args.max_rps)
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"--max-rps {out['max_rps']}: {out['requests']} requests in {out['seconds']} s, {out['429_total']} 429s; "
          f"after each site's first {LEARNING}: {out['share_after_first_20']:.1%} 429s "
          f"(worst site {out['worst_site_share_after']:.1%}); {out['entries']} talk entries")
    print(f"{'site':28} {'requests':>8} {'429s in first 20':>16} {'429s after':>10} {'share after':>11}")
    for site, v in out["sites"].items():
        print(f"{site:28} {v['requests']:>8} {v['429_first_20']:>16} {v['429_after']:>10} {v['share_after']:>11.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
