"""The ``akhbar`` command: run a night, manage the database, and the stage tools."""

from __future__ import annotations

import json
import logging
import os
import re
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, TextIO
from urllib.parse import unquote

import psycopg
import typer
from psycopg.conninfo import conninfo_to_dict
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from pipeline import feeds as feeds_module
from pipeline import night, pgserver, store
from pipeline.settings import Settings

app = typer.Typer(help="Akhbar: nightly ingestion of Arabic news into PostgreSQL.",
                  no_args_is_help=True, pretty_exceptions_show_locals=False)
db_app = typer.Typer(help="The warehouse database.", no_args_is_help=True)
app.add_typer(db_app, name="db")
log = logging.getLogger(__name__)
console = Console()
# Commands whose data may go to stdout (`--out /dev/stdout`) report on stderr instead.
err_console = Console(stderr=True)


@app.callback()
def _main(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _settings() -> Settings:
    """The ``AKHBAR_*`` settings; a value that does not convert is refused naming its
    variable (exit 2), not shown as a traceback."""
    try:
        return Settings.from_env()
    except ValueError as exc:
        raise _refused(exc) from None


def database_url(settings: Settings, migrate: bool = True, connect: bool = True) -> str:
    """``AKHBAR_DATABASE_URL`` if set, else the embedded server (started on demand).

    ``connect``: connect once first (and ``migrate``), so that a database that cannot be
    reached is refused here for every command (see ``_first_connection``). For a command
    that hands the URL on to work that opens its own connections; one that works on a
    single connection takes :func:`database` instead."""
    try:
        url = settings.database_url or pgserver.embedded_url(settings.home,
                                                             settings.embedded_port)
    except pgserver.EmbeddedServerError as exc:
        raise _refused(exc) from None
    if connect:
        with _first_connection(url, migrate):
            pass
    return url


def database(settings: Settings, migrate: bool = True) -> psycopg.Connection:
    """The connection a command works on, to the database :func:`database_url` names,
    refused as it is when it cannot be reached and migrated first (unless ``migrate`` is
    off): the check is made on this connection, not on one more."""
    return _first_connection(database_url(settings, connect=False), migrate)


# A password in a URL's user part, in its query, or as a conninfo keyword.
_PASSWORDS = (re.compile(r"[^\s:@/]*:([^@/\s]*)@"), re.compile(r"[?&]password=([^&#\s]*)"),
              re.compile(r"\bpassword\s*=\s*('(?:[^'\\]|\\.)*'|\S+)"))


def _masked(text: str, url: str) -> str:
    """``text`` with every password ``url`` holds shown as ``***``: where it stands in a
    URL or conninfo in ``text``, and anywhere else ``text`` quotes it."""
    secrets = {m.group(1) for pattern in _PASSWORDS for m in pattern.finditer(url)}
    with suppress(psycopg.Error):
        secrets.add(conninfo_to_dict(url).get("password") or "")
    secrets |= {unquote(s) for s in secrets}
    for pattern in _PASSWORDS:
        text = pattern.sub(lambda m: m.string[m.start():m.start(1)] + "***"
                           + m.string[m.end(1):m.end()], text)
    for secret in sorted(secrets - {"", "***"}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _first_connection(url: str, migrate: bool = True) -> psycopg.Connection:
    """Connect to ``url`` and apply pending migrations (unless ``migrate`` is off); a
    database that cannot be reached (refused, wrong password, no such database, a malformed
    URL) is one line naming it with the password masked, exit 2, and the traceback under
    ``akhbar -v``."""
    try:
        conn = store.connect(url)
    except psycopg.Error as exc:  # OperationalError, or ProgrammingError for a bad URL
        log.info("%s", _masked("".join(traceback.format_exception(exc)), url).rstrip())
        reason = " ".join(str(exc).split())
        where = _masked(url, "")  # the URL by its shape only, whatever the password is
        line = f"cannot reach the database at {where}: {_masked(reason, url)}"
        console.print(f"[red]error:[/red] {escape(line)}", soft_wrap=True)
        raise typer.Exit(2) from None
    if migrate:
        try:
            store.migrate(conn)
        except BaseException:
            conn.close()
            raise
    return conn


def _refused(exc: BaseException, to: Console = console) -> typer.Exit:
    """Print ``exc`` as the command's one error line; the caller raises the exit (2) returned."""
    to.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
    return typer.Exit(2)


def _cannot_write(path: Path, reason: OSError | str) -> typer.Exit:
    """Report an output path that cannot be written (on stderr: the output may be stdout);
    the caller raises the result."""
    if isinstance(reason, OSError):
        reason = reason.strerror or str(reason)
    err_console.print(f"[red]error:[/red] cannot write {escape(str(path))}: {escape(reason)}",
                      soft_wrap=True)
    return typer.Exit(2)


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name one existing file."""
    try:
        return b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


@contextmanager
def _replacing(path: Path) -> Iterator[TextIO]:
    """Write ``path`` whole or not at all: a regular file is written beside itself and
    renamed into place when the block ends without an error, so a bad input line leaves the
    old output as it was. A link (/dev/stdout is one), a pipe or a device is written as it
    goes: renaming over it would replace the link itself."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        with path.open("w", encoding="utf-8") as out:
            yield out
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part",
                               dir=path.absolute().parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            yield out
        os.replace(tmp, path)
    except BaseException:
        with suppress(OSError):
            os.unlink(tmp)
        raise


def _check_writable(path: Path, make_parents: bool = False) -> None:
    """Refuse an output path that cannot be written before the work that would fill it.

    ``make_parents``: the command creates missing folders, so the nearest existing one
    must take them. Opening the file may still fail (a full disk); callers catch that too.
    """
    target = path.absolute()
    reason = None
    if target.exists():
        # An existing file (/dev/stdout too) needs only itself writable, not its folder.
        if target.is_dir():
            reason = "it is a directory"
        elif not os.access(target, os.W_OK):
            reason = "permission denied"
    else:
        folder = target.parent
        while make_parents and not folder.exists():
            folder = folder.parent
        if not folder.exists():
            reason = f"no folder {folder}"
        elif not folder.is_dir():
            reason = f"{folder} is not a folder"
        elif not os.access(folder, os.W_OK):
            reason = f"permission denied in {folder}"
    if reason:
        raise _cannot_write(path, reason)


@app.command()
def run(
    feeds: Annotated[Path | None, typer.Option(help="Feed registry (default: feeds.yaml)")] = None,
    run_key: Annotated[str | None, typer.Option(
        help="Run key (default: now, UTC); an ISO date-time key is also the night's time")] = None,
) -> None:
    """Run the whole pipeline once and print the run summary."""
    from pipeline.gazetteer import GazetteerError
    from pipeline.quality import QualityThresholds
    from pipeline.taxonomy import TaxonomyError

    logical_ts = _key_time(run_key)
    settings = _settings()
    try:
        # Read only by the checks at the end of the night: a mistyped one must stop it now.
        QualityThresholds.from_env(settings=settings)
    except ValueError as exc:
        raise _refused(exc) from None
    url = database_url(settings)
    feeds_path = feeds or settings.feeds_path
    try:
        total = sum(1 for spec in feeds_module.load_registry(feeds_path) if spec.enabled)
    except (feeds_module.RegistryError, OSError) as exc:
        raise _refused(exc) from exc
    try:
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task("fetching feeds", total=total)
            try:
                summary = night.run_night(url, settings, feeds_path, run_key=run_key,
                                          logical_ts=logical_ts,
                                          progress=lambda _feed, _n: bar.advance(task))
            except (TaxonomyError, GazetteerError) as exc:  # checked before any fetch
                raise _refused(exc) from exc
    except night.StageFailed as exc:
        # Opening the run, a stage or the summary broke; the operator gets one line naming
        # it and what the run's stored status is, the log the traceback.
        log.info("the night failed", exc_info=exc)
        if exc.stored:
            state = "the run is stored failed"
        elif exc.stage == "prepare":
            state = "the run was not opened"
        else:  # the database refused that too: the next run stores it abandoned
            state = "the run could not be stored failed"
        console.print(f"[red]error:[/red] {escape(str(exc))} ({state}; "
                      "akhbar -v run shows the traceback)", soft_wrap=True)
        raise typer.Exit(1) from exc
    print_summary(summary)
    quality = summary.stages.get("quality", {})
    if not quality.get("passed", True):
        # Loaded and kept, but not fit to trust: a scheduler or script must see it fail.
        console.print("[red]the night breached its data-quality checks:[/red] "
                      + ", ".join(quality.get("breaches", [])))
        raise typer.Exit(1)


def _key_time(run_key: str | None) -> datetime | None:
    """The night a run key names when it is an ISO date-time (the default keys are), so
    that ``--run-key 2024-03-01T02:30:00+00:00`` stamps that night, not today."""
    if not run_key:
        return None
    try:
        when = datetime.fromisoformat(run_key)
    except ValueError:
        return None  # a free-form key: the night is now
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def print_summary(summary: night.RunSummary) -> None:
    table = Table(title=f"Akhbar run {escape(summary.run_key)}", show_header=False)
    for label, value in (
        ("feeds ok", summary.feeds_ok), ("feeds not modified", summary.feeds_not_modified),
        ("feeds failed", summary.feeds_failed), ("feeds skipped", summary.feeds_skipped),
        ("entries seen", summary.entries_seen),
        ("articles new", summary.articles_new), ("articles updated", summary.articles_updated),
        ("articles older (newer text kept)", summary.articles_older),
        ("articles duplicate", summary.articles_duplicate), ("seconds", summary.seconds),
    ):
        table.add_row(label, str(value))
    for name, figures in summary.stages.items():
        table.add_row(name, escape(json.dumps(figures, ensure_ascii=False)))
    console.print(table)
    for failed in summary.failed_feeds:
        console.print(f"[red]failed[/red] {escape(failed['feed'])}: {escape(failed['error'])}",
                      soft_wrap=True)
    if summary.problems:
        console.print("entry problems: " + ", ".join(f"{k}={v}"
                                                     for k, v in summary.problems.items()))


@db_app.command("migrate")
def db_migrate() -> None:
    """Apply pending migrations (starting the embedded server if needed)."""
    with database(_settings(), migrate=False) as conn:
        applied = store.migrate(conn)
    console.print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")


@db_app.command("start")
def db_start() -> None:
    """Start the embedded PostgreSQL server and print its URL."""
    settings = _settings()
    console.print(database_url(settings), soft_wrap=True)


@db_app.command("url")
def db_url() -> None:
    """Print the database URL (starting the embedded server if needed)."""
    settings = _settings()
    typer.echo(database_url(settings, migrate=False, connect=False))


@db_app.command("stop")
def db_stop() -> None:
    """Stop the embedded PostgreSQL server."""
    settings = _settings()
    server = pgserver.project_server(settings.home, settings.embedded_port)
    server.stop()
    console.print("embedded PostgreSQL stopped")


@db_app.command("index-search")
def db_index_search() -> None:
    """Build the search rows of every article that lacks a current one (missing or stale)."""
    from pipeline import search

    settings = _settings()
    with database(settings) as conn:
        todo = search.stale_ids(conn)
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                      transient=True) as bar:
            task = bar.add_task("indexing for search", total=len(todo))
            done = search.index_articles(conn, todo,
                                         progress=lambda n: bar.advance(task, n)).indexed
    console.print(f"{done} article(s) indexed for search; {len(todo) - done} needed nothing")


@db_app.command("docs")
def db_docs(
    out: Annotated[Path | None, typer.Option(help="Where to write (default: docs/schema.md)")]
    = None,
) -> None:
    """Write the data dictionary (docs/schema.md) from the database's comments."""
    from pipeline import schema_doc

    target = out or schema_doc.DOC_PATH
    _check_writable(target, make_parents=True)
    settings = _settings()
    with database(settings) as conn:
        missing = schema_doc.undocumented(conn)
        try:
            path = schema_doc.write_docs(conn, target)
        except OSError as exc:
            raise _cannot_write(target, exc) from exc
    console.print(f"data dictionary written to {escape(str(path))}", soft_wrap=True)
    if missing:
        console.print(f"[yellow]without a comment:[/yellow] {', '.join(missing)}")


@app.command("report")
def report_command(
    date: Annotated[str, typer.Option("--date", help="The night, YYYY-MM-DD (UTC)")],
    out: Annotated[Path | None, typer.Option(help="HTML file (default: "
                                             "akhbar-report-YYYY-MM-DD.html)")] = None,
) -> None:
    """Write the self-contained HTML report of a night: topics, stories, entities, feeds."""
    from datetime import date as date_type

    from pipeline import report

    try:
        day = date_type.fromisoformat(date)
    except ValueError:
        raise typer.BadParameter(f"not a date: {date!r} (expected YYYY-MM-DD)",
                                 param_hint="--date") from None
    # The report reads the night's next day and the days before it: both must be dates.
    if not date_type.min + timedelta(days=report.DAYS) <= day < date_type.max:
        raise typer.BadParameter(f"{date} is too near the ends of the calendar for a "
                                 f"{report.DAYS}-day report", param_hint="--date")
    target = out or Path(f"akhbar-report-{day.isoformat()}.html")
    _check_writable(target, make_parents=True)  # before reading the night
    settings = _settings()
    try:
        path = report.write_report(database_url(settings), day, target)
    except OSError as exc:
        raise _cannot_write(target, exc) from exc
    console.print(f"report written to {escape(str(path))}", soft_wrap=True)


@app.command("dedup")
def dedup_command(
    in_path: Annotated[Path, typer.Option("--in", help="JSONL: {id, title, text, published?, "
                                          "url?} per line", exists=True, dir_okay=False)],
    out_path: Annotated[Path, typer.Option("--out", help="JSONL: {id, cluster_id, duplicate_of,"
                                           " similarity, kind} per line")],
) -> None:
    """Cluster copies of the same story in a JSONL file (the nightly stage's rules)."""
    import itertools

    from pipeline.dedup import InputError, dedup_records, iter_articles

    _check_writable(out_path)  # before reading and hashing the whole input
    kinds: dict[str, int] = {}
    with in_path.open("rb") as fh:  # decoded line by line, so errors name the line
        records = dedup_records(iter_articles(fh))
        try:
            # The whole input is read and hashed before the first record comes out, so a bad
            # line fails the command before the output file is opened.
            first = next(records, None)
        except InputError as exc:
            err_console.print(f"[red]{escape(str(in_path))}: {escape(str(exc))}[/red]",
                              soft_wrap=True)
            raise typer.Exit(2) from exc
        try:
            with out_path.open("w", encoding="utf-8") as out:
                for record in itertools.chain([first] if first else [], records):
                    kinds[str(record["kind"])] = kinds.get(str(record["kind"]), 0) + 1
                    out.write(json.dumps(record, ensure_ascii=False) + "\n")
        except OSError as exc:
            raise _cannot_write(out_path, exc) from exc
    err_console.print(f"{sum(kinds.values())} articles: " +
                      ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))


