"""Lexicon data for the tagger and the search box: companies, topic terms, query synonyms.

Three hand-edited data files ship in ``srefind/data``:

``companies.tsv``
    One organisation per line: canonical name, then aliases, TAB-separated. A name
    prefixed with ``?`` is *weak* (also an English word, a product name or a short
    acronym: ``?Slack``, ``?Jet``); the tagger counts a weak name only with supporting
    evidence. A ``?`` on the canonical name makes the name itself weak. ``#`` comment
    lines and blank lines are ignored. Each name, compared case-insensitively, belongs
    to one organisation.

``topics.toml``
    One table per topic::

        [topics.tracing]
        label = "Distributed tracing"
        strong = ["distributed tracing", "zipkin"]   # alone, the topic is discussed
        weak = ["span", "trace id"]                   # suggestive only
        negative = ["stack trace"]                    # phrases that must not count

    Terms are lower-case words or phrases matched against lower-cased, tokenized text
    by whole tokens; inflected variants are listed explicitly.

``synonyms.txt``
    One group of equivalent query terms per line, members separated by ``=``
    (``k8s = kubernetes = k8``). Members are lower-cased; ``#`` lines are comments.

Every loader takes an explicit ``path`` (``None`` = the shipped file) and an optional
``extra_dir``: a directory where a user may keep their own ``companies.tsv``,
``topics.toml`` and/or ``synonyms.txt`` in the same formats. A file present there is
merged over the base file:

* companies: a line whose canonical name already exists adds aliases to that company
  (re-listing an alias with or without ``?`` changes its strength; a ``?`` on the name
  makes it weak); any other line adds a company.
* topics: a table for an existing id adds terms (a term moves to the list the user file
  puts it in) and may replace the label; a new id adds a topic (``label`` required).
* synonyms: a group sharing a member with shipped groups is united with them; otherwise
  it is added.

Every problem in a data file raises :class:`LexiconError`, whose message starts with
``<file>:<line>:``, e.g. ``companies.tsv:42: empty canonical name``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from srefind.errors import SrefindError

__all__ = [
    "Company",
    "Topic",
    "LexiconError",
    "COMPANIES_FILE",
    "TOPICS_FILE",
    "SYNONYMS_FILE",
    "data_file",
    "load_companies",
    "load_topics",
    "load_synonyms",
    "company_index",
    "synonym_index",
]

COMPANIES_FILE = "companies.tsv"
TOPICS_FILE = "topics.toml"
SYNONYMS_FILE = "synonyms.txt"
FIRST_NAMES_FILE = "first_names.txt"  # shipped only: given names, for telling speakers from title words

PathLike = str | Path
_Source = Path | Traversable

WEAK_PREFIX = "?"
_TOPIC_KEYS = ("label", "strong", "weak", "negative")
_TERM_KINDS = ("strong", "weak", "negative")
_TOPIC_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


# --------------------------------------------------------------------------- types


@dataclass(frozen=True)
class Company:
    """An organisation: canonical display name plus the names a text may use for it.

    ``aliases`` are strong names other than ``name``; ``weak_aliases`` are the weak
    names and include ``name`` itself when the canonical name is weak.
    """

    name: str
    aliases: tuple[str, ...] = ()
    weak_aliases: tuple[str, ...] = ()

    @property
    def name_is_weak(self) -> bool:
        """True when the canonical name alone is only weak evidence (``?Slack``)."""
        return self.name in self.weak_aliases

    @property
    def surface_forms(self) -> tuple[tuple[str, bool], ...]:
        """Every name to look for, as ``(spelling, is_weak)``, canonical name first."""
        forms = [(self.name, self.name_is_weak)]
        forms += [(a, False) for a in self.aliases]
        forms += [(a, True) for a in self.weak_aliases if a != self.name]
        return tuple(forms)


@dataclass(frozen=True)
class Topic:
    """A taxonomy topic with the lower-case terms that indicate it."""

    id: str
    label: str
    strong: tuple[str, ...] = ()
    weak: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()

    @property
    def terms(self) -> tuple[str, ...]:
        """Strong then weak terms (the ones that count towards the topic)."""
        return self.strong + self.weak


class LexiconError(SrefindError, ValueError):
    """A malformed data file. ``str(err)`` is ``"<file>:<line>: <reason>"``; the CLI exits 2."""

    exit_code = 2

    def __init__(self, path: object, line: int | None, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{where}: {reason}")


# --------------------------------------------------------------------------- files


def data_file(name: str) -> Traversable:
    """The shipped data file ``srefind/data/<name>``."""
    return resources.files("srefind") / "data" / name


def _source(path: PathLike | None, default: str) -> _Source:
    return data_file(default) if path is None else Path(path)


def _read(src: _Source) -> str:
    try:
        raw = src.read_bytes()
    except OSError as exc:
        raise LexiconError(src, None, f"cannot read file: {exc.strerror or exc}") from exc
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LexiconError(src, line, "not valid UTF-8") from exc


def _extra(extra_dir: PathLike | None, name: str) -> Path | None:
    """The user's override file in ``extra_dir``, or None when there is none."""
    if extra_dir is None:
        return None
    d = Path(extra_dir)
    if not d.is_dir():
        raise LexiconError(d, None, "extra_dir is not a directory")
    p = d / name
    return p if p.is_file() else None


