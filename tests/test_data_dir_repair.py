"""crawl.sqlite is the store of record: a missing or damaged index is rebuilt from it, a tagger or
lexicon change reaches every stored talk without a request, and faults leave nothing stale.

Every case runs the real `srefind` command line against a real local site (tests/webfixture.py),
damages the data dir the way a disk, a person or a kill would, and checks the end state against
what an undamaged run gives: the export, and what searches return.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from srefind.crawler.state import write_first_release_layout

from conftest import cli_json, crawl, export, recrawl, run_cli, search
from webfixture import N_POSTS, srecon_writeup


def index_state(data) -> list:
    """What the index answers: every talk (id, title, companies, topics) and the facet counts."""
    out = search(data, "")
    return [sorted((r["id"], r["title"], tuple(r["companies"]), tuple(r["topics"])) for r in out["results"]),
            out["facets"]]


def real_index(data: Path) -> Path:
    return Path(os.path.realpath(data / "index"))


def segment_file(data: Path, suffix: str) -> Path:
    return next(p for p in sorted(real_index(data).iterdir()) if p.name.endswith(suffix))


def truncate(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.truncate(size // 2)


DAMAGE = {
    "index symlink removed (rm -rf DATA/index)": lambda d: os.unlink(d / "index"),
    "index directory removed (dangling link)": lambda d: __import__("shutil").rmtree(real_index(d)),
    "postings file truncated": lambda d: truncate(segment_file(d, ".pst")),
    "stored-fields file truncated": lambda d: truncate(segment_file(d, "._stored.col")),
    "terms file removed": lambda d: os.unlink(segment_file(d, ".trm")),
    "table of contents removed": lambda d: os.unlink(segment_file(d, ".toc")),
    "table of contents garbled": lambda d: segment_file(d, ".toc").write_bytes(b"\x00garbage" * 10),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_or_missing_index_is_named_and_reindex_restores_it(site, tmp_path, damage):
    data = tmp_path / "d"
    crawl(site, data)
    before_export, before_index = export(data), index_state(data)
    DAMAGE[damage](data)

    proc = run_cli("search", "tracing", "--data-dir", str(data))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and f"srefind reindex --data-dir {data}" in proc.stderr, proc.stderr
    status = cli_json("status", "--json", "--data-dir", str(data))
    assert status["state"] in ("index-missing", "index-damaged")
    assert any("srefind reindex" in s for s in status["next_steps"])

    proc = run_cli("reindex", "--data-dir", str(data), "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["entries"] == len(before_export)
    assert export(data) == before_export
    assert index_state(data) == before_index
    assert cli_json("status", "--json", "--data-dir", str(data))["state"] == "ok"


@pytest.mark.parametrize("command", ["crawl", "recrawl", "recrawl --full"])
def test_the_next_crawl_rebuilds_a_deleted_index_from_crawl_sqlite(site, tmp_path, command):
    data = tmp_path / "d"
    crawl(site, data)
    before_export, before_index = export(data), index_state(data)
    os.unlink(data / "index")
    args = ["crawl", site.web.url("/")] if command == "crawl" else command.split()
    proc = run_cli(*args, "--data-dir", str(data), "--delay", "0", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["index_rebuilt"] == f"there is no index at {data / 'index'}"
    assert export(data) == before_export
    assert index_state(data) == before_index


def test_reindex_swaps_the_new_index_in_while_a_server_keeps_answering(site, tmp_path):
    """Readers keep answering from the old index until the new one is complete, then switch."""
    from srefind.index.search import SearchEngine

    data = tmp_path / "d"
    crawl(site, data)
    engine = SearchEngine(data / "index")
    old_generation, total = engine.generation(), engine.search("").total
    old_dir = real_index(data)
    proc = run_cli("reindex", "--data-dir", str(data), "--json")
    assert proc.returncode == 0, proc.stderr
    assert real_index(data) != old_dir and not old_dir.exists()  # swapped, and the old one removed
    resp = engine.search("")
    assert resp.total == total and resp.generation > old_generation  # the same engine moved over


def add_user_topic(data: Path, text: str) -> None:
    lex = data / "lexicon"
    lex.mkdir(exist_ok=True)
    (lex / "topics.toml").write_text(text)


DRILLS = '[topics.drills]\nlabel = "Failover drills"\nstrong = ["failover drills"]\n'


def test_a_lexicon_edit_reaches_stored_talks_at_the_next_recrawl_without_refetching(site, tmp_path):
    data = tmp_path / "d"
    crawl(site, data)
    before = {e["page_url"]: e for e in export(data)}
    add_user_topic(data, DRILLS)  # posts 5 and 11 are about "failover drills"; the server changed nothing
    site.web.hits.clear()
    code, report = recrawl(data)
    assert code == 0
    assert report["retagged"] >= N_POSTS and report["indexed_pages"] == 2 and report["entries_changed"] == 2
    post_hits = [h for h in site.web.hits if h.route.startswith("/post-")]
    assert all(h.headers.get("if-none-match") for h in post_hits)  # nothing was fetched to re-tag
    after = {e["page_url"]: e for e in export(data)}
    changed = sorted(u for u in after if after[u] != before[u])
    assert changed == [site.web.url("/post-11/"), site.web.url("/post-5/")]
    assert all("drills" in after[u]["topics"] for u in changed)
    hits = search(data, "topic:drills")["results"]
    assert sorted(h["page_url"] for h in hits) == changed

    # `srefind retag` after the lexicon changes back: the topic leaves the same two talks.
    (data / "lexicon" / "topics.toml").unlink()
    proc = run_cli("retag", "--data-dir", str(data), "--json")
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(proc.stdout)
    assert rep["pages"] >= N_POSTS and rep["pages_changed"] == 2 and rep["indexed_pages"] == 2
    assert {e["page_url"]: e for e in export(data)} == before
    assert search(data, "topic:drills")["total"] == 0


def test_retag_of_an_unchanged_analysis_changes_nothing(site, tmp_path):
    data = tmp_path / "d"
    crawl(site, data)
    before = export(data)
    rep = cli_json("retag", "--all", "--data-dir", str(data), "--json")
    assert rep["pages"] >= N_POSTS and rep["pages_changed"] == 0 and rep["indexed_pages"] == 0
    assert export(data) == before


def test_a_data_dir_from_the_previous_release_is_upgraded_in_place_by_the_next_run(site, tmp_path):
    data = tmp_path / "d"
    crawl(site, data)
    before = export(data)
    write_first_release_layout(data / "crawl.sqlite")  # the layout of the previous release
    assert cli_json("status", "--json", "--data-dir", str(data))["store"]["stored_bodies"] == 0
    # retag has nothing to analyse those pages from, and says so (and how to get there)
    proc = run_cli("retag", "--all", "--data-dir", str(data))
    assert proc.returncode == 0 and "have no stored HTML" in proc.stdout and "srefind recrawl" in proc.stdout
    assert cli_json("retag", "--data-dir", str(data), "--json")["without_html"] >= N_POSTS
    site.web.hits.clear()
    code, report = recrawl(data)
    assert code == 0 and report["upgraded"] >= N_POSTS and report["changed"] == 0
    posts = [h for h in site.web.hits if h.route.startswith("/post-")]
    assert len(posts) == N_POSTS and not any(h.headers.get("if-none-match") for h in posts)  # one full fetch each
    assert export(data) == before
    status = cli_json("status", "--json", "--data-dir", str(data))
    assert status["store"]["stored_bodies"] >= N_POSTS and status["stale_pages"] == 0
    # From now on a lexicon edit needs no request at all.
    add_user_topic(data, DRILLS)
    site.web.hits.clear()
    code, report = recrawl(data)
    assert code == 0 and report["entries_changed"] == 2
    assert not [h for h in site.web.hits if h.route.startswith("/post-") and not h.headers.get("if-none-match")]


def test_a_plain_crawl_retries_what_failed_last_time(site, tmp_path):
    data = tmp_path / "d"
    for n in (2, 6, 9):
        site.status[f"/post-{n}/"] = 503
    proc = run_cli("crawl", site.web.url("/"), "--data-dir", str(data), "--delay", "0", "--json")
    assert proc.returncode == 1 and json.loads(proc.stdout)["errors"]
    assert len(export(data)) == N_POSTS - 3
    site.status.clear()
    proc = run_cli("crawl", site.web.url("/"), "--data-dir", str(data), "--delay", "0", "--json")
    assert proc.returncode == 0, proc.stderr
    assert len(export(data)) == N_POSTS
    assert search(data, "")["total"] == N_POSTS


def test_a_recrawl_killed_before_its_deletions_leaves_them_for_the_next_one(site, tmp_path):
    data = tmp_path / "d"
    crawl(site, data)
    gone = [f"/post-{n}/" for n in (1, 4, 8)]
    for path in gone:
        site.status[path] = 404
    site.publish()
    site.stall["/post-9/"] = 30  # requested after the three (crawl order is discovery order): the run hangs there
    site.web.hits.clear()
    proc = subprocess.Popen([sys.executable, "-m", "srefind", "recrawl", "--full", "--data-dir", str(data),
                             "--delay", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not site.web.count("/post-9/"):
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.02)
    assert all(site.web.count(p) for p in gone)
    proc.send_signal(signal.SIGKILL)  # the 404s are recorded; the deletions were due at the end of the run
    proc.wait()
    site.stall.clear()
    assert {site.web.url(p) for p in gone} <= {e["page_url"] for e in export(data)}  # still served, as the kill left it
    status = cli_json("status", "--json", "--data-dir", str(data))
    assert status["runs"][0]["status"] == "killed" and status["state"] == "interrupted"
    code, report = recrawl(data)  # a plain nightly run, not --full
    assert code == 0 and report["gone"] == len(gone), report
    assert not {site.web.url(p) for p in gone} & {e["page_url"] for e in export(data)}
    assert search(data, "")["total"] == N_POSTS - len(gone)


def test_an_edited_page_after_a_tagger_change_is_analysed_once(site, tmp_path):
    """A page that changed on the server and whose analysis changed is analysed from the new HTML."""
    data = tmp_path / "d"
    crawl(site, data)
    add_user_topic(data, DRILLS)
    site.bodies["/post-3/"] = srecon_writeup(17)  # now the write-up of the failover-drills talk
    code, report = recrawl(data, "--full")
    assert code == 0 and report["changed"] == 1
    entry = next(e for e in export(data) if e["page_url"] == site.web.url("/post-3/"))
    assert "drills" in entry["topics"]


def test_an_index_built_without_a_field_this_srefind_writes_is_rebuilt_by_the_next_run(site, tmp_path, monkeypatch):
    import srefind.index.search.store as store
    from srefind.pipeline import reindex

    data = tmp_path / "d"
    crawl(site, data)
    before = search(data, "")["total"]
    # the index an srefind without the talk_url field made
    older = store.build_schema

    def without_talk_url():
        schema = older()
        schema.remove("talk_url")
        return schema

    monkeypatch.setattr(store, "build_schema", without_talk_url)
    reindex(data)
    monkeypatch.undo()
    status = cli_json("status", "--json", "--data-dir", str(data))
    assert status["index"]["state"] == "outdated" and "older srefind" in status["index"]["detail"]
    assert any("srefind reindex" in step for step in status["next_steps"])
    assert search(data, "")["total"] == before  # it still answers searches meanwhile
    code, report = recrawl(data)
    assert code == 0 and "older srefind" in (report.get("index_rebuilt") or "")
    assert cli_json("status", "--json", "--data-dir", str(data))["index"]["state"] == "ok"
    assert search(data, "")["total"] == before


def test_an_index_built_with_other_field_weights_is_rebuilt_by_the_next_run(site, tmp_path, monkeypatch):
    """A field's weight is written into its postings: after an upgrade that weighs tags differently, the
    old index would rank old and new talks by two scales until it is rebuilt."""
    import srefind.index.search.schema as schema_module
    import srefind.index.search.store as store
    from srefind.pipeline import reindex

    data = tmp_path / "d"
    crawl(site, data)
    before = search(data, "")["total"]
    monkeypatch.setitem(schema_module.TEXT_FIELDS, "tags", 1.5 if schema_module.TEXT_FIELDS["tags"] != 1.5 else 2.5)
    monkeypatch.setattr(store, "build_schema", schema_module.build_schema)
    reindex(data)  # the index an srefind with another weight for tags made
    monkeypatch.undo()
    status = cli_json("status", "--json", "--data-dir", str(data))
    assert status["index"]["state"] == "outdated" and "other weights for tags" in status["index"]["detail"]
    code, report = recrawl(data)
    assert code == 0 and "older srefind" in (report.get("index_rebuilt") or "")
    assert cli_json("status", "--json", "--data-dir", str(data))["index"]["state"] == "ok"
    assert search(data, "")["total"] == before
