"""Arabic search from SQL: the SQL normalizer, light stems, akhbar.search and its ranking."""

from __future__ import annotations

import gzip
import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from warehouse_data import article, load

from pipeline import store
from pipeline.normalize import normalize

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
NIGHT = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)


def corpus_texts(every: int = 250) -> list[str]:
    """Titles and bodies of the development articles and of every n-th ANT article."""
    texts = []
    for line in (CORPUS / "dev" / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        texts += [record.get("title") or "", record.get("text") or ""]
    with gzip.open(CORPUS / "ant-v2.1.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in itertools.islice(f, 0, None, every):
            record = json.loads(line)
            texts += [record.get("title") or "", record.get("text") or ""]
    return [t for t in texts if t]


def test_sql_normalizer_agrees_with_the_pipeline_on_corpus_text(
        conn: psycopg.Connection) -> None:
    texts = corpus_texts()
    assert len(texts) > 250
    rows = conn.execute("SELECT akhbar.normalize(t) FROM unnest(%s::text[]) "
                        "WITH ORDINALITY AS u(t, n) ORDER BY n", (texts,)).fetchall()
    disagree = [(t[:80], normalize(t)[:80], sql[:80])
                for t, (sql,) in zip(texts, rows, strict=True) if normalize(t) != sql]
    assert disagree == []


def test_sql_normalizer_agrees_on_every_arabic_character(conn: psycopg.Connection) -> None:
    chars = [chr(cp) for cp in itertools.chain(range(0x0600, 0x0700), range(0x0750, 0x0780),
                                               range(0xFB50, 0xFDFF), range(0xFE70, 0xFEFD))]
    words = ["ك" + c + "ت" for c in chars]  # inside a word, as in running text
    rows = conn.execute("SELECT akhbar.normalize(t) FROM unnest(%s::text[]) "
                        "WITH ORDINALITY AS u(t, n) ORDER BY n", (words,)).fetchall()
    disagree = [(hex(ord(c)), normalize(w), sql) for c, w, (sql,) in
                zip(chars, words, rows, strict=True) if normalize(w) != sql]
    assert disagree == []


@pytest.mark.parametrize(("forms", "stem"), [
    (["العقوبات", "عقوبات", "عقوبة", "والعقوبات", "بالعقوبات", "للعقوبات"], "عقوب"),
    (["كوريا", "الكوري", "الكورية", "وكوريا", "بالكورية"], "كور"),
    (["الشمالية", "الشمالي", "شمال"], "شمال"),
])
def test_light_stems_meet(conn: psycopg.Connection, forms: list[str], stem: str) -> None:
    rows = conn.execute("SELECT DISTINCT akhbar.light_stem(akhbar.normalize(f)) FROM "
                        "unnest(%s::text[]) f", (forms,)).fetchall()
    stems = {r[0] for r in rows}
    # A form with a bare preposition keeps it (وكوريا -> وكور); the query side adds it back.
    assert stem in stems
    assert all(s.endswith(stem) and len(s) - len(stem) <= 2 for s in stems)


def test_light_stem_keeps_three_letters(conn: psycopg.Connection) -> None:
    row = conn.execute("SELECT akhbar.light_stem('علي عام بان الصين للعام يده')").fetchone()
    assert row == ("علي عام بان صين عام يده",)


KOREA_SANCTIONS = ("واشنطن تمضي في فرض عقوبات جديدة",
                   "قالت وزارة الخزانة إنها ستلجأ لعقوبات أشد على النظام الكوري الشمالي بسبب "
                   "برنامجه الصاروخي، بعد تجربة إطلاق جديدة.")
KOREA_ONLY = ("زعيم كوريا الشمالية يتفقد مصنعا",
              "زار الزعيم الكوري الشمالي مصنعا للجرارات في إقليم جنوبي.")
IRAN_SANCTIONS = ("عقوبات أمريكية على إيران", "فرضت واشنطن عقوبات على شركات نفط إيرانية.")
TITLE_HIT = ("العقوبات على كوريا الشمالية تتوسع",
             "أعلن مجلس الأمن قائمة جديدة تشمل شركات شحن.")


@pytest.fixture
def searchable(conn: psycopg.Connection) -> dict[str, int]:
    docs = {"korea_sanctions": KOREA_SANCTIONS, "korea_only": KOREA_ONLY,
            "iran_sanctions": IRAN_SANCTIONS, "title_hit": TITLE_HIT}
    load(conn, "2024-03-01", NIGHT, [
        article("wire", "Wire", f"https://news.example/{key}", title, body, NIGHT)
        for key, (title, body) in docs.items()])
    return {key: conn.execute("SELECT id FROM articles WHERE url = %s",
                              (f"https://news.example/{key}",)).fetchone()[0]
            for key in docs}


def test_search_finds_clitic_and_adjective_forms_ranked_with_a_snippet(
        conn: psycopg.Connection, searchable: dict[str, int]) -> None:
    rows = conn.execute("SELECT article_id, rank, snippet, outlet, title, url "
                        "FROM akhbar.search('العقوبات على كوريا الشمالية')").fetchall()
    found = [r[0] for r in rows]
    # Every word must match: Korea without sanctions and sanctions without Korea are out.
    assert set(found) == {searchable["korea_sanctions"], searchable["title_hit"]}
    # The words in the title weigh more than the same words in the body.
    assert found[0] == searchable["title_hit"]
    assert rows[0][1] > rows[1][1] > 0
    snippet = dict((r[0], r[2]) for r in rows)[searchable["korea_sanctions"]]
    assert "<b>لعقوبات</b>" in snippet
    assert "<b>الكوري</b> <b>الشمالي</b>" in snippet
    assert rows[1][3] == "Wire"


def test_search_query_is_normalized_like_the_text(
        conn: psycopg.Connection, searchable: dict[str, int]) -> None:
    # Diacritics, tatweel, hamza on alef and a final ى in the query change nothing.
    plain = conn.execute("SELECT article_id FROM akhbar.search('عقوبات إيران')").fetchall()
    marked = conn.execute("SELECT article_id FROM akhbar.search('عُقُوبـــات إِيرانَ')").fetchall()
    assert plain == marked == [(searchable["iran_sanctions"],)]


def test_search_of_only_function_words_or_hostile_text_returns_nothing(
        conn: psycopg.Connection, searchable: dict[str, int]) -> None:
    for query in ("على في من", "", "'); DROP TABLE articles; --", "!!! & | :*"):
        assert conn.execute("SELECT * FROM akhbar.search(%s)", (query,)).fetchall() == []
    assert conn.execute("SELECT count(*) FROM articles").fetchone() == (4,)


def test_search_uses_the_index(conn: psycopg.Connection, searchable: dict[str, int]) -> None:
    conn.execute("SET enable_seqscan = off")
    plan = "\n".join(r[0] for r in conn.execute(
        "EXPLAIN SELECT article_id FROM article_search "
        "WHERE search_vector @@ akhbar.search_query('العقوبات على كوريا')"))
    assert "article_search_idx" in plan


def test_database_without_utf8_ctype_is_refused(pg_admin_url: str) -> None:
    name = "akhbar_ctype_c"
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f"CREATE DATABASE \"{name}\" ENCODING 'UTF8' LC_COLLATE 'C' "
                      "LC_CTYPE 'C' TEMPLATE template0")
    try:
        url = pg_admin_url.rsplit("/", 1)[0] + "/" + name
        with psycopg.connect(url) as conn, pytest.raises(store.DatabaseNotUtf8, match="C.UTF-8"):
            store.migrate(conn)
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_find_entity_by_fuzzy_name(conn: psycopg.Connection,
                                   searchable: dict[str, int]) -> None:
    conn.execute(
        "INSERT INTO entities (id, type, name_en, name_ar, aliases) VALUES "
        "('Q56226', 'PER', 'Kim Jong Un', 'كيم جونغ أون', ARRAY['كيم جونج اون', 'كيم يونغ أون']),"
        "('Q18808', 'LOC', 'Pyongyang', 'بيونغ يانغ', ARRAY['بيونغيانغ']),"
        "('Q7747', 'PER', 'Vladimir Putin', 'فلاديمير بوتين', ARRAY['بوتين', 'بوتن'])")
    article_id = searchable["korea_only"]
    conn.execute(
        "INSERT INTO article_entities (article_id, entity_id, surface, surface_norm, type, "
        "field, start_offset, end_offset, method, confidence) VALUES "
        "(%s, NULL, 'ري يونغ هو', 'ري يونغ هو', 'PER', 'body', 0, 10, 'pattern', 0.7),"
        "(%s, 'Q56226', 'كيم', 'كيم', 'PER', 'title', 0, 3, 'gazetteer', 0.9)",
        (article_id, article_id))
    top = conn.execute("SELECT entity_id, name_en, mentions FROM akhbar.find_entity(%s)",
                       ("كيم جونغ اون",)).fetchone()
    assert top == ("Q56226", "Kim Jong Un", 1)
    # a spelling the gazetteer does not list still finds its entity
    assert conn.execute("SELECT entity_id FROM akhbar.find_entity('بيونج يانج')"
                        ).fetchone() == ("Q18808",)
    unlinked = conn.execute("SELECT entity_id, matched, mentions FROM "
                            "akhbar.find_entity('ري يونج هو')").fetchall()
    assert (None, "ري يونغ هو", 1) in unlinked
    assert conn.execute("SELECT * FROM akhbar.find_entity('ماكرون')").fetchall() == []
