"""Raw payloads: feed documents and article pages kept compressed, as received.

They let any night be parsed again later without the network (``akhbar reparse``); a
retention age and a total-size cap bound what they cost.
"""

from __future__ import annotations

import hashlib
import logging
import zlib
from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.types.json import Jsonb

log = logging.getLogger(__name__)
_PRUNE_LOCK = 7_311_006


@dataclass
class Payload:
    """One stored fetch, decompressed."""

    feed_id: str
    kind: str  # feed | page
    url: str
    final_url: str | None
    fetched_at: datetime
    http_status: int | None
    headers: dict[str, str]
    body: bytes


def save(conn: psycopg.Connection, run_id: int, feed_id: str, kind: str, url: str,
         body: bytes, *, final_url: str | None, fetched_at: datetime,
         http_status: int | None, headers: dict[str, str]) -> None:
    """Store one payload for this run (a re-run replaces it). Does not commit."""
    packed = zlib.compress(body, 6)
    conn.execute(
        "INSERT INTO raw_payloads (run_id, feed_id, kind, url, final_url, fetched_at, "
        "http_status, headers, raw_bytes, stored_bytes, sha256, body) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (run_id, feed_id, kind, url) DO UPDATE SET "
        "final_url = EXCLUDED.final_url, fetched_at = EXCLUDED.fetched_at, "
        "http_status = EXCLUDED.http_status, headers = EXCLUDED.headers, "
        "raw_bytes = EXCLUDED.raw_bytes, stored_bytes = EXCLUDED.stored_bytes, "
        "sha256 = EXCLUDED.sha256, body = EXCLUDED.body",
        (run_id, feed_id, kind, url, final_url, fetched_at, http_status, Jsonb(headers),
         len(body), len(packed), hashlib.sha256(body).hexdigest(), packed))


def load_run(conn: psycopg.Connection, run_id: int, kind: str,
             feed_ids: list[str] | None = None) -> list[Payload]:
    """The payloads of one kind stored by a run, decompressed, in feed and URL order."""
    rows = conn.execute(
        "SELECT feed_id, kind, url, final_url, fetched_at, http_status, headers, body "
        "FROM raw_payloads WHERE run_id = %s AND kind = %s "
        "AND (%s::text[] IS NULL OR feed_id = ANY(%s)) ORDER BY feed_id, url",
        (run_id, kind, feed_ids, feed_ids)).fetchall()
    return [Payload(f, k, u, fu, at, st, dict(h), zlib.decompress(b))
            for f, k, u, fu, at, st, h, b in rows]


def prune(conn: psycopg.Connection, retention_days: int, max_bytes: int) -> int:
    """Drop payloads older than the retention age, then the oldest until under the cap.

    Commits; returns how many were removed. Shards finishing together prune once.
    """
    locked = conn.execute("SELECT pg_try_advisory_xact_lock(%s)", (_PRUNE_LOCK,)).fetchone()
    if not (locked and locked[0]):
        conn.rollback()
        return 0
    removed = conn.execute(
        "DELETE FROM raw_payloads WHERE fetched_at < now() - make_interval(days => %s)",
        (retention_days,)).rowcount
    removed += conn.execute(
        "DELETE FROM raw_payloads WHERE id IN (SELECT id FROM (SELECT id, sum(stored_bytes) "
        "OVER (ORDER BY fetched_at DESC, id DESC) AS running FROM raw_payloads) t "
        "WHERE running > %s)", (max_bytes,)).rowcount
    conn.commit()
    if removed:
        log.info("pruned %d raw payload(s)", removed)
    return removed
