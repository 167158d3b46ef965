"""Arabic search from SQL: the SQL normalizer, light stems, akhbar.search and its ranking."""

from __future__ import annotations

import functools
import gzip
import itertools
import json
import re
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


@functools.cache
def corpus_words() -> list[str]:
    """The distinct words of the corpus texts (every 50th ANT article), normalized."""
    return sorted({w for t in corpus_texts(every=50) for w in re.split(r"\W+", normalize(t))
                   if w})


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
    (["كوريا", "الكوري", "الكورية", "وكوريا", "بالكورية", "الكوريتين", "الكوريتان"], "كور"),
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


def matches(conn: psycopg.Connection, query: str, text: str) -> bool:
    """Whether a text, indexed as the night indexes it, is found by a query."""
    return conn.execute("SELECT akhbar.search_vector(akhbar.normalize(%s), '') "
                        "@@ akhbar.search_query(%s)", (text, query)).fetchone()[0]


@pytest.mark.parametrize(("query", "text"), [
    # A place and its nisba adjective, either way round, and its duals.
    ("إيران", "الحكومة الإيرانية"), ("الإيرانية", "زار طهران عاصمة إيران"),
    ("لبنان", "الجيش اللبناني"), ("اللبناني", "جنوب لبنان"),
    ("اليابان", "الحكومة اليابانية"), ("اليابانية", "زلزال في اليابان"),
    ("السودان", "الجيش السوداني"), ("السوداني", "الخرطوم عاصمة السودان"),
    ("باكستان", "الحكومة الباكستانية"), ("الباكستانية", "انتخابات في باكستان"),
    ("ألمانيا", "المستشارة الألمانية"), ("الألمانية", "زارت ألمانيا"),
    ("كوريا", "قمة الكوريتين"), ("الكورية", "توحيد الكوريتان"), ("الكوريتين", "كوريا"),
    # Diacritics, plurals, prepositions; a name starting with ال typed with or without hamza.
    ("إيران", "الحكومة الإيرانيّة"), ("إيران", "بين الإيرانيين"), ("لبنان", "اللبنانيون"),
    ("ألمانيا", "لألمانيا"), ("ألمانيا", "الألماني"), ("المانيا", "الألمان"),
    ("إلكتروني", "الهجمات الإلكترونية"),
    # More names ending in ا or ين.
    ("أمريكا", "الإدارة الأمريكية"), ("فرنسا", "الرئيس الفرنسي"),
    ("فلسطين", "الفصائل الفلسطينية"), ("البحرين", "الملك البحريني"),
])
def test_a_place_meets_its_adjective(conn: psycopg.Connection, query: str, text: str) -> None:
    assert matches(conn, query, text)


@pytest.mark.parametrize(("query", "text"), [
    # A name's adjective endings come from the name, not from any word ending in ان or ا.
    ("لبنان", "البرلمان"), ("لبنان", "الإنسان والمكان"), ("لبنان", "البيان"),
    ("لبنان", "السودان"), ("لبنان", "البرلمانية"),
    ("إيران", "الإيرادات"), ("إيران", "أيرلندا"), ("إيران", "طهران"),
    ("اليابان", "اليابس"), ("السودان", "السوداء"), ("كوريا", "كورونا"),
    ("ألمانيا", "الأمان"), ("ألمانيا", "الأمانة"),
    # Common words get no ان nisba of their own: science is not secularism, spirit not Rouhani.
    ("العلم", "العلمانية"), ("العلم", "علماني"), ("الروح", "روحاني"), ("العقل", "العقلانية"),
    # The final ا of a word with the article is its own: العليا is not the preposition على.
    ("المحكمة العليا", "حكم المحكمة على المتهم"),
    # The article takes no possessive ending.
    ("الحكومة", "الحكومتها"),
])
def test_nisba_forms_do_not_widen_other_words(conn: psycopg.Connection, query: str,
                                              text: str) -> None:
    assert not matches(conn, query, text)


