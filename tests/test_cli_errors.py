"""Bad input gets one clear line on stderr and a non-zero exit: never a traceback."""

from __future__ import annotations

import pytest

from conftest import free_port, run_cli


def assert_one_line_error(proc, *needles: str, code: int | None = None) -> None:
    assert proc.returncode != 0
    if code is not None:
        assert proc.returncode == code
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1, proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_unreachable_seed(tmp_path):
    port = free_port()  # nothing listens there
    proc = run_cli("crawl", f"http://127.0.0.1:{port}/", "--data-dir", str(tmp_path / "d"), "--delay", "0", "--json")
    assert_one_line_error(proc, "cannot reach", f"127.0.0.1:{port}")


def test_a_seed_that_is_not_a_url_is_a_usage_error(tmp_path):
    proc = run_cli("crawl", "ftp://example.org/", "--data-dir", str(tmp_path / "d"))
    assert_one_line_error(proc, "not an http(s) URL", code=2)
    assert not (tmp_path / "d").exists()  # refused before anything is made


def test_a_config_with_no_seeds_is_a_usage_error(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[crawl]\nseeds = []\n")
    proc = run_cli("crawl", "--config", str(cfg), "--data-dir", str(tmp_path / "d"))
    assert_one_line_error(proc, "no seeds", code=2)


def test_json_asked_for_is_json_on_failure_too(tmp_path):
    import json

    port = free_port()
    proc = run_cli("crawl", f"http://127.0.0.1:{port}/", "--data-dir", str(tmp_path / "d"), "--delay", "0", "--json")
    out = json.loads(proc.stdout)
    assert proc.returncode == out["exit_code"] == 1 and "cannot reach" in out["error"]
    proc = run_cli("search", "x", "--data-dir", str(tmp_path / "nowhere"), "--json")
    assert proc.returncode == 2 and json.loads(proc.stdout)["kind"] == "DataDirError"
    proc = run_cli("crawl", "nope", "--data-dir", str(tmp_path / "d2"), "--json")
    assert proc.returncode == 2 and json.loads(proc.stdout)["exit_code"] == 2


@pytest.mark.parametrize("command", [["search", "tracing"], ["export"], ["facets", "company"], ["recrawl"], ["retag"],
                                     ["reindex"]])
def test_missing_data_dir(tmp_path, command):  # (`status` reports it instead: tests/test_data_dir_health.py)
    proc = run_cli(*command, "--data-dir", str(tmp_path / "nowhere"))
    assert_one_line_error(proc, "does not exist", code=2)


def test_empty_data_dir_means_search_before_any_crawl(tmp_path):
    proc = run_cli("search", "tracing", "--data-dir", str(tmp_path))
    assert_one_line_error(proc, "holds no crawl yet", "srefind crawl", code=2)


def test_data_dir_from_the_environment(tmp_path):
    proc = run_cli("search", "x", env={"SREFIND_DATA_DIR": str(tmp_path / "env-dir")})
    assert_one_line_error(proc, str(tmp_path / "env-dir"))


def test_malformed_config_names_file_and_line(tmp_path):
    cfg = tmp_path / "srefind.toml"
    cfg.write_text('[crawl]\nseeds = ["http://127.0.0.1:1/"]\ndelay = = 3\n')
    proc = run_cli("crawl", "--config", str(cfg), "--data-dir", str(tmp_path / "d"))
    assert_one_line_error(proc, f"{cfg}:3", code=2)


def test_config_with_a_wrong_type_names_the_line(tmp_path):
    cfg = tmp_path / "srefind.toml"
    cfg.write_text('[crawl]\nseeds = ["http://127.0.0.1:1/"]\n\nworkers = "many"\n')
    proc = run_cli("crawl", "--config", str(cfg), "--data-dir", str(tmp_path / "d"))
    assert_one_line_error(proc, f"{cfg}:4", "workers", code=2)


def test_missing_config_file(tmp_path):
    proc = run_cli("crawl", "--config", str(tmp_path / "nope.toml"), "--data-dir", str(tmp_path / "d"))
    assert_one_line_error(proc, "not found", code=2)


def test_bad_facet_argument(demo_data):
    proc = run_cli("search", "x", "--facet", "colour=blue", "--data-dir", str(demo_data))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "FIELD=VALUE" in proc.stderr


def test_hostile_queries_never_fail(demo_data):
    for q in ['"unbalanced', "AND", "(((", "x" * 10_000, "tracing\x01\x07 kafka", "company:", "year:abc..", "*"]:
        proc = run_cli("search", q, "--json", "--data-dir", str(demo_data))
        assert proc.returncode == 0, (q, proc.stderr)
        assert "Traceback" not in proc.stderr


def test_every_option_of_every_command_says_what_it_is_for():
    from srefind.cli import main

    missing = [f"{name} {p.opts[0]}" for name, cmd in main.commands.items() for p in cmd.params
               if getattr(p, "param_type_name", "") == "option" and not p.help]
    missing += [p.opts[0] for p in main.params if getattr(p, "param_type_name", "") == "option" and not p.help
                and p.opts[0] != "--version"]
    assert missing == []
