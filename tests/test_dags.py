"""DAG integrity: every file in dags/ imports, and the DAGs have the shape operators rely on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from airflow_harness import DAGS, configure_in_process


@pytest.fixture(scope="module")
def dagbag(pg_admin_url: str) -> Any:
    configure_in_process(pg_admin_url)
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(dag_folder=DAGS, bundle_path=DAGS)


def test_every_dag_file_imports(dagbag: Any) -> None:
    assert dagbag.import_errors == {}
    parsed = {stat.file.rsplit("/", 1)[-1] for stat in dagbag.dagbag_stats}
    assert parsed == {"akhbar_nightly.py", "akhbar_retag.py"}  # the helper is .airflowignored


def test_expected_dags_and_tags(dagbag: Any) -> None:
    assert set(dagbag.dag_ids) == {"akhbar_nightly", "akhbar_retag"}
    for dag_id in dagbag.dag_ids:
        dag = dagbag.get_dag(dag_id)
        assert "akhbar" in dag.tags
        assert dag.doc_md and len(dag.doc_md) > 200, f"{dag_id} needs operator docs"


def test_nightly_schedule_and_retries(dagbag: Any) -> None:
    dag = dagbag.get_dag("akhbar_nightly")
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert "nightly" in dag.tags
    assert dag.timetable.expression == "30 2 * * *"
    assert str(dag.timetable.timezone) == "UTC"
    for t in dag.tasks:
        assert t.retries >= 1, t.task_id
        assert t.retry_exponential_backoff, t.task_id
        assert t.retry_delay >= timedelta(minutes=1)


def test_nightly_task_order(dagbag: Any) -> None:
    dag = dagbag.get_dag("akhbar_nightly")
    downstream = {t.task_id: set(t.downstream_task_ids) for t in dag.tasks}
    assert downstream["load_feed_registry"] >= {"fetch_feeds"}
    # Tagging and the search index do not wait for the copy clusters: the four share the
    # worker slots, and the checks wait for all of them.
    assert downstream["fetch_feeds"] == {"find_near_duplicates", "index_for_search",
                                         "tag_topics", "tag_entities"}
    assert downstream["find_near_duplicates"] == {"check_data_quality"}
    assert downstream["index_for_search"] == {"check_data_quality"}
    assert downstream["tag_topics"] == downstream["tag_entities"] == {"check_data_quality"}
    assert downstream["check_data_quality"] == {"run_summary", "write_report"}
    assert downstream["run_summary"] == {"write_report"}
    from airflow.sdk.definitions.mappedoperator import MappedOperator

    assert isinstance(dag.get_task("fetch_feeds"), MappedOperator)
    outlets = {a.name for a in dag.get_task("run_summary").outlets}
    assert {"akhbar.articles", "akhbar.runs", "akhbar.article_topics"} <= outlets


def test_no_cycles(dagbag: Any) -> None:
    for dag_id in dagbag.dag_ids:
        dag = dagbag.get_dag(dag_id)
        dag.validate()
        # A topological sort visits every task exactly once only when there is no cycle.
        order = [t.task_id for t in dag.topological_sort()]
        assert sorted(order) == sorted(dag.task_ids)


def test_retag_is_manual_with_params(dagbag: Any) -> None:
    dag = dagbag.get_dag("akhbar_retag")
    assert dag.timetable.can_be_scheduled is False
    assert {"start_date", "end_date", "taxonomy_version"} <= set(dag.params.keys())
    for t in dag.tasks:
        assert t.retries >= 1


def test_warehouse_url_from_the_connection_then_the_fallback(
        dagbag: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import akhbar_airflow as af

    monkeypatch.setenv("AIRFLOW_CONN_AKHBAR_DB",
                       "postgresql://akhbar:p%40ss@db.internal:5433/warehouse?sslmode=require")
    monkeypatch.setenv("AKHBAR_DATABASE_URL", "postgresql://other@127.0.0.1/other")
    from psycopg.conninfo import conninfo_to_dict

    assert conninfo_to_dict(af.warehouse_url()) == {
        "host": "db.internal", "port": "5433", "user": "akhbar", "password": "p@ss",
        "dbname": "warehouse", "sslmode": "require"}
    monkeypatch.delenv("AIRFLOW_CONN_AKHBAR_DB")
    assert af.warehouse_url() == "postgresql://other@127.0.0.1/other"
    monkeypatch.delenv("AKHBAR_DATABASE_URL")
    with pytest.raises(RuntimeError, match="AIRFLOW_CONN_AKHBAR_DB"):
        af.warehouse_url()


def test_night_key_is_the_data_interval(dagbag: Any) -> None:
    from types import SimpleNamespace

    import akhbar_airflow as af

    start, end = datetime(2024, 2, 29, 2, 30, tzinfo=UTC), datetime(2024, 3, 1, 2, 30, tzinfo=UTC)
    key = af.night_key({"data_interval_start": start, "data_interval_end": end})
    assert key == af.NightKey("2024-02-29T02:30:00+00:00", end, start, end)
    # A manual run without a logical date has no interval: keyed by its own run id.
    run = SimpleNamespace(run_id="manual__x", run_after=datetime(2024, 3, 5, 9, 1, 2, 345,
                                                                  tzinfo=UTC))
    key = af.night_key({"data_interval_start": None, "data_interval_end": None, "dag_run": run})
    assert key == af.NightKey("manual:manual__x", datetime(2024, 3, 5, 9, 1, 2, tzinfo=UTC),
                              None, None)


def test_a_manual_run_with_a_logical_date_is_the_night_ending_then(dagbag: Any) -> None:
    """`airflow dags trigger -l` gives the run an interval ending when it was triggered;
    the run is still the night that ends at its logical date."""
    from types import SimpleNamespace

    import akhbar_airflow as af
    import pendulum

    dag = dagbag.get_dag("akhbar_nightly")
    logical = pendulum.datetime(2026, 11, 25, 2, 30, tz="UTC")
    run = SimpleNamespace(run_id="manual__2026-11-28", run_type="manual", logical_date=logical,
                          run_after=pendulum.datetime(2026, 11, 28, 3, 44, tz="UTC"))
    context = {"data_interval_start": pendulum.datetime(2026, 11, 27, 2, 30, tz="UTC"),
               "data_interval_end": pendulum.datetime(2026, 11, 28, 2, 30, tz="UTC"),
               "dag_run": run, "dag": dag}
    key = af.night_key(context)
    assert key.run_key == "2026-11-24T02:30:00+00:00"
    assert key.logical_ts == datetime(2026, 11, 25, 2, 30, tzinfo=UTC)
    # A scheduled run keeps the interval it was given.
    run.run_type = "scheduled"
    assert af.night_key(context).run_key == "2026-11-27T02:30:00+00:00"


def test_retag_refuses_an_end_date_past_the_calendar_without_retrying(dagbag: Any) -> None:
    # ValueError is what the tasks turn into a failure without retries; an OverflowError
    # would be retried to no end.
    import importlib.util

    spec = importlib.util.spec_from_file_location("retag_dag_file", DAGS / "akhbar_retag.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with pytest.raises(ValueError, match="out of range"):
        module._window({"start_date": "2024-01-01", "end_date": "9999-12-31"})
    start, end = module._window({"start_date": "2024-01-01", "end_date": "2024-01-31"})
    assert (start, end) == (datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC))
