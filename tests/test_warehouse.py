"""The warehouse: documented views, a data dictionary that matches, and indexes used at scale."""

from __future__ import annotations

import json
import os
import re
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import pytest
from warehouse_data import SAMPLE_NIGHT, article, load, run_sample_night

from pipeline import schema_doc, store
from pipeline.dedup_db import dedup_articles
from pipeline.taxonomy import load_taxonomy
from pipeline.topics import tag_articles

REPO = Path(__file__).resolve().parents[1]
VIEWS = {"articles", "sightings", "stories", "article_topics", "topics", "daily_topic_counts",
         "entities", "entity_mentions", "entity_cooccurrence", "daily_entity_counts",
         "feed_health", "runs"}
# Articles generated for the EXPLAIN test. 1M runs in about a minute on two busy cores;
# set AKHBAR_WAREHOUSE_ROWS lower for a quick local run.
SCALE = int(os.environ.get("AKHBAR_WAREHOUSE_ROWS", "1000000"))


def test_views_exist_and_everything_is_commented(conn: psycopg.Connection) -> None:
    views = {r[0] for r in conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'akhbar' AND c.relkind = 'v'")}
    assert views >= VIEWS
    assert schema_doc.undocumented(conn) == []


def test_data_dictionary_matches_the_database(conn: psycopg.Connection) -> None:
    checked_in = (REPO / "docs" / "schema.md").read_text(encoding="utf-8")
    assert checked_in == schema_doc.render(conn), (
        "docs/schema.md is stale: run `akhbar db docs` and commit it")
    for view in VIEWS:
        assert f"### `akhbar.{view}` (view)" in checked_in


def test_views_agree_with_the_tables_after_a_real_night(
        db_url: str, tmp_path: Path, conn: psycopg.Connection) -> None:
    run_sample_night(db_url, tmp_path)
    one = lambda q: conn.execute(q).fetchone()[0]  # noqa: E731
    assert one("SELECT count(*) FROM akhbar.articles") == one("SELECT count(*) FROM articles")
    assert one("SELECT count(*) FROM akhbar.articles WHERE story_id IS NULL") == 0
    assert one("SELECT count(*) FROM akhbar.stories") == one("SELECT count(*) FROM dedup_clusters")
    assert one("SELECT count(*) FROM akhbar.articles WHERE is_canonical") == one(
        "SELECT count(*) FROM akhbar.stories")
    # copies count each outlet's carrying of each article, so at least its article rows
    assert one("SELECT count(*) FROM akhbar.stories WHERE copies < articles") == 0
    assert one("SELECT sum(copies) FROM akhbar.stories") == one(
        "SELECT count(DISTINCT (outlet, article_id)) FROM akhbar.sightings")
    assert one("SELECT sum(articles) FROM akhbar.daily_topic_counts") == one(
        "SELECT count(*) FROM akhbar.article_topics") > 0
    assert one("SELECT count(*) FROM akhbar.entity_mentions") == one(
        "SELECT count(*) FROM article_entities") > 0
    # every linked mention is counted once, each article once per entity, day and outlet
    assert one("SELECT sum(mentions) FROM akhbar.daily_entity_counts") == one(
        "SELECT count(*) FROM akhbar.entity_mentions WHERE entity_id IS NOT NULL") > 0
    assert one("SELECT sum(articles) FROM akhbar.daily_entity_counts") == one(
        "SELECT count(DISTINCT (article_id, entity_id)) FROM akhbar.entity_mentions "
        "WHERE entity_id IS NOT NULL")
    assert one("SELECT count(*) FROM akhbar.daily_entity_counts WHERE stories > articles "
               "OR articles > mentions") == 0
    # co-occurrence is symmetric: each pair appears in both orders with the same count
    assert one("SELECT count(*) FROM akhbar.entity_cooccurrence a LEFT JOIN "
               "akhbar.entity_cooccurrence b ON (b.day, b.entity_id, b.other_entity_id) = "
               "(a.day, a.other_entity_id, a.entity_id) WHERE b.articles IS DISTINCT FROM "
               "a.articles") == 0
    assert one("SELECT count(*) FROM akhbar.entity_cooccurrence") > 0
    health = conn.execute("SELECT feed_id, health FROM akhbar.feed_health "
                          "ORDER BY feed_id").fetchall()
    assert dict(health)["gone"] == "failing"
    assert sum(1 for _, h in health if h == "ok") == 4
    night = conn.execute("SELECT run_key, logical_day FROM akhbar.runs").fetchall()
    assert night == [("2018-02-24", SAMPLE_NIGHT.date())]


KOREA = ("أطلقت كوريا الشمالية صاروخا باليستيا جديدا قبالة سواحلها الشرقية، وقالت هيئة "
         "الأركان في سيول إن بيونغ يانغ تواصل تجاربها رغم العقوبات. وأكد الزعيم كيم جونغ "
         "أون أن برنامج الصواريخ سيمضي. وأدانت طوكيو وسيول الإطلاق الكوري الشمالي.")


def test_topic_views_keep_history_across_taxonomy_versions(conn: psycopg.Connection) -> None:
    night = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
    run = load(conn, "n1", night, [
        article("f", "Outlet", f"https://o.example/{i}", f"صاروخ كوري شمالي جديد {i}",
                f"{KOREA} رقم {i}", night) for i in range(3)], index=False)
    ids = store.run_article_ids(conn, run.id)
    old = load_taxonomy()
    tag_articles(conn, ids, old)
    conn.commit()
    korea = "SELECT article_id, taxonomy_version FROM akhbar.article_topics " \
            "WHERE topic_id = 'korean_peninsula' ORDER BY 1"
    assert conn.execute(korea).fetchall() == [(i, old.version) for i in ids]
    # A newer version tags one article (a night, or a re-tag of part of history): the
    # others keep the tags they have, each article counted once.
    new = old.model_copy(update={"version": old.version + "-next"})
    tag_articles(conn, ids[:1], new)
    conn.commit()
    assert conn.execute(korea).fetchall() == [(ids[0], new.version)] + [
        (i, old.version) for i in ids[1:]]
    assert conn.execute("SELECT sum(articles) FROM akhbar.daily_topic_counts "
                        "WHERE topic_id = 'korean_peninsula'").fetchone() == (3,)
    # A version without the topic: articles it re-tags lose it, and the topic, no longer
    # declared, leaves the views altogether.
    dropped = old.model_copy(update={
        "version": old.version + "-dropped",
        "topics": tuple(t for t in old.topics if t.id != "korean_peninsula")})
    tag_articles(conn, ids[:1], dropped)
    conn.commit()
    assert conn.execute(korea).fetchall() == []
    assert conn.execute("SELECT count(*) FROM akhbar.daily_topic_counts "
                        "WHERE topic_id = 'korean_peninsula'").fetchone() == (0,)


def test_a_story_carried_at_two_links_by_one_outlet_is_one_copy(
        conn: psycopg.Connection) -> None:
    night = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
    body = KOREA + " تفاصيل إضافية عن الإطلاق."
    first = article("f", "Outlet", "https://o.example/a", "صاروخ جديد", body, night)
    again = article("f", "Outlet", "https://o.example/a?utm_source=rss", "صاروخ جديد", body,
                    night)
    again.canonical_url = "https://o.example/a"
    other = article("g", "Other", "https://p.example/b", "صاروخ جديد", body, night)
    run = load(conn, "n1", night, [first, other], index=False)
    load(conn, "n2", night.replace(day=2), [again], index=False)
    dedup_articles(conn, store.run_article_ids(conn, run.id))
    conn.commit()
    assert conn.execute("SELECT articles, copies, outlet_count FROM akhbar.stories"
                        ).fetchall() == [(1, 2, 2)]


def synthesize(conn: psycopg.Connection, articles: int) -> None:
    """Fill the tables with ``articles`` synthetic rows and their topics and entities.

    Ten topics (each on 1.5% of articles), 500 entities (about 600 mentions each), 1,000
    days, 40 outlets. Secondary indexes are dropped during the load and rebuilt from their
    own definitions, as a bulk load would do; the plans then run on the migration's indexes.
    """
    conn.execute("SET synchronous_commit = off")
    # Foreign keys are checked by triggers, row by row; generated rows are consistent by
    # construction, so this bulk load skips them (the tests run as the superuser).
    conn.execute("SET session_replication_role = replica")
    conn.execute("SET maintenance_work_mem = '256MB'")
    saved = conn.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(ARRAY['articles', 'article_topics', 'article_topic_runs', "
        "'article_entities']"
        "::regclass[]) AND NOT i.indisprimary AND NOT i.indisunique").fetchall()
    for name, _ in saved:
        conn.execute(f"DROP INDEX {name}")
    conn.execute("INSERT INTO feeds (id, name, url, outlet) SELECT 'f' || i, 'feed ' || i, "
                 "'https://f' || i || '.example/rss', 'Outlet ' || mod(i, 40) "
                 "FROM generate_series(0, 199) i")
    conn.execute("INSERT INTO topics (id, label_ar, label_en, taxonomy_version) "
                 "SELECT 'topic' || i, 'موضوع', 'Topic ' || i, 'v1' FROM generate_series(0, 9) i")
    conn.execute("INSERT INTO entities (id, type, name_en, name_ar) SELECT 'Q' || i, 'PER', "
                 "'Person ' || i, 'شخص' FROM generate_series(0, 499) i")
    conn.execute(
        "INSERT INTO articles (canonical_url, url, feed_id, outlet, title, title_norm, "
        "body_norm, content_hash, published_at, first_seen, last_seen) "
        "SELECT 'https://s.example/' || i, 'https://s.example/' || i, 'f' || mod(i, 200), "
        "'Outlet ' || mod(i, 40), 'خبر', '', '', md5(i::text), "
        "timestamptz '2022-01-01' + mod(i, 1000) * interval '1 day' "
        "  + mod(i, 86400) * interval '1 second', "
        "timestamptz '2022-01-01' + mod(i, 1000) * interval '1 day', "
        "timestamptz '2022-01-01' + mod(i, 1000) * interval '1 day' "
        "FROM generate_series(1, %s) i", (articles,))
    conn.execute(
        "INSERT INTO article_topics (article_id, topic_id, taxonomy_version, score) "
        "SELECT id, 'topic' || mod(id, 10), 'v1', 3.0 FROM articles WHERE mod(id, 67) < 10")
    conn.execute(
        "INSERT INTO article_topic_runs (article_id, taxonomy_version, topics) "
        "SELECT id, 'v1', CASE WHEN mod(id, 67) < 10 THEN 1 ELSE 0 END FROM articles")
    conn.execute(
        "INSERT INTO article_entities (article_id, entity_id, surface, surface_norm, type, "
        "field, start_offset, end_offset, method, confidence) "
        "SELECT id, 'Q' || mod(id * k, 500), 'شخص', 'شخص', 'PER', 'body', k * 10, k * 10 + 4, "
        "'gazetteer', 0.9 FROM articles, generate_series(1, 3) k WHERE mod(id, 10) = 0")
    conn.execute("SET session_replication_role = DEFAULT")
    for _, definition in saved:
        conn.execute(definition)
    conn.execute("ANALYZE articles, article_topics, article_topic_runs, article_entities, "
                 "topics, entities, feeds")
    conn.commit()


def plan(conn: psycopg.Connection, query: str, params: tuple) -> str:
    rows = conn.execute("EXPLAIN (FORMAT JSON) " + query, params).fetchone()[0]
    return json.dumps(rows)


def scans(plan_json: str) -> set[tuple[str, str]]:
    """(node type, relation or index) of every scan in a plan."""
    found = set()
    for node in re.finditer(r'"Node Type": "([^"]+)"[^{}]*?"(?:Relation|Index) Name": "([^"]+)"',
                            plan_json):
        found.add((node.group(1), node.group(2)))
    for node in re.finditer(r'"Node Type": "([^"]*Index[^"]*)".*?"Index Name": "([^"]+)"',
                            plan_json):
        found.add((node.group(1), node.group(2)))
    return found


@pytest.mark.slow
def test_analysts_queries_use_the_indexes_at_scale(conn: psycopg.Connection) -> None:
    synthesize(conn, SCALE)
    assert conn.execute("SELECT count(*) FROM articles").fetchone() == (SCALE,)
    day = date(2023, 6, 1)
    # (query, indexes any of which the plan must use); no plan may scan a big table whole
    queries = {
        "by day": ("SELECT count(*) FROM akhbar.articles WHERE published_day = %s",
                   {"articles_published_day_idx"}),
        "by day and outlet": (
            "SELECT article_id, title FROM akhbar.articles WHERE outlet = 'Outlet 7' "
            "AND published_at >= %s AND published_at < %s::date + 1",
            {"articles_outlet_published_idx"}),
        "by topic, per day of a week": (
            "SELECT day, sum(articles) FROM akhbar.daily_topic_counts WHERE topic_id = "
            "'topic3' AND day BETWEEN %s AND %s::date + 6 GROUP BY day",
            {"articles_published_day_idx", "article_topics_topic_idx"}),
        "by topic, a day's articles": (
            "SELECT article_id, score, outlet FROM akhbar.article_topics "
            "WHERE topic_id = 'topic3' AND published_day = %s",
            {"articles_published_day_idx", "article_topics_topic_idx"}),
        "by entity": ("SELECT article_id, outlet, published_at FROM akhbar.entity_mentions "
                      "WHERE entity_id = 'Q42'", {"article_entities_entity_idx"}),
        "by entity, per day": (
            "SELECT day, sum(articles) FROM akhbar.daily_entity_counts WHERE entity_id = "
            "'Q42' GROUP BY day", {"article_entities_entity_idx"}),
        "named with an entity": (
            "SELECT other_entity_id, sum(articles) FROM akhbar.entity_cooccurrence "
            "WHERE entity_id = 'Q42' GROUP BY 1 ORDER BY 2 DESC LIMIT 10",
            {"article_entities_entity_idx"}),
    }
    for name, (query, indexes) in queries.items():
        params = (day,) * query.count("%s")
        shown = plan(conn, query, params)
        used = scans(shown)
        assert {idx for _, idx in used} & indexes, (name, used)
        for table in ("articles", "article_topics", "article_topic_runs", "article_entities"):
            assert ("Seq Scan", table) not in used, (name, used)
