"""The web UI in a real browser: Playwright driving Debian's Chromium against the app over HTTP.

The app is served by werkzeug on a free loopback port over the `demo_data` crawl. The tests search,
pick facets, open a talk and come back, use the keyboard only, type a query live, switch JavaScript
off, feed the pages hostile crawled text, and run axe-core. A screenshot of the results page and
the axe reports land in test-artifacts/ (gitignored).

Playwright's own browser download cannot work here (no internet): the tests drive
/usr/bin/chromium (`apt-get install chromium`; `make test` installs it when run as root) and skip
with the reason when it or the playwright package is missing, unless SREFIND_REQUIRE_BROWSER=1
(set by `make test`), which turns the skip into a failure.
"""

from __future__ import annotations

import json
import os
import threading
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

CHROMIUM = Path(os.environ.get("SREFIND_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
TIMEOUT_MS = 10_000


def _missing_browser() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return f"the playwright package is not installed ({exc}): pip install -e '.[test]'"
    if not CHROMIUM.is_file():
        return f"no Chromium at {CHROMIUM}: apt-get install chromium (`make test` does it when run as root)"
    return None


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("SREFIND_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required here (SREFIND_REQUIRE_BROWSER=1) but {reason}", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


_REASON = _missing_browser()
if _REASON:
    _skip_or_fail(_REASON)

from playwright.sync_api import Page, sync_playwright  # noqa: E402
from werkzeug.serving import make_server  # noqa: E402

from srefind.index.search import apply_changes  # noqa: E402
from srefind.models import TalkEntry  # noqa: E402
from srefind.web.app import create_app  # noqa: E402

# --- serving and driving --------------------------------------------------------------------------

@contextmanager
def serve(data_dir: Path):
    """The app over real HTTP on a free loopback port, in a thread; yields its base URL."""
    app = create_app(data_dir)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="srefind-web", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture(scope="module")
def base(demo_data):
    with serve(demo_data) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


class Tab:
    """A page plus what went wrong in it: script errors and console errors fail the test."""

    def __init__(self, page: Page, base: str) -> None:
        self.page, self.base = page, base
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        page.on("console", lambda m: m.type == "error" and self.errors.append(f"console: {m.text}"))

        def on_dialog(d) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", on_dialog)

    def open(self, path: str) -> None:
        self.page.goto(self.base + path)

    def path(self) -> str:
        """The current URL without scheme and host, e.g. /?q=tracing&company=Google."""
        parts = urlsplit(self.page.url)
        return parts.path + ("?" + parts.query if parts.query else "")

    def params(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.page.url).query)

    def total(self) -> int:
        return int(self.page.locator(".summary h1 strong").inner_text())

    def checked(self) -> set[tuple[str, str]]:
        return {(a["facet"], a["value"]) for a in self.page.eval_on_selector_all(
            '.facet-value[aria-checked="true"]', "els => els.map(e => ({facet: e.dataset.facet, value: e.dataset.value}))")}

    def facet_counts(self, facet: str) -> dict[str, int]:
        rows = self.page.eval_on_selector_all(
            f'.facet-value[data-facet="{facet}"]',
            "els => els.map(e => [e.dataset.value, e.querySelector('.count').firstChild.textContent.trim()])")
        return {v: int(c) for v, c in rows}

    def facet(self, facet: str, value: str):
        return self.page.locator(f'.facet-value[data-facet="{facet}"][data-value="{value}"]')


def _tab(context, base: str):
    tab = Tab(context.new_page(), base)
    yield tab
    context.close()
    allowed = [e for e in tab.errors if "Failed to load resource" not in e]
    assert not allowed, f"errors in the page: {allowed}"


@pytest.fixture
def tab(browser, base):
    yield from _tab(browser.new_context(viewport={"width": 1280, "height": 900}), base)


@pytest.fixture
def phone(browser, base):
    yield from _tab(browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True), base)


@pytest.fixture
def phone_nojs(browser, base):
    yield from _tab(browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False), base)