class _Table(Protocol):
    """Entries being assembled from a base file and, merged over it, the user's file."""

    def add_file(self, src: _Source, text: str, *, overlay: bool) -> None: ...


_TableT = TypeVar("_TableT", bound=_Table)


def _load(name: str, path: PathLike | None, extra_dir: PathLike | None, table: _TableT) -> _TableT:
    """What every loader does: read the base file (``path``, None = the shipped ``name``) into
    ``table``, then ``extra_dir/name`` when the user has one, merged over it (``overlay=True``).

    A file that cannot be read or is not UTF-8, and an ``extra_dir`` that is not a directory,
    raise LexiconError here; ``table.add_file`` raises it for what is wrong inside a file.
    """
    src = _source(path, name)
    table.add_file(src, _read(src), overlay=False)
    extra = _extra(extra_dir, name)
    if extra is not None:
        table.add_file(extra, _read(extra), overlay=True)
    return table


def tagging_files_digest(extra_dir: PathLike | None = None) -> str:
    """A digest of the data files tagging reads (companies and topics, shipped and the user's):
    part of the fingerprint that says whether stored pages need analysing again."""
    import hashlib

    h = hashlib.sha256()
    h.update(data_file(FIRST_NAMES_FILE).read_bytes())
    for name in (COMPANIES_FILE, TOPICS_FILE):
        h.update(data_file(name).read_bytes())
        extra = _extra(extra_dir, name) if extra_dir is not None and Path(extra_dir).is_dir() else None
        h.update(b"\0" + (extra.read_bytes() if extra else b""))
    return h.hexdigest()


def load_first_names() -> frozenset[str]:
    """The shipped given names, lower case (see the file's header for where they come from)."""
    text = data_file(FIRST_NAMES_FILE).read_text(encoding="utf-8")
    return frozenset(line for _, line in _lines(text))


