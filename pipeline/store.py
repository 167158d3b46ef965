"""PostgreSQL: connections, migrations, and bulk loading of articles with exact dedup.

Articles are loaded a batch at a time: COPY into a staging table, then one
``INSERT … ON CONFLICT`` upsert, in one transaction, so a crash leaves no half batch and
re-running a night changes nothing. The same canonical URL, or the same normalized
content hash, is the same article: seeing it again adds a sighting and, on a newer night,
moves ``last_seen``; ``first_seen`` is written once, when the row is inserted. A copy
whose original takes another text in the same batch is stored as an article of its own,
so every text served keeps a row.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from pipeline.records import Article, FeedSpec, FetchResult, LoadStats

log = logging.getLogger(__name__)

SQL_DIR = Path(__file__).resolve().parent.parent / "sql"
_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
# Serializes article loads across processes (Airflow shards may load at once).
_LOAD_LOCK = 7_311_001


class DatabaseNotUtf8(RuntimeError):
    """The database is not UTF-8 with a UTF-8 ctype; Arabic search would silently fail."""


# The pipeline's tables live in ``public``; the analysts' views in ``akhbar``. A login role
# named like a schema would put that schema first on the default search path ("$user"),
# so the pipeline pins its own.
SEARCH_PATH_OPTION = "-c search_path=public"


def connect(url: str, **kwargs: object) -> psycopg.Connection:
    """Open a connection with the pipeline's search path; the caller commits."""
    return psycopg.connect(url, options=SEARCH_PATH_OPTION, **kwargs)  # type: ignore[arg-type]


def check_database(conn: psycopg.Connection) -> None:
    """Fail clearly unless the database is UTF-8 with a UTF-8 ctype."""
    row = conn.execute(
        "SELECT pg_encoding_to_char(encoding), datctype FROM pg_database "
        "WHERE datname = current_database()"
    ).fetchone()
    assert row is not None
    encoding, ctype = row
    if encoding != "UTF8" or not re.search(r"utf-?8", ctype, re.I):
        raise DatabaseNotUtf8(
            f"database has encoding {encoding} and ctype {ctype!r}; Akhbar needs UTF8 with a "
            "UTF-8 ctype (create it with ENCODING 'UTF8' LC_CTYPE 'C.UTF-8' TEMPLATE template0)"
        )


def migration_files(sql_dir: Path = SQL_DIR) -> list[Path]:
    """Migration files in the order they apply."""
    files = sorted(p for p in sql_dir.glob("*.sql") if _MIGRATION_NAME.match(p.name))
    versions = [p.name[:3] for p in files]
    if len(set(versions)) != len(versions):
        raise RuntimeError(f"two migrations share a number in {sql_dir}: {versions}")
    return files


def migrate(conn: psycopg.Connection, sql_dir: Path = SQL_DIR) -> list[str]:
    """Apply pending migrations, each in its own transaction; return the names applied.

    The connection is left on the pipeline's search path, ready for the caller's work."""
    check_database(conn)
    conn.execute("SET search_path = public")
    files = migration_files(sql_dir)
    if conn.execute("SELECT to_regclass('public.schema_migrations')").fetchone() != (None,):
        done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
        if done >= {p.name[:3] for p in files}:
            # Nothing pending: a writer login, which may not create tables, runs on.
            conn.commit()
            return []
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version text PRIMARY KEY, name text NOT NULL,"
        " applied_at timestamptz NOT NULL DEFAULT now())"
    )
    conn.commit()
    applied: list[str] = []
    for path in files:
        version = path.name[:3]
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(7311000)")
            done = conn.execute("SELECT 1 FROM schema_migrations WHERE version = %s",
                                (version,)).fetchone()
            if done:
                continue
            conn.execute(path.read_text(encoding="utf-8"))  # type: ignore[arg-type]
            conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                         (version, path.name))
        applied.append(path.name)
        log.info("applied migration %s", path.name)
    # A migration may set its own search path; the caller may go on with this connection.
    conn.execute("SET search_path = public")
    conn.commit()
    return applied


