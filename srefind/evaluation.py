"""Measure srefind against the labelled corpus: crawl coverage, tag quality, ranking quality.

Serves `shared/corpus` through `shared/tools/fixture_web.py` (real HTTP on loopback), crawls
every site from its base URL into a scratch data dir, then scores what was indexed against
`shared/eval/gold-dev*.jsonl` and `queries-dev.jsonl`. One table for people, `--json` for CI,
and a floors file (a ratchet: figures may rise, never fall).
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from protego import Protego

from .config import load_config
from .crawler.engine import CrawlStats
from .errors import SrefindError
from .index.tagging import KnownTalks
from .index.tagging.text import fold
from .models import TalkEntry
from .scores import Tally, per_site_figures, prf, title_found

CORE_KINDS = ("writeup", "talk")


# fixture_web.py as shipped writes headers and body in two sends without TCP_NODELAY, so every request
# after the first on a kept-alive connection stalls ~40 ms (Nagle + delayed ACK). Benchmarks that
# measure the crawler, not that stall, start the unchanged tool with Nagle switched off.
NODELAY_LAUNCHER = (
    "import runpy, socketserver, sys; "
    "socketserver.StreamRequestHandler.disable_nagle_algorithm = True; "
    "sys.argv = sys.argv[1:]; "
    "runpy.run_path(sys.argv[0], run_name='__main__')"
)


def free_port_block(n: int) -> int:
    """A base port with `n` free ports after it (fixture_web counts ports up from --port)."""
    for _ in range(50):
        base = random.randint(20000, 60000 - n)
        socks = []
        try:
            for i in range(n):
                s = socket.socket()
                s.bind(("127.0.0.1", base + i))
                socks.append(s)
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise SrefindError("no free block of loopback ports for the fixture web")


@contextlib.contextmanager
def fixture_web(shared: Path, *, generation: int = 1, fail_rate: float = 0.0, max_rps: float = 0.0,
                log: Path | None = None, latency_ms: float = 0.0, port: int | None = None,
                nodelay: bool = False) -> Iterator[dict[str, str]]:
    """Run shared/tools/fixture_web.py; yields {site: base_url}. `port`: reuse a base port (same URLs);
    `nodelay`: the same tool, with Nagle's algorithm off (see NODELAY_LAUNCHER)."""
    tool = shared / "tools" / "fixture_web.py"
    if not tool.exists():
        raise SrefindError(f"{tool} not found: pass --shared pointing at the shared folder")
    n = sum(1 for p in (shared / "corpus" / "sites").iterdir() if p.is_dir())
    with tempfile.TemporaryDirectory() as tmp:
        ready = Path(tmp) / "ready.json"
        args = [sys.executable, *(["-c", NODELAY_LAUNCHER] if nodelay else []), str(tool),
                "--port", str(port or free_port_block(n)), "--generation", str(generation),
                "--ready", str(ready)]
        if fail_rate:
            args += ["--fail-rate", str(fail_rate)]
        if max_rps:
            args += ["--max-rps", str(max_rps)]
        if latency_ms:
            args += ["--latency-ms", str(latency_ms)]
        if log:
            args += ["--log", str(log)]
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 20
            while not ready.exists():
                if proc.poll() is not None or time.monotonic() > deadline:
                    problem = proc.stderr.read().decode()[-400:] if proc.stderr else ""
                    raise SrefindError(f"the fixture web did not start: {problem}")
                time.sleep(0.05)
            yield json.loads(ready.read_text())
        finally:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def load_gold(shared: Path) -> dict[tuple[str, str], dict]:
    gold = {}
    for f in sorted((shared / "eval").glob("gold-dev*.jsonl")):
        for line in f.read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                gold[(row["site"], row["path"])] = row
    return gold


