"""One night's work, stage by stage: the path of an article from feed XML to its rows.

:func:`prepare` opens the run and returns its id; every later stage is a plain function of
the database URL and that id, so the Airflow DAG can run them as separate tasks (handing
over only the run id) and ``akhbar run`` can call :func:`run_night`, which runs them in
order in one process, stamps the run's heartbeat meanwhile and raises :class:`StageFailed`
naming a stage that breaks. Read this module top to bottom to follow an article: registry
and run → fetch → parse → extract and normalize → article pages of ``full_text`` feeds →
exact dedup and load → search index → near-duplicate clusters → topics and entities →
quality checks → summary → report.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from pipeline import extract, feeds, fetcher, fulltext, health, quality, rawstore, store
from pipeline.records import Article, FeedSpec, LoadStats
from pipeline.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[str, int], None]  # (feed id, entries) after each feed


@dataclass
class FeedOutcome:
    """How one feed fared tonight."""

    feed_id: str
    status: str  # ok | not_modified | failed | skipped
    entries: int = 0
    new: int = 0
    updated: int = 0
    older: int = 0  # the stored text outranks the one served (a backfill): not applied
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
    feeds_skipped: int = 0  # disabled or backing off (see ``akhbar feeds``)
    entries_seen: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_older: int = 0  # a text older than the stored one (backfill): the stored one kept
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
            interval_end: datetime | None = None,
            runner: store.Runner | None = None) -> tuple[int, list[str]]:
    """Sync the feed registry and open the run; return the run id and enabled feed ids.

    The taxonomy and the gazetteer are loaded first too: a mistake in either must stop the
    night before anything is fetched, not after the load when the tagging stages read them.
    Runs left ``running`` by a process that is gone are stored failed first
    (:func:`store.abandon_dead_runs`); ``runner`` is the process running this whole night,
    None when tasks on several workers run it (Airflow).
    """
    from pipeline.gazetteer import load_gazetteer
    from pipeline.taxonomy import load_taxonomy

    specs = feeds.load_registry(feeds_path)
    load_taxonomy()
    load_gazetteer()
    with store.connect(url) as conn:
        store.check_database(conn)
        store.abandon_dead_runs(conn)
        store.sync_feeds(conn, specs, retire_missing=True)
        run = store.start_run(conn, run_key, logical_ts, interval_start, interval_end, runner)
        enabled = [s.id for s in specs if s.enabled]
        # A re-run after a feed left the registry (or was switched off) must not keep its
        # old fetch row: the night is the feeds it has now.
        conn.execute("DELETE FROM fetches WHERE run_id = %s AND feed_id <> ALL(%s)",
                     (run.id, enabled))
        conn.commit()
    return run.id, enabled


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

@dataclass
class _Work:
    """One feed on its way from the fetch to its rows."""

    plan: health.Plan
    result: feeds.FeedFetch
    status: str  # ok | not_modified | failed | skipped
    error: str | None = None
    reason: str | None = None
    sha256: str | None = None
    parsed: feeds.ParsedFeed | None = None
    articles: list[Article] = field(default_factory=list)
    problems: Counter[str] = field(default_factory=Counter)
    pages: list[fulltext.PageOutcome] = field(default_factory=list)
    reparsed: bool = False
    # Figures of the batches already committed, by start index: when a lost connection makes
    # the feed be loaded again, those batches are not redone (and not counted twice).
    loaded: dict[int, LoadStats] = field(default_factory=dict)


def fetch_and_load(url: str, run_id: int, feed_ids: Sequence[str], settings: Settings,
                   progress: Progress | None = None) -> list[FeedOutcome]:
    """Fetch a shard of feeds and load their articles; a failing feed never stops the rest.

    Feeds that are disabled or backing off are logged as ``skipped``; 304 answers and bodies
    identical to the last one parsed are ``not_modified``. Each feed's rows, health and fetch
    log are written after its articles, so a crash never marks unloaded entries as seen.
    """
    specs = feed_specs(url, feed_ids)
    now = datetime.now(UTC)
    with store.connect(url) as conn:
        fetched_before = {row[0] for row in conn.execute(
            "SELECT feed_id FROM fetches WHERE run_id = %s AND status <> 'skipped'",
            (run_id,))}
        # A backfill comes after the nights it precedes: validators saved by a later night
        # would answer 304 (or an identical body) for items this night has not recorded.
        fetched_before |= {row[0] for row in conn.execute(
            "SELECT h.feed_id FROM feed_health h JOIN runs v ON v.id = h.validators_run_id "
            "JOIN runs r ON r.id = %s WHERE v.logical_ts > r.logical_ts "
            "AND h.feed_id = ANY(%s)", (run_id, list(feed_ids)))}
        plans = health.plan(specs, health.load(conn, feed_ids), run_id, now, fetched_before)
    due = [p for p in plans if p.skip is None]
    fetched = dict(zip((p.spec.id for p in due), asyncio.run(feeds.fetch_round(
        [feeds.FeedRequest(p.spec, p.url, p.etag, p.last_modified) for p in due], settings)),
        strict=True))
    works = []
    for p in plans:
        if p.skip is not None:
            skipped = feeds.FeedFetch(p.spec.id, p.url, "skipped", error=p.skip,
                                      started_at=now, finished_at=now, reason="skipped")
            works.append(_Work(p, skipped, "skipped", p.skip, "skipped"))
        else:
            works.append(_parse_safely(p, fetched[p.spec.id], settings))
    _full_text(url, works, settings, pages=None)
    return _load_all(url, run_id, works, settings, progress)


def _parse_safely(plan: health.Plan, result: feeds.FeedFetch, settings: Settings) -> _Work:
    """:func:`_parse`, with an unexpected crash on one feed's content made that feed's failure."""
    try:
        return _parse(plan, result, settings)
    except Exception as exc:  # noqa: BLE001 - one odd document must not stop the shard
        log.exception("parsing feed %s crashed", plan.spec.id)
        return _Work(plan, result, "failed", f"parser crashed: {type(exc).__name__}: {exc}",
                     "crash")


def _parse(plan: health.Plan, result: feeds.FeedFetch, settings: Settings) -> _Work:
    """Decode, screen and parse one fetched feed, and clean its entries."""
    work = _Work(plan, result, result.status, result.error, result.reason)
    if result.status != "ok":
        return work
    work.sha256 = health.body_sha256(result.body)
    if plan.known_sha256 == work.sha256:
        work.status, work.reason = "not_modified", "identical_body"
        return work
    parsed = feeds.parse_feed(plan.spec, result, settings.max_replacement_ratio)
    work.parsed = parsed
    work.problems.update(parsed.problems)
    if parsed.bozo:
        work.problems["bozo"] += 1
    if parsed.error:
        work.status, work.error, work.reason = "failed", parsed.error, parsed.reason
        return work
    now = result.finished_at or datetime.now(UTC)
    work.articles = extract.entries_to_articles(parsed.entries, result.final_url or plan.url,
                                                now, work.problems)
    return work


def _full_text(url: str, works: list[_Work], settings: Settings,
               pages: dict[str, fetcher.Response] | None) -> None:
    """For ``full_text`` feeds, replace summaries by the article page's main text.

    Pages already taken in an earlier night are reused from the database, so a page is
    fetched once, not every night. ``pages`` given (a re-parse) means: use only those.
    """
    candidates = [(w, a) for w in works if w.plan.spec.full_text and w.status == "ok"
                  for a in w.articles if a.body_source == "summary"]
    if not candidates:
        return
    with store.connect(url) as conn:
        known = {row[0]: row[1:] for row in conn.execute(
            "SELECT canonical_url, body, author FROM articles WHERE body_source = 'page' "
            "AND canonical_url = ANY(%s)", (sorted({a.canonical_url for _, a in candidates}),))}
    wanted: dict[str, list[tuple[_Work, Article]]] = {}
    per_feed: Counter[str] = Counter()
    for work, article in candidates:
        if article.canonical_url in known:
            body, author = known[article.canonical_url]
            _use_page(article, fulltext.PageText(text=body, author=author), now=None)
            work.problems["page_reused"] += 1
        elif article.url not in wanted and per_feed[work.plan.spec.id] >= \
                settings.max_pages_per_feed:
            work.problems["page_over_limit"] += 1  # left for a later night
        else:
            per_feed[work.plan.spec.id] += article.url not in wanted
            wanted.setdefault(article.url, []).append((work, article))
    to_fetch = list(wanted)
    if pages is None:
        pages = asyncio.run(fulltext.fetch_pages(to_fetch, settings)) if to_fetch else {}
    for link in to_fetch:
        resp = pages.get(link)
        for work, article in wanted[link]:
            if article.body_source == "page":
                continue
            if resp is None:
                outcome = fulltext.PageOutcome(link, "page_not_stored")
            else:
                try:
                    page = fulltext.extract_page(resp, article.title, article.summary)
                except fulltext.NotArticle as exc:
                    outcome = fulltext.PageOutcome(link, exc.reason, response=resp,
                                                   extra={"detail": str(exc)[:200]})
                except Exception as exc:  # noqa: BLE001 - the summary stays; counted
                    log.exception("extracting %s crashed", link)
                    outcome = fulltext.PageOutcome(link, "extract_crashed", response=resp,
                                                   extra={"detail": repr(exc)[:200]})
                else:
                    outcome = fulltext.PageOutcome(link, "page", page, resp)
                    _use_page(article, page, resp.finished_at, work.problems)
            work.pages.append(outcome)
            key = "page_used" if outcome.reason == "page" else f"page_fallback_{outcome.reason}"
            work.problems[key] += 1


def _use_page(article: Article, page: fulltext.PageText, now: datetime | None,
              problems: Counter[str] | None = None) -> None:
    # A page's text can carry NUL, which PostgreSQL text cannot hold.
    article.body, article.body_source = page.text.replace("\x00", ""), "page"
    article.author = article.author or (page.author or "").replace("\x00", "") or None
    if (article.published_at is None and page.date is not None and problems is not None
            and extract.EARLIEST <= page.date <= (now or datetime.now(UTC))):
        article.published_at = page.date
        problems["date_from_page"] += 1
    extract.finish_article(article)


def _load_all(url: str, run_id: int, works: list[_Work], settings: Settings,
              progress: Progress | None) -> list[FeedOutcome]:
    """Load every feed; a dropped connection is reopened once per feed and the feed redone."""
    outcomes: list[FeedOutcome] = []
    conn = store.connect(url)
    try:
        run = store.get_run(conn, run_id)
        for work in works:
            try:
                outcome = _load_feed(conn, run, work, settings)
            except psycopg.OperationalError as exc:
                log.warning("database connection lost while loading %s (%s); reconnecting "
                            "and loading it again", work.plan.spec.id, exc)
                conn.close()
                conn = store.connect(url)
                outcome = _load_feed(conn, run, work, settings)
            outcomes.append(outcome)
            if progress:
                progress(work.plan.spec.id, outcome.entries)
        if settings.keep_raw and not any(w.reparsed for w in works):
            rawstore.prune(conn, settings.raw_retention_days, settings.raw_max_bytes)
    finally:
        conn.close()
    return outcomes


def _load_feed(conn: psycopg.Connection, run: store.Run, work: _Work,
               settings: Settings) -> FeedOutcome:
    """Keep the raw payloads, load the articles in batches, then log the fetch and health.

    Every step is an upsert, so redoing a feed after a crash neither loses nor doubles rows.
    """
    spec, result = work.plan.spec, work.result
    conn.rollback()  # nothing half-done from an earlier feed may ride along
    if settings.keep_raw and not work.reparsed:
        _save_payloads(conn, run.id, work)
    outcome = FeedOutcome(spec.id, work.status, error=work.error)
    outcome.entries = len(work.parsed.entries) if work.parsed else 0
    stats = LoadStats()
    for i in range(0, len(work.articles), settings.load_batch_size):
        if i not in work.loaded:
            work.loaded[i] = _load_batch(conn, run, work.articles[i:i + settings.load_batch_size],
                                         work.problems)
        stats.add(work.loaded[i])
    outcome.new, outcome.updated = stats.new, stats.updated
    outcome.older, outcome.duplicate = stats.older, stats.duplicate
    details: dict[str, object] = {
        "problems": dict(work.problems), "new": stats.new, "updated": stats.updated,
        "older": stats.older, "duplicate": stats.duplicate, "reason": work.reason,
    }
    if work.parsed:
        details.update(bozo=work.parsed.bozo, encoding=work.parsed.encoding,
                       encoding_source=work.parsed.encoding_source)
    if result.retry_after is not None or result.waited:
        details.update(retry_after=result.retry_after, waited=result.waited)
    if result.permanent_url:
        details["moved_to"] = result.permanent_url
    if work.pages:
        details["pages"] = [{"url": p.url, "result": p.reason, **p.extra,
                             **({"sitename": p.page.sitename} if p.page and p.page.sitename
                                else {})} for p in work.pages]
    if work.reparsed:
        details["reparsed"] = True
    logged = feeds.FeedFetch(spec.id, result.url, work.status, result.http_status,
                             error=work.error, started_at=result.started_at or _utcnow(),
                             finished_at=result.finished_at or _utcnow())
    if work.status != "skipped" and not work.reparsed:
        # Pages left over the per-feed cap are for a later night: saving no validators makes
        # that night parse the feed again, instead of a 304 leaving them until it changes.
        left_over = work.problems["page_over_limit"] > 0
        health.record(conn, spec, run.id, _utcnow(), status=work.status, url=result.url,
                      http_status=result.http_status, error=work.error, reason=work.reason,
                      headers=None if left_over else result.headers,
                      sha256=None if left_over else work.sha256,
                      permanent_url=result.permanent_url, retry_after=result.retry_after,
                      disable_after=settings.disable_after, backoff_base=settings.backoff_base,
                      backoff_cap=settings.backoff_cap)
    store.record_fetch(conn, run.id, logged, outcome.entries,
                       outcome.new + outcome.updated + outcome.older + outcome.duplicate,
                       details)
    if outcome.status == "failed":
        log.warning("feed %s failed: %s", spec.id, outcome.error)
    return outcome


def _load_batch(conn: psycopg.Connection, run: store.Run, batch: Sequence[Article],
                problems: Counter[str]) -> LoadStats:
    """Load one batch; if the database refuses it, load its articles one at a time and
    count the ones it refuses (``dropped_load_error``), so a bad entry costs only itself."""
    try:
        return store.load_articles(conn, run, batch)
    except psycopg.OperationalError:
        raise  # the connection, not the data: the caller reconnects and redoes the feed
    except psycopg.Error as exc:
        conn.rollback()
        if len(batch) == 1:
            problems["dropped_load_error"] += 1
            log.warning("the database refused the article at %s: %s", batch[0].url[:200],
                        str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            return LoadStats()
    stats = LoadStats()
    for article in batch:
        stats.add(_load_batch(conn, run, [article], problems))
    return stats


def _save_payloads(conn: psycopg.Connection, run_id: int, work: _Work) -> None:
    result = work.result
    if result.body and work.status != "not_modified":
        rawstore.save(conn, run_id, work.plan.spec.id, "feed", result.url, result.body,
                      final_url=result.final_url, fetched_at=result.finished_at or _utcnow(),
                      http_status=result.http_status, headers=result.headers)
    for page in work.pages:
        resp = page.response
        if resp is not None and resp.body:
            rawstore.save(conn, run_id, work.plan.spec.id, "page", resp.url, resp.body,
                          final_url=resp.final_url, fetched_at=resp.finished_at or _utcnow(),
                          http_status=resp.status, headers=resp.headers)
    conn.commit()


def _utcnow() -> datetime:
    return datetime.now(UTC)


def reparse(url: str, run_id: int, settings: Settings,
            feed_ids: Sequence[str] | None = None,
            stages: dict[str, dict] | None = None) -> list[FeedOutcome]:
    """Parse a night again from its stored raw payloads, without the network.

    Articles are upserted as in the night itself (so nothing doubles), the fetch log rows
    are replaced (marked ``reparsed``), feed health is left alone, and the night's
    articles go through the stages after the load again (search index, copy clusters,
    topics, entities), so articles a parser fix brings in are complete. ``stages``, when
    given, receives those stages' figures.

    The taxonomy and the gazetteer are loaded first, as :func:`prepare` does: a mistake in
    either must stop the re-parse before the fetch log is replaced, not after the load.
    """
    from pipeline.gazetteer import load_gazetteer
    from pipeline.taxonomy import load_taxonomy

    load_taxonomy()
    load_gazetteer()
    with store.connect(url) as conn:
        stored = rawstore.load_run(conn, run_id, "feed", list(feed_ids) if feed_ids else None)
        page_rows = rawstore.load_run(conn, run_id, "page",
                                      list(feed_ids) if feed_ids else None)
    specs = {s.id: s for s in feed_specs(url, sorted({p.feed_id for p in stored}))}
    works = []
    for p in stored:
        result = feeds.FeedFetch(p.feed_id, p.url, "ok", p.http_status, body=p.body,
                                 headers=p.headers, final_url=p.final_url,
                                 started_at=p.fetched_at, finished_at=p.fetched_at)
        work = _parse_safely(health.Plan(specs[p.feed_id], p.url), result, settings)
        work.reparsed = True
        works.append(work)
    pages = {p.url: fetcher.Response(url=p.url, final_url=p.final_url or p.url,
                                     status=p.http_status, headers=p.headers, body=p.body,
                                     finished_at=p.fetched_at) for p in page_rows}
    _full_text(url, works, settings, pages=pages)
    outcomes = _load_all(url, run_id, works, settings, None)
    figures = {name: stage(url, run_id, settings) for name, stage in _after_load()}
    if stages is not None:
        stages.update(figures)
    return outcomes


def _after_load() -> tuple[tuple[str, Callable[[str, int, Settings], dict]], ...]:
    """The stages after the load, in order: the night's, and a re-parse's."""
    return (("search", index_search), ("dedup", near_duplicates), ("topics", tag_topics),
            ("entities", tag_entities))


# --- 3. the search index ---------------------------------------------------------------
# The stages after the load can run as several tasks side by side: shard k of n takes the
# night's articles whose id is k modulo n. The DAG maps the tagging stages over
# AKHBAR_TAG_SHARDS and runs the search index as one task (one GIN writer is fastest).
def shard_ids(ids: Sequence[int], shard: int = 0, shards: int = 1) -> list[int]:
    """The article ids of one shard (all of them when ``shards`` is 1)."""
    if not 0 <= shard < shards:
        raise ValueError(f"shard {shard} is not one of 0..{shards - 1}")
    return [i for i in ids if i % shards == shard]


# stage: search
def index_search(url: str, run_id: int, settings: Settings | None = None,
                 shard: int = 0, shards: int = 1) -> dict:
    """Build the Arabic search rows of the night's articles (one shard) that lack a current one."""
    from pipeline.search import index_articles

    with store.connect(url) as conn:
        stats = index_articles(conn, shard_ids(store.run_article_ids(conn, run_id),
                                               shard, shards))
    return stats.as_dict()