@app.command("bench")
def bench_command(
    sizes: Annotated[str, typer.Option(help="Corpus sizes: 31k (the ANT corpus), 100k, 1m")]
    = "31k,100k",
    json_out: Annotated[Path | None, typer.Option("--json", help="Write every figure here")]
    = None,
    smoke: Annotated[bool, typer.Option(help="A few hundred articles: checks the suite runs")]
    = False,
) -> None:
    """Run the benchmark suite (a source checkout's benchmarks/ folder)."""
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[1]
    if not (repo / "benchmarks" / "__main__.py").exists():
        console.print("[red]no benchmarks/ folder beside the package: run from a source "
                      "checkout[/red]")
        raise typer.Exit(2)
    if json_out:
        _check_writable(json_out)  # the suite writes it only after its first long part
    cmd = [sys.executable, "-m", "benchmarks", "--sizes", sizes]
    if json_out:
        cmd += ["--json", str(json_out.resolve())]
    if smoke:
        cmd.append("--smoke")
    raise typer.Exit(subprocess.run(cmd, cwd=repo).returncode)


@app.command("tag")
def tag_command(
    in_path: Annotated[Path, typer.Option("--in", help="JSONL: {id, title, text} per line",
                                          exists=True, dir_okay=False)],
    out_path: Annotated[Path, typer.Option("--out", help="JSONL: {id, topics, entities} "
                                           "per line")],
    taxonomy_path: Annotated[Path | None, typer.Option("--taxonomy", help="Taxonomy file "
                                                       "(default: AKHBAR_TAXONOMY, else the "
                                                       "packaged one)")] = None,
) -> None:
    """Tag articles in a JSONL file with topics and their evidence (the nightly rules)."""
    from pipeline.gazetteer import GazetteerError
    from pipeline.taxonomy import TaxonomyError, load_taxonomy
    from pipeline.topics import Tagger, entity_tagger, tag_jsonl

    _check_writable(out_path)
    if _same_file(in_path, out_path):
        raise _cannot_write(out_path, "it is the --in file")
    try:
        tagger = Tagger(load_taxonomy(taxonomy_path))
        # The gazetteer too is read before --out is opened: a mistake in it is its own,
        # not the input's, and must not leave an empty output behind.
        entity_tagger()
    except (TaxonomyError, GazetteerError) as exc:
        raise _refused(exc, err_console) from exc
    counts: dict[str, int] = {}
    n = 0
    try:
        with in_path.open("rb") as fh, _replacing(out_path) as out:
            for line in tag_jsonl(tagger, fh):
                out.write(line + "\n")
                n += 1
                for topic in json.loads(line)["topics"]:
                    counts[topic["topic"]] = counts.get(topic["topic"], 0) + 1
    except ValueError as exc:
        err_console.print(f"[red]error:[/red] {escape(str(in_path))}: {escape(str(exc))}",
                          soft_wrap=True)
        raise typer.Exit(2) from exc
    except OSError as exc:  # a disk that fills up, a file that goes away: no traceback
        raise _refused(exc, err_console) from exc
    err_console.print(f"{n} articles tagged with taxonomy {tagger.version}: " +
                      (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "no topics"))


