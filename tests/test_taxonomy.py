"""The taxonomy file: the packaged one is valid, and bad entries fail with line and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline import datafile
from pipeline.taxonomy import TaxonomyError, load_taxonomy, parse_taxonomy
from pipeline.topics import Tagger

CORE = {"korean_peninsula", "ukraine_war", "sanctions"}

MINIMAL = """\
version: "1"
topics:
  - id: demo
    label_ar: تجربة
    label_en: Demo
    description: A demo topic.
    terms:
      - {term: تجربة, weight: 2}
"""


def error_of(text: str) -> str:
    with pytest.raises(TaxonomyError) as info:
        parse_taxonomy(text, "demo.yaml")
    return str(info.value)


def test_packaged_taxonomy_is_valid_and_versioned() -> None:
    tax = load_taxonomy()
    assert tax.version
    ids = [t.id for t in tax.topics]
    assert set(ids) >= CORE
    assert len(ids) >= len(CORE) + 2  # extra topics come from data alone
    for topic in tax.topics:
        assert topic.label_ar and topic.label_en and topic.description
        for name in topic.required:
            assert tax.group(topic, name)


def test_packaged_taxonomy_covers_post_2022_vocabulary() -> None:
    tax = load_taxonomy()
    war = {r.term for r in tax.topic("ukraine_war").terms}
    for term in ("الغزو الروسي", "العملية العسكرية الخاصة", "زيلينسكي", "باخموت", "خيرسون",
                 "زابوريجيا", "الهجوم المضاد", "المسيرات", "ممر الحبوب"):
        assert term in war, term
    sanctions = {r.term for r in tax.topic("sanctions").terms}
    for term in ("سقف سعر النفط الروسي", "نظام سويفت", "حزمة عقوبات", "أوفاك", "تجميد الأصول",
                 "العقوبات الثانوية", "التهرب من العقوبات", "الخاضعة للعقوبات",
                 "حد أقصى لسعر النفط", "الأصول السيادية الروسية"):
        assert term in sanctions, term


def test_minimal_file_gets_default_scoring() -> None:
    tax = parse_taxonomy(MINIMAL)
    scoring = tax.scoring_for(tax.topic("demo"))
    assert scoring.threshold == 6.0 and scoring.title_weight == 2.0


def test_topic_scoring_overrides_only_what_it_names() -> None:
    text = MINIMAL.replace("    terms:", "    scoring: {threshold: 2.5}\n    terms:")
    tax = parse_taxonomy(text)
    scoring = tax.scoring_for(tax.topic("demo"))
    assert scoring.threshold == 2.5
    assert scoring.title_weight == tax.scoring.title_weight


def test_title_min_share_may_not_exceed_min_share() -> None:
    ok = MINIMAL.replace("    terms:", "    scoring: {min_share: 0.1, title_min_share: 0.05}\n"
                         "    terms:")
    scoring = parse_taxonomy(ok).scoring_for(parse_taxonomy(ok).topic("demo"))
    assert scoring.title_min_share == 0.05
    msg = error_of(ok.replace("title_min_share: 0.05", "title_min_share: 0.2"))
    assert "title_min_share" in msg


def test_passage_fields_are_validated() -> None:
    ok = MINIMAL.replace("    terms:", "    scoring: {min_passages: 2, passage_share: 0.33}\n"
                         "    terms:")
    tax = parse_taxonomy(ok)
    scoring = tax.scoring_for(tax.topic("demo"))
    assert (scoring.min_passages, scoring.passage_share) == (2, 0.33)
    assert (tax.scoring.min_passages, tax.scoring.passage_share) == (1, 1.0)  # off by default
    assert "min_passages" in error_of(ok.replace("min_passages: 2", "min_passages: 0"))
    assert "passage_share" in error_of(ok.replace("passage_share: 0.33", "passage_share: 1.5"))


def test_bad_weight_names_line_and_field() -> None:
    msg = error_of(MINIMAL.replace("weight: 2", "weight: -1"))
    assert "demo.yaml:8: topics[demo].terms[تجربة].weight: " in msg


def test_unknown_field_is_refused() -> None:
    msg = error_of(MINIMAL.replace("weight: 2}", "weight: 2, wieght: 3}"))
    assert "demo.yaml:8: " in msg and "wieght" in msg


def test_unknown_group_is_refused_with_its_line() -> None:
    text = MINIMAL.replace("weight: 2}", "weight: 2, near: [actors]}")
    msg = error_of(text)
    assert "demo.yaml:8: " in msg and "unknown group 'actors'" in msg


def test_duplicate_topic_id() -> None:
    text = MINIMAL + MINIMAL.split("topics:\n", 1)[1]
    msg = error_of(text)
    assert "duplicate topic id 'demo'" in msg and "demo.yaml:9: " in msg


def test_missing_version_and_bad_id() -> None:
    msg = error_of(MINIMAL.replace('version: "1"\n', "").replace("id: demo", "id: Demo Topic"))
    assert "demo.yaml:1: top level: missing field 'version'" in msg
    assert "topics[Demo Topic].id" in msg


def test_term_without_words_is_refused() -> None:
    msg = error_of(MINIMAL.replace("term: تجربة", 'term: "..."'))
    assert "no Arabic or Latin word" in msg and "demo.yaml:8: " in msg


def test_duplicate_key_and_broken_yaml() -> None:
    assert "demo.yaml:2: top level: field 'version' given twice" in error_of(
        'version: "1"\n' + MINIMAL)
    assert "not valid YAML" in error_of("topics: [\n")
    assert "empty" in error_of("")


def test_merge_key_is_refused_as_such() -> None:
    msg = error_of(MINIMAL.replace("- {term: تجربة, weight: 2}",
                                   "- &w {term: تجربة, weight: 2}\n      - {<<: *w}"))
    assert "demo.yaml:9: topics[demo].terms[1]: a merge key (<<) is not read" in msg


def test_an_alias_is_built_once_and_may_not_contain_itself() -> None:
    # Rebuilt at every use, nine levels of ten aliases would be a billion values.
    text = "a: &a [1, 2]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    data, _ = datafile.to_data(yaml.compose(text), lambda loc: datafile.failing(ValueError, loc))
    assert data["c"][0] is data["c"][1] and data["b"][0] is data["a"]
    msg = error_of(MINIMAL + "groups: &g {loop: *g}\n")
    assert "demo.yaml:9: groups.loop: an alias (*name) refers to a list or mapping" in msg


def test_topic_without_terms() -> None:
    text = MINIMAL.split("    terms:")[0] + "    terms: []\n"
    assert "terms" in error_of(text)


def test_group_members_as_strings_or_mappings() -> None:
    text = MINIMAL.replace("topics:", "groups:\n  ctx: [واشنطن, {term: سول, kind: name}]\ntopics:")
    tax = parse_taxonomy(text)
    assert [(m.term, m.kind) for m in tax.groups["ctx"]] == [("واشنطن", "word"), ("سول", "name")]


def test_load_from_path_and_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "tax.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    assert load_taxonomy(path).version == "1"
    monkeypatch.setenv("AKHBAR_TAXONOMY", str(path))
    assert load_taxonomy().version == "1"
    with pytest.raises(TaxonomyError, match="cannot read"):
        load_taxonomy(tmp_path / "missing.yaml")


def test_the_taxonomy_follows_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each load reads the file as it is now: a long-lived process tags with the edit."""
    path = tmp_path / "tax.yaml"
    path.write_text(MINIMAL, encoding="utf-8")
    monkeypatch.setenv("AKHBAR_TAXONOMY", str(path))
    assert load_taxonomy().version == "1"
    path.write_text(MINIMAL.replace('"1"', '"2"'), encoding="utf-8")
    assert load_taxonomy().version == "2"


