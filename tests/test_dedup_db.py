"""The persistent copy index in Postgres: nights, reruns, backfills and separate workers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import psycopg
from test_dedup import BACKGROUND, CANCELLED, FULL, LEAD

from pipeline.dedup import DedupConfig
from pipeline.dedup_db import dedup_articles

T0 = datetime(2018, 5, 10, 8, 0, tzinfo=UTC)


def add_article(conn: psycopg.Connection, key: str, text: str, hours: float,
                title: str = "قمة سنغافورة") -> int:
    when = T0 + timedelta(hours=hours)
    row = conn.execute(
        "INSERT INTO articles (canonical_url, url, outlet, title, body, title_norm, body_norm, "
        "content_hash, published_at, first_seen, last_seen) "
        "VALUES (%s, %s, 'test', %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (f"https://example.org/{key}", f"https://example.org/{key}", title, text, title, text,
         key, when, when, when),
    ).fetchone()
    assert row is not None
    return int(row[0])


def copies(conn: psycopg.Connection) -> dict[int, tuple]:
    return {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT article_id, cluster_id, duplicate_of, matched_article_id, kind, similarity, "
            "config_version, wire_credits FROM dedup_copies"
        )
    }


def snapshot(conn: psycopg.Connection) -> tuple:
    members = conn.execute("SELECT * FROM dedup_members ORDER BY article_id").fetchall()
    clusters = conn.execute("SELECT * FROM dedup_clusters ORDER BY id").fetchall()
    bands = conn.execute("SELECT count(*) FROM dedup_bands").fetchone()
    return members, clusters, bands


def test_every_article_gets_a_cluster_and_reruns_change_nothing(
    conn: psycopg.Connection,
) -> None:
    full = add_article(conn, "full", "واشنطن (أ ف ب) - " + FULL, 0)
    lead = add_article(conn, "lead", LEAD, 1)
    other = add_article(conn, "cancelled", "\n".join([CANCELLED, *BACKGROUND]), 2)
    conn.commit()
    stats = dedup_articles(conn, [full, lead, other])
    conn.commit()
    assert (stats.articles, stats.unique, stats.near, stats.exact) == (3, 2, 1, 0)
    rows = copies(conn)
    assert set(rows) == {full, lead, other}
    assert rows[lead][:4] == (full, full, full, "near")
    assert rows[full][1:4] == (None, None, "unique")
    assert rows[other][0] == other and rows[other][3] == "unique"
    assert rows[full][6] == ["AFP"]
    assert rows[lead][4] >= 0.95 and rows[lead][6] == []
    version = DedupConfig().version
    assert {r[5] for r in rows.values()} == {version}
    assert conn.execute("SELECT params->>'shingle_size' FROM dedup_configs WHERE version = %s",
                        (version,)).fetchone() == ("4",)
    before = snapshot(conn)
    again = dedup_articles(conn, [full, lead, other])
    conn.commit()
    assert again.already_done == 3 and again.unique + again.near + again.exact == 0
    assert snapshot(conn) == before


def test_tonights_copy_finds_last_weeks_story_from_another_worker(db_url: str) -> None:
    with psycopg.connect(db_url) as worker1:
        old = add_article(worker1, "old", "\n".join([LEAD, BACKGROUND[0]]), 0)
        worker1.commit()
        dedup_articles(worker1, [old])
        worker1.commit()
    # A week later, a fresh connection (another worker, nothing in memory) sees two copies:
    # one exact (diacritics added) and one fuller, which takes over as canonical.
    with psycopg.connect(db_url) as worker2:
        exact = add_article(worker2, "exact", "\n".join([LEAD, BACKGROUND[0]]).replace(
            "أعلن", "أَعْلَنَ"), 24 * 7)
        fuller = add_article(worker2, "fuller", FULL, 24 * 7 + 1)
        unrelated = add_article(worker2, "unrelated", "\n".join([CANCELLED, *BACKGROUND]),
                                24 * 7 + 2)
        worker2.commit()
        stats = dedup_articles(worker2, [exact, fuller, unrelated])
        worker2.commit()
        assert stats.stored_candidates >= 1
        assert stats.canonical_changed == 1
        rows = copies(worker2)
    assert rows[exact][0] == rows[fuller][0] == rows[old][0] == old  # the cluster id stays
    assert rows[fuller][1] is None and rows[fuller][3] == "unique"
    assert rows[old][1] == fuller and rows[old][3] == "near"
    assert rows[exact][1] == fuller and rows[exact][3] == "exact"
    assert rows[exact][2] == old and rows[exact][4] == 1.0
    assert rows[unrelated][0] == unrelated
    with psycopg.connect(db_url) as check:
        size, canonical = check.execute(
            "SELECT size, canonical_article_id FROM dedup_clusters WHERE id = %s", (old,)
        ).fetchone()
        assert (size, canonical) == (3, fuller)
        banded = {r[0] for r in check.execute("SELECT DISTINCT article_id FROM dedup_bands")}
        assert banded == {old, fuller, unrelated}  # the exact copy adds no band keys


def test_backfill_of_an_older_copy_joins_the_existing_cluster(conn: psycopg.Connection) -> None:
    newer = add_article(conn, "newer", FULL, 48)
    conn.commit()
    dedup_articles(conn, [newer])
    conn.commit()
    older = add_article(conn, "older", "\n".join([LEAD, *BACKGROUND[:3]]), 0)
    conn.commit()
    stats = dedup_articles(conn, [older, newer])
    conn.commit()
    assert stats.already_done == 1 and stats.near == 1
    rows = copies(conn)
    assert rows[older][:2] == (newer, newer)
    assert rows[newer][1] is None


def test_many_articles_in_chunks_match_the_in_memory_result(conn: psycopg.Connection) -> None:
    from pipeline.dedup import InputArticle, dedup_records

    texts = {}
    for i in range(12):
        base = "\n".join([f"الخبر رقم {i}. " + LEAD, *BACKGROUND[: 1 + i % 5]])
        texts[f"n{i}"] = base
        texts[f"n{i}-copy"] = base.replace("البيت الأبيض", "البيت الأبيض الأمريكي")
    ids = {key: add_article(conn, key, text, n) for n, (key, text) in enumerate(texts.items())}
    conn.commit()
    dedup_articles(conn, list(ids.values()))
    conn.commit()
    stored = copies(conn)
    memory = {
        r["id"]: r
        for r in dedup_records(
            [InputArticle(k, "قمة سنغافورة", t, T0 + timedelta(hours=n))
             for n, (k, t) in enumerate(texts.items())]
        )
    }
    key_of = {v: k for k, v in ids.items()}
    for key, aid in ids.items():
        cluster, duplicate_of = stored[aid][0], stored[aid][1]
        assert key_of[cluster] == memory[key]["cluster_id"]
        assert (key_of[duplicate_of] if duplicate_of else None) == memory[key]["duplicate_of"]


def test_a_story_with_many_stored_copies_reads_only_its_best_candidates(
    conn: psycopg.Connection,
) -> None:
    """The eleventh stored copy does not make the twelfth read eleven: the probe is bounded."""
    from pipeline.dedup import InputArticle, dedup_records

    cfg = DedupConfig(max_candidates=3)
    texts = {f"c{i}": FULL + f"\nوفي تحديث رقم {i} قال المتحدث إن الموعد لم يتغير."
             for i in range(12)}
    ids = {key: add_article(conn, key, text, n) for n, (key, text) in enumerate(texts.items())}
    conn.commit()
    first = dedup_articles(conn, list(ids.values())[:11], cfg)
    conn.commit()
    last = dedup_articles(conn, list(ids.values())[11:], cfg)
    conn.commit()
    assert first.near == 10 and first.unique == 1
    assert last.near == 1
    assert last.stored_candidates == 3
    stored = copies(conn)
    assert len({stored[aid][0] for aid in ids.values()}) == 1
    # The in-memory path verifies the same three and links every copy the same way.
    key_of = {v: k for k, v in ids.items()}
    memory = {
        r["id"]: r
        for r in dedup_records(
            [InputArticle(k, "قمة سنغافورة", t, T0 + timedelta(hours=n))
             for n, (k, t) in enumerate(texts.items())], cfg,
        )
    }
    for key, aid in ids.items():
        matched = stored[aid][2]
        assert (key_of[matched] if matched else None) == memory[key]["matched_id"]


def test_one_copy_a_night_with_a_promotion_matches_the_in_memory_result(
    conn: psycopg.Connection,
) -> None:
    """One copy a night, a fuller one promoted half way: every decision is read back from
    storage, and they are the in-memory path's."""
    from pipeline.dedup import InputArticle, dedup_records

    cfg = DedupConfig(max_candidates=3)
    short = "\n".join([LEAD, *BACKGROUND[:2]])
    texts = {f"c{i}": (short if i < 6 else FULL)
             + f"\nوفي تحديث رقم {i} قال المتحدث إن الموعد لم يتغير." for i in range(12)}
    ids = {key: add_article(conn, key, text, 24 * n) for n, (key, text) in enumerate(texts.items())}
    conn.commit()
    nights = []
    for aid in ids.values():
        nights.append(dedup_articles(conn, [aid], cfg))
        conn.commit()
    stored = copies(conn)
    assert len({stored[aid][0] for aid in ids.values()}) == 1
    assert stored[ids["c0"]][1] == ids["c6"]  # the fuller copy became canonical
    assert nights[-1].stored_candidates == 3
    assert nights[-1].stored_members == len(ids) - 1  # the whole stored cluster
    key_of = {v: k for k, v in ids.items()}
    memory = {
        r["id"]: r
        for r in dedup_records(
            [InputArticle(k, "قمة سنغافورة", t, T0 + timedelta(hours=24 * n))
             for n, (k, t) in enumerate(texts.items())], cfg,
        )
    }
    for key, aid in ids.items():
        cluster, duplicate_of, matched = stored[aid][:3]
        assert key_of[cluster] == memory[key]["cluster_id"]
        assert (key_of[duplicate_of] if duplicate_of else None) == memory[key]["duplicate_of"]
        assert (key_of[matched] if matched else None) == memory[key]["matched_id"]


