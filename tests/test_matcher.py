"""The clitic-aware phrase matcher."""

from pipeline.matcher import Hit, Kind, Matcher, Term


def keys(hits: list[Hit]) -> list[object]:
    return [h.key for h in hits]


def test_word_terms_take_clitics_plurals_and_possessives() -> None:
    m = Matcher([Term("عقوبات", "sanctions")])
    for form in ("عقوبات", "العقوبات", "لعقوبات", "بالعقوبات", "والعقوبات", "عقوباتها", "للعقوبات",
                 "وبالعقوبات", "فبالعقوبات", "وكالعقوبات"):
        assert keys(m.find(f"تحدث عن {form} أمس")) == ["sanctions"], form
    # A term written with the article takes the article after any proclitic pair too.
    phrase = Matcher([Term("العقوبات الاقتصادية", "economic")])
    assert keys(phrase.find("وبالعقوبات الاقتصادية تضغط واشنطن")) == ["economic"]
    assert m.find("تحدث عن مستعقوبات أمس") == []


def test_teh_marbuta_forms() -> None:
    m = Matcher([Term("عقوبة", "penalty")])
    for form in ("عقوبة", "العقوبة", "عقوبته", "عقوبتها", "عقوبات", "بعقوباتهم"):
        assert keys(m.find(form)) == ["penalty"], form


def test_indefinite_phrases_match_in_the_accusative() -> None:
    m = Matcher([Term("حظر نفطي", "embargo"), Term("قصف أوكراني", "shelling")])
    assert keys(m.find("فرضت واشنطن حظرا نفطيا شاملا")) == ["embargo"]
    assert keys(m.find("فرضت واشنطن حظرًا نفطيًا شاملا")) == ["embargo"]
    assert keys(m.find("وشن الجيش قصفاً أوكرانياً على البلدة")) == ["shelling"]
    assert m.find("فرضت حظرا على النفط") == []


def test_a_lone_word_takes_no_accusative_alif() -> None:
    # حزب heads party names; "أسس حزبا" is followed by adjectives, not by a name.
    m = Matcher([Term("حزب", "party")])
    assert m.find("أسس حزبا جديدا") == []
    assert keys(m.find("أسس حزب الأمة")) == ["party"]


def test_names_take_proclitics_but_not_the_article() -> None:
    m = Matcher([Term("سول", "seoul", Kind.NAME)])
    assert keys(m.find("وصل إلى سول ثم غادر لسول")) == ["seoul", "seoul"]
    assert m.find("يحب موسيقى السول") == []
    assert m.find("قال رسول") == []


def test_names_written_with_the_article() -> None:
    m = Matcher([Term("الأمم المتحدة", "un", Kind.NAME)])
    hits = m.find("قدم شكوى للأمم المتحدة وإلى الأمم المتحدة")
    assert [h.surface for h in hits] == ["للأمم المتحدة", "الأمم المتحدة"]


def test_longest_match_wins_and_offsets_are_original() -> None:
    m = Matcher([Term("كوريا", "korea", Kind.NAME), Term("كوريا الشمالية", "nk", Kind.NAME)])
    text = "أطلقت كوريا الشماليّة صاروخاً"
    hits = m.find(text)
    assert keys(hits) == ["nk"]
    assert text[hits[0].start:hits[0].end] == "كوريا الشماليّة" == hits[0].surface
    assert keys(m.find(text, overlapping=True)) == ["nk", "korea"] or \
        sorted(map(str, keys(m.find(text, overlapping=True)))) == ["korea", "nk"]


def test_spelling_variants_meet_after_normalization() -> None:
    m = Matcher([Term("كيم جونغ أون", "kju", Kind.NAME)])
    assert keys(m.find("التقى كيم جونغ اون بالرئيس")) == ["kju"]
    assert keys(m.find("التقى كيمْ جونغ أُون")) == ["kju"]


def test_exact_terms_take_nothing() -> None:
    m = Matcher([Term("أ ف ب", "afp", Kind.EXACT)])
    assert keys(m.find("(أ ف ب)")) == ["afp"]


def test_empty_matcher_finds_nothing() -> None:
    assert Matcher([]).find("أي نص") == []
