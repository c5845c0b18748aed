"""The Flask app through its test client: routes, parameters, JSON twins, headers, errors."""

from __future__ import annotations

import re

import pytest

from srefind.web.app import create_app


@pytest.fixture(scope="module")
def client(demo_data):
    app = create_app(demo_data)
    app.testing = False  # errors go through the app's own handlers, as in production
    return app.test_client()


def test_browse_lists_every_talk_newest_first_with_facets(client):
    r = client.get("/")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "27</strong> talks" in html
    for facet in ("Company", "Topic", "Conference", "Year", "Speaker"):
        assert f">{facet}</h2>" in html
    years = [int(y) for y in re.findall(r'data-year="(\d{4})"', html)]
    assert years == sorted(years, reverse=True)


def test_search_page_state_lives_in_the_url(client):
    r = client.get("/?q=tracing&company=Google&company=Jet.com&sort=newest")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert 'value="tracing"' in html
    assert "Company: Google" in html and "Company: Jet.com" in html and "Clear all" in html
    assert re.search(r'<option value="newest" selected>', html)
    # removing one chip keeps the rest of the state
    assert 'href="/?q=tracing&amp;company=Jet.com&amp;sort=newest"' in html


def test_api_search_is_the_cli_json(client):
    r = client.get("/api/search?q=tracing&company=google")
    assert r.status_code == 200 and r.is_json
    out = r.get_json()
    assert out["total"] == 1 and out["results"][0]["companies"] == ["Google"]
    assert set(out["facets"]) >= {"company", "topic", "conference", "year", "speaker"}


def test_api_talk_and_talk_page(client):
    hit = client.get("/api/search?q=uber").get_json()["results"][0]
    talk = client.get(f"/api/talks/{hit['id']}").get_json()
    assert talk["companies"] == ["Uber"] and "related" in talk
    page = client.get(f"/talks/{hit['id']}").get_data(as_text=True)
    assert "Uber" in page and hit["url"].replace("&", "&amp;") in page and "Related talks" in page


def test_api_facets(client):
    out = client.get("/api/facets?topic=tracing").get_json()
    total = client.get("/api/search?topic=tracing").get_json()["total"]
    assert total >= 2  # the Google and Jet.com recap talks at least
    assert {"value": "tracing", "count": total, "selected": True} in out["topic"]


@pytest.mark.parametrize("url, needle", [
    ("/?page=0", "page must be a whole number"),
    ("/?per_page=1000", "per_page must be a whole number"),
    ("/?sort=sideways", "sort must be one of"),
    ("/?colour=blue", "unknown parameter: colour"),
    ("/?q=" + "x" * 2000, "q is too long"),
])
def test_bad_parameters_get_a_400_that_explains_itself(client, url, needle):
    r = client.get(url)
    assert r.status_code == 400 and needle in r.get_data(as_text=True)
    api = client.get("/api/search" + url[1:])
    assert api.status_code == 400 and needle in api.get_json()["error"]


def test_not_found_pages_have_no_traceback(client):
    for url in ("/talks/nope", "/no/such/page"):
        r = client.get(url)
        assert r.status_code == 404 and "Traceback" not in r.get_data(as_text=True)
    assert client.get("/api/talks/nope").get_json()["error"]


def test_security_headers(client):
    r = client.get("/")
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"


def test_health_and_metrics(client):
    h = client.get("/healthz").get_json()
    assert h["ok"] and h["entries"] == 27 and h["last_crawl_success"]
    client.get("/?q=tracing")
    m = client.get("/metrics").get_data(as_text=True)
    assert 'srefind_http_requests_total{endpoint="/",status="200"}' in m
    assert "srefind_http_request_seconds_bucket" in m
    assert "srefind_index_entries 27.0" in m
    assert 'srefind_last_crawl_timestamp_seconds{event="success"}' in m


def test_page_weight(client):
    assert len(client.get("/").data) < 100_000
    assert len(client.get("/?q=tracing").data) < 100_000
