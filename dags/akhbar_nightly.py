"""The nightly Akhbar run as an Airflow DAG: thin tasks over the stages in ``pipeline.night``.

Tasks hand each other the run id and small keys only; the articles stay in PostgreSQL.
``akhbar run`` calls the same stage functions in the same order.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import akhbar_airflow as af
from airflow.sdk import (
    Context,
    CronDataIntervalTimetable,
    TriggerRule,
    dag,
    get_current_context,
    task,
)
from airflow.sdk.exceptions import AirflowFailException

log = logging.getLogger(__name__)
CONFIG = af.DagConfig.from_env()

DOC_MD = f"""
# Akhbar nightly

Fetches every enabled feed of the registry (`AKHBAR_FEEDS`), loads new articles into the
warehouse (connection `{af.CONN_ID}`), finds near-duplicate copies, tags topics and
entities, checks the night's data quality and writes the run summary.

**Schedule**: `{CONFIG.schedule}` UTC (`AKHBAR_SCHEDULE`). A run covers its data interval:
the run key in the warehouse's `runs` table is the interval start, so **clearing a run,
re-running a task or backfilling a night rewrites the same rows** instead of adding new ones.

**Where to look**

* `run_summary` log: one line per feed (failed first, with the reason), then the counts.
  Failing feeds do not fail the night unless more than `AKHBAR_MAX_FAILED_FEED_SHARE` of
  them fail.
* `check_data_quality` log: each check with its value and limit. It fails the run when a
  limit is crossed (failed feed share, articles loaded, articles without body, duplicate
  share; `AKHBAR_QA_*` variables).
* `fetch_feeds` is mapped over shards of feeds (`AKHBAR_FETCH_SHARDS`, now
  {CONFIG.fetch_shards}); each map index is named after the feeds it holds. A failed shard
  can be cleared and retried alone.
* `find_near_duplicates`, `index_for_search`, `tag_topics` and `tag_entities` run side by
  side once the feeds are loaded. The two tagging tasks are each mapped over shards of the
  night's articles (`AKHBAR_TAG_SHARDS`, now {CONFIG.tag_shards}), so tagging uses every
  worker slot; a shard re-run replaces only its own articles' tags. Until
  `index_for_search` has run, tonight's articles are stored but not found by
  `akhbar.search()`.
* `write_report` writes the night's HTML report to
  `$AKHBAR_HOME/reports/akhbar-report-<day the interval ends>.html`.
* A stage shown as *skipped* is not part of this release; its log says which function is
  missing.
* A task that fails after its last retry stores the run `failed` in `runs`, with the task
  and its error in `summary.error`; clearing or re-running the night stores it anew.

