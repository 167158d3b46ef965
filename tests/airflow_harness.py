"""Airflow for the tests: a temporary AIRFLOW_HOME and metadata database on the test server.

Airflow reads its configuration once, when ``airflow`` is first imported, so this process is
pointed at its home and metadata database before that import, once per test session.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

REPO = Path(__file__).resolve().parents[1]
DAGS = REPO / "dags"
VENV_BIN = Path(sys.executable).parent


def sqlalchemy_url(libpq_url: str) -> str:
    """The same database as a SQLAlchemy URL with the psycopg 3 driver."""
    return libpq_url.replace("postgresql://", "postgresql+psycopg://", 1)


def create_database(admin_url: str, name: str) -> str:
    """Create an empty UTF-8 database ``name`` on the test server and return its URL."""
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' "
                             "LC_CTYPE 'C.UTF-8' TEMPLATE template0").format(
            sql.Identifier(name)))
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def airflow_env(home: Path, metadata_url: str) -> dict[str, str]:
    """Variables that make an Airflow process use ``home`` and ``metadata_url``, quietly."""
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy_url(metadata_url),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "INFO",
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def migrate(env: dict[str, str]) -> None:
    """``airflow db migrate`` in a child process with ``env`` on top of ours."""
    proc = subprocess.run([str(VENV_BIN / "airflow"), "db", "migrate"],
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{proc.stdout[-3000:]}\n"
                           f"{proc.stderr[-3000:]}")


@functools.cache
def configure_in_process(admin_url: str) -> Path:
    """Point this process's Airflow at a fresh home and migrated metadata DB; return the home."""
    if "airflow" in sys.modules and not os.environ.get("_AKHBAR_TEST_AIRFLOW"):
        raise RuntimeError("airflow was imported before the test harness configured it")
    home = Path(tempfile.mkdtemp(prefix="akhbar-airflow-"))
    atexit.register(shutil.rmtree, home, True)
    env = airflow_env(home, create_database(admin_url, "airflow_meta_inproc"))
    migrate(env)
    os.environ.update(env)
    os.environ["_AKHBAR_TEST_AIRFLOW"] = "1"
    return home
