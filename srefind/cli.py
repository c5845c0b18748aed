"""The `srefind` command line: tables for people, `--json` for scripts, one-line errors.

Exit codes: 0 ok, 1 finished with page errors (or a runtime error), 2 configuration or usage
error, 75 another crawl holds the data dir (EX_TEMPFAIL).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import sqlite3
import sys
import time
from pathlib import Path

import click
from rich.table import Table

from .backend import DEFAULT_BACKEND
from .config import existing_data_dir, load_config, load_settings, resolve_data_dir
from .errors import DataDirError, IndexLockedError, SrefindError, UsageError
from .facet_table import FACETS, SORTS
from .terminal import SafeConsole, printable

# markup=False: titles, speakers and snippets are crawled text, and "[/]" in one must print as itself;
# SafeConsole: and an ESC sequence in one is shown, not obeyed.
out = SafeConsole(highlight=False, soft_wrap=False, markup=False)
err = SafeConsole(stderr=True, highlight=False, markup=False)


class Group(click.Group):
    """Turns every SrefindError into one line on stderr and its exit code: never a traceback."""

    def invoke(self, ctx: click.Context):
        # the command's own arguments, read before click hands them to the command: a `--json`
        # among them asks for JSON on stdout, an error included
        wants_json = "--json" in [*ctx.args, *getattr(ctx, "_protected_args", ())]
        try:
            return super().invoke(ctx)
        except click.ClickException as exc:  # a usage error: with JSON logs, a JSON line too
            if not _json_logs(ctx):
                raise
            from .logs import json_error

            click.echo(json_error(exc.format_message(), kind="UsageError", exit_code=exc.exit_code), err=True)
            sys.exit(exc.exit_code)
        except SrefindError as exc:
            if _json_logs(ctx):
                from .logs import json_error

                click.echo(json_error(str(exc), kind=type(exc).__name__, exit_code=exc.exit_code), err=True)
            else:
                click.echo(f"srefind: error: {printable(str(exc))}", err=True)
            if wants_json:
                click.echo(json.dumps({"error": str(exc), "kind": type(exc).__name__, "exit_code": exc.exit_code}))
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("srefind: interrupted", err=True)
            sys.exit(130)
        except BrokenPipeError:  # `srefind export | head`: the reader left, nothing to report
            sys.stderr.close()
            sys.exit(0)
        except OSError as exc:
            where = f": {exc.filename}" if exc.filename else ""
            click.echo(f"srefind: error: {exc.strerror or exc}{where}{_os_fix(exc)}", err=True)
            sys.exit(1)
        except sqlite3.Error as exc:
            click.echo(f"srefind: error: crawl.sqlite: {exc}{_sqlite_fix(exc)}", err=True)
            sys.exit(1)


def _json_logs(ctx: click.Context) -> bool:
    return ctx.params.get("log_format") == "json"


def _os_fix(exc: OSError) -> str:
    """What to do about an OS error a command can meet in a data dir."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return " (the disk is full: free some space and run the command again; nothing already committed is lost)"
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return " (the data dir is not writable here: run as its owner, or pass another --data-dir)"
    return ""


def _sqlite_fix(exc: sqlite3.Error) -> str:
    msg = str(exc).lower()
    if "full" in msg:
        return " (the disk is full: free some space and run the command again; nothing already committed is lost)"
    if "readonly" in msg or "read-only" in msg or "unable to open" in msg:
        return " (the data dir is not writable here: run as its owner, or pass another --data-dir)"
    if "malformed" in msg or "not a database" in msg:
        return " (the crawl state is damaged: restore it from a backup, or move it away and crawl again)"
    if "locked" in msg:
        return " (another process holds it: try again when it has finished)"
    return ""


data_dir_option = click.option(
    "--data-dir", type=click.Path(file_okay=False), default=None,
    help="Where srefind keeps its crawl state and index (default: $SREFIND_DATA_DIR, else the per-user data dir).",
)
config_option = click.option("--config", type=click.Path(dir_okay=False), default=None,
                             help="A TOML config file (default: the shipped one); [index] backend picks the index.")


def _backend_name(config: str | None) -> str:
    """The [index] backend setting of the config (default: the shipped one's)."""
    return load_settings(config).index.backend


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="srefind")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", envvar="SREFIND_LOG_FORMAT",
              help="json: one object a line, for journald and log shippers.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default=None,
              envvar="SREFIND_LOG_LEVEL", help="Default: error; info with --log-format json (the run summaries).")
def main(log_format: str, log_level: str | None) -> None:
    """srefind: search what was said at SREcon.

    Exit codes: 0 ok; 1 finished with page errors, or failed; 2 configuration or usage error;
    75 another crawl holds the data dir (try again later).
    """
    from .logs import configure

    configure(log_format, log_level or ("info" if log_format == "json" else "error"))


