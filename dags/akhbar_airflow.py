"""What Akhbar's DAG files share: the warehouse connection, the night's key, the assets.

Kept free of heavy imports: the dag-processor parses every file in this folder often, so the
``pipeline`` package is imported inside tasks, not here.
"""

from __future__ import annotations

import importlib
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import Asset
from airflow.sdk.exceptions import AirflowNotFoundException, AirflowSkipException

log = logging.getLogger(__name__)

CONN_ID = "akhbar_db"
DEFAULT_SCHEDULE = "30 2 * * *"  # 02:30 UTC: the Arab world's evening news has landed
DEFAULT_FETCH_SHARDS = 8
DEFAULT_TAG_SHARDS = 2  # tagging is CPU-bound: about one task per worker slot

# Assets updated by the nightly run, emitted once the night has passed its quality checks,
# so analysts' DAGs scheduled on them never see half a night.
WAREHOUSE = "postgres://warehouse/akhbar/public"
ARTICLES = Asset(name="akhbar.articles", uri=f"{WAREHOUSE}/articles", group="akhbar")
SIGHTINGS = Asset(name="akhbar.article_sightings", uri=f"{WAREHOUSE}/article_sightings",
                  group="akhbar")
FETCHES = Asset(name="akhbar.fetches", uri=f"{WAREHOUSE}/fetches", group="akhbar")
RUNS = Asset(name="akhbar.runs", uri=f"{WAREHOUSE}/runs", group="akhbar")
CLUSTERS = Asset(name="akhbar.dedup_clusters", uri=f"{WAREHOUSE}/dedup_clusters",
                 group="akhbar")
TOPICS = Asset(name="akhbar.article_topics", uri=f"{WAREHOUSE}/article_topics", group="akhbar")
ENTITIES = Asset(name="akhbar.article_entities", uri=f"{WAREHOUSE}/article_entities",
                 group="akhbar")
NIGHTLY_ASSETS = [ARTICLES, SIGHTINGS, FETCHES, RUNS, CLUSTERS, TOPICS, ENTITIES]


@dataclass(frozen=True)
class DagConfig:
    """DAG-level settings read at parse time from the environment."""

    schedule: str = DEFAULT_SCHEDULE
    fetch_shards: int = DEFAULT_FETCH_SHARDS
    tag_shards: int = DEFAULT_TAG_SHARDS
    retries: int = 2
    retry_delay: timedelta = timedelta(minutes=2)
    max_retry_delay: timedelta = timedelta(minutes=30)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> DagConfig:
        """``AKHBAR_SCHEDULE`` (cron, UTC), ``AKHBAR_FETCH_SHARDS``, ``AKHBAR_TAG_SHARDS``,
        ``AKHBAR_TASK_RETRIES``."""
        env = os.environ if env is None else env
        base = cls()
        return cls(
            schedule=env.get("AKHBAR_SCHEDULE") or base.schedule,
            fetch_shards=max(1, int(env.get("AKHBAR_FETCH_SHARDS") or base.fetch_shards)),
            tag_shards=max(1, int(env.get("AKHBAR_TAG_SHARDS") or base.tag_shards)),
            retries=int(env.get("AKHBAR_TASK_RETRIES") or base.retries),
        )

    def default_args(self) -> dict[str, Any]:
        """Retries with exponential backoff for every task."""
        return {
            "owner": "akhbar",
            "retries": self.retries,
            "retry_delay": self.retry_delay,
            "retry_exponential_backoff": True,
            "max_retry_delay": self.max_retry_delay,
        }


