"""The package installs as one namespace, `srefind`, with its data and demo site inside."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The sdist's own tests run from it: the stages' specifications, with the conftest and fixtures they need.
SDIST_TESTS = ["tests/test_extract.py", "tests/test_tagger.py", "tests/test_search.py"]


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> tuple[Path, Path, str]:
    """The sdist and wheel as `python -m build` makes them from the checkout, and what it printed."""
    out = tmp_path_factory.mktemp("dist")
    if not (ROOT / ".git").exists() and not (ROOT / "PKG-INFO").exists():
        pytest.skip("not a checkout or an sdist")
    # bytecode on, as on a developer's machine (distutils warns when it is off)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "-o", str(out),
                           str(ROOT)], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return next(out.glob("srefind-*.tar.gz")), next(out.glob("srefind-*.whl")), proc.stdout + proc.stderr


def test_the_build_is_clean_and_twine_accepts_both_files(dist):
    sdist, wheel, log = dist
    warnings = [line for line in log.splitlines() if "warning" in line.lower()]
    assert warnings == []
    proc = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", str(sdist), str(wheel)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count("PASSED") == 2


def test_the_sdist_installs_and_its_tests_run_against_what_it_installed(dist, tmp_path):
    sdist, _, _ = dist
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp_path, filter="data")
    src = next(tmp_path.glob("srefind-*"))
    for needed in ("tests/conftest.py", "tests/fixtures/blog_post.html", "Makefile", "LICENSE"):
        assert (src / needed).exists(), needed
    target = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation",
                           "--target", str(target), str(sdist)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    # the installed copy comes first on the path, ahead of the checkout's editable install, and the
    # unpacked source is not on it (-P: the working directory is not put on the path)
    env = {**os.environ, "PYTHONPATH": str(target)}
    where = subprocess.run([sys.executable, "-P", "-c", "import srefind.index.tagging; print(srefind.index.tagging.__file__)"],
                           capture_output=True, text=True, env=env, cwd=src)
    assert where.stdout.startswith(str(target)), where.stdout + where.stderr
    run = subprocess.run([sys.executable, "-P", "-m", "pytest", "-q", "-p", "no:cacheprovider", *SDIST_TESTS],
                         capture_output=True, text=True, env=env, cwd=src, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert " passed" in run.stdout and "failed" not in run.stdout


def test_wheel_holds_only_the_srefind_namespace(dist):
    _, wheel, _ = dist
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
