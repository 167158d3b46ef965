"""The Arabic search index: one ``article_search`` row per article, built after loading.

The loader writes articles only; this stage computes each article's search vector
(``akhbar.search_vector`` over its normalized title and body) and its GIN entries in a table
of its own, so that work runs outside the load lock, as one task beside the other stages.
A row keeps the content hash and the version of the vector (``akhbar.search_vector_version``)
it was built with: an article whose text changed, whose row an upgrade made stale, or that
has no row, is indexed again; re-indexing a current article writes nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

import psycopg

log = logging.getLogger(__name__)

# Rows per statement: each batch commits on its own, so a killed task keeps what it did.
BATCH = 2000
# Memory for merging the index's pending list (sql/096) when it fills, as large as the list.
MERGE_MEMORY = "64MB"
# Each batch holds this lock shared and emptying the pending list holds it exclusive: the
# emptying (gin_clean_pending_list) goes on until the list is empty, so a writer appending
# beside it would keep it, and every other indexer waiting on it, going to its own end.
_FLUSH_LOCK = 7_311_007

# A row is stale when it was built from other text or by another version of the vector.
_STALE = ("(s.article_id IS NULL OR s.content_hash <> a.content_hash "
          "OR s.vector_version <> akhbar.search_vector_version())")
_INDEX = (
    "INSERT INTO article_search (article_id, content_hash, search_vector, vector_version) "
    "SELECT a.id, a.content_hash, akhbar.search_vector(a.title_norm, a.body_norm), "
    "akhbar.search_vector_version() "
    "FROM articles a LEFT JOIN article_search s ON s.article_id = a.id "
    f"WHERE a.id = ANY(%s) AND {_STALE} "
    "ORDER BY a.id "
    "ON CONFLICT (article_id) DO UPDATE SET content_hash = EXCLUDED.content_hash, "
    "search_vector = EXCLUDED.search_vector, vector_version = EXCLUDED.vector_version, "
    "indexed_at = now()"
)


@dataclass
class IndexStats:
    """What one indexing pass did."""

    articles: int = 0  # asked for
    indexed: int = 0  # rows written (missing or stale)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


def stale_ids(conn: psycopg.Connection) -> list[int]:
    """Ids of every article with no search row or one built from other text or by another
    version of the vector, newest first (rebuilt first after an upgrade)."""
    return [r[0] for r in conn.execute(
        "SELECT a.id FROM articles a LEFT JOIN article_search s ON s.article_id = a.id "
        f"WHERE {_STALE} ORDER BY a.id DESC")]


def index_articles(conn: psycopg.Connection, ids: Sequence[int] | None = None,
                   batch: int = BATCH,
                   progress: Callable[[int], None] | None = None) -> IndexStats:
    """Build the search rows of ``ids`` (default: every stale article) that are missing or stale.

    Commits after each batch and reports its size to ``progress``; an id with no article is
    skipped. New entries gather in the
    GIN index's pending list and are merged in bulk; the list is emptied at the end, since
    every search scans it. One writer is fastest: concurrent ones contend for the same pages.
    Emptying the list waits for the batches running beside it, and they for it, so a night's
    indexing beside ``akhbar db index-search`` waits for one of its batches, not all of them.
    """
    started = time.perf_counter()
    todo = stale_ids(conn) if ids is None else sorted(set(ids))
    stats = IndexStats(articles=len(todo))
    conn.commit()  # each batch below is a transaction of its own
    for i in range(0, len(todo), batch):
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock_shared(%s)", (_FLUSH_LOCK,))
            conn.execute("SELECT set_config('work_mem', %s, true)", (MERGE_MEMORY,))
            cur = conn.execute(_INDEX, (todo[i:i + batch],))  # type: ignore[arg-type]
            stats.indexed += max(cur.rowcount, 0)
        if progress:
            progress(len(todo[i:i + batch]))
    if stats.indexed:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_FLUSH_LOCK,))
            conn.execute("SELECT set_config('work_mem', %s, true)", (MERGE_MEMORY,))
            conn.execute("SELECT flush_search_index()")
    stats.seconds = round(time.perf_counter() - started, 3)
    log.info("search index: %d of %d articles (re)indexed in %.1f s",
             stats.indexed, stats.articles, stats.seconds)
    return stats

