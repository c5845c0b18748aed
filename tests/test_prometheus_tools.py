"""What the server exposes on /metrics and the example alert rules pass Prometheus's own checker:
`promtool check metrics` finds no problem in a real scrape after a crawl, and `promtool check rules`
accepts srefind-alerts.yml. `make test` puts Debian's promtool in the virtual environment."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from web.app import create_app

PROMTOOL = shutil.which("promtool", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed here (make promtool)")
if PROMTOOL is None and os.environ.get("SREFIND_REQUIRE_PROMTOOL") == "1":
    raise RuntimeError("SREFIND_REQUIRE_PROMTOOL=1 but promtool is not on the PATH or beside this Python")


def promtool(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, *args], input=stdin, capture_output=True, text=True, timeout=60)


@needs_promtool
def test_a_real_scrape_after_a_crawl_passes_promtool_check_metrics(demo_data):
    client = create_app(demo_data).test_client()
    for url in ("/", "/?q=tracing", "/api/search?q=kubernetes", "/api/talks/nope"):
        client.get(url)  # requests of several codes and endpoints, so every family has samples
    text = client.get("/metrics").get_data(as_text=True)
    assert "srefind_crawl_last_run_entries" in text and "srefind_build_info" in text
    assert "srefind_http_request_duration_seconds_bucket" in text and "process_resident_memory_bytes" in text
    out = promtool("check", "metrics", stdin=text)
    assert out.returncode == 0 and out.stdout.strip() == "" and out.stderr.strip() == "", out.stdout + out.stderr


@needs_promtool
def test_the_example_alert_rules_pass_promtool_check_rules(tmp_path):
    rules = tmp_path / "srefind-alerts.yml"
    rules.write_text((resources.files("srefind") / "data" / "schedule" / "srefind-alerts.yml").read_text(encoding="utf-8"))
    out = promtool("check", "rules", str(rules))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "SUCCESS: 5 rules found" in out.stdout


@needs_promtool
def test_promtool_is_not_a_rubber_stamp(tmp_path):
    """The checks above mean something: promtool does reject a badly named metric and a broken rule."""
    bad = "# HELP srefind_latency latency\n# TYPE srefind_latency counter\nsrefind_latency 1\n"
    rejected = promtool("check", "metrics", stdin=bad)
    assert rejected.returncode != 0 and 'counter metrics should have "_total" suffix' in rejected.stderr
    broken = tmp_path / "broken.yml"
    broken.write_text("groups:\n  - name: x\n    rules:\n      - alert: X\n        expr: rate(srefind_x[5m]\n")
    assert promtool("check", "rules", str(broken)).returncode != 0