def _progress_printer(enabled: bool):
    """A live progress bar on stderr (fetched against fetched + queued, pages/s, queue) on a terminal."""
    if not enabled or not err.is_terminal:
        return None, None
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(
        SpinnerColumn(), TextColumn("crawling"), BarColumn(), TextColumn("{task.completed} fetched"),
        TextColumn("· {task.fields[rate]:.1f} pages/s · {task.fields[queued]} queued · {task.fields[entries]} talks"
                   " · {task.fields[errors]} errors"),
        TimeElapsedColumn(), console=err, transient=True,
    )
    task = progress.add_task("crawl", total=None, rate=0.0, queued=0, entries=0, errors=0)
    start = time.monotonic()

    def update(stats, queued: int) -> None:
        progress.update(task, completed=stats.fetched, total=stats.fetched + queued,
                        rate=stats.fetched / max(1e-6, time.monotonic() - start), queued=queued,
                        entries=stats.entries, errors=sum(stats.errors.values()))

    return progress, update


EXIT_DEADLINE = 3  # --max-duration ran out: the frontier is saved and the next run resumes it

_DURATION_RE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([smhd]?)\s*", re.ASCII)


def parse_duration(text: str) -> float:
    """Seconds from "90", "90s", "30m", "2h" or "1d" (ASCII digits only)."""
    m = _DURATION_RE.fullmatch(text)
    if not m or len(m.group(1)) > 12:
        raise click.BadParameter(f"{text!r}: expected a duration such as 90s, 30m or 2h", param_hint="--max-duration")
    seconds = float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]
    if seconds <= 0:
        raise click.BadParameter("must be more than 0", param_hint="--max-duration")
    return seconds


def _crawl(seeds: tuple[str, ...], config: str | None, data_dir: str | None, delay: float | None,
           as_json: bool, command: str, requeue: bool, full: bool = False, max_duration: str | None = None) -> None:
    from .pipeline import run_crawl

    settings = load_settings(config)
    cfg = settings.crawl
    if delay is not None:
        if delay < 0:
            raise click.BadParameter("must be >= 0", param_hint="--delay")
        cfg.delay = delay
    if max_duration is not None:
        cfg.max_duration = parse_duration(max_duration)
    path = resolve_data_dir(data_dir)
    seed_list = list(seeds) if (seeds or requeue) else cfg.seeds
    if not seed_list and not requeue:
        raise UsageError("no seeds: pass SEED_URL arguments or set [crawl] seeds in the config")
    bad = [s for s in seed_list if not s.startswith(("http://", "https://")) or len(s) < 10]
    if bad:
        raise UsageError(f"not an http(s) URL: {bad[0]!r} (a seed is a page to start from, e.g. https://example.org/)")
    live, update = _progress_printer(not as_json)
    if live:
        live.start()
    try:
        stats = run_crawl(cfg, path, seed_list, command=command, on_progress=update, requeue=requeue, full=full,
                          backend_name=settings.index.backend)
    finally:
        if live:
            live.stop()
    report = stats.to_dict()
    report["data_dir"] = str(path)
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        table = Table(title=f"{command} finished in {report['seconds']} s", show_header=False)
        for key in ("fetched", "new", "changed", "unchanged", "gone", "kept_despite_gone", "duplicates", "not_html",
                    "robots_skipped",
                    "off_scope_links", "trap_skipped", "entries", "upgraded", "retagged", "entries_changed",
                    "indexed_pages", "pages_per_second"):
            table.add_row(key.replace("_", " "), str(report[key]))
        if report["index_rebuilt"]:
            table.add_row("index rebuilt from crawl.sqlite", report["index_rebuilt"])
        if report["stopped_at_deadline"]:
            table.add_row("stopped at --max-duration", "the rest stays queued: the next run resumes it")
        for name in report["origins_suspect"]:
            table.add_row("origin looks broken (nothing deleted)", name)
        for kind, n in sorted(report["errors"].items()):
            table.add_row(f"errors: {kind}", str(n))
        table.add_row("data dir", str(path))
        out.print(table)
    if stats.stopped_at_deadline:
        sys.exit(EXIT_DEADLINE)
    if stats.errors:
        sys.exit(1)


MAX_DURATION_HELP = ("Stop the run after this long (90s, 30m, 2h): requests in flight finish, the rest stays queued "
                     f"and the next run resumes it; exit code {EXIT_DEADLINE}.")