The warehouse tables are published as assets (`akhbar.articles`, ...) by `run_summary` once
the night has passed its checks.
"""


def _settings() -> Any:
    from pipeline.settings import Settings

    return Settings.from_env()


@task(task_id="load_feed_registry")
def load_feed_registry() -> list[list[str]]:
    """Sync the registry into the warehouse, open the night's run, cut the feeds into shards.

    Returns the shards (lists of feed ids) to map over; the run id and the number of feeds
    go to XCom under their own keys.
    """
    from pipeline import night

    context = get_current_context()
    key = af.night_key(context)
    settings = _settings()
    try:
        night_run_id, feed_ids = night.prepare(
            af.warehouse_url(), settings.feeds_path, key.run_key, key.logical_ts,
            key.interval_start, key.interval_end)
    except ValueError as exc:  # a mistake in a data file: retrying cannot help
        raise AirflowFailException(f"cannot start the night: {exc}") from exc
    shards = night.shard_feeds(feed_ids, CONFIG.fetch_shards)
    log.info("run %s (key %s): %d enabled feeds in %d shard(s)", night_run_id, key.run_key,
             len(feed_ids), len(shards))
    context["ti"].xcom_push(key="night_run_id", value=night_run_id)
    context["ti"].xcom_push(key="feeds", value=len(feed_ids))
    return shards


@task(task_id="fetch_feeds", map_index_template="{{ shard_label }}")
def fetch_feeds(night_run_id: int, feed_ids: list[str]) -> dict[str, int]:
    """Fetch one shard of feeds and load their articles; a failing feed is logged, not raised."""
    from pipeline import night

    context = get_current_context()
    label = feed_ids[0] if len(feed_ids) == 1 else \
        f"{feed_ids[0]} … {feed_ids[-1]} ({len(feed_ids)} feeds)"
    context["shard_label"] = label  # type: ignore[typeddict-unknown-key]
    outcomes = night.fetch_and_load(af.warehouse_url(), night_run_id, feed_ids, _settings())
    counts = {"feeds": len(outcomes), "entries": sum(o.entries for o in outcomes),
              "new": sum(o.new for o in outcomes)}
    for status in ("ok", "not_modified", "failed"):
        counts[status] = sum(1 for o in outcomes if o.status == status)
    for o in outcomes:
        if o.status == "failed":
            log.warning("feed %s failed: %s", o.feed_id, o.error)
    log.info("shard done: %s", counts)
    return counts


def _stage(name: str, night_run_id: int, **shard: int) -> dict[str, Any]:
    fn = af.stage_function("pipeline.night", name)
    figures = fn(af.warehouse_url(), night_run_id, _settings(), **shard)
    log.info("%s %s: %s", name, shard or "", figures)
    return dict(figures or {})


def _label_shard(shard: int) -> None:
    """Name the map index in the UI ("articles 1 of 2") instead of a bare number."""
    label = f"articles {shard + 1} of {CONFIG.tag_shards}"
    get_current_context()["shard_label"] = label  # type: ignore[typeddict-unknown-key]


# Started first when it shares the worker slots with the tagging shards: it is the one task
# that cannot be split, so it bounds the phase.
@task(task_id="find_near_duplicates", priority_weight=10)
def find_near_duplicates(night_run_id: int) -> dict[str, Any]:
    """Join tonight's articles to the copy clusters of every stored article."""
    return _stage("near_duplicates", night_run_id)


# One task, not mapped: the search index takes inserts fastest from one writer (concurrent
# writers contend for the index pages of common words), so it is queued right after dedup.
@task(task_id="index_for_search", priority_weight=5)
def index_for_search(night_run_id: int) -> dict[str, Any]:
    """Build the Arabic search rows of tonight's articles."""
    return _stage("index_search", night_run_id)


@task(task_id="tag_topics", trigger_rule=TriggerRule.NONE_FAILED,
      map_index_template="{{ shard_label }}")
def tag_topics(night_run_id: int, shard: int) -> dict[str, Any]:
    """Tag one shard of tonight's articles with the taxonomy's topics."""
    _label_shard(shard)
    return _stage("tag_topics", night_run_id, shard=shard, shards=CONFIG.tag_shards)


@task(task_id="tag_entities", trigger_rule=TriggerRule.NONE_FAILED,
      map_index_template="{{ shard_label }}")
def tag_entities(night_run_id: int, shard: int) -> dict[str, Any]:
    """Tag one shard of tonight's articles with linked named entities."""
    _label_shard(shard)
    return _stage("tag_entities", night_run_id, shard=shard, shards=CONFIG.tag_shards)


@task(task_id="check_data_quality", trigger_rule=TriggerRule.NONE_FAILED)
def check_data_quality(night_run_id: int, feeds_expected: int) -> dict[str, Any]:
    """Check the night's rows against the thresholds; fail loudly on a breach."""
    from pipeline import night

    url = af.warehouse_url()
    report = night.check_quality(url, night_run_id, feeds_expected, _settings())
    log.info("data-quality checks for run %s:\n%s", night_run_id, report.render())
    if report.breaches:
        # The summary task will not run: the run is stored as failed here, with the checks.
        night.summarize(url, night_run_id, night.elapsed(url, night_run_id),
                        {"quality": report.brief()})
    report.raise_if_breached()
    return report.brief()


@task(task_id="run_summary", trigger_rule=TriggerRule.NONE_FAILED,
      outlets=af.NIGHTLY_ASSETS)