# --- 4. near duplicates and story clusters ----------------------------------------------
# stage: dedup
def near_duplicates(url: str, run_id: int, settings: Settings | None = None) -> dict:
    """Join every article seen tonight to its copy cluster (stored copies of any night)."""
    from pipeline.dedup_db import dedup_articles

    with store.connect(url) as conn:
        stats = dedup_articles(conn, store.run_article_ids(conn, run_id))
        conn.commit()
    return stats.as_dict()


# --- 5. topics and entities -------------------------------------------------------------
# stage: topics
def tag_topics(url: str, run_id: int, settings: Settings | None = None,
               shard: int = 0, shards: int = 1) -> dict:
    """Tag the night's articles (one shard of them) with the taxonomy's topics (replacing)."""
    from pipeline.taxonomy import load_taxonomy
    from pipeline.topics import tag_articles

    with store.connect(url) as conn:
        ids = shard_ids(store.run_article_ids(conn, run_id), shard, shards)
        stats = tag_articles(conn, ids, load_taxonomy())
        conn.commit()
    return stats.as_dict()


# stage: entities
def tag_entities(url: str, run_id: int, settings: Settings | None = None,
                 shard: int = 0, shards: int = 1) -> dict:
    """Link the night's articles (one shard) to gazetteer entities, store unknown names."""
    from pipeline.entities_db import tag_run

    with store.connect(url) as conn:
        figures = tag_run(conn, shard_ids(store.run_article_ids(conn, run_id), shard, shards))
        conn.commit()
    return figures