@main.command()
@click.argument("seeds", nargs=-1)
@click.option("--config", type=click.Path(dir_okay=False), default=None, help="A TOML config file (default: the shipped one).")
@data_dir_option
@click.option("--delay", type=float, default=None, help="Seconds between requests to one origin (overrides the config).")
@click.option("--max-duration", default=None, metavar="DURATION", help=MAX_DURATION_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def crawl(seeds, config, data_dir, delay, max_duration, as_json) -> None:
    """Crawl from SEED_URLs (default: the config's seeds), then tag and index."""
    _crawl(seeds, config, data_dir, delay, as_json, "crawl", requeue=False, max_duration=max_duration)


@main.command()
@click.option("--config", type=click.Path(dir_okay=False), default=None, help="A TOML config file (default: the shipped one).")
@data_dir_option
@click.option("--delay", type=float, default=None, help="Seconds between requests to one origin.")
@click.option("--full", is_flag=True, help="Revisit every known URL, not only those due.")
@click.option("--max-duration", default=None, metavar="DURATION", help=MAX_DURATION_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def recrawl(config, data_dir, delay, full, max_duration, as_json) -> None:
    """The nightly job: revisit known URLs with conditional GETs, find new pages, drop gone ones.

    Pages that rarely change are revisited less often (between 20 hours and 30 days); sitemaps,
    feeds and listing pages every time.
    """
    existing_data_dir(data_dir)
    _crawl((), config, data_dir, delay, as_json, "recrawl", requeue=True, full=full, max_duration=max_duration)


def _parse_facets(pairs: tuple[str, ...]) -> dict[str, list[str]]:
    filters: dict[str, list[str]] = {}
    for pair in pairs:
        field, sep, value = pair.partition("=")
        if not sep or field not in FACETS or not value:
            raise click.BadParameter(f"{pair!r}: expected FIELD=VALUE with FIELD one of {', '.join(FACETS)}",
                                     param_hint="--facet")
        filters.setdefault(field, []).append(value)
    return filters


def _backend(data_dir: str | None, config: str | None):
    """The data dir's search backend, opened now: a missing or damaged index is a clear error here."""
    from .backend import open_backend
    from .config import DataPaths
    from .errors import IndexUnavailableError
    from .health import explain

    paths = DataPaths(existing_data_dir(data_dir))
    try:
        return open_backend(paths.root, _backend_name(config), lexicon_dir=paths.lexicon, lazy=False)
    except IndexUnavailableError as exc:
        raise DataDirError(explain(paths, exc)) from None


class WholeNumber(click.ParamType):
    """A whole number in ASCII digits within [lo, hi] (click's int() takes "٣"; "²" is no number)."""

    name = "integer"

    def __init__(self, lo: int, hi: int) -> None:
        self.lo, self.hi = lo, hi

    def convert(self, value, param, ctx) -> int:
        """A QueryError (a usage error, exit 2) reaches Group.invoke: one line, no usage dump."""
        from .backend import whole_number

        if isinstance(value, int):
            return value
        return whole_number(f"--{param.name}" if param else "value", str(value), self.lo, self.hi)


@main.command()
@click.argument("query", nargs=-1)
@click.option("--facet", "facets", multiple=True, metavar="FIELD=VALUE", help="Filter; repeat for OR within a field.")
@click.option("--limit", type=WholeNumber(1, 100), default=10, show_default=True, help="Results per page.")
@click.option("--page", type=WholeNumber(1, 10_000), default=1, show_default=True, help="Which page of results.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True,
              help="relevance (BM25F), or newest or oldest first.")
@click.option("--writeups", is_flag=True,
              help="Every write-up on its own, instead of one result per talk with its write-ups.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object (as /api/search answers).")
@data_dir_option
@config_option
def search(query, facets, limit, page, sort, writeups, as_json, data_dir, config) -> None:
    """Search talks: free text, "phrases", AND/OR/NOT, company:uber topic:tracing year:2017..2019.

    At a terminal, a few lines per result that fit its width; piped, one tab-separated line per
    result (title, conference, year, companies, topics, write-ups, url, id); --json for scripts."""
    resp = _backend(data_dir, config).search(" ".join(query), _parse_facets(facets), sort=sort, page=page,
                                             per_page=limit, facet_limit=10, view="writeup" if writeups else "talk")
    if as_json:
        click.echo(json.dumps(resp.to_json(), indent=2, ensure_ascii=False))
        return
    for notice in resp.notices:
        err.print(f"note: {notice}", style="yellow")
    if resp.did_you_mean:
        err.print(f"did you mean: {resp.did_you_mean}?")
    if not sys.stdout.isatty():
        # for `cut`, `sort` and friends: one tab-separated line per result, in the order of SEARCH_COLUMNS
        for h in resp.results:
            values = [h.title, h.conference, str(h.year or ""), ", ".join(h.companies), ", ".join(h.topics),
                      str(len(h.writeups)) if h.record else "", h.url, h.id]
            click.echo("\t".join(printable(" ".join(v.split())) for v in values))
        return
    _print_results(resp, (page - 1) * limit + 1, "write-ups" if writeups else "talks")


SEARCH_COLUMNS = ("title", "conference", "year", "companies", "topics", "write-ups", "url", "id")
MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def _print_results(resp, first: int, unit: str) -> None:
    """Results for a person at a terminal, each in a few lines that fit its width: the title, what
    it is (conference, year, companies, topics, write-ups), the matching words in context, and the
    URL whole on a line of its own (a hyperlink where the terminal makes one of it)."""
    from html import unescape

    from rich.style import Style
    from rich.text import Text

    out.print(f"{resp.total} {unit} · {resp.took_ms:.0f} ms", style="bold")
    for n, h in enumerate(resp.results, first):
        out.print(Text.assemble((f"{n:>2}. ", "dim"), (printable(h.title), "bold")), overflow="fold")
        what = [h.conference or (str(h.year) if h.year else ""), ", ".join(h.companies), ", ".join(h.topics),
                f"{len(h.writeups)} write-up{'s' if len(h.writeups) != 1 else ''}" if h.writeups else ""]
        out.print(Text("    " + printable(" · ".join(w for w in what if w))), no_wrap=True, overflow="ellipsis")
        snippet = Text("    ")
        for i, part in enumerate(MARK.split(" ".join(h.snippet.split()))):
            snippet.append(printable(unescape(part)), style="bold underline" if i % 2 else "")
        out.print(snippet, no_wrap=True, overflow="ellipsis")
        out.print(Text("    " + printable(h.url), style=Style(link=h.url)), no_wrap=True, overflow="ignore", crop=False)
        out.print(Text(f"    id {h.id}", style="dim"))
    for f in ("company", "topic", "conference", "year"):
        rows = resp.facets.get(f, [])[:6]
        if rows:
            out.print(f"{f}: " + " · ".join(f"{r.value} ({r.count})" for r in rows))


@main.command()
@click.argument("field", type=click.Choice(FACETS))
@click.option("--json", "as_json", is_flag=True, help="A JSON list of {value, count}.")
@data_dir_option
@config_option
def facets(field, as_json, data_dir, config) -> None:
    """List the values of a facet with their talk counts."""
    resp = _backend(data_dir, config).search("", {}, per_page=1)
    rows = resp.facets.get(field, [])
    if as_json:
        click.echo(json.dumps([{"value": r["value"], "count": r["count"]} for r in resp.facets_json().get(field, [])],
                              indent=2, ensure_ascii=False))
        return
    table = Table(title=f"{field}: {len(rows)} values")
    table.add_column(field)
    table.add_column("talks", justify="right")
    for r in rows:
        table.add_row(r.value, str(r.count))
    out.print(table)


@main.command()
@click.argument("talk_id", metavar="ID")
@click.option("--json", "as_json", is_flag=True, help="Print the talk as one JSON object (as /api/talks/ID).")
@data_dir_option
@config_option
def talk(talk_id, as_json, data_dir, config) -> None:
    """One talk by its id (from `srefind search`): the record, its video and slides, the write-ups
    about it (or, for a write-up, the talk it is about) and related talks."""
    from .talks import snippet, talk_view

    view = talk_view(_backend(data_dir, config), talk_id)
    if view is None:
        raise SrefindError(f"no talk with id {talk_id} (ids are in `srefind search` and its --json)")
    if as_json:
        click.echo(json.dumps(view.to_json(), indent=2, ensure_ascii=False))
        return
    e = view.entry
    out.print(e.title, style="bold")
    facts = [("conference", e.conference), ("year", str(e.year or "")), ("speakers", ", ".join(e.speakers)),
             ("companies", ", ".join(e.companies)), ("topics", ", ".join(e.topics)), ("room", e.room),
             ("date", e.date), ("url", e.url)]
    for name, value in facts:
        if value:
            out.print(f"  {name}: {value}")
    for m in e.media:
        out.print(f"  {m['kind']}: {m['url']}")
    if view.about:
        out.print(f"\nabout the talk {view.about.id}: {view.about.title} ({view.about.url})")
    if e.talk_url:
        out.print(f"  linked with confidence {e.link_confidence:.2f}: {'; '.join(e.link_evidence) or '-'}")
    if e.summary:
        out.print("\n" + snippet(e.summary, 600))
    if view.writeups:
        out.print(f"\n{len(view.writeups)} write-up{'s' if len(view.writeups) != 1 else ''}:")
        for w in view.writeups:
            out.print(f"  {w.own_title or w.title} · {w.site}"
                      f"{' · ' + w.date if w.date else ''}\n    {w.url}")
    for label, hits in (("other talks by the same speakers", view.by_speakers),
                        (f"other talks from {e.companies[0] if e.companies else ''}", view.by_company),
                        ("related", view.related)):
        if hits:
            out.print(f"\n{label}: " + " · ".join(f"{h.title} ({h.id})" for h in hits))


@main.command()
@data_dir_option
def export(data_dir) -> None:
    """Every indexed talk entry, one JSON object per line."""
    from srefind.crawler.state import CrawlState

    from .config import DataPaths

    paths = DataPaths(existing_data_dir(data_dir))
    if not paths.state.exists():
        raise SrefindError(f"{paths.state} does not exist: nothing was crawled into {paths.root}")
    state = CrawlState(paths.state, readonly=True)
    try:
        for entry in state.all_entries():
            click.echo(json.dumps(entry.to_dict(), ensure_ascii=False))
    finally:
        state.close()


def _when(t: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t)) if t else "-"


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON object.")
@data_dir_option
@config_option
def status(as_json, data_dir, config) -> None:
    """What the data dir holds (entries, pages, the index, the last runs) and what to run next.

    Works on a data dir in any state: empty, a crawl interrupted or running, the index missing or
    damaged, read-only."""
    from .config import DataPaths
    from .health import inspect
    from .pipeline import stored_fingerprint

    paths = DataPaths(resolve_data_dir(data_dir))
    try:
        fingerprint = stored_fingerprint(paths)
    except (SrefindError, sqlite3.Error):
        fingerprint = None  # a malformed user lexicon: status still reports the rest
    st = inspect(paths, fingerprint, _backend_name(config))
    if as_json:
        click.echo(json.dumps(st.to_json(), indent=2))
        return
    out.print(f"data dir: {st.data_dir} ({st.state})")
    if st.store:
        s_ = st.store
        out.print(f"talk entries: {s_.entries} from {s_.pages_indexed} pages; stored pages: {s_.stored_bodies} "
                  f"({s_.stored_bytes / 2**20:.1f} MB compressed)")
        out.print("urls: " + (", ".join(f"{k} {v}" for k, v in sorted(s_.urls.items())) or "none"))
    ix = st.index
    out.print(f"index: {ix.state}" + (f", {ix.entries} entries, generation {ix.generation}" if ix.state == "ok" else "")
              + (f" ({ix.detail})" if ix.detail and ix.state != "ok" else ""))
    if st.problem and st.problem != ix.detail:
        out.print(f"problem: {st.problem}")
    if st.runs:
        table = Table(title="last runs")
        for col in ("id", "command", "started", "seconds", "status", "fetched", "errors"):
            table.add_column(col)
        for r in st.runs:
            secs = f"{r.finished - r.started:.1f}" if r.finished else "-"
            table.add_row(str(r.id), r.command, _when(r.started), secs, r.status,
                          str("-" if r.fetched is None else r.fetched), str("-" if r.errors is None else r.errors))
        out.print(table)
    for step in st.next_steps:
        out.print(f"next: {step}")


def _counter_progress(label: str, enabled: bool):
    """A live progress bar on stderr for work counted in pages (a terminal only)."""
    if not enabled or not err.is_terminal:
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=err,
                        transient=True)
    task = progress.add_task(label, total=None)

    def update(done: int, total: int | None) -> None:
        progress.update(task, completed=done, total=total)

    return progress, update


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@data_dir_option
@config_option
def reindex(as_json, data_dir, config) -> None:
    """Rebuild the index from crawl.sqlite alone (no request is made).

    The new index is written beside the old one and swapped in when complete: searches keep
    answering from the old one until then. Use it when the index is missing or damaged."""
    from .pipeline import reindex as run_reindex

    path = existing_data_dir(data_dir)
    from srefind.crawler.state import CrawlState

    from .config import DataPaths

    total = None
    if DataPaths(path).state.exists():
        st = CrawlState(DataPaths(path).state, readonly=True)
        try:
            total = st.summary().entries
        finally:
            st.close()
    live, update = _counter_progress("reindexing (talk entries)", not as_json)
    if live:
        live.start()
    try:
        report = run_reindex(path, on_progress=(lambda pages, entries: update(entries, total)) if update else None,
                             backend_name=_backend_name(config))
    finally:
        if live:
            live.stop()
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    out.print(f"reindexed {report['entries']} talk entries from {report['pages']} pages in {report['seconds']} s "
              f"into {report['index']}")


