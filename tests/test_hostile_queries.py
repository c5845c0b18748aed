"""Hostile queries and parameters: bounded wildcards and ranges, 400s for numbers that are no
numbers, and a seeded fuzzer through the real Flask app on a real index built by apply_changes.

What the engine promises (index/search/bounds.py): a wildcard, prefix or range stands for at most
MAX_TERMS_PER_LEAF words of each field, the first ones alphabetically, and a query for at most
MAX_TERMS_PER_QUERY; a pattern with no literal prefix (`*a*`, `?`, `*`, `title:*`) is left out;
each of these is said in a notice. The oracles below read the index with Whoosh directly.
"""

from __future__ import annotations

import random
import re
import time
from collections import Counter

import pytest
from markupsafe import escape
from whoosh import query as wq

from srefind.index.search import SearchEngine, apply_changes
from srefind.index.search.bounds import MAX_TERMS_PER_LEAF, MAX_TERMS_PER_QUERY, bound, needs_bounding
from srefind.index.search.budget import Budget
from srefind.index.search.query import SEARCH_FIELDS
from srefind.models import TalkEntry
from srefind.web.app import create_app

import synthetic
from conftest import run_cli
from hostile import hostile_query

# 40 made-up words starting with "a" and 40 more past it, so that "a*" and "{a TO z}" match
# more words of the title and summary than a leaf may stand for.
A_WORDS = [f"a{x}{y}q" for x in "bcdefgh" for y in "bcdefg"][:40]
MORE_WORDS = [f"m{x}{y}q" for x in "bcdefgh" for y in "bcdefg"][:40]
MARKUP = '<script>alert("fz")</script>'


def _extra_pages() -> list[tuple[str, list[TalkEntry]]]:
    rng = random.Random(5)
    out = []
    for p in range(20):
        url = f"http://words.test/p{p}/#t"
        words = rng.sample(A_WORDS, 6) + rng.sample(MORE_WORDS, 6)
        out.append((url.split("#")[0], [TalkEntry(**{
            "id": f"w{p}", "url": url, "page_url": url.split("#")[0], "title": " ".join(words[:3]).capitalize(),
            "speakers": [], "companies": [], "topics": ["tracing"], "conference": "SREcon19 EMEA", "year": 2019,
            "date": "2019-03-1" + str(p % 10), "summary": " ".join(words), "site": "words.test"})]))
    return out


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """A data dir whose index was built in three commits (so it has several segments)."""
    root = tmp_path_factory.mktemp("hostile-data")
    apply_changes(root / "index", synthetic.pages(60, seed=3))
    apply_changes(root / "index", synthetic.pages(60, seed=4, start=100))
    apply_changes(root / "index", _extra_pages())
    return root


@pytest.fixture(scope="module")
def engine(data):
    """No time limit: these tests check what the bounds do, not how fast (the benchmark does)."""
    e = SearchEngine(data / "index", time_budget=None)
    yield e
    e.close()


@pytest.fixture(scope="module")
def client(data):
    app = create_app(data)  # the default time limit, as served
    app.testing = False  # errors through the app's own handlers, as in production
    return app.test_client()


# -- oracles: Whoosh read directly --------------------------------------------------------------
def documented_words(engine, words_of_field) -> dict[str, list[str]]:
    """The words the documented rule keeps: per search field in order, the first
    MAX_TERMS_PER_LEAF of the field's matching words (`words_of_field(reader, field)`), at most
    MAX_TERMS_PER_QUERY in all."""
    left, out = MAX_TERMS_PER_QUERY, {}
    with engine.pool.lease() as (_, lease):
        reader = lease.searcher.reader()
        for f in SEARCH_FIELDS:
            if f not in reader.schema:
                continue
            words = sorted(words_of_field(reader, f))[:min(MAX_TERMS_PER_LEAF, left)]
            left -= len(words)
            out[f] = words
    return out


def starting_with_a(reader, f: str) -> list[str]:
    return [reader.schema[f].from_bytes(b) for b in reader.expand_prefix(f, "a")]


def between_a_and_z(reader, f: str) -> list[str]:
    return [w for w in (reader.schema[f].from_bytes(b) for b in reader.lexicon(f)) if "a" < w < "z"]


def docs_with(engine, words: dict[str, list[str]]) -> set[str]:
    with engine.pool.lease() as (_, lease):
        s = lease.searcher
        q = wq.Or([wq.Term(f, w) for f, ws in words.items() for w in ws])
        return {s.stored_fields(d)["id"] for d in s.docs_for_query(q)}


def all_ids(engine, query: str) -> tuple[set[str], list[str]]:
    first = engine.search(query, per_page=100)
    ids = {h.id for h in first.results}
    for page in range(2, first.pages + 1):
        ids |= {h.id for h in engine.search(query, per_page=100, page=page).results}
    assert len(ids) == first.total
    return ids, first.notices