@pytest.fixture
def nojs(browser, base):
    yield from _tab(browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=False), base)


def api(base: str, endpoint: str, params: dict[str, list[str]] | list[tuple[str, str]]) -> dict:
    pairs = [(k, v) for k, vs in params.items() for v in vs] if isinstance(params, dict) else params
    with urllib.request.urlopen(f"{base}/api/{endpoint}?{urlencode(pairs)}", timeout=10) as resp:
        return json.load(resp)


def expect_matches_api(tab: Tab) -> dict:
    """The page shows what /api/search says for the same URL: total, results, facet counts."""
    params = tab.params()
    out = api(tab.base, "search", params)
    assert tab.total() == out["total"], (tab.path(), out["total"])
    titles = tab.page.locator(".hit h2 a").all_inner_texts()
    assert titles == [h["title"] for h in out["results"]]
    for facet in ("company", "year"):
        expected = [(str(row["value"]), row["count"]) for row in out["facets"].get(facet, [])][:50]  # a year is a number
        assert tab.facet_counts(facet) == dict(expected), facet
    selected = {(f, v) for f, vs in params.items() if f not in ("q", "sort", "page") for v in vs}
    assert tab.checked() == selected
    return out


def facet_values(tab: Tab, facet: str) -> list[str]:
    return tab.page.eval_on_selector_all(f'.facet-value[data-facet="{facet}"]', "els => els.map(e => e.dataset.value)")


# --- the main journey ------------------------------------------------------------------------------

QUERY = "incident"


def test_search_pick_facets_open_a_talk_and_come_back(tab):
    page = tab.page
    tab.open("/")
    everything = tab.total()
    assert everything > 0

    page.locator("#q").fill(QUERY)
    with page.expect_navigation():
        page.locator("#q").press("Enter")
    assert tab.params()["q"] == [QUERY]
    first = expect_matches_api(tab)
    assert 0 < first["total"] < everything

    companies = facet_values(tab, "company")
    assert len(companies) >= 2, f"the demo query {QUERY!r} needs two companies to pick from: {companies}"
    counts_before = tab.facet_counts("year")
    totals = [first["total"]]
    for value in companies[:2]:
        with page.expect_navigation():
            tab.facet("company", value).click()
        assert tab.facet("company", value).get_attribute("aria-checked") == "true"
        totals.append(expect_matches_api(tab)["total"])
    assert tab.params()["company"] == companies[:2]
    assert totals[1] < totals[0] and totals[2] > totals[1]  # one company narrows; a second one ORs in
    assert tab.facet_counts("year") != counts_before  # the other facets count under the selection

    year = facet_values(tab, "year")[-1]  # the least common year: it narrows the results
    with page.expect_navigation():
        tab.facet("year", year).click()
    final = expect_matches_api(tab)
    assert final["total"] < totals[2]
    assert tab.checked() == {("company", companies[0]), ("company", companies[1]), ("year", year)}
    chips = page.locator(".chips li a").all_inner_texts()
    assert any(f"Year: {year}" in c for c in chips) and "Clear all" in chips

    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "search-results.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000

    state = tab.path()
    title = page.locator(".hit h2 a").first.inner_text()
    with page.expect_navigation():
        page.locator(".hit a.details").first.click()
    assert tab.path().startswith("/talks/")
    assert page.locator("h1").inner_text() == title
    assert page.locator("a.back").get_attribute("href") == state  # even without JavaScript

    with page.expect_navigation():
        page.locator("a.back").click()
    assert tab.path() == state
    assert page.locator("#q").input_value() == QUERY
    assert tab.checked() == {("company", companies[0]), ("company", companies[1]), ("year", year)}
    assert tab.total() == final["total"]

    page.go_forward()  # and the browser's own buttons
    assert tab.path().startswith("/talks/")
    page.go_back()
    assert tab.path() == state and tab.total() == final["total"]
    assert len(tab.checked()) == 3