def merge_figures(parts: Sequence[dict] | dict | None) -> dict | None:
    """One stage's figures from its shards' (numbers summed, seconds the longest)."""
    if parts is None or isinstance(parts, dict):
        return parts
    merged = _merge([dict(p or {}) for p in parts])
    merged["shards"] = len(parts)
    return merged


def _merge(parts: list[dict]) -> dict:
    merged: dict = {}
    for part in parts:
        for key, value in part.items():
            if isinstance(value, dict):
                merged[key] = _merge([merged.get(key) or {}, value])
            elif isinstance(value, bool) or not isinstance(value, int | float):
                merged.setdefault(key, value)
            elif key == "seconds":  # shards run side by side: the stage took the longest
                merged[key] = max(merged.get(key, 0), value)
            else:
                merged[key] = merged.get(key, 0) + value
    return merged


# --- 6. quality checks and the summary ---------------------------------------------------

def check_quality(url: str, run_id: int, feeds_expected: int | None = None,
                  settings: Settings | None = None) -> quality.QualityReport:
    """Check the run's rows against the data-quality thresholds (``AKHBAR_QA_*``).

    Returns the report; the nightly DAG raises on a breach, ``akhbar run`` prints it.
    """
    limits = quality.QualityThresholds.from_env(settings=settings)
    with store.connect(url) as conn:
        return quality.check_run(conn, run_id, feeds_expected, limits)


