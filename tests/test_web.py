"""The Flask app through its test client: routes, parameters, JSON twins, headers, errors."""

from __future__ import annotations

import json
import re

import pytest

from srefind.talks import embed_url
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
    assert "25</strong> talks" in html  # 28 entries: three write-ups are shown with the talks they are about
    # every write-up on its own: the 28 entries less the 11 talk pages' records
    assert "17</strong> write-ups" in client.get("/?show=writeups").get_data(as_text=True)
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


def _linked(client) -> tuple[dict, dict]:
    """The demo's write-up linked to its talk page, and that talk."""
    notes = client.get("/api/search?q=autopsy+mysql+automation&show=writeups").get_json()["results"]
    writeup = next(h for h in notes if h["talk_url"])
    hits = client.get("/api/search?q=autopsy+mysql+automation").get_json()["results"]
    talk = next(h for h in hits if h["url"] == writeup["talk_url"])
    return writeup, talk


def test_one_result_per_talk_carries_its_write_ups_and_facets_count_talks(client):
    writeup, talk = _linked(client)
    assert talk["record"] and [w["url"] for w in talk["writeups"]] == [writeup["url"]]
    w = talk["writeups"][0]
    assert set(w) == {"id", "url", "page_url", "title", "site", "author", "date", "snippet"} and w["snippet"]
    talks = client.get("/api/search?q=autopsy+mysql+automation").get_json()
    assert writeup["id"] not in [h["id"] for h in talks["results"]]  # shown with its talk, not beside it
    conf = {r["value"]: r["count"] for r in talks["facets"]["conference"]}
    assert conf.get("SREcon19 EMEA") == sum(1 for h in talks["results"] if h["conference"] == "SREcon19 EMEA")
    # words only the write-up uses still find the talk
    only_writeup = client.get("/api/search?q=%22failover+automation+makes+things+worse%22").get_json()
    assert [h["id"] for h in only_writeup["results"]] == [talk["id"]]
    # and every write-up on its own, when asked
    notes = client.get("/api/search?q=%22failover+automation+makes+things+worse%22&show=writeups").get_json()
    assert [h["id"] for h in notes["results"]] == [writeup["id"]]
    html = client.get("/?q=autopsy+mysql+automation").get_data(as_text=True)
    assert "1 write-up</a>:" in html and "When failover automation makes things worse" in html
    assert client.get("/api/search?show=everything").status_code == 400


def test_a_talk_lists_the_write_ups_about_it_and_a_write_up_names_its_talk(client):
    writeup, talk = _linked(client)
    record = client.get(f"/api/talks/{talk['id']}").get_json()
    assert [w["url"] for w in record["writeups"]] == [writeup["url"]]
    w = record["writeups"][0]
    assert w["title"] == "When failover automation makes things worse"  # the write-up's own heading
    assert w["site"] and w["snippet"] and w["date"] == "2019-10-05"
    assert record["about"] is None and writeup["id"] not in record["related"]
    page = client.get(f"/talks/{talk['id']}").get_data(as_text=True)
    assert "1 write-up</h2>" in page and "When failover automation makes things worse" in page
    about = client.get(f"/api/talks/{writeup['id']}").get_json()
    assert about["about"]["id"] == talk["id"] and about["writeups"] == []
    page = client.get(f"/talks/{writeup['id']}").get_data(as_text=True)
    assert f'This write-up is about <a href="/talks/{talk["id"]}">' in page


def test_a_talk_pages_video_is_a_link_and_its_player_loads_only_on_request(client):
    talks = [h for h in client.get("/api/search?per_page=50").get_json()["results"] if h["media"]]
    assert talks, "the demo's talk pages link videos and slides"
    record = client.get(f"/api/talks/{talks[0]['id']}").get_json()
    assert {m["kind"] for m in record["media"]} <= {"video", "slides", "audio"}
    page = client.get(f"/talks/{talks[0]['id']}").get_data(as_text=True)
    assert "Video and slides</h2>" in page and "<iframe" not in page  # nothing from a video host up front
    for m in record["media"]:
        player = embed_url(m["url"]) if m["kind"] == "video" else ""
        assert (f'data-player="{player}"' in page) == bool(player)


