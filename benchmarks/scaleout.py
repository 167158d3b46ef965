"""What stops scaling first when workers share one database: probes that can run here.

- the loader under concurrent writers: the same articles loaded by 1, 2 and 4 processes at
  once (disjoint shares, as mapped Airflow tasks would), aggregate articles per second;
- monthly partitioning of ``articles``: a prototype on a copy (never the real schema), loaded
  the same way as an unpartitioned twin, with the unique keys it forces and a one-month query.
"""

from __future__ import annotations

import multiprocessing as mp
import re
import time
from typing import Any

import psycopg

from benchmarks.corpus import load_ant
from benchmarks.pg import drop_database, fresh_database
from benchmarks.stages import bench_feeds, direct_article
from pipeline import store
from pipeline.pgserver import EmbeddedPostgres


def _writer(url: str, start: int, count: int, step: int, ready: Any, go: Any,
            done: Any) -> None:
    """Child: build its share of articles, wait for the start signal, load them."""
    base = load_ant()
    share = [direct_article(a) for a in base[start:start + count * step:step]]
    with psycopg.connect(url, autocommit=True) as conn:
        run = store.get_run(conn, 1)
        ready.put(len(share))
        go.wait()
        started = time.perf_counter()
        for j in range(0, len(share), 1000):
            store.load_articles(conn, run, share[j:j + 1000])
        done.put(time.perf_counter() - started)


