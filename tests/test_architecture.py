"""The seams a newcomer relies on: one facet table everything derives from, a named search
backend the front ends use without knowing Whoosh, one owner of the store's SQL."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from srefind.backend import BACKENDS, SearchBackend, open_backend
from srefind.config import load_settings
from srefind.errors import ConfigError
from srefind.facet_table import FACET_LABELS, FACET_TABLE, FACETS

ROOT = Path(__file__).resolve().parent.parent


def test_every_facet_reaches_the_schema_the_query_parser_the_web_labels_and_the_cli():
    from click import Choice

    from srefind.cli import facets as facets_command
    from srefind.index.search.query import FIELD_RE
    from srefind.index.search.schema import build_schema

    schema = build_schema()
    (field_arg,) = [p for p in facets_command.params if p.name == "field"]
    assert isinstance(field_arg.type, Choice) and tuple(field_arg.type.choices) == FACETS
    for f in FACET_TABLE:
        assert f.name in schema.names()
        assert FIELD_RE.fullmatch(f"{f.name}:x"), f.name
        assert FACET_LABELS[f.name] == f.label


def test_a_facet_added_to_the_table_is_indexed_counted_filtered_and_queried_everywhere(tmp_path):
    """The "has video" walk: one row in the facet table, no other file touched."""
    script = textwrap.dedent(f"""
        import json, sys
        from pathlib import Path
        import srefind.facet_table as ft
        media = ft.Facet("media", "Media", lambda e: ["video"] if "recording" in e.summary else [], "many", "exact")
        ft.FACET_TABLE += (media,)
        ft.FACETS = tuple(f.name for f in ft.FACET_TABLE)
        ft.FACET_BY_NAME["media"] = media
        ft.FACET_LABELS["media"] = "Media"

        from srefind.models import TalkEntry
        from srefind.index.search import apply_changes, SearchEngine
        from srefind.web.app import create_app

        data = Path({str(tmp_path)!r})
        entries = [TalkEntry(id=f"t{{i}}", url=f"http://b.test/p/#t{{i}}", page_url="http://b.test/p/",
                             title=f"Talk {{i}} on tracing", summary="tracing" + (" with a recording" if i % 2 else ""),
                             year=2019, site="b.test")
                   for i in range(6)]
        apply_changes(data / "index", [("http://b.test/p/", entries)])
        engine = SearchEngine(data / "index")
        out = {{
            "counts": {{v.value: v.count for v in engine.search("tracing").facets["media"]}},
            "filtered": engine.search("tracing", {{"media": ["video"]}}).total,
            "queried": engine.search("tracing media:video").total,
        }}
        client = create_app(data).test_client()
        out["api"] = client.get("/api/facets?q=tracing&media=video").get_json()["media"]
        out["page"] = "Media" in client.get("/?q=tracing").get_data(as_text=True)
        print(json.dumps(out))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["counts"] == {"video": 3}
    assert out["filtered"] == 3 and out["queried"] == 3
    assert out["api"] == [{"value": "video", "count": 3, "selected": True}]
    assert out["page"]


def test_the_whoosh_backend_is_a_search_backend_chosen_by_name(tmp_path):
    backend = open_backend(tmp_path, "whoosh")
    try:
        assert isinstance(backend, SearchBackend)
        assert not backend.exists() and backend.health().state == "missing"
    finally:
        backend.close()
    with pytest.raises(ConfigError, match="unknown search backend 'solr'"):
        open_backend(tmp_path, "solr")


def test_the_index_backend_setting_is_checked_with_its_line(tmp_path):
    assert load_settings(None).index.backend in BACKENDS
    bad = tmp_path / "c.toml"
    bad.write_text('[crawl]\ndelay = 1.0\n\n[index]\nbackend = "opensearch"\n')
    with pytest.raises(ConfigError, match=r"c\.toml:5: \[index\] backend must be one of whoosh"):
        load_settings(bad)
    bad.write_text('[index]\nshards = 3\n')
    with pytest.raises(ConfigError, match=r"c\.toml:2: unknown key 'shards' in \[index\]"):
        load_settings(bad)


def test_front_ends_and_the_pipeline_do_not_load_whoosh_until_a_backend_is_opened():
    code = ("import sys, srefind.cli, srefind.web.app, srefind.pipeline, srefind.health; "
            "print(sorted(m for m in sys.modules if m == 'whoosh' or m.startswith('srefind.index.search')))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(("." * node.level) + node.module)
    return names


def test_the_web_app_knows_neither_the_pipeline_nor_the_index_internals():
    for path in (ROOT / "web").glob("*.py"):
        for name in _imports(path):
            assert not name.startswith(("srefind.pipeline", "srefind.index", "whoosh")), (path.name, name)


SQL = re.compile(r"\b(SELECT\s+[\w*(]|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+TABLE)", re.I)


def test_only_the_store_module_speaks_sql_to_the_store_of_record():
    """crawl.sqlite has one owner (crawler/state.py); everyone else calls its typed methods."""
    offenders = []
    for folder in ("srefind", "crawler", "index", "web", "tests"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == ROOT / "crawler" / "state.py" or path == Path(__file__):
                continue
            if SQL.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