def test_only_a_known_video_hosts_watch_link_gets_a_player():
    assert embed_url("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=42") == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert embed_url("https://youtu.be/dQw4w9WgXcQ") == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"
    assert embed_url("https://vimeo.com/123456") == "https://player.vimeo.com/video/123456"
    assert embed_url("https://www.youtube.com/results?search_query=srecon") == ""  # a search, not a video
    assert embed_url("https://www.youtube.com/watch?v=x\"><script>") == ""
    assert embed_url("https://video.example/talk.mp4") == ""


def test_api_facets(client):
    out = client.get("/api/facets?topic=tracing").get_json()
    total = client.get("/api/search?topic=tracing").get_json()["total"]
    assert total >= 2  # the Google and Jet.com recap talks at least
    assert {"value": "tracing", "count": total, "selected": True} in out["topic"]


@pytest.mark.parametrize("url, needle", [
    ("/?page=0", "page must be a whole number"),
    ("/?per_page=1000", "per_page must be a whole number"),
    ("/?sort=sideways", "sort must be one of"),
    ("/?year=nineteen", "year"),
    ("/?q=" + "x" * 2000, "q is too long"),
])
def test_bad_parameters_get_a_400_that_explains_itself(client, url, needle):
    r = client.get(url)
    assert r.status_code == 400 and needle in r.get_data(as_text=True)
    api = client.get("/api/search" + url[1:])
    assert api.status_code == 400 and needle in api.get_json()["error"]


def test_parameters_srefind_does_not_know_are_ignored(client):
    plain = client.get("/api/search?q=tracing").get_json()
    for extra in ("utm_source=x&utm_medium=social", "fbclid=IwAR0abc", "_=1701234567", "colour=blue"):
        r = client.get(f"/api/search?q=tracing&{extra}")
        assert r.status_code == 200 and r.get_json()["total"] == plain["total"]
        assert client.get(f"/?q=tracing&{extra}").status_code == 200


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
    assert h["ok"] and h["entries"] == 28 and h["last_crawl_success"]
    client.get("/?q=tracing")
    m = client.get("/metrics").get_data(as_text=True)
    assert 'srefind_http_requests_total{code="200",endpoint="/"}' in m
    assert "srefind_http_request_duration_seconds_bucket" in m
    assert "srefind_index_entries 28.0" in m
    assert 'srefind_last_crawl_timestamp_seconds{event="success"}' in m
    # build info, the process, the index on disk and the last crawl run, parsed as Prometheus parses them
    from prometheus_client.parser import text_string_to_metric_families

    families = {f.name: f for f in text_string_to_metric_families(m)}
    assert families["srefind_build_info"].samples[0].labels["version"]
    assert families["process_resident_memory_bytes"].samples[0].value > 0
    assert families["srefind_index_size_bytes"].samples[0].value > 0
    pages = {s.labels["outcome"]: s.value for s in families["srefind_crawl_last_run_pages"].samples}
    assert pages["fetched"] > 0 and {"new", "changed", "unchanged", "gone"} <= set(pages)  # the last run's, any kind
    # the last finished run of the demo data dir (other tests recrawl it): what its stats say
    from srefind.config import DataPaths
    from srefind.crawler.state import CrawlState

    state = CrawlState(DataPaths(client.application.config["DATA_DIR"]).state, readonly=True)
    try:
        run = next(r for r in state.runs(limit=5) if r["finished"])
    finally:
        state.close()
    assert families["srefind_crawl_last_run_success"].samples[0].value == (1 if run["ok"] else 0)
    assert families["srefind_crawl_last_run_duration_seconds"].samples[0].value > 0
    assert families["srefind_crawl_last_run_entries"].samples[0].value == run["stats"].get("entries", 0)
    assert pages["fetched"] == run["stats"]["fetched"]
    for name in families:  # conventions: a prefix, base units
        assert name.startswith(("srefind_", "process_", "python_")), name


def test_page_weight(client):
    assert len(client.get("/").data) < 100_000
    assert len(client.get("/?q=tracing").data) < 100_000


