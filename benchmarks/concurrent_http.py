"""web_bench.py's concurrent mode: `srefind serve` over real HTTP with 1, 4 and 16 clients.

Kept apart from web_bench.py's in-process timing because it measures something else: the server
as deployed (waitress, worker processes, sockets), not the app's code path. See web_bench.py's
docstring for what is measured and the goals.
"""

from __future__ import annotations

import http.client
import json
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

SPEEDUP_GOAL = 1.6  # requests/s at 4+ clients over 1 client, default workers
TOOK = re.compile(rb'"took_ms": ?[0-9.e+-]+')  # the one field of an answer that differs between sends


def comparable(body: bytes) -> bytes:
    return TOOK.sub(b'"took_ms":0', body)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100); web_bench.py's in-process figures use it too."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --------------------------------------------------------------------------------------------
# The indexes and the request mixes
# --------------------------------------------------------------------------------------------

def with_pages(rng: random.Random, params: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """One request in five asks for a later page (2-5), as people paging through results do."""
    if rng.random() < 0.2:
        params = params + [("page", str(rng.randint(2, 5)))]
    return params


def demo_mix(port: int, queries: list[str], n: int, seed: int) -> list[str]:
    """`/api/search` URLs: a query, then facet values the server offers under it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    offered: dict[str, dict[str, list[str]]] = {}
    for q in sorted(set(queries)):
        conn.request("GET", "/api/facets?" + urlencode({"q": q}))
        resp = conn.getresponse()
        body = resp.read()
        offered[q] = {f: [r["value"] for r in rows] for f, rows in json.loads(body).items()} if resp.status == 200 else {}
    conn.close()
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        q = rng.choice(queries)
        params = [("q", q)] if q else []
        facets = offered[q]
        for name, p in (("company", 0.5), ("topic", 0.3), ("year", 0.3)):
            values = facets.get(name, [])
            if values and rng.random() < p:
                params += [(name, v) for v in rng.sample(values, min(len(values), rng.choice((1, 1, 2))))]
        if rng.random() < 0.1:
            params.append(("sort", rng.choice(["newest", "oldest"])))
        out.append("/api/search?" + urlencode(with_pages(rng, params)))
    return out


def synthetic_mix(data: Path, n: int, seed: int) -> list[str]:
    """`/api/search` URLs from search_bench's query set (words, phrases, typos, booleans, speakers,
    with the facet filters it draws from the corpus)."""
    import search_bench

    rng = random.Random(seed)
    queries = search_bench.load_queries(data)
    out = []
    for _ in range(n):
        q = rng.choice(queries)
        params = [("q", q.text)] + [(f, v) for f, vs in sorted(q.filters.items()) for v in vs]
        out.append("/api/search?" + urlencode(with_pages(rng, params)))
    return out


def build_synthetic(data: Path, size: int, seed: int) -> int:
    """A data dir whose index holds search_bench's synthetic corpus, committed in crawl-sized
    batches through the crawl's own write path (then the merges a crawl waits for)."""
    import search_bench

    from srefind.index.search import apply_changes, finish_merges

    search_bench.prepare(data, size, seed, 200)
    entries = 0
    for batch in search_bench.batches(search_bench.read_pages(data), 500):
        apply_changes(data / "index", batch)
        entries += sum(len(es) for _, es in batch)
    finish_merges(data / "index")
    return entries


# --------------------------------------------------------------------------------------------
# The server and the clients
# --------------------------------------------------------------------------------------------