def concurrent_writers(server: EmbeddedPostgres, total: int,
                       writers: tuple[int, ...] = (1, 2, 4)) -> dict[str, Any]:
    """Aggregate load rate with ``n`` processes loading disjoint shares at once."""
    ctx = mp.get_context("spawn")
    out: dict[str, Any] = {"articles": total}
    for n in writers:
        name = f"bench_writers_{n}"
        url = fresh_database(server, name)
        with psycopg.connect(url, autocommit=True) as conn:
            store.sync_feeds(conn, bench_feeds()[:1])
            run = store.start_run(conn, "writers", time.strftime("%Y-%m-%dT00:00:00Z"))
            assert run.id == 1
        ready, done, go = ctx.Queue(), ctx.Queue(), ctx.Event()
        procs = [ctx.Process(target=_writer, args=(url, i, total // n, n, ready, go, done))
                 for i in range(n)]
        for p in procs:
            p.start()
        loaded = sum(ready.get(timeout=300) for _ in procs)
        started = time.perf_counter()
        go.set()
        each = [done.get(timeout=1800) for _ in procs]
        wall = time.perf_counter() - started
        for p in procs:
            p.join()
        drop_database(server, name)
        out[f"writers_{n}_per_s"] = round(loaded / wall, 1)
        out[f"writers_{n}_slowest_s"] = round(max(each), 2)
    base_rate = out[f"writers_{writers[0]}_per_s"]
    out["scaling"] = {str(n): round(out[f"writers_{n}_per_s"] / base_rate, 2) for n in writers}
    out["note"] = ("store.load_articles takes a global advisory lock per batch "
                   "(pipeline/store.py _LOAD_LOCK), so writers queue behind each other")
    return out


_COLUMNS = ("canonical_url", "url", "feed_id", "outlet", "title", "summary", "body",
            "title_norm", "body_norm", "content_hash", "published_at")
_TWIN_DDL = """
CREATE SEQUENCE IF NOT EXISTS proto_article_id;
-- Today's shape: one table, canonical_url unique across all of it.
CREATE TABLE flat_articles (
    id bigint PRIMARY KEY DEFAULT nextval('proto_article_id'),
    canonical_url text NOT NULL UNIQUE, url text NOT NULL, feed_id text, outlet text NOT NULL,
    title text NOT NULL, summary text, body text, title_norm text, body_norm text,
    content_hash text NOT NULL, published_at timestamptz,
    first_seen timestamptz NOT NULL, last_seen timestamptz NOT NULL);
CREATE INDEX ON flat_articles (content_hash);
CREATE INDEX ON flat_articles (published_at);
-- Monthly partitions on first_seen. A unique key must contain the partition key, so the
-- table itself can only promise (canonical_url, first_seen) and (id, first_seen).
CREATE TABLE month_articles (
    id bigint NOT NULL, canonical_url text NOT NULL, url text NOT NULL, feed_id text,
    outlet text NOT NULL, title text NOT NULL, summary text, body text, title_norm text,
    body_norm text, content_hash text NOT NULL, published_at timestamptz,
    first_seen timestamptz NOT NULL, last_seen timestamptz NOT NULL,
    PRIMARY KEY (id, first_seen), UNIQUE (canonical_url, first_seen)
) PARTITION BY RANGE (first_seen);
CREATE INDEX ON month_articles (content_hash);
CREATE INDEX ON month_articles (published_at);
-- The global identity the partitions cannot enforce: one small row per article.
CREATE TABLE article_keys (
    canonical_url text PRIMARY KEY, article_id bigint NOT NULL UNIQUE,
    first_seen timestamptz NOT NULL);
CREATE TABLE month_articles_default PARTITION OF month_articles DEFAULT;
"""
_STAGE = ("CREATE TEMP TABLE proto_stage (" + ", ".join(
    f"{c} {'timestamptz' if c == 'published_at' else 'text'}" for c in _COLUMNS)
    + ", first_seen timestamptz) ON COMMIT DELETE ROWS")
_COLS = ", ".join(_COLUMNS)
_FLAT_UPSERT = (
    f"INSERT INTO flat_articles ({_COLS}, first_seen, last_seen) "
    f"SELECT {_COLS}, first_seen, first_seen FROM proto_stage "
    "ON CONFLICT (canonical_url) DO UPDATE SET last_seen = "
    "GREATEST(flat_articles.last_seen, EXCLUDED.last_seen)")
_MONTH_UPSERT = (
    "WITH k AS (INSERT INTO article_keys (canonical_url, article_id, first_seen) "
    "SELECT canonical_url, nextval('proto_article_id'), first_seen FROM proto_stage "
    "ON CONFLICT (canonical_url) DO NOTHING RETURNING canonical_url, article_id) "
    f"INSERT INTO month_articles (id, {_COLS}, first_seen, last_seen) "
    f"SELECT k.article_id, {', '.join('s.' + c for c in _COLUMNS)}, s.first_seen, s.first_seen "
    "FROM proto_stage s JOIN k USING (canonical_url)")
_MONTH_SEEN_AGAIN = (
    "UPDATE month_articles a SET last_seen = GREATEST(a.last_seen, s.first_seen) "
    "FROM proto_stage s JOIN article_keys k USING (canonical_url) "
    "WHERE a.id = k.article_id AND a.first_seen = k.first_seen "
    "AND s.first_seen > k.first_seen")


def partitioning(server: EmbeddedPostgres, total: int) -> dict[str, Any]:
    """Load the same articles into a flat twin and a monthly-partitioned prototype."""
    base = load_ant()
    # One row per URL: the corpus repeats some URLs, and one upsert cannot touch a row twice.
    by_url: dict[str, Any] = {}
    for rec in base[:total]:
        art = direct_article(rec)
        by_url.setdefault(art.canonical_url, art)
    articles = list(by_url.values())
    months = sorted({a.published_at.strftime("%Y-%m") for a in articles if a.published_at})
    name = "bench_partitioning"
    url = fresh_database(server, name, migrate=False)
    out: dict[str, Any] = {"articles": len(articles), "months": len(months)}
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(_TWIN_DDL)
        for month in months:
            year, mon = (int(x) for x in month.split("-"))
            nxt = f"{year + mon // 12}-{mon % 12 + 1:02d}-01"
            conn.execute(f"CREATE TABLE month_articles_{year}_{mon:02d} PARTITION OF "
                         f"month_articles FOR VALUES FROM ('{month}-01') TO ('{nxt}')")
        conn.execute(_STAGE)
        for table, statements in (("flat_articles", (_FLAT_UPSERT,)),
                                  ("month_articles", (_MONTH_SEEN_AGAIN, _MONTH_UPSERT))):
            started = time.perf_counter()
            for j in range(0, len(articles), 1000):
                with conn.transaction():
                    with conn.cursor().copy(
                            f"COPY proto_stage ({_COLS}, first_seen) FROM STDIN") as copy:
                        for a in articles[j:j + 1000]:
                            # first_seen = the month it was published, as a backfill would
                            # spread it; a night's load puts every row in one partition.
                            copy.write_row((*(getattr(a, c) for c in _COLUMNS),
                                            a.published_at or base[0].published))
                    for statement in statements:
                        conn.execute(statement)
            seconds = time.perf_counter() - started
            rows = conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            month = months[len(months) // 2]
            query = (f"SELECT count(*), avg(length(body)) FROM {table} "
                     f"WHERE first_seen >= '{month}-01' AND first_seen < "
                     f"'{month}-01'::date + interval '1 month'")
            plan = "\n".join(r[0] for r in conn.execute("EXPLAIN " + query))
            q_started = time.perf_counter()
            conn.execute(query).fetchone()
            q_seconds = time.perf_counter() - q_started
            out[table] = {"load_per_s": round(len(articles) / seconds, 1), "rows": rows,
                          "one_month_query_ms": round(q_seconds * 1000, 1),
                          "partitions_scanned": len(set(re.findall(r" on (month_articles_\w+)",
                                                                   plan)))}
    drop_database(server, name)
    out["unique_keys"] = ("partitioned: PRIMARY KEY (id, first_seen), UNIQUE (canonical_url, "
                          "first_seen); global: article_keys(canonical_url PRIMARY KEY, "
                          "article_id UNIQUE)")
    return out


def run(server: EmbeddedPostgres, smoke: bool = False) -> dict[str, Any]:
    total = 400 if smoke else 12_000
    return {"concurrent_writers": concurrent_writers(server, total),
            "partitioning": partitioning(server, 600 if smoke else 30_000)}