def held_back_gen1(shared: Path) -> set[tuple[str, str]]:
    """Pages the fixture web answers 404 in generation 1 (they appear in generation 2)."""
    sys.path.insert(0, str(shared / "tools"))
    try:
        import fixture_web as fw
    finally:
        sys.path.pop(0)
    out = set()
    sites = shared / "corpus" / "sites"
    for site_dir in sites.iterdir():
        if not site_dir.is_dir():
            continue
        site = fw.Site(site_dir.name, site_dir, 1)
        for f in site_dir.rglob("index.html"):
            rel = str(f.relative_to(site_dir))
            if site.held_back(rel):
                path = "/" + rel[: -len("index.html")]
                out.add((site_dir.name, path))
    return out


def locate(url: str, bases: dict[str, str]) -> tuple[str, str] | None:
    for site, base in bases.items():
        if url.startswith(base):
            path = "/" + url[len(base):]
            return site, urlsplit(path).path
    return None


@dataclass
class Report:
    figures: dict[str, float] = field(default_factory=dict)
    details: dict[str, object] = field(default_factory=dict)


def crawl_corpus(shared: Path, data_dir: Path, **web) -> tuple[dict[str, str], CrawlStats, Path]:
    from .pipeline import run_crawl

    log = data_dir.parent / f"{data_dir.name}-access.jsonl"
    cfg = load_config(None)
    cfg.delay = 0.0
    cfg.backoff_base = 0.2
    with fixture_web(shared, log=log, **web) as bases:
        stats = run_crawl(cfg, data_dir, list(bases.values()))
    return bases, stats, log


def entries_by_page(data_dir: Path, bases: dict[str, str]) -> dict[tuple[str, str], list[TalkEntry]]:
    from .config import DataPaths
    from .crawler.state import CrawlState

    state = CrawlState(DataPaths(data_dir).state)
    try:
        pages: dict[tuple[str, str], list[TalkEntry]] = {}
        for e in state.all_entries():
            key = locate(e.page_url, bases)
            if key:
                pages.setdefault(key, []).append(e)
        return pages
    finally:
        state.close()


def index_fingerprint(pages: dict) -> str:
    """A digest of what was indexed (entries by site, path and anchor, with their tags), to compare
    crawls of the same web: independent of the ports the fixture web happened to get."""
    import hashlib

    rows = sorted(
        json.dumps([site, path, e.url.partition("#")[2], e.title, sorted(e.companies),
                    sorted(e.topics), e.conference, e.year, e.summary])
        for (site, path), entries in pages.items() for e in entries
    )
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]


def score_crawl(shared: Path, gold: dict, held: set, pages: dict, bases: dict, log: Path, data_dir: Path) -> Report:
    rep = Report()
    present = {k: g for k, g in gold.items() if k not in held}
    core = [k for k, g in present.items() if g["kind"] in CORE_KINDS and g["srecon"]]
    missing = sorted(f"{s}{p}" for s, p in core if (s, p) not in pages)
    wrong = sorted(f"{s}{p}" for (s, p), g in present.items() if g["kind"] in ("offtopic", "listing") and (s, p) in pages)
    rep.figures["crawl_coverage"] = round((len(core) - len(missing)) / max(1, len(core)), 4)
    rep.figures["crawl_wrongly_indexed"] = len(wrong)
    # robots.txt: every request checked against the site's own rules.
    robots = {}
    for site in bases:
        f = shared / "corpus" / "sites" / site / "robots.txt"
        robots[site] = Protego.parse(f.read_text()) if f.exists() else None
    disallowed, total = 0, 0
    for line in log.read_text().splitlines() if log.exists() else []:
        rec = json.loads(line)
        total += 1
        rules = robots.get(rec["site"])
        if rules is not None and not rules.can_fetch(bases[rec["site"]].rstrip("/") + rec["path"], "srefind"):
            disallowed += 1
    from .config import DataPaths
    from .crawler.state import CrawlState

    state = CrawlState(DataPaths(data_dir).state)
    try:
        fetched = state.fetched_urls()
        external = len(state.external_links())
    finally:
        state.close()
    off_site = [u for u in fetched if locate(u, bases) is None]
    rep.figures["robots_disallowed_requests"] = disallowed
    rep.figures["off_site_requests"] = len(off_site)
    rep.details.update(requests=total, external_links_recorded=external, missing=missing, wrongly_indexed=wrong,
                       core_pages=len(core))
    return rep


