"""The nightly re-crawl measured on the shared corpus: generation 1, then generation 2 of the same web.

fixture_web.py serves generation 1; srefind crawls it. The same ports then serve generation 2 (about
1 in 8 pages edited, 1 in 25 deleted, the 1 in 20 held back in generation 1 published) and
`srefind recrawl --full` revisits it. Checked from the fixture's own access log and the index:
- every page known from generation 1 is revisited with a conditional GET;
- unchanged pages are answered 304 and not re-indexed;
- every edited indexed page's new text is searchable, on that page;
- every deleted page is gone from search; every new page is found.
Timing (baseline named "first crawl"): a re-crawl of an unchanged web (generation 1 again),
`--full` and the default due-only run, as a share of the first crawl's time. Goal: <= 20%.

    .venv/bin/python benchmarks/recrawl_bench.py [--shared ../shared] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from srefind.config import DataPaths, load_config
from srefind.evaluation import fixture_web, free_port_block, locate
from srefind.index.search import SearchEngine
from srefind.pipeline import run_crawl


def rel_of(path: str) -> str:
    rel = path.lstrip("/")
    return rel + "index.html" if rel == "" or rel.endswith("/") else rel


def fixture_sites(shared: Path) -> dict:
    sys.path.insert(0, str(shared / "tools"))
    import fixture_web as fw  # type: ignore

    sys.path.pop(0)
    root = shared / "corpus" / "sites"
    return {p.name: fw.Site(p.name, p, 2) for p in root.iterdir() if p.is_dir()}


def was_edited(shared: Path, sites: dict, site: str, path: str) -> bool:
    """Generation 2 edits a page by inserting a note before </article> (else </body>); a page with
    neither (the corpus's deliberately broken one) is served unchanged."""
    rel = rel_of(path)
    body = (shared / "corpus" / "sites" / site / rel).read_bytes()
    return sites[site].edited(rel) and (b"</article>" in body or b"</body>" in body)


def entries_by_page(data: Path) -> dict[str, list]:
    from srefind.crawler.state import CrawlState

    state = CrawlState(DataPaths(data).state)
    try:
        out: dict[str, list] = {}
        for e in state.all_entries():
            out.setdefault(e.page_url, []).append(e)
        return out
    finally:
        state.close()


def timed_crawl(cfg, data: Path, seeds: list[str], **kw) -> tuple[float, dict]:
    t0 = time.perf_counter()
    stats = run_crawl(cfg, data, seeds, **kw)
    return time.perf_counter() - t0, stats.to_dict()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    shared = args.shared.resolve()
    sites = fixture_sites(shared)
    cfg = load_config(None)
    cfg.delay = 0.0
    port = free_port_block(len(sites))
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        data, log2 = tmp / "data", tmp / "gen2.jsonl"
        with fixture_web(shared, port=port) as bases:
            seeds = list(bases.values())
            t_first, first = timed_crawl(cfg, data, seeds)
        gen1_pages = entries_by_page(data)
        from srefind.crawler.state import CrawlState

        state = CrawlState(DataPaths(data).state)
        # Pages answered 200 in generation 1 (redirect sources have no validator to be conditional on).
        known = {r.url for r in state.records()
                 if r.kind == "page" and r.state == "done" and r.http_status == 200 and not r.note.startswith("redirect")}
        state.close()
        with fixture_web(shared, generation=2, port=port, log=log2) as bases2:
            assert bases2 == bases
            t_gen2, second = timed_crawl(cfg, data, [], command="recrawl", requeue=True, full=True)
        log = [json.loads(x) for x in log2.read_text().splitlines()]
        conditional = {(r["site"], urlsplit(r["path"]).path) for r in log if r["if_none_match"] or r["if_modified_since"]}
        known_keys = {locate(u, bases) for u in known}
        not_conditional = sorted(f"{s}{p}" for s, p in known_keys if (s, p) not in conditional)
        answered_304 = sum(1 for r in log if r["status"] == 304)
        gen2_pages = entries_by_page(data)
        engine = SearchEngine(DataPaths(data).index)
        phrase = engine.search('"posted slides and a recording"', per_page=100)
        phrase_pages = {h.page_url for h in phrase.results}
        edited_indexed = {u for u in gen2_pages if was_edited(shared, sites, *locate(u, bases))}
        deleted = {u for u in gen1_pages if sites[locate(u, bases)[0]].deleted(rel_of(locate(u, bases)[1]))}
        still_there = sorted(u for u in deleted if engine.search("", per_page=1).total and u in gen2_pages)
        deleted_found_by_search = [u for u in deleted
                                   for h in engine.search(f'"{gen1_pages[u][0].title[:60]}"', per_page=20).results
                                   if h.page_url == u]
        new_known = {u for u in gen2_pages if u not in gen1_pages}
        held = {u for u in new_known if sites[locate(u, bases)[0]].held_back(rel_of(locate(u, bases)[1]))}
        engine.close()
        # Unchanged web: generation 1 again, after the first crawl (a fresh copy of the gen-1 state).
        data3 = tmp / "data3"
        with fixture_web(shared, port=port) as bases3:
            t_c3, _ = timed_crawl(cfg, data3, list(bases3.values()))
            t_full, full = timed_crawl(cfg, data3, [], command="recrawl", requeue=True, full=True)
            t_due, due = timed_crawl(cfg, data3, [], command="recrawl", requeue=True)
        out = {
            "first_crawl_seconds": round(t_first, 2), "first_crawl": {k: first[k] for k in ("fetched", "entries")},
            "gen2_recrawl_seconds": round(t_gen2, 2),
            "gen2": {k: second[k] for k in ("fetched", "new", "changed", "unchanged", "gone", "indexed_pages",
                                            "origins_suspect", "errors")},
            "known_pages_gen1": len(known), "known_pages_not_revisited_conditionally": not_conditional,
            "answered_304": answered_304,
            "edited_indexed_pages": len(edited_indexed),
            "edited_pages_missing_the_new_text": sorted(edited_indexed - phrase_pages),
            "phrase_hits_on_unedited_pages": sorted(phrase_pages - edited_indexed),
            "deleted_indexed_pages": len(deleted), "deleted_still_indexed": still_there,
            "deleted_found_by_title_search": deleted_found_by_search,
            "new_pages_indexed": len(new_known), "new_pages_held_back_in_gen1": len(held),
            "unchanged_web": {
                "baseline_first_crawl_seconds": round(t_c3, 2),
                "recrawl_full_seconds": round(t_full, 2), "recrawl_full_ratio": round(t_full / t_c3, 3),
                "recrawl_full_304": full["unchanged"], "recrawl_full_indexed_pages": full["indexed_pages"],
                "recrawl_due_seconds": round(t_due, 2), "recrawl_due_ratio": round(t_due / t_c3, 3),
                "recrawl_due_fetched": due["fetched"],
            },
        }
    if args.json:
        print(json.dumps(out, indent=2))
        return
    u = out["unchanged_web"]
    print(f"first crawl (gen 1): {out['first_crawl_seconds']} s, {out['first_crawl']}")
    print(f"recrawl --full against gen 2: {out['gen2_recrawl_seconds']} s, {out['gen2']}")
    print(f"  gen-1 pages revisited conditionally: {out['known_pages_gen1'] - len(not_conditional)}/{out['known_pages_gen1']}"
          f"; answered 304: {answered_304}")
    print(f"  edited indexed pages: {out['edited_indexed_pages']}, missing the new text: "
          f"{len(out['edited_pages_missing_the_new_text'])}, phrase on unedited pages: {len(out['phrase_hits_on_unedited_pages'])}")
    print(f"  deleted indexed pages: {out['deleted_indexed_pages']}, still indexed: {len(still_there)}, "
          f"still found by title: {len(deleted_found_by_search)}")
    print(f"  new pages indexed: {out['new_pages_indexed']} (held back in gen 1: {out['new_pages_held_back_in_gen1']})")
    print(f"unchanged web, baseline 'first crawl' {u['baseline_first_crawl_seconds']} s:")
    print(f"  recrawl --full {u['recrawl_full_seconds']} s = {u['recrawl_full_ratio']:.0%} of it "
          f"({u['recrawl_full_304']} x 304, {u['recrawl_full_indexed_pages']} pages re-indexed)")
    print(f"  recrawl (due only) {u['recrawl_due_seconds']} s = {u['recrawl_due_ratio']:.0%} "
          f"({u['recrawl_due_fetched']} URLs fetched)   goal <= 20%")


if __name__ == "__main__":
    main()