# --- keyboard and focus ----------------------------------------------------------------------------

FOCUS_RING_JS = """() => {
  const el = document.activeElement;
  const cs = getComputedStyle(el);
  const rgb = s => (s.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
  const lum = c => { const [r, g, b] = c.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  return {tag: el.tagName, cls: el.className, id: el.id, text: (el.textContent || '').trim().slice(0, 40),
          visible: el.matches(':focus-visible'), style: cs.outlineStyle, width: parseFloat(cs.outlineWidth) || 0,
          contrast: ratio(rgb(cs.outlineColor), [255, 255, 255])};
}"""


def focus_ring(page: Page) -> dict:
    return page.evaluate(FOCUS_RING_JS)


def assert_visible_focus(ring: dict) -> None:
    assert ring["visible"] and ring["style"] not in ("none", "") and ring["width"] >= 2, ring
    assert ring["contrast"] >= 3, f"focus ring contrast {ring['contrast']:.2f}:1 against white (< 3:1): {ring}"


def test_every_tab_stop_shows_a_visible_focus_ring(tab):
    tab.open(f"/?q={QUERY}&year=2019")
    page = tab.page
    seen = []
    for _ in range(30):
        page.keyboard.press("Tab")
        ring = focus_ring(page)
        if ring["tag"] == "BODY":
            break
        assert_visible_focus(ring)
        seen.append(ring)
    kinds = {(r["tag"], r["cls"].split(" ")[0]) for r in seen}
    assert ("A", "skip") in kinds and ("INPUT", "") in kinds and ("A", "facet-value") in kinds, kinds


def test_facets_toggle_from_the_keyboard_and_keep_focus(tab):
    tab.open(f"/?q={QUERY}")
    page = tab.page
    page.locator("#q").focus()
    for _ in range(15):  # search box -> button -> syntax help -> (facet filter) -> the first facet value
        page.keyboard.press("Tab")
        if "facet-value" in focus_ring(page)["cls"]:
            break
    ring = focus_ring(page)
    assert "facet-value" in ring["cls"], f"Tab never reached a facet value (stuck on {ring})"
    assert_visible_focus(ring)
    facet, value = page.evaluate("() => [document.activeElement.dataset.facet, document.activeElement.dataset.value]")
    assert page.evaluate("() => document.activeElement.getAttribute('role')") == "checkbox"

    with page.expect_navigation():
        page.keyboard.press("Space")
    assert tab.params().get(facet) == [value]
    assert tab.facet(facet, value).get_attribute("aria-checked") == "true"
    # focus comes back to the value just toggled, not to the top of the page
    assert page.evaluate("() => [document.activeElement.dataset.facet, document.activeElement.dataset.value]") == [facet, value]
    assert_visible_focus(focus_ring(page))

    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert facet not in tab.params()
    assert tab.facet(facet, value).get_attribute("aria-checked") == "false"
    assert page.evaluate("() => document.activeElement.dataset.value") == value


def test_skip_link_moves_focus_to_the_results(tab):
    tab.open(f"/?q={QUERY}")
    page = tab.page
    fetched: list[str] = []
    page.on("request", lambda r: fetched.append(r.url))
    page.keyboard.press("Tab")
    assert focus_ring(page)["cls"] == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    page.keyboard.press("Tab")  # and on from there: the first link of the results
    assert page.evaluate("() => document.activeElement.closest('main') !== null")
    page.wait_for_timeout(100)
    assert fetched == [] and urlsplit(page.url).fragment == "main"  # the fragment alone loads nothing


# --- search as you type ----------------------------------------------------------------------------