@app.command("eval")
def eval_command(
    gold: Annotated[Path, typer.Option(help="JSONL: {id, topics[, split]} per line",
                                       exists=True, dir_okay=False)],
    in_path: Annotated[Path, typer.Option("--in", help="JSONL (or .jsonl.gz): {id, title, "
                                          "text}; only the gold ids are read",
                                          exists=True, dir_okay=False)],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON")] = False,
    split: Annotated[str | None, typer.Option(help="Only gold lines with this split "
                                              "(tune, heldout); lines without one are left "
                                              "out")] = None,
    topics: Annotated[str | None, typer.Option(help="Comma-separated taxonomy topic ids "
                                               "(default: those in the gold labels)")] = None,
    taxonomy_path: Annotated[Path | None, typer.Option("--taxonomy", help="Taxonomy file "
                                                       "(default: AKHBAR_TAXONOMY, else the "
                                                       "packaged one)")] = None,
) -> None:
    """Precision, recall and F1 of the topic tags against hand labels, with misses by id."""
    from pipeline import evaluate
    from pipeline.taxonomy import TaxonomyError, load_taxonomy
    from pipeline.topics import Tagger

    try:
        tagger = Tagger(load_taxonomy(taxonomy_path))
        labels = evaluate.read_gold(gold, split, known=[t.id for t in tagger.topics])
        if not labels:
            # Scores over no article would read as perfect: refuse instead.
            present = evaluate.splits(gold)
            raise ValueError(f"{gold}: no gold line has split {split!r} (its splits: "
                             f"{', '.join(present) or 'none'})" if split
                             else f"{gold}: no gold line")
        names = [t.strip() for t in topics.split(",") if t.strip()] if topics else None
        if topics and not names:
            raise ValueError(f"--topics {topics!r} names no topic")
        articles = evaluate.read_articles(in_path, set(labels))
        report = evaluate.evaluate(tagger, labels, articles, names)
        entity_gold = evaluate.read_entity_gold(gold, split)
        entity_gold = {k: v for k, v in entity_gold.items() if v}
        # A broken label alias file (a ValueError) is told like a broken taxonomy.
        entity_scores = evaluate.evaluate_entities(entity_gold, articles) if entity_gold else {}
    except (TaxonomyError, ValueError, KeyError, OSError, EOFError) as exc:
        # OSError, EOFError: an unreadable or truncated .gz corpus
        raise _refused(exc) from exc
    if as_json:
        typer.echo(json.dumps({"taxonomy_version": tagger.version, **report.as_dict(),
                               "entities": {t: s.as_dict() for t, s in entity_scores.items()}},
                              ensure_ascii=False, indent=2))
        return
    console.print(evaluate.render(report, f"Topics, taxonomy {tagger.version}"))
    for line in evaluate.misses(report):
        console.print(escape(line), soft_wrap=True)
    if entity_scores:
        console.print(evaluate.render_entities(
            entity_scores, f"Entities ({len(entity_gold)} articles, salient entities)"))
        for line in entity_scores["all"].missed:
            console.print(f"entity missed: {escape(line)}", soft_wrap=True)