def elapsed(url: str, run_id: int) -> float:
    """Seconds since the run was opened (or re-opened by a re-run); for tasks in other processes."""
    with store.connect(url) as conn:
        row = conn.execute("SELECT extract(epoch FROM clock_timestamp() - started_at) "
                           "FROM runs WHERE id = %s", (run_id,)).fetchone()
    return float(row[0]) if row else 0.0


def summarize(url: str, run_id: int, seconds: float = 0.0,
              stages: dict[str, dict] | None = None) -> RunSummary:
    """Build the run summary from the fetch log, store it on the run and return it.

    The run is stored as ``failed`` when the quality stage says the night breached its
    checks, so a night that is not fit to query never reads as a success."""
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
            summary.articles_older += details.get("older", 0)
            summary.articles_duplicate += details.get("duplicate", 0)
            problems.update(details.get("problems", {}))
            if status == "failed":
                summary.failed_feeds.append({"feed": feed_id, "error": error or ""})
        summary.problems = dict(sorted(problems.items()))
        passed = (stages or {}).get("quality", {}).get("passed", True)
        store.finish_run(conn, run_id, "success" if passed else "failed", summary.as_dict())
    return summary


# stage: report
def write_report(url: str, run_id: int, out_path: Path) -> Path:
    """Write the morning report (pipeline.report) of the night this run belongs to."""
    from pipeline import report

    with store.connect(url) as conn:
        run = store.get_run(conn, run_id)
    return report.write_report(url, run.logical_ts.astimezone(UTC).date(), out_path)