def sync_feeds(conn: psycopg.Connection, feeds: Iterable[FeedSpec],
               retire_missing: bool = False) -> int:
    """Upsert the registry into ``feeds``.

    With ``retire_missing`` (the whole registry is given) a feed the file no longer lists is
    switched off, so that feed health does not report it as fine for ever; otherwise it is
    left as it is."""
    rows = [(f.id, f.name, f.url, f.outlet, f.language, f.enabled, f.full_text) for f in feeds]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO feeds (id, name, url, outlet, language, enabled, full_text) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, url = EXCLUDED.url, "
            "outlet = EXCLUDED.outlet, language = EXCLUDED.language, "
            "enabled = EXCLUDED.enabled, full_text = EXCLUDED.full_text, updated_at = now() "
            "WHERE (feeds.name, feeds.url, feeds.outlet, feeds.language, feeds.enabled, "
            "feeds.full_text) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.url, EXCLUDED.outlet, "
            "EXCLUDED.language, EXCLUDED.enabled, EXCLUDED.full_text)",
            rows,
        )
        if retire_missing:
            cur.execute("UPDATE feeds SET enabled = false, updated_at = now() "
                        "WHERE enabled AND NOT (id = ANY(%s))", ([r[0] for r in rows],))
    conn.commit()
    return len(rows)


@dataclass(frozen=True)
class Run:
    """A night's run, keyed by its data interval."""

    id: int
    key: str
    logical_ts: datetime


@dataclass(frozen=True)
class Runner:
    """The one process that runs a whole night (``akhbar run``), as recorded on its run.

    ``process_key`` (Linux) names the kernel boot, the PID namespace and the start time of
    the process, so that a PID reused after a crash, or a container that shares the host
    name but not the PIDs, is never taken for the process that ran the night.
    """

    host: str
    pid: int
    process_key: str | None


# A process running a night stamps its run this often (seconds) ...
HEARTBEAT_EVERY = 60.0
# ... and a run on another host that has not been stamped for this long is abandoned. Far
# above the beat, so that a slow database or a busy machine never makes a live run look
# dead; Airflow runs (no runner recorded) are never judged by it.
STALE_AFTER = timedelta(minutes=15)


def this_process() -> Runner:
    """The calling process as the runner of a night."""
    return Runner(socket.gethostname(), os.getpid(), _process_key(os.getpid()))


def _process_key(pid: int) -> str | None:
    """``<boot id>/<pid namespace>/<start time>`` of a live process; None where /proc has none.

    A zombie (killed, not yet reaped by its parent) runs no more: it has no key either.
    """
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        namespace = os.readlink("/proc/self/ns/pid")
        # The command name (in parentheses) may hold spaces: the fields follow its last ")".
        fields = Path(f"/proc/{pid}/stat").read_text(encoding="ascii",
                                                     errors="replace").rsplit(")", 1)[1].split()
    except OSError:
        return None
    state, started = fields[0], fields[19]
    return None if state == "Z" else f"{boot}/{namespace}/{started}"


def _same_machine(recorded: Runner, me: Runner) -> bool:
    """Whether ``recorded`` ran where this process can see its PID: same host name and, on
    Linux, the same boot and PID namespace (a rebooted host is left to the heartbeat)."""
    if recorded.host != me.host:
        return False
    if recorded.process_key is None or me.process_key is None:
        return recorded.process_key is None and me.process_key is None
    return recorded.process_key.rsplit("/", 1)[0] == me.process_key.rsplit("/", 1)[0]


