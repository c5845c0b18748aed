"""The index writer: Whoosh's segment format byte for byte, both cores, merges that never block.

Every test writes a real index on disk and reads it back through Whoosh's own readers.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import pytest
from whoosh.writing import SegmentWriter

from srefind.index.search import SearchEngine, merges
from srefind.index.search.bulkwrite import BulkWriter
from srefind.index.search.fields import StemmedText, analyzer, stemmed_positions
from srefind.index.search.store import _document, apply_changes, finish_merges, open_index
from srefind.models import TalkEntry

WORDS = ("tracing latency kubernetes capacity postmortem outage budget canary rollout pager alert "
         "incident database replica shard cache queue kafka service mesh sidecar deploy pipeline "
         "résumé naïve café chaos toil runbook oncall dashboard metric histogram quantile sampling").split()


def make_pages(n_pages: int, seed: int, site: str = "w.test") -> list[tuple[str, list[TalkEntry]]]:
    rng = random.Random(seed)
    out = []
    for p in range(n_pages):
        page_url = f"http://{site}/{seed}/{p}/"
        entries = []
        for k in range(rng.randint(1, 3)):
            url = f"{page_url}#t{k}"
            words = [rng.choice(WORDS) for _ in range(rng.randint(8, 60))]
            entries.append(TalkEntry(**{
                "id": f"{seed}-{p}-{k}", "url": url, "page_url": page_url,
                "title": " ".join(rng.sample(WORDS, 4)).title(), "speakers": [f"Speaker {rng.randint(1, 40)}"],
                "companies": [rng.choice(["Google", "Uber", "Meta", "Shopify"])],
                "topics": [rng.choice(["tracing", "ml", "kubernetes", "slo"])],
                "conference": "SREcon18 Americas", "year": rng.randint(2014, 2025),
                "date": f"20{rng.randint(14, 25)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
                "summary": " ".join(words) + ".", "site": site}))
        out.append((page_url, entries))
    return out


def write(path: Path, writer_class, batches, **kwargs) -> None:
    """Commit each batch of pages with `writer_class`, replacing pages already indexed."""
    for batch in batches:
        ix = open_index(path, create=True)
        w = writer_class(ix, compound=False, **kwargs)
        for page_url, entries in batch:
            w.delete_by_term("page_url", page_url)
            for e in entries:
                w.add_document(**_document(e))
        w.commit(merge=False)


def segment_files(path: Path) -> list[dict[str, str]]:
    """Per segment, in order: file suffix -> content hash."""
    out = []
    for seg in open_index(path)._segments():
        sid = seg.segment_id()
        out.append({f.name[len(sid):]: hashlib.sha1(f.read_bytes()).hexdigest()
                    for f in sorted(path.iterdir()) if f.name.startswith(sid)})
    return out


def contents(path: Path) -> dict:
    """Everything a reader can see: each term's postings and statistics, stored fields, lengths."""
    reader = open_index(path).reader()
    terms = {}
    for fieldname, btext in reader.all_terms():
        m = reader.postings(fieldname, btext)
        postings = []
        while m.is_active():
            postings.append((m.id(), m.weight(), m.value()))
            m.next()
        terms[fieldname, btext] = (postings, reader.doc_frequency(fieldname, btext),
                                   reader.frequency(fieldname, btext))
    docs = [(reader.stored_fields(d), [reader.doc_field_length(d, f) for f in ("title", "summary", "speakers")])
            for d in reader.all_doc_ids()]
    return {"terms": terms, "docs": docs}


def test_stemmed_text_indexes_exactly_what_whoosh_analyzer_chain_does():
    from whoosh.fields import TEXT

    texts = ["The résumé of a café", "a the of", "", "3.141 big_time foo*bar x.y.z ..", "Straße İstanbul ﬁne",
             "Tracing traced traces; the TRACING of k8s", "A. B. c", "æ Œ ø ł đ ǅ"] + \
            [" ".join(random.Random(i).choices(WORDS + ["the", "and", "of"], k=40)) for i in range(50)]
    for boost in (1.0, 3.0):
        stock, fused = TEXT(analyzer=analyzer(), field_boost=boost), StemmedText(field_boost=boost)
        for text in texts:
            assert sorted(fused.index(text)) == sorted(stock.index(text)), text
    assert stemmed_positions("the tracing of traces") == {"trace": [1, 2]}


