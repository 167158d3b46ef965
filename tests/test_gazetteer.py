"""The entity gazetteer: coverage of the bundled file and clear errors for bad ones."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from pipeline.gazetteer import (
    DEFAULT_PATH,
    GazetteerError,
    load_gazetteer,
    norm_alias,
    parse_gazetteer,
)


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


def test_bundled_gazetteer_is_large_and_typed(gaz) -> None:
    types = Counter(e.type for e in gaz)
    assert len(gaz) >= 1000
    assert min(types[t] for t in ("PER", "ORG", "LOC")) >= 250
    for e in gaz:
        assert re.fullmatch(r"Q[1-9]\d*|akhbar:[a-z0-9]+(-[a-z0-9]+)*", e.id), e.id
        assert e.aliases or e.weak, e.id


@pytest.mark.parametrize("spellings, english", [
    (["كيم جونغ أون", "كيم جونج اون", "كيم يونغ أون"], "Kim Jong Un"),
    (["بوتين", "بوتن", "فلاديمير بوتين"], "Vladimir Putin"),
    (["زيلينسكي", "زيلينسكى"], "Volodymyr Zelensky"),
    (["بيونغ يانغ", "بيونغيانغ"], "Pyongyang"),
    (["فرانس برس", "أ ف ب", "وكالة فرانس برس"], "AFP"),
    (["مجلس الأمن الدولي"], "United Nations Security Council"),
    (["الوكالة الدولية للطاقة الذرية"], "International Atomic Energy Agency"),
    (["حلف شمال الأطلسي", "الناتو"], "NATO"),
    (["مكتب مراقبة الأصول الأجنبية", "أوفاك"], "Office of Foreign Assets Control"),
    (["وزارة الخزانة الأمريكية"], "US Treasury"),
    (["الكرملين"], "Kremlin"),
    (["البيت الأبيض"], "White House"),
    (["البنتاغون"], "Pentagon"),
    (["مجموعة السبع"], "G7"),
    (["رويترز"], "Reuters"),
    (["أسوشيتد برس"], "Associated Press"),
    (["وكالة الأنباء المركزية الكورية"], "Korean Central News Agency"),
    (["يونهاب"], "Yonhap News Agency"),
    (["تاس"], "TASS"),
    (["ريا نوفوستي"], "RIA Novosti"),
    (["يونغبيون"], "Yongbyon Nuclear Scientific Research Center"),
    (["بونغي ري"], "Punggye-ri"),
    (["بانمونجوم"], "Panmunjom"),
    (["المنطقة منزوعة السلاح"], "Korean Demilitarized Zone"),
    (["محطة سوهاي"], "Sohae Satellite Launching Station"),
    (["قاعدة فوستوشني الفضائية", "فوستوشني"], "Vostochny Cosmodrome"),
    (["واشنطن"], "Washington"),
    (["كوريا الشمالية"], "North Korea"),
    (["منطقة دونيتسك"], "Donetsk Oblast"),
    (["باخموت"], "Bakhmut"),
    (["زابوريجيا"], "Zaporizhzhia"),
])
def test_issue_spellings_resolve_to_one_entity(gaz, spellings: list[str], english: str) -> None:
    index = gaz.strong_index()
    for spelling in spellings:
        assert index[norm_alias(spelling)].en == english, spelling


def test_officials_of_each_country_across_the_years(gaz) -> None:
    names = {e.en for e in gaz}
    for person in ("Moon Jae-in", "Yoon Suk Yeol", "Lee Jae-myung", "Choe Son Hui", "Ri Yong Ho",
                   "Sergei Lavrov", "Sergei Shoigu", "Andrei Belousov", "Dmitry Peskov",
                   "Dmytro Kuleba", "Andrii Sybiha", "Rustem Umerov", "Mike Pompeo",
                   "Antony Blinken", "Marco Rubio", "Jim Mattis", "Lloyd Austin", "Pete Hegseth",
                   "Wang Yi", "Shinzo Abe", "Fumio Kishida", "Shigeru Ishiba", "Hassan Rouhani",
                   "Masoud Pezeshkian", "Abbas Araghchi", "Federica Mogherini", "Kaja Kallas",
                   "Olaf Scholz", "Friedrich Merz", "Jean-Yves Le Drian", "Theresa May",
                   "Keir Starmer", "António Guterres", "Rafael Grossi", "Jens Stoltenberg"):
        assert person in names, person


def _yaml(body: str) -> str:
    return "version: 1\nentities:\n" + body


def test_missing_field_names_line_and_field() -> None:
    text = _yaml("- {id: Q1, type: LOC, en: A, ar: ألف}\n- {id: Q2, type: LOC, ar: باء}\n")
    with pytest.raises(GazetteerError, match=r"<gazetteer>:4: entity #2: missing field 'en'"):
        parse_gazetteer(text)


@pytest.mark.parametrize("entry, message", [
    ("- {id: Q1, type: GPE, en: A, ar: ألف}", r":3: entity Q1: field 'type' must be one of"),
    ("- {id: wd-1, type: LOC, en: A, ar: ألف}", r":3: entity wd-1: field 'id' must be"),
    ("- {id: Q1, type: LOC, en: A, ar: ألف, alias: [باء]}",
     r":3: entity #1: unknown field 'alias'"),
    ("- {id: Q1, type: LOC, en: A, ar: ألف, aka: باء}",
     r":3: entity Q1: field 'aka' must be a list"),
    ("- {id: Q1, type: LOC, en: A, ar: ألف, ctx: [باء]}", r"'ctx' is only used with 'weak'"),
    ("- {id: Q1, type: LOC, en: A, ar: إن}", r"too short or a common word; list it under 'weak'"),
    ("- {id: Q1, type: LOC, en: A, ar: هذه}", r"too short or a common word; list it under 'weak'"),
    ("- {id: Q1, type: PER, en: A, ar: الذي}", r"too short or a common word; list it under 'weak'"),
    # Weak spellings only and no context: nothing could ever license them.
    ("- {id: Q1, type: LOC, en: A, ar: ألف, weak: [ألف]}",
     r"entity Q1: every spelling is weak and there is no 'ctx'"),
    ("- [Q1, LOC]", r":3: entity #1: expected a mapping"),
    ("- {id: Q1, type: LOC, en: A, ar: ألف, [aka]: [باء]}",
     r":3: entity #1: a key must be a plain name, not a list or mapping"),
    # A number is not a spelling: "123" would be linked wherever the figure is printed.
    ("- {id: Q1, type: LOC, en: A, ar: 123}",
     r":3: entity Q1: field 'ar' must be a non-empty string, got 123 \(quote it"),
    ("- {id: Q1, type: LOC, en: 2024, ar: ألف}", r":3: entity Q1: field 'en' must be a non-empty"),
    ("- {id: Q1, type: LOC, en: A, ar: ألف, aka: [باء, 7]}", r":3: entity Q1: field 'aka' must"),
])
def test_bad_entries_are_explained(entry: str, message: str) -> None:
    with pytest.raises(GazetteerError, match=message):
        parse_gazetteer(_yaml(entry + "\n"))


def test_duplicate_strong_alias_across_entities_names_both_lines() -> None:
    text = _yaml("- {id: Q1, type: LOC, en: A, ar: كوريا الشمالية}\n"
                 "- {id: Q2, type: LOC, en: B, ar: باء, aka: [كوريا الشماليّة]}\n")
    with pytest.raises(GazetteerError, match=r":4: field 'aka': alias 'كوريا الشماليّة' of Q2 "
                                             r"\(B\) duplicates 'كوريا الشمالية' of Q1 \(A\) "
                                             r"at line 3"):
        parse_gazetteer(text)


def test_weak_alias_may_be_shared_but_not_strong_elsewhere() -> None:
    ok = _yaml("- {id: Q1, type: LOC, en: A, ar: ألف, weak: [كوريا]}\n"
               "- {id: Q2, type: LOC, en: B, ar: باء, weak: [كوريا]}\n")
    assert len(parse_gazetteer(ok)) == 2
    bad = _yaml("- {id: Q1, type: LOC, en: A, ar: كوريا}\n"
                "- {id: Q2, type: LOC, en: B, ar: باء, weak: [كوريا]}\n")
    with pytest.raises(GazetteerError, match=r":4: field 'weak': 'كوريا' of Q2 is a strong alias"):
        parse_gazetteer(bad)


def test_duplicate_ids_and_english_names() -> None:
    with pytest.raises(GazetteerError, match=r":4: duplicate id 'Q1' \(first at line 3\)"):
        parse_gazetteer(_yaml("- {id: Q1, type: LOC, en: A, ar: ألف}\n"
                              "- {id: Q1, type: LOC, en: B, ar: باء}\n"))
    with pytest.raises(GazetteerError, match=r"duplicate English name 'A'"):
        parse_gazetteer(_yaml("- {id: Q1, type: LOC, en: A, ar: ألف}\n"
                              "- {id: Q2, type: LOC, en: A, ar: باء}\n"))
    # A club is named after its city ("Liverpool"): one name may be given once per type.
    both = parse_gazetteer(_yaml("- {id: Q1, type: LOC, en: Liverpool, ar: ليفربول}\n"
                                 "- {id: Q2, type: ORG, en: Liverpool, ar: نادي ليفربول}\n"))
    assert [(e.type, e.en) for e in both] == [("LOC", "Liverpool"), ("ORG", "Liverpool")]


def test_english_names_are_the_names_news_writes(gaz) -> None:
    # `en` is what `canonical` carries out: the name English-language news uses, without a
    # Wikipedia disambiguation ("(Russia)", ", D.C.", " F.C.").
    by_id = {e.id: e.en for e in gaz}
    assert by_id["Q61"] == "Washington"
    assert by_id["akhbar:russian-foreign-ministry"] == "Russian Foreign Ministry"
    leftovers = sorted(en for en in by_id.values()
                       if en.endswith((" F.C.", " FC", " CF", " SC", " Inc.", " AG", " plc"))
                       or en.endswith(("(Russia)", "(Ukraine)", "(Iran)", "(South Korea)")))
    assert leftovers == []


def test_yaml_syntax_error_reports_line() -> None:
    with pytest.raises(GazetteerError, match=r"<gazetteer>:5: not valid YAML"):
        parse_gazetteer(_yaml("- {id: Q1, type: LOC, en: A, ar: ألف}\n- {id: Q2, type: [\n"))


def test_missing_file_is_a_gazetteer_error(tmp_path) -> None:
    with pytest.raises(GazetteerError, match="cannot read"):
        load_gazetteer(tmp_path / "none.yaml")
    assert DEFAULT_PATH.is_file()


def test_a_file_not_in_utf8_names_its_line(tmp_path) -> None:
    path = tmp_path / "gaz.yaml"
    path.write_bytes(_yaml("- {id: Q1, type: LOC, en: A, ar: ألف}\n").encode("cp1256"))
    with pytest.raises(GazetteerError, match=r"gaz\.yaml:3: not UTF-8 \(byte 0xc3 at byte 34 "):
        load_gazetteer(path)


def test_variants_that_normalize_alike_are_folded(gaz) -> None:
    parsed = parse_gazetteer(_yaml("- {id: Q1, type: LOC, en: A, ar: أمريكا, aka: [امريكا]}\n"))
    assert parsed.entities[0].aliases == ("أمريكا",)


def test_unknown_top_level_field_is_refused() -> None:
    # A mistyped ``stops:`` would otherwise drop every stop phrase without a word.
    text = _yaml("- {id: Q1, type: LOC, en: A, ar: ألف}\n") + "stops: [باء جيم]\n"
    with pytest.raises(GazetteerError, match=r"<gazetteer>:4: top level: unknown field 'stops' "
                                             r"\(allowed: entities, stop, version\)"):
        parse_gazetteer(text)


def test_duplicate_top_level_field_is_refused() -> None:
    text = _yaml("- {id: Q1, type: LOC, en: A, ar: ألف}\n") + "stop: [باء جيم]\nstop: [دال]\n"
    with pytest.raises(GazetteerError, match=r"<gazetteer>:5: top level: field 'stop' given twice"):
        parse_gazetteer(text)
    assert parse_gazetteer(text.rsplit("stop:", 1)[0]).stop == ("باء جيم",)


def test_an_empty_entity_list_is_refused() -> None:
    # The night and a re-tag would unlink every name and empty akhbar.entities.
    with pytest.raises(GazetteerError, match=r"<gazetteer>:2: field 'entities' is empty"):
        parse_gazetteer("version: 1\nentities: []\nstop: [باء جيم]\n")


@pytest.mark.parametrize("head, message", [
    ("version: 2\n", r"<gazetteer>:1: top-level field 'version' must be 1"),
    ("version: abc\n", r"<gazetteer>:1: top-level field 'version' must be 1, .* not 'abc'"),
    ("", r"<gazetteer>:1: missing top-level field 'version'"),
])
def test_a_format_version_other_than_1_is_refused(head: str, message: str) -> None:
    # A file written for another format must not be read as this one.
    with pytest.raises(GazetteerError, match=message):
        parse_gazetteer(head + "entities:\n- {id: Q1, type: LOC, en: A, ar: ألف}\n")


ONE = """\
version: 1
entities:
  - {id: "akhbar:first-agency", type: ORG, en: First Agency, ar: وكالة الأنباء الأولى}
