"""The search index stage: rows built after loading, stale rows found by content hash."""

from __future__ import annotations

import gzip
import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from warehouse_data import article, load

from pipeline import night, quality, search, store
from pipeline.extract import canonical_url, finish_article
from pipeline.records import Article, FeedSpec

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
NIGHT1 = datetime(2024, 1, 1, 3, tzinfo=UTC)
NIGHT2 = datetime(2024, 1, 2, 3, tzinfo=UTC)
FEEDS = [FeedSpec("f1", "F1", "file:x", "Outlet")]

needs_corpus = pytest.mark.skipif(not (CORPUS / "ant-v2.1.jsonl.gz").exists(),
                                  reason="the shared corpus is not here")


def art(url: str, title: str, body: str) -> Article:
    return article("f1", "Outlet", url, title, body, NIGHT1)


def corpus_articles(every: int = 100) -> list[Article]:
    """Every n-th ANT article, cleaned as the night cleans it."""
    out = []
    with gzip.open(CORPUS / "ant-v2.1.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in itertools.islice(f, 0, None, every):
            rec = json.loads(line)
            out.append(finish_article(Article(
                feed_id="f1", outlet=rec["outlet"], url=rec["url"],
                canonical_url=canonical_url(rec["url"]), guid=rec["id"],
                title=rec["title"] or "", summary=rec.get("abstract") or "",
                body=rec["text"] or "", body_source="content", published_at=None)))
    return out


def numbered(n: int) -> list[Article]:
    """``n`` short distinct articles."""
    return [art(f"https://a.example/{i}", f"خبر رقم {i}", f"نص الخبر رقم {i} عن الطقس")
            for i in range(n)]


def index_before_107(conn: psycopg.Connection) -> None:
    """Index every article as the indexing stage did before 107 (no vector version)."""
    conn.execute("INSERT INTO article_search (article_id, content_hash, search_vector) "
                 "SELECT id, content_hash, akhbar.search_vector(title_norm, body_norm) "
                 "FROM articles ON CONFLICT DO NOTHING")
    conn.commit()


def found(conn: psycopg.Connection, query: str) -> list[int]:
    return [r[0] for r in conn.execute("SELECT article_id FROM akhbar.search(%s, 1000)",
                                       (query,))]


@needs_corpus
def test_index_rows_equal_the_sql_function_and_a_second_pass_writes_nothing(
        conn: psycopg.Connection) -> None:
    store.sync_feeds(conn, FEEDS)
    run = store.start_run(conn, "n1", NIGHT1)
    articles = corpus_articles()
    assert len(articles) > 300
    for k in range(0, len(articles), 100):
        store.load_articles(conn, run, articles[k:k + 100])
    conn.commit()
    stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert stored > 300
    # Loaded but not indexed: not searchable yet, and every article is stale.
    assert found(conn, "الحكومة") == []
    assert len(search.stale_ids(conn)) == stored

    stats = search.index_articles(conn, batch=128)
    assert (stats.articles, stats.indexed) == (stored, stored)
    # New entries went through the index's large pending list, which the stage emptied.
    assert "gin_pending_list_limit=65536" in conn.execute(
        "SELECT reloptions FROM pg_class WHERE relname = 'article_search_idx'").fetchone()[0]
    assert conn.execute("SELECT flush_search_index()").fetchone() == (0,)
    assert conn.execute(
        "SELECT count(*) FROM articles a JOIN article_search s ON s.article_id = a.id "
        "WHERE s.search_vector = akhbar.search_vector(a.title_norm, a.body_norm) "
        "AND s.content_hash = a.content_hash").fetchone() == (stored,)
    assert len(found(conn, "الحكومة")) > 10
    versions = conn.execute("SELECT article_id, xmin::text FROM article_search").fetchall()
    again = search.index_articles(conn, store.run_article_ids(conn, run.id))
    assert (again.articles, again.indexed) == (stored, 0)
    assert conn.execute("SELECT article_id, xmin::text FROM article_search").fetchall() == versions


def test_edited_article_is_stale_until_indexed_again(conn: psycopg.Connection) -> None:
    load(conn, "n1", NIGHT1, [
        art("https://a.example/1", "زلزال في الجنوب", "ضرب زلزال قوي المنطقة الجنوبية"),
        art("https://a.example/2", "أمطار غزيرة", "هطلت أمطار غزيرة على العاصمة")], index=False)
    assert search.index_articles(conn).indexed == 2
    first = conn.execute("SELECT id FROM articles WHERE url = 'https://a.example/1'"
                         ).fetchone()[0]
    assert found(conn, "زلزال") == [first]

    night2 = load(conn, "n2", NIGHT2, [
        art("https://a.example/1", "فيضان في الجنوب", "اجتاح فيضان المنطقة الجنوبية")],
        index=False)
    assert search.stale_ids(conn) == [first]
    report = quality.measure(conn, night2.id)
    assert report.articles_unindexed == 1
    check = {c.name: c for c in quality.evaluate(report, quality.QualityThresholds()).checks}
    assert not check["articles not searchable"].passed

    stats = search.index_articles(conn, store.run_article_ids(conn, night2.id))
    assert (stats.articles, stats.indexed) == (1, 1)
    assert search.stale_ids(conn) == []
    assert found(conn, "فيضان") == [first]
    assert found(conn, "زلزال") == []
    report = quality.measure(conn, night2.id)
    check = {c.name: c for c in quality.evaluate(report, quality.QualityThresholds()).checks}
    assert report.articles_unindexed == 0 and check["articles not searchable"].passed


def test_deleted_article_takes_its_search_row_and_unknown_ids_are_skipped(
        conn: psycopg.Connection) -> None:
    run = load(conn, "n1", NIGHT1, [art("https://a.example/1", "زلزال", "ضرب زلزال قوي")],
               index=False)
    (aid,) = store.run_article_ids(conn, run.id)
    assert search.index_articles(conn, [aid, aid + 1000]).indexed == 1
    conn.execute("DELETE FROM articles WHERE id = %s", (aid,))
    conn.commit()
    assert conn.execute("SELECT count(*) FROM article_search").fetchone() == (0,)


def test_indexing_holds_the_flush_lock_per_batch_only_and_a_flush_holds_back_batches(
        conn: psycopg.Connection, db_url: str) -> None:
    """A rebuild never holds the lock across batches, so emptying the pending list (which
    goes on until the list is empty) waits for one batch and is not fed by the next."""
    run = load(conn, "n1", NIGHT1, numbered(5), index=False)
    ids = store.run_article_ids(conn, run.id)
    free_between: list[bool] = []
    with psycopg.connect(db_url, autocommit=True) as other:
        def between(n: int) -> None:
            got = other.execute("SELECT pg_try_advisory_lock(%s)",
                                (search._FLUSH_LOCK,)).fetchone()[0]
            other.execute("SELECT pg_advisory_unlock_all()")
            free_between.append(got)

        assert search.index_articles(conn, ids[:4], batch=2, progress=between).indexed == 4
        assert free_between == [True, True]
        other.execute("SELECT pg_advisory_lock(%s)", (search._FLUSH_LOCK,))  # a flush
        conn.execute("SET lock_timeout = '200ms'")
        conn.commit()
        with pytest.raises(psycopg.errors.LockNotAvailable):
            search.index_articles(conn, ids[4:])
        conn.rollback()
        other.execute("SELECT pg_advisory_unlock_all()")
    assert search.index_articles(conn, ids[4:]).indexed == 1
    assert search.stale_ids(conn) == []


def test_night_stage_shards_split_the_articles_between_them(db_url: str) -> None:
    with store.connect(db_url) as conn:
        run = load(conn, "n1", NIGHT1, numbered(7), index=False)
        ids = store.run_article_ids(conn, run.id)
    parts = [night.index_search(db_url, run.id, shard=k, shards=2) for k in range(2)]
    assert [p["indexed"] for p in parts] == [len([i for i in ids if i % 2 == k])
                                            for k in range(2)]
    assert sum(p["indexed"] for p in parts) == 7
    assert night.index_search(db_url, run.id)["indexed"] == 0
    with store.connect(db_url) as conn:
        assert sorted(r[0] for r in conn.execute("SELECT article_id FROM article_search")) == ids
        assert quality.measure(conn, run.id).articles_unindexed == 0


def test_migration_moves_stored_vectors_out_of_articles(database_before) -> None:
    # A warehouse migrated before 095 keeps its articles searchable across the upgrade.
    with store.connect(database_before("095")) as conn:
        # Before 095 the loader built the vectors itself; there is nothing to index.
        load(conn, "n1", NIGHT1, [
            art("https://a.example/1", "زلزال في الجنوب", "ضرب زلزال قوي المنطقة"),
            art("https://a.example/2", "أمطار غزيرة", "هطلت أمطار على العاصمة")],
            index=False)
        before = found(conn, "زلزال")
        assert len(before) == 1
        assert "095_search_apart.sql" in store.migrate(conn)
        assert found(conn, "زلزال") == before
        # Every moved row is current for its text (107 later asks for one rebuild of all).
        assert conn.execute("SELECT count(*) FROM article_search s JOIN articles a "
                            "ON a.id = s.article_id AND a.content_hash = s.content_hash"
                            ).fetchone() == (2,)
        assert conn.execute("SELECT count(*) FROM information_schema.columns WHERE "
                            "table_name = 'articles' AND column_name = 'search_vector'"
                            ).fetchone() == (0,)


def test_migration_to_search_forms_needs_no_reindexing(database_before) -> None:
    # 098 changes only the query side: the stored vectors stay as they are and current.
    with store.connect(database_before("098")) as conn:
        load(conn, "n1", NIGHT1, [
            art("https://a.example/1", "قرار جديد", "أعلنت الحكومة الإيرانيّة قرارا جديدا")],
            index=False)
        index_before_107(conn)
        assert found(conn, "إيران") == []
        vectors = conn.execute("SELECT article_id, xmin::text FROM article_search").fetchall()
        assert "098_search_forms.sql" in store.migrate(conn)
        assert conn.execute("SELECT snippet FROM akhbar.search('إيران')").fetchall() == [
            ("أعلنت الحكومة <b>الإيرانيّة</b> قرارا جديدا",)]
        assert conn.execute("SELECT count(*) FROM article_search s JOIN articles a "
                            "ON a.id = s.article_id AND a.content_hash = s.content_hash"
                            ).fetchone() == (1,)
        assert conn.execute("SELECT article_id, xmin::text FROM article_search"
                            ).fetchall() == vectors
        owners = {r[0] for r in conn.execute(
            "SELECT pg_get_userbyid(p.proowner) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'akhbar'")}
        assert owners == {"akhbar_owner"}
        # akhbar.search keeps its grants: the Akhbar roles, nobody else.
        assert conn.execute(
            "SELECT has_function_privilege('akhbar_analyst', 'akhbar.search(text, integer)', "
            "'EXECUTE'), has_function_privilege('pg_monitor', 'akhbar.search(text, integer)', "
            "'EXECUTE')").fetchone() == (True, False)
        assert conn.execute("SELECT to_regprocedure('akhbar.term_forms(text)')"
                            ).fetchone() == (None,)


def test_migration_to_hamza_folding_marks_rows_stale_and_the_cli_rebuilds_them(
        database_before, monkeypatch: pytest.MonkeyPatch) -> None:
    # 107 folds ؤ and ئ into ء in the index. The migration writes no stored row (it would
    # take most of an hour on a warehouse of millions): it marks every row built before it
    # stale, and `akhbar db index-search` rebuilds them, after which an article stored
    # before 107 is found by either spelling.
    from typer.testing import CliRunner

    from pipeline.cli import app

    url = database_before("107")
    with store.connect(url) as conn:
        load(conn, "n1", NIGHT1, [
            art("https://a.example/1", "تصريح", "قال مسؤول في الوزارة"),
            art("https://a.example/2", "أمطار غزيرة", "هطلت أمطار على العاصمة")],
            index=False)
        index_before_107(conn)
        official, rain = (conn.execute("SELECT id FROM articles WHERE url = %s", (u,)).fetchone()[0]
                          for u in ("https://a.example/1", "https://a.example/2"))
        assert found(conn, "مسئول") == []
        versions = conn.execute("SELECT article_id, xmin::text FROM article_search "
                                "ORDER BY 1").fetchall()
        assert "107_search_word_variants.sql" in store.migrate(conn)
        assert conn.execute("SELECT article_id, xmin::text FROM article_search "
                            "ORDER BY 1").fetchall() == versions
        assert search.stale_ids(conn) == [rain, official]
        # Until they are rebuilt, other words find the old articles as before.
        assert found(conn, "أمطار") == [rain]
        # A night indexes its own articles with the new vector meanwhile.
        night2 = load(conn, "n2", NIGHT2, [
            art("https://a.example/3", "تصريح آخر", "قال مسئول في الوزارة")])
        (new,) = store.run_article_ids(conn, night2.id)
        assert found(conn, "مسؤول") == [new]
        assert quality.measure(conn, night2.id).articles_unindexed == 0

    monkeypatch.setenv("AKHBAR_DATABASE_URL", url)
    out = CliRunner().invoke(app, ["db", "index-search"])
    assert out.exit_code == 0, out.output
    assert "2 article(s) indexed for search" in out.output
    with store.connect(url) as conn:
        assert search.stale_ids(conn) == []
        assert sorted(found(conn, "مسئول")) == sorted(found(conn, "مسؤول")) == [official, new]
        assert found(conn, "أمطار") == [rain]
        assert conn.execute(
            "SELECT count(*) FROM articles a JOIN article_search s ON s.article_id = a.id "
            "WHERE s.search_vector = akhbar.search_vector(a.title_norm, a.body_norm) "
            "AND s.vector_version = 107").fetchone() == (3,)
        assert conn.execute("SELECT flush_search_index()").fetchone() == (0,)
        owners = {r[0] for r in conn.execute(
            "SELECT pg_get_userbyid(p.proowner) FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'akhbar'")}
        assert owners == {"akhbar_owner"}
    again = CliRunner().invoke(app, ["db", "index-search"])
    assert again.exit_code == 0 and "0 article(s) indexed" in again.output


def test_cli_builds_every_missing_search_row(db_url: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from pipeline.cli import app

    with store.connect(db_url) as conn:
        load(conn, "n1", NIGHT1, numbered(3), index=False)
    monkeypatch.setenv("AKHBAR_DATABASE_URL", db_url)
    out = CliRunner().invoke(app, ["db", "index-search"])
    assert out.exit_code == 0, out.output
    assert "3 article(s) indexed for search" in out.output
    with store.connect(db_url) as conn:
        assert search.stale_ids(conn) == []
    again = CliRunner().invoke(app, ["db", "index-search"])
    assert again.exit_code == 0 and "0 article(s) indexed" in again.output


def test_a_body_too_varied_for_one_tsvector_is_indexed_from_its_start(
        conn: psycopg.Connection) -> None:
    # 200,000 distinct words make a vector of several MB, past PostgreSQL's 1 MB: the
    # article must still be indexed (from its start), and the rest of its batch with it.
    words = " ".join(f"بند{i}" for i in range(200_000))
    run = load(conn, "n1", NIGHT1, [
        art("https://a.example/law", "نص القانون كاملا", "قانون الموازنة العامة " + words),
        art("https://a.example/2", "أمطار غزيرة", "هطلت أمطار غزيرة على العاصمة")],
        index=False)
    ids = store.run_article_ids(conn, run.id)
    assert search.index_articles(conn, ids).indexed == 2
    assert search.stale_ids(conn) == []
    law = conn.execute("SELECT id FROM articles WHERE url = 'https://a.example/law'"
                       ).fetchone()[0]
    assert found(conn, "الموازنة") == [law]
    assert len(found(conn, "أمطار")) == 1