def _failure_text(error: BaseException | str | None) -> str:
    if isinstance(error, BaseException):
        return f"{type(error).__name__}: {error}"
    return error or "failed, no error recorded (its process was lost or killed)"


def _write_failed(url: str, run_key: str, step: str, error: BaseException | str | None,
                  stages: dict[str, dict] | None = None, run_id: int | None = None,
                  runner: store.Runner | None = None) -> bool:
    """Store the run failed because ``step`` broke; return whether it was. The one failed
    summary, for a stage of :func:`run_night` and a task of the nightly DAG alike: the
    figures of the stages done and ``"<step>: <Type>: <message>"`` (an error given as text
    is written as it is). With ``run_id``, that run; without, the run ``run_key`` if it is
    still running (and, with ``runner``, was opened by it). Database errors are raised."""
    summary = {"stages": stages if stages is not None else {},
               "error": f"{step}: {_failure_text(error)}"}
    with store.connect(url) as conn:
        if run_id is None:
            return store.fail_running_run(conn, run_key, summary, runner)
        store.finish_run(conn, run_id, "failed", summary)
        return True


def store_task_failure(url: str, run_key: str, task: str,
                       error: BaseException | str | None) -> bool:
    """Store the night ``run_key`` failed because ``task`` failed for good; return whether.

    For a night run as tasks (Airflow), which no single process watches: without this a task
    that failed after its last retry left the run ``running`` for ever. The summary is the one
    :func:`run_night` stores (:func:`_write_failed` builds both), with no stages. A run not
    opened yet (the registry task failed before) or already ended is left alone, and a later
    re-run of the night reopens it as usual.
    """
    stored = _write_failed(url, run_key, task, error)
    if stored:
        log.warning("run %s stored failed: %s failed: %s", run_key, task, _failure_text(error))
    else:
        log.info("run %s is not running (not opened yet, or ended): left as it is", run_key)
    return stored


