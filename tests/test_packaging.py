"""The package installs as one namespace, `srefind`, with its data and demo site inside."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_holds_only_the_srefind_namespace(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )
    wheel = next(tmp_path.glob("srefind-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names}
    assert tops == {"srefind", next(t for t in tops if t.endswith(".dist-info"))}
    for module in ("srefind/crawler/engine.py", "srefind/index/tagging/pipeline.py", "srefind/web/app.py",
                   "srefind/web/templates/search.html", "srefind/data/companies.tsv", "srefind/data/topics.toml",
                   "srefind/demo_site/blog/index.html", "srefind/demo_site/program/robots.txt"):
        assert module in names, module
    demo_pages = [n for n in names if n.startswith("srefind/demo_site/") and n.endswith(".html")]
    assert len(demo_pages) >= 30


def test_stages_import_under_the_srefind_namespace():
    import srefind.crawler.engine
    import srefind.index.search.engine
    import srefind.web.app  # noqa: F401


def test_the_pinned_whoosh_imports_cleanly_without_bytecode_and_with_syntax_warnings_as_errors(tmp_path):
    """Why whoosh3: whoosh 2.7.4's codec fails this on Python 3.11 (see README)."""
    code = (
        "import whoosh, whoosh.index, whoosh.fields, whoosh.qparser, whoosh.codec.whoosh3, "
        "whoosh.highlight, whoosh.sorting, whoosh.searching, whoosh.writing; print(whoosh.__version__)"
    )
    import os

    # An empty pycache prefix: every module is compiled from source, as on a fresh install.
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-B", "-W", "error::SyntaxWarning", "-c", code],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "(3, 54, 0)"


def test_python_m_srefind_runs_from_the_source_root_without_an_install(tmp_path):
    # the editable install's finder is left out: only the checkout itself is on the path
    code = ("import sys, runpy; sys.meta_path[:] = [f for f in sys.meta_path if 'editable' not in repr(f)]; "
            "sys.path[:] = [p for p in sys.path if p not in ('', '.')]; sys.path.insert(0, '.'); "
            f"sys.argv = ['srefind', 'status', '--data-dir', {str(tmp_path / 'd')!r}]; "
            "runpy.run_module('srefind', run_name='__main__', alter_sys=True)")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "nothing crawled yet" in proc.stdout
