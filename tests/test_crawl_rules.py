"""The crawler's rules, each proven against real HTTP servers on loopback.

Every site here is a `WebFixture`: a server whose answers the test declares and whose request
log the test reads afterwards. A rule such as "zero requests to a disallowed path" is checked on
the server's side, not by asking the crawler what it believes it did. Crawls run through
`srefind.pipeline.run_crawl` (crawl, tag, index), so "indexed" means: the page has talk entries.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import pytest

from srefind.config import CrawlConfig, load_config
from srefind.crawler.engine import CrawlStats
from srefind.crawler.state import CrawlState
from srefind.crawler.urls import normalize
from srefind.errors import SrefindError
from srefind.pipeline import run_crawl

from webfixture import (
    Concurrency,
    Hit,
    Response,
    WebFixture,
    filler,
    html,
    links,
    sitemap_index,
    srecon_writeup,
    urlset,
)

CONTACT = "https://example.org/srefind-crawler-info"
CLOCK_SLACK = 0.01  # server-side timestamps of two requests; sleeps never undershoot by more


def config(**overrides: object) -> CrawlConfig:
    """The shipped config, made fast for tests: no politeness delay, tiny back-off."""
    cfg = load_config(None)
    cfg.delay = 0.0
    cfg.backoff_base = 0.01
    cfg.connect_timeout = 2.0
    cfg.read_timeout = 2.0
    cfg.contact_url = CONTACT
    for key, value in overrides.items():
        assert hasattr(cfg, key), key
        setattr(cfg, key, value)
    return cfg


@dataclass
class Crawl:
    """What a finished run left in the data dir."""

    stats: CrawlStats | None
    rows: dict[str, dict]  # url -> its crawl-state row
    entries: list[dict]
    external: set[str]  # off-scope links recorded, never fetched

    @property
    def indexed(self) -> set[str]:
        return {e.page_url for e in self.entries}


def read_state(data: Path) -> tuple[dict[str, dict], list[dict], set[str]]:
    state = CrawlState(data / "crawl.sqlite")
    try:
        rows = {r.url: asdict(r) for r in state.records()}
        entries = list(state.all_entries())
        external = set(state.external_links())
    finally:
        state.close()
    return rows, entries, external


def crawl(data: Path, *seeds: str, **overrides: object) -> Crawl:
    stats = run_crawl(config(**overrides), data, list(seeds))
    return Crawl(stats, *read_state(data))


@pytest.fixture
def web() -> Iterator[Callable[..., WebFixture]]:
    """Start as many origins as a test needs; all are shut down after it."""
    with contextlib.ExitStack() as stack:
        yield lambda **kw: stack.enter_context(WebFixture(**kw))


def gaps(hits: list[Hit]) -> list[float]:
    return [b.at - a.at for a, b in zip(hits, hits[1:])]


# -- rule 1: workers, politeness, identity --------------------------------------------------------

def test_every_request_carries_an_honest_user_agent_with_the_contact_url(tmp_path, web):
    site = web()
    site.page("/", html("home", links("/talk/", "/slides.pdf")))
    site.page("/talk/", srecon_writeup(0))
    site.page("/slides.pdf", b"%PDF-1.4", content_type="application/pdf")
    crawl(tmp_path / "d", site.url("/"))
    agents = {h.headers.get("user-agent") for h in site.requests()}
    assert agents == {f"srefind/0.1 (+{CONTACT})"}


def test_one_request_in_flight_per_origin_a_bounded_pool_and_a_kept_alive_session_per_worker(tmp_path, web):
    everyone = Concurrency()
    sites = [web(latency=0.03, shared=everyone) for _ in range(4)]
    for site in sites:
        site.robots("User-agent: *\nDisallow:\n")
        site.page("/", html("home", links(*[f"/p{i}/" for i in range(6)])))
        for i in range(6):
            site.page(f"/p{i}/", html(f"page {i}", f"<p>Page {i}.</p>"))
    crawl(tmp_path / "d", *[s.url("/") for s in sites], workers=2)
    for site in sites:
        assert site.inflight.peak == 1, "never two requests at once to one origin"
        assert site.count("/p5/") == 1
        # Each worker thread keeps its own requests.Session with kept-alive connections.
        assert len({h.client for h in site.requests()}) <= 2
    assert everyone.peak == 2, "the pool runs origins in parallel, never more than `workers` at once"


@pytest.mark.parametrize("robots_delay, config_delay", [(0.3, 0.05), (None, 0.3)])
def test_requests_to_an_origin_are_spaced_by_the_larger_of_delay_and_crawl_delay(
        tmp_path, web, robots_delay, config_delay):
    site = web()
    site.robots("User-agent: *\n" + (f"Crawl-delay: {robots_delay}\n" if robots_delay else "") + "Disallow:\n")
    site.page("/", html("home", links("/a/", "/b/")))
    site.page("/a/", html("a", "<p>a</p>"))
    site.page("/b/", html("b", "<p>b</p>"))
    crawl(tmp_path / "d", site.url("/"), delay=config_delay)
    hits = site.requests()
    assert [h.route for h in hits][:2] == ["/robots.txt", "/"]
    assert len(hits) >= 4
    assert min(gaps(hits)) >= 0.3 - CLOCK_SLACK, gaps(hits)


# -- rule 2: robots.txt ---------------------------------------------------------------------------

ROBOTS = """\
User-agent: *
Disallow: /

