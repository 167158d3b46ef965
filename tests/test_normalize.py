"""Normalization: exact outputs on known inputs, and equivalence with camel-tools."""

import gzip
import json
from pathlib import Path

import pytest

from pipeline.normalize import (
    html_to_text,
    iter_sentences,
    normalize,
    normalize_inline,
    reference_normalize,
    tokenize,
    tokenize_reference,
    translation_table,
)

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("مُحَمَّدٌ", "محمد"),  # diacritics
        ("الســــلام", "السلام"),  # tatweel
        ("أحمد إبراهيم آمال ٱلقدس", "احمد ابراهيم امال القدس"),  # alef forms and wasla
        ("مستشفى", "مستشفي"),  # alef maksura
        ("مدرسة", "مدرسه"),  # teh marbuta
        ("عام ٢٠٢٣ و۱۴", "عام 2023 و14"),  # Arabic-Indic and Persian digits
        ("قال «نعم» و“لا” و„ربما‟", 'قال "نعم" و"لا" و"ربما"'),  # quote styles
        ("هل؟ نعم، حسناً؛", "هل? نعم, حسنا;"),  # Arabic punctuation
        ("ﻻ", "لا"),  # presentation-form ligature
        ("كو\u200cريا", "كوريا"),  # zero-width non-joiner inside a word
        ("Reuters  وكالة", "reuters وكاله"),  # Latin lower-cased, spaces folded
    ],
)
def test_normalize_known_inputs(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_keeps_paragraphs() -> None:
    assert normalize("سطر أول\n\n\n  سطر ثانٍ  ") == "سطر اول\nسطر ثان"
    assert normalize_inline("سطر\nثانٍ") == "سطر ثان"


def test_fast_table_equals_camel_tools_on_corpus() -> None:
    """The translate table must give exactly what camel-tools' functions give."""
    table = translation_table()
    texts = []
    for line in (CORPUS / "dev" / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        texts += [rec["title"] or "", rec.get("summary") or "", rec["text"] or ""]
    with gzip.open(CORPUS / "ant-v2.1.jsonl.gz", "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i % 40 == 0:
                rec = json.loads(line)
                texts += [rec["title"] or "", rec["text"] or ""]
    assert len(texts) > 800
    mismatches = [t for t in texts if t.translate(table) != reference_normalize(t)]
    assert mismatches == []


def test_tokenize_maps_back_to_original() -> None:
    text = "قالَ «كيمُ جونغ أون»: ٣ صواريخ ـ أُطلقت"
    tokens = tokenize(text)
    assert tokens.joined == " قال كيم جونغ اون 3 صواريخ اطلقت "
    assert tokens.count == 7
    start, end = tokens.original_span(1, 3)
    assert text[start:end] == "كيمُ جونغ أون"
    assert tokens.token_index(tokens.joined.index("صواريخ")) == 5


def test_tokenize_drops_lone_marks() -> None:
    text = "كلمة \u064b أخرى"
    tokens = tokenize(text)
    assert tokens.tokens() == ["كلمه", "اخري"]
    assert [text[s:e] for s, e in tokens.spans] == ["كلمة", "أخرى"]


def test_html_to_text() -> None:
    html = "<p>أول &amp; فقرة</p><script>x()</script><br/>ثانية&nbsp;هنا"
    assert html_to_text(html) == "أول & فقرة\nثانية هنا"
    assert html_to_text("نص بلا وسوم") == "نص بلا وسوم"


def test_html_to_text_keeps_less_than_and_greater_than_signs() -> None:
    # Decoded from &lt; and &gt;: signs in the text, not a tag to strip.
    weather = "<p>الحرارة <40 درجة في الظل، والرطوبة >70 بالمئة</p>"
    assert html_to_text(weather) == "الحرارة <40 درجة في الظل، والرطوبة >70 بالمئة"
    assert html_to_text("<p>a < b and c > d</p>") == "a < b and c > d"
    # Tags, comments and declarations still go.
    assert html_to_text('<!DOCTYPE html><!-- x < y --><div class="a">نص</div>') == "نص"


def test_offsets_hold_when_a_word_splits_and_another_vanishes() -> None:
    # ﷻ normalizes to two words and a lone tatweel (a dateline's dash) to none: the token
    # count is unchanged, but every token after them must still map to its own word.
    text = "قال الشيخ إن الله ﷻ يأمر بالعدل، وفرضت واشنطن عقوبات على كوريا الشمالية ـ أ ف ب"
    for tokens in (tokenize(text), tokenize_reference(text)):
        words = tokens.tokens()
        spans = tokens.spans
        assert len(spans) == tokens.count == len(words)
        at = words.index("عقوبات")
        assert text[spans[at][0]:spans[at][1]] == "عقوبات"
        assert text[slice(*spans[words.index("كوريا")])] == "كوريا"


def test_invisible_characters_inside_a_word_do_not_split_it() -> None:
    # A soft hyphen, a zero-width space or a direction mark a CMS left inside or around a
    # word: normalization drops them, tokens keep the word whole, spans leave them out.
    text = "فرضت عقو\u00adبات على كو\u200bريا و\u200fروسيا\u200f اليوم"
    for tokens in (tokenize(text), tokenize_reference(text)):
        assert tokens.tokens() == ["فرضت", "عقوبات", "علي", "كوريا", "وروسيا", "اليوم"]
        surfaces = [text[a:b] for a, b in tokens.spans]
        assert surfaces[4] == "و\u200fروسيا" and surfaces[5] == "اليوم"


def test_fast_tokenize_equals_the_reference() -> None:
    texts = ["", "a_b __ c", "ﻻ يوجد", "كلمة\u200cمع", "\x00نص", "ـــ x", "مُ ّ كلمة",
             "٣٤٥ ＡＢＣ", "😀 نص", "ﷺ محمد", "#كوريا_الشمالية!", "كلمة\u200eأخرى"]
    for line in (CORPUS / "dev" / "articles.jsonl").read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        texts += [rec.get("title") or "", rec.get("text") or ""]
    with gzip.open(CORPUS / "ant-v2.1.jsonl.gz", "rt", encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i % 100 == 0:
                texts.append(json.loads(line)["text"] or "")
    for text in texts:
        fast, ref = tokenize(text), tokenize_reference(text)
        assert (fast.joined, fast.count) == (ref.joined, ref.count), text[:40]
        assert fast.spans == ref.spans, text[:40]


def test_array_translation_and_space_folding_equal_the_plain_forms() -> None:
    # Long texts are translated by array lookup and spaces folded only where a run needs it:
    # both must give exactly what str.translate and the plain regex give.
    from pipeline.normalize import _SPACES, _translate, fold_spaces

    table = translation_table()
    multi = next(chr(c) for c, out in table.items() if len(out) > 1)
    dropped = next(chr(c) for c, out in table.items() if not out)
    pieces = ["مُحَمَّدٌ", "الســلام", " ", "  ", "\t", "\n", "\r\n", "\f\v", "\xa0", "٢٠٢٣",
              "\u200c", "\U0001f600", "\ufb50", "abc", multi, dropped, "\x00", "\ud800"]
    for seed in range(200):
        text = "".join(pieces[(seed * 7 + i * i) % len(pieces)] for i in range(seed * 3))
        assert _translate(text) == text.translate(table)
        assert fold_spaces(text) == _SPACES.sub(" ", text)
    long = "مُحَمَّدٌ ذهب الى المدرسة  " * 40
    assert _translate(long) == long.translate(table)
    assert _translate(long + multi) == (long + multi).translate(table)


def test_a_decimal_point_is_no_sentence_end() -> None:
    text = ("صعد برنت 0.9 بالمئة إلى 74.71 دولار.\nوقال محلل إن السوق هادئة. وانتهى عام 2018.\n"
            "حقا؟! نعم")
    spans = list(iter_sentences(text))
    assert [text[a:b].strip() for a, b in spans] == [
        "صعد برنت 0.9 بالمئة إلى 74.71 دولار.", "وقال محلل إن السوق هادئة.",
        "وانتهى عام 2018.", "حقا؟!", "نعم"]
