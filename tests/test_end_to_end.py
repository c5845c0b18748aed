"""The walking skeleton, end to end: a real HTTP crawl of the demo web, tags, index, CLI."""

from __future__ import annotations

import json

from conftest import cli_json, run_cli


def test_tracing_finds_google_and_jet_as_separate_entries_with_anchors(demo_data):
    out = cli_json("search", "tracing", "--json", "--limit", "50", "--data-dir", str(demo_data))
    recap = [r for r in out["results"] if "srecon18-americas-recap" in r["page_url"]]
    by_company = {c: r for r in recap for c in r["companies"]}
    assert {"Google", "Jet.com"} <= set(by_company)
    google, jet = by_company["Google"], by_company["Jet.com"]
    assert google["id"] != jet["id"]
    assert google["url"] != jet["url"]
    for entry in (google, jet):
        assert entry["url"].startswith(entry["page_url"] + "#")
        assert "tracing" in entry["topics"]
        assert entry["conference"] == "SREcon18 Americas" and entry["year"] == 2018


def test_the_recap_post_yields_its_seven_talks(demo_data):
    lines = run_cli("export", "--data-dir", str(demo_data)).stdout.splitlines()
    recap = [json.loads(x) for x in lines if "srecon18-americas-recap" in x]
    assert [e["companies"][:1] for e in recap] == [
        ["Google"], ["Uber"], ["Jet.com"], ["Shopify"], ["Pinterest"], ["Meta"], ["Microsoft"]
    ]


def test_company_uber_filter_returns_the_capacity_prediction_talk(demo_data):
    out = cli_json("search", "--facet", "company=Uber", "--json", "--data-dir", str(demo_data))
    assert out["total"] == 1
    talk = out["results"][0]
    assert {"ml", "capacity-planning"} <= set(talk["topics"])
    assert "capacity" in talk["title"].lower() or "capacity" in talk["snippet"].lower()


def test_company_alias_in_the_filter_resolves_to_the_canonical_name(demo_data):
    out = cli_json("search", "--facet", "company=uber", "--json", "--data-dir", str(demo_data))
    assert out["total"] == 1 and out["results"][0]["companies"][0] == "Uber"


def test_off_topic_listing_and_about_pages_are_not_indexed(demo_data):
    lines = run_cli("export", "--data-dir", str(demo_data)).stdout.splitlines()
    pages = {json.loads(x)["page_url"] for x in lines}
    for fragment in ("sourdough", "raspberry-pi", "learning-rust", "capacity-planning-rails", "/about/",
                     "/tags/", "/archive/", "/page/2/", "/drafts/", "/program/"):
        assert not any(fragment in p for p in pages), fragment
    home_pages = [p for p in pages if p.rstrip("/").count("/") == 2]
    assert not home_pages


def test_export_lists_every_talk_entry_once(demo_data):
    entries = [json.loads(x) for x in run_cli("export", "--data-dir", str(demo_data)).stdout.splitlines()]
    ids = [e["id"] for e in entries]
    urls = [e["url"] for e in entries]
    assert len(ids) == len(set(ids)) and len(urls) == len(set(urls))
    fields = {"id", "url", "page_url", "title", "speakers", "companies", "topics", "conference", "year",
              "date", "summary", "site"}
    assert all(fields <= set(e) for e in entries)
    # 7 recap talks + 3 from the headed SREcon19 post + 7 single-talk posts + 11 program talk pages.
    assert len(entries) == 28
    # one result per talk: the three write-ups linked to a talk page are shown with it (two with one talk)
    talks = cli_json("search", "--json", "--limit", "50", "--data-dir", str(demo_data))
    assert talks["total"] == len(entries) - sum(1 for e in entries if e["talk_url"]) == 25
    assert sorted(len(h["writeups"]) for h in talks["results"] if h["writeups"]) == [1, 2]


def test_search_json_has_the_contract_shape(demo_data):
    out = cli_json("search", "kubernetes", "--json", "--data-dir", str(demo_data))
    assert set(out) >= {"total", "results", "facets"}
    hit = out["results"][0]
    assert set(hit) >= {"id", "url", "page_url", "title", "speakers", "companies", "topics", "conference",
                        "year", "score", "snippet"}
    assert set(out["facets"]) >= {"company", "topic", "conference", "year", "speaker"}
    assert all(set(v) >= {"value", "count"} for v in out["facets"]["company"])


def test_search_table_for_people(demo_data):
    proc = run_cli("search", "capacity", "--data-dir", str(demo_data))
    assert proc.returncode == 0, proc.stderr
    assert "Uber" in proc.stdout and "SREcon18 Americas" in proc.stdout


def test_a_second_crawl_of_an_unchanged_site_adds_no_duplicates(demo_sites, demo_data, tmp_path):
    before = run_cli("export", "--data-dir", str(demo_data)).stdout
    proc = run_cli("recrawl", "--full", "--data-dir", str(demo_data), "--delay", "0", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["new"] == 0 and report["changed"] == 0 and report["unchanged"] > 30
    assert run_cli("export", "--data-dir", str(demo_data)).stdout == before


def run_in_terminal(*args: str, columns: int = 80) -> str:
    """Run the CLI with a pseudo-terminal as stdout (as a person at an 80-column terminal would)."""
    import os
    import pty
    import subprocess
    import sys

    master, slave = pty.openpty()
    env = {**os.environ, "COLUMNS": str(columns), "LINES": "40", "TERM": "xterm-256color"}
    proc = subprocess.Popen([sys.executable, "-m", "srefind", *args], stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=60)
    os.close(master)
    assert proc.returncode == 0, proc.stderr.read()
    return b"".join(chunks).decode("utf-8", "replace")


def test_search_at_a_terminal_fits_its_width_and_keeps_urls_whole(demo_data):
    import re

    raw = run_in_terminal("search", "capacity", "--data-dir", str(demo_data), columns=80)
    assert "\x1b]8;" in raw  # the URLs are hyperlinks (OSC 8)
    plain = re.sub(r"\x1b\]8;[^\x1b]*\x1b\\|\x1b\[[0-9;]*m", "", raw).replace("\r", "")
    urls = [json.loads(x)["url"] for x in run_cli("export", "--data-dir", str(demo_data)).stdout.splitlines()]
    lines = plain.splitlines()
    assert any(line.strip() in urls for line in lines)  # a URL whole, on a line of its own
    assert all(len(line) <= 80 for line in lines if line.strip() not in urls), [x for x in lines if len(x) > 80]
    assert "Uber" in plain and "SREcon18 Americas" in plain


def test_search_piped_is_one_tab_separated_line_per_result(demo_data):
    proc = run_cli("search", "capacity", "--data-dir", str(demo_data))
    rows = [line.split("\t") for line in proc.stdout.splitlines()]
    want = cli_json("search", "capacity", "--json", "--data-dir", str(demo_data))["results"]
    assert [r[-1] for r in rows] == [h["id"] for h in want] and all(len(r) == 8 for r in rows)
    assert [r[6] for r in rows] == [h["url"] for h in want]