@main.command()
@click.option("--all", "everything", is_flag=True, help="Analyse every stored page, not only those an older "
                                                          "tagger or lexicon analysed.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@data_dir_option
@config_option
def retag(everything, as_json, data_dir, config) -> None:
    """Analyse the stored pages again with the current tagger and lexicon (no request is made),
    then re-index the pages whose talk entries changed."""
    from .pipeline import retag as run_retag

    path = existing_data_dir(data_dir)
    live, update = _counter_progress("re-tagging (pages)", not as_json)
    if live:
        live.start()
    try:
        report = run_retag(path, everything=everything, on_progress=update, backend_name=_backend_name(config))
    finally:
        if live:
            live.stop()
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
        return
    table = Table(title=f"retag finished in {report.seconds} s", show_header=False)
    for key, value in report.to_dict().items():
        if key != "seconds":
            table.add_row(key.replace("_", " "), str(value))
    out.print(table)
    if report.without_html:
        out.print(f"{report.without_html} pages have no stored HTML (crawled by an srefind that did not keep it) and "
                  f"keep their old entries: `srefind recrawl --data-dir {path}` fetches each once, then analyses it")
    if report.errors:
        sys.exit(1)




@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="The port to listen on.")
@click.option("--workers", type=click.IntRange(1, 64), default=None,
              help="Server processes sharing the port (default: one per CPU core; a search is CPU-bound and one "
                   "Python process uses one core).")
