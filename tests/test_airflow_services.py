"""The real Airflow services on 127.0.0.1 run ``akhbar_nightly`` triggered through the REST API.

Started with ``scripts/airflow-local.sh`` (the documented no-Docker command) against a fresh
metadata database on the test server; every process it started is stopped at the end, also
when the test fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from airflow_harness import REPO, create_database, sqlalchemy_url
from feedkit import write_registry

from pipeline.pgserver import free_port

pytestmark = pytest.mark.airflow

SCRIPT = REPO / "scripts" / "airflow-local.sh"
SAMPLES = REPO / "pipeline" / "data" / "samples"
SERVICES = ("api-server", "scheduler", "dag-processor")
RUN_TIMEOUT = 240.0  # seconds for the triggered run, on top of start-up (bounded at 150 s)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def service_logs(home: Path) -> str:
    out = []
    for log in sorted((home / "service-logs").glob("*.log")):
        out.append(f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace")
                                                   .splitlines()[-40:]))
    return "\n".join(out)


def token(base: str, home: Path) -> str:
    """A JWT for the simple auth manager's generated admin password."""
    passwords = json.loads((home / "simple_auth_manager_passwords.json.generated").read_text())
    resp = httpx.post(f"{base}/auth/token", timeout=30,
                      json={"username": "admin", "password": passwords["admin"]})
    resp.raise_for_status()
    return resp.json()["access_token"]


def wait_for(fetch: Any, deadline: float, what: str) -> Any:
    while time.monotonic() < deadline:
        value = fetch()
        if value is not None:
            return value
        time.sleep(2)
    raise AssertionError(f"timed out waiting for {what}")


def test_services_run_the_nightly_dag_triggered_through_the_api(
        pg_admin_url: str, db_url: str, http_server: Any, tmp_path: Path) -> None:
    http_server.static("/sky.xml", (SAMPLES / "skynews-rss.xml").read_bytes())
    http_server.static("/arabiya.atom", (SAMPLES / "alarabiya-atom.xml").read_bytes(),
                       content_type="application/atom+xml")
    http_server.static("/error.xml", b"oops", status=500)
    registry = write_registry(tmp_path, [
        ("sky", http_server.url("/sky.xml")), ("arabiya", http_server.url("/arabiya.atom")),
        ("error", http_server.url("/error.xml"))])
    home = tmp_path / "airflow"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    meta = create_database(pg_admin_url, f"airflow_meta_{uuid.uuid4().hex[:8]}")
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url(meta),
        "AIRFLOW_CONN_AKHBAR_DB": db_url,
        "AKHBAR_AIRFLOW_PORT": str(port),
        "AKHBAR_HOME": str(tmp_path / "akhbar"),
        "AKHBAR_FEEDS": str(registry),
        "AKHBAR_HTTP_TIMEOUT": "2",
        "AKHBAR_FETCH_SHARDS": "2",
        "AKHBAR_TASK_RETRIES": "0",  # a failure shows at once instead of after a backoff
        "AKHBAR_AIRFLOW_START_TIMEOUT": "150",
        # Only the run triggered here: no scheduled run for the latest interval.
        "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__CORE__PARALLELISM": "2",
    }
    env.pop("AKHBAR_DATABASE_URL", None)
    pgids: list[int] = []
    try:
        start = subprocess.run([str(SCRIPT), "start"], env=env, capture_output=True, text=True,
                               timeout=400)
        pgids = [int((home / "run" / f"{s}.pid").read_text()) for s in SERVICES
                 if (home / "run" / f"{s}.pid").exists()]
        assert start.returncode == 0, start.stdout + start.stderr + service_logs(home)
        assert len(pgids) == 3

        client = httpx.Client(base_url=base, timeout=30,
                              headers={"Authorization": f"Bearer {token(base, home)}"})
        deadline = time.monotonic() + RUN_TIMEOUT

        def dag_listed() -> dict | None:
            resp = client.get("/api/v2/dags", params={"dag_id_pattern": "akhbar"})
            ids = {d["dag_id"] for d in resp.json().get("dags", [])} if resp.is_success else {}
            return resp.json() if {"akhbar_nightly", "akhbar_retag"} <= ids else None

        wait_for(dag_listed, deadline, "both DAGs to be parsed")
        resp = client.patch("/api/v2/dags/akhbar_nightly", json={"is_paused": False})
        assert resp.status_code == 200, resp.text
        resp = client.post("/api/v2/dags/akhbar_nightly/dagRuns",
                           json={"dag_run_id": "api_trigger",
                                 "logical_date": "2024-03-01T02:30:00Z"})
        assert resp.status_code == 200, resp.text

        def finished() -> str | None:
            state = client.get("/api/v2/dags/akhbar_nightly/dagRuns/api_trigger").json()["state"]
            return state if state in {"success", "failed"} else None

        state = wait_for(finished, deadline, "the triggered run to finish")
        tis = client.get("/api/v2/dags/akhbar_nightly/dagRuns/api_trigger/taskInstances").json()
        got = {(t["task_id"], t["map_index"]): t["state"] for t in tis["task_instances"]}
        shards = {t["map_index"]: t["rendered_map_index"] for t in tis["task_instances"]
                  if t["task_id"] == "fetch_feeds"}
        assert state == "success", f"{got}\n{service_logs(home)}"
        assert got[("load_feed_registry", -1)] == "success"
        assert got[("fetch_feeds", 0)] == got[("fetch_feeds", 1)] == "success"
        assert shards == {0: "arabiya … error (2 feeds)", 1: "sky"}  # named in the UI
        assert got[("check_data_quality", -1)] == got[("run_summary", -1)] == "success"

        with psycopg.connect(db_url) as conn:
            runs = conn.execute("SELECT run_key, status FROM runs").fetchall()
            articles = conn.execute("SELECT count(*) FROM articles").fetchone()
            failed = conn.execute("SELECT feed_id, error FROM fetches "
                                  "WHERE status = 'failed'").fetchall()
        assert runs == [("2024-02-29T02:30:00+00:00", "success")]
        assert articles == (20,)
        assert failed == [("error", "HTTP 500")]
    finally:
        stop = subprocess.run([str(SCRIPT), "stop"], env=env, capture_output=True, text=True,
                              timeout=120)
        leftover = [g for g in pgids if group_alive(g)]
        for g in leftover:  # only the groups the script started for this test
            os.killpg(g, 9)
    assert stop.returncode == 0, stop.stderr
    assert leftover == [], f"processes left running after stop: {leftover}"
