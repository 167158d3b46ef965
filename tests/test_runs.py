"""Runs left running by a process that is gone are stored failed; live and Airflow runs are not.

The SIGKILL of a real night is in tests/test_night.py; here the runner of each run is written
as it would be by a process on this machine, on another host, or by Airflow (none).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import psycopg
import pytest
from typer.testing import CliRunner

from pipeline import night, store
from pipeline.cli import app

NIGHT = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)


def open_run(conn: psycopg.Connection, key: str, runner: store.Runner | None,
             heartbeat_age: str | None = None) -> int:
    """A running run of ``runner``, its heartbeat ``heartbeat_age`` ago when given."""
    run = store.start_run(conn, key, NIGHT, runner=runner)
    if heartbeat_age is not None:
        conn.execute("UPDATE runs SET heartbeat_at = now() - %s::interval, "
                     "started_at = now() - interval '1 day' WHERE id = %s",
                     (heartbeat_age, run.id))
        conn.commit()
    return run.id


def statuses(conn: psycopg.Connection) -> dict[str, tuple[str, str | None]]:
    rows = conn.execute("SELECT run_key, status, summary->>'error' FROM runs").fetchall()
    conn.commit()
    return {key: (status, error) for key, status, error in rows}


def test_only_runs_whose_process_is_provably_gone_are_abandoned(
        conn: psycopg.Connection) -> None:
    me = store.this_process()
    assert me.process_key is not None  # the tests run on Linux
    elsewhere = store.Runner("another-host", me.pid, "other-boot/pid:[1]/42")
    # A live process on this machine, silent for an hour (stopped, or a busy machine).
    open_run(conn, "live-here", me, heartbeat_age="1 hour")
    # The same PID now held by another process (a restart took it): not the night's runner.
    open_run(conn, "pid-reused", store.Runner(me.host, me.pid, me.process_key + "0"))
    open_run(conn, "live-elsewhere", elsewhere, heartbeat_age="2 minutes")
    open_run(conn, "silent-elsewhere", elsewhere, heartbeat_age="16 minutes")
    # Airflow records no runner: its tasks run on many workers, and it tracks them itself.
    open_run(conn, "airflow", None, heartbeat_age=None)
    conn.execute("UPDATE runs SET started_at = now() - interval '3 days' "
                 "WHERE run_key = 'airflow'")
    conn.commit()

    abandoned = dict(store.abandon_dead_runs(conn))
    assert set(abandoned) == {"pid-reused", "silent-elsewhere"}
    runs = statuses(conn)
    assert runs["live-here"] == runs["live-elsewhere"] == runs["airflow"] == ("running", None)
    assert runs["pid-reused"] == (
        "failed", f"abandoned: its process {me.pid} on {me.host} is gone (killed, or out of "
                  "memory)")
    status, error = runs["silent-elsewhere"]
    assert status == "failed"
    assert error.startswith(f"abandoned: no heartbeat from its process {me.pid} on "
                            "another-host for over 15 minutes (last: ")
    assert store.abandon_dead_runs(conn) == []  # once


def test_a_night_reopened_is_its_new_runner_s(conn: psycopg.Connection) -> None:
    """A re-run of a night takes the run over: the dead first attempt no longer counts."""
    me = store.this_process()
    open_run(conn, "n", store.Runner(me.host, me.pid, me.process_key + "0"))
    store.start_run(conn, "n", NIGHT, runner=me)
    assert store.abandon_dead_runs(conn) == []
    store.start_run(conn, "n", NIGHT)  # then Airflow re-runs it: no runner any more
    assert conn.execute("SELECT host, pid, process_key, heartbeat_at FROM runs "
                        "WHERE run_key = 'n'").fetchone() == (None, None, None, None)


def test_the_heartbeat_stamps_the_run_while_it_runs(db_url: str,
                                                    conn: psycopg.Connection) -> None:
    me = store.this_process()
    run_id = open_run(conn, "beating", me, heartbeat_age="1 hour")
    with store.heartbeat(db_url, run_id, me, every=0.05):
        time.sleep(0.5)
    age = conn.execute("SELECT now() - heartbeat_at FROM runs WHERE id = %s",
                       (run_id,)).fetchone()[0]
    assert age.total_seconds() < 60
    # A finished run is not stamped again.
    store.finish_run(conn, run_id, "success", {})
    assert not store.beat(db_url, run_id, me)


def test_akhbar_runs_lists_a_killed_run_as_failed(
        db_url: str, conn: psycopg.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    me = store.this_process()
    open_run(conn, "killed", store.Runner(me.host, os.getpid(), me.process_key + "0"))
    open_run(conn, "airflow", None)
    monkeypatch.setenv("AKHBAR_DATABASE_URL", db_url)
    result = CliRunner().invoke(app, ["runs"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    lines = {line.split("│")[1].strip(): line for line in result.output.splitlines()
             if line.count("│") > 2}
    assert "failed" in lines["killed"] and "abandoned: its process" in lines["killed"]
    assert "running" in lines["airflow"]
    assert statuses(conn)["killed"][0] == "failed"


def test_a_task_failing_for_good_stores_its_night_failed(
        db_url: str, conn: psycopg.Connection) -> None:
    """A night run as tasks (Airflow) is stored failed by the task that broke, as akhbar run's
    stage does; a night not opened yet or already ended is left alone, quietly."""
    open_run(conn, "airflow", None)
    assert night.store_task_failure(db_url, "airflow", "fetch_feeds[1]",
                                    RuntimeError("disk full"))
    [(status, summary, finished)] = conn.execute(
        "SELECT status, summary, finished_at FROM runs WHERE run_key = 'airflow'").fetchall()
    conn.commit()
    assert status == "failed" and finished is not None
    assert summary == {"stages": {}, "error": "fetch_feeds[1]: RuntimeError: disk full"}
    # A second task failing after it keeps the first error.
    assert not night.store_task_failure(db_url, "airflow", "tag_topics[0]", "killed")
    assert statuses(conn)["airflow"] == ("failed", "fetch_feeds[1]: RuntimeError: disk full")
    # The registry task failed before opening the night: there is no run to store.
    assert not night.store_task_failure(db_url, "never-opened", "load_feed_registry", None)
    assert "never-opened" not in statuses(conn)
    # A run that ended (the quality checks store theirs) keeps its own status and summary.
    open_run(conn, "checked", None)
    conn.execute("UPDATE runs SET status = 'success' WHERE run_key = 'checked'")
    conn.commit()
    assert not night.store_task_failure(db_url, "checked", "write_report", None)
    assert statuses(conn)["checked"] == ("success", None)
    # A task whose process was lost leaves no exception: the failure is stored all the same.
    open_run(conn, "lost", None)
    assert night.store_task_failure(db_url, "lost", "tag_entities[0]", None)
    assert statuses(conn)["lost"] == (
        "failed", "tag_entities[0]: failed, no error recorded (its process was lost or killed)")
    # A re-run reopens the night, which then ends as its new attempt does.
    store.start_run(conn, "airflow", NIGHT)
    assert statuses(conn)["airflow"][0] == "running"


@pytest.mark.parametrize("error", [RuntimeError("disk full"), KeyboardInterrupt(),
                                   psycopg.OperationalError("server closed the connection")],
                         ids=["message", "no-message", "database"])
def test_a_failed_task_and_a_failed_stage_store_the_same_summary(
        db_url: str, conn: psycopg.Connection, error: BaseException) -> None:
    """The nightly DAG (a task failing for good) and akhbar run (a stage raising, or the run
    failing as it opens) store one and the same failed summary for the same error."""
    me = store.this_process()
    open_run(conn, "task", None)
    stage_id = open_run(conn, "stage", me)
    open_run(conn, "opening", me)
    assert night.store_task_failure(db_url, "task", "topics", error)
    assert night._store_failed(db_url, "stage", "topics", error, {}, stage_id)
    assert night._store_failed(db_url, "opening", "topics", error, {}, runner=me)
    rows = {key: (status, summary, finished is not None) for key, status, summary, finished
            in conn.execute("SELECT run_key, status, summary, finished_at FROM runs")}
    conn.commit()
    expected = ("failed", {"stages": {}, "error": f"topics: {type(error).__name__}: {error}"},
                True)
    assert rows == {"task": expected, "stage": expected, "opening": expected}