def score_tags(gold: dict, held: set, pages: dict) -> Report:
    """Tags, relevance, splitting, titles and speakers of the crawled dev sites: totals, per site and
    each figure's worst site."""
    rep = Report()
    present = {k: g for k, g in gold.items() if k not in held}
    tallies: dict[str, Tally] = {}
    errors: dict[str, list[str]] = {"company": [], "topic": []}
    wrong_rel = []
    for key, g in present.items():
        t = tallies.setdefault(key[0], Tally())
        entries = pages.get(key, [])
        if g["srecon"] and g["kind"] in CORE_KINDS:
            (c_extra, c_missed), (t_extra, t_missed) = t.count_tags(entries, g["companies"], g["topics"])
            for name, extra, missed in (("company", c_extra, c_missed), ("topic", t_extra, t_missed)):
                if extra or missed:
                    errors[name].append(f"{key[0]}{key[1]}: +{sorted(extra)} -{sorted(missed)}")
            t.count_talks(entries, g["talks"])
        # Relevance: SREcon write-ups and talk pages indexed, off-topic and listing pages not.
        if g["kind"] != "program":  # program pages feed discovery; their talks are indexed from the talk pages
            ok = (key in pages) == bool(g["srecon"])
            t.relevance[0] += ok
            t.relevance[1] += 1
            if not ok:
                wrong_rel.append(f"{key[0]}{key[1]} ({g['kind']})")
        if g["kind"] == "writeup" and len(g["talks"]) >= 2:
            t.split[0] += len(entries) == len(g["talks"])
            t.split[1] += 1
    figures, per_site = per_site_figures(tallies)
    rep.figures.update(figures)
    multi = [(k, g) for k, g in present.items() if g["kind"] == "writeup" and len(g["talks"]) >= 2]
    rep.details.update(
        tag_errors=errors, relevance_errors=wrong_rel, per_site=per_site,
        split={f"{k[0]}{k[1]}": [len(pages.get(k, [])), len(g["talks"])] for k, g in multi},
    )
    return rep


def listed_talks(gold: dict, held: set) -> set[tuple[str, str]]:
    """(conference, folded title) of every labelled talk page the crawl holds."""
    return {(g["conference"], fold(t["title"])) for k, g in gold.items()
            if k not in held and g["kind"] == "talk" and g["srecon"] for t in g["talks"] if t.get("title")}


@dataclass
class LinkTally:
    """Write-up entries linked to talk pages: a link is right when the talk it names is one the labels
    give the page; recall counts the labelled talks whose talk page the crawl holds (same conference,
    same title once folded) that some entry links to."""

    made: int = 0
    right: int = 0
    expected: int = 0
    found: int = 0
    wrong: list[str] = field(default_factory=list)

    def count(self, name: str, g: dict, entries: list[TalkEntry], listed: set[tuple[str, str]]) -> None:
        labelled = [t["title"] for t in g["talks"] if t.get("title")]
        as_entries = [TalkEntry(id="", url="", page_url="", title=t) for t in labelled]
        for e in entries:
            if e.talk_url:
                self.made += 1
                ok = title_found(e.title, as_entries)
                self.right += ok
                if not ok:
                    self.wrong.append(f"{name}: {e.title!r} (labelled: {labelled})")
        for title in labelled:
            if (g.get("conference"), fold(title)) in listed:
                self.expected += 1
                self.found += title_found(title, [e for e in entries if e.talk_url])

    def figures(self, prefix: str = "") -> dict[str, float]:
        return {f"{prefix}link_precision": round(self.right / self.made, 4) if self.made else 1.0,
                f"{prefix}link_recall": round(self.found / self.expected, 4) if self.expected else 1.0}


def score_links(gold: dict, held: set, pages: dict) -> Report:
    """The dev sites' write-up entries linked to the crawled talk pages of their event."""
    rep = Report()
    listed, tally = listed_talks(gold, held), LinkTally()
    for key, g in gold.items():
        if key not in held and g["kind"] == "writeup" and g["srecon"]:
            tally.count(f"{key[0]}{key[1]}", g, pages.get(key, []), listed)
    rep.figures.update(tally.figures())
    rep.details["links"] = asdict(tally)
    return rep


