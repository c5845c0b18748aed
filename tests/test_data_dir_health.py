"""Health that tells the truth, and errors a person can act on, whatever state the data dir is in.

`/healthz` answers 503 with the reason when the index cannot serve; `srefind status` works on an
empty, interrupted, running, damaged or read-only data dir and says what to run next; a full
disk or a read-only data dir is one line of error, never a traceback, and loses nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from srefind.web.app import create_app

from conftest import cli_json, crawl, export, run_cli
from webfixture import N_POSTS

IS_ROOT = os.geteuid() == 0


def healthz(data: Path) -> tuple[int, dict]:
    resp = create_app(data).test_client().get("/healthz")
    return resp.status_code, resp.get_json()


def test_healthz_is_200_only_when_the_index_serves_talks(site, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, body = healthz(empty)
    assert code == 503 and body["index"] == "missing" and "srefind crawl" in body["error"]

    data = tmp_path / "d"
    crawl(site, data)
    code, body = healthz(data)
    assert code == 200 and body["ok"] and body["entries"] == N_POSTS and body["last_crawl_success"]

    os.unlink(data / "index")
    code, body = healthz(data)
    assert code == 503 and body["index"] == "missing" and "srefind reindex" in body["error"]

    run_cli("reindex", "--data-dir", str(data))
    toc = next(p for p in Path(os.path.realpath(data / "index")).iterdir() if p.suffix == ".toc")
    toc.write_bytes(b"garbled")
    code, body = healthz(data)
    assert code == 503 and body["index"] == "damaged" and "srefind reindex" in body["error"]


def test_healthz_says_empty_for_an_index_without_talks(tmp_path):
    from srefind.index.search import apply_changes

    apply_changes(tmp_path / "index", [])
    code, body = healthz(tmp_path)
    assert code == 503 and body["index"] == "empty"


def test_a_server_started_before_the_first_crawl_picks_the_index_up(site, tmp_path):
    data = tmp_path / "d"
    data.mkdir()
    client = create_app(data).test_client()
    assert client.get("/healthz").status_code == 503
    resp = client.get("/api/search?q=tracing")
    assert resp.status_code == 503 and "srefind crawl" in resp.get_json()["error"]
    assert client.get("/?q=tracing").status_code == 503
    crawl(site, data)
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/search?q=tracing").status_code == 200


# -- status in every state -----------------------------------------------------------------------

def status(data: Path) -> dict:
    proc = run_cli("status", "--json", "--data-dir", str(data))
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    table = run_cli("status", "--data-dir", str(data))
    assert table.returncode == 0 and "Traceback" not in table.stderr and "next:" in table.stdout
    return json.loads(proc.stdout)


def test_status_on_a_data_dir_that_does_not_exist_or_is_empty(tmp_path):
    for data in (tmp_path / "nowhere", tmp_path):
        st = status(data)
        assert st["state"] == "empty" and "srefind crawl" in st["next_steps"][0]


def test_status_while_a_crawl_runs_and_after_it_was_killed(site, tmp_path):
    data = tmp_path / "d"
    site.stall["/post-6/"] = 30
    proc = subprocess.Popen([sys.executable, "-m", "srefind", "crawl", site.web.url("/"), "--data-dir", str(data),
                             "--delay", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not site.web.count("/post-6/"):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.02)
        st = status(data)
        assert st["state"] == "running" and st["running"]["pid"] == proc.pid
        assert st["runs"][0]["status"] == "running"
        second = run_cli("crawl", site.web.url("/"), "--data-dir", str(data), "--delay", "0")
        assert second.returncode == 75 and f"pid {proc.pid}" in second.stderr
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    st = status(data)  # the first crawl, interrupted
    assert st["state"] == "interrupted" and st["runs"][0]["status"] == "killed" and st["running"] is None
    assert "srefind crawl" in " ".join(st["next_steps"])
    site.stall.clear()
    assert run_cli("crawl", site.web.url("/"), "--data-dir", str(data), "--delay", "0").returncode == 0
    assert status(data)["state"] == "ok"


# -- read-only data dirs ---------------------------------------------------------------------------

@contextmanager
def read_only(data: Path):
    """`data` as a process that may read it but not write it sees it. As root (which ignores file
    permissions) a read-only bind mount of it, as a service with ProtectSystem= would see it;
    otherwise the tree itself with its write permissions removed for the test."""
    if IS_ROOT:
        view = data.parent / f"{data.name}-ro"
        view.mkdir()
        try:
            subprocess.run(["mount", "--bind", str(data), str(view)], check=True, capture_output=True)
        except (subprocess.CalledProcessError, FileNotFoundError) as exc:
            pytest.skip(f"cannot make a read-only bind mount here: {exc}")
        try:
            subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True, capture_output=True)
            yield view
        finally:
            subprocess.run(["umount", "-l", str(view)], check=False)
            view.rmdir()
        return
    modes = {p: p.stat().st_mode for p in [data, *data.rglob("*")]}
    for p in modes:
        p.chmod(stat.S_IMODE(modes[p]) & ~0o222)
    try:
        yield data
    finally:
        for p, mode in modes.items():
            p.chmod(stat.S_IMODE(mode))


def test_a_read_only_data_dir_can_be_read_and_every_write_fails_in_one_line(site, tmp_path):
    data = tmp_path / "d"
    crawl(site, data)
    before = export(data)
    with read_only(data) as ro:
        for args in (["status", "--json"], ["export"], ["search", "tracing", "--json"], ["facets", "company"]):
            proc = run_cli(*args, "--data-dir", str(ro))
            assert proc.returncode == 0 and "Traceback" not in proc.stderr, (args, proc.stderr)
        assert export(ro) == before
        for args in (["crawl", site.web.url("/"), "--delay", "0"], ["recrawl", "--delay", "0"], ["reindex"],
                     ["retag"]):
            proc = run_cli(*args, "--data-dir", str(ro))
            lines = proc.stderr.strip().splitlines()
            assert proc.returncode in (1, 2) and "Traceback" not in proc.stderr, (args, proc.stderr)
            assert len(lines) == 1 and "not writable" in lines[0], (args, proc.stderr)
        # /healthz and /metrics of a server that may only read the data dir
        client = create_app(ro).test_client()
        h = client.get("/healthz")
        assert h.status_code == 200 and h.get_json()["last_crawl_success"]
        assert 'srefind_last_crawl_timestamp_seconds{event="success"}' in client.get("/metrics").get_data(as_text=True)
    assert export(data) == before  # nothing was lost


# -- full disks ----------------------------------------------------------------------------------

@contextmanager
def small_disk(path: Path, size: str):
    path.mkdir()
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if proc.returncode:
        pytest.skip(f"cannot mount a small tmpfs here ({proc.stderr.decode().strip()}): needs root")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


@pytest.mark.skipif(not IS_ROOT or not shutil.which("mount"), reason="mounting a small tmpfs needs root")
@pytest.mark.parametrize("size", ["48k", "160k", "400k", "1m"])
def test_a_full_disk_is_one_line_of_error_and_the_next_run_completes(site, tmp_path, size):
    reference = tmp_path / "reference"
    crawl(site, reference)
    with small_disk(tmp_path / "disk", size) as disk:
        data = disk / "d"
        for command in (["crawl", site.web.url("/"), "--delay", "0"], ["recrawl", "--full", "--delay", "0"],
                        ["reindex"], ["retag", "--all"]):
            proc = run_cli(*command, "--data-dir", str(data))
            assert "Traceback" not in proc.stderr, proc.stderr
            if proc.returncode:
                lines = proc.stderr.strip().splitlines()
                # the disk, or (when the first run could not even write its tables) what to run next
                assert len(lines) == 1 and ("disk is full" in lines[0] or "run `srefind crawl" in lines[0]), proc.stderr
            if command[0] == "crawl" and proc.returncode and not (data / "crawl.sqlite").exists():
                break
        status_proc = run_cli("status", "--json", "--data-dir", str(data))
        assert "Traceback" not in status_proc.stderr
        subprocess.run(["mount", "-o", "remount,size=64m", str(disk)], check=True)  # space freed
        proc = run_cli("crawl", site.web.url("/"), "--data-dir", str(data), "--delay", "0", "--json")
        assert proc.returncode == 0, proc.stderr
        assert export(data) == export(reference)
        got = cli_json("search", "", "--json", "--limit", "50", "--data-dir", str(data))
        assert got["total"] == N_POSTS
