"""Boilerplate stripping: furniture goes, news text stays, wire credits are kept as a field."""

from __future__ import annotations

from pipeline.boilerplate import strip_boilerplate


def test_cnn_dateline_is_removed_and_credited() -> None:
    body = (
        "دبي، الإمارات العربية المتحدة (CNN) -- أعلنت لجنة نوبل، الجمعة، منح جائزة نوبل للسلام.\n"
        "وقالت اللجنة إن الجائزة تكرم جهود الفائزين."
    )
    out = strip_boilerplate(body)
    assert out.text.startswith("أعلنت لجنة نوبل، الجمعة")
    assert out.wire_credits == ("CNN",)
    assert "وقالت اللجنة إن الجائزة تكرم جهود الفائزين." in out.text


def test_bare_agency_dateline() -> None:
    out = strip_boilerplate("(CNN)-- قف بين المتظاهرين في أمريكا.")
    assert out.text == "قف بين المتظاهرين في أمريكا."
    assert out.wire_credits == ("CNN",)


def test_app_promotion_separators_and_read_also_teasers() -> None:
    body = "\n".join([
        "قال مسؤولون إن المحادثات ستستأنف الأسبوع المقبل.",
        "اقرأ أيضاً:",
        "ترامب يصف تفتيش مكتب محاميه بأنه اعتداء",
        "",
        "هجوم مسلح على ملهى ليلي في البرازيل",
        "وأضاف المسؤولون أن الوفدين اتفقا على جدول الأعمال.",
        "-------------------------------------------------",
        "يمكنكم تسلم إشعارات بأهم الموضوعات بعد تحميل أحدث نسخة من تطبيق بي بي سي عربي على "
        "هاتفكم المحمول.",
    ])
    out = strip_boilerplate(body)
    assert out.text.split("\n") == [
        "قال مسؤولون إن المحادثات ستستأنف الأسبوع المقبل.",
        "وأضاف المسؤولون أن الوفدين اتفقا على جدول الأعمال.",
    ]
    assert len(out.removed) == 4


def test_inline_read_more_lines_are_dropped() -> None:
    body = "\n".join([
        "تظاهر الآلاف في برشلونة الأحد.",
        "للمزيد: ما مصير الاتفاق النووي الإيراني؟",
        "إقرأ أيضا:\u00a0اختفاء خاشقجي.. السعودية تتوعد بالرد",
        "لمتابعة المباراة على الحواسيب اللوحية، اضغط هنا...",
    ])
    assert strip_boilerplate(body).text == "تظاهر الآلاف في برشلونة الأحد."


def test_credit_lines_give_wire_credits() -> None:
    body = "سجل صلاح رباعية تاريخية.\nفرانس24/ أ ف ب/ رويترز"
    out = strip_boilerplate(body)
    assert out.text == "سجل صلاح رباعية تاريخية."
    assert out.wire_credits == ("France 24", "AFP", "Reuters")


def test_trailing_parenthesised_credit() -> None:
    out = strip_boilerplate("أعلنت الحكومة استقالتها الثلاثاء. (أ ف ب)")
    assert out.text == "أعلنت الحكومة استقالتها الثلاثاء."
    assert out.wire_credits == ("AFP",)


def test_named_source_inside_a_sentence_is_content_not_credit() -> None:
    line = "وذكرت وكالة الأنباء السورية الرسمية (سانا)"
    out = strip_boilerplate(line)
    assert out.text == line
    assert out.wire_credits == ()


def test_reprinted_column_credit_and_opinion_disclaimer() -> None:
    body = (
        "نص المقال عن الاقتصاد.\n*نقلاً عن الرؤية الإماراتية\n"
        "** جميع المقالات المنشورة تمثل رأي كتابها فقط."
    )
    out = strip_boilerplate(body)
    assert out.text == "نص المقال عن الاقتصاد."
    assert out.wire_credits == ("الرؤية الإماراتية",)


def test_news_sentences_with_furniture_words_are_kept() -> None:
    body = "\n".join([
        "ولا تحتاج هذه الخاصية إلى تحميل تطبيق جديد على هواتف الأفراد.",
        "وأكد الوزير إقرار الميزانية قبل نهاية الشهر.",
        "وقال رويترز إن الشركة لم ترد على طلب للتعليق.",
        "وقال وزير الصحة إنه لا يمكنه التأكد من العدد النهائي للضحايا.",
        "وغادر مئات السكان منازلهم بعد تلقي إشعارات بالإخلاء من السلطات.",
        "ويمكنك أيضا تلقي إشعارات المكالمات على الساعة الذكية.",
    ])
    out = strip_boilerplate(body)
    assert out.text == body
    assert out.wire_credits == ()


def test_the_outlets_own_disclaimer_is_dropped_in_its_several_wordings() -> None:
    story = "قتل ثلاثة أشخاص في انفجار وسط المدينة."
    for disclaimer in (
            "ويشار إلى أن موقع CNN بالعربية لا يمكنه التأكد بشكل مستقل من الأنباء.",
            "ويشار إلى أن موقع CNN بالعربية لا يمكنه التأكد بصورة مستقلة من الأنباء.",
            "يذكر أن CNN لا يمكنها التأكد مما يتم تداوله عبر وسائل التواصل الاجتماعي.",
            "يمكنكم تسلم إشعارات بأهم الموضوعات بعد تحميل أحدث نسخة من تطبيق بي بي سي عربي."):
        assert strip_boilerplate(story + "\n" + disclaimer).text == story, disclaimer


def test_tatweel_and_nbsp_are_cleaned_but_text_is_otherwise_untouched() -> None:
    out = strip_boilerplate("قــال\u00a0الرئيس إن «القمة» ستعقد.")
    assert out.text == "قال الرئيس إن «القمة» ستعقد."