def _lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) for the non-blank, non-comment lines of ``text``."""
    out = []
    for n, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            out.append((n, line))
    return out


def _norm_term(s: str) -> str:
    return " ".join(s.split()).lower()


# --------------------------------------------------------------------------- companies


class _CompanyTable:
    """Companies being assembled from one or more files, with a case-insensitive index."""

    def __init__(self) -> None:
        self.forms: dict[str, dict[str, bool]] = {}  # canonical -> {spelling: weak}
        self.defined: dict[str, tuple[str, int]] = {}  # canonical -> (file, line)
        self.owner: dict[str, tuple[str, str, int]] = {}  # casefold -> (canonical, file, line)

    def add_file(self, src: _Source, text: str, *, overlay: bool) -> None:
        fname = str(src)
        for n, line in _lines(text):
            fields = [self._field(f, src, n, i) for i, f in enumerate(line.rstrip().split("\t"))]
            (name, name_weak), aliases = fields[0], fields[1:]
            self._add_line(src, fname, n, name, name_weak, aliases, overlay)

    @staticmethod
    def _field(raw: str, src: _Source, n: int, col: int) -> tuple[str, bool]:
        what = "canonical name" if col == 0 else f"alias (column {col + 1})"
        text = raw.strip()
        weak = text.startswith(WEAK_PREFIX)
        if weak:
            text = text[len(WEAK_PREFIX):].strip()
        if not text:
            raise LexiconError(src, n, f"empty {what}")
        if re.search(r" {2,}", text):
            raise LexiconError(
                src, n, f"{what} {text!r} contains a run of spaces: separate names with a TAB"
            )
        return text, weak

    def _claim(self, src: _Source, fname: str, n: int, form: str, company: str) -> None:
        key = form.casefold()
        prev = self.owner.get(key)
        if prev is None:
            self.owner[key] = (company, fname, n)
        elif prev[0] != company:
            other, pfile, pline = prev
            raise LexiconError(
                src, n, f"{form!r} is already a name of {other!r} ({Path(pfile).name}:{pline})"
            )

    def _add_line(
        self,
        src: _Source,
        fname: str,
        n: int,
        name: str,
        name_weak: bool,
        aliases: list[tuple[str, bool]],
        overlay: bool,
    ) -> None:
        if name in self.forms:
            dfile, dline = self.defined[name]
            if not overlay or dfile == fname:
                raise LexiconError(
                    src, n, f"duplicate canonical name {name!r} (first on line {dline})"
                )
            forms = self.forms[name]
            if name_weak:
                forms[name] = True
        else:
            self._claim(src, fname, n, name, name)
            self.forms[name] = forms = {name: name_weak}
            self.defined[name] = (fname, n)
        seen_here: dict[str, bool] = {name: name_weak}
        for alias, weak in aliases:
            if alias in seen_here and seen_here[alias] != weak:
                raise LexiconError(src, n, f"{alias!r} is listed both as a weak and a strong name")
            seen_here[alias] = weak
            self._claim(src, fname, n, alias, name)
            forms[alias] = weak

    def companies(self) -> list[Company]:
        out = []
        for name, forms in self.forms.items():
            strong = tuple(f for f, w in forms.items() if not w and f != name)
            weak = tuple(f for f, w in forms.items() if w)
            out.append(Company(name=name, aliases=strong, weak_aliases=weak))
        return out


def load_companies(
    path: PathLike | None = None, *, extra_dir: PathLike | None = None
) -> list[Company]:
    """Load the company gazetteer (``path`` None = shipped file), in file order.

    ``extra_dir/companies.tsv``, when present, is merged over it (see module docstring).
    Raises LexiconError for empty fields, duplicate canonical names, a name claimed by
    two companies, and a name listed both weak and strong on one line.
    """
    return _load(COMPANIES_FILE, path, extra_dir, _CompanyTable()).companies()


def company_index(companies: list[Company]) -> dict[str, tuple[str, bool]]:
    """Map each case-folded name to ``(canonical name, is_weak)``.

    A case-folded key is weak only when every spelling that folds to it is weak.
    """
    index: dict[str, tuple[str, bool]] = {}
    for c in companies:
        for form, weak in c.surface_forms:
            key = form.casefold()
            if key in index:
                weak = weak and index[key][1]
            index[key] = (c.name, weak)
    return index


# --------------------------------------------------------------------------- topics

_TOML_POS_RE = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")
_TOML_END_RE = re.compile(r"\s*\(at end of document\)\s*$")
_HEADER_RE = re.compile(r"^\s*\[\s*([^\[\]#]+?)\s*\]\s*(?:#.*)?$")


def _header_name(line: str) -> str | None:
    m = _HEADER_RE.match(line)
    if not m:
        return None
    return ".".join(part.strip().strip("\"'").strip() for part in m.group(1).split("."))


class _TomlLocator:
    """Best-effort line numbers for semantic errors (tomllib reports only syntax errors)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def section(self, name: str) -> tuple[int, int] | None:
        """(first, last) 1-based line range of table ``[name]``."""
        start = None
        for i, line in enumerate(self.lines, start=1):
            header = _header_name(line)
            if header is None:
                continue
            if start is not None:
                return start, i - 1
            if header == name:
                start = i
        return (start, len(self.lines)) if start is not None else None

    def find(self, table: str | None, key: str | None = None, needle: str | None = None) -> int:
        if table is None:
            rng = (1, len(self.lines))
            for i, line in enumerate(self.lines, start=1):
                if _header_name(line) is not None:
                    rng = (1, i - 1)
                    break
        else:
            found = self.section(table)
            if found is None:
                return self._anywhere(table.rsplit(".", 1)[-1])
            rng = found
        first, last = rng
        line_no = first
        if key is not None:
            key_re = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
            for i in range(first, last + 1):
                if key_re.match(self.lines[i - 1]):
                    line_no = first = i
                    break
        if needle is not None:
            quoted = [f'"{needle}"', f"'{needle}'"]
            for i in range(first, last + 1):
                low = self.lines[i - 1].lower()
                if any(q in low for q in quoted):
                    return i
        return line_no

    def _anywhere(self, word: str) -> int:
        for i, line in enumerate(self.lines, start=1):
            if word in line:
                return i
        return 1

    def top_level_key(self, key: str) -> int:
        for i, line in enumerate(self.lines, start=1):
            header = _header_name(line)
            if header is not None and header.split(".")[0] == key:
                return i
            if re.match(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*[.=]", line):
                return i
        return 1


def _parse_toml(src: _Source, text: str) -> tuple[dict[str, Any], _TomlLocator]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = _TOML_POS_RE.search(msg)
        if m:
            line = int(m.group(1))
            reason = f"malformed TOML: {msg[: m.start()]} (column {m.group(2)})"
        else:
            line = max(1, len(text.splitlines()))
            reason = f"malformed TOML: {_TOML_END_RE.sub('', msg)}"
        raise LexiconError(src, line, reason) from exc
    return data, _TomlLocator(text)


class _TopicTable:
    def __init__(self) -> None:
        self.labels: dict[str, str] = {}
        self.terms: dict[str, dict[str, list[str]]] = {}  # id -> kind -> terms

    def add_file(self, src: _Source, text: str, *, overlay: bool) -> None:
        data, loc = _parse_toml(src, text)
        for key in data:
            if key != "topics":
                reason = f"unknown key {key!r} (expected [topics.<id>] tables)"
                raise LexiconError(src, loc.top_level_key(key), reason)
        topics = data.get("topics", {})
        if not isinstance(topics, dict):
            reason = "'topics' must be a table of [topics.<id>] tables"
            raise LexiconError(src, loc.top_level_key("topics"), reason)
        if not topics and not overlay:
            raise LexiconError(src, 1, "no [topics.<id>] tables")
        for tid, table in topics.items():
            self._add_topic(src, loc, tid, table, overlay)

    def _add_topic(
        self, src: _Source, loc: _TomlLocator, tid: str, table: Any, overlay: bool
    ) -> None:
        section = f"topics.{tid}"
        header = loc.find(section)

        def fail(line: int, reason: str) -> LexiconError:
            return LexiconError(src, line, f"[topics.{tid}] {reason}")

        if not _TOPIC_ID_RE.match(tid):
            raise fail(header, "bad topic id: use lower-case letters, digits and '-'")
        if not isinstance(table, dict):
            raise fail(header, "must be a table")
        for key in table:
            if key not in _TOPIC_KEYS:
                allowed = ", ".join(_TOPIC_KEYS)
                raise fail(loc.find(section, key), f"unknown key {key!r} (allowed: {allowed})")
        label = table.get("label")
        if label is not None and (not isinstance(label, str) or not label.strip()):
            raise fail(loc.find(section, "label"), "label must be a non-empty string")
        new_terms: dict[str, list[str]] = {}
        owner: dict[str, str] = {}
        for kind in _TERM_KINDS:
            value = table.get(kind, [])
            if not isinstance(value, list):
                raise fail(loc.find(section, kind), f"{kind} must be a list of strings")
            terms: list[str] = []
            for raw in value:
                if not isinstance(raw, str):
                    raise fail(loc.find(section, kind), f"{kind}: {raw!r} is not a string")
                term = _norm_term(raw)
                if not term:
                    raise fail(loc.find(section, kind, ""), f"{kind}: empty term")
                if term in owner and owner[term] != kind:
                    raise fail(
                        loc.find(section, kind, term),
                        f"term {term!r} is in both {owner[term]} and {kind}",
                    )
                owner[term] = kind
                if term not in terms:
                    terms.append(term)
            new_terms[kind] = terms

        if tid in self.terms and overlay:
            merged = self.terms[tid]
            for kind, terms in new_terms.items():
                for term in terms:
                    for other in _TERM_KINDS:
                        if other != kind and term in merged[other]:
                            merged[other].remove(term)
                    if term not in merged[kind]:
                        merged[kind].append(term)
            if label is not None:
                self.labels[tid] = label.strip()
        else:  # a new topic (a repeated id within one file is already a TOML error)
            if label is None:
                raise fail(header, "has no label")
            self.labels[tid] = label.strip()
            self.terms[tid] = new_terms
        if not (self.terms[tid]["strong"] or self.terms[tid]["weak"]):
            raise fail(header, "has no terms (needs strong or weak)")

    def topics(self) -> list[Topic]:
        return [
            Topic(
                id=tid,
                label=self.labels[tid],
                strong=tuple(t["strong"]),
                weak=tuple(t["weak"]),
                negative=tuple(t["negative"]),
            )
            for tid, t in self.terms.items()
        ]


def load_topics(
    path: PathLike | None = None, *, extra_dir: PathLike | None = None
) -> list[Topic]:
    """Load topic definitions (``path`` None = shipped file), in file order.

    ``extra_dir/topics.toml``, when present, is merged over it (see module docstring).
    Raises LexiconError for malformed TOML, unknown keys, a missing label, a topic
    without strong or weak terms, empty or non-string terms, and a term listed in two
    of strong/weak/negative of one topic.
    """
    return _load(TOPICS_FILE, path, extra_dir, _TopicTable()).topics()


# --------------------------------------------------------------------------- synonyms


def _parse_synonyms(src: _Source, text: str) -> list[tuple[int, list[str]]]:
    groups: list[tuple[int, list[str]]] = []
    seen: dict[str, int] = {}
    for n, line in _lines(text):
        members: list[str] = []
        for raw in line.split("="):
            term = _norm_term(raw)
            if not term:
                raise LexiconError(src, n, "empty synonym (check for a stray '=')")
            if term in members:
                continue
            if term in seen:
                reason = f"{term!r} is already in the group on line {seen[term]}"
                raise LexiconError(src, n, reason)
            members.append(term)
        if len(members) < 2:
            reason = "a synonym group needs at least two different members separated by '='"
            raise LexiconError(src, n, reason)
        for term in members:
            seen[term] = n
        groups.append((n, members))
    return groups


class _SynonymGroups:
    """Synonym groups being assembled: a user's group is united with the groups it shares a
    member with, or else appended."""

    def __init__(self) -> None:
        self.groups: list[list[str]] = []

    def add_file(self, src: _Source, text: str, *, overlay: bool) -> None:
        for _, members in _parse_synonyms(src, text):
            if overlay:
                self._unite(members)
            else:  # one file's groups share no member (_parse_synonyms checks)
                self.groups.append(members)

    def _unite(self, members: list[str]) -> None:
        groups = self.groups
        hits = [i for i, g in enumerate(groups) if any(m in g for m in members)]
        if not hits:
            groups.append(members)
            return
        united = groups[hits[0]]
        for i in hits[1:]:
            united.extend(m for m in groups[i] if m not in united)
        united.extend(m for m in members if m not in united)
        for i in reversed(hits[1:]):
            del groups[i]

    def tuples(self) -> list[tuple[str, ...]]:
        return [tuple(g) for g in self.groups]


def load_synonyms(
    path: PathLike | None = None, *, extra_dir: PathLike | None = None
) -> list[tuple[str, ...]]:
    """Load query synonym groups as lower-cased tuples (``path`` None = shipped file).

    ``extra_dir/synonyms.txt``, when present, is merged: a user group that shares a
    member with existing groups is united with them, otherwise it is appended.
    Raises LexiconError for a group with fewer than two members, an empty member, and
    a member that appears in two groups of one file.
    """
    return _load(SYNONYMS_FILE, path, extra_dir, _SynonymGroups()).tuples()


def synonym_index(groups: list[tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    """Map each member to its whole group (including itself)."""
    return {member: group for group in groups for member in group}