def _date_range(since: str | None, until: str | None) -> tuple[datetime | None,
                                                              datetime | None]:
    """``[since, until]`` as inclusive UTC days turned into a half-open datetime range;
    exit 2 naming the option of a day that is no calendar day or a reversed range."""
    from pipeline.topics import day_window

    try:
        return day_window(since, until, ("--since", "--until"))
    except ValueError as exc:
        raise _refused(exc) from exc


Since = Annotated[str | None, typer.Option(help="First publication date, YYYY-MM-DD "
                                           "(UTC, inclusive)")]
Until = Annotated[str | None, typer.Option(help="Last publication date, YYYY-MM-DD "
                                           "(UTC, inclusive)")]


@app.command("retag")
def retag_command(
    since: Since = None,
    until: Until = None,
    topics: Annotated[bool, typer.Option(help="Re-tag topics")] = True,
    entities: Annotated[bool, typer.Option(help="Re-tag entities")] = True,
) -> None:
    """Re-tag stored articles with the current taxonomy and gazetteer (after editing them)."""
    from pipeline import entities_db
    from pipeline import topics as topics_module
    from pipeline.gazetteer import GazetteerError, default_gazetteer
    from pipeline.taxonomy import TaxonomyError, load_taxonomy

    if not topics and not entities:
        # Both off, it would print nothing and exit 0, as if history had been re-tagged.
        raise typer.BadParameter("nothing to re-tag (drop one of the two)",
                                 param_hint="--no-topics with --no-entities")
    start, end = _date_range(since, until)
    url = database_url(_settings())
    try:
        # Both files are checked before either re-tag writes, as the night and the DAG do:
        # a broken gazetteer must not leave history re-tagged for topics only.
        taxonomy = load_taxonomy() if topics else None
        if entities:
            default_gazetteer()
        if topics:
            figures = topics_module.retag(url, start=start, end=end, taxonomy=taxonomy)
            console.print(
                f"taxonomy {figures['taxonomy_version']}: {figures['articles']} articles "
                f"re-tagged, {figures['tagged']} with a topic, {figures['tags']} tags "
                f"({', '.join(f'{k} {v}' for k, v in figures['by_topic'].items()) or '-'}) "
                f"in {figures['seconds']} s")
        if entities:
            figures = entities_db.retag(url, start=start, end=end)
            console.print("entities: " + json.dumps(figures, ensure_ascii=False))
    except (TaxonomyError, GazetteerError) as exc:
        raise _refused(exc) from exc


