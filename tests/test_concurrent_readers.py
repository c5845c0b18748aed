"""Many searches at once, while another process commits and merges: no errors, no wrong answers.

The writer is a real second process. After each of its commits it hard-links that generation's
files into a snapshot directory, so every answer the concurrent readers gave can afterwards be
compared with the answer a fresh, single-threaded engine gives on exactly the generation that
answered it (each response says which generation that was).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import textwrap
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from srefind.index.search import SearchEngine, apply_changes

import synthetic

TESTS = Path(__file__).parent

WRITER = textwrap.dedent("""
    import json, os, sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[3])
    import synthetic
    from srefind.index.search import merges
    from srefind.index.search import latest_generation
    from srefind.index.search import apply_changes, open_index

    index, snaps, commits = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[4])

    def snapshot():
        real = os.path.realpath(index)
        gen = latest_generation(real)
        d = snaps / f"gen-{gen}"
        d.mkdir()
        for name in os.listdir(real):
            src = os.path.join(real, name)
            if os.path.isfile(src) and not name.endswith("WRITELOCK"):
                try:
                    os.link(src, d / name)
                except FileNotFoundError:
                    pass
        ix = open_index(index)
        print(json.dumps({"generation": gen, "segments": len(ix._segments()),
                          "merge_running": merges.merge_running(ix.storage)}), flush=True)

    snapshot()
    sys.stdin.readline()  # the readers are running
    for i in range(commits):
        edited = synthetic.pages(8, seed=7, start=i * 8, revision=i + 1)  # pages already in the index
        added = synthetic.pages(8, seed=1000 + i, start=10_000 + i * 8)
        apply_changes(index, edited + added)
        snapshot()
        time.sleep(0.25)
    print("done", flush=True)
""")


def answer(engine: SearchEngine, q: dict) -> dict:
    out = engine.search(q["query"], q["filters"], sort=q["sort"], page=q["page"]).to_json()
    out.pop("took_ms")
    return out


def start_writer(index: Path, snaps: Path, commits: int) -> tuple[subprocess.Popen, list[dict]]:
    """The writer process, waiting for "go" on its stdin; returns it and its first snapshot line."""
    snaps.mkdir()
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(index), str(snaps), str(TESTS), str(commits)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    return writer, [json.loads(writer.stdout.readline())]


def finish_writer(writer: subprocess.Popen, commits: list[dict]) -> None:
    for line in writer.stdout:
        if line.strip() == "done":
            break
        commits.append(json.loads(line))
    writer.wait(60)
    assert writer.returncode == 0


def mismatches(results: list[tuple[int, dict]], qs: list[dict], snaps: Path) -> list[tuple[dict, list[str]]]:
    """Answers that differ from a fresh single-threaded engine's on the generation that gave them:
    (the request, the keys that differ), for each."""
    bad: list[tuple[dict, list[str]]] = []
    truth: dict[tuple[int, int], dict] = {}
    engines: dict[int, SearchEngine] = {}
    for i, got in results:
        g = got["generation"]
        if g not in engines:
            engines[g] = SearchEngine(snaps / f"gen-{g}", time_budget=None)
        if (g, i) not in truth:
            truth[(g, i)] = answer(engines[g], qs[i])
        want = truth[(g, i)]
        if got != want:
            keys = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
            bad.append((qs[i], keys + [f"notices: {got.get('notices')} vs {want.get('notices')}"]))
    return bad


@pytest.fixture()
def base_index(tmp_path) -> Path:
    """Nine commits of 30 pages: nine small segments, so the writer's next commit starts a merge."""
    index = tmp_path / "data" / "index"
    for c in range(9):
        apply_changes(index, synthetic.pages(30, seed=7, start=c * 30))
    return index


