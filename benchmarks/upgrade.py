"""What applying one migration costs on a large warehouse, and whom it makes wait.

``python -m benchmarks.upgrade --articles 300k --migration 107`` builds a warehouse migrated
up to (not including) the migration: the ANT corpus loaded through the loader, repeated in
SQL under new URLs and hashes until it holds ``--articles`` articles, every one indexed for
search. It then applies the migration while probes run beside it, as a night and analysts
would: an analyst's search, a night loading and indexing a new article, a night indexing an
edited old article, and a night starting (every ``akhbar`` command migrates first, behind the
migrations' advisory lock). It prints the migration's wall time, WAL and disk growth, the
locks it held on the search tables, how long each probe waited at most, and, when the
migration leaves search rows stale, the same figures for ``akhbar db index-search``.

The migrations are those of ``sql/`` as they are in the working tree. The server is the
benchmarks' throwaway cluster (fsync off): on a disk that syncs, the writing steps take
longer.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from benchmarks.corpus import load_ant, parse_size
from benchmarks.pg import bench_server, fresh_database
from benchmarks.stages import bench_feeds, direct_article
from pipeline import search, store
from pipeline.records import Article

NIGHT = datetime(2024, 6, 1, 2, tzinfo=UTC)
QUERY = "مسئول"  # found in old articles only once their rows hold folded hamza seats
LOCKED = ("article_search", "article_search_idx", "article_search_pkey", "articles")


@dataclass
class Probe:
    """One kind of concurrent work, repeated until stopped; its longest wait is kept."""

    name: str
    step: Callable[[psycopg.Connection, int], Any]
    longest: float = 0.0
    runs: int = 0
    results: list[Any] = field(default_factory=list)


def sql_dir_through(number: str, dest: Path) -> Path:
    """The migrations of ``sql/`` up to and including ``number``, copied to ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for path in store.migration_files():
        if path.name[:3] <= number:
            (dest / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return dest


def build_warehouse(url: str, total: int) -> list[int]:
    """Load ANT, repeat it in SQL up to ``total`` articles, index all; return ANT's ids."""
    base = load_ant()
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        store.sync_feeds(conn, bench_feeds()[:1])
        run = store.start_run(conn, "ant", NIGHT)
        articles = [direct_article(b) for b in base]
        for i in range(0, len(articles), 2000):
            store.load_articles(conn, run, articles[i:i + 2000])
        conn.commit()
        ant = [r[0] for r in conn.execute("SELECT id FROM articles ORDER BY id")]
        copies = max(0, -(-total // len(ant)) - 1)
        for k in range(1, copies + 1):
            left = total - len(ant) * k
            conn.execute(
                "INSERT INTO articles (canonical_url, url, guid, feed_id, outlet, title, "
                "summary, body, body_source, title_norm, body_norm, content_hash, "
                "published_at, first_seen, last_seen, run_id) "
                "SELECT canonical_url || '#' || %(k)s, url || '#' || %(k)s, guid, feed_id, "
                "outlet, title, summary, body, body_source, title_norm, body_norm, "
                "md5(content_hash || %(k)s), published_at - %(k)s * interval '1 day', "
                "first_seen - %(k)s * interval '1 day', last_seen, run_id "
                "FROM articles WHERE id = ANY(%(ids)s) ORDER BY id",
                {"k": k, "ids": ant[:left]})
            conn.commit()
        conn.execute("SET work_mem = '64MB'")
        conn.execute(
            "INSERT INTO article_search (article_id, content_hash, search_vector) "
            "SELECT id, content_hash, akhbar.search_vector(title_norm, body_norm) FROM articles")
        conn.execute("SELECT flush_search_index()")
        conn.commit()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE articles")
        conn.execute("VACUUM ANALYZE article_search")
        conn.execute("CHECKPOINT")
        stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    print(f"warehouse: {stored:,} articles built and indexed in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    return ant


def index_ids(conn: psycopg.Connection, ids: list[int]) -> None:
    """Index ``ids`` as the night does, or as it did before the schema under test."""
    try:
        search.index_articles(conn, ids)
    except psycopg.errors.UndefinedColumn:  # the migration adding the column is pending
        conn.rollback()
        conn.execute("INSERT INTO article_search (article_id, content_hash, search_vector) "
                     "SELECT id, content_hash, akhbar.search_vector(title_norm, body_norm) "
                     "FROM articles WHERE id = ANY(%s) ON CONFLICT (article_id) DO UPDATE "
                     "SET content_hash = EXCLUDED.content_hash, "
                     "search_vector = EXCLUDED.search_vector", (ids,))
        conn.commit()
        conn.execute("SELECT flush_search_index()")
        conn.commit()


def probes(url: str, ant: list[int]) -> list[Probe]:
    """An analyst's search, a night's new and edited articles, a night starting."""
    feed = bench_feeds()[0]

    def new_article(i: int) -> Article:
        return direct_article_text(f"https://probe.example/new/{i}", f"تصريح مسؤول رقم {i}",
                                   f"قال مسؤول في الوزارة إن الاجتماع رقم {i} انتهى", feed.id)

    def search_step(conn: psycopg.Connection, i: int) -> int:
        return conn.execute("SELECT count(*) FROM akhbar.search(%s, 100000)",
                            (QUERY,)).fetchone()[0]

    def load_new(conn: psycopg.Connection, i: int) -> None:
        run = store.start_run(conn, f"probe-new-{i}", NIGHT)
        store.load_articles(conn, run, [new_article(i)])
        conn.commit()
        index_ids(conn, store.run_article_ids(conn, run.id))

    def edit_old(conn: psycopg.Connection, i: int) -> None:
        aid = ant[(i * 97) % len(ant)]
        row = conn.execute("SELECT canonical_url, title, body FROM articles WHERE id = %s",
                           (aid,)).fetchone()
        conn.commit()
        run = store.start_run(conn, f"probe-edit-{i}", NIGHT)
        store.load_articles(conn, run, [direct_article_text(
            row[0], row[1], f"{row[2]}\nتحديث رقم {i} من مسؤول", feed.id)])
        conn.commit()
        index_ids(conn, [aid])

    return [Probe("analyst search", search_step), Probe("night: new article", load_new),
            Probe("night: edited old article", edit_old)]


def direct_article_text(url: str, title: str, body: str, feed_id: str) -> Article:
    """An article with this text, cleaned as the extractor leaves it."""
    from pipeline import extract

    return extract.finish_article(Article(
        feed_id=feed_id, outlet="probe", url=url, canonical_url=url, guid=None, title=title,
        summary=body[:200], body=body, body_source="content", published_at=NIGHT))


def measured(url: str, label: str, work: Callable[[psycopg.Connection], Any],
             probe_list: list[Probe], night_start: bool) -> dict[str, Any]:
    """Run ``work`` on a connection of its own while the probes run; return the figures."""
    stop = threading.Event()
    locks: set[tuple[str, str]] = set()
    waits: set[tuple[str, str]] = set()
    started_night: dict[str, float] = {}

    def loop(probe: Probe) -> None:
        with psycopg.connect(url, autocommit=False) as conn:
            i = 0
            while not stop.is_set():
                t = time.perf_counter()
                out = probe.step(conn, int(time.time() * 1000) + i)
                conn.commit()
                probe.longest = max(probe.longest, time.perf_counter() - t)
                probe.results.append(out)
                probe.runs += 1
                i += 1
                stop.wait(0.5)

    def night_starts() -> None:
        time.sleep(2.5)
        with psycopg.connect(url) as conn:
            t = time.perf_counter()
            conn.execute("SELECT pg_advisory_xact_lock(7311000)")
            started_night["waited"] = time.perf_counter() - t
            conn.rollback()

    def watch(pid: int) -> None:
        with psycopg.connect(url, autocommit=True) as conn:
            while not stop.is_set():
                for event, query in conn.execute(
                        "SELECT wait_event_type || ':' || wait_event, left(query, 60) "
                        "FROM pg_stat_activity WHERE pid <> %s AND pid <> pg_backend_pid() "
                        "AND state = 'active' AND wait_event_type IN ('Lock', 'LWLock')",
                        (pid,)):
                    waits.add((event, query))
                for rel, mode in conn.execute(
                        "SELECT c.relname, l.locktype || ' ' || l.mode FROM pg_locks l "
                        "JOIN pg_class c ON c.oid = l.relation "
                        "WHERE l.pid = %s AND l.granted AND c.relname = ANY(%s)",
                        (pid, list(LOCKED))):
                    locks.add((rel, mode))
                stop.wait(0.2)

    with psycopg.connect(url) as conn:
        wal0, db0, table0 = conn.execute(
            "SELECT pg_current_wal_lsn(), pg_database_size(current_database()), "
            "pg_total_relation_size('article_search')").fetchone()
        conn.commit()
        for probe in probe_list:
            probe.longest, probe.runs, probe.results = 0.0, 0, []
        threads = [threading.Thread(target=loop, args=(p,), daemon=True) for p in probe_list]
        threads.append(threading.Thread(target=watch, args=(conn.info.backend_pid,),
                                        daemon=True))
        if night_start:
            threads.append(threading.Thread(target=night_starts, daemon=True))
        for t in threads:
            t.start()
        time.sleep(1.5)  # every probe has run once before the work starts
        t0 = time.perf_counter()
        out = work(conn)
        seconds = time.perf_counter() - t0
        time.sleep(1.0)
        stop.set()
        for t in threads:
            t.join()
        wal, db1, table1 = conn.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s), "
            "pg_database_size(current_database()), pg_total_relation_size('article_search')",
            (wal0,)).fetchone()
        conn.commit()
    mb = 1024 * 1024
    print(f"\n{label}: {seconds:.1f} s ({out})")
    print(f"  WAL written {wal / mb:,.0f} MB; database {db0 / mb:,.0f} -> {db1 / mb:,.0f} MB; "
          f"article_search with its indexes {table0 / mb:,.0f} -> {table1 / mb:,.0f} MB")
    print("  locks held: " + (", ".join(f"{r} {m}" for r, m in sorted(locks)) or "none seen"))
    for event, query in sorted(waits):
        print(f"  waited on {event}: {query}")
    for p in probe_list:
        extra = (f"; hits for {QUERY}: {p.results[0]} first, {p.results[-1]} last"
                 if p.name == "analyst search" and p.results else "")
        print(f"  {p.name}: {p.runs} runs, longest {p.longest:.2f} s{extra}")
    if night_start:
        print(f"  a night (or akhbar command) started 1 s in waited "
              f"{started_night.get('waited', float('nan')):.1f} s for the migration lock")
    return {"seconds": seconds, "wal_mb": wal / mb, "locks": sorted(locks)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--articles", default="300k", help="warehouse size, e.g. 300k or 1m")
    ap.add_argument("--migration", default="107", help="the migration to apply (its number)")
    ap.add_argument("--shared-buffers", default="1GB")
    args = ap.parse_args(argv)
    total = parse_size(args.articles)
    with bench_server({"shared_buffers": args.shared_buffers}) as server, \
            tempfile.TemporaryDirectory() as tmp:
        before = sql_dir_through(f"{int(args.migration) - 1:03d}", Path(tmp) / "before")
        through = sql_dir_through(args.migration, Path(tmp) / "through")
        url = fresh_database(server, "bench_upgrade", migrate=False)
        with psycopg.connect(url) as conn:
            store.migrate(conn, before)
        ant = build_warehouse(url, total)
        probe_list = probes(url, ant)
        measured(url, f"migration {args.migration}",
                 lambda conn: ", ".join(store.migrate(conn, through)) or "nothing applied",
                 probe_list, night_start=True)
        with psycopg.connect(url) as conn:
            stale = len(search.stale_ids(conn))
        if stale:
            measured(url, f"akhbar db index-search ({stale:,} stale rows)",
                     lambda conn: f"{search.index_articles(conn).indexed:,} rows rebuilt",
                     probe_list, night_start=False)


if __name__ == "__main__":
    main()