@pytest.mark.parametrize(("query", "text"), [
    # Outlets seat the same hamza on و, on ي or on the line: one word to the search.
    ("مسؤول", "قال مسئول في الوزارة"), ("مسئول", "أحد المسؤولين"),
    ("المسؤولية", "تتحمل الحكومة مسئولية"), ("رئيس", "قال الرءيس"), ("رءيس", "الرئيس الأمريكي"),
    ("شؤون", "وزير الشئون الخارجية"), ("حلفائها", "واشنطن وحلفاؤها"),
])
def test_hamza_seats_meet(conn: psycopg.Connection, query: str, text: str) -> None:
    assert matches(conn, query, text)


@pytest.mark.parametrize(("query", "text"), [
    # The seats fold into the hamza, not into the letters و and ي that carry it.
    ("سؤال", "سوال"), ("رئيس", "ريس"), ("مسؤول", "مسول"),
])
def test_hamza_seats_stay_apart_from_their_letters(conn: psycopg.Connection, query: str,
                                                   text: str) -> None:
    assert not matches(conn, query, text)


def test_hamza_fold_changes_the_two_seats_only(conn: psycopg.Connection) -> None:
    texts = [normalize(t) for t in corpus_texts(every=500)] + ["ؤئء ؤؤ ئئ أإآ وي", ""]
    folded = [r[0] for r in conn.execute(
        "SELECT akhbar.fold_hamza(t) FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n) "
        "ORDER BY n", (texts,))]
    assert folded == [t.translate(str.maketrans("ؤئ", "ءء")) for t in texts]


def test_search_marks_a_word_with_the_other_hamza_seat(conn: psycopg.Connection) -> None:
    load(conn, "2024-03-01", NIGHT, [
        article("wire", "Wire", "https://news.example/1", "تصريح",
                f"{FILLER} وقال مسئول في الوزارة {FILLER}", NIGHT)])
    (shown,) = search_snippets(conn, "المسؤول")
    assert "وقال <b>مسئول</b> في" in shown


@pytest.mark.parametrize(("query", "text"), [
    # A conjunction or preposition fused onto a frequent word is cut from the query word too.
    ("لعقوبات", "فرض العقوبات"), ("بعقوبات", "عقوبات جديدة"), ("وعقوبات", "العقوبة"),
    ("لمفاوضات", "المفاوضات النووية"), ("وبعقوبات", "بالعقوبات"), ("للعقوبات", "عقوبات"),
])
def test_a_fused_preposition_is_cut_from_a_query_word(conn: psycopg.Connection, query: str,
                                                      text: str) -> None:
    assert matches(conn, query, text)


@pytest.mark.parametrize(("query", "text"), [
    # A first letter that only looks like a proclitic stays: لبنان is not بنان, nor a camera
    # a princess, nor a whole word the hope.
    ("لبنان", "بنان"), ("لبنان", "يشار إليه بالبنان"), ("بريطانيا", "ريطانيا"),
    ("وزير", "زير"), ("كوريا", "وريا"), ("فرنسا", "رنسا"), ("كاميرات", "الأميرات"),
    ("بطاقات", "الطاقات"), ("كامل", "الأمل"), ("كانت", "أنت"), ("كلها", "لها"),
    ("كمال", "المال"),
])
def test_a_letter_of_the_word_is_not_cut_as_a_proclitic(conn: psycopg.Connection, query: str,
                                                         text: str) -> None:
    assert not matches(conn, query, text)


def test_proclitics_are_cut_before_the_common_words_of_the_pipeline(
        conn: psycopg.Connection) -> None:
    # The SQL list is pipeline/data/entity_common_words.txt, hamza seats folded as searched.
    from pipeline.entities import load_common_words

    words = {w.translate(str.maketrans("ؤئ", "ءء")) for w in load_common_words()}
    assert set(conn.execute("SELECT akhbar.common_words()").fetchone()[0]) == words


def test_search_for_a_word_with_its_preposition_finds_it_without(
        conn: psycopg.Connection, searchable: dict[str, int]) -> None:
    rows = dict(conn.execute("SELECT article_id, snippet FROM akhbar.search('لعقوبات')"))
    assert set(rows) == {searchable["korea_sanctions"], searchable["iran_sanctions"],
                         searchable["title_hit"]}
    assert "<b>لعقوبات</b>" in rows[searchable["korea_sanctions"]]
    assert "<b>عقوبات</b>" in rows[searchable["iran_sanctions"]]


