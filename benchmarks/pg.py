"""The benchmark's own PostgreSQL: an embedded cluster in a temp folder, removed at the end."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

from pipeline import store
from pipeline.pgserver import EmbeddedPostgres, throwaway_server

# The benchmark's server is the project's throwaway cluster (fsync off, like the embedded one).
bench_server = throwaway_server


REPO = Path(__file__).resolve().parents[1]


def committed_migrations(dest: Path) -> Path:
    """The migrations as committed at HEAD, written to ``dest``.

    Figures belong to a commit; a migration being written in the working tree is not
    part of it. Outside a git checkout the ``sql/`` folder is used as it is.
    """
    listing = subprocess.run(["git", "ls-tree", "--name-only", "HEAD", "sql/"], cwd=REPO,
                             capture_output=True, text=True)
    if listing.returncode != 0 or not listing.stdout.strip():
        return store.SQL_DIR
    dest.mkdir(parents=True, exist_ok=True)
    for path in listing.stdout.split():
        text = subprocess.run(["git", "show", f"HEAD:{path}"], cwd=REPO, capture_output=True,
                              text=True, check=True).stdout
        (dest / Path(path).name).write_text(text, encoding="utf-8")
    return dest


def fresh_database(server: EmbeddedPostgres, name: str, migrate: bool = True) -> str:
    """Drop and re-create database ``name``, apply the committed migrations, return its URL."""
    with psycopg.connect(server.url(), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
    url = server.ensure_database(name)
    if migrate:
        with tempfile.TemporaryDirectory() as tmp, psycopg.connect(url) as conn:
            store.migrate(conn, committed_migrations(Path(tmp)))
    return url


def drop_database(server: EmbeddedPostgres, name: str) -> None:
    with psycopg.connect(server.url(), autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
            sql.Identifier(name)))