def run_summary(night_run_id: int) -> dict[str, Any]:
    """Store the run summary and log the per-feed health table and the night's counts."""
    from pipeline import night, quality, store

    context = get_current_context()
    ti = context["ti"]
    stages = {}
    for name, task_id in (("search", "index_for_search"),
                          ("dedup", "find_near_duplicates"), ("topics", "tag_topics"),
                          ("entities", "tag_entities"), ("quality", "check_data_quality")):
        # Mapped stages hand back one dict per shard: merged into one figure set.
        figures = night.merge_figures(ti.xcom_pull(task_ids=task_id))
        stages[name] = figures if figures is not None else {"skipped": True}
    url = af.warehouse_url()
    summary = night.summarize(url, night_run_id, night.elapsed(url, night_run_id), stages)
    with store.connect(url) as conn:
        health = quality.feed_health(conn, night_run_id)
    log.info("feed health, run %s (key %s):\n%s", night_run_id, summary.run_key,
             quality.render_feed_health(health))
    log.info("entries seen %d; articles new %d, updated %d, older (newer text kept) %d, "
             "duplicate %d; %.1f s", summary.entries_seen, summary.articles_new,
             summary.articles_updated, summary.articles_older, summary.articles_duplicate,
             summary.seconds)
    return {"night_run_id": night_run_id, "run_key": summary.run_key,
            "feeds_ok": summary.feeds_ok,
            "feeds_not_modified": summary.feeds_not_modified,
            "feeds_failed": summary.feeds_failed, "articles_new": summary.articles_new}


@task(task_id="write_report", trigger_rule=TriggerRule.NONE_FAILED)
def write_report(night_run_id: int) -> str:
    """Write the night's HTML report into ``$AKHBAR_HOME/reports``, when the release has it."""
    write = af.stage_function("pipeline.report", "write_report")
    key = af.night_key(get_current_context())
    # The report covers the articles first seen on the day the night's interval ends.
    day = key.logical_ts.date()
    out = _settings().home / "reports" / f"akhbar-report-{day.isoformat()}.html"
    path = write(af.warehouse_url(), day, out)
    log.info("report of run %s written: %s", night_run_id, path)
    return str(path)


def store_night_failed(context: Context) -> None:
    """Store the night failed in ``runs`` when a task fails for good (after its last retry).

    Without it the run row of a night Airflow gave up on read ``running`` for ever. A night
    whose run is not open yet, or already ended, is left as it is.
    """
    from pipeline import night

    ti = context["ti"]
    task = ti.task_id if ti.map_index is None or ti.map_index < 0 else \
        f"{ti.task_id}[{ti.map_index}]"
    night.store_task_failure(af.warehouse_url(), af.night_key(context).run_key, task,
                             context.get("exception"))


@dag(
    dag_id="akhbar_nightly",
    schedule=CronDataIntervalTimetable(CONFIG.schedule, timezone="UTC"),
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    # A task failing for good stores the night failed; a retry does not.
    default_args={**CONFIG.default_args(), "on_failure_callback": store_night_failed},
    doc_md=DOC_MD,
    tags=["akhbar", "ingest", "nightly"],
)
def akhbar_nightly() -> None:
    registry = load_feed_registry()
    night_run_id = registry["night_run_id"]
    # Mapped over shards of feeds, not single feeds: 1,000 feeds stay a handful of tasks.
    fetched = fetch_feeds.partial(night_run_id=night_run_id).expand(feed_ids=registry)
    dedup = find_near_duplicates(night_run_id)
    shards = list(range(CONFIG.tag_shards))
    searchable = index_for_search(night_run_id)
    topics = tag_topics.partial(night_run_id=night_run_id).expand(shard=shards)
    entities = tag_entities.partial(night_run_id=night_run_id).expand(shard=shards)
    checked = check_data_quality(night_run_id, registry["feeds"])
    summary = run_summary(night_run_id)
    report = write_report(night_run_id)
    # Tags and the search index do not depend on copy clusters (every article is tagged and
    # indexed), so near duplicates, the search index and the tagging shards run side by side
    # on the worker slots.
    fetched >> [dedup, searchable, topics, entities] >> checked >> summary
    # The report also waits on the checks directly, so a failed check fails the whole run.
    [checked, summary] >> report


akhbar_nightly()
