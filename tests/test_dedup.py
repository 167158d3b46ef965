"""Copy detection in memory: signatures, verification, clusters, canonical members, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.dedup import (
    CopyIndex,
    DedupConfig,
    Hasher,
    InputArticle,
    InputError,
    dedup_records,
    read_articles,
    signature,
    verify,
)

LEAD = (
    "أعلن البيت الأبيض الثلاثاء أن الرئيس الأمريكي سيلتقي الزعيم الكوري الشمالي في سنغافورة "
    "في الثاني عشر من يونيو المقبل، في أول قمة من نوعها بين البلدين منذ الحرب الكورية، وقال "
    "المتحدث باسم الرئاسة إن التحضيرات تجري على قدم وساق."
)
CANCELLED = (
    "ألغى الرئيس الأمريكي الخميس القمة المقررة مع الزعيم الكوري الشمالي في سنغافورة، متهما "
    "بيونغ يانغ بإظهار عداء مفتوح في تصريحاتها الأخيرة، وكتب في رسالة نشرها البيت الأبيض أن "
    "اللقاء لن يعقد في موعده."
)
BACKGROUND = [
    "وكانت العلاقات بين واشنطن وبيونغ يانغ قد شهدت توترا حادا خلال العام الماضي بعد سلسلة من "
    "التجارب الصاروخية والنووية التي أجرتها كوريا الشمالية رغم العقوبات الدولية المفروضة عليها.",
    "ورحبت كوريا الجنوبية بالإعلان، وقال مكتب رئيسها إن القمة فرصة تاريخية لإحلال السلام الدائم "
    "في شبه الجزيرة الكورية وإنهاء عقود من العداء بين الجارتين.",
    "ويطالب المسؤولون الأمريكيون بنزع كامل للأسلحة النووية يمكن التحقق منه ولا رجعة فيه قبل "
    "رفع أي من العقوبات الاقتصادية التي أنهكت اقتصاد البلد المعزول.",
    "ويرى محللون أن نجاح القمة يتوقف على استعداد الطرفين لتقديم تنازلات متبادلة، في حين تبقى "
    "الشكوك قائمة حول نوايا بيونغ يانغ بعد تجارب سابقة من المفاوضات التي انهارت.",
    "وتستضيف سنغافورة اللقاء في فندق على جزيرة سنتوسا وسط إجراءات أمنية مشددة، بحسب ما أعلنت "
    "وزارة الخارجية في الدولة المضيفة التي وصفت الحدث بأنه شرف كبير.",
]
FULL = "\n".join([LEAD, *BACKGROUND])
T0 = datetime(2018, 5, 10, 8, 0, tzinfo=UTC)


def art(aid: str, text: str, title: str = "قمة سنغافورة", hours: int = 0) -> InputArticle:
    return InputArticle(aid, title, text, T0 + timedelta(hours=hours))


def by_id(articles: list[InputArticle]) -> dict[str, dict]:
    return {r["id"]: r for r in dedup_records(articles)}


def test_signature_is_pure_and_stable_across_processes() -> None:
    hasher = Hasher(DedupConfig())
    a = signature(hasher, "x", "t", FULL)
    b = signature(Hasher(DedupConfig()), "x", "t", FULL)
    assert a.content_hash == b.content_hash
    assert a.band_keys.tolist() == b.band_keys.tolist()
    # Band keys are stored in Postgres and compared across workers: they must not depend on
    # the interpreter's hash seed.
    code = (
        "import sys, json; from pipeline.dedup import *; "
        "s = signature(Hasher(DedupConfig()), 'x', 't', sys.stdin.read()); "
        "print(json.dumps(s.band_keys.tolist()))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], input=FULL, capture_output=True,
                         text=True, env=env, check=True, cwd=Path(__file__).parents[1])
    assert json.loads(out.stdout) == a.band_keys.tolist()


def test_surface_variants_are_exact_copies() -> None:
    decorated = FULL.replace("أعلن", "أَعْلَنَ").replace("الرئيس", "الرئيـــس")
    quoted = FULL.replace("الثاني عشر", '"الثاني عشر"').replace("12", "١٢")
    credited = "واشنطن (أ ف ب) - " + FULL + "\nفرانس24/ أ ف ب"
    out = by_id([art("a", FULL), art("b", decorated, hours=1), art("c", quoted, hours=2),
                 art("d", credited, "عنوان آخر", hours=3)])
    for aid in "bcd":
        assert out[aid]["kind"] == "exact"
        assert out[aid]["duplicate_of"] == "a"
        assert out[aid]["similarity"] == 1.0
    assert out["a"]["kind"] == "unique" and out["a"]["duplicate_of"] is None
    assert out["d"]["wire_credits"] == ["AFP", "France 24"]


def test_trimmed_and_lead_only_copies_are_near_copies() -> None:
    trimmed = "\n".join([LEAD, *BACKGROUND[:3]])
    out = by_id([art("full", FULL), art("trim", trimmed, hours=1),
                 art("lead", LEAD, hours=2)])
    assert out["trim"]["kind"] == "near" and out["trim"]["duplicate_of"] == "full"
    assert out["lead"]["kind"] == "near" and out["lead"]["duplicate_of"] == "full"
    assert out["lead"]["containment"] >= 0.95
    assert out["lead"]["jaccard"] < 0.5  # found by containment, not by Jaccard


def test_new_development_over_the_same_background_is_not_a_copy() -> None:
    cancelled = "\n".join([CANCELLED, *BACKGROUND])
    hasher = Hasher(DedupConfig())
    verdict = verify(signature(hasher, "a", "", FULL), signature(hasher, "b", "", cancelled),
                     DedupConfig())
    assert verdict.jaccard > 0.6  # most text is shared...
    assert not verdict.is_copy  # ...but the leads differ: a different event
    out = by_id([art("announced", FULL), art("cancelled", cancelled, hours=48)])
    assert out["announced"]["cluster_id"] != out["cancelled"]["cluster_id"]
    assert out["cancelled"]["kind"] == "unique"


def test_a_later_fuller_copy_becomes_canonical_and_the_cluster_id_stays() -> None:
    lead_only = "\n".join([LEAD, BACKGROUND[0]])
    out = by_id([art("early", lead_only), art("full", FULL, hours=5)])
    assert out["early"]["cluster_id"] == out["full"]["cluster_id"] == "early"
    assert out["full"]["duplicate_of"] is None and out["full"]["kind"] == "unique"
    assert out["early"]["duplicate_of"] == "full" and out["early"]["kind"] == "near"
    assert out["early"]["matched_id"] == "full"


def test_clearly_fuller_is_required_to_take_over() -> None:
    near_equal = "\n".join([LEAD, *BACKGROUND[:-1], BACKGROUND[-1] + " وأضافت أن الاستعدادات"])
    out = by_id([art("first", FULL), art("second", near_equal, hours=1)])
    assert out["second"]["duplicate_of"] == "first"


def test_result_does_not_depend_on_input_order() -> None:
    items = [art("full", FULL, hours=3), art("lead", "\n".join([LEAD, BACKGROUND[0]]), hours=1),
             art("other", "\n".join([CANCELLED, *BACKGROUND]), hours=2)]
    assert by_id(items) == by_id(list(reversed(items)))


def test_stubs_match_only_exactly_with_their_title() -> None:
    stub = "شاهد الفيديو."
    out = by_id([art("a", stub, "عنوان أول"), art("b", stub, "عنوان ثان", hours=1),
                 art("c", stub, "عنوان أول", hours=2)])
    assert out["a"]["cluster_id"] != out["b"]["cluster_id"]
    assert out["c"]["kind"] == "exact" and out["c"]["duplicate_of"] == "a"


def test_title_only_copies_keep_the_first_as_canonical() -> None:
    """A copy with no body words is not "fuller" than the canonical one with none either."""
    title = "عاجل: الرئيس الأمريكي يلغي القمة مع الزعيم الكوري الشمالي"
    out = by_id([art("first", "", title), art("second", "", title, hours=1),
                 art("third", "", title, hours=2)])
    assert out["first"]["kind"] == "unique" and out["first"]["duplicate_of"] is None
    assert out["second"]["kind"] == out["third"]["kind"] == "exact"
    assert out["second"]["duplicate_of"] == out["third"]["duplicate_of"] == "first"


def test_articles_without_a_word_are_copies_of_nothing() -> None:
    """A title of punctuation over a body that is only a wire credit says nothing to match."""
    out = by_id([art("a", "(أ ف ب)", "..."), art("b", "(رويترز)", "…", hours=1),
                 art("c", "(أ ف ب)", "...", hours=2)])
    assert {r["kind"] for r in out.values()} == {"unique"}
    assert len({r["cluster_id"] for r in out.values()}) == 3


def test_unrelated_articles_are_not_even_candidates() -> None:
    cfg = DedupConfig()
    hasher = Hasher(cfg)
    index = CopyIndex(cfg)
    index.add(signature(hasher, "a", "", FULL))
    other = (
        "فاز المنتخب المغربي على نظيره الإيراني في مباراة ودية أقيمت مساء السبت في الدار البيضاء، "
        "وسجل الهدف الوحيد مهاجم الفريق في الدقيقة الثمانين بعد تمريرة من خط الوسط، وقال المدرب "
        "إن الأداء كان مقنعا رغم غياب عدد من اللاعبين الأساسيين بسبب الإصابة قبل البطولة."
    )
    assert index.candidate_ids(signature(hasher, "b", "", other)) == []
    edited = FULL.replace("الثلاثاء", "الأربعاء")
    assert index.candidate_ids(signature(hasher, "c", "", edited)) == ["a"]


def test_read_articles_reports_bad_lines() -> None:
    good = json.dumps({"id": 1, "title": "t", "text": "x", "published": "2018-05-01T10:00:00Z"})
    assert read_articles([good, "", good.replace('"id": 1', '"id": 2')])[1].id == "2"
    with pytest.raises(InputError, match="line 2: not JSON"):
        read_articles([good, "{oops"])
    with pytest.raises(InputError, match="line 2: duplicate id '1'"):
        read_articles([good, good])
    with pytest.raises(InputError, match="line 1: an object with an 'id'"):
        read_articles(['{"title": "t"}'])
    # Refused as `akhbar tag` refuses them: no words, or a number for a text.
    with pytest.raises(InputError, match="line 1: a non-empty 'title', 'text' or 'body'"):
        read_articles(['{"id": 1}'])
    with pytest.raises(InputError, match="line 1: 'title' must be a string"):
        read_articles(['{"id": 1, "title": 5, "text": "5"}'])
    # A body stands for a missing text.
    assert read_articles(['{"id": 1, "title": "t", "body": "نص"}'])[0].text == "نص"


def test_cli_writes_one_line_per_article(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    rows = [
        {"id": "a", "title": "قمة", "text": FULL, "published": "Thu, 10 May 2018 08:00:00 GMT"},
        {"id": "b", "title": "قمة أخرى", "text": "\n".join([LEAD, BACKGROUND[0]]),
         "url": "https://example.org/b"},
        {"id": "c", "title": "إلغاء", "text": "\n".join([CANCELLED, *BACKGROUND])},
    ]
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    dst = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["dedup", "--in", str(src), "--out", str(dst)])
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in dst.read_text("utf-8").splitlines()]
    assert [r["id"] for r in out] == ["a", "b", "c"]
    for r in out:
        assert {"id", "cluster_id", "duplicate_of", "similarity", "kind"} <= set(r)
    assert out[1]["duplicate_of"] == "a" and out[1]["kind"] == "near"
    assert out[2]["kind"] == "unique" and out[2]["duplicate_of"] is None
    assert "3 articles" in result.output


def test_one_pass_tokenizer_equals_normalize_then_words() -> None:
    from pipeline.dedup import tokens_of
    from pipeline.normalize import WORD, normalize

    dev = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "dev"
    texts = [FULL, CANCELLED, "«قالَ» ٢٠١٨ الــرئيس: أإآ ى ة #كوريا_الشمالية ABC-12"]
    if (dev / "articles.jsonl").exists():
        for line in (dev / "articles.jsonl").open(encoding="utf-8"):
            row = json.loads(line)
            texts += [row["title"] or "", row["text"] or ""]
    for text in texts:
        assert tokens_of(text) == " ".join(WORD.findall(normalize(text)))


def test_band_table_finds_every_entry_through_growth_and_clashes() -> None:
    import numpy as np

    from pipeline.lsh import BandTable

    table = BandTable(4)
    rng = np.random.default_rng(7)
    keys = [rng.integers(-(2**63), 2**63 - 1, size=64, dtype=np.int64) for _ in range(3000)]
    keys.append(keys[5].copy())  # a second article under the same keys
    clash = keys[9][:1] ^ np.int64(1 << 40)  # same low 32 bits, other high bits
    for number, k in enumerate(keys):
        table.insert(k, number)
    table.insert(clash, 99999)
    assert len(table) == 64 * 3001 + 1
    for number, k in enumerate(keys):
        found, tags = table.lookup(k)
        assert number in found.tolist()
        assert set(tags.tolist()) <= set(range(64))
    assert sorted(table.lookup(keys[5][:1])[0].tolist()) == [5, 3000]
    # A 32-bit fingerprint clash returns an extra candidate, never loses the true one.
    assert set(table.lookup(keys[9][:1])[0].tolist()) == {9, 99999}


def test_cli_bad_input_fails_without_writing(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "title": "t", "text": "x"}\n{broken\n', "utf-8")
    dst = tmp_path / "out.jsonl"
    result = CliRunner().invoke(app, ["dedup", "--in", str(src), "--out", str(dst)])
    assert result.exit_code == 2
    assert "line 2: not JSON" in " ".join(result.output.split())
    assert not dst.exists()
    src.write_text('{"id": "a", "title": "t", "text": "x"}\n{"id": null, "title": "u"}\n',
                   "utf-8")
    result = CliRunner().invoke(app, ["dedup", "--in", str(src), "--out", str(dst)])
    assert result.exit_code == 2  # a null id would be written as "None"
    assert "line 2: an object with an 'id' is required" in " ".join(result.output.split())
    assert not dst.exists()