@pytest.mark.parametrize(("query", "core"), [
    ("لبنان", "لبن"), ("إيران", "اير"), ("اليابان", "ياب"), ("السودان", "سود"),
    ("باكستان", "باكست"), ("ألمانيا", "مان"), ("كوريا", "كور"), ("فلسطين", "فلسط"),
])
def test_a_name_finds_only_words_that_hold_it_in_corpus_text(
        conn: psycopg.Connection, query: str, core: str) -> None:
    # Every word of real text a name matches holds the name's stem: no other word ending
    # in ان, ين or ا comes along with the adjectives.
    words = [r[0] for r in conn.execute(
        "SELECT w FROM unnest(%s::text[]) AS w JOIN unnest(akhbar.query_forms(%s)) AS f "
        "ON f = w", (corpus_words(), query))]
    assert any(w.endswith(("ي", "يه", "يين", "يون")) for w in words), words
    assert [w for w in words if core not in w] == []


def test_function_words_are_still_dropped(conn: psycopg.Connection) -> None:
    assert conn.execute("SELECT akhbar.query_words('العقوبات على كوريا في الشمال')"
                        ).fetchone() == (["الشمال", "العقوبات", "كوريا"],)
    assert conn.execute("SELECT akhbar.query_terms('العقوبات على كوريا الشمالية')"
                        ).fetchone() == (["شمال", "عقوب", "كور"],)
    # as written, too: الذين stemmed to ذين and stayed
    assert conn.execute("SELECT akhbar.query_words('الذين قالوا')").fetchone() == (["قالوا"],)


def snippet(conn: psycopg.Connection, query: str, original: str,
            normalized: str | None = None) -> str:
    """The snippet akhbar.search makes of a text for a query, given the text normalized as the
    pipeline stores it (or as ``normalized`` says)."""
    return conn.execute("SELECT akhbar.snippet(%s, %s, akhbar.query_forms(%s))",
                        (original, normalize(original) if normalized is None else normalized,
                         query)).fetchone()[0]


FILLER = " ".join(f"كلمة{i}" for i in range(40))


def search_snippets(conn: psycopg.Connection, query: str) -> list[str]:
    return [r[0] for r in conn.execute("SELECT snippet FROM akhbar.search(%s)", (query,))]


def test_snippet_marks_the_teh_forms_the_search_matched(conn: psycopg.Connection) -> None:
    load(conn, "2024-03-01", NIGHT, [
        article("wire", "Wire", "https://news.example/1", "خبر أول",
                f"{FILLER} وأعلنت حكومتها {FILLER}", NIGHT),
        article("wire", "Wire", "https://news.example/2", "خبر ثان",
                f"{FILLER} وقالت الوزارة إن {FILLER}", NIGHT)])
    (shown,) = search_snippets(conn, "الحكومة")
    assert "وأعلنت <b>حكومتها</b>" in shown
    assert shown.startswith("… كلمة29 ") and shown.endswith(" كلمة11 …")
    (shown,) = search_snippets(conn, "قال")
    assert "<b>وقالت</b> الوزارة إن" in shown


def test_snippet_counts_words_as_it_cuts_them(conn: psycopg.Connection) -> None:
    # Dashes and quotes standing alone are words of the original, where the window is cut.
    body = "كلمة - " * 30 + "العقوبات الجديدة « على » الشركات " + "نص آخر " * 30
    load(conn, "2024-03-01", NIGHT, [
        article("wire", "Wire", "https://news.example/1", "خبر", body, NIGHT)])
    (shown,) = search_snippets(conn, "العقوبات")
    assert "- <b>العقوبات</b> الجديدة « على » الشركات" in shown
    assert shown.startswith("… ") and shown.endswith(" …")


def test_snippet_follows_words_that_normalize_to_more_or_fewer(
        conn: psycopg.Connection) -> None:
    # A lone diacritic or tatweel vanishes, a no-break space splits a word in two, ﷺ makes
    # four: the match is still traced to its word of the original.
    odd = ("كلمة\u00a0أخرى " * 10 + "ـ " * 5 + "\u064e " * 5 + "ﷺ " * 5 + "\u200f " * 5)
    text = odd + "قبل العقوبات بعد " + "نص " * 20
    shown = snippet(conn, "عقوبات", text)
    assert "قبل <b>العقوبات</b> بعد" in shown
    assert shown.count("<b>") == 1
    # Given a normalized text that is not the original's, or none, it still finds the match.
    assert "قبل <b>العقوبات</b> بعد" in snippet(conn, "عقوبات", text, "نص العقوبات")
    assert "قبل <b>العقوبات</b> بعد" in conn.execute(
        "SELECT akhbar.snippet(%s, NULL, akhbar.query_forms('عقوبات'))", (text,)).fetchone()[0]