def test_a_file_not_in_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "tax.yaml"
    path.write_bytes(MINIMAL.encode("cp1256"))
    with pytest.raises(TaxonomyError, match=r"tax\.yaml:4: not UTF-8 \(byte 0xca at "
                                            r"byte 15 of the line\)"):
        load_taxonomy(path)


def test_yields_to_names_a_known_other_topic() -> None:
    msg = error_of(MINIMAL + "    yields_to: [{topic: elsewhere}]\n")
    assert "demo.yaml:9: " in msg and "unknown topic 'elsewhere'" in msg
    msg = error_of(MINIMAL + "    yields_to: [{topic: demo}]\n")
    assert "cannot yield to itself" in msg
    msg = error_of(MINIMAL + "    yields_to: [{topic: demo, ratio: 0.5}]\n")
    assert "ratio" in msg and "greater than or equal to 1" in msg
    msg = error_of(MINIMAL + "    yields_to: [{topic: demo, below_share: 1.5}]\n")
    assert "below_share" in msg and "less than or equal to 1" in msg


def test_focus_event_group_must_be_a_known_group() -> None:
    scoring = "    scoring: {focus: true, focus_event_group: events}\n"
    text = MINIMAL.replace("    terms:\n", scoring + "    terms:\n")
    msg = error_of(text)
    assert "unknown group 'events'" in msg and "focus_event_group" in msg