"""
TWO = ONE + "  - {id: \"akhbar:second-agency\", type: ORG, en: Second Agency, " \
            "ar: وكالة الأنباء الثانية}\n"


def test_the_default_gazetteer_follows_its_file(tmp_path, monkeypatch) -> None:
    """A long-lived process (an Airflow worker) tags with the file as it is now, not as it
    was when the process first read it: an entity added by a maintainer is found."""
    from pipeline import entities, gazetteer

    path = tmp_path / "gazetteer.yaml"
    path.write_text(ONE, encoding="utf-8")
    monkeypatch.setattr(gazetteer, "DEFAULT_PATH", path)
    assert [e.id for e in gazetteer.default_gazetteer()] == ["akhbar:first-agency"]
    assert gazetteer.default_gazetteer() is gazetteer.default_gazetteer()  # read once
    first = entities.default_tagger()
    assert entities.default_tagger() is first  # compiled once
    path.write_text(TWO, encoding="utf-8")
    assert [e.id for e in gazetteer.default_gazetteer()] == ["akhbar:first-agency",
                                                             "akhbar:second-agency"]
    found = entities.default_tagger().tag_record(
        {"title": "بيان", "text": "قالت وكالة الأنباء الثانية إن الاجتماع انتهى."})
    assert "akhbar:second-agency" in {m.get("id") for m in found}, found