# --- the whole night ---------------------------------------------------------------------

class StageFailed(RuntimeError):
    """A stage of :func:`run_night` raised, opening the run (``prepare``) and storing its
    summary included. The stage's own exception is the ``__cause__``; the message names the
    stage and the run. ``stored``: whether the run is stored failed (False when the run was
    never opened, or the database refused that too)."""

    def __init__(self, stage: str, run_key: str, run_id: int | None, cause: BaseException,
                 stored: bool = True) -> None:
        first = (str(cause).splitlines() or [""])[0].strip()  # psycopg adds CONTEXT lines
        what = f"{type(cause).__name__}: {first}" if first else type(cause).__name__
        super().__init__(f"stage {stage} of run {run_key} failed: {what}")
        self.stage, self.run_key, self.run_id, self.stored = stage, run_key, run_id, stored


def _store_failed(url: str, run_key: str, stage: str, exc: BaseException,
                  stages: dict[str, dict], run_id: int | None = None,
                  runner: store.Runner | None = None) -> bool:
    """Store the run failed at ``stage``; return whether it could be (the database may be
    the very thing that broke). Without ``run_id``, only if ``runner`` had opened it."""
    try:
        return _write_failed(url, run_key, stage, exc, stages, run_id, runner)
    except psycopg.Error as err:
        log.warning("run %s could not be stored failed: %s", run_key, err)
        return False