class Server:
    """`srefind serve` in a subprocess, stopped (SIGTERM, as systemd does) on exit."""

    def __init__(self, data: Path, workers: int, threads: int = 0) -> None:
        """`threads` 0: srefind serve's own default."""
        self.port = free_port()
        exe = Path(sys.executable).with_name("srefind")
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-c", "from srefind.cli import main; main()"]
        cmd += ["serve", "--data-dir", str(data), "--port", str(self.port), "--workers", str(workers)]
        cmd += ["--threads", str(threads)] if threads else []
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"srefind serve exited {self.proc.returncode}: {self.proc.stderr.read()[-2000:]}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
                conn.close()
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"srefind serve on port {self.port} did not answer /healthz within 60 s")
            time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def fetch_all(port: int, urls: list[str]) -> dict[str, bytes]:
    """Each distinct URL once, alone: the reference bodies the concurrent answers must equal."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    out = {}
    for url in dict.fromkeys(urls):
        conn.request("GET", url)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            raise SystemExit(f"{url} answered {resp.status} when sent alone: {body[:200]!r}")
        out[url] = comparable(body)
    conn.close()
    return out


@dataclass
class Level:
    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: int = 0  # exceptions and non-200 answers
    wrong: int = 0  # 200 answers whose body differs from the reference
    first_error: str = ""

    def summary(self) -> dict:
        ms = [x * 1000 for x in self.latencies]
        n = len(ms)
        return {"clients": self.clients, "requests": n, "errors": self.errors, "wrong_bodies": self.wrong,
                "rps": round(n / self.seconds, 1) if self.seconds else 0.0,
                "p50_ms": round(percentile(ms, 50), 2) if ms else None,
                "p95_ms": round(percentile(ms, 95), 2) if ms else None,
                "p99_ms": round(percentile(ms, 99), 2) if ms else None,
                **({"first_error": self.first_error} if self.first_error else {})}


def load(port: int, urls: list[str], clients: int, reference: dict[str, bytes] | None) -> Level:
    """Send `urls` from `clients` threads, each over its own keep-alive connection, all at once."""
    level = Level(clients)
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)

    def client(mine: list[str]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        lat: list[float] = []
        errors = wrong = 0
        first = ""
        start.wait()
        for url in mine:
            t = time.perf_counter()
            try:
                conn.request("GET", url)
                resp = conn.getresponse()
                body = resp.read()
            except (OSError, http.client.HTTPException) as exc:
                errors += 1
                first = first or f"{url}: {type(exc).__name__}: {exc}"
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                continue
            lat.append(time.perf_counter() - t)
            if resp.status != 200:
                errors += 1
                first = first or f"{url}: HTTP {resp.status} {body[:120]!r}"
            elif reference is not None and comparable(body) != reference[url]:
                wrong += 1
                first = first or f"{url}: body differs from the answer it got alone"
        conn.close()
        with lock:
            level.latencies += lat
            level.errors += errors
            level.wrong += wrong
            level.first_error = level.first_error or first

    threads = [threading.Thread(target=client, args=(urls[i::clients],)) for i in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    level.seconds = time.perf_counter() - t0
    return level


def measure(data: Path, workers: int, levels: list[int], make_urls: Callable[[int], list[str]],
            n: int, threads: int = 0) -> dict:
    """One server: reference answers, a warm-up, then each level for /api/search and /healthz."""
    with Server(data, workers, threads) as server:
        urls = make_urls(server.port)
        reference = fetch_all(server.port, urls)
        # Warm every worker process's caches (facet bitsets, term masks) the way the load will:
        # many connections at once, so each process gets some of them.
        warm = load(server.port, list(reference) * 2, max(levels), reference)
        out: dict = {"workers": workers, "distinct_requests": len(reference),
                     "warmup": {"errors": warm.errors, "wrong_bodies": warm.wrong}, "search": [], "healthz": []}
        for clients in levels:
            out["search"].append(load(server.port, urls[:n], clients, reference).summary())
            out["healthz"].append(load(server.port, ["/healthz"] * n, clients, None).summary())
            print(f"    {workers} worker(s), {clients:>2} clients: "
                  f"{out['search'][-1]['rps']:.0f} searches/s, {out['healthz'][-1]['rps']:.0f} /healthz/s",
                  file=sys.stderr, flush=True)
    return out


def run(args, crawl_demo: Callable[[Path], None], queries: list[str]) -> dict:
    from srefind.web.serve import default_workers

    levels = [int(x) for x in args.clients.split(",")]
    auto = default_workers()
    workers = sorted({auto if w.strip() == "auto" else int(w) for w in args.workers.split(",")})
    n = args.requests
    root = Path(tempfile.mkdtemp(prefix="srefind-http-bench-"))
    results: dict = {"cores": auto, "default_workers": auto,
                     "threads_per_worker": args.threads or "default (4 with one worker, 1 with several)",
                     "requests_per_level": n, "indexes": []}
    try:
        demo = Path(args.data_dir) if args.data_dir else root / "demo"
        if not (demo / "index").exists():
            demo.mkdir(parents=True, exist_ok=True)
            t0 = time.perf_counter()
            crawl_demo(demo)
            print(f"crawled the demo web into {demo} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        indexes: list[tuple[str, Path, Callable[[int], list[str]]]] = [
            ("demo", demo, lambda port: demo_mix(port, queries, n, args.seed))]
        if args.size:
            synth = root / "synthetic"
            t0 = time.perf_counter()
            entries = build_synthetic(synth, args.size, args.seed)
            print(f"built a {entries:,}-entry synthetic index in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
            indexes.append((f"synthetic {args.size // 1000}k", synth, lambda port: synthetic_mix(synth, n, args.seed)))
        for name, data, make_urls in indexes:
            print(f"  {name}:", file=sys.stderr, flush=True)
            runs = [measure(data, w, levels, make_urls, n, args.threads) for w in workers]
            results["indexes"].append({"index": name, "runs": runs})
    finally:
        shutil.rmtree(root, ignore_errors=True)
    results["goals"] = goals(results)
    return results


def speedups(run_: dict) -> dict[int, float]:
    base = run_["search"][0]["rps"]
    return {lv["clients"]: round(lv["rps"] / base, 2) for lv in run_["search"]} if base else {}


def goals(results: dict) -> dict[str, bool]:
    clean = all(lv["errors"] == 0 and lv["wrong_bodies"] == 0
                for ix in results["indexes"] for r in ix["runs"] for kind in ("search", "healthz") for lv in r[kind])
    clean = clean and all(r["warmup"]["errors"] == 0 and r["warmup"]["wrong_bodies"] == 0
                          for ix in results["indexes"] for r in ix["runs"])
    out = {"0 errors and 0 wrong bodies at every level": clean}
    for ix in results["indexes"]:
        default = [r for r in ix["runs"] if r["workers"] == results["default_workers"]]
        if default:
            s = speedups(default[0])
            out[f"{ix['index']}: >= {SPEEDUP_GOAL}x requests/s at 4+ clients vs 1"] = all(
                v >= SPEEDUP_GOAL for c, v in s.items() if c >= 4)
    return out


def report(results: dict) -> str:
    lines = [f"srefind serve over HTTP: {results['cores']} cores; threads per worker: "
             f"{results['threads_per_worker']}; {results['requests_per_level']} requests per level; each client "
             "one thread with a keep-alive connection (several workers answer `Connection: close`)", ""]
    head = f"{'index':14} {'workers':>7} {'clients':>7} {'search/s':>9} {'vs 1':>5} {'p50 ms':>7} {'p95 ms':>7} " \
           f"{'p99 ms':>7} {'errors':>6} {'wrong':>5} {'healthz/s':>9} {'h p95 ms':>8}"
    lines.append(head)
    for ix in results["indexes"]:
        for r in ix["runs"]:
            s = speedups(r)
            for lv, h in zip(r["search"], r["healthz"]):
                lines.append(f"{ix['index']:14} {r['workers']:>7} {lv['clients']:>7} {lv['rps']:>9.1f} "
                             f"{s.get(lv['clients'], 0):>4.2f}x {lv['p50_ms']:>7.2f} {lv['p95_ms']:>7.2f} "
                             f"{lv['p99_ms']:>7.2f} {lv['errors']:>6} {lv['wrong_bodies']:>5} {h['rps']:>9.1f} "
                             f"{h['p95_ms']:>8.2f}")
                if lv.get("first_error"):
                    lines.append(f"{'':14} first error: {lv['first_error']}")
    lines.append("")
    for goal, ok in results["goals"].items():
        lines.append(f"goal {goal}: {'met' if ok else 'MISSED'}")
    return "\n".join(lines)