def score_pages(shared: Path, known: KnownTalks | None = None, listed: set[tuple[str, str]] | None = None) -> Report:
    """`corpus/pages/`: single real pages from blogs the crawl never sees, each extracted and tagged
    as it is (at https://<its file path>), scored per site (the file's first folder); `known`: the
    talks the dev crawl found on events' own pages, which a write-up is matched against."""
    from .crawler.extract import decode_html, extract
    from .index.tagging import Tagger

    rep = Report()
    labels = shared / "eval" / "gold-pages.jsonl"
    if not labels.exists():
        return rep
    tagger = Tagger(known_talks=known)
    links = LinkTally()
    tallies: dict[str, Tally] = {}
    split, wrong_rel, tag_errors = {}, [], []
    for line in labels.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        g = json.loads(line)
        site = g["file"].split("/", 1)[0]
        t = tallies.setdefault(site, Tally())
        html = decode_html((shared / "corpus" / "pages" / g["file"]).read_bytes(), None)
        analysis = tagger.analyze(extract("https://" + g["file"], html))
        entries = analysis.entries if analysis.relevant else []
        t.relevance[0] += analysis.relevant == bool(g["srecon"])
        t.relevance[1] += 1
        if analysis.relevant != bool(g["srecon"]):
            wrong_rel.append(f"{g['id']} {g['file']} ({g['kind']})")
        if not g["srecon"]:
            continue
        if g["kind"] in CORE_KINDS:
            (c_extra, c_missed), (t_extra, t_missed) = t.count_tags(entries, g["companies"], g["topics"])
            if c_extra or c_missed or t_extra or t_missed:
                tag_errors.append(f"{g['id']}: companies +{sorted(c_extra)} -{sorted(c_missed)}, "
                                  f"topics +{sorted(t_extra)} -{sorted(t_missed)}")
        t.count_talks(entries, g["talks"])
        if g["kind"] == "writeup":
            links.count(g["id"], g, entries, listed or set())
        lo, hi = g.get("talks_ok") or [g["talks_expected"]] * 2
        if g["talks_expected"] >= 2:
            t.split[0] += lo <= len(entries) <= hi
            t.split[1] += 1
            split[g["id"]] = [len(entries), g["talks_expected"]]
    figures, per_site = per_site_figures(tallies, prefix="pages_")
    rep.figures.update(figures)
    rep.figures.update(links.figures("pages_"))
    rep.details["pages_links"] = asdict(links)
    rep.details.update(pages_per_site=per_site, pages_split=split, pages_relevance_errors=wrong_rel,
                       pages_tag_errors=tag_errors)
    return rep


def score_ranking(shared: Path, data_dir: Path, bases: dict[str, str], held: set) -> Report:
    """nDCG@10 and MRR of the labelled queries, pages graded by the labels, two ways: over every
    indexed entry (`ndcg_at_10`, `mrr`: each record and each write-up a result of its own, as before
    results were talks) and over what a user sees (`talk_ndcg_at_10`, `talk_mrr`: one result per
    talk, its write-ups' pages ranked right after the talk's own page)."""
    from .backend import open_backend
    from .config import DataPaths

    rep = Report()
    backend = open_backend(data_dir, lexicon_dir=DataPaths(data_dir).lexicon, lazy=False)
    queries = [json.loads(line) for line in (shared / "eval" / "queries-dev.jsonl").read_text().splitlines()
               if line.strip()]
    for view, prefix in (("all", ""), ("talk", "talk_")):
        ndcgs, rrs, per_query = [], [], {}
        for q in queries:
            grades = {(r["site"], r["path"]): r["grade"] for r in q["relevant"] if (r["site"], r["path"]) not in held}
            resp = backend.search(q["query"], per_page=50, view=view)
            ranked: list[tuple[str, str]] = []
            for hit in resp.results:
                for page_url in [hit.page_url, *(w["page_url"] for w in hit.writeups)]:
                    key = locate(page_url, bases)
                    if key and key not in ranked:
                        ranked.append(key)  # a page counts once, at its best-ranked place
            gains = [grades.get(k, 0) for k in ranked[:10]]
            dcg = sum((2**gain - 1) / math.log2(i + 2) for i, gain in enumerate(gains))
            ideal = sorted(grades.values(), reverse=True)[:10]
            idcg = sum((2**gain - 1) / math.log2(i + 2) for i, gain in enumerate(ideal))
            ndcg = dcg / idcg if idcg else 1.0
            rr = next((1 / (i + 1) for i, k in enumerate(ranked) if grades.get(k, 0) > 0), 0.0)
            ndcgs.append(ndcg)
            rrs.append(rr)
            per_query[q["query"]] = round(ndcg, 3)
        rep.figures[f"{prefix}ndcg_at_10"] = round(sum(ndcgs) / max(1, len(ndcgs)), 4)
        rep.figures[f"{prefix}mrr"] = round(sum(rrs) / max(1, len(rrs)), 4)
        rep.details[f"{prefix}ndcg_per_query"] = per_query
    backend.close()
    return rep


