"""The bulk loader's paths: COPY of new articles, upsert of known URLs, skipped re-runs."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
import pytest

from pipeline import store
from pipeline.extract import finish_article
from pipeline.records import Article, FeedSpec, LoadStats

NIGHT1 = datetime(2024, 1, 1, 3, tzinfo=UTC)
NIGHT2 = datetime(2024, 1, 2, 3, tzinfo=UTC)
FEEDS = [FeedSpec("f1", "F1", "file:x", "Outlet"), FeedSpec("f2", "F2", "file:y", "Other")]


def art(url: str, body: str, feed: str = "f1", title: str = "عنوان") -> Article:
    return finish_article(Article(
        feed_id=feed, outlet="Outlet" if feed == "f1" else "Other", url=url,
        canonical_url=url, guid=None, title=title, summary="", body=body,
        body_source="content", published_at=datetime(2024, 1, 1, tzinfo=UTC)))


def rows(conn: psycopg.Connection) -> list[tuple]:
    """Every article row with its row version (xmin): a rewritten row shows a new xmin."""
    return conn.execute("SELECT xmin::text, * FROM articles ORDER BY id").fetchall()


def sightings(conn: psycopg.Connection) -> list[tuple]:
    return conn.execute("SELECT * FROM article_sightings ORDER BY 1, 2, 3, 4").fetchall()


def test_new_articles_take_ids_in_batch_order(conn: psycopg.Connection) -> None:
    store.sync_feeds(conn, FEEDS)
    run = store.start_run(conn, "n1", NIGHT1)
    batch = [art(f"https://a.example/{k}", f"خبر رقم {k} عن الاقتصاد") for k in range(5)]
    stats = store.load_articles(conn, run, batch)
    assert (stats.new, stats.updated, stats.duplicate) == (5, 0, 0)
    got = conn.execute("SELECT id, canonical_url, first_seen, last_seen, run_id "
                       "FROM articles ORDER BY id").fetchall()
    assert [r[1] for r in got] == [a.canonical_url for a in batch]
    assert all(r[2] == r[3] == NIGHT1 and r[4] == run.id for r in got)
    # The sequence moves on: a later batch continues after these ids.
    more = store.load_articles(conn, run, [art("https://a.example/9", "خبر آخر مختلف")])
    assert more.new == 1
    assert conn.execute("SELECT max(id) FROM articles").fetchone() == (got[-1][0] + 1,)


def test_rerun_of_a_night_rewrites_no_row(conn: psycopg.Connection) -> None:
    store.sync_feeds(conn, FEEDS)
    run = store.start_run(conn, "n1", NIGHT1)
    batch = [
        art("https://a.example/1", "نص الخبر الأول"),
        art("https://a.example/2", "نص الخبر الثاني"),
        art("https://b.example/copy", "نص الخبر الثاني", feed="f2"),  # same text, other URL
        art("https://a.example/1", "نص الخبر الأول", feed="f2"),  # same URL, other feed
    ]
    store.load_articles(conn, run, batch)
    conn.commit()
    before, seen = rows(conn), sightings(conn)
    assert len(before) == 2 and len(seen) == 4
    again = store.load_articles(conn, run, batch)
    assert (again.new, again.updated, again.duplicate) == (0, 0, 4)
    assert rows(conn) == before  # same values and same row versions: nothing written
    assert sightings(conn) == seen


def test_mixed_batch_of_new_known_edited_and_copied_articles(
        conn: psycopg.Connection) -> None:
    store.sync_feeds(conn, FEEDS)
    night1 = store.start_run(conn, "n1", NIGHT1)
    store.load_articles(conn, night1, [art("https://a.example/1", "نص قديم للخبر"),
                                       art("https://a.example/2", "خبر ثابت لا يتغير")])
    ids = dict(conn.execute("SELECT canonical_url, id FROM articles"))
    night2 = store.start_run(conn, "n2", NIGHT2)
    stats = store.load_articles(conn, night2, [
        art("https://a.example/1", "نص جديد للخبر"),  # edited: updated
        art("https://a.example/2", "خبر ثابت لا يتغير"),  # same text, a later night
        art("https://c.example/x", "خبر ثابت لا يتغير", feed="f2"),  # copy of a stored one
        art("https://a.example/3", "خبر جديد تماما"),  # new
        art("https://d.example/y", "خبر جديد تماما", feed="f2"),  # copy of a new one
    ])
    assert (stats.new, stats.updated, stats.duplicate) == (1, 1, 3)
    got = {r[0]: r[1:] for r in conn.execute(
        "SELECT canonical_url, id, body, first_seen, last_seen, updated_at FROM articles")}
    assert got["https://a.example/1"] == (ids["https://a.example/1"], "نص جديد للخبر",
                                          NIGHT1, NIGHT2, NIGHT2)
    assert got["https://a.example/2"] == (ids["https://a.example/2"], "خبر ثابت لا يتغير",
                                          NIGHT1, NIGHT2, None)
    assert got["https://a.example/3"][2:4] == (NIGHT2, NIGHT2)
    assert len(got) == 3
    seen = conn.execute("SELECT a.canonical_url, s.url FROM article_sightings s "
                        "JOIN articles a ON a.id = s.article_id WHERE s.run_id = %s "
                        "ORDER BY 1, 2", (night2.id,)).fetchall()
    assert seen == [("https://a.example/1", "https://a.example/1"),
                    ("https://a.example/2", "https://a.example/2"),
                    ("https://a.example/2", "https://c.example/x"),
                    ("https://a.example/3", "https://a.example/3"),
                    ("https://a.example/3", "https://d.example/y")]


def test_older_night_adds_only_its_sightings(conn: psycopg.Connection) -> None:
    store.sync_feeds(conn, FEEDS)
    night2 = store.start_run(conn, "n2", NIGHT2)
    store.load_articles(conn, night2, [art("https://a.example/1", "نص الخبر")])
    conn.commit()
    before = rows(conn)
    night1 = store.start_run(conn, "n1", NIGHT1)
    stats = store.load_articles(conn, night1, [art("https://a.example/1", "نص أقدم"),
                                               art("https://e.example/1", "نص الخبر")])
    # The older text is counted as such, not as an update: the newer one stays.
    assert (stats.new, stats.updated, stats.older, stats.duplicate) == (0, 0, 1, 1)
    assert rows(conn) == before  # first_seen stays NIGHT2: no row rewritten
    assert conn.execute("SELECT body, first_seen, last_seen FROM articles").fetchall() == [
        ("نص الخبر", NIGHT2, NIGHT2)]
    assert conn.execute("SELECT count(*) FROM article_sightings").fetchone() == (3,)


def test_backfill_keeps_first_seen_and_stamps_only_what_it_finds(
        conn: psycopg.Connection) -> None:
    # A backfill of an older night fetches what the feeds carry now.
    store.sync_feeds(conn, FEEDS)
    undated = art("https://a.example/undated", "خبر بلا تاريخ نشر")
    undated.published_at = None
    stored = [art("https://a.example/1", "الخبر الأول في الليلة الثانية"), undated]
    night2 = store.start_run(conn, "n2", NIGHT2)
    store.load_articles(conn, night2, stored)
    conn.commit()
    before = rows(conn)
    day = ("SELECT canonical_url, published_day, first_seen, last_seen FROM akhbar.articles "
           "ORDER BY article_id")
    days = conn.execute(day).fetchall()

    night1 = store.start_run(conn, "n1", NIGHT1)
    batch = [*stored,
             art("https://c.example/copy", "الخبر الأول في الليلة الثانية", feed="f2"),
             art("https://a.example/new", "خبر لم يره أحد من قبل")]
    stats = store.load_articles(conn, night1, batch)
    conn.commit()
    assert (stats.new, stats.updated, stats.duplicate) == (1, 0, 3)
    assert rows(conn)[:2] == before  # same values and row versions: nothing rewritten
    assert conn.execute(day).fetchall()[:2] == days  # undated: published_day stays put
    assert conn.execute(day).fetchall()[2][1:] == (NIGHT1.date(), NIGHT1, NIGHT1)
    # Night 2 still owns what it found; the backfill owns only the article it found first.
    assert conn.execute("SELECT first_seen, count(*) FROM articles GROUP BY 1 "
                        "ORDER BY 1").fetchall() == [(NIGHT1, 1), (NIGHT2, 2)]
    # Each sighting is recorded under the night that made it.
    assert conn.execute("SELECT count(*) FROM article_sightings WHERE run_id = %s",
                        (night1.id,)).fetchone() == (4,)

    after, seen = rows(conn), sightings(conn)
    again = store.load_articles(conn, night1, batch)  # the backfill re-run
    assert (again.new, again.updated, again.duplicate) == (0, 0, 4)
    assert rows(conn) == after and sightings(conn) == seen


def test_article_text_is_compressed_with_lz4(conn: psycopg.Connection) -> None:
    try:
        with conn.transaction():
            conn.execute("CREATE TEMP TABLE lz4_probe (t text COMPRESSION lz4)")
    except psycopg.errors.FeatureNotSupported:
        pytest.skip("this PostgreSQL is built without lz4")
    methods = dict(conn.execute(
        "SELECT attrelid::regclass::text || '.' || attname, attcompression FROM pg_attribute "
        "WHERE (attrelid = 'articles'::regclass AND attname = ANY(%s)) "
        "OR (attrelid = 'article_search'::regclass AND attname = 'search_vector')",
        (["body", "body_norm", "summary"],)))
    assert methods == dict.fromkeys(("articles.body", "articles.body_norm", "articles.summary",
                                     "article_search.search_vector"), "l")


@pytest.mark.parametrize("order", ["ab", "ba"])
def test_two_texts_at_one_url_in_one_night_settle_the_same_way(
        conn: psycopg.Connection, order: str) -> None:
    # Two mapped fetch tasks may load the same URL with different text in either order.
    store.sync_feeds(conn, FEEDS)
    run = store.start_run(conn, "race", NIGHT1)
    texts = {"a": art("https://a.example/x", "النص الأول للخبر", "f1"),
             "b": art("https://a.example/x", "النص الثاني المعدل للخبر", "f2")}
    for key in order:
        store.load_articles(conn, run, [texts[key]])
    winner = max(texts.values(), key=lambda a: a.content_hash)
    body, = conn.execute("SELECT body FROM articles").fetchone()
    assert body == winner.body
    before = rows(conn)
    for key in order[::-1]:  # the night again, the tasks finishing the other way round
        store.load_articles(conn, run, [texts[key]])
    assert rows(conn) == before


def _served(conn: psycopg.Connection, run: store.Run) -> list[tuple]:
    """(sighted URL, URL of the row it points at, that row's body) for each of a run's sightings."""
    return conn.execute(
        "SELECT s.url, a.canonical_url, a.body FROM article_sightings s "
        "JOIN articles a ON a.id = s.article_id WHERE s.run_id = %s ORDER BY 1",
        (run.id,)).fetchall()


@pytest.mark.parametrize("order", ["copy first", "original first"])
def test_copy_of_an_article_edited_in_the_same_batch_keeps_its_text(
        conn: psycopg.Connection, order: str) -> None:
    old, new = "نص الخبر كما نشر أولا", "نص الخبر بعد تعديله"
    store.sync_feeds(conn, FEEDS)
    night1 = store.start_run(conn, "n1", NIGHT1)
    store.load_articles(conn, night1, [art("https://a.example/1", old)])
    night2 = store.start_run(conn, "n2", NIGHT2)
    edited = art("https://a.example/1", new)
    copies = [art("https://c.example/copy", old, feed="f2"),
              art("https://d.example/copy", old, feed="f2")]
    batch = [*copies, edited] if order == "copy first" else [edited, *copies]
    stats = store.load_articles(conn, night2, batch)
    conn.commit()
    # The first copy holds the old text now; the second is a copy of it.
    assert (stats.new, stats.updated, stats.duplicate) == (1, 1, 1)
    assert conn.execute("SELECT canonical_url, body, first_seen, last_seen FROM articles "
                        "ORDER BY id").fetchall() == [
        ("https://a.example/1", new, NIGHT1, NIGHT2),
        ("https://c.example/copy", old, NIGHT2, NIGHT2)]
    assert _served(conn, night2) == [
        ("https://a.example/1", "https://a.example/1", new),
        ("https://c.example/copy", "https://c.example/copy", old),
        ("https://d.example/copy", "https://c.example/copy", old)]

    before, seen = rows(conn), sightings(conn)
    again = store.load_articles(conn, night2, batch)  # the night re-run
    assert (again.new, again.updated, again.duplicate) == (0, 0, 3)
    assert rows(conn) == before and sightings(conn) == seen


def test_copy_in_a_backfill_keeps_the_text_its_original_no_longer_holds(
        conn: psycopg.Connection) -> None:
    store.sync_feeds(conn, FEEDS)
    night2 = store.start_run(conn, "n2", NIGHT2)
    store.load_articles(conn, night2, [art("https://a.example/1", "نص الخبر بعد تعديله")])
    conn.commit()
    night1 = store.start_run(conn, "n1", NIGHT1)  # older: its text of a.example/1 is kept
    batch = [art("https://a.example/1", "نص الخبر كما نشر أولا"),
             art("https://c.example/copy", "نص الخبر كما نشر أولا", feed="f2")]
    store.load_articles(conn, night1, batch)
    conn.commit()
    assert _served(conn, night1) == [
        ("https://a.example/1", "https://a.example/1", "نص الخبر بعد تعديله"),
        ("https://c.example/copy", "https://c.example/copy", "نص الخبر كما نشر أولا")]
    before, seen = rows(conn), sightings(conn)
    store.load_articles(conn, night1, batch)
    assert rows(conn) == before and sightings(conn) == seen


def test_copy_goes_to_another_article_still_holding_its_text(
        conn: psycopg.Connection) -> None:
    old = "نص الخبر كما نشر أولا"
    store.sync_feeds(conn, FEEDS)
    nights = [store.start_run(conn, f"n{k}", datetime(2024, 1, k, 3, tzinfo=UTC))
              for k in range(1, 5)]
    store.load_articles(conn, nights[0], [art("https://a.example/1", old)])
    store.load_articles(conn, nights[1], [art("https://a.example/1", "نص معدل مرة"),
                                          art("https://c.example/copy", old, feed="f2")])
    store.load_articles(conn, nights[2], [art("https://a.example/1", old)])  # edit undone
    # a.example/1 (the oldest row with the text) is edited again: the copy goes to c.example.
    stats = store.load_articles(conn, nights[3], [art("https://a.example/1", "نص معدل مرتين"),
                                                  art("https://e.example/copy", old, feed="f2")])
    assert (stats.new, stats.updated, stats.duplicate) == (0, 1, 1)
    assert _served(conn, nights[3]) == [
        ("https://a.example/1", "https://a.example/1", "نص معدل مرتين"),
        ("https://e.example/copy", "https://c.example/copy", old)]
    assert conn.execute("SELECT last_seen FROM articles WHERE canonical_url = %s",
                        ("https://c.example/copy",)).fetchone() == (nights[3].logical_ts,)


@pytest.mark.parametrize("size", [1, 100])
@pytest.mark.parametrize("order", ["ab", "ba"])
def test_two_texts_at_one_url_in_one_batch_settle_as_in_batches_of_one(
        conn: psycopg.Connection, order: str, size: int) -> None:
    # Two feeds of one outlet carry the same link with another body, and one feed lists an
    # item twice with an edit: the batch size must not choose the text.
    store.sync_feeds(conn, FEEDS)
    run = store.start_run(conn, "n1", NIGHT1)
    texts = {"a": [art("https://a.example/x", "النص الأول للخبر", "f1"),
                   art("https://a.example/y", "خبر آخر كما نشر", "f1")],
             "b": [art("https://a.example/x", "النص الثاني المعدل للخبر", "f2"),
                   art("https://a.example/y", "خبر آخر بعد التعديل", "f1")]}
    batch = [*texts[order[0]], *texts[order[1]]]
    stats = LoadStats()
    for start in range(0, len(batch), size):
        stats.add(store.load_articles(conn, run, batch[start:start + size]))
    conn.commit()
    winners = sorted(max(pair, key=lambda a: (a.published_at, a.content_hash)).body
                     for pair in zip(texts["a"], texts["b"], strict=True))
    assert sorted(r[0] for r in conn.execute("SELECT body FROM articles")) == winners
    # Counted as loading one article at a time: a later text that wins is an update, one
    # that loses is older.
    late = [max(a, b, key=lambda t: t.content_hash) is b
            for a, b in zip(texts[order[0]], texts[order[1]], strict=True)]
    assert (stats.new, stats.updated, stats.older, stats.duplicate) == (
        2, sum(late), 2 - sum(late), 0)
    before, seen = rows(conn), sightings(conn)
    again = store.load_articles(conn, run, batch)  # the night re-run, in one batch
    assert (again.new, again.updated, again.duplicate) == (0, 0, 4 - again.older)
    assert rows(conn) == before and sightings(conn) == seen


def test_stats_records_add_up_field_by_field() -> None:
    from pipeline.entities_db import EntityStats
    from pipeline.topics import TagStats

    total = TagStats("2026.12.27", articles=2, tags=3, by_topic={"sanctions": 1}, seconds=1.5)
    total.add(TagStats("other", articles=1, tags=1, by_topic={"sanctions": 2, "syria_war": 1},
                       seconds=0.5))
    assert total == TagStats("2026.12.27", articles=3, tags=4,
                             by_topic={"sanctions": 3, "syria_war": 1}, seconds=2.0)
    mentions = EntityStats(articles=1, mentions=5, linked=4, unlinked=1, by_method={"gazetteer": 4})
    mentions.add(EntityStats(articles=1, mentions=2, linked=1, unlinked=1,
                             by_method={"gazetteer": 1, "pattern": 1}))
    assert mentions == EntityStats(articles=2, mentions=7, linked=5, unlinked=2,
                                   by_method={"gazetteer": 5, "pattern": 1})
    loaded = LoadStats(new=1, duplicate=2)
    loaded.add(LoadStats(new=2, updated=1, older=1))
    assert loaded == LoadStats(new=3, updated=1, older=1, duplicate=2)


def test_a_rerun_keeps_a_copy_on_the_article_it_was_a_sighting_of(
        conn: psycopg.Connection) -> None:
    """Re-running a night after a later night edited the original of an exact copy, or
    after the night itself gave an older article the copy's text, adds no row and no
    second sighting: the copy stays a sighting of the article it was one of."""
    store.sync_feeds(conn, FEEDS)
    wire = "أعلنت واشنطن اليوم عقوبات جديدة على كوريا الشمالية بسبب برنامجها الصاروخي"
    night1 = [art("https://a.example/1", wire), art("https://b.example/9", wire, feed="f2")]
    store.load_articles(conn, store.start_run(conn, "n1", NIGHT1), night1)
    conn.commit()
    store.load_articles(conn, store.start_run(conn, "n2", NIGHT2),
                        [art("https://a.example/1", wire + " وردت بيونغ يانغ بغضب")])
    conn.commit()
    before_rows, before_sightings = rows(conn), sightings(conn)
    stats = store.load_articles(conn, store.start_run(conn, "n1", NIGHT1), night1)
    conn.commit()
    assert rows(conn) == before_rows
    assert sightings(conn) == before_sightings
    assert (stats.new, stats.updated) == (0, 0)

    # A night that gives an older article the copy's text, run twice.
    draft = "مسودة أولى لخبر عن اجتماع وزراء الخارجية العرب في القاهرة هذا الأسبوع"
    other = "خبر ثان عن الأسواق المالية في الخليج وارتفاع أسعار النفط"
    night3 = datetime(2024, 1, 3, 3, tzinfo=UTC)
    store.load_articles(conn, store.start_run(conn, "n3", night3),
                        [art("https://x.example/1", draft), art("https://y.example/1", other)])
    conn.commit()
    night4 = [art("https://x.example/1", other), art("https://z.example/1", other, feed="f2")]
    night4_ts = datetime(2024, 1, 4, 3, tzinfo=UTC)
    store.load_articles(conn, store.start_run(conn, "n4", night4_ts), night4)
    conn.commit()
    before_rows, before_sightings = rows(conn), sightings(conn)
    store.load_articles(conn, store.start_run(conn, "n4", night4_ts), night4)
    conn.commit()
    assert rows(conn) == before_rows
    assert sightings(conn) == before_sightings


def test_a_copy_finds_the_article_that_took_its_text_in_the_same_batch(
        conn: psycopg.Connection) -> None:
    """One batch edits an article away from a wire text while another takes it, and carries
    a copy of it: the copy is a sighting of the one that holds the text now, not a new row."""
    store.sync_feeds(conn, FEEDS)
    wire = "أعلنت واشنطن اليوم عقوبات جديدة على كوريا الشمالية بسبب برنامجها الصاروخي"
    draft = "مسودة أولى لخبر عن اجتماع وزراء الخارجية العرب في القاهرة هذا الأسبوع"
    store.load_articles(conn, store.start_run(conn, "n1", NIGHT1),
                        [art("https://a.example/1", wire), art("https://b.example/1", draft)])
    conn.commit()
    stats = store.load_articles(conn, store.start_run(conn, "n2", NIGHT2), [
        art("https://c.example/1", wire, feed="f2"),
        art("https://a.example/1", wire + " وردت بيونغ يانغ بغضب"),
        art("https://b.example/1", wire)])
    conn.commit()
    assert stats.new == 0
    per_text = conn.execute("SELECT count(*) FROM articles GROUP BY content_hash").fetchall()
    assert sorted(per_text) == [(1,), (1,)]
    b_id = conn.execute("SELECT id FROM articles WHERE canonical_url = 'https://b.example/1'"
                        ).fetchone()[0]
    assert conn.execute("SELECT article_id FROM article_sightings "
                        "WHERE url = 'https://c.example/1'").fetchall() == [(b_id,)]
