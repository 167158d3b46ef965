"""One night's work, stage by stage: the path of an article from feed XML to its rows.

Each stage is a plain function taking the database URL and the run id, so the Airflow DAG
can run them as separate tasks (handing over only the run id) and ``akhbar run`` can call
:func:`run_night`, which runs them in order. Read this module top to bottom to follow an
article: registry → fetch → parse → extract and normalize → exact dedup and load →
near-duplicate clusters → topics and entities → quality checks → summary.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from pipeline import extract, feeds, quality, store
from pipeline.records import Article, FeedSpec, LoadStats
from pipeline.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[str, int], None]  # (feed id, entries) after each feed


@dataclass
class FeedOutcome:
    """How one feed fared tonight."""

    feed_id: str
    status: str  # ok | not_modified | failed
    entries: int = 0
    new: int = 0
    updated: int = 0
    duplicate: int = 0
    error: str | None = None


@dataclass
class RunSummary:
    """What an operator reads at a glance after a night."""

    run_id: int
    run_key: str
    feeds_ok: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    entries_seen: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_duplicate: int = 0
    problems: dict[str, int] = field(default_factory=dict)
    stages: dict[str, dict] = field(default_factory=dict)
    failed_feeds: list[dict[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return asdict(self)


# --- 1. the registry and the run --------------------------------------------------------

def prepare(url: str, feeds_path: Path, run_key: str, logical_ts: datetime,
            interval_start: datetime | None = None,
            interval_end: datetime | None = None) -> tuple[int, list[str]]:
    """Sync the feed registry and open the run; return the run id and enabled feed ids."""
    specs = feeds.load_registry(feeds_path)
    with store.connect(url) as conn:
        store.check_database(conn)
        store.sync_feeds(conn, specs)
        run = store.start_run(conn, run_key, logical_ts, interval_start, interval_end)
    return run.id, [s.id for s in specs if s.enabled]


def shard_feeds(feed_ids: Sequence[str], shards: int) -> list[list[str]]:
    """Split feed ids into at most ``shards`` balanced groups of neighbouring ids.

    Neighbouring ids are mostly one outlet's feeds, so each host stays in one shard and the
    fetcher's per-host limit still holds when shards run at once.
    """
    ids = sorted(feed_ids)
    count = max(1, min(shards, len(ids)))
    size, extra = divmod(len(ids), count)
    groups, start = [], 0
    for i in range(count):
        end = start + size + (1 if i < extra else 0)
        groups.append(ids[start:end])
        start = end
    return [g for g in groups if g]


def feed_specs(url: str, feed_ids: Sequence[str]) -> list[FeedSpec]:
    """The registered specs of ``feed_ids`` as stored by :func:`prepare`."""
    with store.connect(url) as conn:
        rows = conn.execute(
            "SELECT id, name, url, outlet, language, enabled, full_text FROM feeds "
            "WHERE id = ANY(%s) ORDER BY id", (list(feed_ids),)).fetchall()
    return [FeedSpec(*row) for row in rows]


# --- 2. fetch, parse, extract, normalize, load ------------------------------------------

def fetch_and_load(url: str, run_id: int, feed_ids: Sequence[str], settings: Settings,
                   progress: Progress | None = None) -> list[FeedOutcome]:
    """Fetch a shard of feeds and load their articles; a failing feed never stops the rest."""
    specs = feed_specs(url, feed_ids)
    results = feeds.fetch_feeds(specs, settings)
    outcomes = []
    with store.connect(url) as conn:
        run = store.get_run(conn, run_id)
        for spec, result in zip(specs, results, strict=True):
            outcomes.append(_load_feed(conn, run, spec, result, settings))
            if progress:
                progress(spec.id, outcomes[-1].entries)
    return outcomes


def _load_feed(conn: store.psycopg.Connection, run: store.Run, spec: FeedSpec,
               result: feeds.FetchResult, settings: Settings) -> FeedOutcome:
    """Parse one fetched feed, clean its entries and load them in batches."""
    problems: Counter[str] = Counter()
    outcome = FeedOutcome(spec.id, result.status, error=result.error)
    if result.status == "ok":
        parsed = feeds.parse_feed(spec, result)
        if parsed.bozo:
            problems["bozo"] += 1
        if not parsed.entries and parsed.bozo:
            result.status, result.error = "failed", f"parse error: {parsed.bozo}"
            outcome.status, outcome.error = result.status, result.error
        now = datetime.now(UTC)
        articles: list[Article] = []
        for entry in parsed.entries:
            article = extract.entry_to_article(entry, result.final_url or spec.url, now,
                                               problems)
            if article is not None:
                articles.append(article)
        outcome.entries = len(parsed.entries)
        stats = LoadStats()
        for i in range(0, len(articles), settings.load_batch_size):
            stats.add(store.load_articles(conn, run, articles[i:i + settings.load_batch_size]))
        outcome.new, outcome.updated, outcome.duplicate = stats.new, stats.updated, \
            stats.duplicate
        details = {"problems": dict(problems), "new": stats.new, "updated": stats.updated,
                   "duplicate": stats.duplicate, "bozo": parsed.bozo}
    else:
        details = {"problems": {}}
    store.record_fetch(conn, run.id, result, outcome.entries,
                       outcome.new + outcome.updated + outcome.duplicate, details)
    if outcome.status == "failed":
        log.warning("feed %s failed: %s", spec.id, outcome.error)
    return outcome


# --- 3. near duplicates and story clusters ----------------------------------------------
# stage: dedup
def near_duplicates(url: str, run_id: int, settings: Settings | None = None) -> dict:
    """Join every article seen tonight to its copy cluster (stored copies of any night)."""
    from pipeline.dedup_db import dedup_articles

    with store.connect(url) as conn:
        stats = dedup_articles(conn, store.run_article_ids(conn, run_id))
        conn.commit()
    return stats.as_dict()


# --- 4. topics and entities -------------------------------------------------------------
# stage: topics
# stage: entities


# --- 5. quality checks and the summary ---------------------------------------------------

def check_quality(url: str, run_id: int, feeds_expected: int | None = None,
                  settings: Settings | None = None) -> quality.QualityReport:
    """Check the run's rows against the data-quality thresholds (``AKHBAR_QA_*``).

    Returns the report; the nightly DAG raises on a breach, ``akhbar run`` prints it.
    """
    limits = quality.QualityThresholds.from_env(settings=settings)
    with store.connect(url) as conn:
        return quality.check_run(conn, run_id, feeds_expected, limits)


def summarize(url: str, run_id: int, seconds: float = 0.0,
              stages: dict[str, dict] | None = None) -> RunSummary:
    """Build the run summary from the fetch log, store it on the run and return it."""
    with store.connect(url) as conn:
        run = store.get_run(conn, run_id)
        summary = RunSummary(run_id=run.id, run_key=run.key, seconds=round(seconds, 2),
                             stages=stages or {})
        problems: Counter[str] = Counter()
        for feed_id, status, entries, error, details in conn.execute(
            "SELECT feed_id, status, entries, error, details FROM fetches "
            "WHERE run_id = %s ORDER BY feed_id", (run_id,)):
            setattr(summary, f"feeds_{status}", getattr(summary, f"feeds_{status}") + 1)
            summary.entries_seen += entries
            summary.articles_new += details.get("new", 0)
            summary.articles_updated += details.get("updated", 0)
            summary.articles_duplicate += details.get("duplicate", 0)
            problems.update(details.get("problems", {}))
            if status == "failed":
                summary.failed_feeds.append({"feed": feed_id, "error": error or ""})
        summary.problems = dict(sorted(problems.items()))
        store.finish_run(conn, run_id, "success", summary.as_dict())
    return summary


# --- the whole night ---------------------------------------------------------------------

def run_night(url: str, settings: Settings, feeds_path: Path, run_key: str | None = None,
              logical_ts: datetime | None = None,
              progress: Progress | None = None) -> RunSummary:
    """Run every stage in order; the same stages the nightly DAG runs as tasks."""
    started = time.monotonic()
    logical_ts = logical_ts or datetime.now(UTC).replace(microsecond=0)
    run_key = run_key or logical_ts.isoformat()
    run_id, feed_ids = prepare(url, feeds_path, run_key, logical_ts)
    fetch_and_load(url, run_id, feed_ids, settings, progress)
    stages: dict[str, dict] = {}
    stages["dedup"] = near_duplicates(url, run_id, settings)
    stages["quality"] = check_quality(url, run_id, len(feed_ids), settings).brief()
    return summarize(url, run_id, time.monotonic() - started, stages)
