"""Search behaviour on a real Whoosh index built from entries written for these tests."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from srefind.errors import IndexLockedError
from srefind.index.search import SearchEngine, apply_changes
from srefind.models import TalkEntry

ENTRIES = [
    ("Distributed tracing at scale", ["Google"], ["tracing", "observability"], "SREcon18 Americas", 2018,
     ["Ben Sigelman"], "Every request carries a trace id; spans are sampled and stitched across services."),
    ("Tracing event-sourced systems", ["Jet.com"], ["tracing", "distributed-systems"], "SREcon18 Americas", 2018,
     [], "A correlation id follows each event through Kafka so the root cause of a failed order can be found."),
    ("Predicting capacity with linear regression", ["Uber"], ["ml", "capacity-planning"], "SREcon18 Americas", 2018,
     [], "Machine learning relates trips to CPU usage and forecasts how many hosts each service needs."),
    ("Onboarding apps onto Kubernetes", ["Shopify"], ["kubernetes", "automation"], "SREcon18 Americas", 2018,
     [], "A self-service app generates manifests and a deploy pipeline for every new service on the cluster."),
    ("Migrating MySQL to RocksDB", ["Meta"], ["databases"], "SREcon18 Americas", 2018,
     [], "MyRocks halves storage; the migration ran replica by replica with checksums."),
    ("What Breaks Our Systems: A Taxonomy of Black Swans", ["Slack"], ["postmortems"], "SREcon19 Americas", 2019,
     ["Laura Nolan"], "Hidden dependencies, cascading failures and the error budget you never had."),
    ("Error budgets that product teams accept", ["Google"], ["slo"], "SREcon19 EMEA", 2019,
     ["Jane Doe"], "An error budget policy agreed with product owners; SLOs for latency and availability."),
    ("Kubernetes multi-tenancy lessons", ["LinkedIn"], ["kubernetes", "containers"], "SREcon21", 2021,
     [], "Namespaces, quotas and noisy neighbours on a shared cluster: the k8s scheduler is not magic."),
    ("Observability for the rest of us", ["Honeycomb"], ["observability"], "SREcon22 Americas", 2022,
     ["Liz Fong-Jones"], "High-cardinality events beat dashboards; o11y means asking new questions."),
    ("Chaos engineering on a budget", ["Netflix"], ["chaos-engineering"], "SREcon17 Europe", 2017,
     [], "Game days and fault injection in staging before production; résumé of failures found."),
    ("Escaping <script>alert(1)</script> in titles", ["Acme"], ["security"], "SREcon23 EMEA", 2023,
     [], "A page with <img src=x onerror=alert(1)> in its body must show as text: security matters."),
]


def entry(i: int, row) -> TalkEntry:
    title, companies, topics, conf, year, speakers, text = row
    url = f"http://site.test/post-{i // 3}/#talk-{i}"
    return TalkEntry(id=f"e{i:03d}", url=url, page_url=url.split("#")[0], title=title, speakers=speakers,
                     companies=companies, topics=topics, conference=conf if conf != "SREcon21" else "",
                     year=year, date=f"{year}-0{1 + i % 9}-1{i % 10}", summary=text, site="site.test")


def pages(rows=ENTRIES) -> list[tuple[str, list[TalkEntry]]]:
    by_page: dict[str, list[TalkEntry]] = {}
    for i, row in enumerate(rows):
        e = entry(i, row)
        by_page.setdefault(e.page_url, []).append(e)
    return list(by_page.items())


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("ix") / "index"
    apply_changes(path, pages())
    return path


@pytest.fixture(scope="module")
def engine(index_dir) -> SearchEngine:
    return SearchEngine(index_dir)


def titles(resp) -> list[str]:
    return [h.title for h in resp.results]


def test_free_text_is_ranked_with_title_matches_first(engine):
    resp = engine.search("tracing")
    assert set(titles(resp)[:2]) == {"Distributed tracing at scale", "Tracing event-sourced systems"}


@pytest.mark.parametrize("query, expected", [
    ("k8s", "Onboarding apps onto Kubernetes"),
    ("kubernetes", "Kubernetes multi-tenancy lessons"),
    ("ml", "Predicting capacity with linear regression"),
    ("o11y", "Observability for the rest of us"),
    ("fb mysql", "Migrating MySQL to RocksDB"),
    ("slo", "Error budgets that product teams accept"),
    ("resume", "Chaos engineering on a budget"),  # accents folded: résumé
])
def test_synonyms_aliases_and_accents(engine, query, expected):
    assert expected in titles(engine.search(query))


def test_phrase_and_boolean_queries(engine):
    assert titles(engine.search('"error budget"')) == [
        "Error budgets that product teams accept", "What Breaks Our Systems: A Taxonomy of Black Swans"
    ] or set(titles(engine.search('"error budget"'))) == {
        "Error budgets that product teams accept", "What Breaks Our Systems: A Taxonomy of Black Swans"}
    assert titles(engine.search("tracing AND NOT kafka")) == ["Distributed tracing at scale"]
    assert set(titles(engine.search("(rocksdb OR chaos) AND NOT netflix"))) == {"Migrating MySQL to RocksDB"}


def test_field_queries(engine):
    assert titles(engine.search("company:uber")) == ["Predicting capacity with linear regression"]
    assert titles(engine.search("company:facebook")) == ["Migrating MySQL to RocksDB"]
    assert set(titles(engine.search("topic:tracing company:google"))) == {"Distributed tracing at scale"}
    assert titles(engine.search('speaker:"laura nolan"')) == ["What Breaks Our Systems: A Taxonomy of Black Swans"]
    assert engine.search("year:2017..2019").total == 8
    assert engine.search("year:2021..").total == 3
    assert titles(engine.search('conference:"srecon19 emea"')) == ["Error budgets that product teams accept"]


def test_a_typo_is_corrected_when_nothing_matches(engine):
    resp = engine.search("kuberntes")
    assert resp.corrected == "kubernetes" and resp.total == 2
    assert any("kubernetes" in n for n in resp.notices)


def test_a_word_written_with_its_accents_is_not_a_typo(engine):
    for written in ("résumé", "resumé", "Résumé failures"):  # the text says "résumé"; the index keeps "resume"
        resp = engine.search(written)
        assert resp.total == 1 and resp.did_you_mean == "" and resp.corrected == "", written


def test_did_you_mean_offers_the_index_vocabulary(engine):
    resp = engine.search("tracing OR obsrvability")
    assert resp.total >= 2 and resp.did_you_mean == "tracing OR observability"


@pytest.mark.parametrize("query", ['"unbalanced', "AND", "tracing AND", "((", "x" * 10_000, "tracing\x00 \x1b[31m",
                                   "company:", "year:abc..", "*", "title:", "OR OR OR", ")", "k8s:(", "\\"])
def test_hostile_input_never_errors(engine, query):
    resp = engine.search(query)
    assert resp.total >= 0
    assert len(resp.query) <= 256


def test_degraded_queries_say_so(engine):
    resp = engine.search('"error budget')
    assert resp.notices and resp.total >= 1
    assert engine.search("x" * 10_000).notices


def test_disjunctive_facets(engine):
    resp = engine.search("", {"company": ["Google", "Uber"], "year": ["2018"]})
    assert resp.total == 2  # Google 2018 and Uber 2018: OR within company, AND across facets
    company = {v.value: v.count for v in resp.facets["company"]}
    # company counts ignore the company filter but keep the year filter
    assert company["Jet.com"] == 1 and company["Google"] == 1 and "Slack" not in company
    year = {v.value: v.count for v in resp.facets["year"]}
    assert year == {"2018": 2, "2019": 1}  # the Google 2019 talk counts under year, its own filter left out


def test_selected_values_are_listed_even_at_zero(engine):
    resp = engine.search("rocksdb", {"company": ["Netflix"]})
    assert resp.total == 0
    netflix = [v for v in resp.facets["company"] if v.value == "Netflix"]
    assert netflix and netflix[0].count == 0 and netflix[0].selected


def test_snippets_are_escaped_text_with_only_highlight_markup(engine):
    resp = engine.search("security")
    hit = resp.results[0]
    assert "<img" not in hit.snippet and "&lt;img" in hit.snippet
    import re
    assert set(re.findall(r"</?(\w+)", hit.snippet)) <= {"mark"}
    assert "<mark>" in hit.snippet


def test_sort_by_date_and_pagination(engine):
    newest = engine.search("", sort="newest", per_page=3)
    assert [h.year for h in newest.results] == sorted([h.year for h in newest.results], reverse=True)
    assert newest.results[0].year == 2023 and newest.total == len(ENTRIES) and newest.pages == 4
    page4 = engine.search("", sort="newest", per_page=3, page=4)
    assert len(page4.results) == 2


def test_related_talks(engine):
    related = engine.related("e000")
    assert related and related[0].id != "e000"
    assert "Tracing event-sourced systems" in [h.title for h in related[:3]]


def test_json_shape(engine):
    out = engine.search("tracing").to_json()
    assert set(out["results"][0]) >= {"id", "url", "page_url", "title", "speakers", "companies", "topics",
                                      "conference", "year", "score", "snippet"}
    json.dumps(out)


def test_incremental_update_replaces_one_page(tmp_path):
    path = tmp_path / "index"
    apply_changes(path, pages())
    engine = SearchEngine(path)
    assert engine.search("rocksdb").total == 1
    changed = entry(4, ENTRIES[4])
    changed.summary = "MyRocks migration, now with a follow-up on compaction stalls."
    page_url = changed.page_url
    siblings = [e for p, es in pages() if p == page_url for e in es if e.id != changed.id]
    apply_changes(path, [(page_url, siblings + [changed])])
    assert engine.search("compaction").total == 1  # the open engine sees the new generation
    apply_changes(path, [(page_url, [])])  # the page is gone
    assert engine.search("rocksdb").total == 0
    assert engine.search("").total == len(ENTRIES) - 1 - len(siblings)


def test_a_second_writer_waits_then_reports_the_lock(tmp_path):
    path = tmp_path / "index"
    apply_changes(path, pages())
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from srefind.index.search import open_index
        w = open_index(__import__("pathlib").Path({str(path)!r})).writer()
        print("locked", flush=True)
        time.sleep(30)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        t0 = time.monotonic()
        with pytest.raises(IndexLockedError, match="locked by another writer"):
            apply_changes(path, pages(), timeout=1.0)
        assert 0.9 <= time.monotonic() - t0 < 10
    finally:
        holder.kill()
        holder.wait()
    apply_changes(path, pages(), timeout=5)  # the lock dies with its holder


WRITER = """
import sys, time
from pathlib import Path
from srefind.index.search.merges import ConcurrentWriter
from srefind.index.search import apply_changes
from srefind.models import TalkEntry
_commit = ConcurrentWriter.commit
def announced_commit(self, *a, **k):
    print("committing", flush=True)
    return _commit(self, *a, **k)