@click.option("--threads", type=click.IntRange(1, 64), default=None,
              help="Request threads per worker process (default: 4 with one worker, 1 with several: a search "
                   "is CPU-bound, so more threads in a process only add GIL hand-offs).")
@data_dir_option
@config_option
def serve(host, port, workers, threads, data_dir, config) -> None:
    """Serve the search UI and JSON API (waitress, a production WSGI server).

    Starts before there is an index, too: /healthz answers 503 with the reason until a crawl or
    `srefind reindex` makes one, and the server picks it up without a restart."""
    path = resolve_data_dir(data_dir)
    if not path.is_dir():
        raise DataDirError(f"data dir {path} does not exist: run `srefind crawl --data-dir {path}` first")
    from srefind.web.serve import default_threads, default_workers

    workers = workers or default_workers()
    _serve(path, host, port, workers=workers, threads=threads or default_threads(workers),
           backend_name=_backend_name(config))


def _listen(host: str, port: int):
    """The server's socket, bound now: a port in use is a clear error before any work is done."""
    from srefind.web.serve import bind

    try:
        return bind(host, port)
    except OSError as exc:
        raise SrefindError(f"cannot listen on {host}:{port}: {exc.strerror or exc} (pass --port)") from None


def _serve(data_dir: Path, host: str, port: int, *, workers: int = 1, threads: int = 4,
           backend_name: str = DEFAULT_BACKEND, sock=None) -> None:
    from srefind.web.serve import app_factory
    from srefind.web.serve import serve as run_server

    sock = sock if sock is not None else _listen(host, port)
    shown = f"[{host}]" if ":" in host else host
    procs = f" ({workers} worker processes x {threads} threads)" if workers > 1 else ""
    from .logs import event, json_logging

    if json_logging():  # a service's log is JSON, its start included
        import logging

        event(logging.getLogger("srefind.web"), "serving", url=f"http://{shown}:{port}/", workers=workers,
              threads=threads)
    else:
        click.echo(f"srefind: serving http://{shown}:{port}/{procs} (Ctrl-C to stop)")
    run_server(app_factory(data_dir, backend_name), sock, workers=workers, threads=threads)


