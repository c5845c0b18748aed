"""The systemd units `srefind schedule` prints pass the tools an operator runs on them: `systemd-analyze
verify` finds nothing, and `systemd-analyze security` rates each service at most 2.0 (OK)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import run_cli

ANALYZE = shutil.which("systemd-analyze")
needs_systemd = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed here")


def units(tmp_path: Path) -> dict[str, Path]:
    env = {"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}  # the install's own srefind
    proc = run_cli("schedule", "--print", "systemd", "--data-dir", str(tmp_path / "data"), "--port", "8090", env=env)
    assert proc.returncode == 0, proc.stderr
    out = {}
    for m in re.finditer(r"# ---- /etc/systemd/system/(\S+)\n(.*?)(?=# ---- |# then:)", proc.stdout, re.S):
        path = tmp_path / m.group(1)
        path.write_text(m.group(2))
        out[m.group(1)] = path
    return out


def test_schedule_prints_the_recrawl_its_timer_and_the_server(tmp_path):
    found = units(tmp_path)
    assert set(found) == {"srefind-recrawl.service", "srefind-recrawl.timer", "srefind-serve.service"}
    serve = found["srefind-serve.service"].read_text()
    assert "serve --data-dir" in serve and "--port 8090" in serve and "User=srefind" in serve
    for name in ("srefind-recrawl.service", "srefind-serve.service"):
        text = found[name].read_text()
        for line in ("ProtectSystem=strict", f"ReadWritePaths={tmp_path / 'data'}", "NoNewPrivileges=yes",
                     "PrivateTmp=yes", "SystemCallFilter=@system-service"):
            assert line in text, (name, line)


@needs_systemd
def test_systemd_analyze_verify_finds_nothing(tmp_path):
    found = units(tmp_path)
    proc = subprocess.run([ANALYZE, "verify", *map(str, found.values())], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr


@needs_systemd
@pytest.mark.parametrize("name", ["srefind-recrawl.service", "srefind-serve.service"])
def test_systemd_analyze_security_rates_each_service_at_most_2(tmp_path, name):
    path = units(tmp_path)[name]
    proc = subprocess.run([ANALYZE, "security", "--offline=yes", str(path)], capture_output=True, text=True,
                          cwd=tmp_path)
    m = re.search(r"Overall exposure level for \S+: (\d+\.\d)", proc.stdout)
    assert m, proc.stdout + proc.stderr
    assert float(m.group(1)) <= 2.0, proc.stdout