ECONOMY = ("وأوضح الوزير في تصريحات للصحفيين عقب الاجتماع أن الجانبين بحثا سبل تعزيز التبادل "
           "التجاري وزيادة الاستثمارات المشتركة في قطاعات الطاقة والنقل والزراعة، مشيرا إلى أن "
           "اللجنة المشتركة ستجتمع الشهر المقبل لمتابعة تنفيذ ما تم الاتفاق عليه.")


def edit(conn: psycopg.Connection, article_id: int, text: str, hours: float) -> None:
    """New text at a stored article's URL, as a later night writes it (pipeline.store)."""
    conn.execute("UPDATE articles SET body = %s, body_norm = %s, content_hash = md5(%s), "
                 "updated_at = %s, last_seen = %s WHERE id = %s",
                 (text, text, text, T0 + timedelta(hours=hours), T0 + timedelta(hours=hours),
                  article_id))
    conn.commit()


def test_an_edited_article_is_decided_again_on_its_new_text(conn: psycopg.Connection) -> None:
    full = add_article(conn, "full", FULL, 0)
    lead = add_article(conn, "lead", "\n".join([LEAD, BACKGROUND[0]]), 1)
    other = add_article(conn, "other", "\n".join([CANCELLED, *BACKGROUND]), 2)
    conn.commit()
    dedup_articles(conn, [full, lead, other])
    conn.commit()
    assert copies(conn)[lead][:2] == (full, full)

    # A later night finds the founder's text replaced by the other story's, word for word:
    # it is now an exact copy of that story, and its old copy stands alone.
    edit(conn, full, "\n".join([CANCELLED, *BACKGROUND]), 48)
    stats = dedup_articles(conn, [full])
    conn.commit()
    rows = copies(conn)
    assert rows[full][:4] == (other, other, other, "exact")
    assert rows[lead][:4] == (lead, None, None, "unique")
    assert rows[other][:4] == (other, None, None, "unique")
    assert (stats.already_done, stats.edited, stats.exact, stats.unique) == (0, 1, 1, 1)
    assert dict(conn.execute("SELECT id, size FROM dedup_clusters").fetchall()) == {
        lead: 1, other: 2}
    # The old text left the index: no band key of it finds the article any more.
    banded = {r[0] for r in conn.execute("SELECT DISTINCT article_id FROM dedup_bands")}
    assert banded == {lead, other}  # an exact copy adds no band keys
    before = snapshot(conn)
    again = dedup_articles(conn, [full, lead, other])
    conn.commit()
    assert (again.already_done, again.edited) == (3, 0) and snapshot(conn) == before

    # Edited once more, into a story of its own: it is no copy of anything any more.
    edit(conn, full, ECONOMY * 2, 72)
    dedup_articles(conn, [full])
    conn.commit()
    rows = copies(conn)
    assert rows[full][:4] == (full, None, None, "unique")
    assert rows[other][:4] == (other, None, None, "unique")
    assert dict(conn.execute("SELECT id, size FROM dedup_clusters").fetchall()) == {
        lead: 1, other: 1, full: 1}
    assert conn.execute("SELECT count(*) FROM dedup_bands WHERE article_id = %s",
                        (full,)).fetchone() == (2 * DedupConfig().bands,)


def test_editing_a_copy_keeps_the_founders_story_id(conn: psycopg.Connection) -> None:
    """A cluster keeps its founder's id when another member's text is edited, even where a
    backfill brought in a copy older than the founder."""
    newer = add_article(conn, "newer", FULL, 48)
    conn.commit()
    dedup_articles(conn, [newer])
    conn.commit()
    older = add_article(conn, "older", "\n".join([LEAD, *BACKGROUND[:3]]), 0)  # a backfill
    conn.commit()
    dedup_articles(conn, [older])
    conn.commit()
    third = add_article(conn, "third", "واشنطن (رويترز) - " + FULL, 50)
    conn.commit()
    dedup_articles(conn, [third])
    conn.commit()
    assert {aid: row[0] for aid, row in copies(conn).items()} == {
        newer: newer, older: newer, third: newer}
    edit(conn, third, ECONOMY * 2, 72)  # only the third copy changes
    assert dedup_articles(conn, [third]).edited == 1
    conn.commit()
    rows = copies(conn)
    assert (rows[newer][0], rows[older][0], rows[third][0]) == (newer, newer, third)
    assert rows[third][3] == "unique"