DEMO_SITES_PORT = 8781


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Where the search UI listens.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True, help="The search UI's port.")
@click.option("--sites-port", type=click.IntRange(1, 65534), default=DEMO_SITES_PORT, show_default=True,
              help="The demo web's first port (one port per demo site, from this one up): fixed, so a talk's "
                   "URL and id are the same every run.")
@click.option("--data-dir", type=click.Path(file_okay=False), default=None,
              help="Where the demo's crawl and index go (default: the per-user data dir's 'demo' folder, "
                   "e.g. ~/.local/share/srefind/demo; emptied at each run).")
@click.option("--no-serve", is_flag=True, help="Crawl and index the demo, then exit.")
def demo(host, port, sites_port, data_dir, no_serve) -> None:
    """Serve the bundled demo web, crawl it over HTTP, tag, index, then serve the search UI beside it
    (the demo web stays up as long as the UI, so every result links somewhere)."""
    from .pipeline import run_crawl
    from .sites import demo_root, serve_sites

    path = Path(data_dir).expanduser() if data_dir else resolve_data_dir(None) / "demo"
    with _demo_lock(path):
        sock = None if no_serve else _listen(host, port)  # a busy port fails now, not after the crawl
        _fresh_demo_dir(path)
        cfg = load_config(None)
        cfg.delay = 0.0
        with contextlib.ExitStack() as stack:
            try:
                bases = stack.enter_context(serve_sites(demo_root(), first_port=sites_port))
            except OSError as exc:
                raise SrefindError(f"cannot serve the demo web on ports {sites_port}-{sites_port + 1}: "
                                   f"{exc.strerror or exc} (pass --sites-port)") from None
            click.echo("srefind: demo sites on " + ", ".join(bases.values()))
            cfg.seeds = list(bases.values())
            live, update = _progress_printer(True)
            if live:
                live.start()
            try:
                stats = run_crawl(cfg, path, cfg.seeds, command="demo", on_progress=update)
            finally:
                if live:
                    live.stop()
            click.echo(f"srefind: crawled {stats.fetched} URLs, {stats.entries} talk entries indexed into {path}")
            click.echo(_demo_next_steps(path))
            if sock is not None:
                _serve(path, host, port, sock=sock)