entities_app = typer.Typer(help="Named entities: the gazetteer and unlinked names.",
                            no_args_is_help=True)
app.add_typer(entities_app, name="entities")


@entities_app.command("candidates")
def entities_candidates(
    limit: Annotated[int, typer.Option(help="How many names to list", min=0)] = 50,
    min_articles: Annotated[int, typer.Option(help="Only names seen in at least this many "
                                              "articles")] = 2,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
) -> None:
    """The most frequent names the gazetteer does not know: candidates to add to it."""
    from pipeline.entities_db import candidates

    settings = _settings()
    with database(settings) as conn:
        rows = candidates(conn, limit=limit, min_articles=min_articles)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table(title="Unlinked names (add the real ones to pipeline/data/gazetteer.yaml)")
    for col in ("name", "type", "articles", "mentions", "confidence"):
        table.add_column(col, justify="left" if col in ("name", "type") else "right")
    for r in rows:
        table.add_row(r["name"], r["type"], str(r["articles"]), str(r["mentions"]),
                      f"{r['confidence']:.2f}")
    console.print(table)


@entities_app.command("retag")
def entities_retag(since: Since = None, until: Until = None) -> None:
    """Sync the gazetteer and re-tag stored articles with entities only."""
    retag_command(since=since, until=until, topics=False, entities=True)


