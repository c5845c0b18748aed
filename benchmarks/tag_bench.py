"""Tagging speed: talk entries per second on one core, against a named baseline in the same process.

Baseline "tokenize-only": the NLTK sentence split and word tokenization of the same text, the
least any tagger built on NLTK must do. The ratio shows what gazetteer matching, affiliations,
topic scoring and segmentation cost on top. Goal (issue 4): >= 200 entries/s.

    .venv/bin/python benchmarks/tag_bench.py [--shared ../shared] [--rounds 5]

Pages come from the bundled demo web and, when present, the shared corpus (read from disk,
extracted once: this measures tagging, not fetching or parsing HTML).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from srefind.crawler.extract import decode_html, extract
from srefind.index.tagging import Tagger, sentences, words
from srefind.sites import demo_root


def load_pages(shared: Path | None) -> list:
    roots = [demo_root()]
    if shared and (shared / "corpus" / "sites").is_dir():
        roots.append(shared / "corpus" / "sites")
    pages = []
    for root in roots:
        for f in sorted(root.rglob("index.html")):
            rel = f.relative_to(root)
            url = "http://bench.local/" + str(rel.parent).replace(os.sep, "/") + "/"
            pages.append(extract(url, decode_html(f.read_bytes(), None)))
    return pages


def tokenize_only(pages: list) -> int:
    n = 0
    for p in pages:
        for b in p.blocks:
            for s in sentences(b.text):
                n += len(words(s))
    return n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the goal says
    pages = load_pages(args.shared)
    tagger = Tagger()
    tagger.analyze(pages[0])  # warm caches the way a long crawl would
    tag_times, base_times, entries = [], [], 0
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        entries = sum(len(tagger.analyze(p).entries) for p in pages)
        tag_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        tokenize_only(pages)
        base_times.append(time.perf_counter() - t0)
    tag_s, base_s = statistics.median(tag_times), statistics.median(base_times)
    result = {
        "pages": len(pages),
        "entries": entries,
        "tagger_seconds": round(tag_s, 3),
        "tagger_entries_per_second": round(entries / tag_s, 1),
        "tagger_pages_per_second": round(len(pages) / tag_s, 1),
        "baseline": "tokenize-only (NLTK Punkt + regexp tokenizer over the same pages)",
        "baseline_seconds": round(base_s, 3),
        "ratio_tagger_to_baseline_time": round(tag_s / base_s, 2),
        "goal_entries_per_second": 200,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['pages']} pages, {entries} talk entries, median of {args.rounds} rounds, one core")
    print(f"  tagger:         {tag_s:.3f} s  = {result['tagger_entries_per_second']} entries/s, "
          f"{result['tagger_pages_per_second']} pages/s  (goal >= 200 entries/s)")
    print(f"  tokenize-only:  {base_s:.3f} s  (baseline)")
    print(f"  tagger / baseline time: {result['ratio_tagger_to_baseline_time']}x")


if __name__ == "__main__":
    main()
