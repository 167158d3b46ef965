"""The benchmark's own PostgreSQL: an embedded cluster in a temp folder, removed at the end."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from pipeline import store
from pipeline.pgserver import EmbeddedPostgres, free_port


@contextmanager
def bench_server() -> Iterator[EmbeddedPostgres]:
    """Start a throwaway cluster (fsync off, as the project's embedded server runs it)."""
    base = Path(tempfile.mkdtemp(prefix="akhbar-bench-pg-"))
    base.chmod(0o755)  # the postgres user (when running as root) must reach it
    server = EmbeddedPostgres(datadir=base / "data", port=free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)


def fresh_database(server: EmbeddedPostgres, name: str, migrate: bool = True) -> str:
    """Drop and re-create database ``name``, apply the migrations, return its URL."""
    with psycopg.connect(server.url(), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
    url = server.ensure_database(name)
    if migrate:
        with psycopg.connect(url) as conn:
            store.migrate(conn)
    return url


def drop_database(server: EmbeddedPostgres, name: str) -> None:
    with psycopg.connect(server.url(), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