feeds_app = typer.Typer(help="Feed health: list it (sickest first), re-enable a feed.")
app.add_typer(feeds_app, name="feeds")


def _when(value: datetime | None) -> str:
    """A time as the feeds table heads it: UTC, whatever the session's time zone."""
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M}" if value else "-"


@feeds_app.callback(invoke_without_command=True)
def feeds_command(ctx: typer.Context,
                  sick: Annotated[bool, typer.Option(help="Only feeds failing, backing off "
                                                          "or disabled (by health or off in "
                                                          "the registry)")] = False) -> None:
    """List every feed's health: last ok, last error, streak, next attempt."""
    if ctx.invoked_subcommand is not None:
        return
    from pipeline import health

    settings = _settings()
    with database(settings) as conn:
        rows = health.listing(conn)
    table = Table(title="Feed health (times in UTC)")
    for column in ("feed", "state", "last ok", "streak", "next attempt", "last error"):
        table.add_column(column, overflow="fold")
    for r in rows:
        if r["disabled_at"]:
            state = f"[red]disabled[/red] {escape(str(r['disabled_reason']))}"
        elif not r["enabled"]:
            state = "off in registry"
        elif r["failure_streak"]:
            state = f"[yellow]failing[/yellow] ({escape(str(r['last_reason']))})"
        else:
            state = escape(r["last_status"] or "never fetched")
        if r["moved_to"]:
            state += f"; moved to {escape(r['moved_to'])} (update the registry)"
        # Off in the registry counts too: akhbar.feed_health calls such a feed disabled.
        if sick and not (r["disabled_at"] or r["failure_streak"] or not r["enabled"]):
            continue
        error = f"{_when(r['last_error_at'])} {r['last_error']}" if r["last_error"] else "-"
        table.add_row(escape(r["feed_id"]), state, _when(r["last_ok_at"]),
                      str(r["failure_streak"]), _when(r["next_attempt_at"]), escape(error))
    console.print(table)