def test_bulk_writer_writes_the_same_bytes_as_whoosh_for_new_segments_and_merges(tmp_path):
    batches = [make_pages(40, seed) for seed in range(3)]
    batches.append(make_pages(40, 0)[5:15])  # replaces pages of the first segment: deletions to merge
    write(tmp_path / "whoosh", SegmentWriter, batches)
    write(tmp_path / "bulk", BulkWriter, batches, exact_zlib=True)
    assert segment_files(tmp_path / "bulk") == segment_files(tmp_path / "whoosh")
    for name, cls, extra in (("whoosh", SegmentWriter, {}), ("bulk", BulkWriter, {"exact_zlib": True})):
        cls(open_index(tmp_path / name), compound=False, **extra).commit(optimize=True)
    assert len(segment_files(tmp_path / "bulk")) == 1
    assert segment_files(tmp_path / "bulk") == segment_files(tmp_path / "whoosh")


def test_default_compression_reads_back_exactly_the_same_index(tmp_path):
    batches = [make_pages(30, seed) for seed in range(2)] + [make_pages(30, 1)[:8]]
    write(tmp_path / "whoosh", SegmentWriter, batches)
    write(tmp_path / "bulk", BulkWriter, batches)
    assert contents(tmp_path / "bulk") == contents(tmp_path / "whoosh")
    for name, cls in (("whoosh", SegmentWriter), ("bulk", BulkWriter)):
        cls(open_index(tmp_path / name), compound=False).commit(optimize=True)
    assert contents(tmp_path / "bulk") == contents(tmp_path / "whoosh")


def test_a_large_commit_is_shared_with_a_forked_process_and_indexes_the_same(tmp_path):
    pages = make_pages(400, 7)
    assert sum(len(es) for _, es in pages) >= merges.PARALLEL_MIN_DOCS  # so the commit forks
    apply_changes(tmp_path / "parallel", pages)
    write(tmp_path / "serial", BulkWriter, [pages])
    assert contents(tmp_path / "parallel") == contents(tmp_path / "serial")


def test_the_tenth_small_segment_is_merged_in_the_background_and_swapped_in_with_later_deletions(tmp_path):
    path = tmp_path / "index"
    for seed in range(merges.MERGE_FACTOR):
        apply_changes(path, make_pages(3, seed))
    ix = open_index(path)
    assert merges.merge_running(ix.storage)  # the tenth commit started a merge of all ten
    # While it runs: replace a page whose old entries the merge is copying.
    replaced = make_pages(3, 0)[1]
    replaced[1][0].summary = "completely rewritten zanzibar talk"
    apply_changes(path, [(replaced[0], replaced[1][:1])])
    finish_merges(path)
    assert not merges.merge_running(open_index(path).storage)
    segments = open_index(path)._segments()
    assert len(segments) <= 2  # the merged ten, plus the commit made during the merge
    engine = SearchEngine(path)
    expected = sum(len(es) for seed in range(merges.MERGE_FACTOR) for _, es in make_pages(3, seed))
    expected -= len(make_pages(3, 0)[1][1]) - 1
    assert engine.search("").total == expected
    assert engine.search("zanzibar").total == 1
    assert engine.get(replaced[1][0].id).summary == "completely rewritten zanzibar talk"


def test_a_killed_merge_changes_nothing_says_so_and_leaves_no_files(tmp_path, caplog):
    path = tmp_path / "index"
    for seed in range(merges.MERGE_FACTOR):
        apply_changes(path, make_pages(3, seed))
    storage = open_index(path).storage
    running = merges._RUNNING[merges._key(storage)]
    running.proc.kill()
    before = SearchEngine(path).search("").total
    apply_changes(path, make_pages(2, 99))  # swaps nothing in; may start a new merge
    finish_merges(path)
    assert "background merge of 10 segments failed" in caplog.text
    assert SearchEngine(path).search("").total == before + sum(len(es) for _, es in make_pages(2, 99))
    assert not any(f.name.startswith(f"talks_{running.segid}") for f in path.iterdir())