def needs_notice(engine, query: str) -> bool:
    """Whether Whoosh, unbounded, would expand a leaf of the parsed query beyond the caps (or has
    one with no literal prefix, which means reading the whole lexicon)."""
    q = engine.builder.parse(query).query
    with engine.pool.lease() as (_, lease):
        r = lease.searcher.reader()
        total = 0
        for leaf in [q] if q.is_leaf() else q.leaves():
            if isinstance(leaf, wq.Every) and leaf.fieldname not in (None, "", "*"):
                return True
            if isinstance(leaf, wq.Wildcard) and leaf._find_prefix(leaf.text) == "":
                return True
            if isinstance(leaf, (wq.Prefix, wq.Wildcard, wq.TermRange)) and leaf.fieldname in r.schema:
                if isinstance(leaf, wq.Prefix) and leaf.text == "":
                    return True
                n = len(set(leaf._btexts(r)))
                total += min(n, MAX_TERMS_PER_LEAF)
                if n > MAX_TERMS_PER_LEAF or total > MAX_TERMS_PER_QUERY:
                    return True
    return False


# -- the bounds ---------------------------------------------------------------------------------
@pytest.mark.parametrize("query", ["*", "title:*", "*" * 200, "* " * 100, "*a*", "?"])
def test_a_pattern_without_a_literal_start_is_left_out_and_every_talk_shown(engine, query):
    resp = engine.search(query, per_page=5)
    assert resp.total == engine.doc_count()
    assert any("left out" in n and "Showing every talk" in n for n in resp.notices), resp.notices
    assert resp.sort == "newest"  # browsing


def test_a_prefix_searches_the_first_words_of_each_field_and_says_so(engine):
    kept = documented_words(engine, starting_with_a)
    assert len(kept["summary"]) == MAX_TERMS_PER_LEAF  # the made-up words: more than the cap
    ids, notices = all_ids(engine, "a*")
    assert ids == docs_with(engine, kept)
    assert any("“a*” matches more than" in n and "narrowed" in n for n in notices), notices


def test_a_range_over_text_searches_its_first_words_and_says_so(engine):
    kept = documented_words(engine, between_a_and_z)
    ids, notices = all_ids(engine, "{a TO z}")
    assert ids == docs_with(engine, kept)
    assert any("narrowed" in n and "{a TO z}" in n for n in notices), notices


def test_expansions_are_capped_per_leaf_and_per_query(engine):
    with engine.pool.lease() as (_, lease):
        r = lease.searcher.reader()
        for query in ["a*", "{a TO z}", "[a TO m]", "title:>a", "a* m* t* s* c* d*", "ab* OR ac* OR ad*"]:
            b = bound(engine.builder.parse(query).query, r, Budget(None))
            assert not needs_bounding(b.query), query  # no leaf left that Whoosh would expand itself
            assert all(n <= MAX_TERMS_PER_LEAF for n in b.expanded.values()), (query, b.expanded)
            assert sum(b.expanded.values()) <= MAX_TERMS_PER_QUERY, (query, b.expanded)
        b = bound(engine.builder.parse("a* m* t* s* c* d*").query, r, Budget(None))
        assert sum(b.expanded.values()) == MAX_TERMS_PER_QUERY and b.left_out
        assert any(f"more than {MAX_TERMS_PER_QUERY} words in all" in n for n in b.notices)


@pytest.mark.parametrize("query", ["2402149474 automation* AND state?", "30669 s?r* *e* AND {a TO z} circuit ^9",
                                   "tracing AND a* AND m*", "(a* OR (m* AND t*)) NOT ab*"])
def test_bounded_leaves_inside_nested_and_or_and_the_some_words_fallback(engine, query):
    resp = engine.search(query)  # (the "some of the words" fallback re-parses and re-bounds)
    assert resp.total >= 0 and any("narrowed" in n for n in resp.notices) == needs_notice(engine, query)


def test_a_narrow_prefix_is_searched_whole_without_a_notice(engine):
    resp = engine.search("autom*")
    assert resp.total == engine.search("automation").total > 0
    assert not any("narrowed" in n for n in resp.notices)


def test_excluding_a_bounded_prefix_excludes_exactly_its_kept_words(engine):
    kept = documented_words(engine, starting_with_a)
    ids, notices = all_ids(engine, "tracing NOT a*")
    assert ids == all_ids(engine, "tracing")[0] - docs_with(engine, kept)
    assert any("narrowed" in n for n in notices)


# -- numbers that are no numbers ----------------------------------------------------------------
NOT_NUMBERS = ["²", "①", "٣", "٢٠١٩", "9" * 4_300, "1e3", "-1"]


@pytest.mark.parametrize("value", NOT_NUMBERS)
@pytest.mark.parametrize("param", ["page", "per_page", "year"])
def test_a_number_parameter_that_is_no_ascii_number_is_a_400_with_a_message(client, param, value):
    r = client.get("/api/search", query_string={"q": "tracing", param: value})
    assert r.status_code == 400, (param, value[:10])
    message = r.get_json()["error"]
    assert param in message
    page = client.get("/", query_string={"q": "tracing", param: value})
    assert page.status_code == 400 and str(escape(message)) in page.get_data(as_text=True)


def test_a_year_in_the_query_text_that_is_no_year_is_left_out_with_a_notice(engine):
    for q in ["year:٢٠١٩", "year:" + "9" * 300, "year:12345"]:
        resp = engine.search(q)
        assert any("is not a year" in n for n in resp.notices), q
        assert resp.total == engine.doc_count()  # what is left: no condition at all