def warehouse_url() -> str:
    """The warehouse as a libpq conninfo: connection ``akhbar_db``, else AKHBAR_DATABASE_URL."""
    from psycopg.conninfo import make_conninfo

    try:
        from airflow.providers.postgres.hooks.postgres import PostgresHook

        hook = PostgresHook(postgres_conn_id=CONN_ID)
        conn = hook.connection
    except AirflowNotFoundException:
        url = os.environ.get("AKHBAR_DATABASE_URL")
        if not url:
            raise RuntimeError(
                f"no warehouse: define the Airflow connection {CONN_ID!r} "
                "(AIRFLOW_CONN_AKHBAR_DB) or set AKHBAR_DATABASE_URL") from None
        log.info("connection %r not defined; using AKHBAR_DATABASE_URL", CONN_ID)
        return url
    params: dict[str, Any] = {"host": conn.host, "port": conn.port, "user": conn.login,
                              "password": conn.password, "dbname": hook.database or conn.schema}
    # Extras such as sslmode pass through to libpq; the hook's own options do not.
    params.update({k: v for k, v in conn.extra_dejson.items()
                   if k not in hook.ignored_extra_options})
    return make_conninfo(**{k: v for k, v in params.items() if v not in (None, "")})


@dataclass(frozen=True)
class NightKey:
    """A run's identity in the warehouse, derived from its data interval."""

    run_key: str
    logical_ts: datetime
    interval_start: datetime | None
    interval_end: datetime | None


def night_key(context: Mapping[str, Any]) -> NightKey:
    """Key the run by its data interval, so a cleared or backfilled night reuses its rows.

    ``run_key`` is the interval start (ISO, UTC) and ``logical_ts`` the interval end: the
    moment the night's data is complete. A manual run with a logical date is the night that
    ends then, however it was triggered; one without a logical date has no interval and is
    keyed by its Airflow run id instead.
    """
    start = context.get("data_interval_start")
    end = context.get("data_interval_end")
    dag_run = context.get("dag_run")
    logical = getattr(dag_run, "logical_date", None)
    timetable = getattr(context.get("dag"), "timetable", None)
    if (logical is not None and timetable is not None
            and str(getattr(dag_run, "run_type", "")).lower().endswith("manual")):
        # `airflow dags trigger -l` dates the run but takes its interval from the moment of
        # triggering; the night asked for is the one that ends at the logical date (as a
        # trigger from the UI or the REST API gives it).
        interval = _manual_interval(timetable, logical)
        if interval is not None:
            start, end = interval
    if start is not None and end is not None:
        start, end = _utc(start), _utc(end)
        return NightKey(start.isoformat(), end, start, end)
    dag_run = context["dag_run"]
    after = _utc(dag_run.run_after).replace(microsecond=0)
    return NightKey(f"manual:{dag_run.run_id}", after, None, None)


def _manual_interval(timetable: Any, logical: datetime) -> tuple[datetime, datetime] | None:
    """The data interval a manual run dated ``logical`` covers under ``timetable`` (the DAG
    file's timetable, or the scheduler's own form of it that can infer one)."""
    infer = getattr(timetable, "infer_manual_data_interval", None)
    if infer is None and getattr(timetable, "expression", None):
        import pendulum
        from airflow.timetables.interval import CronDataIntervalTimetable

        infer = CronDataIntervalTimetable(
            timetable.expression, timetable.timezone).infer_manual_data_interval
        logical = pendulum.instance(logical)
    if infer is None:
        return None
    interval = infer(run_after=logical)
    return interval.start, interval.end


def _utc(value: datetime) -> datetime:
    return datetime.fromtimestamp(value.timestamp(), tz=UTC)


def stage_function(module: str, name: str) -> Callable[..., Any]:
    """``module.name``, or skip the task, saying which stage is missing.

    A stage another part of the pipeline has not shipped yet shows as *skipped* in the UI
    with this reason in the log; it is never reported as done.
    """
    try:
        fn = getattr(importlib.import_module(module), name, None)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise  # the stage exists but one of its imports is broken: that is a failure
        fn = None
    if fn is None:
        raise AirflowSkipException(f"stage {module}.{name} is not available in this release; "
                                   "this task did nothing")
    return fn