def run_night(url: str, settings: Settings, feeds_path: Path, run_key: str | None = None,
              logical_ts: datetime | None = None,
              progress: Progress | None = None,
              report_path: Path | None = None) -> RunSummary:
    """Run every stage in order; the same stages the nightly DAG runs as tasks.

    A stage that raises, from opening the run to storing its summary, leaves the run stored
    ``failed`` (if it was opened and the database takes it) and raises :class:`StageFailed`
    (Ctrl-C stays a ``KeyboardInterrupt``). A broken registry, taxonomy or gazetteer is
    raised as such, before the run is opened.
    """
    from pipeline.gazetteer import GazetteerError
    from pipeline.taxonomy import TaxonomyError

    started = time.monotonic()
    logical_ts = logical_ts or datetime.now(UTC).replace(microsecond=0)
    run_key = run_key or logical_ts.isoformat()
    runner = store.this_process()
    try:
        run_id, feed_ids = prepare(url, feeds_path, run_key, logical_ts, runner=runner)
    except (feeds.RegistryError, TaxonomyError, GazetteerError):
        raise
    except (Exception, KeyboardInterrupt) as exc:
        # The database refused the run or dropped the connection: if the run was opened
        # by this process before that, it must not stay "running".
        stored = _store_failed(url, run_key, "prepare", exc, {}, runner=runner)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise StageFailed("prepare", run_key, None, exc, stored) from exc
    stages: dict[str, dict] = {}
    current = "fetch"
    # The run names this process and stamps a heartbeat until it ends, so that a later run
    # can tell it was killed (kill -9, out of memory, a reboot) and store it failed.
    with store.heartbeat(url, run_id, runner):
        try:
            fetch_and_load(url, run_id, feed_ids, settings, progress)
            for current, stage in _after_load():
                stages[current] = stage(url, run_id, settings)
            current = "quality"
            stages["quality"] = check_quality(url, run_id, len(feed_ids), settings).brief()
            current = "summary"
            summary = summarize(url, run_id, time.monotonic() - started, stages)
        except (Exception, KeyboardInterrupt) as exc:
            # The run must not stay "running": store it failed, naming the stage that broke
            # (or was interrupted: Ctrl-C on `akhbar run`).
            stored = _store_failed(url, run_key, current, exc, stages, run_id)
            if isinstance(exc, KeyboardInterrupt):
                raise
            raise StageFailed(current, run_key, run_id, exc, stored) from exc
    if report_path is not None:
        write_report(url, run_id, report_path)
    return summary
