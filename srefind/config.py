"""Configuration: a TOML file (the shipped default, or the user's) and the data dir.

Why TOML: it is in the standard library (tomllib) and its parse errors carry a line number,
which we pass on so a user can fix their file.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields
from importlib import resources
from pathlib import Path

import platformdirs

from .backend import BACKENDS, DEFAULT_BACKEND
from .errors import ConfigError, DataDirError


@dataclass
class CrawlConfig:
    seeds: list[str] = field(default_factory=list)
    allowed_origins: list[str] = field(default_factory=list)
    delay: float = 1.0
    workers: int = 4
    max_depth: int = 8
    max_pages_per_origin: int = 5000
    max_url_length: int = 512
    max_body_bytes: int = 5_000_000
    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0  # one try of one request, connect to last body byte (a slow drip ends here)
    retries: int = 3
    backoff_base: float = 0.5
    max_duration: float = 0.0  # seconds a run may take (0: no limit); then it stops and resumes next run
    user_agent: str = "srefind/0.1"
    contact_url: str = ""

    @property
    def user_agent_header(self) -> str:
        """An honest User-Agent: name/version plus where a site owner can read about us."""
        return f"{self.user_agent} (+{self.contact_url})" if self.contact_url else self.user_agent


@dataclass
class IndexConfig:
    backend: str = DEFAULT_BACKEND  # which SearchBackend keeps the index (srefind/backend.py BACKENDS)


@dataclass
class Settings:
    """A config file's sections: [crawl] and [identity] make the CrawlConfig, [index] the IndexConfig."""

    crawl: CrawlConfig = field(default_factory=CrawlConfig)
    index: IndexConfig = field(default_factory=IndexConfig)


@dataclass
class DataPaths:
    """Where a data dir keeps each thing (the table in the README)."""

    root: Path

    @property
    def state(self) -> Path:
        return self.root / "crawl.sqlite"

    @property
    def index(self) -> Path:
        return self.root / "index"

    @property
    def lexicon(self) -> Path | None:
        p = self.root / "lexicon"
        return p if p.is_dir() else None


_TYPES: dict[str, str] = {f.name: str(f.type) for f in fields(CrawlConfig)}  # annotations are strings here


def _check(path: str, section: str, key: str, value: object, text: str) -> None:
    """Type-check one key, naming the line it is on."""
    expected = _TYPES[key]
    ok = {
        "list[str]": isinstance(value, list) and all(isinstance(v, str) for v in value),
        "float": isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0,
        "int": isinstance(value, int) and not isinstance(value, bool) and value >= 0,
        "str": isinstance(value, str),
    }[expected]
    if not ok:
        line = _line_of(text, key)
        raise ConfigError(f"{path}:{line}: [{section}] {key} must be {expected}, got {value!r}")


def _line_of(text: str, key: str) -> int:
    for n, line in enumerate(text.splitlines(), 1):
        if line.strip().startswith(key) and "=" in line:
            return n
    return 1


def default_config_text() -> str:
    return (resources.files("srefind") / "data" / "default.toml").read_text(encoding="utf-8")


def load_config(path: str | os.PathLike[str] | None = None) -> CrawlConfig:
    """The crawl settings of `path` (or the shipped default). Errors name the file and the line."""
    return load_settings(path).crawl


def load_settings(path: str | os.PathLike[str] | None = None) -> Settings:
    """Load `path` (or the shipped default). Errors name the file and the line."""
    if path is None:
        name, text = "default.toml", default_config_text()
    else:
        name = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"{name}: config file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{name}: cannot read config file ({exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        where = f"{name}:{m.group(1)}" if m else name
        raise ConfigError(f"{where}: malformed TOML: {exc}") from None
    cfg = CrawlConfig()
    for section in data:
        if section not in ("crawl", "identity", "index"):
            raise ConfigError(f"{name}:{_line_of(text, '[' + section)}: unknown section [{section}]")
    for section in ("crawl", "identity"):
        table = data.get(section, {})
        if not isinstance(table, dict):
            raise ConfigError(f"{name}: [{section}] must be a table")
        for key, value in table.items():
            if key not in _TYPES:
                raise ConfigError(f"{name}:{_line_of(text, key)}: unknown key {key!r} in [{section}]")
            _check(name, section, key, value, text)
            setattr(cfg, key, float(value) if _TYPES[key] == "float" else value)
    return Settings(cfg, _index_config(name, data.get("index", {}), text))


def _index_config(name: str, table: object, text: str) -> IndexConfig:
    if not isinstance(table, dict):
        raise ConfigError(f"{name}: [index] must be a table")
    out = IndexConfig()
    for key, value in table.items():
        if key != "backend":
            raise ConfigError(f"{name}:{_line_of(text, key)}: unknown key {key!r} in [index]")
        if value not in BACKENDS:
            raise ConfigError(f"{name}:{_line_of(text, key)}: [index] backend must be one of "
                              f"{', '.join(sorted(BACKENDS))}, got {value!r}")
        out.backend = value
    return out


def resolve_data_dir(option: str | os.PathLike[str] | None) -> Path:
    """--data-dir, else $SREFIND_DATA_DIR, else the per-user data directory (XDG on Linux)."""
    if option:
        return Path(option).expanduser()
    env = os.environ.get("SREFIND_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("srefind"))


def existing_data_dir(option: str | os.PathLike[str] | None) -> Path:
    """The data dir for commands that read: it must exist and hold a crawl (or at least an index)."""
    path = resolve_data_dir(option)
    if not path.is_dir():
        raise DataDirError(f"data dir {path} does not exist: run `srefind crawl --data-dir {path}` "
                           "(or `srefind demo`) first")
    paths = DataPaths(path)
    if not paths.state.exists() and not (paths.index.is_dir() or paths.index.is_symlink()):
        raise DataDirError(f"data dir {path} holds no crawl yet: run `srefind crawl --data-dir {path}` first")
    return path