User-agent: srefind
Disallow: /private/
Allow: /private/open/
Sitemap: /sitemap.xml
"""


def test_robots_disallow_means_zero_requests_to_the_path(tmp_path, web):
    site = web()
    site.robots(ROBOTS)  # our group (matched by product token) replaces the `*` group
    site.page("/sitemap.xml", urlset("/private/from-sitemap/", "/public/two/"), content_type="application/xml")
    site.page("/", html("home", links("/public/", "/private/secret/", "/private/open/talk/", "/old/")))
    site.redirect("/old/", "/private/moved/")
    for path in ("/public/", "/public/two/", "/private/open/talk/"):
        site.page(path, html(path, "<p>open</p>"))
    result = crawl(tmp_path / "d", site.url("/"))

    private = [h.path for h in site.requests(prefix="/private/")]
    assert private == ["/private/open/talk/"]
    assert site.count("/public/") == 1 and site.count("/public/two/") == 1
    for path in ("/private/secret/", "/private/from-sitemap/", "/private/moved/"):
        assert result.rows[site.url(path)]["state"] == "skipped"
        assert result.rows[site.url(path)]["note"] == "robots.txt"
    assert site.count("/robots.txt") == 1, "robots.txt is fetched once per origin per run"


@pytest.mark.parametrize("status", [403, 404, 410])
def test_a_robots_txt_answering_4xx_allows_everything(tmp_path, web, status):
    site = web()
    site.page("/robots.txt", "no such file", status=status, content_type="text/plain")
    site.page("/", html("home", links("/talk/")))
    site.page("/talk/", srecon_writeup(1))
    result = crawl(tmp_path / "d", site.url("/"))
    assert site.url("/talk/") in result.indexed


def test_a_robots_txt_answering_5xx_keeps_the_origin_out_of_this_run(tmp_path, web):
    good, bad = web(), web()
    good.page("/", html("home", links("/talk/")))
    good.page("/talk/", srecon_writeup(2))
    bad.page("/robots.txt", "overloaded", status=503, content_type="text/plain")
    bad.page("/", html("home", links("/talk/")))
    bad.page("/talk/", srecon_writeup(3))
    data = tmp_path / "d"
    result = crawl(data, good.url("/"), bad.url("/"))

    assert {h.route for h in bad.requests()} == {"/robots.txt"}
    assert bad.count("/robots.txt") <= 3
    assert bad.origin in result.stats.origins_unreachable
    assert result.rows[bad.url("/")]["state"] == "queued", "left for the next run"
    assert good.url("/talk/") in result.indexed

    bad.robots("User-agent: *\nDisallow:\n")  # the origin is back
    again = crawl(data, good.url("/"), bad.url("/"))
    assert bad.url("/talk/") in again.indexed
    assert good.count("/talk/") == 1, "the first run's pages are not fetched again"


def test_only_a_5xx_robots_txt_origin_means_the_crawl_fails_with_one_clear_error(tmp_path, web):
    bad = web()
    bad.page("/robots.txt", "broken", status=500, content_type="text/plain")
    with pytest.raises(SrefindError, match="cannot reach"):
        run_crawl(config(), tmp_path / "d", [bad.url("/")])
    assert {h.route for h in bad.requests()} == {"/robots.txt"}


# -- rule 3: discovery, scope, normalisation, duplicates -----------------------------------------

def test_a_sitemap_index_named_in_robots_txt_with_relative_locs_finds_unlinked_pages(tmp_path, web):
    site = web()
    site.robots("User-agent: *\nDisallow:\nSitemap: /maps/index.xml\n")
    site.page("/", html("home", "<p>Nothing is linked from here.</p>"))
    site.page("/maps/index.xml", sitemap_index("talks.xml", "/maps/more.xml"), content_type="application/xml")
    site.page("/maps/talks.xml", urlset("../talks/one/"), content_type="application/xml")
    site.page("/maps/more.xml", urlset("/talks/two/"), content_type="text/xml")
    site.page("/talks/one/", srecon_writeup(1))
    site.page("/talks/two/", srecon_writeup(2))
    result = crawl(tmp_path / "d", site.url("/"))
    assert {site.url("/talks/one/"), site.url("/talks/two/")} <= result.indexed
    assert result.rows[site.url("/maps/talks.xml")]["kind"] == "sitemap"
    assert site.count("/sitemap.xml") == 0, "robots.txt named the sitemap"


def test_without_a_sitemap_line_the_default_sitemap_xml_is_read(tmp_path, web):
    site = web()
    site.page("/", html("home", "<p>Nothing is linked from here.</p>"))
    site.page("/sitemap.xml", urlset("talks/hidden/"), content_type="application/xml")
    site.page("/talks/hidden/", srecon_writeup(3))
    result = crawl(tmp_path / "d", site.url("/"))
    assert site.url("/talks/hidden/") in result.indexed


RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Notes</title><link>/</link>
<item><title>One</title><link>/rss-only/</link></item></channel></rss>"""
ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Notes</title>
<link rel="self" href="atom.xml"/><entry><title>Two</title><link href="entries/atom-only/"/>
<link rel="edit" href="/edit/2/"/></entry></feed>"""


def test_rss_and_atom_feeds_linked_from_a_page_are_read(tmp_path, web):
    site = web()
    head = ('<link rel="alternate" type="application/rss+xml" href="/feed.xml">'
            '<link rel="alternate" type="application/atom+xml" href="/atom.xml">')
    site.page("/", html("home", "<p>Subscribe!</p>", head=head))
    site.page("/feed.xml", RSS, content_type="application/rss+xml")
    site.page("/atom.xml", ATOM, content_type="application/atom+xml")
    site.page("/rss-only/", srecon_writeup(1))
    site.page("/entries/atom-only/", srecon_writeup(2))
    result = crawl(tmp_path / "d", site.url("/"))
    assert {site.url("/rss-only/"), site.url("/entries/atom-only/")} <= result.indexed
    assert result.rows[site.url("/feed.xml")]["kind"] == "feed"
    assert site.count("/edit/2/") == 0, "only entry links with rel=alternate are pages"


def test_nothing_outside_the_scope_is_ever_requested_and_external_links_are_recorded(tmp_path, web):
    site, other = web(), web()
    site.robots(f"User-agent: *\nDisallow:\nSitemap: /sitemap.xml\nSitemap: {other.url('/sitemap.xml')}\n")
    site.page("/sitemap.xml", urlset("/talk/", other.url("/from-sitemap/")), content_type="application/xml")
    feed = f'<link rel="alternate" type="application/rss+xml" href="{other.url("/feed.xml")}">'
    site.page("/", html("home", links("/talk/", other.url("/linked/"), "/go/"), head=feed))
    site.page("/talk/", srecon_writeup(3, head=f'<link rel="canonical" href="{other.url("/canonical/")}">'))
    site.redirect("/go/", other.url("/landing/"))
    result = crawl(tmp_path / "d", site.url("/"))

    assert other.requests() == []
    expected = {other.url(p) for p in ("/sitemap.xml", "/from-sitemap/", "/feed.xml", "/linked/", "/landing/")}
    assert expected <= result.external
    assert result.rows[site.url("/go/")]["note"] == "off-scope-redirect:" + other.url("/landing/")
    assert site.url("/talk/") in result.indexed, "an off-scope canonical is not followed: the page stands"


def test_configured_origins_join_the_scope(tmp_path, web):
    site, other = web(), web()
    site.page("/", html("home", links(other.url("/talk/"))))
    other.page("/talk/", srecon_writeup(4))
    spelled_differently = other.origin.replace("http://", "HTTP://") + "/"
    result = crawl(tmp_path / "d", site.url("/"), allowed_origins=[spelled_differently])
    assert other.url("/talk/") in result.indexed
    assert other.count("/robots.txt") == 1


def test_a_redirect_to_another_origin_in_scope_obeys_that_origins_robots_txt(tmp_path, web):
    site, other = web(), web()
    other.robots("User-agent: *\nDisallow: /private/\n")
    other.page("/open/", srecon_writeup(5))
    site.page("/", html("home", links("/go-private/", "/go-open/")))
    site.redirect("/go-private/", other.url("/private/landing/"))
    site.redirect("/go-open/", other.url("/open/"))
    result = crawl(tmp_path / "d", site.url("/"), allowed_origins=[other.origin])
    assert other.requests(prefix="/private/") == []
    assert result.rows[other.url("/private/landing/")]["note"] == "robots.txt"
    assert other.url("/open/") in result.indexed
    assert other.requests()[0].route == "/robots.txt", "robots.txt before anything else on the origin"


def test_spellings_of_one_url_are_fetched_once(tmp_path, web):
    site = web()
    variants = [
        "/talk/?b=2&a=1",
        "/talk/?a=1&b=2&utm_source=feed&utm_medium=rss&utm_campaign=x",
        "/talk/index.html?b=2&a=1#comments",
        "/notes/../talk/?a=1&b=2",
        site.url("/talk/?a=1&b=2").replace("http://", "HTTP://"),
    ]
    site.page("/", html("home", links(*variants)))
    site.page("/talk/", srecon_writeup(1))
    result = crawl(tmp_path / "d", site.url("/"))
    assert [h.path for h in site.requests("/talk/")] == ["/talk/?a=1&b=2"]
    assert result.indexed == {site.url("/talk/?a=1&b=2")}


def test_normalisation_drops_default_ports_fragments_and_index_files():
    assert normalize("HTTP://Example.ORG:80/a/index.html#top") == "http://example.org/a/"
    assert normalize("https://example.org:443/a?utm_source=x&z=1&b=2") == "https://example.org/a?b=2&z=1"
    assert normalize("https://example.org:8443/") == "https://example.org:8443/"
    assert normalize("mailto:someone@example.org") is None
    assert normalize("../b/", "https://example.org/a/x/") == "https://example.org/a/b/"


def test_a_page_with_rel_canonical_gives_way_to_the_canonical_url(tmp_path, web):
    site = web()
    site.page("/", html("home", links("/print/dns/")))
    site.page("/print/dns/", srecon_writeup(1, head='<link rel="canonical" href="/talks/dns/">'))
    site.page("/talks/dns/", srecon_writeup(1, head='<link rel="canonical" href="/talks/dns/">'))
    result = crawl(tmp_path / "d", site.url("/"))
    assert result.indexed == {site.url("/talks/dns/")}
    assert result.rows[site.url("/print/dns/")]["note"] == "canonical:" + site.url("/talks/dns/")


def test_identical_content_at_two_urls_is_indexed_once(tmp_path, web):
    site = web()
    page = srecon_writeup(2)
    site.page("/", html("home", links("/2019/03/26/slo-alerts/", "/slo-alerts/")))
    site.page("/2019/03/26/slo-alerts/", page)
    site.page("/slo-alerts/", page)
    result = crawl(tmp_path / "d", site.url("/"))
    both = {site.url("/2019/03/26/slo-alerts/"), site.url("/slo-alerts/")}
    assert len(result.indexed & both) == 1
    (copy,) = both - result.indexed
    assert result.rows[copy]["note"].startswith("duplicate:")
    ids = [e.id for e in result.entries]
    assert len(ids) == len(set(ids))


# -- rule 4: fetch rules ------------------------------------------------------------------------

def test_pdfs_images_and_plain_text_are_recorded_not_parsed(tmp_path, web):
    site = web()
    site.page("/", html("home", links("/slides.pdf", "/photo.png", "/notes.txt")))
    site.page("/slides.pdf", b"%PDF-1.4 <a href='/from-pdf/'>x</a>", content_type="application/pdf")
    site.page("/photo.png", b"\x89PNG <a href='/from-png/'>x</a>", content_type="image/png")
    site.page("/notes.txt", "SREcon notes <a href='/from-txt/'>x</a>", content_type="text/plain")
    result = crawl(tmp_path / "d", site.url("/"))
    for path, ctype in (("/slides.pdf", "application/pdf"), ("/photo.png", "image/png"), ("/notes.txt", "text/plain")):
        row = result.rows[site.url(path)]
        assert (row["state"], row["note"], row["content_type"]) == ("done", "not-html", ctype)
    assert site.requests(prefix="/from-") == []
    assert result.stats.not_html == 3


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_holds_the_origin_back_as_long_as_asked(tmp_path, web, status):
    site = web()
    site.page("/", html("home", links("/busy/", "/next/")))
    site.sequence("/busy/", Response(status, "slow down", "text/plain", {"Retry-After": "1"}),
                  Response(200, srecon_writeup(1)))
    site.page("/next/", srecon_writeup(2))
    result = crawl(tmp_path / "d", site.url("/"))
    hits = site.requests()
    first = next(i for i, h in enumerate(hits) if h.route == "/busy/")
    assert hits[first + 1].at - hits[first].at >= 1.0 - CLOCK_SLACK, "the next request to the origin waited"
    assert site.count("/busy/") == 2
    assert {site.url("/busy/"), site.url("/next/")} <= result.indexed


def test_a_retry_after_longer_than_a_run_waits_pauses_the_origin_until_the_next_run(tmp_path, web):
    site = web()
    site.page("/sitemap.xml", urlset(), content_type="application/xml")
    site.page("/", html("home", links("/busy/", "/later/")))
    site.answer("/busy/", Response(429, "come back in an hour", "text/plain", {"Retry-After": "3600"}))
    started = time.monotonic()
    result = crawl(tmp_path / "d", site.url("/"))
    assert time.monotonic() - started < 10
    assert site.paths()[-1] == "/busy/" and site.count("/busy/") == 1, "no retry, nothing after it"
    assert result.rows[site.url("/busy/")]["state"] == "queued"
    assert result.rows[site.url("/later/")]["state"] == "queued"
    assert result.stats.origins_paused == [site.origin]


def test_server_errors_and_dropped_connections_get_three_tries_with_backoff(tmp_path, web):
    site = web()
    site.page("/", html("home", links("/flaky/", "/down/", "/dropped/")))
    site.sequence("/flaky/", Response(503, "busy", "text/plain"), Response(502, "bad gateway", "text/plain"),
                  Response(200, srecon_writeup(3)))
    site.answer("/down/", Response(500, "broken", "text/plain"))
    site.answer("/dropped/", Response(drop=True))
    result = crawl(tmp_path / "d", site.url("/"), backoff_base=0.05)

    assert site.count("/flaky/") == 3
    assert site.url("/flaky/") in result.indexed
    # Exponential back-off with jitter in [0.5, 1.5): at least 0.025 s, then 0.05 s.
    first, second = gaps(site.requests("/flaky/"))
    assert first >= 0.025 - CLOCK_SLACK and second >= 0.05 - CLOCK_SLACK
    for path, error in (("/down/", "http-5xx"), ("/dropped/", "connection")):
        assert site.count(path) == 3, path
        row = result.rows[site.url(path)]
        assert (row["state"], row["error"]) == ("error", error)


def test_a_redirect_loop_is_detected(tmp_path, web):
    site = web()
    site.page("/", html("home", links("/loop/a/", "/self/")))
    site.redirect("/loop/a/", "/loop/b/")
    site.redirect("/loop/b/", "/loop/a/")
    site.redirect("/self/", "/self/")
    result = crawl(tmp_path / "d", site.url("/"))
    assert site.count("/loop/a/") == 1 and site.count("/loop/b/") == 1 and site.count("/self/") == 1
    assert result.rows[site.url("/loop/a/")]["error"] == "redirect-loop"
    assert result.rows[site.url("/self/")]["error"] == "redirect-loop"


def test_at_most_five_redirects_are_followed(tmp_path, web):
    site = web()
    site.page("/", html("home", links("/six/1/", "/five/1/")))
    for i in range(1, 7):
        site.redirect(f"/six/{i}/", f"/six/{i + 1}/" if i < 6 else "/six/end/")
    for i in range(1, 6):
        site.redirect(f"/five/{i}/", f"/five/{i + 1}/" if i < 5 else "/five/end/")
    site.page("/six/end/", srecon_writeup(4))
    site.page("/five/end/", srecon_writeup(5))
    result = crawl(tmp_path / "d", site.url("/"))

    assert len(site.requests(prefix="/six/")) == 6 and site.count("/six/end/") == 0
    assert result.rows[site.url("/six/1/")]["error"] == "too-many-redirects"
    assert site.url("/five/end/") in result.indexed, "five redirects are fine"
    assert result.rows[site.url("/five/1/")]["note"] == "redirect:" + site.url("/five/end/")


def test_a_same_origin_redirect_into_a_disallowed_path_is_not_followed(tmp_path, web):
    site = web()
    site.robots("User-agent: *\nDisallow: /private/\n")
    site.page("/", html("home", links("/old/")))
    site.redirect("/old/", "/private/new/")
    result = crawl(tmp_path / "d", site.url("/"))
    assert site.requests(prefix="/private/") == []
    assert result.rows[site.url("/private/new/")]["note"] == "robots.txt"


def test_a_body_past_the_cap_is_abandoned_and_not_parsed(tmp_path, web):
    site = web()
    site.page("/", html("home", links("/declared/", "/streamed/", "/small/")))
    site.page("/declared/", '<a href="/from-declared/">x</a>' + "<p>" + "x" * 2_000_000 + "</p>")
    site.answer("/streamed/", Response(stream=filler(50_000_000, b'<a href="/from-streamed/">x</a>')))
    site.page("/small/", srecon_writeup(1))
    result = crawl(tmp_path / "d", site.url("/"), max_body_bytes=100_000)
    for path in ("/declared/", "/streamed/"):
        row = result.rows[site.url(path)]
        assert (row["state"], row["error"]) == ("error", "too-large"), path
        assert site.count(path) == 1, "too large is not retried"
    assert site.bytes_sent["/streamed/"] < 10_000_000, "the transfer was cut, not read to the end"
    assert site.requests(prefix="/from-") == []
    assert site.url("/small/") in result.indexed


CP1252_TEXT = (
    "At SREcon19 Americas, Tom Berg from Spotify said it\u2019s always DNS \u2014 and the room laughed, "
    "because everyone had a \u201cit was DNS\u201d story from their own on-call week and a caf\u00e9 full of "
    "people nodded along while he walked through how the team learned to stop blaming the resolver."
)


def cp1252_page(head: str) -> bytes:
    doc = (f"<!DOCTYPE html><html><head>{head}<title>SREcon19: It\u2019s always DNS</title></head>"
           f"<body><article><h1>SREcon19: It\u2019s always DNS</h1><p>{CP1252_TEXT}</p></article></body></html>")
    return doc.encode("cp1252")


@pytest.mark.parametrize("content_type, head", [
    ("text/html; charset=windows-1252", ""),
    ("text/html; charset=ISO-8859-1", ""),  # read as browsers read it: windows-1252
    ("text/html; charset=windows-1252", '<meta charset="utf-8">'),  # the header wins
    ("text/html", '<meta charset="windows-1252">'),
    ("text/html", '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'),
    ("text/html", ""),  # nothing declared: UTF-8 fails, detection decides
], ids=["header", "header-latin1", "header-over-meta", "meta", "meta-http-equiv", "detected"])
def test_charset_from_header_then_meta_then_detection(tmp_path, web, content_type, head):
    site = web()
    site.page("/", html("home", links("/dns/")))
    site.page("/dns/", cp1252_page(head), content_type=content_type)
    result = crawl(tmp_path / "d", site.url("/"))
    (entry,) = result.entries
    assert "it\u2019s always DNS \u2014 and" in entry.summary
    assert "\u201cit was DNS\u201d" in entry.summary and "caf\u00e9" in entry.summary


def test_trap_urls_are_never_requested(tmp_path, web):
    site = web()
    long_path = "/long/" + "x" * 300 + "/"
    site.page("/", html("home", links("/a/b/a/b/a/b/", "/a/b/a/b/", long_path, "/depth/1/")))

    def deeper(hit: Hit) -> Response:
        n = int(hit.route.strip("/").split("/")[1])
        return Response(200, html(f"depth {n}", links(f"/depth/{n + 1}/")))

    site.handle_prefix("/depth/", deeper)
    result = crawl(tmp_path / "d", site.url("/"), max_depth=3, max_url_length=200)
    assert site.count("/a/b/a/b/a/b/") == 0, "a path segment repeated three times"
    assert site.count("/a/b/a/b/") == 1, "twice is still fine"
    assert site.requests(prefix="/long/") == []
    assert [h.route for h in site.requests(prefix="/depth/")] == ["/depth/1/", "/depth/2/", "/depth/3/"]
    assert result.stats.trap_skipped >= 3


def test_max_pages_per_origin_stops_an_endless_site(tmp_path, web):
    site = web()

    def calendar(hit: Hit) -> Response:
        n = int(hit.route.strip("/").split("/")[1])
        return Response(200, html(f"month {n}", links(f"/cal/{n + 1}/", f"/cal/{n + 2}/")))

    site.handle_prefix("/cal/", calendar)
    site.page("/", html("home", links("/cal/1/")))
    result = crawl(tmp_path / "d", site.url("/"), max_pages_per_origin=10, max_depth=1000)
    assert len([h for h in site.requests() if h.route != "/robots.txt"]) <= 10
    assert len(result.rows) == 10
    assert result.stats.trap_skipped > 0


def test_a_server_slower_than_the_read_timeout_is_a_timeout_and_the_crawl_goes_on(tmp_path, web):
    site = web()
    site.page("/", html("home", links("/sleepy/", "/stalls-mid-body/", "/fine/")))
    site.answer("/sleepy/", Response(200, srecon_writeup(1), stall=1.0))
    site.answer("/stalls-mid-body/", Response(200, srecon_writeup(2), body_stall=1.0))
    site.page("/fine/", srecon_writeup(3))
    result = crawl(tmp_path / "d", site.url("/"), read_timeout=0.2)
    for path in ("/sleepy/", "/stalls-mid-body/"):
        row = result.rows[site.url(path)]
        assert (row["state"], row["error"]) == ("error", "timeout"), path
        assert site.count(path) == 3, "timeouts are retried: three tries"
    assert site.url("/fine/") in result.indexed
