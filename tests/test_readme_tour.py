"""The README's short tour runs as written after `make demo`: each line, in a shell, against the
data dir the demo fills (its default ports, so the talk id the tour names is the one it has)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_cli

README = Path(__file__).resolve().parent.parent / "README.md"


def tour_lines() -> list[str]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## A short tour", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    return [line.split("  #")[0].strip() for line in block.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory) -> Path:
    """A home whose per-user data dir holds what `make demo` leaves there (the default ports)."""
    home = tmp_path_factory.mktemp("home")
    data = home / ".local" / "share" / "srefind" / "demo"
    proc = run_cli("demo", "--no-serve", "--data-dir", str(data))
    assert proc.returncode == 0, proc.stderr
    return home


def test_the_tour_starts_with_the_lines_that_find_srefind_and_the_demo(demo_home):
    lines = tour_lines()
    assert lines[0].startswith(". .venv/bin/activate") and lines[1].startswith("export SREFIND_DATA_DIR=")


@pytest.mark.parametrize("line", [x for x in tour_lines() if x.startswith("srefind ")])
def test_each_tour_command_runs_as_written(demo_home, tmp_path, line):
    venv_bin = Path(sys.executable).parent
    env = {**os.environ, "HOME": str(demo_home), "PATH": f"{venv_bin}:{os.environ['PATH']}",
           "XDG_DATA_HOME": str(demo_home / ".local" / "share")}
    env.pop("SREFIND_DATA_DIR", None)
    setup = next(x for x in tour_lines() if x.startswith("export SREFIND_DATA_DIR="))
    proc = subprocess.run(["bash", "-c", f"{setup} && {line}"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, f"{line}\n{proc.stderr}"
    assert "Traceback" not in proc.stderr
    if "--json" in line:
        assert proc.stdout.lstrip().startswith("{")
    if line.startswith("srefind talk"):
        assert "write-up" in proc.stdout
