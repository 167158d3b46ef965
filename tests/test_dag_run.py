"""The whole ``akhbar_nightly`` DAG under Airflow (``dag.test()``), feeds from 127.0.0.1."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from airflow_harness import DAGS, configure_in_process
from feedkit import write_registry

from pipeline import night

SAMPLES = Path(__file__).resolve().parents[1] / "pipeline" / "data" / "samples"
# A scheduled night: 02:30 UTC on 1 March covers the interval from 02:30 on 29 February.
NIGHT = datetime(2024, 3, 1, 2, 30, tzinfo=UTC)
INTERVAL_START = datetime(2024, 2, 29, 2, 30, tzinfo=UTC)


@pytest.fixture
def parse_dag(pg_admin_url: str, db_url: str, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Any:
    """A function parsing a DAG of dags/ with the test warehouse as ``akhbar_db``."""
    configure_in_process(pg_admin_url)
    monkeypatch.setenv("AKHBAR_HOME", str(tmp_path / "home"))
    # A failing task fails at once: dag.test() would otherwise sit out the retry backoff.
    monkeypatch.setenv("AKHBAR_TASK_RETRIES", "0")
    monkeypatch.setenv("AIRFLOW_CONN_AKHBAR_DB", db_url)
    monkeypatch.delenv("AKHBAR_DATABASE_URL", raising=False)
    monkeypatch.setenv("AKHBAR_HTTP_TIMEOUT", "2")
    monkeypatch.setenv("AKHBAR_FETCH_SHARDS", "2")
    monkeypatch.setenv("AKHBAR_TAG_SHARDS", "2")

    def parse(dag_id: str) -> Any:
        from airflow.dag_processing.dagbag import BundleDagBag

        bag = BundleDagBag(dag_folder=DAGS, bundle_path=DAGS)
        assert bag.import_errors == {}
        return bag.get_dag(dag_id)

    return parse


@pytest.fixture
def nightly(parse_dag: Any) -> Any:
    return lambda: parse_dag("akhbar_nightly")


def states(dag_run: Any) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for ti in sorted(dag_run.get_task_instances(), key=lambda t: (t.task_id, t.map_index)):
        out.setdefault(ti.task_id, []).append(str(ti.state))
    return out


def snapshot(url: str) -> dict[str, list[tuple]]:
    """The rows a night leaves, minus the wall-clock times of fetching."""
    with psycopg.connect(url) as conn:
        return {
            "articles": conn.execute("SELECT * FROM articles ORDER BY id").fetchall(),
            "sightings": conn.execute(
                "SELECT * FROM article_sightings ORDER BY 1, 2, 3, 4").fetchall(),
            "fetches": conn.execute(
                "SELECT run_id, feed_id, status, http_status, entries, loaded, error "
                "FROM fetches ORDER BY feed_id").fetchall(),
            "runs": conn.execute(
                "SELECT id, run_key, logical_ts, interval_start, interval_end, status "
                "FROM runs").fetchall(),
        }


def assets_emitted(dag_run: Any) -> set[str]:
    """Names of the assets the run published (asset events from its tasks)."""
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return set(session.scalars(
            select(AssetModel.name).join(AssetEvent, AssetEvent.asset_id == AssetModel.id)
            .where(AssetEvent.source_run_id == dag_run.run_id)))


def optional_stage_state(name: str, module: Any = night) -> str:
    """A stage this release lacks is skipped by the DAG, never reported as done."""
    return "success" if hasattr(module, name) else "skipped"


def test_nightly_dag_loads_the_night_and_a_rerun_leaves_the_same_rows(
        nightly: Any, http_server: Any, db_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    http_server.static("/sky.xml", (SAMPLES / "skynews-rss.xml").read_bytes())
    http_server.static("/arabiya.atom", (SAMPLES / "alarabiya-atom.xml").read_bytes(),
                       content_type="application/atom+xml")
    http_server.static("/bbc.xml", (SAMPLES / "bbc-windows-1256.xml").read_bytes(),
                       content_type="application/rss+xml; charset=windows-1256")
    http_server.static("/error.xml", b"oops", status=500)
    registry = write_registry(tmp_path, [
        ("sky", http_server.url("/sky.xml")), ("arabiya", http_server.url("/arabiya.atom")),
        ("bbc", http_server.url("/bbc.xml")), ("error", http_server.url("/error.xml"))])
    monkeypatch.setenv("AKHBAR_FEEDS", str(registry))

    dag = nightly()
    first = dag.test(logical_date=NIGHT)
    assert str(first.state) == "success", states(first)
    got = states(first)
    assert got["fetch_feeds"] == ["success", "success"]  # four feeds in two shards
    for task_id in ("load_feed_registry", "check_data_quality", "run_summary"):
        assert got[task_id] == ["success"], task_id
    assert got["find_near_duplicates"] == [optional_stage_state("near_duplicates")]
    assert got["index_for_search"] == [optional_stage_state("index_search")]
    # Tagging is mapped over two shards of the night's articles.
    assert got["tag_topics"] == [optional_stage_state("tag_topics")] * 2
    assert got["tag_entities"] == [optional_stage_state("tag_entities")] * 2
    report = _import_or_none("pipeline.report")
    assert got["write_report"] == [optional_stage_state("write_report", report)]
    if report is not None:  # the night's interval ends on 1 March
        assert (tmp_path / "home" / "reports" / "akhbar-report-2024-03-01.html").is_file()

    assert assets_emitted(first) == {
        "akhbar.articles", "akhbar.article_sightings", "akhbar.fetches", "akhbar.runs",
        "akhbar.dedup_clusters", "akhbar.article_topics", "akhbar.article_entities"}

    rows = snapshot(db_url)
    assert len(rows["articles"]) == 28
    assert [(f[1], f[2], f[6]) for f in rows["fetches"]] == [
        ("arabiya", "ok", None), ("bbc", "ok", None), ("error", "failed", "HTTP 500"),
        ("sky", "ok", None)]
    [(run_id, run_key, logical_ts, start, end, status)] = rows["runs"]
    assert run_key == INTERVAL_START.isoformat()
    assert (logical_ts, start, end, status) == (NIGHT, INTERVAL_START, NIGHT, "success")
    with psycopg.connect(db_url) as conn:
        [(summary,)] = conn.execute("SELECT summary FROM runs").fetchall()
    assert summary["feeds_ok"] == 3 and summary["feeds_failed"] == 1
    assert summary["failed_feeds"] == [{"feed": "error", "error": "HTTP 500"}]
    assert summary["stages"]["quality"]["passed"] is True
    # The shards' figures are merged: every article tagged once, by one shard.
    assert summary["stages"]["topics"]["shards"] == 2
    assert summary["stages"]["topics"]["articles"] == len(rows["articles"])
    assert summary["stages"]["entities"]["articles"] == len(rows["articles"])

    second = nightly().test(logical_date=NIGHT)
    assert str(second.state) == "success", states(second)
    assert snapshot(db_url) == rows


def test_quality_breach_fails_the_night_loudly(
        nightly: Any, http_server: Any, db_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    http_server.static("/sky.xml", (SAMPLES / "skynews-rss.xml").read_bytes())
    for name in ("a", "b", "c"):
        http_server.static(f"/{name}.xml", b"gone", status=404)
    registry = write_registry(tmp_path, [
        ("sky", http_server.url("/sky.xml"))] + [
        (name, http_server.url(f"/{name}.xml")) for name in ("a", "b", "c")])
    monkeypatch.setenv("AKHBAR_FEEDS", str(registry))

    run = nightly().test(logical_date=NIGHT)
    assert str(run.state) == "failed"
    got = states(run)
    assert got["fetch_feeds"] == ["success", "success"]  # failing feeds do not fail shards
    assert got["check_data_quality"] == ["failed"]
    assert got["write_report"] == ["upstream_failed"]
    assert assets_emitted(run) == set()  # analysts' DAGs never see a night that failed
    with psycopg.connect(db_url) as conn:
        failed = conn.execute("SELECT count(*) FROM fetches WHERE status = 'failed'").fetchone()
        status, summary = conn.execute("SELECT status, summary FROM runs").fetchone()
    assert failed == (3,)
    # The warehouse says so too: the night is stored failed, with the checks that broke.
    assert status == "failed" and summary["stages"]["quality"]["passed"] is False


def test_a_task_failing_for_good_stores_the_night_failed_and_a_rerun_settles_it(
        nightly: Any, http_server: Any, db_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    http_server.static("/sky.xml", (SAMPLES / "skynews-rss.xml").read_bytes())
    monkeypatch.setenv("AKHBAR_FEEDS", str(write_registry(
        tmp_path, [("sky", http_server.url("/sky.xml"))])))

    def broken(*_args: Any, **_kwargs: Any) -> dict:
        raise RuntimeError("no space left on device")

    # dag.test() runs the tasks in this process: the stage the DAG looks up is this one.
    mended = night.near_duplicates
    monkeypatch.setattr(night, "near_duplicates", broken)
    run = nightly().test(logical_date=NIGHT)
    assert str(run.state) == "failed"
    got = states(run)
    assert got["find_near_duplicates"] == ["failed"]
    assert got["check_data_quality"] == got["run_summary"] == ["upstream_failed"]
    with psycopg.connect(db_url) as conn:
        status, summary, finished = conn.execute(
            "SELECT status, summary, finished_at FROM runs").fetchone()
    # Not a phantom running night: failed, with the task and its error, as akhbar run stores.
    assert (status, summary) == ("failed", {
        "stages": {}, "error": "find_near_duplicates: RuntimeError: no space left on device"})
    assert finished is not None

    monkeypatch.setattr(night, "near_duplicates", mended)  # and the night is run again
    again = nightly().test(logical_date=NIGHT)
    assert str(again.state) == "success", states(again)
    with psycopg.connect(db_url) as conn:
        status, summary = conn.execute("SELECT status, summary FROM runs").fetchone()
    assert status == "success" and "error" not in summary


def test_retag_dag_retags_stored_articles_in_the_date_range(
        parse_dag: Any, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.settings import Settings

    run_id, feed_ids = night.prepare(db_url, SAMPLES / "feeds.yaml", "s", NIGHT)
    night.fetch_and_load(db_url, run_id, feed_ids, Settings())
    with psycopg.connect(db_url) as conn:
        conn.execute("DELETE FROM article_topics")
        conn.execute("DELETE FROM article_topic_runs")
        [(stored,)] = conn.execute("SELECT count(*) FROM articles").fetchall()
    retag = parse_dag("akhbar_retag")

    def tagged() -> int:
        with psycopg.connect(db_url) as conn:
            return conn.execute("SELECT count(*) FROM article_topic_runs").fetchone()[0]

    empty = retag.test(run_conf={"start_date": "1990-01-01", "end_date": "1990-01-02"})
    assert str(empty.state) == "success", states(empty)
    assert tagged() == 0  # nothing was published in that range

    run = retag.test(run_conf={"start_date": None, "end_date": None, "taxonomy_version": ""})
    assert str(run.state) == "success", states(run)
    assert states(run)["retag_topics"] == ["success"]
    entities = _import_or_none("pipeline.entities_db")
    assert states(run)["retag_entities"] == [optional_stage_state("retag", entities)]
    assert stored > 0 and tagged() == stored


def _import_or_none(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError:
        return None


def test_retag_refuses_a_reversed_date_range_without_retrying(
        parse_dag: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKHBAR_TASK_RETRIES", "2")  # AirflowFailException skips the retries
    run = parse_dag("akhbar_retag").test(
        run_conf={"start_date": "2024-03-02", "end_date": "2024-03-01"})
    assert str(run.state) == "failed"
    [ti] = [t for t in run.get_task_instances() if t.task_id == "retag_topics"]
    assert (str(ti.state), ti.try_number) == ("failed", 1)


def test_retag_refuses_a_version_the_file_does_not_declare_in_both_tasks(
        parse_dag: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKHBAR_TASK_RETRIES", "2")
    run = parse_dag("akhbar_retag").test(run_conf={"taxonomy_version": "1999.1.1"})
    assert str(run.state) == "failed"
    tries = {t.task_id: (str(t.state), t.try_number) for t in run.get_task_instances()}
    assert tries == {"retag_topics": ("failed", 1), "retag_entities": ("failed", 1)}


def test_a_broken_taxonomy_stops_the_night_before_any_fetch(
        nightly: Any, http_server: Any, db_url: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    http_server.static("/sky.xml", (SAMPLES / "skynews-rss.xml").read_bytes())
    monkeypatch.setenv("AKHBAR_FEEDS", str(write_registry(
        tmp_path, [("sky", http_server.url("/sky.xml"))])))
    broken = tmp_path / "taxonomy.yaml"
    broken.write_text("version: '1'\ntopics: []\n", encoding="utf-8")
    monkeypatch.setenv("AKHBAR_TAXONOMY", str(broken))
    monkeypatch.setenv("AKHBAR_TASK_RETRIES", "2")
    run = nightly().test(logical_date=NIGHT)
    assert str(run.state) == "failed"
    [ti] = [t for t in run.get_task_instances() if t.task_id == "load_feed_registry"]
    assert (str(ti.state), ti.try_number) == ("failed", 1)
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM fetches").fetchone() == (0,)
        # The night was never opened: its failure leaves no run to store, and none is made.
        assert conn.execute("SELECT count(*) FROM runs").fetchone() == (0,)