def _process_gone(recorded: Runner) -> bool:
    """Whether the process that ran a night on this machine has ended (or its PID is reused)."""
    if recorded.process_key is not None:
        return _process_key(recorded.pid) != recorded.process_key
    try:
        os.kill(recorded.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


def start_run(conn: psycopg.Connection, key: str, logical_ts: datetime,
              interval_start: datetime | None = None,
              interval_end: datetime | None = None, runner: Runner | None = None) -> Run:
    """Create the run for ``key`` or reopen it: re-running a night reuses its id.

    ``runner`` is the process that runs the whole night (``akhbar run``); None for a night
    spread over tasks and workers (Airflow), which is never judged abandoned.
    """
    row = conn.execute(
        "INSERT INTO runs (run_key, logical_ts, interval_start, interval_end) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (run_key) DO UPDATE "
        "SET status = 'running', started_at = now(), finished_at = NULL "
        "RETURNING id, logical_ts, xmax = 0",  # xmax 0: the row was inserted, not reopened
        (key, logical_ts, interval_start, interval_end),
    ).fetchone()
    assert row is not None
    if runner is not None or not row[2]:
        # In the same transaction, so that no other run's start sees the reopened run with
        # the runner of an earlier attempt. A new run without a runner has nothing to set.
        owner = (runner.host, runner.pid, runner.process_key) if runner else (None, None, None)
        conn.execute(
            "UPDATE runs SET host = %s, pid = %s, process_key = %s, "
            "heartbeat_at = CASE WHEN %s THEN now() END WHERE id = %s",
            (*owner, runner is not None, row[0]))
    conn.commit()
    return Run(id=row[0], key=key, logical_ts=row[1])


def beat(url: str, run_id: int, runner: Runner) -> bool:
    """Stamp the run's heartbeat, while it is running and still this runner's; commits."""
    with connect(url, connect_timeout=10) as conn:
        cur = conn.execute(
            "UPDATE runs SET heartbeat_at = now() WHERE id = %s AND status = 'running' "
            "AND host = %s AND pid = %s AND process_key IS NOT DISTINCT FROM %s",
            (run_id, runner.host, runner.pid, runner.process_key))
    return cur.rowcount > 0


@contextmanager
def heartbeat(url: str, run_id: int, runner: Runner,
              every: float = HEARTBEAT_EVERY) -> Iterator[None]:
    """Stamp the run every ``every`` seconds from a thread while the block runs.

    A thread, not the stages, so that one long stage never looks like a dead run; a failed
    stamp (the database briefly away) is logged and tried again at the next beat.
    """
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every):
            try:
                beat(url, run_id, runner)
            except psycopg.Error as exc:
                log.warning("could not stamp the heartbeat of run %s: %s", run_id, exc)

    thread = threading.Thread(target=loop, name=f"akhbar-heartbeat-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=every)


def abandon_dead_runs(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """Store as failed the runs left ``running`` by a process that is gone; commits.

    A run is abandoned when its runner ran on this machine and its process has ended (killed,
    out of memory), or ran elsewhere and has not stamped its heartbeat for ``STALE_AFTER``
    (a host that rebooted or vanished). A live process on this machine is never abandoned,
    however late its heartbeat, and neither is a run without a runner (Airflow's: its tasks
    run on many workers, and Airflow tracks them). Returns (run key, reason) of each.
    """
    me = this_process()
    rows = conn.execute(
        "SELECT id, run_key, started_at, host, pid, process_key, heartbeat_at, "
        "coalesce(heartbeat_at < now() - %s, true) FROM runs "
        "WHERE status = 'running' AND pid IS NOT NULL ORDER BY id", (STALE_AFTER,)).fetchall()
    abandoned = []
    for run_id, key, started, host, pid, process_key, beat_at, stale in rows:
        recorded = Runner(host, pid, process_key)
        if _same_machine(recorded, me):
            if not _process_gone(recorded):
                continue
            reason = f"its process {pid} on {host} is gone (killed, or out of memory)"
        elif stale:
            last = beat_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if beat_at else "never"
            reason = (f"no heartbeat from its process {pid} on {host} for over "
                      f"{int(STALE_AFTER.total_seconds() // 60)} minutes (last: {last} UTC)")
        else:
            continue
        # Only if the run is still that attempt: a night reopened meanwhile is left alone.
        cur = conn.execute(
            "UPDATE runs SET status = 'failed', finished_at = now(), summary = %s "
            "WHERE id = %s AND status = 'running' AND started_at = %s AND pid = %s "
            "AND host = %s AND process_key IS NOT DISTINCT FROM %s "
            "AND heartbeat_at IS NOT DISTINCT FROM %s",
            (Jsonb({"error": f"abandoned: {reason}",
                    "abandoned": {"host": host, "pid": pid,
                                  "heartbeat_at": beat_at.isoformat() if beat_at else None}}),
             run_id, started, pid, host, process_key, beat_at))
        if cur.rowcount:
            log.warning("run %s was left running; stored as failed: %s", key, reason)
            abandoned.append((key, reason))
    conn.commit()
    return abandoned


def list_runs(conn: psycopg.Connection, limit: int = 20) -> list[dict[str, object]]:
    """The latest runs, newest first, with who runs them and the error that ended them."""
    cur = conn.execute(
        "SELECT run_key, status, started_at, finished_at, host, pid, heartbeat_at, "
        "summary->>'error' AS error FROM runs ORDER BY started_at DESC, id DESC LIMIT %s",
        (max(limit, 0),))
    names = [d.name for d in cur.description or []]
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def get_run(conn: psycopg.Connection, run_id: int) -> Run:
    """The run ``run_id`` (its key and logical time); :class:`LookupError` when there is none."""
    row = conn.execute("SELECT id, run_key, logical_ts FROM runs WHERE id = %s",
                       (run_id,)).fetchone()
    if row is None:
        raise LookupError(f"no run {run_id}")
    return Run(id=row[0], key=row[1], logical_ts=row[2])


def finish_run(conn: psycopg.Connection, run_id: int, status: str, summary: dict) -> None:
    """Close the run with its final status and summary, stamped now; commits."""
    conn.execute(
        "UPDATE runs SET status = %s, finished_at = now(), summary = %s WHERE id = %s",
        (status, Jsonb(summary), run_id),
    )
    conn.commit()


def fail_running_run(conn: psycopg.Connection, key: str, summary: dict,
                     runner: Runner | None = None) -> bool:
    """Store the run ``key`` failed with ``summary`` if it is still running; commits.

    Returns whether it was stored: a run not opened yet, or already ended (a failed quality
    check stores its own summary), is left as it is. With ``runner``, only a run that this
    runner opened: another process's attempt at the same night is left running.
    """
    mine = ("AND host = %s AND pid = %s AND process_key IS NOT DISTINCT FROM %s"
            if runner else "")
    owner = (runner.host, runner.pid, runner.process_key) if runner else ()
    cur = conn.execute(
        "UPDATE runs SET status = 'failed', finished_at = now(), summary = %s "
        f"WHERE run_key = %s AND status = 'running' {mine}", (Jsonb(summary), key, *owner))
    conn.commit()
    return cur.rowcount > 0


def record_fetch(conn: psycopg.Connection, run_id: int, result: FetchResult,
                 entries: int, loaded: int, details: dict | None = None) -> None:
    """Log one feed's fetch for this run (a re-run replaces the row).

    A re-run that skips the feed (disabled or backing off since) keeps what the night saw."""
    conn.execute(
        "INSERT INTO fetches (run_id, feed_id, url, started_at, finished_at, status, "
        "http_status, entries, loaded, error, details) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (run_id, feed_id) DO UPDATE SET url = EXCLUDED.url, "
        "started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at, "
        "status = EXCLUDED.status, http_status = EXCLUDED.http_status, "
        "entries = EXCLUDED.entries, loaded = EXCLUDED.loaded, error = EXCLUDED.error, "
        "details = EXCLUDED.details "
        "WHERE EXCLUDED.status <> 'skipped' OR fetches.status = 'skipped'",
        (run_id, result.feed_id, result.url, result.started_at, result.finished_at,
         result.status, result.http_status, entries, loaded, result.error,
         Jsonb(details or {})),
    )
    conn.commit()


_STAGE_COLUMNS = (
    "feed_id", "outlet", "url", "canonical_url", "guid", "title", "summary", "body",
    "body_source", "author", "title_norm", "body_norm", "content_hash", "language",
    "published_at",
)
# Content columns change only when a newer night sees new text at the same URL, so that a
# backfill of an older night never rolls an edited article back.
_CONTENT_COLUMNS = ("url", "guid", "title", "summary", "body", "body_source", "author",
                    "title_norm", "body_norm", "content_hash", "published_at")
# Two texts at one URL in the same night (two feeds, or two mapped fetch tasks racing) are
# settled by (published_at, content_hash), not by which batch commits last or comes first in
# a batch (a later text at a URL takes another round of the upsert), so the winner
# and a re-run of the night do not depend on the order the workers finish in.
_NEWER = ("EXCLUDED.content_hash <> articles.content_hash AND ("
          "EXCLUDED.last_seen > articles.last_seen OR (EXCLUDED.last_seen = articles.last_seen "
          "AND (coalesce(EXCLUDED.published_at, '-infinity'), EXCLUDED.content_hash) > "
          "(coalesce(articles.published_at, '-infinity'), articles.content_hash)))")
# first_seen: logical time of the run that inserted the row; never changed afterwards.
# A backfill of an older night must not pull an article out of the night that found it
# (the report, and published_day of undated articles, key on it); its sightings keep the
# older night. Known URLs only: a row is written when the night brings newer text or a
# later last_seen, so re-running a night (or backfilling) rewrites no row or index entry.
_UPSERT = (
    f"INSERT INTO articles ({', '.join(_STAGE_COLUMNS)}, first_seen, last_seen, run_id) "
    f"SELECT {', '.join(_STAGE_COLUMNS)}, %(ts)s, %(ts)s, %(run)s FROM stage_articles "
    "ORDER BY ord "
    "ON CONFLICT (canonical_url) DO UPDATE SET "
    + ", ".join(f"{c} = CASE WHEN {_NEWER} THEN EXCLUDED.{c} ELSE articles.{c} END"
                for c in _CONTENT_COLUMNS)
    + f", updated_at = CASE WHEN {_NEWER} THEN EXCLUDED.last_seen ELSE articles.updated_at END"
    ", last_seen = GREATEST(articles.last_seen, EXCLUDED.last_seen) "
    f"WHERE ({_NEWER}) OR EXCLUDED.last_seen > articles.last_seen "
    "RETURNING id, canonical_url, content_hash"
)
_NEW_COLUMNS = ("id", *_STAGE_COLUMNS, "first_seen", "last_seen", "run_id")
_SIGHTING_COLUMNS = ("article_id", "run_id", "feed_id", "url", "outlet", "seen_at")


def _insert_new(conn: psycopg.Connection, run: Run, fresh: list[Article]) -> dict[str, int]:
    """COPY articles whose URL is not stored into ``articles``; return their ids by URL.

    Ids are drawn from the table's sequence first, so they follow the order given."""
    if not fresh:
        return {}
    ids = sorted(r[0] for r in conn.execute(
        "SELECT nextval(pg_get_serial_sequence('articles', 'id')) "
        "FROM generate_series(1, %s)", (len(fresh),)))
    inserted: dict[str, int] = {}
    with conn.cursor().copy(f"COPY articles ({', '.join(_NEW_COLUMNS)}) FROM STDIN") as copy:
        for aid, art in zip(ids, fresh, strict=True):
            copy.write_row((aid, *(getattr(art, c) for c in _STAGE_COLUMNS),
                            run.logical_ts, run.logical_ts, run.id))
            inserted[art.canonical_url] = aid
    return inserted


def _stage_known(conn: psycopg.Connection, run: Run,
                 known: list[Article]) -> dict[str, tuple[int, str]]:
    """Upsert articles whose URL is stored already; return the id and the content hash of
    each row written, by URL."""
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS stage_articles (ord integer, "
        + ", ".join(f"{c} {'timestamptz' if c == 'published_at' else 'text'}"
                    for c in _STAGE_COLUMNS)
        + ") ON COMMIT DELETE ROWS"
    )
    conn.execute("DELETE FROM stage_articles")  # an earlier round of the same batch
    with conn.cursor().copy(
        f"COPY stage_articles (ord, {', '.join(_STAGE_COLUMNS)}) FROM STDIN"
    ) as copy:
        for i, art in enumerate(known):
            copy.write_row((i, *(getattr(art, c) for c in _STAGE_COLUMNS)))
    return {url: (aid, chash) for aid, url, chash in
            conn.execute(_UPSERT, {"ts": run.logical_ts, "run": run.id})}


def load_articles(conn: psycopg.Connection, run: Run, articles: Sequence[Article]) -> LoadStats:
    """Load one batch in one transaction; return how many were new, updated, older texts
    than the stored ones (not applied) or duplicates.

    Under the load lock the stored URLs and hashes are read first, so new articles go
    straight into ``articles`` by COPY (ids drawn from its sequence in batch order) and
    only articles at a known URL take the staging table and the upsert. Another text at a
    URL met earlier in the batch takes a later round of the upsert, so the batch stores and
    counts what loading its articles one at a time would. An exact copy at another URL
    becomes a sighting of the article that holds its text once the batch is written
    (:func:`_place_copies`).
    """
    stats = LoadStats()
    if not articles:
        return stats
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOAD_LOCK,))
        urls = list({a.canonical_url for a in articles})
        hashes = list({a.content_hash for a in articles})
        ts = run.logical_ts
        known_url: dict[str, tuple[int, str]] = {}
        known_hash: dict[str, list[int]] = {}  # content hash -> stored ids, oldest first
        held: dict[int, str] = {}  # article id -> content hash, kept current by the writes
        settled: set[str] = set()  # stored with this text, seen on this night or later
        for aid, url, chash, last_seen in conn.execute(
            "SELECT id, canonical_url, content_hash, last_seen FROM articles "
            "WHERE canonical_url = ANY(%s) OR content_hash = ANY(%s) ORDER BY id",
            (urls, hashes),
        ):
            known_url[url] = (aid, chash)
            known_hash.setdefault(chash, []).append(aid)
            held[aid] = chash
            if ts <= last_seen:
                settled.add(url)

        fresh: list[Article] = []  # URL not stored: inserted
        known: list[Article] = []  # URL stored, new text or a later last_seen: upserted
        edited: list[Article] = []  # URL stored with another text: updated or older
        settled_seen: list[Article] = []  # URL stored and nothing to change
        staged_url: dict[str, tuple[int, str]] = {}  # URL -> round and text staged last
        later: list[list[Article]] = []  # round k + 1: another text at a URL staged in round k
        repeats: list[tuple[Article, int]] = []  # the text staged last at its URL, again
        staged_hash: dict[str, str] = {}  # content hash -> canonical URL staged with it
        same_as: list[tuple[Article, int | str]] = []  # duplicate -> article id or staged URL
        for art in articles:
            if art.canonical_url in staged_url:
                rnd, chash = staged_url[art.canonical_url]
                if chash == art.content_hash:
                    same_as.append((art, art.canonical_url))
                    repeats.append((art, rnd))
                    continue
                if len(later) == rnd:
                    later.append([])
                later[rnd].append(art)
                staged_url[art.canonical_url] = (rnd + 1, art.content_hash)
                staged_hash.setdefault(art.content_hash, art.canonical_url)
            elif art.canonical_url in known_url:
                _aid, old_hash = known_url[art.canonical_url]
                if old_hash != art.content_hash:
                    edited.append(art)
                if old_hash != art.content_hash or art.canonical_url not in settled:
                    known.append(art)
                else:
                    # The upsert would change nothing: skip it (a re-run or an older night).
                    settled_seen.append(art)
                staged_url[art.canonical_url] = (0, art.content_hash)
                staged_hash.setdefault(art.content_hash, art.canonical_url)
            elif art.content_hash in known_hash:
                same_as.append((art, known_hash[art.content_hash][0]))
            elif art.content_hash in staged_hash:
                same_as.append((art, staged_hash[art.content_hash]))
            else:
                fresh.append(art)
                staged_url[art.canonical_url] = (0, art.content_hash)
                staged_hash[art.content_hash] = art.canonical_url

        ids_by_url = _insert_new(conn, run, fresh)
        new_ids = set(ids_by_url.values())
        held.update((ids_by_url[a.canonical_url], a.content_hash) for a in fresh)
        ids_by_url.update((a.canonical_url, known_url[a.canonical_url][0])
                          for a in (*known, *settled_seen))
        # Whether a text replaced the stored one is the upsert's decision (_NEWER), read
        # from the rows it wrote: an older night's text is kept out and is no update.
        _upsert_round(conn, run, known, edited, stats, ids_by_url, held)
        holds = [{url: held[ids_by_url[url]] for url in staged_url}]
        for rnd in later:
            # The text each URL holds now decides, as with a batch of one: the same night's
            # texts by (published_at, content_hash), whatever their order in the batch.
            edited = [a for a in rnd if held[ids_by_url[a.canonical_url]] != a.content_hash]
            _upsert_round(conn, run, rnd, edited, stats, ids_by_url, held)
            holds.append({a.canonical_url: held[ids_by_url[a.canonical_url]] for a in rnd})
        known.extend(a for rnd in later for a in rnd)
        # A text again at its URL loses again where it lost the first time.
        stats.older += sum(holds[rnd][a.canonical_url] != a.content_hash for a, rnd in repeats)
        copies, moved = _place_copies(conn, run, same_as, ids_by_url, held, known_hash,
                                      _run_sightings(conn, run, same_as))
        new_ids.update(moved)
        stats.new = len(new_ids)
        stats.duplicate = len(articles) - stats.new - stats.updated - stats.older

        bumped: set[int] = set()
        sightings: dict[tuple[int, str, str], str] = {}  # (article, feed, url) -> outlet
        for art in (*fresh, *known, *settled_seen):
            sightings.setdefault((ids_by_url[art.canonical_url], art.feed_id, art.url),
                                 art.outlet)
        for art, aid in copies:
            sightings.setdefault((aid, art.feed_id, art.url), art.outlet)
            if aid not in new_ids:
                bumped.add(aid)
        if bumped:
            conn.execute(
                "UPDATE articles SET last_seen = %(ts)s "
                "WHERE id = ANY(%(ids)s) AND last_seen < %(ts)s",
                {"ts": ts, "ids": sorted(bumped)},
            )
        # Sightings of articles inserted just now cannot exist yet: COPY them. The others
        # may (a re-run night): one insert that skips those already there.
        first = [(aid, run.id, feed, url, outlet, ts)
                 for (aid, feed, url), outlet in sightings.items() if aid in new_ids]
        again = [key for key in sightings.items() if key[0][0] not in new_ids]
        if first:
            with conn.cursor().copy(
                f"COPY article_sightings ({', '.join(_SIGHTING_COLUMNS)}) FROM STDIN"
            ) as copy:
                for row in first:
                    copy.write_row(row)
        if again:
            conn.execute(
                f"INSERT INTO article_sightings ({', '.join(_SIGHTING_COLUMNS)}) "
                "SELECT a, %(run)s, f, u, o, %(ts)s "
                "FROM unnest(%(a)s::bigint[], %(f)s::text[], %(u)s::text[], %(o)s::text[]) "
                "AS s(a, f, u, o) ORDER BY a, f, u ON CONFLICT DO NOTHING",
                {"run": run.id, "ts": ts,
                 "a": [k[0] for k, _ in again], "f": [k[1] for k, _ in again],
                 "u": [k[2] for k, _ in again], "o": [o for _, o in again]},
            )
    return stats


