"""Shared fixtures: real local HTTP servers and real crawls into temporary data dirs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from srefind.config import load_config
from srefind.pipeline import run_crawl
from srefind.sites import demo_root, serve_sites

from webfixture import VersionedSite, WebFixture

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def demo_sites():
    """The bundled demo web, served on free loopback ports for the whole test session."""
    with serve_sites(demo_root()) as bases:
        yield bases


@pytest.fixture(scope="session")
def demo_data(tmp_path_factory, demo_sites) -> Path:
    """A data dir holding a finished crawl of the demo web."""
    data = tmp_path_factory.mktemp("demo-data")
    cfg = load_config(None)
    cfg.delay = 0.0
    run_crawl(cfg, data, list(demo_sites.values()))
    return data


def free_port() -> int:
    """A loopback port nothing listens on (now)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_cli(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the real `srefind` entry point in a subprocess, as a user would."""
    import os

    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "srefind", *args], capture_output=True, text=True, timeout=timeout, env=full_env
    )


def cli_json(*args: str) -> dict | list:
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture()
def site():
    with WebFixture() as web:
        yield VersionedSite(web)


def crawl(site: VersionedSite, data) -> dict:
    return cli_json("crawl", site.web.url("/"), "--data-dir", str(data), "--delay", "0", "--json")


def recrawl(data, *extra: str) -> tuple[int, dict]:
    proc = run_cli("recrawl", "--data-dir", str(data), "--delay", "0", "--json", *extra)
    assert "Traceback" not in proc.stderr
    return proc.returncode, json.loads(proc.stdout) if proc.stdout.strip() else {}


def search(data, query: str) -> dict:
    return cli_json("search", query, "--json", "--limit", "50", "--data-dir", str(data))


def export(data) -> list[dict]:
    proc = run_cli("export", "--data-dir", str(data))
    return [json.loads(x) for x in proc.stdout.splitlines()]