ConcurrentWriter.commit = announced_commit
path = Path(sys.argv[1])
big = [(f"http://big.test/{n}/", [TalkEntry(**{{"id": f"b{{n}}-{{k}}", "url": f"http://big.test/{n}/#{{k}}",
        "page_url": f"http://big.test/{n}/", "title": f"bulk talk {{n}} {{k}}", "speakers": [],
        "companies": ["Bulk"], "topics": ["culture"], "conference": "", "year": 2020, "date": "",
        "summary": "filler words " * 200, "site": "big.test"}}) for k in range(5)]) for n in range({n})]
print("writing", flush=True)
apply_changes(path, big)
print("committed", flush=True)
"""


@pytest.mark.parametrize("phase, delay", [("writing", 0.5), ("committing", 0.02), ("committing", 0.08),
                                          ("committing", 0.15)])  # the commit itself takes ~0.2 s here
def test_a_writer_killed_mid_commit_leaves_the_last_commit_readable(tmp_path, phase, delay):
    path = tmp_path / "index"
    apply_changes(path, pages())
    before = SearchEngine(path).search("").total
    proc = subprocess.Popen([sys.executable, "-c", WRITER.format(n=400), str(path)], stdout=subprocess.PIPE, text=True)
    line = ""
    while line != phase:
        line = proc.stdout.readline().strip()
        assert line, "the writer ended before the phase to kill it in"
    time.sleep(delay)
    proc.kill()  # SIGKILL: no cleanup, no finally blocks
    proc.wait()
    engine = SearchEngine(path)
    total = engine.search("").total
    assert total in (before, before + 2000)  # the old commit, or the new one if it had finished: nothing between
    assert engine.search("tracing").total == 2
    assert engine.search("bulk").total == total - before
    apply_changes(path, pages(), timeout=5)  # and the next writer gets in


def test_a_reader_in_another_process_keeps_answering_during_a_commit(tmp_path):
    path = tmp_path / "index"
    apply_changes(path, pages())
    reader = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from pathlib import Path
        from srefind.index.search import SearchEngine
        e = SearchEngine(Path({str(path)!r}))
        seen = set()
        t_end = time.time() + 60
        while time.time() < t_end:
            n = e.search("").total
            seen.add(n)
            print(n, flush=True)
            if n > {len(ENTRIES)}:
                break
            time.sleep(0.02)
    """)], stdout=subprocess.PIPE, text=True)
    assert int(reader.stdout.readline()) == len(ENTRIES)
    writer = subprocess.run([sys.executable, "-c", WRITER.format(n=300), str(path)], capture_output=True, text=True)
    assert "committed" in writer.stdout, writer.stderr
    counts = [int(x) for x in reader.communicate(timeout=60)[0].split()]
    assert set(counts) <= {len(ENTRIES), len(ENTRIES) + 1500}  # never a half-written state
    assert counts[-1] == len(ENTRIES) + 1500  # and the new generation once committed


def test_a_phrase_is_highlighted_where_it_occurs_not_its_words_wherever_they_are(tmp_path):
    text = ("Each service got a service level objective; the owners of the checkout service argued about "
            "the level of the objective.")
    e = TalkEntry(id="p1", url="http://s.test/p/#1", page_url="http://s.test/p/", title="Targets for a payments API",
                  topics=["slo"], conference="SREcon19 EMEA", year=2019, summary=text, site="s.test")
    apply_changes(tmp_path / "index", [(e.page_url, [e])])
    engine = SearchEngine(tmp_path / "index")
    for query in ("slo", '"service level objective"'):  # a synonym's phrase, or one typed
        (hit,) = engine.search(query).results
        assert hit.snippet.count("<mark>") == 3, hit.snippet
        assert "<mark>service</mark> <mark>level</mark> <mark>objective</mark>" in hit.snippet
    (hit,) = engine.search("checkout").results  # single words are marked wherever they occur
    assert "<mark>checkout</mark>" in hit.snippet