def _upsert_round(conn: psycopg.Connection, run: Run, arts: list[Article],
                  edited: list[Article], stats: LoadStats, ids_by_url: dict[str, int],
                  held: dict[int, str]) -> None:
    """Upsert one round of texts at stored URLs, noting each written row's id and text in
    ``ids_by_url`` and ``held``; then count each of ``edited`` (texts other than their URL's
    stored one) as updated if its row holds it now, else as older."""
    if arts:
        # A row the upsert leaves alone keeps the id read before; one deleted meanwhile is
        # inserted again and its new id comes back.
        written = _stage_known(conn, run, arts)
        ids_by_url.update((url, aid) for url, (aid, _chash) in written.items())
        held.update(written.values())
    for art in edited:
        if held[ids_by_url[art.canonical_url]] == art.content_hash:
            stats.updated += 1
        else:
            stats.older += 1


def _run_sightings(conn: psycopg.Connection, run: Run,
                   same_as: list[tuple[Article, int | str]]) -> dict[tuple[str, str], int]:
    """The article each copy of ``same_as`` is already a sighting of in ``run`` (a re-run),
    by (feed, URL); the first such article where, oddly, there are several."""
    urls = sorted({art.url for art, target in same_as if target != art.canonical_url})
    if not urls:
        return {}
    return {(feed, url): aid for feed, url, aid in conn.execute(
        "SELECT feed_id, url, min(article_id) FROM article_sightings "
        "WHERE run_id = %s AND url = ANY(%s) GROUP BY feed_id, url", (run.id, urls))}