def _demo_next_steps(path: Path) -> str:
    """What to type next, with this install's own srefind and the demo's data dir."""
    exe = Path(sys.argv[0]).resolve() if Path(sys.argv[0]).name == "srefind" else None
    run = str(exe) if exe and exe.exists() else "srefind"
    venv = exe.parent / "activate" if exe else None
    lines = [f"srefind: the demo's data dir is {path}; try, in another terminal:"]
    if venv and venv.exists():
        lines.append(f"  . {venv}              # puts srefind on the PATH")
        run = "srefind"
    lines += [f"  export SREFIND_DATA_DIR={path}",
              f"  {run} search distributed tracing",
              f"  {run} search 'company:uber ml' --json",
              f"  {run} facets company",
              f"  {run} status"]
    return "\n".join(lines)


@contextlib.contextmanager
def _demo_lock(path: Path):
    """One demo per data dir: a second one would empty the dir the first is serving from."""
    import fcntl

    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.parent / f".{path.name}.demo.lock"
    with open(lock, "a+") as f:
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            held = f.read().strip() or "another process"
            raise IndexLockedError(f"a demo is already running with data dir {path} ({held}): stop it, or pass "
                                   "another --data-dir (and --port, --sites-port)") from None
        f.seek(0)
        f.truncate()
        f.write(f"pid {os.getpid()}")
        f.flush()
        yield


@main.command()
@click.argument("source")
@click.option("--json", "as_json", is_flag=True, help="The analysis as JSON, every tag with its evidence.")
@click.option("--config", type=click.Path(dir_okay=False), default=None, help="For the User-Agent when SOURCE is a URL.")
@data_dir_option
def tag(source, as_json, config, data_dir) -> None:
    """Show what the tagging pipeline finds in one page (a file or a URL), with the evidence for each tag."""
    from srefind.crawler.extract import decode_html, extract
    from srefind.index.tagging import Tagger

    from .config import DataPaths
    from .pipeline import stored_known_talks

    if source.startswith(("http://", "https://")):
        import requests

        cfg = load_config(config)
        try:
            resp = requests.get(source, headers={"User-Agent": cfg.user_agent_header}, timeout=(5, 20))
        except requests.RequestException as exc:
            raise SrefindError(f"cannot fetch {source}: {type(exc).__name__}") from None
        if resp.status_code != 200:
            raise SrefindError(f"{source} answered HTTP {resp.status_code}")
        ctype = resp.headers.get("content-type", "")
        charset = resp.encoding if "charset=" in ctype.lower() else None
        html, url = decode_html(resp.content, charset), resp.url
    else:
        path = Path(source)
        try:
            html, url = decode_html(path.read_bytes(), None), path.resolve().as_uri()
        except OSError as exc:
            raise SrefindError(f"cannot read {source}: {exc.strerror or exc}") from None
    paths = DataPaths(resolve_data_dir(data_dir))
    try:
        known = stored_known_talks(paths)  # a write-up is matched against the talks this data dir knows
    except (SrefindError, sqlite3.Error):
        known = None
    page = extract(url, html)
    result = Tagger(paths.lexicon, known).analyze(page)
    if as_json:
        click.echo(json.dumps({
            "url": url, "page_type": page.page_type, "relevant": result.relevant, "reason": result.reason,
            "split": result.split, "conference": result.conference.conference or None, "year": result.conference.year,
            "entries": [e.to_dict(evidence=True) for e in result.entries],
        }, indent=2, ensure_ascii=False))
        return
    out.print(f"{page.title or url}\n{page.page_type} page · "
              f"{'indexed' if result.relevant else 'not indexed'}: {result.reason} · split: {result.split}")
    for n, e in enumerate(result.entries, 1):
        table = Table(title=f"entry {n}: {e.title}", show_header=True, title_justify="left")
        table.add_column("tag")
        table.add_column("evidence", overflow="fold")
        table.add_row("url", e.url)
        table.add_row("conference", f"{e.conference or '-'} {e.year or ''}".strip(), )
        if e.speakers:
            table.add_row("speakers", ", ".join(e.speakers))
        if e.talk_url:
            table.add_row("talk page", "\n".join(e.evidence.get("talk", [e.talk_url])))
        for key, ev in e.evidence.items():
            if key.startswith(("company:", "topic:")):
                table.add_row(key, "\n".join(ev))
        out.print(table)


SYSTEMD_UNITS = ("srefind-recrawl.service", "srefind-recrawl.timer", "srefind-serve.service")


@main.command()
@click.option("--print", "kind", type=click.Choice(["systemd", "cron"]), required=True,
              help="Print hardened systemd units (the nightly re-crawl and its timer, and the web server), or a "
                   "crontab line for the re-crawl.")
@click.option("--config", type=click.Path(dir_okay=False), default=None, help="A config file the units pass on.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Where the server unit listens.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True,
              help="The server unit's port.")