def score_written_examples() -> Report:
    """Topic rules on srefind's own hand-written talk descriptions: a check that they generalise
    beyond the dev labels they are tuned on (the examples were written without looking at them)."""
    from importlib import resources

    from .index.tagging import Tagger

    rep = Report()
    tagger = Tagger()
    rows = [json.loads(x) for x in (resources.files("srefind") / "data" / "topic_examples.jsonl")
            .read_text(encoding="utf-8").splitlines() if x.strip()]
    tp = fp = fn = 0
    for r in rows:
        predicted, truth = set(tagger.topics.tag(r["title"], [r["text"]])), set(r["topics"])
        tp, fp, fn = tp + len(predicted & truth), fp + len(predicted - truth), fn + len(truth - predicted)
    p, r_, f = prf(tp, fp, fn)
    rep.figures.update(written_topic_precision=round(p, 4), written_topic_recall=round(r_, 4),
                       written_topic_f1=round(f, 4))
    return rep


def evaluate(shared: Path, *, work: Path | None = None, **web) -> Report:
    """Crawl the corpus and score everything; the figures are what the floors guard."""
    shared = shared.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = (work or Path(tmp)) / "eval-data"
        if data_dir.exists():
            import shutil

            shutil.rmtree(data_dir)
        from .config import DataPaths
        from .pipeline import stored_known_talks

        t0 = time.monotonic()
        bases, stats, log = crawl_corpus(shared, data_dir, **web)
        gold = load_gold(shared)
        held = held_back_gen1(shared)
        pages = entries_by_page(data_dir, bases)
        report = Report()
        for part in (score_crawl(shared, gold, held, pages, bases, log, data_dir), score_tags(gold, held, pages),
                     score_links(gold, held, pages),
                     score_ranking(shared, data_dir, bases, held), score_written_examples(),
                     score_pages(shared, stored_known_talks(DataPaths(data_dir)), listed_talks(gold, held))):
            report.figures.update(part.figures)
            report.details.update(part.details)
        report.details["crawl"] = stats.to_dict()
        report.details["index_fingerprint"] = index_fingerprint(pages)
        report.details["seconds"] = round(time.monotonic() - t0, 1)
        return report


HIGHER_IS_BETTER = {"crawl_wrongly_indexed": False, "robots_disallowed_requests": False, "off_site_requests": False}


def check_floors(figures: dict[str, float], floors: dict[str, float]) -> list[str]:
    """Figures that fell below their floor (or rose above a ceiling for counts where lower is better)."""
    bad = []
    for name, floor in floors.items():
        value = figures.get(name)
        if value is None:
            bad.append(f"{name}: not measured")
        elif HIGHER_IS_BETTER.get(name, True) and value < floor:
            bad.append(f"{name}: {value} < floor {floor}")
        elif not HIGHER_IS_BETTER.get(name, True) and value > floor:
            bad.append(f"{name}: {value} > ceiling {floor}")
    return bad
