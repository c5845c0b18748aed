"""The search fast paths against an oracle: Whoosh's own unpruned search and a brute-force facet count.

`SearchEngine.search` answers from shortcuts (per-generation query bitsets, `Restricted` scoring of
only the filtered docs, facet bitsets, exhaustive top-k collection). Each is a place where a
wrong answer would look plausible. Here 300 seeded requests (words, phrases, typos, field
queries, booleans, browsing; random filters on every facet; pages 1-5; both sort orders) over a
random index of about 3,000 entries are answered twice: by the engine, and by plain Whoosh
searching the same parsed query with the filters as query clauses and no limit, with facet
counts taken by reading every matching document. Totals, the page of 20 results (ids, order,
scores) and every facet count must be identical.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest
from whoosh import query as wq

from srefind.facet_table import FACETS
from srefind.index.search import SearchEngine, apply_changes, open_index

import synthetic

N_REQUESTS = 300
PER_PAGE = 20


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    index = tmp_path_factory.mktemp("oracle") / "index"
    for c in range(6):  # several segments, as a crawl that commits as it goes leaves them
        apply_changes(index, synthetic.pages(250, seed=21, start=c * 250))
    return index


def requests(n: int, seed: int) -> list[dict]:
    """synthetic's query mix, with filters drawn on every facet (several values, several facets)."""
    rng = random.Random(seed)
    out = []
    for req in synthetic.queries(n, seed=seed):
        filters = dict(req["filters"])
        if rng.random() < 0.2:
            filters["conference"] = rng.sample(synthetic.CONFERENCES, rng.randint(1, 2))
        if rng.random() < 0.15:
            filters["speaker"] = [rng.choice(synthetic.NAMES)]
        if rng.random() < 0.15:
            filters["site"] = [f"blog{rng.randrange(7)}.test"]
        out.append({**req, "filters": filters})
    return out


def facet_values(data: dict, facet: str) -> list[str]:
    """A document's values for one facet, read from the entry it stores."""
    return {
        "company": data.get("companies", []), "topic": data.get("topics", []),
        "conference": [data["conference"]] if data.get("conference") else [],
        "year": [str(data["year"])] if data.get("year") else [],
        "speaker": [s.replace(",", " ") for s in data.get("speakers", [])],
        "site": [data["site"]] if data.get("site") else [],
        "media": sorted({m["kind"] for m in data.get("media", [])}),
        "type": [data["talk_type"]] if data.get("talk_type") else [],
    }[facet]


def clause(facet: str, values: list[str]) -> wq.Query:
    """A filter as a query clause: any of the values (OR within a facet)."""
    if facet == "year":
        return wq.Or([wq.NumericRange("year", int(v), int(v)) for v in values])
    return wq.Or([wq.Term(facet, v) for v in values])


def stored_entries(searcher) -> dict[int, dict]:
    """Every document's stored entry by document number, read once."""
    return {docnum: json.loads(fields["data"]) for docnum, fields in searcher.iter_docs()}


def oracle(searcher, entries: dict[int, dict], q: wq.Query, filters: dict[str, list[str]], sort: str, page: int):
    """(total, the page's (id, score) pairs, facet counts) by plain, unpruned Whoosh."""
    kwargs: dict = {"sortedby": "date", "reverse": True} if sort == "newest" else {}
    if filters:  # a filter restricts without adding to the score, as a facet selection must
        kwargs["filter"] = wq.And([clause(f, v) for f, v in filters.items()])
    results = searcher.search(q, limit=None, **kwargs)
    rows = [(r["id"], round(float(r.score or 0.0), 4) if sort == "relevance" else 0.0)
            for r in results[(page - 1) * PER_PAGE: page * PER_PAGE]]
    counts = {}
    for facet in FACETS:
        others = wq.And([q, *(clause(f, v) for f, v in filters.items() if f != facet)])
        seen: Counter[str] = Counter()
        for docnum in searcher.search(others, limit=None).docs():
            seen.update(set(facet_values(entries[docnum], facet)))
        counts[facet] = dict(seen)
    return len(results), rows, counts


def executed_query(engine: SearchEngine, req: dict, resp) -> wq.Query:
    """The query the engine says it ran: the typed one, its correction, or its any-word loosening."""
    if resp.corrected:
        return engine.builder.parse(resp.corrected).query
    if any(n.startswith("No talk matches every word") for n in resp.notices):
        return engine.builder.parse(req["query"], any_word=True).query
    return engine.builder.parse(req["query"]).query


def test_300_random_searches_equal_whoosh_unpruned_and_brute_force_facet_counts(index_dir):
    engine = SearchEngine(index_dir, time_budget=None)  # the shortcuts, not the time limit, are on trial
    ix = open_index(index_dir)
    kinds: Counter[str] = Counter()
    mismatches = []
    try:
        with ix.searcher() as searcher:
            assert searcher.doc_count() >= 2500
            entries = stored_entries(searcher)
            for req in requests(N_REQUESTS, seed=31):
                resp = engine.search(req["query"], req["filters"], sort=req["sort"], page=req["page"],
                                     per_page=PER_PAGE)
                q = executed_query(engine, req, resp)
                total, rows, counts = oracle(searcher, entries, q, resp.filters, resp.sort, resp.page)
                got_rows = [(h.id, h.score) for h in resp.results]
                got_counts = {f: {v.value: v.count for v in resp.facets[f] if v.count} for f in FACETS}
                kinds["filtered" if resp.filters else "unfiltered"] += 1
                kinds[resp.sort] += 1
                kinds["with results" if total else "no results"] += 1
                kinds["corrected" if resp.corrected else "as typed"] += 1
                if (resp.total, got_rows, got_counts) != (total, rows, counts):
                    mismatches.append((req, resp.total, total, got_rows[:3], rows[:3]))
    finally:
        engine.close()
        ix.close()
    assert not mismatches, f"{len(mismatches)} of {N_REQUESTS} differ; first: {mismatches[0]}"
    # The mix really exercised each path.
    assert kinds["filtered"] >= 100 and kinds["unfiltered"] >= 50
    assert kinds["newest"] >= 40 and kinds["with results"] >= 200 and kinds["corrected"] >= 5