@pytest.mark.parametrize("args", [("--page", "²"), ("--limit", "٣"), ("--page", "9" * 4_300),
                                  ("--facet", "year=①"), ("--facet", "year=" + "9" * 4_300)])
def test_the_cli_answers_a_number_that_is_no_number_with_one_line_and_exit_2(data, args):
    proc = run_cli("search", "tracing", *args, "--data-dir", str(data))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "whole number" in proc.stderr


# -- the fuzzer ---------------------------------------------------------------------------------
PIECES = ["*", "?", "a*", "*e*", "s?r*", "t*", "ab*", "{a TO z}", "[a TO m]", "[* TO *]", "title:[* TO *]",
          "title:*", "summary:>a", "~", "~5", "^9", "AND", "OR", "NOT", "(", ")", '"', "'", ":", "year:²",
          "year:١٩", "year:2019..٢٠٢٠", "company:*", "topic:trac*", "nofield:x", "id:*", "url:*", "speaker:*",
          "\x00", "\x1b[31m", "\u200b", "\u202e", "①", "<b>", "&amp;", MARKUP, "tracing", "latency", "kafka",
          "\"error budget\"", "k8s", "9" * 50, "*" * 200]
NUMBERS = ["1", "2", "100", "0", "²", "①", "٣", "9" * 4_300, "99999999999", "", "x"]


def fuzz_query(rng: random.Random) -> str:
    return hostile_query(rng, PIECES, synthetic.WORDS + A_WORDS, max_parts=10, shares=(0.5, 0.75, 0.9),
                         max_chars=6, repeats=[1, 1, 1, 5], openers=["", "(", '"'])


def fuzz_params(rng: random.Random) -> dict:
    params: dict = {"q": fuzz_query(rng)}
    if rng.random() < 0.2:
        params["page"] = rng.choice(NUMBERS)
    if rng.random() < 0.2:
        params["per_page"] = rng.choice(NUMBERS)
    if rng.random() < 0.2:
        params["year"] = rng.choice(NUMBERS + ["2019", "2018"])
    if rng.random() < 0.1:
        params["sort"] = rng.choice(["newest", "oldest", "relevance", "<b>", "²"])
    if rng.random() < 0.1:
        params["company"] = rng.choice(["Google", MARKUP, "*", "\x00"])
    return params


def test_fuzzed_queries_never_fail_leak_markup_or_narrow_silently(client, engine):
    rng = random.Random(20240611)
    statuses: Counter = Counter()
    narrowed = 0
    for i in range(400):
        params = fuzz_params(rng)
        api = i % 2 == 0
        r = client.get("/api/search" if api else "/", query_string=params)
        statuses[r.status_code] += 1
        assert r.status_code in (200, 400), (params, r.status_code)
        body = r.get_data(as_text=True)
        if r.status_code == 400:
            message = r.get_json()["error"] if api else re.sub(r"<[^>]+>", " ", body)
            assert message.strip() and ("must" in message or "too long" in message or "unknown" in message
                                        or "at most" in message), (params, message[:200])
        if not api:
            assert MARKUP not in body and "<b>" not in body.split("<main", 1)[-1], params
            continue
        if r.status_code == 200 and needs_notice(engine, params["q"]):
            narrowed += 1
            assert any("narrowed" in n for n in r.get_json()["notices"]), (params, r.get_json()["notices"])
    assert statuses[500] == 0
    assert statuses[200] > 200 and statuses[400] > 20  # both kinds were exercised
    assert narrowed > 10


def test_fuzzed_queries_answer_the_same_through_the_engine_without_a_time_limit(engine):
    """Bounding is deterministic: the same fuzzed query gives the same total twice, and never
    leaves Whoosh a leaf to expand over the whole lexicon."""
    rng = random.Random(7)
    with engine.pool.lease() as (_, lease):
        r = lease.searcher.reader()
        for _ in range(150):
            q = fuzz_query(rng)
            b = bound(engine.builder.parse(q).query, r, Budget(None))
            assert not needs_bounding(b.query), q
            assert sum(b.expanded.values()) <= MAX_TERMS_PER_QUERY
            assert engine.search(q).total == engine.search(q).total


def test_a_garbage_collection_during_a_search_is_not_counted_against_its_budget():
    """A full collection strikes wherever it strikes; in a process holding a large index it costs
    more than an ordinary search's whole budget, and it must not cut that search short."""
    import gc

    from srefind.index.search.budget import collector_time

    cycles = []
    for i in range(300_000):
        a: list = [i]
        a.append(a)  # a cycle, so the collector has real work
        cycles.append(a)
    budget = Budget(0.005)
    before = collector_time()
    gc.collect()
    assert collector_time() - before > 0.005  # the collection alone took longer than the budget
    assert not budget.expired()
    spent = Budget(0.005)
    deadline = time.thread_time() + 0.05
    while time.thread_time() < deadline:  # the search's own work still counts
        sum(range(1000))
    assert spent.expired()
    del cycles