def test_focus_group_must_be_a_known_group() -> None:
    scoring = "    scoring: {focus: true, focus_group: places}\n"
    text = MINIMAL.replace("    terms:\n", scoring + "    terms:\n")
    msg = error_of(text)
    assert "unknown group 'places'" in msg and "focus_group" in msg
    groups = "    groups:\n      places: [تجربة]\n"
    taxonomy = parse_taxonomy(text.replace("    terms:\n", groups + "    terms:\n"))
    assert taxonomy.scoring_for(taxonomy.topics[0]).focus_group == "places"


def test_stands_for_names_a_known_group() -> None:
    text = MINIMAL.replace("{term: تجربة, weight: 2}",
                           "{term: تجربة, weight: 2, stands_for: [nouns]}")
    msg = error_of(text)
    assert "unknown group 'nouns'" in msg and "stands_for" in msg
    groups = "    groups:\n      nouns: [اختبار]\n"
    taxonomy = parse_taxonomy(text.replace("    terms:\n", groups + "    terms:\n"))
    assert taxonomy.topics[0].terms[0].stands_for == ("nouns",)


@pytest.mark.parametrize(("old", "new", "where"), [
    ("label_en: Demo", "label_en:", "demo.yaml:5: topics[demo].label_en: "),
    ("weight: 2}", "weight: }", "demo.yaml:8: topics[demo].terms[تجربة].weight: "),
    ("    terms:", "    scoring:\n    terms:", "demo.yaml:7: topics[demo].scoring: "),
    ("weight: 2}\n", "weight: 2}\n      -\n", "demo.yaml:9: topics[demo].terms[1]: "),
])
def test_empty_value_names_line_and_field(old: str, new: str, where: str) -> None:
    msg = error_of(MINIMAL.replace(old, new))
    assert where in msg and "(the value is empty)" in msg
    assert "Tuple should have at least" not in msg  # not the failed item's echo on its list


def test_value_yaml_cannot_build_names_line_and_field() -> None:
    msg = error_of(MINIMAL.replace("weight: 2}", "weight: !!int two}"))
    assert "demo.yaml:8: topics[demo].terms[تجربة].weight: cannot read 'two'" in msg
    msg = error_of(MINIMAL.replace("label_en: Demo", "label_en: !english Demo"))
    assert "demo.yaml:5: topics[demo].label_en: cannot read 'Demo'" in msg and "!english" in msg


def test_empty_group_is_refused_where_written() -> None:
    own = "    required: [empty_g]\n    groups:\n      empty_g: []\n    terms:"
    msg = error_of(MINIMAL.replace("    terms:", own))
    assert "demo.yaml:9: topics[demo].groups.empty_g: " in msg
    assert "a group needs at least one term" in msg
    msg = error_of(MINIMAL.replace("topics:", "groups:\n  shared: []\ntopics:"))
    assert "demo.yaml:3: groups.shared: " in msg and "at least one term" in msg


def test_a_topic_group_shadows_the_shared_one() -> None:
    text = MINIMAL.replace("topics:", "groups:\n  ctx: [واشنطن]\ntopics:").replace(
        "    terms:", "    required: [ctx]\n    groups:\n      ctx: [سول]\n    terms:")
    tax = parse_taxonomy(text)
    assert [m.term for m in tax.group(tax.topic("demo"), "ctx")] == ["سول"]
    tagger = Tagger(tax)
    assert [t.topic for t in tagger.tag("سول", "تجربة في سول. تجربة أخرى.")] == ["demo"]
    assert tagger.tag("واشنطن", "تجربة في واشنطن. تجربة أخرى.") == []  # the shared one is not


@pytest.mark.parametrize(("written", "read_as"), [
    ("2026.10", "float 2026.1"), ("3", "int 3"), ("2026-12-17", "date 2026-12-17"),
])
def test_unquoted_version_is_refused(written: str, read_as: str) -> None:
    msg = error_of(MINIMAL.replace('version: "1"', f"version: {written}"))
    assert "demo.yaml:1: version: " in msg
    assert "write the version in quotes" in msg and read_as in msg
    assert parse_taxonomy(MINIMAL.replace('"1"', f'"{written}"')).version == written


@pytest.mark.parametrize("written", ['" 2026.12.18"', '"2026.12.18 "', '"2026.12.18\\n"',
                                     "|\n  2026.12.18", '"2026 12 18"', '""'])
