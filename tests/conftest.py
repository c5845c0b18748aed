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
