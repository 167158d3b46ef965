"""Roles and safety: the analyst reads the akhbar views and nothing else; text stays text."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import errors, sql
from psycopg.types.json import Jsonb
from warehouse_data import article, load

from pipeline import night, store
from pipeline.settings import Settings

NIGHT = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
HOSTILE = "'); DROP TABLE articles; --"


def login_url(db_url: str, user: str, password: str) -> str:
    parts = urlsplit(db_url)
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{parts.hostname}:{parts.port}"))


@pytest.fixture
def login(pg_admin_url: str, db_url: str) -> Iterator:
    """Make login users that inherit a group role; dropped at the end."""
    # Database-level privileges (TEMPORARY) are not copied by CREATE DATABASE ... TEMPLATE,
    # which gives each test its database: grant them here as the migration does in place.
    with psycopg.connect(db_url) as owner:
        owner.execute((store.SQL_DIR / "092_roles.sql").read_text(encoding="utf-8"))
    made: list[str] = []

    def make(group: str) -> str:
        user, password = f"u_{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE {}").format(
                sql.Identifier(user), sql.Literal(password), sql.Identifier(group)))
        made.append(user)
        return login_url(db_url, user, password)

    yield make
    with psycopg.connect(db_url, autocommit=True) as owner:
        for user in made:
            owner.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(user)))
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        for user in made:
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(user)))


@pytest.fixture
def filled(conn: psycopg.Connection) -> int:
    """A night with one article, a fetch log row and a raw payload with headers."""
    run = load(conn, "2024-03-01", NIGHT, [article(
        "wire", "Wire", "https://news.example/1", "عقوبات جديدة على كوريا الشمالية",
        "أعلنت واشنطن عقوبات جديدة على كوريا الشمالية.", NIGHT)])
    conn.execute(
        "INSERT INTO fetches (run_id, feed_id, url, started_at, finished_at, status, "
        "http_status, entries, loaded, details) VALUES (%s, 'wire', 'https://wire.example/rss', "
        "%s, %s, 'ok', 200, 1, 1, %s)", (run.id, NIGHT, NIGHT, Jsonb({"secret": "x"})))
    conn.execute(
        "INSERT INTO raw_payloads (run_id, feed_id, kind, url, fetched_at, http_status, headers, "
        "raw_bytes, stored_bytes, sha256, body) VALUES (%s, 'wire', 'feed', "
        "'https://wire.example/rss', %s, 200, %s, 1, 1, 'x', '\\x00')",
        (run.id, NIGHT, Jsonb({"set-cookie": "session=1"})))
    conn.commit()
    return run.id


def akhbar_views(conn: psycopg.Connection) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'akhbar' AND c.relkind IN ('v', 'm') ORDER BY 1")]


def test_analyst_reads_every_view_and_searches(
        login, filled: int, conn: psycopg.Connection) -> None:
    views = akhbar_views(conn)
    assert {"articles", "stories", "sightings", "feed_health", "runs"} <= set(views)
    with psycopg.connect(login("akhbar_analyst")) as analyst:
        for view in views:
            analyst.execute(sql.SQL("SELECT * FROM akhbar.{} LIMIT 5").format(
                sql.Identifier(view))).fetchall()
        assert analyst.execute("SELECT count(*) FROM akhbar.articles").fetchone() == (1,)
        hits = analyst.execute("SELECT title FROM akhbar.search('عقوبات كوريا')").fetchall()
        assert hits == [("عقوبات جديدة على كوريا الشمالية",)]
        analyst.execute("SELECT * FROM akhbar.find_entity('بوتين')").fetchall()


def test_find_entity_refuses_a_negative_max_results_naming_it(login, filled: int) -> None:
    with psycopg.connect(login("akhbar_analyst")) as analyst:
        with pytest.raises(errors.InvalidParameterValue) as refused:
            analyst.execute("SELECT * FROM akhbar.find_entity('كوريا', 0.3, -1)")
        assert str(refused.value).startswith(
            "akhbar.find_entity: max_results must be 0 or more, not -1")
        analyst.rollback()
        assert analyst.execute(
            "SELECT * FROM akhbar.find_entity('كوريا', max_results => 0)").fetchall() == []


def test_search_refuses_a_negative_max_results_naming_it(login, filled: int) -> None:
    """As find_entity does: a negative count is a mistake, not a search that found nothing."""
    with psycopg.connect(login("akhbar_analyst")) as analyst:
        with pytest.raises(errors.InvalidParameterValue) as refused:
            analyst.execute("SELECT * FROM akhbar.search('عقوبات كوريا', -1)")
        assert str(refused.value).startswith(
            "akhbar.search: max_results must be 0 or more, not -1")
        analyst.rollback()
        assert analyst.execute(
            "SELECT * FROM akhbar.search('عقوبات كوريا', max_results => 0)").fetchall() == []
        assert len(analyst.execute(
            "SELECT * FROM akhbar.search('عقوبات كوريا', max_results => 1)").fetchall()) == 1


def test_a_login_outside_the_akhbar_roles_cannot_search(
        login, pg_admin_url: str, db_url: str, filled: int) -> None:
    # The search functions run as their owner, so they are for the Akhbar roles only: even
    # a login that may look into the schema cannot call them.
    url = login("pg_read_all_settings")
    with psycopg.connect(db_url, autocommit=True) as owner:
        owner.execute(sql.SQL("GRANT USAGE ON SCHEMA akhbar TO {}").format(
            sql.Identifier(urlsplit(url).username)))
    with psycopg.connect(url) as other:
        assert other.execute("SELECT akhbar.normalize('كوريا')").fetchone() == ("كوريا",)
        for call in ("SELECT * FROM akhbar.search('كوريا')",
                     "SELECT * FROM akhbar.find_entity('كوريا')",
                     "SELECT * FROM akhbar.articles"):
            with pytest.raises(errors.InsufficientPrivilege):
                other.execute(call)
            other.rollback()


REFUSED = [
    "INSERT INTO public.articles (canonical_url, url, outlet, title, title_norm, body_norm, "
    "content_hash, first_seen, last_seen) VALUES ('u', 'u', 'o', 't', 't', '', 'h', now(), now())",
    "UPDATE public.articles SET title = 'x'",
    "DELETE FROM public.articles",
    "INSERT INTO akhbar.runs (run_id, run_key, logical_ts) VALUES (99, 'x', now())",
    "UPDATE akhbar.runs SET status = 'failed'",
    "DELETE FROM akhbar.runs",
    "TRUNCATE public.articles",
    "CREATE TABLE akhbar.mine (x int)",
    "CREATE TABLE public.mine (x int)",
    "CREATE TEMP TABLE mine (x int)",
    "CREATE VIEW akhbar.mine AS SELECT 1",
    "CREATE FUNCTION akhbar.mine() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "CREATE SCHEMA mine",
    "DROP VIEW akhbar.articles",
    "ALTER VIEW akhbar.articles RENAME TO mine",
    "SELECT * FROM public.raw_payloads",
    "SELECT headers FROM public.raw_payloads",
    "SELECT * FROM public.fetches",
    "SELECT details FROM public.fetches",
    "SELECT * FROM public.articles",
    "SELECT * FROM public.feed_health",
    # large objects are data written to the database too
    "SELECT lo_create(0)",
    "SELECT lo_creat(-1)",
    "SELECT lo_from_bytea(0, 'x')",
]


@pytest.mark.parametrize("statement", REFUSED)
def test_analyst_is_refused(login, filled: int, statement: str) -> None:
    with psycopg.connect(login("akhbar_analyst")) as analyst:
        with pytest.raises(errors.InsufficientPrivilege):
            analyst.execute(statement)
        analyst.rollback()
        # and nothing happened
        assert analyst.execute("SELECT count(*) FROM akhbar.articles").fetchone() == (1,)


def test_writer_loads_but_cannot_change_the_schema(
        login, filled: int, conn: psycopg.Connection) -> None:
    with psycopg.connect(login("akhbar_writer")) as writer:
        assert store.migrate(writer) == []  # nothing pending: a writer runs on
        load(writer, "2024-03-02", NIGHT.replace(day=2), [article(
            "wire", "Wire", "https://news.example/2", "خبر ثان", "نص الخبر الثاني.", NIGHT)])
        assert writer.execute("SELECT count(*) FROM articles").fetchone() == (2,)
        for statement in ("DROP TABLE public.articles", "ALTER TABLE public.articles ADD x int",
                          "CREATE TABLE public.mine (x int)", "DELETE FROM schema_migrations"):
            with pytest.raises(errors.InsufficientPrivilege):
                writer.execute(statement)
            writer.rollback()
    assert conn.execute("SELECT count(*) FROM akhbar.articles").fetchone() == (2,)


def test_roles_are_nologin_groups(conn: psycopg.Connection) -> None:
    rows = conn.execute("SELECT rolname, rolcanlogin, rolsuper FROM pg_roles "
                        "WHERE rolname LIKE 'akhbar\\_%' ORDER BY 1").fetchall()
    assert rows == [("akhbar_analyst", False, False), ("akhbar_owner", False, False),
                    ("akhbar_writer", False, False)]
    owners = conn.execute(
        "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n "
        "ON n.oid = c.relnamespace WHERE n.nspname IN ('public', 'akhbar') "
        "AND c.relkind IN ('r', 'v')").fetchall()
    assert owners == [("akhbar_owner",)]


def test_migrating_again_is_a_no_op(conn: psycopg.Connection) -> None:
    for path in store.migration_files():
        if path.name.startswith(("090", "091", "092")):
            conn.execute(path.read_text(encoding="utf-8"))
    conn.commit()
    assert conn.execute("SELECT count(*) FROM pg_roles WHERE rolname LIKE 'akhbar\\_%'"
                        ).fetchone() == (3,)


def hostile_feed() -> bytes:
    items = "".join(
        f"<item><title><![CDATA[{title}]]></title><link>https://evil.example/{i}</link>"
        f"<description><![CDATA[{title} نص الخبر {i}]]></description>"
        "<pubDate>Fri, 01 Mar 2024 01:00:00 GMT</pubDate></item>"
        for i, title in enumerate([HOSTILE, "Robert'); DROP TABLE feeds;--",
                                   "عنوان \\'; SELECT pg_sleep(5); --"]))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>x</title><link>https://evil.example/</link>{items}</channel></rss>"
            ).encode()


def test_hostile_titles_go_through_the_pipeline_as_text(
        http_server, tmp_path: Path, db_url: str, conn: psycopg.Connection) -> None:
    http_server.static("/evil.xml", hostile_feed())
    registry = tmp_path / "feeds.yaml"
    registry.write_text(f"feeds:\n  - id: evil\n    name: evil\n    url: "
                        f"{http_server.url('/evil.xml')}\n    outlet: Evil\n", encoding="utf-8")
    summary = night.run_night(db_url, Settings(http_timeout=5.0), registry,
                              run_key="2024-03-01", logical_ts=NIGHT)
    assert summary.articles_new == 3
    titles = {r[0] for r in conn.execute("SELECT title FROM articles")}
    assert titles == {HOSTILE, "Robert'); DROP TABLE feeds;--",
                      "عنوان \\'; SELECT pg_sleep(5); --"}
    assert conn.execute("SELECT count(*) FROM feeds").fetchone() == (1,)
    # In a search the same text is only words to look for, found in the article that has them.
    found = conn.execute("SELECT title FROM akhbar.search(%s)", (HOSTILE,)).fetchall()
    assert found == [(HOSTILE,)]


def test_migrations_apply_as_a_database_owner_without_superuser(pg_admin_url: str) -> None:
    """As in the Docker deployment: a login with CREATEROLE that owns the database."""
    user, password = f"u_{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    dbname = f"d_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN CREATEROLE PASSWORD {}").format(
            sql.Identifier(user), sql.Literal(password)))
        admin.execute(sql.SQL("CREATE DATABASE {} OWNER {} ENCODING 'UTF8' LC_COLLATE "
                              "'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0").format(
            sql.Identifier(dbname), sql.Identifier(user)))
    url = login_url(pg_admin_url.rsplit("/", 1)[0] + "/" + dbname, user, password)
    try:
        with store.connect(url) as conn:
            assert "092_roles.sql" in store.migrate(conn)
            # the migrating login keeps its rights through the owner role, and loads a night
            load(conn, "2024-03-01", NIGHT, [article(
                "wire", "Wire", "https://news.example/1", "خبر", "نص الخبر.", NIGHT)])
            assert conn.execute("SELECT count(*) FROM akhbar.articles").fetchone() == (1,)
            assert store.migrate(conn) == []
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(dbname)))
            admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(user)))