def test_media_and_type_facets_count_talks_from_the_events_pages(client):
    facets = client.get("/api/facets").get_json()
    media = {r["value"]: r["count"] for r in facets["media"]}
    talks = client.get("/api/search?per_page=50").get_json()["results"]
    assert media["video"] == sum(1 for h in talks if any(m["kind"] == "video" for m in h["media"])) >= 3
    assert media["slides"] >= 2
    types = {r["value"]: r["count"] for r in facets["type"]}
    assert types == {"talk": sum(1 for h in talks if h["record"])}  # the demo program names no keynote or panel
    only_video = client.get("/api/search?media=video").get_json()
    assert only_video["total"] == media["video"]


def test_the_year_facet_is_a_timeline_newest_first_and_the_others_go_by_count(client):
    facets = client.get("/api/facets").get_json()
    years = [int(r["value"]) for r in facets["year"]]
    assert years == sorted(years, reverse=True) and len(years) >= 3
    for name in ("company", "topic", "conference"):
        counts = [r["count"] for r in facets[name]]
        assert counts == sorted(counts, reverse=True)


def test_json_types_are_consistent_a_year_is_a_number_and_a_missing_value_is_null(client):
    out = client.get("/api/search?per_page=50").get_json()
    assert all(isinstance(r["value"], int) for r in out["facets"]["year"])
    for h in out["results"]:
        assert h["year"] is None or isinstance(h["year"], int)
        for key in ("date", "conference", "author", "talk_url", "room"):
            assert h[key] is None or (isinstance(h[key], str) and h[key])
    assert any(h["talk_url"] is None for h in out["results"])
    talk = client.get(f"/api/talks/{out['results'][0]['id']}").get_json()
    assert talk["date"] is None or talk["date"]
    # a year filter comes back as the number it is, however it was written
    year = out["facets"]["year"][0]["value"]
    filtered = client.get(f"/api/search?year={year}&year=0{year}").get_json()
    assert filtered["filters"]["year"] == [year]
    assert filtered["total"] == out["facets"]["year"][0]["count"]
    assert [r["value"] for r in filtered["facets"]["year"]].count(year) == 1


def test_a_talk_lists_other_talks_from_its_company(client):
    talks = client.get("/api/search?per_page=50").get_json()["results"]
    counts: dict[str, int] = {}
    for h in talks:
        for c in h["companies"][:1]:
            counts[c] = counts.get(c, 0) + 1
    company = max(counts, key=counts.__getitem__)
    talk = next(h for h in talks if h["companies"][:1] == [company])
    record = client.get(f"/api/talks/{talk['id']}").get_json()
    assert record["by_company"] and talk["id"] not in record["by_company"]
    by_id = {h["id"]: h for h in talks}
    assert all(company in by_id[i]["companies"] for i in record["by_company"] if i in by_id)
    assert f"Other talks from {company}" in client.get(f"/talks/{talk['id']}").get_data(as_text=True)


def test_the_example_alert_rules_use_only_metrics_the_server_exposes(client):
    import re
    from importlib import resources

    from prometheus_client.parser import text_string_to_metric_families

    rules = (resources.files("srefind") / "data" / "schedule" / "srefind-alerts.yml").read_text(encoding="utf-8")
    exposed = set()
    for family in text_string_to_metric_families(client.get("/metrics").get_data(as_text=True)):
        exposed |= {s.name for s in family.samples} | {family.name}
    used = set(re.findall(r"\b(srefind_[a-z_]+)", " ".join(re.findall(r"expr: (.*)", rules))))
    assert used and used <= exposed, used - exposed


def test_a_repeat_with_the_same_index_generation_is_a_304_and_big_answers_are_gzipped(client):
    import gzip

    for url in ("/?q=tracing", "/api/search?q=tracing", "/api/facets", "/feed.atom?q=tracing"):
        first = client.get(url)
        assert first.status_code == 200 and first.headers["Cache-Control"] == "no-cache"
        tag = first.headers["ETag"]
        again = client.get(url, headers={"If-None-Match": tag})
        assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == tag
        assert client.get(url + "&x=1" if "?" in url else url + "?x=1").headers["ETag"] != tag  # another URL
    r = client.get("/api/search?per_page=50", headers={"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in r.headers["Vary"]
    assert json.loads(gzip.decompress(r.get_data()))["total"] == 25
    plain = client.get("/api/search?per_page=50")
    assert "Content-Encoding" not in plain.headers and plain.get_json()["total"] == 25
    small = client.get("/api/talks/nope", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in small.headers  # under 1 KB: not worth it
