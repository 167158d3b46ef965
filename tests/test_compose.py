"""The compose deployment, checked as data: no Docker engine runs in CI.

What must hold for ``docker compose up`` to give a working stack: the services and their
health checks, loopback-only ports, the variables the code reads, secrets only from .env, and
image versions that match the lock file.
"""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import yaml
from envvars import Recorder, settings_variables

from pipeline.settings import Settings

REPO = Path(__file__).resolve().parents[1]
AIRFLOW_SERVICES = ("api-server", "scheduler", "dag-processor", "triggerer")


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((REPO / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load("docker-compose.yml")


@pytest.fixture(scope="module")
def celery() -> dict[str, Any]:
    return load("docker-compose.celery.yml")


def locked_airflow_version() -> str:
    match = re.search(r"(?m)^apache-airflow==(\S+)$",
                      (REPO / "requirements.lock").read_text(encoding="utf-8"))
    assert match, "apache-airflow is not pinned in requirements.lock"
    return match.group(1)


def test_every_setting_reads_a_variable_of_its_own() -> None:
    env = Recorder()
    Settings.from_env(env)
    assert len(env.asked) == len(fields(Settings))


def variables_the_code_reads() -> set[str]:
    dag_sources = "".join(p.read_text(encoding="utf-8") for p in (REPO / "dags").glob("*.py"))
    # The data files' paths are read where the files are loaded, not through Settings.
    library = "".join(p.read_text(encoding="utf-8") for p in (REPO / "pipeline").glob("*.py"))
    return (settings_variables() | set(re.findall(r'"(AKHBAR_[A-Z_]+)"', dag_sources))
            | set(re.findall(r'environ\.get\("(AKHBAR_[A-Z_]+)"', library)))


def test_services_of_the_stack(compose: dict[str, Any]) -> None:
    assert set(compose["services"]) >= {"postgres", "init", *AIRFLOW_SERVICES}
    for name in AIRFLOW_SERVICES:
        assert compose["services"][name]["command"] == name
        depends = compose["services"][name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["init"]["condition"] == "service_completed_successfully"


def test_long_running_services_have_healthchecks(compose: dict[str, Any],
                                                 celery: dict[str, Any]) -> None:
    for name in ("postgres", *AIRFLOW_SERVICES):
        check = compose["services"][name]["healthcheck"]
        assert check["test"] and not check.get("disable"), name
        assert check["retries"] >= 3
    assert "/api/v2/monitor/health" in " ".join(compose["services"]["api-server"]
                                                ["healthcheck"]["test"])
    for name in ("redis", "worker"):
        assert celery["services"][name]["healthcheck"]["test"], name


def test_ports_are_bound_to_loopback(compose: dict[str, Any], celery: dict[str, Any]) -> None:
    published = [(name, port) for doc in (compose, celery)
                 for name, svc in doc["services"].items() for port in svc.get("ports", [])]
    assert {name for name, _ in published} >= {"api-server", "postgres"}
    for name, port in published:
        assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on all interfaces"


def test_environment_matches_what_the_code_reads(compose: dict[str, Any]) -> None:
    env = compose["x-airflow-common"]["environment"]
    read = variables_the_code_reads()
    set_here = {k for k in env if k.startswith("AKHBAR_")}
    assert set_here <= read, f"set but never read: {sorted(set_here - read)}"
    assert {"AKHBAR_SCHEDULE", "AKHBAR_FETCH_SHARDS", "AKHBAR_MAX_FAILED_FEED_SHARE",
            "AKHBAR_QA_MIN_ARTICLES", "AKHBAR_QA_MAX_EMPTY_BODY_SHARE",
            "AKHBAR_QA_MAX_DUPLICATE_SHARE", "AKHBAR_DATABASE_URL"} <= set_here
    # The warehouse and Airflow's metadata are separate databases on the same server.
    assert env["AIRFLOW_CONN_AKHBAR_DB"].startswith("postgresql://akhbar:")
    assert env["AIRFLOW_CONN_AKHBAR_DB"].endswith("@postgres:5432/akhbar")
    assert env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"].endswith("@postgres:5432/airflow")
    # Tasks must be told where the execution API is, or they fail with "connection refused".
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] == "http://api-server:8080/execution/"
    assert env["AIRFLOW__API__BASE_URL"]
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"] == "false"


def test_secrets_come_from_an_uncommitted_env_file(compose: dict[str, Any]) -> None:
    text = "".join((REPO / f).read_text(encoding="utf-8")
                   for f in ("docker-compose.yml", "docker-compose.celery.yml"))
    used = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", text))
    example = (REPO / ".env.example").read_text(encoding="utf-8")
    documented = dict(re.findall(r"(?m)^([A-Z0-9_]+)=(.*)$", example))
    assert used <= set(documented), f"undocumented in .env.example: {used - set(documented)}"
    for name in ("POSTGRES_PASSWORD", "AIRFLOW_DB_PASSWORD", "AKHBAR_DB_PASSWORD",
                 "AIRFLOW_FERNET_KEY", "AIRFLOW_JWT_SECRET", "REDIS_PASSWORD"):
        assert documented[name] == "", f"{name} must be blank in .env.example"
        assert re.search(rf"\$\{{{name}:\?", text), f"{name} must be required, not defaulted"
    assert ".env" in (REPO / ".gitignore").read_text().split()


def test_images_match_the_lock_file(compose: dict[str, Any]) -> None:
    version = locked_airflow_version()
    common = compose["x-airflow-common"]
    assert common["build"]["args"]["AIRFLOW_VERSION"] == version
    assert common["image"].endswith(f":{version}")
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert f"ARG AIRFLOW_VERSION={version}\n" in dockerfile
    assert re.search(r"(?m)^FROM apache/airflow:\$\{AIRFLOW_VERSION\}-python", dockerfile)
    assert "-r /opt/akhbar/requirements.lock" in dockerfile
    assert "download.pytorch.org/whl/cpu" in dockerfile  # the CPU build of torch


def test_init_migrates_both_databases(compose: dict[str, Any]) -> None:
    script = "\n".join(compose["services"]["init"]["command"])
    for step in ("airflow db migrate", "akhbar db migrate", "connections get akhbar_db"):
        assert step in script
    mounts = compose["services"]["postgres"]["volumes"]
    assert any(m.startswith("./docker/postgres-init.sh:/docker-entrypoint-initdb.d/")
               for m in mounts)
    init_sql = (REPO / "docker" / "postgres-init.sh").read_text(encoding="utf-8")
    assert "CREATE DATABASE airflow" in init_sql
    assert re.search(r"CREATE DATABASE akhbar .*LC_CTYPE 'C.UTF-8'", init_sql)


def test_celery_scale_out_file(celery: dict[str, Any]) -> None:
    services = celery["services"]
    for name in (*AIRFLOW_SERVICES, "init", "worker"):
        assert services[name]["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    worker = services["worker"]
    assert worker["command"] == "celery worker"
    assert worker["extends"] == {"file": "docker-compose.yml", "service": "scheduler"}
    assert worker["depends_on"]["redis"]["condition"] == "service_healthy"
    assert services["scheduler"]["environment"]["AIRFLOW__CELERY__BROKER_URL"].startswith(
        "redis://")


def test_warehouse_server_settings(compose: dict[str, Any]) -> None:
    command = compose["services"]["postgres"]["command"]
    settings = dict(arg.split("=", 1) for arg in command if "=" in arg)
    from pipeline.pgserver import NIGHT_SETTINGS

    # The night's own settings, as the embedded server has them.
    for name, value in NIGHT_SETTINGS.items():
        assert settings[name] == value
    # The cache is sized per host: a variable with a default.
    assert re.fullmatch(r"\$\{AKHBAR_PG_SHARED_BUFFERS:-\d+[MG]B\}", settings["shared_buffers"])