def test_a_version_that_is_not_a_plain_token_is_refused(written: str) -> None:
    """Tags are stored under the version as written: one with spaces or a line break in it
    would read like another version and never match it, so it is refused at its line."""
    msg = error_of(MINIMAL.replace('version: "1"', f"version: {written}"))
    assert "demo.yaml:1: version: " in msg, msg
    assert "2026.12.18" in msg or "empty" in msg or "at least 1" in msg, msg


@pytest.mark.parametrize("version", ["2026.12.18", "1", "test-1", "v2_rc+3"])
def test_a_plain_version_is_kept_as_written(version: str) -> None:
    assert parse_taxonomy(MINIMAL.replace('"1"', f'"{version}"')).version == version


@pytest.mark.parametrize(("line", "field"), [
    ("      - {term: تجربة, weight: \"1\"}", "topics[demo].terms[تجربة].weight"),
    ("      - {term: تجربة, weight: 2, window: '5'}", "topics[demo].terms[تجربة].window"),
])
def test_a_number_written_in_quotes_is_refused(line: str, field: str) -> None:
    """A quoted number is text: read as a number it would hide a value meant otherwise
    (a "1" typed where a list or a word belongs), so it is refused at its line."""
    msg = error_of(MINIMAL.replace("      - {term: تجربة, weight: 2}", line))
    assert f"demo.yaml:8: {field}: expected a number, got " in msg, msg
    assert "without quotes" in msg, msg


def test_an_exponent_without_a_decimal_point_is_refused_with_what_to_write() -> None:
    # YAML reads 2e0 as text, quotes or none: the advice is not to remove quotes.
    msg = error_of(MINIMAL.replace("      - {term: تجربة, weight: 2}",
                                   "      - {term: تجربة, weight: 2e0}"))
    assert "expected a number, got '2e0' (YAML reads 2e0 as text: write 2" in msg, msg
    assert "without quotes" not in msg, msg


# Every level of the file, each on lines of its own, for the table of mistakes below.
FULL = """\
version: "1"
scoring:
  threshold: 6
groups:
  actors: [واشنطن]
topics:
  - id: demo
    label_ar: تجربة
    label_en: Demo
    description: A demo topic.
    scoring:
      threshold: 2
    groups:
      own:
        - {term: سول, kind: name}
    required: [own]
    terms:
      - {term: تجربة, weight: 2, near: [actors]}
      - term: اختبار
        weight: 1
"""

