"""--log-format json means every line on stderr is one JSON object: srefind's own, the libraries'
(waitress serving), and the errors the CLI reports (usage and config errors included)."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import requests

from conftest import free_port, run_cli


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_serving_with_json_logs_writes_only_json_lines_waitress_too(demo_data):
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "srefind", "--log-format", "json", "serve", "--data-dir",
                             str(demo_data), "--port", str(port), "--workers", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        requests.get(f"http://127.0.0.1:{port}/?q=tracing", timeout=10)
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=30)
    lines = json_lines(err)  # raises on any line that is not JSON
    assert any(x["message"] == "serving" and x["url"] == f"http://127.0.0.1:{port}/" for x in lines), err


def test_the_libraries_log_lines_are_json_too(capsys):
    import logging

    from srefind.logs import configure

    configure("json", "info")
    try:
        logging.getLogger("waitress.queue").warning("Task queue depth is %d", 5)
        logging.getLogger("urllib3.connectionpool").warning("Retrying after connection broken")
    finally:
        configure("text", "error")
        logging.getLogger().handlers[:] = []
    lines = json_lines(capsys.readouterr().err)
    assert [x["logger"] for x in lines] == ["waitress.queue", "urllib3.connectionpool"]
    assert lines[0]["message"] == "Task queue depth is 5" and lines[0]["level"] == "warning"


def test_cli_errors_are_json_lines_with_json_logs(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[crawl]\ndelay = = 3\n")
    cases = [(["crawl", "nope", "--data-dir", str(tmp_path / "a")], "UsageError", 2),
             (["crawl", "https://example.org/", "--config", str(bad), "--data-dir", str(tmp_path / "b")], "ConfigError", 2),
             (["search", "x", "--limit", "0", "--data-dir", str(tmp_path)], "QueryError", 2),
             (["search", "x", "--data-dir", str(tmp_path / "nowhere")], "DataDirError", 2)]
    for args, kind, code in cases:
        proc = run_cli("--log-format", "json", *args)
        assert proc.returncode == code, (args, proc.stderr)
        (line,) = json_lines(proc.stderr)
        assert line["level"] == "error" and line["kind"] == kind and line["message"], (args, line)


def test_a_logged_exception_keeps_its_whole_traceback_in_one_field():
    import logging

    from srefind.logs import JsonFormatter

    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord("srefind.x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    out = json.loads(JsonFormatter().format(record))
    assert out["error"] == "ValueError: boom" and "Traceback (most recent call last)" in out["traceback"]
    assert "\n" not in JsonFormatter().format(record)