def test_snippet_escapes_the_texts_own_markup(conn: psycopg.Connection) -> None:
    # The snippet is HTML (matches in <b></b>): a body's own <, > and & must read as text.
    text = "قال <script>alert(1)</script> إن R&D العقوبات \"الجديدة\" <b>مهمة</b> " + "نص " * 5
    shown = snippet(conn, "العقوبات", text)
    assert "<script>" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "R&amp;D <b>العقوبات</b> &quot;الجديدة&quot; &lt;b&gt;مهمة&lt;/b&gt;" in shown
    assert shown.count("<b>") == 1


def test_snippet_without_a_match_in_its_text_starts_at_the_beginning(
        conn: psycopg.Connection) -> None:
    shown = snippet(conn, "العقوبات", FILLER)
    assert shown.startswith("كلمة0 ") and "<b>" not in shown and shown.endswith(" …")
    assert snippet(conn, "العقوبات", "") == ""


def test_plain_words_normalize_to_one_word(conn: psycopg.Connection) -> None:
    # The snippet counts a word of these characters as one normalized word without
    # normalizing it: check that each normalizes to one character, never to space or nothing.
    source = conn.execute("SELECT pg_get_functiondef('akhbar.snippet(text, text, text[], "
                          "integer)'::regprocedure)").fetchone()[0]
    (plain,) = re.findall(r"'\^\[([^\]]+)\]\+\$'", source)
    chars = []
    for a, b in re.findall(r"(.)-(.)", plain):
        chars += [chr(c) for c in range(ord(a), ord(b) + 1)]
    chars += list(re.sub(r".-.", "", plain))
    assert len(chars) > 100
    rows = conn.execute("SELECT c, akhbar.normalize('ب' || c || 'ب') FROM unnest(%s::text[]) c",
                        (chars,)).fetchall()
    assert [(c, n) for c, n in rows if len(n) != 3 or n[1].isspace()] == []


PLACES = {
    "iran_adjective": ("قلق من البرنامج", "أعلنت الحكومة الإيرانيّة أمس قرارا جديدا."),
    "lebanon_army": ("انتشار في الجنوب", "قال بيان للجيش اللبناني إن وحداته انتشرت."),
    "parliament": ("جلسة عامة", "ناقش البرلمان الميزانية وقالت النائبة إن الإنسان أولا."),
}


@pytest.fixture
def places(conn: psycopg.Connection) -> dict[str, int]:
    load(conn, "2024-03-01", NIGHT, [
        article("wire", "Wire", f"https://news.example/{key}", title, body, NIGHT)
        for key, (title, body) in PLACES.items()])
    return {key: conn.execute("SELECT id FROM articles WHERE url = %s",
                              (f"https://news.example/{key}",)).fetchone()[0]
            for key in PLACES}


def test_search_finds_a_country_by_its_adjective_and_marks_it(
        conn: psycopg.Connection, places: dict[str, int]) -> None:
    rows = conn.execute("SELECT article_id, snippet FROM akhbar.search('إيران')").fetchall()
    assert rows == [(places["iran_adjective"],
                     "أعلنت الحكومة <b>الإيرانيّة</b> أمس قرارا جديدا.")]
    rows = conn.execute("SELECT article_id, snippet FROM akhbar.search('لبنان')").fetchall()
    assert rows == [(places["lebanon_army"], "قال بيان للجيش <b>اللبناني</b> إن وحداته انتشرت.")]
    said = dict(conn.execute("SELECT article_id, snippet FROM akhbar.search('قال')").fetchall())
    assert said == {places["lebanon_army"]: "<b>قال</b> بيان للجيش اللبناني إن وحداته انتشرت.",
                    places["parliament"]: "ناقش البرلمان الميزانية <b>وقالت</b> النائبة إن "
                                          "الإنسان أولا."}