@feeds_app.command("enable")
def feeds_enable(feed_id: Annotated[str, typer.Argument(help="The feed's id")]) -> None:
    """Re-enable a disabled feed and clear its failure streak and backoff."""
    from pipeline import health

    settings = _settings()
    with database(settings) as conn:
        known = health.enable(conn, feed_id)
        row = conn.execute("SELECT enabled FROM feeds WHERE id = %s", (feed_id,)).fetchone()
    if not known:
        console.print(f"[red]error:[/red] no feed {escape(repr(feed_id))}")
        raise typer.Exit(2)
    if row is None or not row[0]:
        # Health no longer holds it back, but the night fetches only what the file lists.
        console.print(f"feed {escape(feed_id)}: failure streak, backoff and disabled mark "
                      "cleared, but it was off in the registry at the last night (enabled: "
                      "false, or not listed); it is fetched by the first night whose feeds.yaml "
                      "lists it enabled")
        return
    console.print(f"feed {escape(feed_id)} enabled; it is fetched on the next run")


def _utc(value: object) -> str:
    """A time as UTC, whatever the session's time zone; "-" for none."""
    if not isinstance(value, datetime):
        return "-"
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


@app.command("runs")
def runs_command(
    last: Annotated[int, typer.Option(min=1, help="How many of the latest runs")] = 20,
) -> None:
    """List the latest runs, newest first; one whose process is gone is stored failed first.

    A run left running by an ``akhbar run`` that was killed reads as failed ("abandoned")
    here and in akhbar.runs, instead of running for ever (see README, For operators).
    """
    settings = _settings()
    with database(settings) as conn:
        store.abandon_dead_runs(conn)
        rows = store.list_runs(conn, last)
    table = Table(title="Runs, newest first (times in UTC)")
    for column in ("run key", "status", "started", "finished", "run by", "error"):
        table.add_column(column, overflow="fold")
    for r in rows:
        status = str(r["status"])
        colour = {"failed": "red", "running": "yellow"}.get(status)
        # No process recorded: Airflow's tasks run the night (or a run from before 110).
        by = f"{r['host']} pid {r['pid']}" if r["pid"] is not None else "-"
        if status == "running" and r["heartbeat_at"]:
            by += f" (heartbeat {_utc(r['heartbeat_at'])})"
        table.add_row(escape(str(r["run_key"])),
                      f"[{colour}]{status}[/{colour}]" if colour else escape(status),
                      _utc(r["started_at"]), _utc(r["finished_at"]),
                      escape(by), escape(str(r["error"] or "-")))
    console.print(table)


