"""Shared fixtures: a throwaway real PostgreSQL server and a local HTTP server."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psycopg
import pytest

from pipeline import store
from pipeline.pgserver import EmbeddedPostgres, throwaway_server

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
TEMPLATE_DB = "akhbar_template"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL cluster in a temporary folder, stopped and removed at the end."""
    with throwaway_server() as server:
        yield server


@pytest.fixture(scope="session")
def pg_admin_url(pg_server: EmbeddedPostgres) -> str:
    """Superuser URL of the throwaway server."""
    return pg_server.url()


@pytest.fixture(scope="session")
def template_db(pg_server: EmbeddedPostgres) -> str:
    """A migrated database that each test copies."""
    url = pg_server.ensure_database(TEMPLATE_DB)
    with psycopg.connect(url) as conn:
        store.migrate(conn)
    return TEMPLATE_DB


@pytest.fixture
def db_url(pg_server: EmbeddedPostgres, template_db: str) -> Iterator[str]:
    """A fresh, fully migrated database for one test."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server.url(), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    try:
        yield pg_server.url(name)
    finally:
        with psycopg.connect(pg_server.url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_before(pg_server: EmbeddedPostgres, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """A factory: the URL of a fresh database migrated up to, not including, a migration.

    For upgrade tests: fill it as the older schema allows, then ``store.migrate`` it.
    """
    names: list[str] = []

    def make(number: str) -> str:
        name = f"akhbar_before_{number}"
        with psycopg.connect(pg_server.url(), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        names.append(name)
        url = pg_server.ensure_database(name)
        older = tmp_path / f"sql_before_{number}"
        older.mkdir()
        for path in store.migration_files():
            if path.name < number:
                (older / path.name).write_text(path.read_text(encoding="utf-8"),
                                               encoding="utf-8")
        with store.connect(url) as conn:
            store.migrate(conn, older)
        return url

    yield make
    with psycopg.connect(pg_server.url(), autocommit=True) as admin:
        for name in names:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def conn(db_url: str) -> Iterator[psycopg.Connection]:
    """An open connection to the test's database (autocommit off)."""
    with psycopg.connect(db_url) as connection:
        yield connection


@pytest.fixture
def refuse_inserts(conn: psycopg.Connection) -> Callable[[str], None]:
    """Make every INSERT into a table fail (committed): for tests of atomic rewrites."""

    def refuse(table: str) -> None:
        conn.execute(f"""
            CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS
            $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
            CREATE TRIGGER refuse BEFORE INSERT ON {table}
            FOR EACH ROW EXECUTE FUNCTION refuse();
        """)
        conn.commit()

    return refuse


Handler = Callable[[BaseHTTPRequestHandler], None]


class LocalHTTPServer:
    """Serves routes on 127.0.0.1: ``server.route('/x', handler)`` or static bytes."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        outer = self

        class _H(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.requests.append((self.path, dict(self.headers)))
                handler = outer.routes.get(self.path.split("?")[0])
                if handler is None:
                    self.send_error(404)
                    return
                handler(self)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _H)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, handler: Handler) -> None:
        self.routes[path] = handler

    def static(self, path: str, body: bytes, content_type: str = "application/rss+xml",
               status: int = 200, headers: dict[str, str] | None = None) -> None:
        def handler(h: BaseHTTPRequestHandler) -> None:
            h.send_response(status)
            h.send_header("Content-Type", content_type)
            h.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(body)

        self.route(path, handler)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def http_server() -> Iterator[LocalHTTPServer]:
    server = LocalHTTPServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # Local test servers are reached directly, never through a configured proxy.
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    os.environ.setdefault("AKHBAR_ALLOW_PRIVATE_HOSTS", "127.0.0.1")