def test_sixteen_threads_searching_through_commits_and_a_merge_match_a_single_threaded_engine(base_index, tmp_path):
    snaps = tmp_path / "snapshots"
    writer, commits = start_writer(base_index, snaps, 20)
    try:
        # No time limit on either side: what is on trial is the sharing of readers and caches. A
        # search's CPU limit (budget.py) depends on load by design (16 threads on 2 cores double
        # each search's CPU time), and a search that hits it says so in a notice.
        engine = SearchEngine(base_index, time_budget=None)
        qs = synthetic.queries(150, seed=11)
        results: list[tuple[int, dict]] = []
        errors: list[str] = []
        lock = threading.Lock()
        start = threading.Barrier(17)

        def reader(seed: int) -> None:
            rng = random.Random(seed)
            mine = []
            start.wait()
            for _ in range(500):
                i = rng.randrange(len(qs))
                try:
                    mine.append((i, answer(engine, qs[i])))
                except Exception as exc:  # noqa: BLE001 - every kind counts as a failure
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")
            with lock:
                results.extend(mine)

        threads = [threading.Thread(target=reader, args=(s,)) for s in range(16)]
        for t in threads:
            t.start()
        start.wait()
        writer.stdin.write("go\n")
        writer.stdin.flush()
        for t in threads:
            t.join()
        finish_writer(writer, commits)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert errors == [], errors[:5]
    assert len(results) == 16 * 500

    # The commits happened while the readers ran, and a background merge was swapped in.
    seen = {r["generation"] for _, r in results}
    assert len(seen) >= 3, f"only generations {sorted(seen)} answered"
    assert any(c["merge_running"] for c in commits)
    assert any(b["segments"] < a["segments"] for a, b in zip(commits, commits[1:])), commits

    # Every answer equals what a single-threaded engine gives on the same generation.
    bad = mismatches(results, qs, snaps)
    assert not bad, f"{len(bad)} of {len(results)} answers differ from a single-threaded engine; first: {bad[:3]}"
    # Memory does not grow with threads: one generation's facets and term bitsets, a searcher per search.
    assert engine.pool.current().opened <= 17


def test_a_search_in_flight_keeps_its_reader_while_commits_land(base_index, tmp_path):
    engine = SearchEngine(base_index)
    qs = synthetic.queries(40, seed=5)
    with engine.pool.lease() as (gen, lease):
        before = [engine._search(gen, lease, 0.0, q["query"], q["filters"], sort=q["sort"], page=q["page"],
                                 per_page=10, facet_limit=0).to_json() for q in qs]
        for i in range(3):  # another process commits three times while this search holds its reader
            subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
                import sys; sys.path.insert(0, {str(TESTS)!r})
                from pathlib import Path; import synthetic
                from srefind.index.search import apply_changes, finish_merges
                apply_changes(Path({str(base_index)!r}), synthetic.pages(30, seed=3, start={i * 30}, revision={i + 1}))
                finish_merges(Path({str(base_index)!r}))
            """)], check=True)
        assert engine.generation() > gen.number  # newer searches already see the new generation
        after = [engine._search(gen, lease, 0.0, q["query"], q["filters"], sort=q["sort"], page=q["page"],
                                per_page=10, facet_limit=0).to_json() for q in qs]
    for a, b in zip(before, after):
        a.pop("took_ms"), b.pop("took_ms")
    assert before == after  # the old generation, whole, for as long as the search held it
    assert gen.retired and not gen.free  # and it was closed when the search returned it


def test_parallel_http_clients_of_a_two_process_server_during_commits_get_only_200s_and_right_answers(
        base_index, tmp_path):
    from conftest import free_port

    data = base_index.parent
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "srefind", "serve", "--data-dir", str(data), "--port", str(port),
                               "--workers", "2"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    snaps = tmp_path / "snapshots"
    writer, commits = start_writer(base_index, snaps, 8)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                assert time.monotonic() < deadline and server.poll() is None, "the server did not start"
                time.sleep(0.1)
        qs = synthetic.queries(60, seed=9)
        statuses: list[int] = []
        results: list[tuple[int, dict]] = []
        lock = threading.Lock()

        def client(seed: int) -> None:
            rng = random.Random(seed)
            for _ in range(40):
                i = rng.randrange(len(qs))
                q = qs[i]
                params = [("q", q["query"]), ("sort", q["sort"]), ("page", str(q["page"]))]
                params += [(f, v) for f, vs in q["filters"].items() for v in vs]
                try:
                    with urllib.request.urlopen(f"{url}/api/search?{urllib.parse.urlencode(params)}", timeout=30) as r:
                        status, body = r.status, json.loads(r.read())
                except urllib.error.HTTPError as exc:
                    status, body = exc.code, {}
                body.pop("took_ms", None)
                with lock:
                    statuses.append(status)
                    if status == 200:
                        results.append((i, body))

        threads = [threading.Thread(target=client, args=(s,)) for s in range(8)]
        for t in threads:
            t.start()
        writer.stdin.write("go\n")
        writer.stdin.flush()
        for t in threads:
            t.join()
        finish_writer(writer, commits)
    finally:
        server.terminate()
        server.wait(15)
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert len(statuses) == 8 * 40
    assert [s for s in statuses if s != 200] == []
    assert len({r["generation"] for _, r in results}) >= 2  # the commits landed while the clients ran
    bad = mismatches(results, qs, snaps)
    assert not bad, f"{len(bad)} of {len(results)} answers differ; first: {bad[:3]}"