@pytest.mark.parametrize("n", [1, 9, 10, 25])
def test_merge_policy_merges_ten_segments_of_one_size_tier(n):
    class Seg:
        def __init__(self, docs: int, sid: str) -> None:
            self.docs, self.sid = docs, sid

        def doc_count_all(self) -> int:
            return self.docs

        def segment_id(self) -> str:
            return self.sid

    small = [Seg(500, f"s{i}") for i in range(n)]
    big = [Seg(12_000, f"b{i}") for i in range(3)]
    group = merges.merge_group(small + big)
    assert len(group) == (merges.MERGE_FACTOR if n >= merges.MERGE_FACTOR else 0)
    assert all(s.docs == 500 for s in group)
    assert merges.merge_group(big * 4)[:1] == big[:1]  # twelve of the 12k tier: ten of them merge


def _private_whoosh_names(source: str, public) -> list[str]:
    """The whoosh names `source` imports (or reaches through an imported whoosh module, as in
    `wq.Name`) that `public(module, name)` refuses, as "module.name"."""
    import ast

    tree = ast.parse(source)
    found: list[str] = []
    modules: dict[str, str] = {}  # local name -> the whoosh module (or name) it is bound to

    def check(module: str, name: str) -> None:
        if not public(module, name):
            found.append(f"{module}.{name}")

    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "whoosh":
                    parts = alias.name.split(".")
                    for i in range(1, len(parts)):
                        check(".".join(parts[:i]), parts[i])
                    modules[alias.asname or "whoosh"] = alias.name if alias.asname else "whoosh"
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            if node.module.split(".")[0] == "whoosh":
                for alias in node.names:
                    check(node.module, alias.name)
                    modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    inner = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):  # wq.Term, whoosh_index.open_dir, whoosh.query.Term ... (whole chains)
        if id(node) in inner:
            continue
        chain: list[str] = []
        while isinstance(node, ast.Attribute):
            chain.insert(0, node.attr)
            node = node.value
        if not chain or not isinstance(node, ast.Name) or node.id not in modules:
            continue
        module = modules[node.id]
        for attr in chain:
            if not public.is_module(module):
                break
            check(module, attr)
            module = f"{module}.{attr}"
    return found


def test_whoosh_names_outside_its_documented_api_are_imported_only_through_compat():
    """index/search/compat.py is the one module of the package importing whoosh's private or
    undocumented names, each with why; every other module imports from whoosh only what
    compat.PUBLIC_WHOOSH lists, and anything else from compat, which re-exports it."""
    import ast

    from srefind.index.search import compat

    allowed = compat.PUBLIC_WHOOSH

    class Public:
        def __call__(self, module: str, name: str) -> bool:
            names = allowed.get(module, frozenset())
            return not name.startswith("_") and (names is None or name in names)

        @staticmethod
        def is_module(module: str) -> bool:
            return module in allowed

    public = Public()
    # The checker itself: what it must refuse and what it must let through.
    assert _private_whoosh_names("from whoosh.codec.whoosh3 import W3Codec", public) == ["whoosh.codec.whoosh3.W3Codec"]
    assert _private_whoosh_names("from whoosh.system import _LONG_SIZE", public) == ["whoosh.system._LONG_SIZE"]
    assert _private_whoosh_names("from whoosh.index import TOC, open_dir", public) == ["whoosh.index.TOC"]
    assert _private_whoosh_names("from whoosh import query as wq\nwq.Term\nwq.wrappers.WrappingQuery", public) \
        == ["whoosh.query.wrappers"]
    assert _private_whoosh_names("import whoosh.matching", public) == ["whoosh.matching"]
    assert _private_whoosh_names("def f():\n    from whoosh.reading import SegmentReader", public) \
        == ["whoosh.reading.SegmentReader"]
    assert _private_whoosh_names("from whoosh.fields import TEXT\nfrom whoosh import index as i\ni.open_dir", public) == []

    package = Path(compat.__file__).parent
    modules = sorted(package.glob("*.py"))
    assert len(modules) > 10 and package / "compat.py" in modules
    outside = {p.name: _private_whoosh_names(p.read_text(encoding="utf-8"), public)
               for p in modules if p.name != "compat.py"}
    assert {name: found for name, found in outside.items() if found} == {}

    # compat re-exports every whoosh name it imports, and __all__ names only what it has.
    bound = set()
    for node in ast.walk(ast.parse((package / "compat.py").read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and not node.level and (node.module or "").split(".")[0] == "whoosh":
            bound |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            bound |= {alias.asname or alias.name.split(".")[0] for alias in node.names
                      if alias.name.split(".")[0] == "whoosh"}
    assert len(bound) > 20
    assert bound - set(compat.__all__) == set()
    assert [name for name in compat.__all__ if not hasattr(compat, name)] == []