# A maintainer's mistakes: (what is written, what it replaces, the start of the one line
# that must tell it: file, line, field).
MISTAKES = {
    "misspelt top-level key": (
        "scoring:\n", "scorring:\n",
        "demo.yaml:2: top level: unknown field 'scorring' (allowed: groups, scoring, topics, "
        "version)"),
    "misspelt key in the file-wide scoring": (
        "  threshold: 6", "  treshold: 6",
        "demo.yaml:3: scoring: unknown field 'treshold' (allowed: focus, focus_event_group, "),
    "misspelt key of a topic": (
        "    label_en: Demo", "    label_eng: Demo",
        "demo.yaml:9: topics[demo]: unknown field 'label_eng' (allowed: description, groups, "
        "id, label_ar, label_en, negative, required, scoring, terms, yields_to)"),
    "misspelt key in a topic's scoring": (
        "      threshold: 2", "      treshold: 2",
        "demo.yaml:12: topics[demo].scoring: unknown field 'treshold' (allowed: focus, "),
    "misspelt key of a group member": (
        "{term: سول, kind: name}", "{term: سول, knd: name}",
        "demo.yaml:15: topics[demo].groups.own[سول]: unknown field 'knd' (allowed: kind, "
        "term)"),
    "misspelt key of a term": (
        "        weight: 1", "        wieght: 1",
        "demo.yaml:20: topics[demo].terms[اختبار]: unknown field 'wieght' (allowed: kind, "
        "near, not_near, stands_for, term, weight, window)"),
    "missing version": (
        'version: "1"\n', "",
        "demo.yaml:1: top level: missing field 'version'"),
    "missing label": (
        "    label_ar: تجربة\n", "",
        "demo.yaml:7: topics[demo]: missing field 'label_ar'"),
    "missing weight": (
        "        weight: 1\n", "",
        "demo.yaml:19: topics[demo].terms[اختبار]: missing field 'weight'"),
    "group member without its term": (
        "{term: سول, kind: name}", "{kind: name}",
        "demo.yaml:15: topics[demo].groups.own[0]: missing field 'term'"),
    "text for a weight": (
        "        weight: 1", "        weight: heavy",
        "demo.yaml:20: topics[demo].terms[اختبار].weight: expected a number, got 'heavy'"),
    "list for the scoring mapping": (
        "    scoring:\n      threshold: 2\n", "    scoring: [2]\n",
        "demo.yaml:11: topics[demo].scoring: expected a mapping (field: value), got a list"),
    "list for the groups mapping": (
        "    groups:\n      own:\n        - {term: سول, kind: name}\n", "    groups: [سول]\n",
        "demo.yaml:13: topics[demo].groups: expected a mapping (field: value), got a list"),
    "list for the whole file": (
        FULL, "- demo\n",
        "demo.yaml:1: top level: expected a mapping (field: value), got a list"),
    "text for a list of groups": (
        "required: [own]", "required: own",
        "demo.yaml:16: topics[demo].required: expected a list ([a, b]), got 'own'"),
    "fraction for a window": (
        "near: [actors]}", "near: [actors], window: 2.5}",
        "demo.yaml:18: topics[demo].terms[تجربة].window: expected a whole number, got 2.5"),
    "yes for a threshold": (
        "      threshold: 2", "      threshold: yes",
        "demo.yaml:12: topics[demo].scoring.threshold: expected a number, got true (YAML "
        "reads yes, no, on and off as true or false)"),
    "true for a weight": (
        "        weight: 1", "        weight: true",
        "demo.yaml:20: topics[demo].terms[اختبار].weight: expected a number, got true"),
    "off for a file-wide count": (
        "  threshold: 6", "  threshold: 6\n  max_repeats: off",
        "demo.yaml:4: scoring.max_repeats: expected a number, got false"),
    "zero threshold": (
        "      threshold: 2", "      threshold: 0",
        "demo.yaml:12: topics[demo].scoring.threshold: Input should be greater than 0"),
    "negative file-wide threshold": (
        "  threshold: 6", "  threshold: -6",
        "demo.yaml:3: scoring.threshold: Input should be greater than 0"),
    "negative weight": (
        "        weight: 1", "        weight: -1",
        "demo.yaml:20: topics[demo].terms[اختبار].weight: Input should be greater than or "
        "equal to 0"),
    "unknown group in near": (
        "near: [actors]", "near: [actorz]",
        "demo.yaml:18: topics[demo].terms[تجربة].near[0]: unknown group 'actorz'"),
    "unknown group in required": (
        "required: [own]", "required: [owns]",
        "demo.yaml:16: topics[demo].required[0]: unknown group 'owns'"),
    "a term listed again with another weight": (
        "        weight: 1\n",
        "        weight: 1\n      - {term: تجربة, weight: 5, near: [actors]}\n",
        "demo.yaml:21: topics[demo].terms[تجربة].term: 'تجربة' is already listed in this "
        "topic's terms with the same conditions"),
    "duplicate topic id": (
        "        weight: 1\n", "        weight: 1\n" + FULL.split("topics:\n")[1][:-1],
        "demo.yaml:21: topics[demo].id: duplicate topic id 'demo'"),
}


@pytest.mark.parametrize(("old", "new", "told"), MISTAKES.values(), ids=list(MISTAKES))
def test_each_mistake_is_one_line_naming_file_line_and_field(old: str, new: str,
                                                             told: str) -> None:
    assert parse_taxonomy(FULL).topics[0].id == "demo"
    assert old in FULL
    msg = error_of(FULL.replace(old, new, 1))
    assert msg.startswith(told), msg
    assert "\n" not in msg
    assert "pydantic" not in msg and "Extra inputs" not in msg and "Field required" not in msg
    assert "Input should be a valid" not in msg and "instance of" not in msg


def test_yes_and_no_still_read_as_true_and_false_where_a_switch_is_meant() -> None:
    taxonomy = parse_taxonomy(FULL.replace("      threshold: 2", "      focus: yes"))
    assert taxonomy.scoring_for(taxonomy.topics[0]).focus is True


def test_a_term_may_be_listed_again_with_other_conditions() -> None:
    # The same words near other groups, or as a negative, are other rules: all can count.
    again = FULL.replace("        weight: 1\n",
                         "        weight: 1\n      - {term: تجربة, weight: 1}\n"
                         "    negative:\n      - {term: تجربة, weight: 1}\n")
    topic = parse_taxonomy(again).topics[0]
    assert [r.term for r in topic.terms].count("تجربة") == 2
    assert [r.term for r in topic.negative] == ["تجربة"]
