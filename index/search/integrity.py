"""What a committed generation of the index holds, written before its table of contents and
checked by every reader that opens it.

Whoosh's files carry no checksums: a truncated or missing segment file shows up later as an
odd exception deep inside a search, or as a wrong answer. So every commit first writes a small
manifest, `srefind-gen-N.json`, with the size of each file the generation's segments own; a
reader opening generation N compares sizes (one `stat` a file) and refuses a generation that
does not match, naming the damage. Whoosh's clean-up never touches these files (their names
match neither its TOC nor its segment patterns); the writer removes older manifests itself.

An index written before manifests existed has none: it is opened as it is (Whoosh's own errors
are the only check) until its next commit writes one.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

MANIFEST_RE = re.compile(r"^srefind-gen-(\d+)\.json$")


def manifest_name(generation: int) -> str:
    return f"srefind-gen-{generation}.json"


def write_manifest(storage, generation: int, segments) -> None:
    """Record the files of `segments` with their sizes, atomically, for `generation`; then drop
    the manifests of older generations (their TOCs are removed by the same commit)."""
    folder = Path(storage.folder)
    files: dict[str, int] = {}
    listing = list(storage.list())
    for seg in segments:
        prefix = f"{seg.segment_id()}."
        for name in listing:
            if name.startswith(prefix):
                files[name] = storage.file_length(name)
    tmp = folder / f".{manifest_name(generation)}.tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"generation": generation, "files": files}, f, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, folder / manifest_name(generation))
    for name in listing:
        m = MANIFEST_RE.match(name)
        if m and int(m.group(1)) < generation:
            try:
                os.unlink(folder / name)
            except FileNotFoundError:
                pass


@dataclass
class Check:
    """The outcome of comparing a generation's files with its manifest."""

    problems: list[str]
    checked: bool  # False: the generation has no manifest (an index from an older srefind)

    @property
    def ok(self) -> bool:
        return not self.problems


def check_generation(folder: str | Path, generation: int, sizes: dict[str, int] | None = None) -> Check:
    """Every file the manifest of `generation` lists is there with its size. `sizes`: a listing
    already taken (name -> size), else the folder is stat-ed."""
    path = Path(folder) / manifest_name(generation)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = dict(data["files"])
    except FileNotFoundError:
        return Check([], checked=False)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return Check([f"its manifest {path.name} is unreadable ({type(exc).__name__})"], checked=True)
    problems = []
    for name, size in sorted(files.items()):
        if sizes is not None:
            actual = sizes.get(name)
        else:
            try:
                actual = os.stat(Path(folder) / name).st_size
            except FileNotFoundError:
                actual = None
        if actual is None:
            problems.append(f"segment file {name} is missing")
        elif actual != size:
            problems.append(f"segment file {name} has {actual} bytes instead of {size}")
    return Check(problems, checked=True)
