"""Per-feed health: what to send for a conditional GET, when to try a failing feed again,
when to give up on it, and where a feed has permanently moved.

A run that is re-run (same run id) is a retry of the same night: it ignores backoff and the
validators it stored itself, so the retry parses and loads again instead of seeing its own
earlier success as "not modified", and a failure counts once per night.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg

from pipeline.records import FeedSpec

log = logging.getLogger(__name__)

_COLUMNS = ("feed_id", "registry_url", "moved_to", "etag", "last_modified", "body_sha256",
            "validators_run_id", "last_attempt_at", "last_attempt_run_id", "last_status",
            "last_http_status", "last_ok_at", "last_error", "last_reason", "last_error_at",
            "failure_streak", "next_attempt_at", "retry_after", "disabled_at",
            "disabled_reason")


@dataclass
class FeedHealth:
    """One row of ``feed_health``."""

    feed_id: str
    registry_url: str | None = None
    moved_to: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    body_sha256: str | None = None
    validators_run_id: int | None = None
    last_attempt_at: datetime | None = None
    last_attempt_run_id: int | None = None
    last_status: str | None = None
    last_http_status: int | None = None
    last_ok_at: datetime | None = None
    last_error: str | None = None
    last_reason: str | None = None
    last_error_at: datetime | None = None
    failure_streak: int = 0
    next_attempt_at: datetime | None = None
    retry_after: float | None = None
    disabled_at: datetime | None = None
    disabled_reason: str | None = None


@dataclass(frozen=True)
class Plan:
    """What to do with one feed tonight: fetch it (where, with which validators) or skip it."""

    spec: FeedSpec
    url: str
    etag: str | None = None
    last_modified: str | None = None
    known_sha256: str | None = None
    skip: str | None = None  # why the feed is not fetched tonight


def body_sha256(body: bytes) -> str:
    """Hex SHA-256 of a feed body: kept with the feed's health, so the same body is not parsed
    twice (``identical_body``)."""
    return hashlib.sha256(body).hexdigest()


def backoff(streak: int, base: float, cap: float) -> float:
    """Seconds to wait after ``streak`` consecutive failures: base, 2×base, 4×base … ≤ cap."""
    if streak <= 0:
        return 0.0
    return min(cap, base * 2 ** min(streak - 1, 40))


def load(conn: psycopg.Connection, feed_ids: Iterable[str]) -> dict[str, FeedHealth]:
    """Health rows of ``feed_ids`` (feeds never fetched have none)."""
    rows = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM feed_health "
                        "WHERE feed_id = ANY(%s)", (list(feed_ids),)).fetchall()
    return {r[0]: FeedHealth(*r) for r in rows}


def plan(specs: Sequence[FeedSpec], healths: dict[str, FeedHealth], run_id: int,
         now: datetime, refetch: Collection[str] = ()) -> list[Plan]:
    """Decide, per feed, whether and how to fetch it in run ``run_id``.

    Feeds in ``refetch`` were already fetched in this run (a re-run of the night): they are
    fetched whole, since validators saved by a later night would answer 304 for the night.
    """
    plans = []
    for spec in specs:
        h = healths.get(spec.id)
        if h is None:
            plans.append(Plan(spec, spec.url))
            continue
        url = h.moved_to if h.moved_to and h.registry_url == spec.url else spec.url
        same_night = h.last_attempt_run_id == run_id
        skip = None
        if h.disabled_at is not None:
            skip = f"disabled: {h.disabled_reason or 'by health'}"
        elif h.next_attempt_at and h.next_attempt_at > now and not same_night:
            until = h.next_attempt_at.astimezone(UTC)  # the session's zone may be another
            skip = (f"backing off until {until:%Y-%m-%d %H:%M} UTC after "
                    f"{h.failure_streak} failure(s)")
        own = (h.validators_run_id == run_id or h.registry_url != spec.url
               or spec.id in refetch)
        plans.append(Plan(spec, url,
                          etag=None if own else h.etag,
                          last_modified=None if own else h.last_modified,
                          known_sha256=None if own else h.body_sha256, skip=skip))
    return plans


def record(conn: psycopg.Connection, spec: FeedSpec, run_id: int, now: datetime, *,
           status: str, url: str, http_status: int | None = None, error: str | None = None,
           reason: str | None = None, headers: dict[str, str] | None = None,
           sha256: str | None = None, permanent_url: str | None = None,
           retry_after: float | None = None, disable_after: int = 10,
           backoff_base: float = 3600.0, backoff_cap: float = 7 * 86400.0) -> FeedHealth:
    """Fold one fetch outcome (ok | not_modified | failed) into the feed's health.

    Does not commit: the caller commits together with the fetch log and the articles, so
    that validators are never saved for a body whose articles were not loaded.
    """
    h = load(conn, [spec.id]).get(spec.id) or FeedHealth(spec.id)
    repeat = h.last_attempt_run_id == run_id and h.last_status == "failed"
    if h.registry_url != spec.url:  # the operator changed the URL: forget the old move
        h.registry_url, h.moved_to = spec.url, None
    h.last_attempt_at, h.last_attempt_run_id = now, run_id
    h.last_status, h.last_http_status = status, http_status
    if status in ("ok", "not_modified"):
        h.last_ok_at, h.failure_streak, h.next_attempt_at, h.retry_after = now, 0, None, None
        if permanent_url and permanent_url != spec.url:
            if permanent_url != h.moved_to:
                log.warning("feed %s moved permanently: %s -> %s", spec.id, url, permanent_url)
            h.moved_to = permanent_url
        if status == "ok":
            headers = headers or {}
            h.etag, h.last_modified = headers.get("etag"), headers.get("last-modified")
            h.body_sha256, h.validators_run_id = sha256, run_id
    else:
        h.last_error, h.last_reason, h.last_error_at = error, reason, now
        if not repeat:
            h.failure_streak += 1
        wait = backoff(h.failure_streak, backoff_base, backoff_cap)
        if retry_after:
            wait = max(wait, min(retry_after, backoff_cap))
        h.retry_after = retry_after
        h.next_attempt_at = now + timedelta(seconds=wait)
        if reason == "http_410":
            _disable(h, now, f"HTTP 410 Gone at {url}")
        elif h.failure_streak >= disable_after:
            _disable(h, now, f"{h.failure_streak} consecutive failures, last: {error}")
    _save(conn, h)
    return h


def _disable(h: FeedHealth, now: datetime, why: str) -> None:
    if h.disabled_at is None:
        log.warning("feed %s disabled: %s", h.feed_id, why)
        h.disabled_at, h.disabled_reason = now, why


def _save(conn: psycopg.Connection, h: FeedHealth) -> None:
    values = [getattr(h, c) for c in _COLUMNS]
    conn.execute(
        f"INSERT INTO feed_health ({', '.join(_COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(_COLUMNS))}) ON CONFLICT (feed_id) DO UPDATE SET "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS[1:]) + ", updated_at = now()",
        values)


def enable(conn: psycopg.Connection, feed_id: str) -> bool:
    """Re-enable a feed: clear the disabled mark, the streak and the backoff. Commits."""
    cur = conn.execute(
        "UPDATE feed_health SET disabled_at = NULL, disabled_reason = NULL, "
        "failure_streak = 0, next_attempt_at = NULL, updated_at = now() WHERE feed_id = %s",
        (feed_id,))
    known = conn.execute("SELECT 1 FROM feeds WHERE id = %s", (feed_id,)).fetchone()
    conn.commit()
    return cur.rowcount > 0 or known is not None


def listing(conn: psycopg.Connection) -> list[dict[str, object]]:
    """Every registered feed with its health, the sickest first (for ``akhbar feeds``).

    A learned move is listed only while the registry still names the URL it was learned
    for: after the operator edits the URL, the new one is fetched (see :func:`plan`).
    """
    cur = conn.execute(
        "SELECT f.id, f.enabled, f.url, "
        "CASE WHEN h.registry_url = f.url THEN h.moved_to END AS moved_to, "
        "h.last_status, h.last_ok_at, "
        "h.last_error, h.last_reason, h.last_error_at, COALESCE(h.failure_streak, 0), "
        "h.next_attempt_at, h.disabled_at, h.disabled_reason "
        "FROM feeds f LEFT JOIN feed_health h ON h.feed_id = f.id "
        "ORDER BY (h.disabled_at IS NULL), COALESCE(h.failure_streak, 0) DESC, f.id")
    names = [d.name for d in cur.description or []]
    names[0], names[9] = "feed_id", "failure_streak"
    return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