@app.command("reparse")
def reparse_command(
    run_key: Annotated[str, typer.Option(help="The run (night) to parse again")],
    feed: Annotated[list[str] | None, typer.Option(help="Only this feed (repeatable)")] = None,
) -> None:
    """Parse a night again from its stored raw payloads, without fetching anything."""
    from pipeline.gazetteer import GazetteerError
    from pipeline.taxonomy import TaxonomyError

    settings = _settings()
    url = database_url(settings, connect=False)
    with _first_connection(url) as conn:
        row = conn.execute("SELECT id, summary FROM runs WHERE run_key = %s",
                           (run_key,)).fetchone()
        fetched = [r[0] for r in conn.execute(
            "SELECT feed_id FROM fetches WHERE run_id = %s ORDER BY feed_id",
            (row[0],))] if row else []
    if row is None:
        console.print(f"[red]error:[/red] no run {escape(repr(run_key))}")
        raise typer.Exit(2)
    unknown = [f for f in feed or [] if f not in fetched]
    if unknown:
        # A mistyped id would otherwise read as payloads pruned or never kept.
        console.print(f"[red]error:[/red] no feed {escape(', '.join(map(repr, unknown)))} in "
                      f"run {escape(repr(run_key))} (its feeds: "
                      f"{escape(', '.join(fetched) or 'none')})", soft_wrap=True)
        raise typer.Exit(2)
    stages = dict((row[1] or {}).get("stages", {}))
    try:
        outcomes = night.reparse(url, row[0], settings, feed, stages=stages)
    except (TaxonomyError, GazetteerError) as exc:  # checked before anything is written
        raise _refused(exc) from exc
    if not outcomes:
        console.print(f"no raw payloads stored for run {escape(repr(run_key))} (pruned, or "
                      "AKHBAR_KEEP_RAW=0)")
        raise typer.Exit(1)
    print_summary(night.summarize(url, row[0], stages=stages))


if __name__ == "__main__":
    app()