def test_find_entity_below_the_trigram_default_reaches_unlinked_names(
        conn: psycopg.Connection, searchable: dict[str, int]) -> None:
    conn.execute(
        "INSERT INTO article_entities (article_id, entity_id, surface, surface_norm, type, "
        "field, start_offset, end_offset, method, confidence) VALUES "
        "(%s, NULL, 'فرناندو باتشيكو', 'فرناندو باتشيكو', 'PER', 'body', 0, 15, 'pattern', 0.7)",
        (searchable["korea_only"],))
    sim = conn.execute("SELECT similarity('فرناندو باتشيكو', 'باتريك')").fetchone()[0]
    assert sim < 0.3  # under pg_trgm's own default threshold
    found = lambda floor: [r[0] for r in conn.execute(  # noqa: E731
        "SELECT matched FROM akhbar.find_entity('باتريك', %s::real)", (floor,))]
    assert "فرناندو باتشيكو" in found(sim - 0.01)
    assert "فرناندو باتشيكو" not in found(sim + 0.01)
    # the function leaves the session's threshold as it was
    assert conn.execute("SHOW pg_trgm.similarity_threshold").fetchone() == ("0.3",)


def test_a_query_too_long_to_search_is_refused_clearly(
        conn: psycopg.Connection, searchable: dict[str, int]) -> None:
    # Every word expands into hundreds of forms; a pasted paragraph of distinct words passes
    # PostgreSQL's 1 MB limit on a tsquery, which used to surface as a tsquery error quoting
    # megabytes of forms.
    letters = "بتثجحخدرزسشصضطظعغفقكمن"
    words = ["".join(p) for p in itertools.islice(itertools.permutations(letters, 4), 200)]
    with pytest.raises(psycopg.errors.ProgramLimitExceeded) as refused:
        conn.execute("SELECT * FROM akhbar.search(%s)", (" ".join(words),))
    message = str(refused.value)
    assert "too many words" in message and "200" in message and len(message) < 1000
    conn.rollback()
    # a query well under the limit still runs
    assert conn.execute("SELECT * FROM akhbar.search(%s)", (" ".join(words[:40]),)
                        ).fetchall() == []


@pytest.mark.parametrize(("query", "text"), [
    # The index keeps a decimal number whole (3.5, 1.2.3) and a number after a hyphen signed
    # (F-16 -> -16, 2017-2018 -> -2018); the query finds them as written.
    ("3.5 مليار", "بلغت الأرباح 3.5 مليار دولار"), ("3.5", "ارتفعت بنسبة 3.5%"),
    ("3.5", "وارتفعت الأسعار بـ3.5 في المئة"), ("96.6 مليون", "يبلغ عدد السكان نحو 96.6 مليون"),
    ("إس-400", "صفقة منظومة إس-400 الروسية"), ("إس 400", "صفقة منظومة إس-400 الروسية"),
    ("2018", "موسم 2017-2018"), ("إف-16", "مقاتلات إف-16 الأمريكية"),
    ("كوفيد-19", "جائحة كوفيد-19"), ("1.2.3", "صدر الإصدار 1.2.3 أمس"),
])
def test_numbers_are_found_as_the_index_holds_them(conn: psycopg.Connection, query: str,
                                                   text: str) -> None:
    assert matches(conn, query, text)


@pytest.mark.parametrize(("query", "text"), [
    # A decimal is one number: 3.5 is not any text holding a 3 and a 5.
    ("3.5", "فاز الفريق 3 - 5 على ملعبه"), ("3.5", "قتل 3 وأصيب 5"),
])
def test_a_decimal_is_not_its_digits_apart(conn: psycopg.Connection, query: str,
                                           text: str) -> None:
    assert not matches(conn, query, text)


def test_snippet_marks_decimal_and_hyphenated_numbers(conn: psycopg.Connection) -> None:
    assert snippet(conn, "3.5 مليار", "بلغت الأرباح 3.5 مليار دولار") \
        == "بلغت الأرباح <b>3.5</b> <b>مليار</b> دولار"
    assert snippet(conn, "3.5", "وارتفعت الأسعار بـ3.5 في المئة") \
        == "وارتفعت الأسعار <b>بـ3.5</b> في المئة"
    assert snippet(conn, "2018", "انتهى موسم 2017-2018 أمس") == "انتهى موسم <b>2017-2018</b> أمس"
