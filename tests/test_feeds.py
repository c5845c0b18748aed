"""Following a search: every search URL has an Atom feed (newest first) that a real feed reader
parses, linked from the page; an OpenSearch description lets a browser add srefind."""

from __future__ import annotations

from xml.etree import ElementTree as ET

import feedparser
import pytest

from srefind.web.app import create_app


@pytest.fixture(scope="module")
def client(demo_data):
    app = create_app(demo_data)
    app.testing = False
    return app.test_client()


def test_a_search_has_a_feed_of_its_results_newest_first(client):
    r = client.get("/feed.atom?q=tracing&topic=tracing")
    assert r.status_code == 200 and r.mimetype == "application/atom+xml"
    feed = feedparser.parse(r.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    api = client.get("/api/search?q=tracing&topic=tracing&sort=newest&per_page=50").get_json()
    assert [e.link for e in feed.entries] == [f"http://localhost/talks/{h['id']}" for h in api["results"]]
    assert [e.title for e in feed.entries] == [h["title"] for h in api["results"]]
    dates = [e.updated for e in feed.entries]
    assert dates == sorted(dates, reverse=True)
    assert "tracing" in feed.feed.title and "Topic: tracing" in feed.feed.title
    assert all(e.id == e.link for e in feed.entries) and len({e.id for e in feed.entries}) == len(feed.entries)
    assert any(t.term == "tracing" for e in feed.entries for t in e.tags)


def test_the_search_page_links_its_feed_with_the_same_parameters(client):
    html = client.get("/?q=kafka&company=LinkedIn&sort=newest&page=1").get_data(as_text=True)
    assert '<link rel="alternate" type="application/atom+xml" href="/feed.atom?q=kafka&amp;company=LinkedIn"' in html
    assert 'href="/feed.atom?q=kafka&amp;company=LinkedIn">Follow this search' in html


def test_a_feed_of_a_search_with_no_results_is_still_a_valid_feed(client):
    feed = feedparser.parse(client.get("/feed.atom?q=zzzzqqqq").get_data())
    assert not feed.bozo and feed.entries == []


def test_a_feed_with_a_bad_parameter_is_a_clear_400(client):
    r = client.get("/feed.atom?year=nineteen")
    assert r.status_code == 400


def test_every_page_names_the_opensearch_description(client):
    for path in ("/", "/?q=slo"):
        html = client.get(path).get_data(as_text=True)
        assert '<link rel="search" type="application/opensearchdescription+xml" href="/opensearch.xml"' in html
    r = client.get("/opensearch.xml")
    assert r.status_code == 200 and r.mimetype == "application/opensearchdescription+xml"
    doc = ET.fromstring(r.get_data())
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    assert doc.find("os:ShortName", ns).text == "srefind"
    templates = {u.get("type"): u.get("template") for u in doc.findall("os:Url", ns)}
    assert templates["text/html"] == "http://localhost/?q={searchTerms}"
    assert templates["application/atom+xml"] == "http://localhost/feed.atom?q={searchTerms}"


def test_the_feed_of_every_talk_stays_newest_first_with_undated_talks_last(client):
    feed = feedparser.parse(client.get("/feed.atom").get_data())
    # every talk record and every write-up, each on its own (a write-up is news even when its talk is not)
    talks = client.get("/api/search?per_page=50").get_json()
    writeups = client.get("/api/search?per_page=50&show=writeups").get_json()
    linked = sum(len(h["writeups"]) for h in talks["results"])
    assert not feed.bozo and len(feed.entries) == talks["total"] + linked
    assert len(feed.entries) == len({*(h["id"] for h in talks["results"]), *(h["id"] for h in writeups["results"])})
    dates = [e.updated for e in feed.entries]
    assert dates == sorted(dates, reverse=True)
