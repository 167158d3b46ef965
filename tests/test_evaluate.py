"""The evaluation harness, and the tagging quality it measures on hand-labelled articles.

The labelled ANT articles live in ``tests/data/topics/ant_labels.jsonl`` as ids, labels,
provenance and a reason; their texts are read from the shared corpus at test time.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline import evaluate
from pipeline.cli import app
from pipeline.gazetteer import DEFAULT_PATH as GAZETTEER
from pipeline.gazetteer import load_gazetteer
from pipeline.taxonomy import load_taxonomy
from pipeline.topics import Tagger

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
LABELS = REPO / "tests" / "data" / "topics" / "ant_labels.jsonl"
EXTRA_LABELS = REPO / "tests" / "data" / "topics" / "extra_labels.jsonl"
PROBE = REPO / "tests" / "data" / "topics" / "probe_2022.jsonl"
ANT = CORPUS / "ant-v2.1.jsonl.gz"
DEV = CORPUS / "dev"

needs_corpus = pytest.mark.skipif(not ANT.exists() or not DEV.exists(),
                                  reason="the shared corpus is not at ../shared/corpus")


def test_score_counts_and_rates() -> None:
    gold = {"a": {"x"}, "b": {"x", "y"}, "c": set(), "d": {"y"}}
    pred = {"a": {"x"}, "b": {"x"}, "c": {"x", "y"}, "d": {"y"}}
    report = evaluate.score(gold, pred, ["x", "y"])
    x, y = report.by_topic()["x"], report.by_topic()["y"]
    assert (x.tp, x.fp, x.fn, x.fp_ids, x.fn_ids) == (2, 1, 0, ["c"], [])
    assert (y.tp, y.fp, y.fn, y.fp_ids, y.fn_ids) == (1, 1, 1, ["c"], ["b"])
    assert x.precision == pytest.approx(2 / 3) and x.recall == 1.0
    assert x.f1 == pytest.approx(0.8)
    assert y.f1 == pytest.approx(0.5)
    micro = report.micro
    assert (micro.tp, micro.fp, micro.fn) == (3, 2, 1)
    assert micro.f1 == pytest.approx(2 * 3 / (2 * 3 + 2 + 1))
    data = report.as_dict()
    assert data["articles"] == 4 and data["topics"][1]["false_negatives"] == ["b"]
    # A topic named twice is one topic, counted once.
    twice = evaluate.score(gold, pred, ["x", "y", "x"])
    assert [s.topic for s in twice.topics] == ["x", "y"]
    assert (twice.micro.tp, twice.micro.fp, twice.micro.fn) == (3, 2, 1)


def test_empty_cases() -> None:
    report = evaluate.score({"a": {"x"}}, {}, ["x"])
    x = report.by_topic()["x"]
    assert (x.precision, x.recall, x.f1) == (1.0, 0.0, 0.0)
    report = evaluate.score({"a": set()}, {"a": set()}, ["x"])
    assert report.by_topic()["x"].f1 == 1.0  # nothing to find, nothing found


def test_read_gold_by_split_and_articles(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "a", "topics": ["x"], "split": "tune"}\n'
                    '{"id": "b", "topics": [], "split": "heldout"}\n', encoding="utf-8")
    assert evaluate.read_gold(gold) == {"a": {"x"}, "b": set()}
    assert evaluate.read_gold(gold, "heldout") == {"b": set()}
    arts = tmp_path / "arts.jsonl"
    arts.write_text('{"id": "a", "title": "t", "text": "x"}\n\n{"id": "z"}\n', encoding="utf-8")
    assert set(evaluate.read_articles(arts, {"a"})) == {"a"}
    with pytest.raises(ValueError, match="no article"):
        evaluate.evaluate(Tagger(load_taxonomy()), {"a": set(), "q": set()},
                          evaluate.read_articles(arts))


def test_a_split_takes_only_the_lines_that_name_it(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "a", "topics": ["x"], "split": "tune", "entities": []}\n'
                    '{"id": "b", "topics": ["x"], "entities": []}\n', encoding="utf-8")
    assert evaluate.read_gold(gold, "tune") == {"a": {"x"}}
    assert evaluate.read_gold(gold, "heldout") == {}
    assert set(evaluate.read_entity_gold(gold, "tune")) == {"a"}
    assert evaluate.read_gold(gold) == {"a": {"x"}, "b": {"x"}}
    assert evaluate.splits(gold) == ["tune"]


def test_read_gold_names_the_line_of_a_bad_label(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text('{"id": "a", "topics": ["sanctions"]}\n\n{"id": "b", "topics": ["korea"]}\n',
                    encoding="utf-8")
    known = [t.id for t in Tagger(load_taxonomy()).topics]
    with pytest.raises(ValueError, match=r"gold\.jsonl:3: not a topic of the taxonomy: korea"):
        evaluate.read_gold(gold, known=known)
    assert evaluate.read_gold(gold) == {"a": {"sanctions"}, "b": {"korea"}}  # no taxonomy
    gold.write_text('{"topics": []}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"gold\.jsonl:1: an object with an 'id'"):
        evaluate.read_gold(gold)


def test_evaluate_refuses_what_it_cannot_measure() -> None:
    tagger = Tagger(load_taxonomy())
    arts = {"a": {"id": "a", "title": "t", "text": "x"}}
    with pytest.raises(ValueError, match="no labelled article"):
        evaluate.evaluate(tagger, {}, arts)
    with pytest.raises(ValueError, match="gold labels not in taxonomy .*: korea"):
        evaluate.evaluate(tagger, {"a": {"korea"}}, arts)
    with pytest.raises(ValueError, match="requested topics not in taxonomy .*: korea, oil"):
        evaluate.evaluate(tagger, {"a": set()}, arts, iter(["sanctions", "korea", "oil"]))
    with pytest.raises(ValueError, match="no topic"):
        evaluate.evaluate(tagger, {"a": set()}, arts, [])
    report = evaluate.evaluate(tagger, {"a": set()}, arts, iter(["sanctions"]))
    assert [s.topic for s in report.topics] == ["sanctions"]


def test_nothing_measured_shows_no_rate() -> None:
    report = evaluate.score({"a": set()}, {"a": set()}, ["x"])
    x = report.by_topic()["x"]
    assert not x.measured and x.rates() is None
    assert (x.as_dict()["precision"], x.as_dict()["recall"], x.as_dict()["f1"]) == (None,) * 3
    assert report.as_dict()["micro"]["f1"] is None
    fp_only = evaluate.score({"a": set()}, {"a": {"x"}}, ["x"]).by_topic()["x"]
    assert fp_only.measured and fp_only.as_dict()["precision"] == 0.0


@pytest.fixture
def small_eval(tmp_path: Path) -> Path:
    """A one-article corpus beside gold files that measure nothing or name no topic."""
    (tmp_path / "arts.jsonl").write_text(json.dumps(
        {"id": "a", "title": "كوريا الشمالية تطلق صاروخا", "text": "أطلقت كوريا الشمالية صاروخا."},
        ensure_ascii=False) + "\n", encoding="utf-8")
    (tmp_path / "gold.jsonl").write_text(
        '{"id": "a", "topics": ["korean_peninsula"], "split": "tune"}\n', encoding="utf-8")
    (tmp_path / "empty.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "bad.jsonl").write_text(
        '{"id": "a", "topics": ["korean_peninsula"]}\n{"id": "b", "topics": ["korea"]}\n',
        encoding="utf-8")
    # One id in two splits: scoring either split would use the other's labels or text.
    (tmp_path / "twice.jsonl").write_text(
        '{"id": "a", "topics": ["korean_peninsula"], "split": "tune"}\n'
        '{"id": "b", "topics": [], "split": "tune"}\n'
        '{"id": "a", "topics": [], "split": "probe"}\n', encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("gold", "extra", "message"), [
    ("empty.jsonl", [], "empty.jsonl: no gold line"),
    ("gold.jsonl", ["--split", "nosuch"], "no gold line has split 'nosuch' (its splits: tune)"),
    ("gold.jsonl", ["--topics", "korea,oil"], "requested topics not in taxonomy"),
    ("gold.jsonl", ["--topics", ","], "names no topic"),
    ("bad.jsonl", [], "bad.jsonl:2: not a topic of the taxonomy: korea"),
    ("twice.jsonl", ["--split", "tune"], "twice.jsonl:3: id 'a' is already on line 1"),
    ("twice.jsonl", [], "twice.jsonl:3: id 'a' is already on line 1"),
])
def test_cli_eval_refuses_to_score_nothing(small_eval: Path, gold: str, extra: list[str],
                                           message: str) -> None:
    for fmt in ([], ["--json"]):
        result = CliRunner().invoke(app, ["eval", "--gold", str(small_eval / gold), "--in",
                                          str(small_eval / "arts.jsonl"), *extra, *fmt],
                                    env={"COLUMNS": "300"})
        assert result.exit_code == 2, result.output
        assert message in " ".join(result.output.split())


def test_an_article_read_twice_is_refused(small_eval: Path) -> None:
    arts = small_eval / "arts.jsonl"
    first = arts.read_text(encoding="utf-8")
    arts.write_text(first + json.dumps({"id": "a", "title": "مهرجان", "text": "كتب."},
                                       ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="arts.jsonl:2: id 'a' is already on line 1"):
        evaluate.read_articles(arts, {"a"})
    assert set(evaluate.read_articles(arts, {"b"})) == set()  # only the ids read count
    result = CliRunner().invoke(app, ["eval", "--gold", str(small_eval / "gold.jsonl"),
                                      "--in", str(arts)], env={"COLUMNS": "300"})
    assert result.exit_code == 2, result.output
    assert "id 'a' is already on line 1" in " ".join(result.output.split())
    with pytest.raises(ValueError, match="twice.jsonl:3: id 'a' is already on line 1"):
        evaluate.read_entity_gold(small_eval / "twice.jsonl", "tune")


def test_cli_eval_shows_n_a_for_a_topic_with_nothing_to_measure(small_eval: Path) -> None:
    args = ["eval", "--gold", str(small_eval / "gold.jsonl"), "--in",
            str(small_eval / "arts.jsonl"), "--topics", "korean_peninsula,sanctions"]
    table = CliRunner().invoke(app, args, env={"COLUMNS": "300"})
    assert table.exit_code == 0, table.output
    rows = {line.split()[1]: line for line in table.output.splitlines() if "│" in line}
    assert rows["korean_peninsula"].count("1.000") == 3
    assert rows["sanctions"].count("n/a") == 3 and "1.000" not in rows["sanctions"]
    data = json.loads(CliRunner().invoke(app, [*args, "--json"]).output)
    sanctions = {t["topic"]: t for t in data["topics"]}["sanctions"]
    assert (sanctions["support"], sanctions["precision"], sanctions["recall"],
            sanctions["f1"]) == (0, None, None, None)
    assert data["micro"]["f1"] == 1.0


def test_labels_file_is_well_formed() -> None:
    rows = [json.loads(line) for line in LABELS.read_text(encoding="utf-8").splitlines()]
    assert len(rows) >= 120
    assert len({r["id"] for r in rows}) == len(rows)
    heldout = [r for r in rows if r["split"] == "heldout"]
    assert len(heldout) >= 60
    allowed = {"korean_peninsula", "ukraine_war", "sanctions"}
    for r in rows:
        assert re.fullmatch(r"tune\d*|heldout\d*", r["split"]), r["split"]
        assert set(r["topics"]) <= allowed
        assert r["id"].startswith("ant-") and r["url"] and r["outlet"] and r["reason"]
    for topic in allowed:  # each topic has positives on both sides of the split
        for split in ("tune", "heldout"):
            assert any(topic in r["topics"] for r in rows if r["split"] == split)


def labelled(split: str) -> tuple[dict[str, set[str]], dict[str, dict]]:
    """Gold labels and their articles: the dev set joins the tuning split."""
    gold = evaluate.read_gold(LABELS, split)
    articles = evaluate.read_articles(ANT, set(gold))
    if split == "tune":
        dev_gold = evaluate.read_gold(DEV / "labels.jsonl")
        gold.update(dev_gold)
        articles.update(evaluate.read_articles(DEV / "articles.jsonl", set(dev_gold)))
    return gold, articles


# Figures measured with `akhbar eval` when these floors were set (docs/topics-history.md): the
# floors sit below them so that a regression fails while a one-article wobble does not.
TUNE_FLOORS = {"korean_peninsula": 0.93, "ukraine_war": 0.85, "sanctions": 0.93}


@needs_corpus
def test_quality_on_the_tuning_set() -> None:
    gold, articles = labelled("tune")
    report = evaluate.evaluate(Tagger(load_taxonomy()), gold, articles, evaluate.CORE_TOPICS)
    f1 = {s.topic: s.f1 for s in report.topics}
    for topic, floor in TUNE_FLOORS.items():
        assert f1[topic] >= floor, (topic, f1[topic], evaluate.misses(report))


# `heldout`, `heldout2` and `heldout3` were each measured clean once, then the rules changed
# knowing their misses (docs/topics-history.md): together they are tuning data now, 2026.11.8 gives
# F1 0.966 / 0.878 / 0.926 on them; 2026.11.13 gives sanctions 0.880 (two stories on
# shielding European firms from the Iran sanctions yield to the nuclear deal). The floors
# only catch a regression.
SEEN_FLOORS = {"korean_peninsula": 0.90, "ukraine_war": 0.80, "sanctions": 0.86}


@needs_corpus
def test_quality_on_the_earlier_held_out_sets() -> None:
    gold: dict[str, set[str]] = {}
    articles: dict[str, dict] = {}
    for split in ("heldout", "heldout2", "heldout3"):
        more, more_articles = labelled(split)
        gold.update(more)
        articles.update(more_articles)
    assert sum("ukraine_war" in t for t in gold.values()) >= 20
    report = evaluate.evaluate(Tagger(load_taxonomy()), gold, articles, evaluate.CORE_TOPICS)
    f1 = {s.topic: s.f1 for s in report.topics}
    for topic, floor in SEEN_FLOORS.items():
        assert f1[topic] >= floor, (topic, f1[topic], evaluate.misses(report))


# The clean sets, each measured once with the rules of its time (docs/topics-history.md), then
# floors a little below. All but one hold no war story: their Ukraine mentions are traps
# (venues, look-alikes, background mentions), so the war must give no false positive.
# `heldout4`: 87 articles, 10 Korea and 11 sanctions stories, 39 drawn for Ukraine words.
#   F1 0.909 / 0.870 with 2026.11.5 to 2026.11.7; tuning data since 2026.11.8 (sanctions
#   0.909).
# `heldout5`: 100 articles, 14 Korea and 14 sanctions stories, 31 drawn for Ukraine words.
#   Once with 2026.11.7: Korea 1.000, sanctions 0.727 (P 0.632, R 0.857; six of its seven
#   false positives are oil, Turkey and Iran stories where sanctions are a secondary
#   thread). Tuning data since 2026.11.8: sanctions 0.813 (P 0.722, R 0.929).
# `heldout6`: 100 articles (45 drawn for sanctions words), 15 Korea and 19 sanctions
#   stories. Labelled while 2026.11.8 was being written and measured once with it: Korea
#   0.938 (P 0.882, R 1.000), sanctions 0.829 (P 0.773, R 0.895); 2026.11.7 gave 0.810.
#   Tuning data since 2026.11.9: sanctions 0.900 (P 0.857, R 0.947), Korea unchanged.
# `heldout7`: 100 articles drawn like `heldout6`, 16 Korea and 17 sanctions stories.
#   Labelled while 2026.11.9 was being written and measured once with it: Korea 0.968
#   (P 1.000, R 0.938), sanctions 0.865 (P 0.800, R 0.941); 2026.11.8 gave the same.
# `heldout8`: measured once with 2026.11.9: Korea 0.880, sanctions 0.846.
# All five are tuning data for 2026.11.10, which gives sanctions 0.909 / 0.867 / 0.923 /
#   0.889 / 0.863 and Korea 0.909 / 1.000 / 0.968 / 1.000 / 0.923 on them; the floors sit
#   about one article below.
# `heldout9` and `heldout10`: measured once with 2026.11.10 (sanctions 0.844 / 0.872).
# 2026.11.11 (price quotes, duties and the FATF as sanctions negatives) gives sanctions
#   0.914 on `heldout7`, 0.864 on `heldout9` and 0.944 on `heldout10`, every other split
#   and Korea unchanged; those three floors moved up to about one article below.
# `heldout15` and `heldout16`: measured once with 2026.11.11: Korea 0.815 / 0.909,
#   sanctions 0.941 / 0.800. `heldout15` holds the one war story of the clean sets (the
#   Kerch bridge to annexed Crimea), which 2026.11.11 finds. Since then tuning data:
#   2026.11.12 (South Korea's air defence zone and forces sent out) gives Korea 0.897 /
#   0.957 on them.
# `heldout17`: 85 articles, measured once with 2026.11.13: Korea 0.923 (13), sanctions
#   0.933 (7); 2026.11.12 gives the same. Tuning data since 2026.11.14 (a bare كيم beside Trump in
#   a headline), which gives Korea 0.963 on it.
# `heldout18`: 85 articles, every sanctions story drawn for sanctions words in the body only;
#   measured once with 2026.11.27: Korea 0.947 (10), sanctions 0.667 (14; P 0.692, R 0.643);
#   2026.11.24 gives the same.
# `heldout19`: 85 articles drawn the same way; measured once with 2026.12.3: Korea 1.000
#   (11), sanctions 0.900 (11; P 1.000, R 0.818), the one war story (a Putin profile,
#   borderline) missed; 2026.11.28 gives the same.
# `heldout20`: 85 articles drawn the same way; measured once with 2026.12.5: Korea 1.000
#   (14), sanctions 0.923 (7; P 1.000, R 0.857); 2026.11.28 gives the same.
# `heldout21`: 85 articles drawn the same way; measured once with 2026.12.6: Korea 0.960
#   (12; P 0.923), sanctions 0.800 (11; P 0.889, R 0.727); 2026.11.28 gives the same.
# `heldout22`: 85 articles drawn the same way; measured once with 2026.12.7: Korea 0.963
#   (13; P 0.929), sanctions 0.818 (12; P 0.900, R 0.750); 2026.11.28 gives the same.
# `heldout23`: 84 articles, most drawn among the tagger's own tags on unlabelled articles (a
#   precision sample); measured once with 2026.12.7: Korea 0.980 (25; P 0.962), sanctions
#   0.677 (25; P 0.550, R 0.880).
# `heldout24`: 85 articles drawn as `heldout22`; measured once with 2026.12.10: Korea 1.000
#   (11), sanctions 0.933 (8; P 1.000, R 0.875).
# `heldout25`: 85 articles drawn as `heldout22`; measured once with 2026.12.15: Korea 1.000
#   (12), sanctions 0.941 (9; P 1.000, R 0.889).
# `heldout26`: 85 articles drawn as `heldout22`; measured once with 2026.12.17: Korea 1.000
#   (13), sanctions 1.000 (8).
# `heldout27`: 74 articles drawn as `heldout22`; measured once with 2026.12.17: Korea 1.000
#   (11), sanctions 0.333 (4; P 0.500, R 0.250), all four errors marked borderline.
# `heldout28`: 76 articles, a precision sample like `heldout23` (40 of the 111 sanctions tags
#   and 15 of the 361 Korea tags on unlabelled articles, the one war tag, 20 untagged articles
#   with the topics' words); measured once with 2026.12.25: Korea 1.000 (17), sanctions
#   0.861 (31; P 0.756, R 1.000), the war tag false.
# 2027.1.1 follows the three-reader labels (`ant_adjudicated.jsonl`, below): sanctions named in
#   two sentences or as what moves a market count, and the first readers' sanctions figures
#   fall on six of these sets (`heldout5` 0.788, `heldout6` 0.878, `heldout10` 0.829,
#   `heldout14` 0.718, `heldout24` 0.875, `heldout25` 0.842); their floors moved with them.
#   2027.1.2 (a decimal point no longer ends a sentence) gives `heldout13` 0.800.
# 2027.2.1 lets a strong lede name the sanctions once: `heldout4` 0.833, its one added tag
#   (`ant-SK-economy-1448-20181015`, South Korea's Iranian oil imports at zero ahead of the
#   sanctions) a sanctions story for the three-reader majority, not for its first reader.
MEASURED_SETS = {  # split: (at least this many articles, Korea floor, sanctions floor)
    "heldout4": (80, 0.85, 0.83),
    "heldout5": (95, 0.90, 0.75),
    "heldout6": (95, 0.90, 0.85),
    "heldout7": (95, 0.90, 0.88),
    "heldout8": (95, 0.88, 0.83),
    "heldout9": (95, 0.90, 0.83),
    "heldout10": (95, 0.90, 0.80),
    "heldout11": (95, 0.88, 0.83),
    "heldout12": (95, 0.90, 0.77),
    "heldout13": (95, 0.85, 0.78),
    "heldout14": (95, 0.90, 0.70),
    "heldout15": (95, 0.85, 0.90),
    "heldout16": (90, 0.90, 0.77),
    "heldout17": (85, 0.88, 0.85),
    "heldout18": (85, 0.88, 0.60),
    "heldout19": (85, 0.95, 0.85),
    "heldout20": (85, 0.95, 0.85),
    "heldout21": (85, 0.90, 0.75),
    "heldout22": (85, 0.90, 0.75),
    "heldout23": (84, 0.95, 0.65),
    "heldout24": (85, 0.95, 0.85),
    "heldout25": (85, 0.95, 0.80),
    "heldout26": (85, 0.95, 0.90),
    "heldout27": (74, 0.95, 0.30),
}
# Precision samples whose war tags were drawn on purpose: floors for Korea and sanctions only.
PRECISION_SAMPLES = {"heldout28": (76, 0.95, 0.84)}


@needs_corpus
@pytest.mark.parametrize("split", [*MEASURED_SETS, *PRECISION_SAMPLES])
def test_quality_on_the_measurement_sets(split: str) -> None:
    size, korea, sanctions = {**MEASURED_SETS, **PRECISION_SAMPLES}[split]
    gold, articles = labelled(split)
    assert len(gold) >= size
    report = evaluate.evaluate(Tagger(load_taxonomy()), gold, articles, evaluate.CORE_TOPICS)
    by_topic = {s.topic: s for s in report.topics}
    assert by_topic["korean_peninsula"].f1 >= korea, evaluate.misses(report)
    assert by_topic["sanctions"].f1 >= sanctions, evaluate.misses(report)
    if split in MEASURED_SETS:  # a precision sample drew the war tags it holds
        assert by_topic["ukraine_war"].fp_ids == [], evaluate.misses(report)


# The added topics, on `xheld` (80 ANT articles labelled blind, never tuned on): clean with
# 2026.12.10, Iran nuclear 0.857 (12), Gaza 0.706 (9), Syria 0.750 (15), oil market 1.000
# (8); with 2026.12.11, made on `xtune` and `xcheck` only, 0.909, 0.889, 0.846 and 1.000;
# 2026.12.12 (made on `xcheck2`): Syria 0.933.
EXTRA_FLOORS = {"iran_nuclear": 0.88, "gaza_war": 0.85, "syria_war": 0.90, "oil_market": 0.95}


# `xmodern`: 80 written 2022-2025 articles for the added topics, measured once with
# 2026.12.16: Iran nuclear 0.889 (15), Gaza 0.947 (20), Syria 0.880 (14), oil 1.000 (13);
# tuning data since 2026.12.17, which gives 1.000 on each.
def test_quality_of_the_added_topics_on_written_2022_to_2025_news() -> None:
    path = Path(__file__).parent / "data" / "topics" / "extra_probe.jsonl"
    gold = evaluate.read_gold(path, "xmodern")
    assert len(gold) == 80
    report = evaluate.evaluate(Tagger(load_taxonomy()), gold,
                               evaluate.read_articles(path, set(gold)), EXTRA_FLOORS)
    for score in report.topics:
        assert score.f1 >= 0.95, evaluate.misses(report)


@needs_corpus
def test_quality_of_the_added_topics() -> None:
    gold = evaluate.read_gold(EXTRA_LABELS, "xheld")
    assert len(gold) == 80
    report = evaluate.evaluate(Tagger(load_taxonomy()), gold,
                               evaluate.read_articles(ANT, set(gold)), EXTRA_FLOORS)
    for score in report.topics:
        assert score.f1 >= EXTRA_FLOORS[score.topic], evaluate.misses(report)


@needs_corpus
def test_cli_eval_json() -> None:
    result = CliRunner().invoke(app, ["eval", "--gold", str(DEV / "labels.jsonl"),
                                      "--in", str(DEV / "articles.jsonl"), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["articles"] == 38 and data["taxonomy_version"]
    assert {t["topic"] for t in data["topics"]} == set(evaluate.CORE_TOPICS)
    table = CliRunner().invoke(app, ["eval", "--gold", str(LABELS), "--in", str(ANT),
                                     "--split", "tune", "--topics", "sanctions"])
    assert table.exit_code == 0, table.output
    assert "sanctions" in table.output and "micro" in table.output


# `probe1` to `probe9`: 80 articles each on 2022-2025 events, written in the style of Arabic
# wire copy and labelled by a second reader (tests/data/topics/README.md).
# `probe1`, measured once with 2026.11.16: Korea 1.000 (17), war 0.750 (24; P 0.938,
#   R 0.625), sanctions 0.870 (25; P 0.952, R 0.800). Tuning data since 2026.11.17, which
#   gives 1.000 / 0.889 / 0.958.
# `probe2`, measured once with 2026.11.17: Korea 1.000 (17), war 0.762 (26; P 1.000,
#   R 0.615), sanctions 0.773 (27; P 1.000, R 0.630); 2026.11.16 gave war 0.667. Tuning
#   data since 2026.11.18, which gives 1.000 / 0.894 / 0.898 (probe1: sanctions 0.980).
# `probe3`, measured once with 2026.11.18: Korea 1.000 (17), war 0.809 (28; P 1.000,
#   R 0.679), sanctions 0.792 (29; P 1.000, R 0.655); 2026.11.16 gave 0.667 / 0.739.
#   Tuning data since 2026.11.19 (the war named by its own vocabulary in the body), which
#   gives war 0.857 on it, 0.936 on probe1 and 0.960 on probe2.
# `probe4`, measured once with 2026.11.19: Korea 1.000 (18), war 0.964 (29; P 1.000,
#   R 0.931), sanctions 0.906 (29; P 1.000, R 0.828); 2026.11.16 gave war 0.863.
# `probe5`, measured once with 2026.11.24: Korea 1.000 (16), war 0.842 (33; P 1.000,
#   R 0.727), sanctions 0.963 (28; P 1.000, R 0.929); 2026.11.16 gave 0.755 / 0.923.
#   Tuning data since 2026.11.26, which gives war 0.881 and sanctions 0.982 on it (probe1
#   0.958 / 0.980, probe2 0.960 / 0.920, probe3 0.923 / 0.885, probe4 0.982 / 0.945);
#   2026.11.27 (SWIFT reconnection): sanctions probe2 0.941, probe3 0.906, probe4 0.964.
# `probe6`, measured once with 2026.11.27: Korea 1.000 (16), war 0.902 (27; P 0.958,
#   R 0.852), sanctions 0.958 (25; P 1.000, R 0.920); 2026.11.24 gave war 0.902 and
#   sanctions 0.936. Tuning data since 2026.11.28 (drones over Russian cities): war 0.923.
# `probe7`, measured once with 2026.12.1: Korea 1.000 (13), war 0.957 (23; P 0.957,
#   R 0.957), sanctions 0.783 (28; P 1.000, R 0.643); 2026.11.28 gave sanctions 0.756.
#   Fifteen of its 28 sanctions stories never write the word. Tuning data since 2026.12.2
#   (restrictive measures, numbered EU packages, US restrictions), which gives 0.833;
#   2026.12.3 (a freeze verb six words from the funds, the cap on Russian oil): 0.902.
# `probe8`, a mix as a night's feed would give it, measured once with 2026.12.3: Korea 1.000
#   (13), war 0.933 (24; P 1.000, R 0.875), sanctions 0.979 (24; P 1.000, R 0.958);
#   2026.11.28 gave sanctions 0.957. Tuning data since 2026.12.5 (Ukraine's drones): war 0.957.
# `probe9`, a night's mix again, measured once with 2026.12.9: Korea 1.000 (11), war 0.889
#   (24; P 0.952, R 0.833), sanctions 0.955 (23; P 1.000, R 0.913); 2026.11.28 the same.
#   Tuning data since 2026.12.10 (a drone over a Russian city, an exchange told with its
#   number): war 0.936 (probe3 0.943).
# `probe10`, a war-leaning and an economy-leaning night, measured once with 2026.12.12: Korea
#   1.000 (15), war 0.868 (30; P 1.000, R 0.767), sanctions 0.842 (21; P 0.941, R 0.762).
#   Tuning data since 2026.12.13 (fighting in the Kursk region, a traffic law's package of
#   penalties): war 0.889, sanctions 0.865; 2026.12.14 (frozen Russian assets put to Ukraine's
#   use): war 0.909.
# `probe11`, a Middle East and economy night and an international one, measured once with
#   2026.12.14: Korea 1.000 (17), war 0.884 (24; P 1.000, R 0.792), sanctions 0.930 (22;
#   P 0.952, R 0.909). Tuning data since 2026.12.15 (one drone over a Russian city,
#   "subject to sanctions" without the article, a state that punishes): war 0.909,
#   sanctions 0.955.
# `probe12`, 40 short regional items and 40 analyses and explainers, measured once with
#   2026.12.15: Korea 1.000 (15), war 0.844 (26; P 1.000, R 0.731), sanctions 0.930 (23;
#   P 1.000, R 0.870). Tuning data since 2026.12.16 (a ceasefire with Ukraine, the grain
#   export deal): war 0.894.
# `probe13`, a wire night of long multi-expert pieces and a night of regional short items and
#   roundups, measured once with 2026.12.17: Korea 1.000 (18), war 0.945 (29; P 1.000,
#   R 0.897), sanctions 0.981 (27; P 1.000, R 0.963). Tuning data since 2026.12.18 (the
#   Black Sea truce of the 2025 talks): war 0.964 (probe11 0.933).
# `probe14`, 2024-2026 events with a third hard negatives, measured once with 2026.12.19:
#   Korea 0.933 (16; P 1.000, R 0.875), war 0.857 (19; P 0.938, R 0.789), sanctions 1.000
#   (20). Tuning data since 2026.12.20 (the Korean state's words of 2025, Korea named after
#   the lead in five sentences, Ukraine's armed forces and one drone, strikes on Odesa, big
#   cities as venues): Korea 1.000, war 0.944.
# `probe15`, 2022-2023 copy and explainers, profiles and op-eds, measured once with 2026.12.20:
#   Korea 1.000 (16), war 0.898 (24; P 0.880, R 0.917), sanctions 0.927 (21; P 0.950,
#   R 0.905). Tuning data since 2026.12.21 (the cruiser Moskva, Ukraine's forces marking the
#   war): war 0.941.
# `probe16`, a pan-Arab night and regional papers, measured once with 2026.12.21 and not
#   tuned on: Korea 1.000 (11), war 0.929 (15; P 1.000, R 0.867), sanctions 0.963 (14;
#   P 1.000, R 0.929).
# `probe17`, a wire night and regional outlets (half hard negatives), measured once with
#   2026.12.21: Korea 1.000 (19), war 0.919 (20; P 1.000, R 0.850), sanctions 1.000 (20).
#   Tuning data since 2026.12.22 (Ukrainian shelling of Belgorod, the Black Sea deal and
#   Ukraine's navy): war 1.000.
# `probe18`, TV channels' sites and national agencies' and papers' copy, measured once with
#   2026.12.22: Korea 1.000 (20), war 0.857 (20; P 1.000, R 0.750), sanctions 0.950 (21;
#   P 1.000, R 0.905). Tuning data since 2026.12.23 (Sumy, the Russian-Ukrainian crisis, the
#   grain deal as اتفاقية, "unilateral coercive measures"): war 0.947, sanctions 0.976.
# `probe19`, a pan-Arab site's evening and Maghreb and Levant papers, measured once with
#   2026.12.24 and not tuned on: Korea 1.000 (20), war 0.950 (20; P 0.950, R 0.950),
#   sanctions 1.000 (20).
# `probe20`, a Gulf paper's two days and an international service's Arabic copy, measured
#   once with 2026.12.25 and not tuned on: Korea 1.000 (20), war 0.905 (23; P 1.000,
#   R 0.826), sanctions 0.974 (20; P 1.000, R 0.950).
# `probe21`, Russian state media's, Anadolu's, Egyptian and Maghreb sites' copy and Iraqi,
#   Yemeni, Gulf economic and Lebanese outlets', measured once with 2026.12.25 and not tuned
#   on: Korea 1.000 (20), war 1.000 (23), sanctions 0.974 (20; P 1.000, R 0.950).
# `probe22`, pan-Arab, Sudanese, Tunisian and Gulf outlets' copy, measured once with
#   2026.12.26 and not tuned on: Korea 0.974 (20; R 0.950), war 0.977 (22; R 0.955),
#   sanctions 0.947 (20; P 1.000, R 0.900). Tuning data since 2026.12.27: Korea 1.000,
#   sanctions 1.000.
# `probe23`, a Levant and Egypt evening and an Asia and world economy morning, measured once
#   with 2026.12.27: Korea 0.923 (21; P 1.000, R 0.857), war 0.750 (20; P 1.000, R 0.600),
#   sanctions 0.976 (21; P 1.000, R 0.952). Tuning data since 2026.12.28 (the war told
#   through Ukraine's ports, front, air defence and sea drones and Russian strikes beside
#   Ukraine's names; Kim Yo Jong's weight): Korea 0.950, war 0.947.
# `probe24`, a Gulf, Iraq, Iran and Yemen night and a Europe, Russia and Ukraine morning,
#   measured once with 2026.12.28: Korea 0.973 (19; R 0.947), war 0.800 (27; P 1.000,
#   R 0.667; six of its nine misses are sanctions on Russia that never name Ukraine, which
#   its reader also counted as the war, all marked borderline), sanctions 0.872 (22; P 1.000,
#   R 0.773). Tuning data since 2026.12.29 (an Iranian cargo's forfeiture, asset freezes
#   written «تجميد أي أصول», the dark fleet, Ukraine's Sea Baby drones): sanctions 0.927.
# `probe25`, a Maghreb, sport and culture evening and an Asia-Pacific and Americas night,
#   measured once with 2026.12.29: Korea 0.950 (20; P 0.950, R 0.950), war 0.872 (22;
#   P 1.000, R 0.773), sanctions 0.900 (22; P 1.000, R 0.818). Tuning data since 2026.12.30
#   (youth World Cups, arming Kyiv, the reparations loan, shells for "the Russian front"):
#   Korea 0.974, war 0.952.
# `probe26`, an Africa, Horn, Turkey and Central Asia evening and a US, Europe and technology
#   morning, measured once with 2026.12.30 and not tuned on: Korea 0.973 (19; R 0.947), war
#   0.800 (24; P 1.000, R 0.667; four of its eight misses are sanctions stories its reader
#   also counted as the war, all borderline), sanctions 0.842 (22; P 1.000, R 0.727).
# `probe27`, an Iran, Israel and Levant security night and a Russia, Ukraine and East Asia
#   security morning, measured once with 2026.12.30 and not tuned on: Korea 0.973 (19;
#   R 0.947), war 0.884 (24; P 1.000, R 0.792), sanctions 0.778 (21; P 0.933, R 0.667).
# `probe28`, an energy, shipping and markets desk and a night of columns, interviews and
#   round-ups, measured once with 2026.12.31: Korea 0.919 (20; R 0.850), war 0.829 (24;
#   R 0.708), sanctions 0.900 (22; R 0.818), no false positive. Tuning data since.
# `probe29`, the Caucasus, Balkans, Baltic and Nordic desk and the Gulf business and Asia
#   pages, measured once with 2027.1.1 and not tuned on: Korea 0.889 (20; R 0.800), war
#   0.829 (24; R 0.708), sanctions 0.811 (22; R 0.682), no false positive (2026.12.31:
#   sanctions 0.743).
# `probe30`, a wire service's breaking-news night and the Africa, Latin America and UN desk,
#   measured once with 2027.1.2 and not tuned on: Korea 0.923 (21; R 0.857), war 0.900 (22;
#   R 0.818), sanctions 0.974 (20; R 0.950), no false positive (2026.12.31 the same).
# `probe61`, a Jordanian daily's world, economy and opinion pages and a Kuwaiti economic
#   paper's markets desk with a Lebanese channel's world news, measured once with 2027.2.1
#   (2027.1.31 the same) and not tuned on: Korea 1.000 (20), war 0.917 (26; P 1.000,
#   R 0.846), sanctions 0.977 (22; P 1.000, R 0.955).
# `probe62`, an Algerian daily's and a Tunisian site's world and economy pages and a Gulf
#   agency's wire with a Bahraini daily's business desk, measured once with 2027.2.2
#   (2027.1.31 the same) and not tuned on: Korea 1.000 (18), war 0.960 (26; P 1.000,
#   R 0.923), sanctions 0.976 (21; P 1.000, R 0.952).
# The floors sit about one article below.
PROBE_FLOORS = {  # split: Korea, war, sanctions
    "probe1": (0.97, 0.95, 0.95),
    "probe2": (0.97, 0.97, 0.91),
    "probe3": (0.97, 0.89, 0.88),
    "probe4": (0.97, 0.95, 0.96),
    "probe5": (0.97, 0.85, 0.95),
    "probe6": (0.97, 0.89, 0.93),
    "probe7": (0.97, 0.93, 0.87),
    "probe8": (0.97, 0.93, 0.95),
    "probe9": (0.97, 0.93, 0.93),
    "probe10": (0.97, 0.88, 0.84),
    "probe11": (0.97, 0.90, 0.93),
    "probe12": (0.97, 0.87, 0.91),
    "probe13": (0.97, 0.94, 0.95),
    "probe14": (0.97, 0.92, 0.97),
    "probe15": (0.97, 0.92, 0.90),
    "probe16": (0.97, 0.90, 0.92),
    "probe17": (0.97, 0.97, 0.97),
    "probe18": (0.97, 0.91, 0.95),
    "probe19": (0.97, 0.92, 0.97),
    "probe20": (0.97, 0.88, 0.95),
    "probe21": (0.97, 0.97, 0.95),
    "probe22": (0.97, 0.95, 0.97),
    "probe23": (0.92, 0.92, 0.95),
    "probe24": (0.94, 0.77, 0.90),
    "probe25": (0.94, 0.92, 0.87),
    "probe26": (0.94, 0.77, 0.81),
    "probe27": (0.94, 0.86, 0.74),
    "probe28": (0.89, 0.80, 0.87),
    "probe29": (0.86, 0.80, 0.78),
    "probe30": (0.90, 0.87, 0.95),
    "probe31": (0.94, 0.85, 0.87),
    "probe32": (0.94, 0.85, 0.93),
    "probe33": (0.92, 0.90, 0.93),
    "probe34": (0.92, 0.92, 0.70),
    "probe35": (0.90, 0.93, 0.90),
    "probe36": (0.97, 0.93, 0.92),
    "probe37": (0.92, 0.92, 0.84),
    "probe38": (0.94, 0.91, 0.89),
    "probe39": (0.94, 0.82, 0.88),
    "probe40": (0.94, 0.85, 0.93),
    "probe41": (0.94, 0.84, 0.87),
    "probe42": (0.97, 0.87, 0.85),
    "probe43": (0.92, 0.94, 0.97),
    "probe44": (0.92, 0.83, 0.93),
    "probe45": (0.97, 0.87, 0.97),
    "probe46": (0.97, 0.87, 0.95),
    "probe47": (0.97, 0.90, 0.92),
    "probe48": (0.92, 0.95, 0.84),
    "probe49": (0.94, 0.89, 0.90),
    "probe50": (0.97, 0.93, 0.97),
    "probe51": (0.97, 0.90, 0.88),
    "probe52": (0.97, 0.93, 0.97),
    "probe53": (0.97, 0.87, 0.90),
    "probe54": (0.92, 0.92, 0.86),
    "probe55": (0.95, 0.92, 0.95),
    "probe56": (0.94, 0.94, 0.97),
    "probe57": (0.97, 0.83, 0.89),
    "probe58": (0.94, 0.77, 0.87),
    "probe59": (0.97, 0.92, 0.92),
    "probe60": (0.92, 0.94, 0.87),
    "probe61": (0.97, 0.88, 0.95),
    "probe62": (0.97, 0.92, 0.94),
}


@pytest.mark.parametrize("split", list(PROBE_FLOORS))
def test_quality_on_the_written_2022_to_2025_probes(split: str) -> None:
    gold = evaluate.read_gold(PROBE, split)
    assert len(gold) == 80
    report = evaluate.evaluate(Tagger(load_taxonomy()), gold,
                               evaluate.read_articles(PROBE, set(gold)), evaluate.CORE_TOPICS)
    f1 = {s.topic: s.f1 for s in report.topics}
    floors = dict(zip(evaluate.CORE_TOPICS, PROBE_FLOORS[split], strict=True))
    for topic, floor in floors.items():
        assert f1[topic] >= floor, (topic, f1[topic], evaluate.misses(report))


# --- the label alias file (pipeline/data/label_aliases.yaml) ---------------------------------

def test_the_packaged_label_aliases_load_and_name_gazetteer_entities() -> None:
    aliases = evaluate.load_label_aliases()
    assert len(aliases) >= 200
    # Label sets written with English Wikipedia titles map to the names news uses.
    assert aliases["Washington, D.C."] == "Washington"
    assert aliases["Ministry of Defence (Russia)"] == aliases["Russian Defense Ministry"]
    # A target the gazetteer does not hold could never meet a linked prediction.
    names = {e.en for e in load_gazetteer(GAZETTEER)}
    assert sorted(set(aliases.values()) - names) == []


@pytest.mark.parametrize(("text", "message"), [
    ("version: 1\naliases:\n  Gaza: Gaza Strip\n  Washington: [Washington, D.C.]\n",
     ":4: aliases: the name for 'Washington' must be text, not a list or mapping"),
    ("version: 1\naliases:\n  Washington:\n",
     ":3: aliases: the name for 'Washington' must be text, got nothing"),
    ("version: 1\naliases:\n  1984: Nineteen Eighty-Four\n",
     ":3: aliases: a label form must be text, got '1984' (quote it"),
    ("version: 1\naliases:\n  Kremlin: Moscow Kremlin\n  Russian presidency: Kremlin\n",
     ":4: aliases: 'Russian presidency' maps to 'Kremlin', itself a label form (line 3); "
     "map it to 'Moscow Kremlin'"),
    ("version: 1\nalias:\n  Gaza: Gaza Strip\n",
     ":2: top level: unknown field 'alias' (allowed: aliases, version)"),
    ("aliases:\n  Gaza: Gaza Strip\n", ":1: missing top-level field 'version'"),
    ("version: 1\naliases: {}\n", ":2: expected a top-level 'aliases' mapping"),
])
def test_a_malformed_label_alias_file_names_its_line(tmp_path: Path, text: str,
                                                     message: str) -> None:
    path = tmp_path / "label_aliases.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(evaluate.LabelAliasError, match=re.escape(f"label_aliases.yaml{message}")):
        evaluate.load_label_aliases(path)


def test_a_label_form_given_twice_is_refused(tmp_path: Path) -> None:
    # yaml.safe_load would keep the last silently, and the first would be lost.
    path = tmp_path / "label_aliases.yaml"
    path.write_text("version: 1\naliases:\n  Washington: Washington, D.C.\n  Gaza: Gaza Strip\n"
                    "  Washington: Washington (state)\n", encoding="utf-8")
    with pytest.raises(evaluate.LabelAliasError, match=re.escape(
            "label_aliases.yaml:5: aliases: label 'Washington' given twice (first at line 3)")):
        evaluate.load_label_aliases(path)


def test_an_alias_maps_a_label_to_the_gazetteer_name_in_scoring() -> None:
    gold = {"a": [{"text": "واشنطن", "type": "LOC", "canonical": "Washington, D.C."}]}
    pred = {"a": [{"text": "واشنطن", "type": "LOC", "canonical": "Washington", "id": "Q61"}]}
    packaged = evaluate.score_entities(gold, pred)["all"]  # the packaged file by default
    assert (packaged.found, packaged.correct) == (1, 1)
    none = evaluate.score_entities(gold, pred, aliases={})["all"]
    assert (none.found, none.correct) == (0, 0)
    own = {"Washington, D.C.": "Washington"}
    assert evaluate.score_entities(gold, pred, aliases=own)["all"].found == 1
    assert evaluate.fold_name("Washington, D.C.", own) == evaluate.fold_name("Washington")
    assert evaluate.fold_name("Washington, D.C.") == "washington, d.c."  # no map, none applied


def test_cli_eval_refuses_a_broken_label_alias_file(small_eval: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    bad = small_eval / "label_aliases.yaml"
    bad.write_text("version: 1\naliases:\n  Washington: 3\n", encoding="utf-8")
    monkeypatch.setattr(evaluate, "LABEL_ALIASES_PATH", bad)
    (small_eval / "entities.jsonl").write_text(json.dumps(
        {"id": "a", "topics": [], "entities": [
            {"text": "كوريا الشمالية", "type": "LOC", "canonical": "North Korea"}]},
        ensure_ascii=False) + "\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "--gold", str(small_eval / "entities.jsonl"),
                                      "--in", str(small_eval / "arts.jsonl"), "--json"],
                                env={"COLUMNS": "300"})
    assert result.exit_code == 2, result.output
    assert "label_aliases.yaml:3: aliases: the name for 'Washington' must be text, got '3'" \
        in " ".join(result.output.split())


ADJUDICATED = REPO / "tests" / "data" / "topics" / "ant_adjudicated.jsonl"
# Every labelled ANT article read again by a second reader who saw neither the first labels
# nor any tagger output; where the two differ, a third blind reading decides. Half `A` (by
# the id's SHA-1) is where 2027.1.1 was made; half `B` was only measured. With 2026.12.31 /
# 2027.1.1: A Korea 0.969 / 0.969, war 0.529 / 0.545, sanctions 0.856 / 0.897; B Korea
# 0.986 / 0.986, war 0.714 / 0.741, sanctions 0.871 / 0.901. Floors sit a little below.
# 2027.1.30 counts the Babchenko affair as the war, as the development set's authors do and these
# readers do not: the war falls to A 0.529, B 0.690.
ADJUDICATED_FLOORS = {"A": {"korean_peninsula": 0.95, "ukraine_war": 0.50, "sanctions": 0.88},
                      "B": {"korean_peninsula": 0.97, "ukraine_war": 0.65, "sanctions": 0.88}}
# Sets drawn after that, labelled by two blind readers and a third where they differ, each
# measured once. `heldout29` (260 unlabelled ANT articles drawn in keyword pools), with
# 2027.1.2: Korea 0.957 (24; P 1.000, R 0.917), war 0.400 (3; one found, one false),
# sanctions 0.778 (20; P 0.875, R 0.700); 2026.12.31 gives sanctions 0.600 (P 0.900, R 0.450).
# Its misses were read after that measurement: tuning data since (2027.1.4 came from one).
# `heldout30` (239, the same way, 49 of them every unlabelled article left with a Ukraine
# word), with 2027.1.4: Korea 1.000 (17), sanctions 0.667 (14; P 0.800, R 0.571), no war
# story and no war tag; tuning data since (2027.1.5 came from one of its misses). `heldout31`
# (230, no Ukraine word left to draw), with 2027.1.7: Korea 0.971 (17; P 0.944), sanctions
# 0.500 (13; P 0.714, R 0.385), no war tag; tuning data since (2027.1.8: sanctions 0.571).
# Size, Korea floor, sanctions floor, most false war tags allowed.
THREE_READER_SETS = {"heldout29": (260, 0.93, 0.74, 1), "heldout30": (239, 0.97, 0.67, 0),
                     "heldout31": (230, 0.94, 0.53, 0)}


def test_adjudicated_labels_are_well_formed() -> None:
    rows = [json.loads(line) for line in ADJUDICATED.read_text(encoding="utf-8").splitlines()]
    first = {json.loads(line)["id"]: json.loads(line)
             for line in LABELS.read_text(encoding="utf-8").splitlines()}
    assert [r["id"] for r in rows] == list(first)  # the same articles, in the same order
    for r in rows:
        assert r["split"] == first[r["id"]]["split"]
        assert set(r["first"]) == set(first[r["id"]]["topics"])
        if r["split"] in THREE_READER_SETS:  # read three ways from the start: no half
            assert r["half"] == ""
        else:
            assert r["half"] == ("A" if int(hashlib.sha1(r["id"].encode()).hexdigest(), 16) % 2
                                 == 0 else "B")
        assert r["second_reason"] and isinstance(r["second_borderline"], bool)
        assert_majority(r)
        assert ("third" in r) == (set(r["first"]) != set(r["second"]))


def majority(first: bool, second: bool, third: bool | None) -> bool:
    """Two readings that agree stand; where they differ, the third reading decides."""
    if first == second:
        return first
    assert third is not None, "two readings differ and there is no third"
    return third


def assert_majority(r: dict) -> None:
    """Each core topic of a label line is the majority of its readings."""
    third = r.get("third")
    for topic in evaluate.CORE_TOPICS:
        assert (topic in r["topics"]) == majority(
            topic in r["first"], topic in r["second"], None if third is None else topic in third
        ), (r["id"], topic)


@needs_corpus
@pytest.mark.parametrize("half", ["A", "B"])
def test_quality_on_the_three_reader_labels(half: str) -> None:
    rows = [json.loads(line) for line in ADJUDICATED.read_text(encoding="utf-8").splitlines()]
    gold = {r["id"]: set(r["topics"]) for r in rows if r["half"] == half}
    assert len(gold) >= 1200
    articles = evaluate.read_articles(ANT, set(gold))
    report = evaluate.evaluate(Tagger(load_taxonomy()), gold, articles, evaluate.CORE_TOPICS)
    f1 = {s.topic: s.f1 for s in report.topics}
    for topic, floor in ADJUDICATED_FLOORS[half].items():
        assert f1[topic] >= floor, (topic, f1[topic])


@needs_corpus
@pytest.mark.parametrize("split", list(THREE_READER_SETS))
def test_quality_on_the_sets_read_by_three(split: str) -> None:
    assert_floors(ADJUDICATED, split, *THREE_READER_SETS[split])


def assert_floors(path: Path, split: str, size: int, korea: float, sanctions: float,
                  war_false: int) -> None:
    """One labelled split: its size, the Korea and sanctions floors, the false war tags allowed."""
    gold = evaluate.read_gold(path, split)
    assert len(gold) == size
    articles = evaluate.read_articles(ANT, set(gold))
    report = evaluate.evaluate(Tagger(load_taxonomy()), gold, articles, evaluate.CORE_TOPICS)
    by_topic = {s.topic: s for s in report.topics}
    assert by_topic["korean_peninsula"].f1 >= korea, evaluate.misses(report)
    assert by_topic["sanctions"].f1 >= sanctions, evaluate.misses(report)
    assert by_topic["ukraine_war"].fp <= war_false, evaluate.misses(report)


WAR_LABELS = REPO / "tests" / "data" / "topics" / "ant_war_labels.jsonl"
# Every ANT article naming Ukraine, Crimea, Kyiv or the war's 2014 places, read for the war by
# two readers with the development set's nine Russia/Ukraine articles as worked examples and a
# third where they differ (tests/data/topics/README.md). Measured once with 2027.1.27: F1
# 0.786 (22 found, 5 false, 7 missed); on the articles no reader marked borderline 13 of 13
# found and one false tag. Tuning data since: 2027.1.30 (Babchenko) gives 0.847.


def test_war_labels_are_well_formed() -> None:
    rows = [json.loads(line) for line in WAR_LABELS.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 498 and len({r["id"] for r in rows}) == 498
    assert len({r["url"] for r in rows}) == 498
    for r in rows:
        assert r["split"] == "war2018" and r["reason"] and r["outlet"]
        assert ("third" in r) == (r["first"] != r["second"]), r["id"]
        war = majority(r["first"], r["second"], r.get("third"))
        assert r["topics"] == (["ukraine_war"] if war else []), r["id"]
    assert sum(bool(r["topics"]) for r in rows) == 29


@needs_corpus
@pytest.mark.parametrize("name", ["ant_war_labels.jsonl", "ant_guided_labels.jsonl"])
def test_example_guided_labels_leave_out_the_development_set(name: str) -> None:
    dev = [json.loads(line) for line in
           (DEV / "articles.jsonl").read_text(encoding="utf-8").splitlines()]
    path = REPO / "tests" / "data" / "topics" / name
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert not {r["id"] for r in rows} & {d["id"] for d in dev}
    assert not {r["url"] for r in rows} & {d["url"] for d in dev}


@needs_corpus
def test_quality_on_the_war_read_against_the_authors_examples() -> None:
    rows = [json.loads(line) for line in WAR_LABELS.read_text(encoding="utf-8").splitlines()]
    gold = evaluate.read_gold(WAR_LABELS, "war2018")
    articles = evaluate.read_articles(ANT, set(gold))
    tagger = Tagger(load_taxonomy())
    report = evaluate.evaluate(tagger, gold, articles, ["ukraine_war"])
    assert report.topics[0].f1 >= 0.82, evaluate.misses(report)
    clear = {r["id"]: set(r["topics"]) for r in rows if not r["borderline"]}
    plain = evaluate.evaluate(tagger, clear, articles, ["ukraine_war"]).topics[0]
    assert (plain.tp, plain.fn) == (13, 0) and plain.fp <= 2, (plain.fp_ids, plain.fn_ids)


GUIDED_LABELS = REPO / "tests" / "data" / "topics" / "ant_guided_labels.jsonl"


def test_guided_labels_are_well_formed() -> None:
    rows = [json.loads(line) for line in GUIDED_LABELS.read_text(encoding="utf-8").splitlines()]
    assert len({r["id"] for r in rows}) == len(rows) == len({r["url"] for r in rows})
    others = {json.loads(line)["id"] for path in (LABELS, WAR_LABELS)
              for line in path.read_text(encoding="utf-8").splitlines()}
    assert not {r["id"] for r in rows} & others  # never read for another set
    for r in rows:
        assert re.fullmatch(r"guided\d+", r["split"]) and r["reason"] and r["outlet"]
        assert ("third" in r) == (set(r["first"]) != set(r["second"])), r["id"]
        assert_majority(r)
        assert set(r["borderline"]) <= set(evaluate.CORE_TOPICS)


# Each set read against the authors' examples, measured once (tests/data/topics/README.md):
# `guided1` with 2027.1.27 (Korea 0.955, sanctions 0.556; 2027.1.28 came from its misses, 0.667)
# and `guided2` with 2027.1.27 and 2027.1.28 (Korea 0.973, sanctions 0.421; 2027.1.29 came from its
# misses, 0.500), `guided3` with 2027.1.30 (Korea 0.982, sanctions 0.250: 8 stories, 11 of its 12
# errors marked borderline by a reader). Floors sit below.
GUIDED_FLOORS = {"guided1": (425, 0.93, 0.64), "guided2": (290, 0.95, 0.45),
                 "guided3": (300, 0.95, 0.20)}


@needs_corpus
@pytest.mark.parametrize("split", list(GUIDED_FLOORS))
def test_quality_on_the_sets_read_against_the_authors_examples(split: str) -> None:
    assert_floors(GUIDED_LABELS, split, *GUIDED_FLOORS[split], 0)