def test_on_a_phone_the_results_come_first_and_the_filters_open_from_their_control(phone, phone_nojs):
    for t in (phone, phone_nojs):  # with JavaScript and without
        t.open("/?" + urlencode({"q": QUERY}))
        first = t.page.locator(".hit").first.bounding_box()
        assert first is not None and first["y"] < 844, first  # the first result's top is on the first screen
        control = t.page.locator(".filters > summary")
        assert control.is_visible() and control.inner_text().strip() == "Filters"
        assert not t.page.locator(".facet-value").first.is_visible()  # closed under it
        control.click()
        t.page.locator(".facet-value").first.wait_for(state="visible")
        with t.page.expect_navigation():
            t.page.locator(".facet-value").first.click()
        assert t.page.locator(".filters > summary").inner_text().strip() == "Filters (1)"
        assert t.page.locator(".hit").first.bounding_box()["y"] < 844


def test_on_a_wide_screen_the_filters_sit_beside_the_results_without_a_control(tab):
    tab.open("/?" + urlencode({"q": QUERY}))
    nav, first = tab.page.locator("nav.facets").bounding_box(), tab.page.locator(".hit").first.bounding_box()
    assert nav["x"] + nav["width"] <= first["x"] and abs(nav["y"] - first["y"]) < 200
    assert not tab.page.locator(".filters > summary").is_visible() and not tab.page.locator(".to-filters").is_visible()


def test_a_sort_order_applies_when_picked_with_javascript(tab):
    tab.open("/?" + urlencode({"q": QUERY}))
    page = tab.page
    assert not page.locator("form.sort button").is_visible()  # no Apply to press
    with page.expect_navigation():
        page.locator("#sort").select_option("newest")
    assert tab.params() == {"q": [QUERY], "sort": ["newest"]}


def test_search_as_you_type_is_debounced_and_keeps_the_caret(tab):
    page = tab.page
    tab.open("/")
    everything = tab.total()
    fetched: list[str] = []
    page.on("request", lambda r: urlsplit(r.url).path == "/" and fetched.append(r.url))
    box = page.locator("#q")
    box.click()
    box.press_sequentially("tracing", delay=40)
    page.wait_for_function("() => /tracing/.test(document.querySelector('.summary h1').textContent)")
    assert tab.params()["q"] == ["tracing"] and tab.path() == "/?q=tracing"
    assert 1 <= len(fetched) <= 2, f"{len(fetched)} fetches for 7 keystrokes: not debounced ({fetched})"
    assert page.evaluate("() => document.activeElement.id") == "q" and box.input_value() == "tracing"
    out = expect_matches_api(tab)
    assert 0 < out["total"] < everything
    assert page.title().startswith("tracing")
    assert page.locator("#json-link").get_attribute("href") == "/api/search?q=tracing"

    # the live results are wired like a loaded page: a facet click is an ordinary navigation
    value = facet_values(tab, "company")[0]
    with page.expect_navigation():
        tab.facet("company", value).click()
    assert tab.params() == {"q": ["tracing"], "company": [value]}
    page.go_back()
    assert tab.path() == "/?q=tracing"
    page.wait_for_function("() => /tracing/.test(document.querySelector('.summary h1').textContent)")
    page.go_back()  # before the typing: every talk again, and an empty box
    page.wait_for_function(f"() => document.querySelector('.summary h1 strong').textContent === '{everything}'")
    assert tab.path() == "/" and box.input_value() == ""


# --- without JavaScript ------------------------------------------------------------------------------

