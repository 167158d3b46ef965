"""Migrations, UTF-8 checks and the bulk loader against a real PostgreSQL."""

from datetime import UTC, datetime

import psycopg
import pytest

from pipeline import store
from pipeline.records import Article, FeedSpec


def art(url: str, body: str, feed: str = "f1") -> Article:
    from pipeline.extract import finish_article

    return finish_article(Article(
        feed_id=feed, outlet="Outlet", url=url, canonical_url=url, guid=None,
        title="عنوان", summary="", body=body, body_source="content",
        published_at=datetime(2024, 1, 1, tzinfo=UTC)))


def test_migrations_are_recorded_once(conn: psycopg.Connection) -> None:
    assert store.migrate(conn) == []
    names = [r[0] for r in conn.execute("SELECT name FROM schema_migrations ORDER BY 1")]
    assert names[0] == "001_core.sql"
    assert [p.name for p in store.migration_files()] == names


def test_migrating_leaves_the_connection_on_the_pipelines_search_path(
        pg_server, pg_admin_url: str, tmp_path) -> None:
    """A migration may set its own search path (092 adds akhbar); the connection the
    migrations ran on is the one a command goes on with, so it is put back."""
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS path_db WITH (FORCE)")
    url = pg_server.ensure_database("path_db")
    for path in store.migration_files():
        if path.name < "093":
            (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"),
                                              encoding="utf-8")
    try:
        with store.connect(url) as conn:
            assert "092_roles.sql" in store.migrate(conn, tmp_path)
            assert conn.execute("SHOW search_path").fetchone() == ("public",)
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS path_db WITH (FORCE)")


def test_servers_start_with_the_night_settings(conn: psycopg.Connection) -> None:
    from pipeline.pgserver import NIGHT_SETTINGS

    for name, value in NIGHT_SETTINGS.items():
        assert conn.execute(f"SHOW {name}").fetchone() == (value,)


def test_a_server_setting_overrides_the_night_settings() -> None:
    from pipeline.pgserver import throwaway_server

    with throwaway_server({"max_wal_size": "2GB", "shared_buffers": "64MB"}) as server, \
            psycopg.connect(server.url()) as conn:
        assert conn.execute("SHOW max_wal_size").fetchone() == ("2GB",)
        assert conn.execute("SHOW shared_buffers").fetchone() == ("64MB",)
        assert conn.execute("SHOW checkpoint_timeout").fetchone() == ("15min",)


def test_non_utf8_database_is_refused(pg_server, pg_admin_url: str) -> None:
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS latin_db")
        admin.execute("CREATE DATABASE latin_db ENCODING 'LATIN1' LC_COLLATE 'C' "
                      "LC_CTYPE 'C' TEMPLATE template0")
    with psycopg.connect(pg_server.url("latin_db")) as conn, \
            pytest.raises(store.DatabaseNotUtf8, match="UTF-8 ctype"):
        store.migrate(conn)


def test_load_is_exact_dedup_and_idempotent(conn: psycopg.Connection) -> None:
    store.sync_feeds(conn, [FeedSpec("f1", "F1", "file:x", "Outlet"),
                            FeedSpec("f2", "F2", "file:y", "Other")])
    run = store.start_run(conn, "2024-01-01", datetime(2024, 1, 1, 3, tzinfo=UTC))
    batch = [
        art("https://a.example/1", "نص الخبر الأول"),
        art("https://a.example/2", "نصُّ الخبرِ الثاني"),
        art("https://b.example/copy", "نص الخبر الثاني", feed="f2"),  # same text, other URL
        art("https://a.example/1", "نص الخبر الأول"),  # same URL twice in one batch
    ]
    stats = store.load_articles(conn, run, batch)
    assert (stats.new, stats.updated, stats.duplicate) == (2, 0, 2)
    count = conn.execute("SELECT count(*) FROM articles").fetchone()
    assert count == (2,)
    before = conn.execute("SELECT * FROM articles ORDER BY id").fetchall()
    sightings = conn.execute("SELECT count(*) FROM article_sightings").fetchone()
    assert sightings == (3,)

    again = store.load_articles(conn, run, batch)
    assert again.new == 0
    assert conn.execute("SELECT * FROM articles ORDER BY id").fetchall() == before
    assert conn.execute("SELECT count(*) FROM article_sightings").fetchone() == sightings


def test_edited_article_updates_but_backfill_does_not_roll_back(
        conn: psycopg.Connection) -> None:
    store.sync_feeds(conn, [FeedSpec("f1", "F1", "file:x", "Outlet")])
    night2 = store.start_run(conn, "n2", datetime(2024, 1, 2, tzinfo=UTC))
    store.load_articles(conn, night2, [art("https://a.example/1", "نسخة أولى")])
    night3 = store.start_run(conn, "n3", datetime(2024, 1, 3, tzinfo=UTC))
    stats = store.load_articles(conn, night3, [art("https://a.example/1", "نسخة معدلة")])
    assert stats.updated == 1
    night1 = store.start_run(conn, "n1", datetime(2024, 1, 1, tzinfo=UTC))
    stats = store.load_articles(conn, night1, [art("https://a.example/1", "نسخة قديمة")])
    assert (stats.updated, stats.older) == (0, 1)
    body, first, last = conn.execute(
        "SELECT body, first_seen, last_seen FROM articles").fetchone()
    assert body == "نسخة معدلة"
    assert first == datetime(2024, 1, 2, tzinfo=UTC)  # the night that first loaded it
    assert last == datetime(2024, 1, 3, tzinfo=UTC)


def test_hostile_titles_are_stored_as_text(conn: psycopg.Connection) -> None:
    store.sync_feeds(conn, [FeedSpec("f1", "F1", "file:x", "Outlet")])
    run = store.start_run(conn, "k", datetime(2024, 1, 1, tzinfo=UTC))
    hostile = "'); DROP TABLE articles; --"
    a = art("https://a.example/x?q='--", "نص")
    a.title = hostile
    store.load_articles(conn, run, [a])
    assert conn.execute("SELECT title FROM articles").fetchone() == (hostile,)