def _place_copies(conn: psycopg.Connection, run: Run,
                  same_as: list[tuple[Article, int | str]], ids_by_url: dict[str, int],
                  held: dict[int, str], known_hash: dict[str, list[int]],
                  seen_in_run: dict[tuple[str, str], int],
                  ) -> tuple[list[tuple[Article, int]], set[int]]:
    """Give each duplicate the id of the article it is a sighting of; return them, and the
    ids of the rows inserted for copies whose text no row holds.

    A copy at another URL was matched to an article by the text that article held when the
    batch was read. If the batch gave that article another text (an edit at its own URL,
    or its newer text kept over an older night's), the copy's text would be held nowhere:
    it goes to another stored article with that text or, failing one, becomes an article
    of its own at its URL, so a re-run finds it there and changes nothing.
    A copy this run has already seen (``seen_in_run``: the night run again) stays a sighting
    of the article it was one of, whatever text that article holds since: a later night's
    edit must not make a re-run place it anew. ``ids_by_url`` and ``held`` are updated with
    the rows inserted.
    """
    placed: list[tuple[Article, int | None]] = []
    holders: dict[str, int] | None = None  # content hash -> oldest row holding it now
    for art, target in same_as:
        aid = ids_by_url[target] if isinstance(target, str) else target
        home: int | None = aid
        if target != art.canonical_url and (art.feed_id, art.url) in seen_in_run:
            home = seen_in_run[art.feed_id, art.url]
        elif target != art.canonical_url and held[aid] != art.content_hash:
            home = next((i for i in known_hash.get(art.content_hash, ())
                         if held[i] == art.content_hash), None)
            if home is None:  # an article that took the text in this very batch
                if holders is None:
                    holders = {}
                    for i, chash in sorted(held.items()):
                        holders.setdefault(chash, i)
                home = holders.get(art.content_hash)
        placed.append((art, home))
    homeless: dict[str, Article] = {}  # URL -> the first copy there whose text no row holds
    home_of: dict[str, str] = {}  # content hash -> URL of the copy inserted with it
    for art, aid in placed:
        # A later copy of the same text, or another text at the same URL, is a sighting of
        # the row inserted for the first (a URL holds one text).
        if (aid is None and art.canonical_url not in ids_by_url
                and art.canonical_url not in homeless and art.content_hash not in home_of):
            homeless[art.canonical_url] = art
            home_of[art.content_hash] = art.canonical_url
    inserted = _insert_new(conn, run, list(homeless.values()))
    if inserted:
        log.info("%d exact copies hold a text their original no longer has: stored as "
                 "articles of their own", len(inserted))
    ids_by_url.update(inserted)
    held.update((aid, homeless[url].content_hash) for url, aid in inserted.items())
    copies = [(art, aid if aid is not None else
               ids_by_url[home_of.get(art.content_hash, art.canonical_url)])
              for art, aid in placed]
    return copies, set(inserted.values())


def article_ids_between(conn: psycopg.Connection, start: datetime | None,
                        end: datetime | None) -> list[int]:
    """Ids of stored articles published (or first seen, when undated) in ``[start, end)``."""
    return [r[0] for r in conn.execute(
        "SELECT id FROM articles WHERE (%(start)s::timestamptz IS NULL "
        "OR coalesce(published_at, first_seen) >= %(start)s) AND (%(end)s::timestamptz IS NULL "
        "OR coalesce(published_at, first_seen) < %(end)s) ORDER BY id",
        {"start": start, "end": end})]


def run_article_ids(conn: psycopg.Connection, run_id: int) -> list[int]:
    """Ids of every article seen in a run, the input of the stages after loading."""
    return [r[0] for r in conn.execute(
        "SELECT DISTINCT article_id FROM article_sightings WHERE run_id = %s ORDER BY 1",
        (run_id,))]