def test_everything_works_without_javascript(nojs):
    page = nojs.page
    nojs.open("/")
    assert page.locator(".facet-filter").count() == 0 or not page.locator(".facet-filter").first.is_visible()
    page.locator("#q").fill(QUERY)
    with page.expect_navigation():
        page.locator("#q").press("Enter")
    assert nojs.params() == {"q": [QUERY]}
    before = expect_matches_api(nojs)

    value = facet_values(nojs, "company")[0]
    with page.expect_navigation():
        nojs.facet("company", value).click()
    assert nojs.params() == {"q": [QUERY], "company": [value]}
    after = expect_matches_api(nojs)
    assert after["total"] < before["total"]

    with page.expect_navigation():  # the sort form carries the whole state
        page.locator("#sort").select_option("oldest")
        page.locator("form.sort button").click()
    assert nojs.params() == {"q": [QUERY], "company": [value], "sort": ["oldest"]}
    years = [int(y) for y in page.eval_on_selector_all(".hit", "els => els.map(e => e.dataset.year)") if y]
    assert years == sorted(years)

    state = nojs.path()
    with page.expect_navigation():
        page.locator(".hit a.details").first.click()
    with page.expect_navigation():
        page.locator("a.back").click()
    assert nojs.path() == state and nojs.checked() == {("company", value)}

    with page.expect_navigation():  # a second facet toggles off again through the chip
        page.locator(".chips a", has_text=f"Company: {value}").click()
    assert nojs.params() == {"q": [QUERY], "sort": ["oldest"]}


# --- hostile crawled text ------------------------------------------------------------------------------

EVIL_ENTRIES = [
    {"id": "evil001", "url": "http://evil.test/post/#t1", "page_url": "http://evil.test/post/",
     "title": "Escaping <script>window.__xss=1;alert(1)</script> in titles",
     "speakers": ['Mallory "><img src=x onerror="window.__xss=2;alert(2)">'],
     "companies": ["Acme <img src=x onerror=alert(3)>"], "topics": ["security"],
     "conference": "SREcon23 EMEA", "year": 2023, "date": "2023-03-01", "site": "evil.test",
     "summary": "A page with <img src=x onerror=\"window.__xss=4;alert(4)\"> in its body must show as text.\n"
                "Second paragraph </p><script>window.__xss=5;alert(5)</script> security matters."},
    {"id": "evil002", "url": "javascript:window.__xss=6;alert(6)", "page_url": "http://evil.test/other/",
     "title": "A talk whose link is <b>javascript</b>", "speakers": [], "companies": ["Acme <img src=x onerror=alert(3)>"],
     "topics": ["security"], "conference": "SREcon23 EMEA", "year": 2023, "date": "2023-03-02", "site": "evil.test",
     "summary": "onerror= and onload= attributes <svg onload=alert(7)> and security notes."},
]
INJECTED_JS = """() => ({
  xss: window.__xss === undefined ? null : window.__xss,
  scripts: [...document.scripts].map(s => s.getAttribute('src')),
  injected: document.querySelectorAll('img, svg, iframe, b, [onerror], [onload]').length,
  javascriptLinks: [...document.links].filter(a => !/^https?:/.test(a.href)).map(a => a.href),
})"""


@pytest.fixture(scope="module")
def evil_base(tmp_path_factory):
    data = tmp_path_factory.mktemp("evil-data")
    by_page: dict[str, list[TalkEntry]] = {}
    for e in EVIL_ENTRIES:
        by_page.setdefault(e["page_url"], []).append(TalkEntry.from_dict(e))
    apply_changes(data / "index", list(by_page.items()))
    with serve(data) as url:
        yield url


@pytest.fixture
def evil_tab(browser, evil_base):
    # CSP alone would stop an injected <script>: bypass it, so that only escaping stands in the way.
    yield from _tab(browser.new_context(bypass_csp=True), evil_base)


