"""What any SearchBackend must do, run against every backend srefind knows (srefind/backend.py
BACKENDS): a new backend registered there is held to the same specification."""

from __future__ import annotations

import pytest

from srefind.backend import BACKENDS, SearchBackend, open_backend
from srefind.models import Hit, SearchResponse, TalkEntry


def _entry(n: int, page: str, title: str, summary: str, **kw) -> TalkEntry:
    return TalkEntry(id=f"{page.rsplit('/', 2)[-2]}-{n}", url=f"{page}#t{n}", page_url=page, title=title,
                     summary=summary, **kw)


RECAP = "http://blog.test/recap/"
SOLO = "http://blog.test/solo/"
PAGES = [
    (RECAP, [
        _entry(1, RECAP, "Distributed tracing at scale", "Sampling spans across services.", companies=["Google"],
               topics=["tracing"], conference="SREcon18 Americas", year=2018, speakers=["Ana Ruiz"], site="blog.test"),
        _entry(2, RECAP, "Capacity planning with regression", "Linear models predict load.", companies=["Uber"],
               topics=["capacity-planning", "ml"], conference="SREcon18 Americas", year=2018, site="blog.test"),
    ]),
    (SOLO, [
        _entry(1, SOLO, "Tracing event-sourced systems", "Tracing through an event log.", companies=["Jet.com"],
               topics=["tracing"], conference="SREcon19 EMEA", year=2019, site="blog.test"),
    ]),
]


@pytest.fixture(params=sorted(BACKENDS))
def backend(request, tmp_path):
    b = open_backend(tmp_path, request.param)
    yield b
    b.close()


def test_a_backend_starts_empty_and_says_so(backend: SearchBackend):
    assert isinstance(backend, SearchBackend)
    assert not backend.exists()
    assert backend.health().state == "missing"


def test_applied_pages_are_searched_with_filters_facets_one_talk_and_related(backend: SearchBackend):
    assert backend.apply(PAGES) == 2
    backend.finish()
    assert backend.exists() and backend.health().state == "ok" and backend.doc_count() == 3
    resp = backend.search("tracing", {"company": ["Google", "Jet.com"]})
    assert isinstance(resp, SearchResponse) and resp.total == 2
    assert all(isinstance(h, Hit) for h in resp.results)
    assert {h.title for h in resp.results} == {"Distributed tracing at scale", "Tracing event-sourced systems"}
    counts = {v.value: v.count for v in resp.facets["year"]}
    assert counts == {"2018": 1, "2019": 1}
    talk = backend.talk(PAGES[0][1][0].id)
    assert talk == PAGES[0][1][0]  # the entry comes back as it went in, typed
    assert backend.talk("no-such-id") is None
    assert PAGES[0][1][0].id not in {h.id for h in backend.related(PAGES[0][1][0].id)}
    stats = backend.stats()
    assert stats.entries == 3 and stats.size_bytes > 0


def test_a_page_applied_again_replaces_its_entries_and_an_empty_one_deletes_them(backend: SearchBackend):
    backend.apply(PAGES)
    assert backend.search("\"an event log\"").total == 1
    before = backend.generation()
    edited = _entry(1, SOLO, "Tracing event-sourced systems, revisited", "Now with compaction.", site="blog.test")
    backend.apply([(SOLO, [edited])])
    assert backend.generation() > before
    assert backend.search("compaction").total == 1 and backend.search("\"an event log\"").total == 0
    backend.apply([(RECAP, [])])
    assert backend.doc_count() == 1


def test_a_rebuild_holds_exactly_the_pages_given(backend: SearchBackend):
    backend.apply(PAGES)
    report = backend.rebuild(PAGES[:1])
    assert (report.pages, report.entries) == (1, 2)
    assert backend.doc_count() == 2 and backend.search("event").total == 0