@data_dir_option
def schedule(kind, config, host, port, data_dir) -> None:
    """Print the nightly re-crawl schedule and the server unit, filled in for this install (paths,
    data dir, config)."""
    import shlex
    import shutil
    from importlib import resources

    exe = shutil.which("srefind") or str(Path(sys.argv[0]).resolve())
    path = resolve_data_dir(data_dir).resolve()
    cfg = f" --config {shlex.quote(str(Path(config).resolve()))}" if config else ""
    fill = {"srefind": shlex.quote(exe), "data_dir": shlex.quote(str(path)), "config": cfg, "host": host,
            "port": str(port), "listen": f"{host}:{port}"}
    if kind == "cron":
        click.echo("# m h dom mon dow  command  (srefind nightly re-crawl; exit 75 = another crawl was running)")
        click.echo(f"15 3 * * *  {fill['srefind']} --log-format json recrawl --data-dir {fill['data_dir']}{cfg} "
                   f">> {shlex.quote(str(path / 'recrawl.log'))} 2>&1")
        return
    folder = resources.files("srefind") / "data" / "schedule"
    for name in SYSTEMD_UNITS:
        click.echo(f"# ---- /etc/systemd/system/{name}")
        click.echo((folder / name).read_text(encoding="utf-8").format(**fill))
    click.echo("# then: systemctl daemon-reload && systemctl enable --now srefind-recrawl.timer srefind-serve.service")


@main.command(name="eval")
@click.option("--shared", type=click.Path(file_okay=False), default="../shared", show_default=True,
              help="The shared folder with corpus/, tools/ and eval/.")
@click.option("--floors", type=click.Path(dir_okay=False), default=None,
              help="A JSON file of floors; exit 1 when a figure falls below its floor.")
@click.option("--fail-rate", type=float, default=0.0, help="Share of requests the fixture web answers 503.")
@click.option("--max-rps", type=float, default=0.0, help="Requests per second per site before 429s.")
@click.option("--details", is_flag=True, help="Also print what was missed and mis-tagged.")
@click.option("--json", "as_json", is_flag=True, help="The figures (and --details) as one JSON object.")
def eval_(shared, floors, fail_rate, max_rps, details, as_json) -> None:
    """Crawl the labelled corpus over HTTP and score coverage, tags and ranking."""
    from .evaluation import check_floors, evaluate

    report = evaluate(Path(shared), fail_rate=fail_rate, max_rps=max_rps)
    bad = []
    if floors:
        try:
            floor_values = json.loads(Path(floors).read_text())
        except (OSError, ValueError) as exc:
            raise SrefindError(f"{floors}: cannot read floors ({exc})") from None
        bad = check_floors(report.figures, floor_values)
    if as_json:
        click.echo(json.dumps({"figures": report.figures, **({"details": report.details} if details else {}),
                               "below_floor": bad}, indent=2))
    else:
        table = Table(title=f"srefind eval ({report.details.get('seconds')} s)")
        table.add_column("figure")
        table.add_column("value", justify="right")
        table.add_column("floor", justify="right")
        fl = json.loads(Path(floors).read_text()) if floors else {}
        for k, v in report.figures.items():
            table.add_row(k, str(v), str(fl.get(k, "")))
        out.print(table)
        for key, title in (("per_site", "dev sites (crawled)"), ("pages_per_site", "corpus/pages (each page as it is)")):
            per_site = report.details.get(key)
            if isinstance(per_site, dict) and per_site:
                out.print(_per_site_table(per_site, title))
        if details:
            out.print_json(json.dumps(report.details))
    if bad:
        click.echo("srefind: error: below the floor: " + "; ".join(bad), err=True)
        sys.exit(1)


PER_SITE_COLUMNS = {"company_precision": "co P", "company_f1": "co F1", "topic_precision": "top P",
                    "topic_f1": "top F1", "speaker_recall": "spk R", "title_accuracy": "title",
                    "relevance_accuracy": "rel", "split_accuracy": "split"}


def _per_site_table(per_site: dict[str, dict[str, float]], title: str) -> Table:
    """Every site's own figures (blank where the site has nothing to count for one)."""
    table = Table(title=f"per site: {title}")
    table.add_column("site", no_wrap=True)
    for header in PER_SITE_COLUMNS.values():
        table.add_column(header, justify="right", no_wrap=True)
    for site, figures in per_site.items():
        table.add_row(site, *(f"{figures[c]:.2f}" if c in figures else "" for c in PER_SITE_COLUMNS))
    return table


def _fresh_demo_dir(path: Path) -> None:
    """Each demo run starts from an empty data dir (only a demo dir is wiped): the run shows the
    whole crawl."""
    import shutil

    marker = path / ".srefind-demo"
    if path.exists() and any(path.iterdir()):
        if not marker.exists():
            raise SrefindError(f"{path} is not empty and is not a demo data dir; pass another --data-dir")
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    marker.touch()


if __name__ == "__main__":
    main()
