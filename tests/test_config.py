"""Configuration: the shipped default, the data dir's resolution order."""

from __future__ import annotations

from pathlib import Path

from srefind.config import load_config, resolve_data_dir


def test_the_shipped_config_has_real_seeds_and_a_polite_delay():
    cfg = load_config(None)
    assert any("usenix.org/conference/srecon" in s for s in cfg.seeds)
    assert cfg.delay >= 1.0
    assert cfg.user_agent_header.startswith("srefind/") and "+http" in cfg.user_agent_header


def test_data_dir_option_beats_environment_beats_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("SREFIND_DATA_DIR", str(tmp_path / "env"))
    assert resolve_data_dir(tmp_path / "opt") == tmp_path / "opt"
    assert resolve_data_dir(None) == tmp_path / "env"
    monkeypatch.delenv("SREFIND_DATA_DIR")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_data_dir(None) == Path(tmp_path / "xdg" / "srefind")