def test_crawled_markup_shows_as_inert_text(evil_tab):
    tab = evil_tab
    page = tab.page
    for path in ("/", "/?q=security", "/?q=script", "/?" + urlencode({"company": "Acme <img src=x onerror=alert(3)>"})):
        tab.open(path)
        page.wait_for_load_state("load")
        body = page.locator("body").inner_text()
        assert EVIL_ENTRIES[0]["title"] in body, path
        assert "Acme <img src=x onerror=alert(3)>" in body, path
        found = page.evaluate(INJECTED_JS)
        assert found == {"xss": None, "scripts": ["/static/srefind.js"], "injected": 0, "javascriptLinks": []}, path
    # the facet value round-trips through the URL and comes back selected, still as text
    assert tab.checked() == {("company", "Acme <img src=x onerror=alert(3)>")}

    tab.open("/talks/evil001")
    body = page.locator("body").inner_text()
    assert page.locator("h1").inner_text() == EVIL_ENTRIES[0]["title"]
    assert '<img src=x onerror="window.__xss=4;alert(4)">' in body
    assert "</p><script>window.__xss=5;alert(5)</script>" in body
    assert 'Mallory "><img src=x onerror="window.__xss=2;alert(2)">' in body
    assert page.evaluate(INJECTED_JS)["injected"] == 0

    tab.open("/talks/evil002")  # a javascript: source URL is shown, never linked
    assert "javascript:window.__xss=6;alert(6)" in page.locator(".facts").inner_text()
    found = page.evaluate(INJECTED_JS)
    assert found["xss"] is None and found["javascriptLinks"] == [] and found["injected"] == 0
    page.wait_for_timeout(200)  # give a would-be onerror handler its chance to fire
    assert tab.dialogs == [] and page.evaluate("() => window.__xss === undefined")


# --- accessibility ---------------------------------------------------------------------------------------

def run_axe(page: Page, name: str) -> list[dict]:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError as exc:
        _skip_or_fail(f"axe-playwright-python is not installed ({exc}): pip install -e '.[test]'")
    results = Axe().run(page, options={"resultTypes": ["violations"]}).response
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(results["violations"], indent=1))
    return results["violations"]


def describe(violations: list[dict]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
                     for v in violations)


def test_axe_finds_no_serious_or_critical_violations(tab):
    page = tab.page
    companies = [row["value"] for row in api(tab.base, "facets", {"q": [QUERY]})["company"][:2]]
    picked = {"q": [QUERY], "company": companies}
    year = api(tab.base, "facets", picked)["year"][0]["value"]
    pages = {
        "search": "/?" + urlencode([("q", QUERY)] + [("company", c) for c in companies] + [("year", year)]),
        "browse": "/",
        "empty": "/?q=zzyzx+qqqq",
        "not-found": "/talks/no-such-talk",
    }
    # a talk with its write-up and media, and the write-up that names it
    hits = api(tab.base, "search", {"q": ["autopsy mysql automation"], "show": ["writeups"]})["results"]
    writeup = next(h for h in hits if h["talk_url"])
    pages["talk-record"] = "/talks/" + next(h["id"] for h in api(tab.base, "search", {"q": ["autopsy mysql automation"]})
                                            ["results"] if h["url"] == writeup["talk_url"])
    pages["writeup"] = "/talks/" + writeup["id"]
    pages["talk-media"] = "/talks/" + next(h["id"] for h in api(tab.base, "search", {"per_page": ["50"]})["results"]
                                           if h["media"])
    found: dict[str, list[dict]] = {}
    for name, path in pages.items():
        tab.open(path)
        if name == "search":
            assert tab.total() > 0 and len(tab.checked()) == 3
        if name == "empty":
            assert tab.total() == 0 and page.locator(".empty h2").is_visible()
        found[name] = run_axe(page, name)
        if name == "search":  # and the talk page reached from it
            with page.expect_navigation():
                page.locator(".hit a.details").first.click()
            found["talk"] = run_axe(page, "talk")
    # after a live update too: the swapped-in results are a page of their own
    tab.open("/")
    page.locator("#q").press_sequentially("kubernetes", delay=20)
    page.wait_for_function("() => /kubernetes/.test(document.querySelector('.summary h1').textContent)")
    found["live"] = run_axe(page, "live")

    bad = {name: [v for v in vs if v["impact"] in ("serious", "critical")] for name, vs in found.items()}
    assert not any(bad.values()), "\n".join(f"{name}:\n{describe(vs)}" for name, vs in bad.items() if vs)
    # lesser findings are reported, not failed on
    for name, vs in found.items():
        if vs:
            print(f"axe {name}: {describe(vs)}")
