"""Entity tagging: gazetteer links with offsets, weak forms in context, unknown names, storage."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from pipeline import evaluate as ev
from pipeline.entities import (
    EntityTagger,
    Mention,
    build_common_words,
    build_verb_words,
    summary_adds,
)
from pipeline.entities_db import candidates, sync_entities, tag_articles
from pipeline.gazetteer import load_gazetteer, parse_gazetteer
from pipeline.normalize import normalize_inline

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
LABELS = Path(__file__).resolve().parent / "data" / "entities" / "ant_labels.jsonl"


@pytest.fixture(scope="module")
def tagger() -> EntityTagger:
    return EntityTagger(load_gazetteer())


def linked(mentions: list[Mention]) -> list[str]:
    return [m.canonical for m in mentions if m.entity_id]


def test_offsets_point_into_the_original_text(tagger: EntityTagger) -> None:
    text = "التقى كيمْ جونغ أُون الرئيسَ فلاديمير بوتين في قاعدة فوستوشني الفضائيّة."
    ms = tagger.tag(text)
    assert linked(ms) == ["Kim Jong Un", "Vladimir Putin", "Vostochny Cosmodrome"]
    for m in ms:
        assert text[m.start:m.end] == m.text
    assert ms[0].text == "كيمْ جونغ أُون"
    assert ms[2].text == "قاعدة فوستوشني الفضائيّة"


def test_clitics_and_spelling_variants(tagger: EntityTagger) -> None:
    ms = tagger.tag("قدمت شكوى للأمم المتحدة وبيونغيانغ ووكالة فرانس برس (أ ف ب) ولزيلينسكى")
    assert linked(ms) == ["United Nations", "Pyongyang", "AFP",
                          "AFP", "Volodymyr Zelensky"]
    assert ms[0].text == "للأمم المتحدة"
    assert all(m.method == "gazetteer" and m.type in ("ORG", "LOC", "PER") for m in ms)


def test_longest_spelling_wins(tagger: EntityTagger) -> None:
    ms = tagger.tag("نقلت صحيفة واشنطن بوست عن مسؤول في كوريا الشمالية")
    assert linked(ms) == ["The Washington Post", "North Korea"]


def test_weak_forms_need_context(tagger: EntityTagger) -> None:
    assert linked(tagger.tag("قال كيم إن الطقس جميل")) == []
    assert linked(tagger.tag("وصل الزعيم الكوري الشمالي كيم إلى المدينة")) == ["Kim Jong Un"]
    after_full = tagger.tag("التقى ترامب كيم جونغ أون. وقال كيم إن اللقاء مثمر")
    assert linked(after_full) == ["Donald Trump", "Kim Jong Un", "Kim Jong Un"]
    assert after_full[-1].text == "كيم" and after_full[-1].confidence < 0.95
    assert linked(tagger.tag("سافر إلى سول أمس")) == []
    assert linked(tagger.tag("أعلنت كوريا الجنوبية أن سول سترد")) == ["South Korea", "Seoul"]


def test_a_bare_surname_shared_by_two_mentioned_people_stays_unlinked(
        tagger: EntityTagger) -> None:
    text = "التقت كيم يو جونغ شقيقها كيم جونغ إيل. وقال كيم إن اللقاء تم"
    assert linked(tagger.tag(text)) == ["Kim Yo Jong", "Kim Jong Il"]


def test_a_qualified_phrase_is_not_the_weak_entity(tagger: EntityTagger) -> None:
    text = "اجتمع مجلس الأمن القومي في نيويورك لبحث قرار الأمم المتحدة"
    assert "United Nations Security Council" not in linked(tagger.tag(text))
    text = "صوت مجلس الأمن على قرار جديد للأمم المتحدة بشأن العقوبات"
    assert linked(tagger.tag(text))[0] == "United Nations Security Council"


def test_a_generic_body_placed_by_the_city_after_in(tagger: EntityTagger) -> None:
    # Both countries are named near the body; the city right after "في" says whose it is.
    text = ("وقالت هيئة الأركان المشتركة في سيئول إنها تابعت الإطلاق بالتنسيق مع "
            "الولايات المتحدة")
    assert "South Korean Joint Chiefs of Staff" in linked(tagger.tag(text))
    text = "وقالت وزارة الخارجية في كييف إن الاعتراف يثبت ما أعلنته روسيا"
    assert "Ukrainian Foreign Ministry" in linked(tagger.tag(text))
    # Without the city the two countries tie, and the body stays unlinked.
    text = "وقالت وزارة الخارجية إن الاعتراف يثبت ما أعلنته روسيا عن أوكرانيا"
    assert not any(m.entity_id and m.text == "وزارة الخارجية" for m in tagger.tag(text))
    # Seoul in each of its spellings is context for the South's bodies.
    text = "أعلنت هيئة الأركان المشتركة أن الصاروخ سقط. وقال مسؤول في سيول إن"
    assert "South Korean Joint Chiefs of Staff" in linked(tagger.tag(text))


def test_a_news_agency_credited_by_its_acronym(tagger: EntityTagger) -> None:
    assert "Emirates News Agency" in linked(tagger.tag("أبوظبي - (وام): أعلنت الوزارة"))
    assert "Kuwait News Agency" in linked(tagger.tag("الكويت - كونا: قال الوزير"))
    assert "Algeria Press Service" in linked(tagger.tag("واشنطن - (وأج) - أدرجت الوزارة"))
    assert "Jordan News Agency" in linked(tagger.tag("عمان (بترا) - قال الملك"))
    # The same letters as words, with none of the agency's context: no link.
    assert linked(tagger.tag("هذا كابوس كل أب وأم في كندا")) == ["Canada"]
    assert linked(tagger.tag("تأهلت بترا كفيتوفا إلى الدور الثاني")) == ["Petra Kvitová"]
    assert linked(tagger.tag("لقد كونا فريقا متماسكا")) == []


def test_a_generic_body_named_by_the_adjective_after_it(tagger: EntityTagger) -> None:
    # The adjective after a generic name says whose body it is, with no country named anywhere.
    text = "أعلن المتحدث الرسمي باسم وزارة الخارجية الأردني أن الاجتماع تأجل"
    assert "Jordanian Foreign Ministry" in linked(tagger.tag(text))
    text = "وقال رئيس هيئة الأركان المشتركة الأميركي إن القوات جاهزة"
    assert "Joint Chiefs of Staff" in linked(tagger.tag(text))


def test_unknown_names_after_titles_and_quoted_organizations(tagger: EntityTagger) -> None:
    text = ('وقال وزير الخارجية الهولندي ستيف ديكر إن القرار مهم، وفق صحيفة "فولكسكرانت" '
            "الهولندية. وفرضت العقوبات على شركة بروفينت الروسية.")
    ms = [m for m in tagger.tag(text) if m.entity_id is None]
    got = {(m.text, m.type, m.method) for m in ms}
    assert got == {("ستيف ديكر", "PER", "pattern"), ("فولكسكرانت", "ORG", "pattern"),
                   ("بروفينت", "ORG", "pattern")}
    assert all(0 < m.confidence < 0.9 and text[m.start:m.end] == m.text for m in ms)


def test_appositive_role_and_a_later_bare_surname(tagger: EntityTagger) -> None:
    text = ("ويقول ريتشارد فيلدمان، الخبير في الشؤون الآسيوية، إن الوضع معقد. "
            "ويشير ديني روي، المتخصص في آسيا، إلى الخطر. وقال السيد روي إن الحل صعب.")
    ms = tagger.tag(text)
    assert ("ريتشارد فيلدمان", None) in {(m.text, m.entity_id) for m in ms}
    roy = [m for m in ms if m.canonical == "Denny Roy"]
    assert [m.text for m in roy] == ["ديني روي", "روي"]
    assert roy[1].method == "pattern"


def test_a_speaker_between_a_verb_of_saying_and_a_comma_or_colon(tagger: EntityTagger) -> None:
    text = ("وقال براين نلسون، وكيل وزارة الخزانة لشؤون الإرهاب، إن القرار نهائي. "
            "وتقول ماريا شاغينا: إن الإدراج رسالة. وقال تيموثي آش، الزميل في المعهد، إن العملة "
            "تراجعت. وتقول ألكسندرا بروكوبينكو، الباحثة في المركز، إن الميزانية تعاني.")
    names = [m.text for m in tagger.tag(text) if m.method == "pattern" and m.type == "PER"]
    assert names == ["براين نلسون", "ماريا شاغينا", "تيموثي آش", "ألكسندرا بروكوبينكو"]


def test_a_verb_of_saying_before_ordinary_words_finds_no_name(tagger: EntityTagger) -> None:
    text = ("وقال مسؤول أمريكي، طلب عدم الكشف عن اسمه، إن الاجتماع تأجل. وأضاف البيان: إن "
            "الحكومة ملتزمة. وقالت الوزارة، في بيان، إن الخطة جاهزة. وقال شهود عيان: سمعنا دويا.")
    assert [m.text for m in tagger.tag(text) if m.method == "pattern"] == []


def test_ordinary_words_after_titles_are_not_names(tagger: EntityTagger) -> None:
    text = "وأكد الرئيس بالتآمر على الحملة، وقال القيادي بحركة النهضة إن الرئيس الجديد"
    assert [m.text for m in tagger.tag(text) if m.method == "pattern"] == []


def test_a_generic_noun_of_a_longer_spelling_after_a_title_is_no_name(
        tagger: EntityTagger) -> None:
    # لجنة, منطقة and خبراء begin gazetteer spellings (لجنة الانتخابات, منطقة كورسك) but are
    # ordinary nouns: after a title or a role they end a name instead of becoming one.
    text = ("وأعلن المتحدث باسم لجنة الانتخابات محسن إسلامي النتيجة. وقال حاكم منطقة ريازان "
            "بافيل مالكوف إن الحريق أخمد. وانتهى عمل لجنة خبراء العقوبات.")
    unlinked = {m.text for m in tagger.tag(text) if m.entity_id is None}
    assert not unlinked & {"لجنة", "منطقة", "خبراء", "لجنة خبراء"}


def test_common_words_keep_name_parts_out_and_ordinary_nouns_in() -> None:
    entries = ["- {id: akhbar:election-committee, type: ORG, en: Election Committee, "
               "ar: لجنة الانتخابات}",
               "- {id: akhbar:sahel-bank, type: ORG, en: Sahel Bank, ar: مصرف الساحل}",
               "- {id: akhbar:sahel, type: LOC, en: Sahel, ar: ساحل}"]
    person = "- {id: akhbar:tom-lajna, type: PER, en: Tom Lajna, ar: توم لجنة}"
    texts = ["قالت لجنة الانتخابات إن لجنة أخرى ولجنة ثالثة ستجتمع في مصرف الساحل",
             "وصلت لجنة فنية إلى ساحل المدينة بعد أن قال مصرف الساحل ومصرف الساحل",
             "شكلت الحكومة لجنة تحقيق ثم لجنة مالية ثم لجنة فرعية"]

    def common(lines: list[str]) -> list[str]:
        gaz = parse_gazetteer("version: 1\nentities:\n" + "\n".join(lines) + "\n")
        return build_common_words(texts, gaz, given_names=["قالت"])

    words = common(entries)
    assert "لجنه" in words  # mostly outside its committee's spelling: an ordinary noun
    assert "مصرف" not in words  # always inside "مصرف الساحل" here: a name part
    assert "الساحل" not in words and "ساحل" not in words  # definite; a one-word spelling
    assert "قالت" not in words and "فنيه" in words  # a given name; an ordinary word
    assert "لجنه" not in common([*entries, person])  # a word of a person's spelling


def test_a_title_whose_person_is_linked_names_no_one_else(tagger: EntityTagger) -> None:
    # The word after a linked name is a verb or a noun, not a second name for the title.
    text = ("وهنأ الرئيس فلاديمير بوتين قواته بالنصر، فيما قال الرئيس دونالد ترامب، الذي "
            "التقى نظيره، إن الزعيم كيم جونغ أون اطلع على الصور.")
    ms = tagger.tag(text)
    assert linked(ms) == ["Vladimir Putin", "Donald Trump", "Kim Jong Un"]
    assert [m.text for m in ms if m.entity_id is None] == []


def test_a_list_of_quoted_banks_gives_no_conjunction_as_a_name(tagger: EntityTagger) -> None:
    text = 'وشملت القائمة "نوفيكوم بنك" و"سوفكوم بنك" و"بنك روسيا".'
    surfaces = {m.text for m in tagger.tag(text)}
    assert "و" not in surfaces


def test_an_adjective_after_an_organization_noun_is_no_name(tagger: EntityTagger) -> None:
    text = ("وصنفتها الحكومة منظمة إرهابية، وقالت إن شركة مسجلة في دبي ساعدتها، فيما أعلنت "
            "مدينة ساحلية الطوارئ. وتعاقدت شركة سيبور مع جمعية خيرية.")
    unlinked = {m.text for m in tagger.tag(text) if m.entity_id is None}
    assert unlinked == {"سيبور"}  # a company the gazetteer does not hold


def test_a_public_body_named_by_its_noun_and_the_words_after_it(tagger: EntityTagger) -> None:
    text = ("وقالت الهيئة العامة للسلع التموينية إنها اشترت القمح، وأعلنت وزارة النفط "
            "العراقية الخطة، فيما قال المتحدث باسم لمجلس الشؤون الاقتصادية إن صندوق الرفاه "
            "الوطني خسر، وإن منظمة البلدان المنتجة للقطن اجتمعت.")
    unlinked = {m.text for m in tagger.tag(text) if m.entity_id is None}
    assert unlinked == {"الهيئة العامة للسلع التموينية", "وزارة النفط العراقية",
                        "لمجلس الشؤون الاقتصادية", "صندوق الرفاه الوطني",
                        "منظمة البلدان المنتجة للقطن"}
    assert all(m.type == "ORG" for m in tagger.tag(text) if m.text in unlinked)


def test_a_name_opened_by_a_common_given_name(tagger: EntityTagger) -> None:
    # No title or verb of saying marks these names: the given name does. "و" before a given
    # name starts the next name; "وكريم" is not "ريم" behind "وك"; a formula is no name.
    text = ("وسجل إنزو فرنانديز هدفا، وشارك كريستيان هورنر ولاندو نوريس، وتألقت هند صبري، "
            "ووقعت شركتا أوبر وكريم الاتفاق، وأحمد الله على السلامة.")
    people = [m.text for m in tagger.tag(text) if m.type == "PER"]
    assert people == ["إنزو فرنانديز", "كريستيان هورنر", "هند صبري"]
    # A Korean surname before a hyphenated given name; not "أن" nor a car model.
    text = "وقال كيم هونغ-إيل إن طراز جي تي-آر تأخر، وتبين أن ميثوين-كامبل غادرت."
    assert [m.text for m in tagger.tag(text) if m.type == "PER"] == ["كيم هونغ-إيل"]
    # A foreign company by its closing word; not where a verb or a name may start it.
    text = ('وقال محللون في "كوانتم كابيتال" إن الطلب قوي، وقالت هاي إنفستمنت آند سيكيوريتيز '
            "إن الأسعار سترتفع، واشترت سكاي بريدج كابيتال الحصة.")
    assert [m.text for m in tagger.tag(text) if m.type == "ORG"] == [
        "كوانتم كابيتال", "هاي إنفستمنت آند سيكيوريتيز"]
    # A particle takes the word after it, and a name found so claims its own given names.
    text = "تونس: سعاد بن عبد الرحيم أول امرأة تترأس البلدية."
    assert [m.text for m in tagger.tag(text) if m.type == "PER"] == ["سعاد بن عبد الرحيم"]


def test_names_the_2018_corpus_prints_often_are_linked(tagger: EntityTagger) -> None:
    # Frequent unlinked names of the ANT corpus were added with the names news writes; a
    # generic body name among them counts only with its country's context.
    text = ('قال مدرب إنجلترا غاريث ساوثغيت لصحيفة "ماركا" إن عناصر "الخوذ البيضاء" بخير، '
            "ووقعت الهيئة العامة للرياضة اتفاقا مع الاتحاد السعودي.")
    assert [m.canonical for m in tagger.tag(text) if m.entity_id] == [
        "England", "Gareth Southgate", "Marca", "White Helmets",
        "Saudi General Sports Authority"]
    text = "ووقعت الهيئة العامة للرياضة اتفاقا مع وزارة الشباب المصرية في القاهرة."
    assert "Saudi General Sports Authority" not in [m.canonical for m in tagger.tag(text)]
    # A second batch: armed groups and agencies by the generic names outlets give them; a
    # bare "أحمد الطيب" is al-Azhar's Grand Imam only beside al-Azhar.
    text = ("وقالت وكالة الأنباء السودانية إن فيلق الرحمن وحركة أحرار الشام انسحبا، وقال شيخ "
            "الأزهر إن أحمد الطيب لن يسافر.")
    assert [m.canonical for m in tagger.tag(text) if m.entity_id] == [
        "Sudan News Agency", "Faylaq al-Rahman", "Ahrar al-Sham", "Ahmed el-Tayeb"]
    text = "وسجل اللاعب أحمد الطيب هدفا في الدوري."
    assert "Ahmed el-Tayeb" not in [m.canonical for m in tagger.tag(text)]


def test_a_body_named_with_its_remit_after_l(tagger: EntityTagger) -> None:
    # "ل" and a remit noun with its genitive belong to the body's name; after a body, "ل"
    # and another noun is what it does next.
    text = ("وقال الاتحاد الكرواتي لكرة القدم إنه أقال المدرب، وأصدرت المنظمة العربية لحقوق "
            "الإنسان تقريرا، وتحرك الاتحاد الإقليمي لتحديد الإجراءات.")
    bodies = [m.text for m in tagger.tag(text) if m.type == "ORG"]
    assert bodies == ["الاتحاد الكرواتي لكرة القدم", "المنظمة العربية لحقوق الإنسان"]


def test_a_foreign_given_name_opens_a_name_of_two_words(tagger: EntityTagger) -> None:
    # A third word after two is the sentence going on, unless a particle carries the name;
    # an Arab name has three parts.
    text = ("وتلعب سيمونا هاليب المصنفة الأولى، وأسقط جوردي ألبا لاعبهم، وسجل ليوناردو دي سوزا "
            "هدفا، وعين يونس حامد المصري وزيرا.")
    people = [m.text for m in tagger.tag(text) if m.type == "PER"]
    assert people == ["سيمونا هاليب", "جوردي ألبا", "ليوناردو دي سوزا", "يونس حامد المصري"]
    # More given names of the news (Diego, Andre, Nelson, Tony); "سعيد" stays out, since
    # a player "سعيد بمباراتي" is happy with his match.
    text = ("وسجل دييجو كوستا هدفا، وقال أندري كورتنوف إن الحوار ممكن، وزار نيلسون مانديلا "
            "المدينة، وغنى طوني عيسى، وقال اللاعب إنه سعيد بمباراتي الأولى.")
    people = [m.text for m in tagger.tag(text) if m.type == "PER"]
    assert people == ["دييجو كوستا", "أندري كورتنوف", "نيلسون مانديلا", "طوني عيسى"]


def test_a_ministry_named_by_its_portfolio_with_no_country_to_link_it(
        tagger: EntityTagger) -> None:
    # "وزارة الداخلية" is a weak spelling of several countries' ministries: with none of
    # them in the text it links to none, and stays a body of its own.
    text = ("وقالت وزارة الداخلية إن الحصيلة ارتفعت، وأعلنت وزارة الزراعة خطة، فيما أكدت "
            "وزارة التربية والتعليم أن الدراسة مستمرة.")
    assert {(m.text, m.type) for m in tagger.tag(text) if m.entity_id is None} == {
        ("وزارة الداخلية", "ORG"), ("وزارة الزراعة", "ORG"), ("وزارة التربية والتعليم", "ORG")}
    # Two portfolios and the adjective after them are one name.
    text = "وقالت وزارة الصحة والسكان المصرية إن المستشفيات جاهزة."
    assert [(m.text, m.type) for m in tagger.tag(text) if m.entity_id is None] == [
        ("وزارة الصحة والسكان المصرية", "ORG")]
    # A party by its one adjective of relation; an adjective of kind names no party.
    text = "وقال الحزب الاشتراكي إن الحزب السياسي الجديد لن يشارك."
    assert [m.text for m in tagger.tag(text) if m.entity_id is None] == ["الحزب الاشتراكي"]
    # A chamber or a court by its one noun; a board is no named body.
    text = "وصوت مجلس الشيوخ على القرار بعدما قضت محكمة النقض به، واجتمع مجلس الإدارة."
    assert [m.text for m in tagger.tag(text) if m.entity_id is None] == [
        "مجلس الشيوخ", "محكمة النقض"]
    # With its country named, the weak spelling links as before.
    text = "وفي إسرائيل، قالت وزارة الداخلية إن الطلبات ارتفعت."
    assert "Israeli Interior Ministry" in linked(tagger.tag(text))


@pytest.mark.parametrize("text", [
    "وقالت الشركات التي وقعت العقد إنها ستواصل العمل.",  # a plural, then a relative
    "وأقرت اللجنة التنفيذية الخطة الجديدة.",  # one word after a definite noun, the object
    "وقالت الشركة الكورية الجنوبية إن أرباحها تراجعت.",  # a nationality says whose
    "ونشرت الوزارة الجديدة بيانا على موقعها الإلكتروني.",  # which one, and a possessed noun
    "وتابع الملايين المباراة على موقع التواصل الاجتماعي.",  # a site is no body
])
def test_descriptions_after_a_body_noun_are_not_its_name(tagger: EntityTagger,
                                                         text: str) -> None:
    assert [m.text for m in tagger.tag(text) if m.entity_id is None] == []


def test_a_name_after_a_role_and_its_field_or_employer(tagger: EntityTagger) -> None:
    text = ("ويرى الباحث في الشؤون الروسية ديمتري سوسلوف أن الحرب ستطول، فيما قال القيادي "
            "في حماس إسماعيل رضوان إن المسيرة مستمرة، وأوضحت المحللة في مجموعة أوراسيا آنا "
            "بورشفسكايا أن الحل بعيد.")
    people = {m.text for m in tagger.tag(text) if m.type == "PER"}
    assert people == {"ديمتري سوسلوف", "إسماعيل رضوان", "آنا بورشفسكايا"}
    # Other titles meet "في" before a place far more often than before a name.
    text = "وقالت الفصائل المعارضة في الغوطة الشرقية، يتخللها قصف عنيف، إن الهدنة انهارت."
    assert [m.text for m in tagger.tag(text) if m.type == "PER"] == []


def test_a_relative_pronoun_after_a_title_ends_the_search(tagger: EntityTagger) -> None:
    text = "وأليك بالدوين هو الممثل الذي يقلد الرئيس في برنامج تلفزيوني."
    assert "يقلد" not in {m.text for m in tagger.tag(text)}


def test_no_name_is_read_after_a_definite_organization_noun(tagger: EntityTagger) -> None:
    text = "وقالت الشبكة تضررت كثيرا، وأضافت أن للشركة فروعا في المدينة القديمة."
    assert [m.text for m in tagger.tag(text) if m.entity_id is None] == []


def test_a_common_noun_with_an_attached_pronoun_ends_a_name(tagger: EntityTagger) -> None:
    text = ("واستحوذت شركة كينغ باور ومقرها تايلاند على النادي، وقالت الشركة إن نتائجها "
            "ستعلن لاحقا.")
    unlinked = {m.text for m in tagger.tag(text) if m.entity_id is None}
    assert unlinked == {"كينغ باور"}


def test_a_conjunction_before_a_name_is_left_out_of_the_mention(tagger: EntityTagger) -> None:
    # The corpus labels print "روسيا" for "وروسيا": "و" joins the name to the sentence. A
    # preposition stays ("للأمم المتحدة"), and a name that opens with و keeps it (واشنطن).
    text = ("التقى مسؤولون من الصين وروسيا وفَرنسا في واشنطن ووَاشنطن ترحب، وقال ديفيد "
            "لامي ووزير آخر للأمم المتحدة إن المحادثات جرت مع وديفيد سيلفا.")
    ms = tagger.tag(text)
    for m in ms:
        assert text[m.start:m.end] == m.text
    surfaces = [m.text for m in ms]
    assert "روسيا" in surfaces and "وروسيا" not in surfaces
    assert "فَرنسا" in surfaces  # the mark on the conjunction goes with it
    assert surfaces.count("واشنطن") == 1 and "وَاشنطن" in surfaces
    assert "للأمم المتحدة" in surfaces
    assert "ديفيد سيلفا" in surfaces


def test_a_place_inside_a_competition_or_team_name_is_not_linked(tagger: EntityTagger) -> None:
    text = ("وتوج الزمالك بكأس مصر قبل أن يشارك في دوري أبطال أفريقيا، فيما بلغت اللاعبة نهائي "
            "بطولة فرنسا المفتوحة، وفاز منتخب البرازيل. وزار الرئيس مصر وفرنسا.")
    linked_places = [(m.text, m.canonical) for m in tagger.tag(text) if m.type == "LOC"]
    assert linked_places == [("مصر", "Egypt"), ("فرنسا", "France")]


def test_tag_record_shape(tagger: EntityTagger) -> None:
    out = tagger.tag_record({"title": "بوتين يستقبل كيم", "text": "استقبل فلاديمير بوتين ضيفه"})
    assert out[0] == {"text": "بوتين", "type": "PER", "canonical": "Vladimir Putin",
                      "id": "Q7747", "start": 0, "end": 5, "method": "gazetteer",
                      "confidence": 0.95, "field": "title"}
    assert {d["field"] for d in out} == {"title", "text"}


# --- a summary that only repeats the body ----------------------------------------------

POMPEO_BODY = (
    "أكد وزير الخارجية الأميركي مايك بومبيو، الأحد، في طوكيو، أن العقوبات المفروضة على "
    "بيونغ يانغ ستبقى سارية حتى إخلاء كوريا الشمالية من السلاح النووي بالكامل.\n"
    "وقال بومبيو خلال مؤتمر صحافي إن اليابان والولايات المتحدة متفقتان.")
POMPEO_LEAD = POMPEO_BODY.split("\n", 1)[0]
# Summaries that bring nothing the body does not hold: the first sentence; a cut with an
# ellipsis (mid-word, as feeds cut at a length); the paragraphs run together as a stripped
# </p><p> leaves them, with doubled and no-break spaces; tags and entities left over.
EXCERPTS = {
    "first sentence": POMPEO_LEAD,
    "ellipsis": POMPEO_BODY[:105] + "…",
    "three dots": POMPEO_BODY[:98] + " ...",
    "whitespace": POMPEO_BODY.replace("\n", "").replace("، ", "،  ").replace(" في ", "\xa0في "),
    "html residue": "<p>" + POMPEO_LEAD.replace("بومبيو،", "<b>بومبيو</b>،") + "&nbsp;</p>",
    "inner excerpt": POMPEO_BODY[POMPEO_BODY.index("مايك"):POMPEO_BODY.index("ستبقى")],
}
# A summary of its own: other words, another name (Kim Jong Un), another city (Seoul).
OWN_SUMMARY = "الزعيم الكوري الشمالي كيم جونغ أون يلتقي مبعوثا أميركيا في سيول الأسبوع المقبل"


def _pompeo_mentions() -> list[tuple[str, str, int, int]]:
    return [("Mike Pompeo", "body", 27, 38), ("Tokyo", "body", 50, 55),
            ("Pyongyang", "body", 82, 92), ("North Korea", "body", 115, 129)]


@pytest.mark.parametrize("kind", sorted(EXCERPTS))
def test_a_summary_the_body_already_holds_is_not_tagged_again(tagger: EntityTagger,
                                                               kind: str) -> None:
    summary = EXCERPTS[kind]
    assert not summary_adds(summary, POMPEO_BODY)
    mentions = tagger.tag_fields({"title": "بومبيو في طوكيو", "summary": summary,
                                  "body": POMPEO_BODY})
    assert [m.field for m in mentions if m.field == "summary"] == []
    found = [(m.canonical, m.field, m.start, m.end) for m in mentions]
    assert found[:2] == [("Mike Pompeo", "title", 0, 6), ("Tokyo", "title", 10, 15)]
    assert found[2:6] == _pompeo_mentions()
    # the same mentions as with no summary at all
    assert mentions == tagger.tag_fields({"title": "بومبيو في طوكيو", "body": POMPEO_BODY})


def test_a_summary_with_text_of_its_own_keeps_its_mentions(tagger: EntityTagger) -> None:
    for summary in (OWN_SUMMARY, POMPEO_LEAD + " " + OWN_SUMMARY):
        assert summary_adds(summary, POMPEO_BODY)
        mentions = tagger.tag_fields({"summary": summary, "body": POMPEO_BODY})
        own = {m.canonical for m in mentions if m.field == "summary"}
        assert {"Kim Jong Un", "Seoul"} <= own
        assert [(m.canonical, m.field, m.start, m.end) for m in mentions
                if m.field == "body"][:4] == _pompeo_mentions()
    # a summary with no body (a summary-only feed stores it as the body as well) counts
    assert summary_adds(OWN_SUMMARY, "") and summary_adds(OWN_SUMMARY, None)
    assert not summary_adds("", POMPEO_BODY) and not summary_adds(None, POMPEO_BODY)
    assert not summary_adds(POMPEO_BODY, POMPEO_BODY)
    # a summary longer than the body, or cut differently, is not an excerpt of it
    assert summary_adds(POMPEO_BODY + " وأضاف", POMPEO_BODY)
    assert summary_adds("…" + OWN_SUMMARY + "…", POMPEO_BODY)


def _dev_articles() -> dict[str, dict]:
    return ev.read_articles(CORPUS / "dev" / "articles.jsonl")


def test_reference_article_yields_every_labelled_entity(tagger: EntityTagger) -> None:
    gold = ev.read_entity_gold(CORPUS / "dev" / "labels.jsonl")
    seed = {"seed-kim-putin-vostochny": gold["seed-kim-putin-vostochny"]}
    article = _dev_articles()["seed-kim-putin-vostochny"]
    scores = ev.evaluate_entities(seed, {"seed-kim-putin-vostochny": article}, tagger)
    assert scores["all"].missed == []
    assert scores["all"].gold == 21  # 22 labels, Russia twice (روسيا, الاتحاد الروسي)
    for m in tagger.tag_fields({"text": article["text"]}):
        assert article["text"][m.start:m.end] == m.text


def test_recall_on_labelled_articles(tagger: EntityTagger) -> None:
    """Quality bar: recall >= 0.85 of the labelled salient entities (dev + own labels)."""
    dev_gold = ev.read_entity_gold(CORPUS / "dev" / "labels.jsonl")
    own_gold = ev.read_entity_gold(LABELS)
    own = ev.read_articles(CORPUS / "ant-v2.1.jsonl.gz", set(own_gold))
    dev = ev.evaluate_entities(dev_gold, _dev_articles(), tagger)["all"]
    mine = ev.evaluate_entities(own_gold, own, tagger)["all"]
    recall = (dev.found + mine.found) / (dev.gold + mine.gold)
    assert recall >= 0.85, (dev.recall, mine.recall)


def test_dev_labels_are_found_by_the_names_news_writes(tagger: EntityTagger) -> None:
    """The corpus authors name entities as news does ("Washington", "Kremlin", "US State
    Department"): with no alias map, 312 of the 316 development labels are found (279 when
    the gazetteer's names were Wikipedia titles)."""
    dev_gold = ev.read_entity_gold(CORPUS / "dev" / "labels.jsonl")
    dev = ev.evaluate_entities(dev_gold, _dev_articles(), tagger, aliases={})["all"]
    assert dev.recall >= 0.97, dev.missed


NEWS = Path(__file__).resolve().parent / "data" / "entities" / "ant_news_labels.jsonl"


@pytest.mark.parametrize(("split", "floor"), [("news1", 0.71), ("news2", 0.70),
                                               ("news3", 0.73), ("news4", 0.77)])
def test_recall_on_ant_articles_labelled_with_news_names(tagger: EntityTagger, split: str,
                                                         floor: float) -> None:
    """80 random ANT articles per split, labelled blind in the authors' style and scored with
    no alias map. `news1`: 463 of 741 (0.625) with the gazetteer of 98515a7, 483 once its
    English names were the names news writes; tuning data since (536 with the clubs' names
    and 13 more). `news2`: measured once with all of it, 527 of 737 (0.715; 491 with the
    gazetteer of 98515a7). Not tuned on since: 531, 534 and 538 with the conjunction rule, the
    given names and the 239 entities the corpus names often (`news1`: 538, 555, 560).
    `news3`: labelled the same way a stop later and measured once, 533 of 712 (0.749; 532
    with the rules of 53981c4). `news4`: the same again, measured once with 6,120 entities,
    603 of 764 (0.789; 588 with the 4,981 of 2f0ae17). The floors sit about one article below
    the first figures."""
    gold = ev.read_entity_gold(NEWS, split)
    articles = ev.read_articles(CORPUS / "ant-v2.1.jsonl.gz", set(gold))
    assert len(gold) == 80
    result = ev.evaluate_entities(gold, articles, tagger, aliases={})["all"]
    assert result.recall >= floor, result


MODERN = Path(__file__).resolve().parent / "data" / "entities" / "modern_2022.jsonl"


@pytest.mark.parametrize(("split", "floor"), [("modern1", 0.73), ("modern2", 0.86),
                                               ("modern3", 0.84), ("modern4", 0.78),
                                               ("modern5", 0.77), ("modern6", 0.80),
                                               ("modern7", 0.77), ("modern8", 0.76),
                                               ("modern9", 0.78), ("modern10", 0.76),
                                               ("modern11", 0.80),
                                               ("modern12", 0.74),
                                               ("modern13", 0.72),
                                               ("modern14", 0.77),
                                               ("modern15", 0.71),
                                               ("modern16", 0.77),
                                               ("modern17", 0.82),
                                               ("modern18", 0.82),
                                               ("modern19", 0.77),
                                               ("modern20", 0.78),
                                               ("modern21", 0.79),
                                               ("modern22", 0.83),
                                               ("modern23", 0.74),
                                               ("modern24", 0.79),
                                               ("modern25", 0.76),
                                               ("modern26", 0.73),
                                               ("modern27", 0.74),
                                               ("modern28", 0.75),
                                               ("modern29", 0.74),
                                               ("modern30", 0.75),
                                               ("modern31", 0.74),
                                               ("modern32", 0.76),
                                               ("modern33", 0.75),
                                               ("modern34", 0.76),
                                               ("modern35", 0.78),
                                               ("modern36", 0.80),
                                               ("modern37", 0.75),
                                               ("modern38", 0.73),
                                               ("modern39", 0.74),
                                               ("modern40", 0.75),
                                               ("modern41", 0.75),
                                               ("modern42", 0.77),
                                               ("modern43", 0.76),
                                               ("modern44", 0.67),
                                               ("modern45", 0.84),
                                               ("modern46", 0.78),
                                               ("modern47", 0.76),
                                               ("modern48", 0.78),
                                               ("modern49", 0.76),
                                               ("modern50", 0.81)])
def test_recall_on_written_news_of_2022_to_2025(tagger: EntityTagger, split: str,
                                                floor: float) -> None:
    """`modern1`: measured once on 2026-11-26 (recall 195 of 390, 0.500), then tuned on (244,
    0.626). `modern2`: measured once on 2026-11-26 (433 of 581, 0.745), then tuned on (475,
    0.818). `modern3` (2024-2026 news): 542 of 767 (0.707) measured once, 554 (0.722) with
    277 entities compiled without it, 564 (0.735) with the hyphen, short-first-part and
    researcher rules, made without it too; tuned on since (593). `modern4`: 319 of 503 (0.634)
    measured once, then tuned on (336). `modern5`: 393 of 575 (0.683) measured once, not
    tuned on. `modern6`: 353 of 487 (0.725) measured once with 2,204 entities, not tuned on.
    With 3,830 entities (1,626 places, organizations and people compiled from lists, not from
    any set's misses): `modern5` 421, `modern6` 360, and `modern7` 255 of 349 (0.731),
    measured once. `modern8`: 321 of 441 (0.728) measured once, with the speaker rules too.
    With 4,321 entities (generic national bodies and 431 more organizations): `modern5` 433,
    `modern6` 381, `modern7` 259, `modern8` 336; `modern9` 364 of 474 (0.768) measured once
    with them. `modern10`: 405 of 549 (0.738) measured once with them. With the body-name
    rule and 4,326 entities: `modern1` 276, `modern2` 507, `modern3` 647, `modern4` 387,
    `modern5` 438, `modern6` 385, `modern7` 267, `modern8` 339, `modern9` 369, `modern10`
    414; `modern11` 590 of 755 (0.781) measured once with them and 4,330 entities. With a
    ministry kept when no country links it: 277, 508, 647, 392, 440, 392, 271, 340, 373, 416
    and 600. `modern12` (40 of the `probe23` articles): 375 of 506 (0.741) measured once with
    them (the tagger before the ministry rule finds 366). With the party and chamber rules:
    278, 508, 648, 393, 441, 393, 271, 342, 375, 417, 602 and 375. `modern13` (40 of the
    `probe24` articles): 339 of 474 (0.715) measured once with them (335 with the tagger of
    the day before). With names opened by a common given name: 292, 512, 653, 402, 451, 402,
    276, 344, 378, 424, 612, 382 and 349. `modern14` (40 of the `probe25` articles): 385 of 489
    (0.787) measured once with them all (372 with the tagger of c7fbd9a). With Korean names by
    their hyphenated given name: `modern3` 662, `modern7` 277, `modern9` 379, `modern10` 428,
    `modern12` 385, `modern13` 351; with companies by their closing word, `modern1` 293,
    `modern3` 664, `modern4` 405, `modern5` 453. `modern15` (40 of the `probe26` articles): 358
    of 487 (0.735) measured once with every rule of 2026-11-27 (336 with the tagger of
    c7fbd9a). `modern16` (40 of the `probe27` articles): 437 of 557 (0.785) measured once with
    them (423 with the tagger of c7fbd9a). `modern17` (40 of the `probe28` articles): 408 of
    488 (0.836), and `modern18` (40 of the `probe29` articles): 477 of 570 (0.837), each
    measured once with the rules of 8b02e5d. `modern19` (40 of the `probe30` articles): 422 of
    536 (0.787), the same rules. `modern20` (40 of the `probe31` articles): 377 of 473 (0.797),
    the same rules. With the same rules again, `modern21` to `modern35` (40 each of the
    `probe32` to `probe46` articles): 432 of 533 (0.811), 423 of 498 (0.849), 422 of 557
    (0.758), 406 of 499 (0.814), 367 of 470 (0.781), 398 of 532 (0.748), 362 of 475 (0.762),
    359 of 464 (0.774), 407 of 535 (0.761), 413 of 531 (0.778), 466 of 616 (0.756), 375 of
    478 (0.785), 411 of 534 (0.770), 402 of 514 (0.782) and 444 of 555 (0.800); `modern36` to
    `modern43` (40 each of the `probe47` to `probe54` articles): 410 of 498 (0.823), 376 of 487
    (0.772), 404 of 538 (0.751), 456 of 595 (0.766), 399 of 516 (0.773), 412 of 532 (0.774),
    403 of 508 (0.793) and 430 of 552 (0.779). `modern44` and `modern45` (40 each of the
    `probe55` and `probe56` articles), measured once with the rules of 649064b: 330 of 484
    (0.682) and 440 of 512 (0.859); the rules before 9d7f36e find 324 and 427. `modern46` and
    `modern47` (40 each of the `probe57` and `probe58` articles), measured once with the rules
    of c2b6112: 518 of 650 (0.797) and 449 of 579 (0.775); the rules of a92fb28 find 493 and
    437. `modern48` and `modern49` (40 each of the `probe59` and `probe60` articles), measured
    once with the rules of c2b6112: 440 of 551 (0.799) and 373 of 480 (0.777); the rules of
    a92fb28 find 419 and 358. `modern50` (40 of the `probe61` articles), measured once with
    the rules of dc65047: 524 of 634 (0.826). The floors sit about one article below."""
    gold = ev.read_entity_gold(MODERN, split)
    articles = ev.read_articles(MODERN, set(gold))
    assert len(gold) == 40
    result = ev.evaluate_entities(gold, articles, tagger)["all"]
    assert result.recall >= floor, result


def test_score_entities_matches_names_and_surfaces() -> None:
    gold = {"a": [{"text": "واشنطن", "type": "LOC", "canonical": "Washington"},
                  {"text": "بروفينت", "type": "ORG", "canonical": "Profinet"},
                  {"text": "ديني روي", "type": "PER", "canonical": "Denny Roy"}]}
    pred = {"a": [{"text": "واشنطن", "type": "LOC", "canonical": "Washington", "id": "Q61"},
                  {"text": "بروفينت", "type": "ORG", "canonical": None, "id": None},
                  {"text": "موسكو", "type": "LOC", "canonical": "Moscow", "id": "Q649"}]}
    s = ev.score_entities(gold, pred)
    assert (s["all"].gold, s["all"].found, s["all"].predicted, s["all"].correct) == (3, 2, 3, 2)
    assert s["PER"].missed == ["a: ديني روي (Denny Roy)"]
    assert s["LOC"].precision == 0.5 and s["ORG"].recall == 1.0


def test_a_romanization_with_hyphens_or_spaces_is_one_name() -> None:
    gold = {"a": [{"text": "تشوي سون هي", "type": "PER", "canonical": "Choe Son-hui"},
                  {"text": "كيم جونغ أون", "type": "PER", "canonical": "Kim Jong-un"}]}
    pred = {"a": [{"text": "تشوي سون هي", "type": "PER", "canonical": "Choe Son Hui", "id": "x"},
                  {"text": "كيم جونغ أون", "type": "PER", "canonical": "Kim  Jong Un", "id": "y"}]}
    assert ev.score_entities(gold, pred)["PER"].found == 2
    assert ev.fold_name("Ahn Gyu–back") == ev.fold_name("ahn gyu back") == "ahn gyu back"
    assert ev.fold_name("Choe Son-hui") != ev.fold_name("Choe Sonhui")


# --- storage ------------------------------------------------------------------------------

ARTICLES = [
    ("بوتين يستقبل كيم جونغ أون", "وصل كيم جونغ أون إلى قاعدة فوستوشني حيث استقبله فلاديمير "
     "بوتين. وقال وزير الخارجية الهولندي ستيف ديكر إن اللقاء مقلق."),
    ("عقوبات أمريكية", "فرضت وزارة الخزانة الأمريكية عقوبات. وقال وزير الخارجية الهولندي ستيف "
     "ديكر إن العقوبات مبررة."),
]


def _insert_articles(conn) -> list[int]:
    ids = []
    for n, (title, body) in enumerate(ARTICLES):
        row = conn.execute(
            "INSERT INTO articles (canonical_url, url, outlet, title, body, title_norm, "
            "body_norm, content_hash, first_seen, last_seen) VALUES "
            "(%s, %s, 'test', %s, %s, %s, %s, %s, now(), now()) RETURNING id",
            (f"https://x.test/{n}", f"https://x.test/{n}", title, body, title, body,
             f"hash{n}")).fetchone()
        ids.append(row[0])
    conn.commit()
    return ids


def test_sync_tag_and_candidates(conn) -> None:
    gaz = load_gazetteer()
    first = sync_entities(conn, gaz)
    assert first["entities"] == len(gaz) == first["changed"]
    assert sync_entities(conn, gaz)["changed"] == 0
    ids = _insert_articles(conn)
    stats = tag_articles(conn, ids, gaz)
    assert stats.articles == 2 and stats.linked >= 6 and stats.unlinked == 2
    rows = conn.execute("SELECT a.title, a.body, e.field, e.start_offset, e.end_offset, "
                        "e.surface, e.entity_id, e.method FROM article_entities e "
                        "JOIN articles a ON a.id = e.article_id").fetchall()
    for title, body, fld, start, end, surface, _eid, _method in rows:
        assert (title if fld == "title" else body)[start:end] == surface
    assert {r[6] for r in rows} >= {"Q7747", "Q56226", "akhbar:us-treasury"}
    again = tag_articles(conn, ids, gaz)
    assert again.mentions == stats.mentions
    assert conn.execute("SELECT count(*) FROM article_entities").fetchone()[0] == stats.mentions
    cands = candidates(conn, limit=5, min_articles=2)
    assert cands == [{"name": "ستيف ديكر", "normalized": "ستيف ديكر", "type": "PER",
                      "mentions": 2, "articles": 2, "confidence": 0.65}]


MENTION_ROW = ("SELECT article_id, entity_id, surface, surface_norm, type, field, start_offset, "
               "end_offset, method, confidence FROM article_entities ORDER BY article_id, "
               "field, start_offset")


def test_a_name_does_not_run_from_the_title_into_the_body(tagger: EntityTagger) -> None:
    rows = tagger.tag_fields({"title": "ترامب يلتقي كيم",
                              "body": "جونغ أون يصل إلى سنغافورة اليوم."})
    found = {(m.text, m.canonical, m.field) for m in rows}
    assert ("كيم", "Kim Jong Un", "title") in found, found
    assert ("جونغ أون", "Kim Jong Un", "body") in found, found
    # Nor from one paragraph into the next, across a sentence's end.
    text = "وقالت رئاسة الاستخبارات العامة.\nالسعودية تنفي الاتهامات."
    assert all("\n" not in m.text for m in tagger.tag(text))


def test_invisible_characters_stay_out_of_a_mention(tagger: EntityTagger) -> None:
    text = "وقالت إيران و\u200bحزب الله\u200b إن روسيا\u200f تدعمهما."
    found = {(m.text, m.canonical) for m in tagger.tag(text)}
    assert ("حزب الله", "Hezbollah") in found and ("روسيا", "Russia") in found, found
    for m in tagger.tag(text):
        assert text[m.start:m.end] == m.text


def test_retagging_writes_the_same_rows(conn) -> None:
    """New and already tagged articles in one pass, over several batches: same rows again."""
    gaz = load_gazetteer()
    sync_entities(conn, gaz)
    ids = _insert_articles(conn)
    # The same text once more, its summary equal to its body (tagged once, as the body).
    title, body = ARTICLES[0]
    ids.append(conn.execute(
        "INSERT INTO articles (canonical_url, url, outlet, title, summary, body, title_norm, "
        "body_norm, content_hash, first_seen, last_seen) VALUES ('https://x.test/s', "
        "'https://x.test/s', 'test', %s, %s, %s, '', '', 'hash-s', now(), now()) RETURNING id",
        (title, body, body)).fetchone()[0])
    conn.commit()
    first = tag_articles(conn, ids[:1], gaz)
    rows_first = conn.execute(MENTION_ROW).fetchall()
    both = tag_articles(conn, ids, gaz, batch=1)  # one article tagged, two new
    rows = conn.execute(MENTION_ROW).fetchall()
    assert both.mentions == len(rows) == both.linked + both.unlinked
    assert [r for r in rows if r[0] == ids[0]] == rows_first
    assert first.mentions == len(rows_first)
    assert {r[5] for r in rows if r[0] == ids[2]} == {"title", "body"}
    assert ([r[1:] for r in rows if r[0] == ids[2]]
            == [r[1:] for r in rows if r[0] == ids[0]])
    again = tag_articles(conn, ids[::-1], gaz)
    assert again == both
    assert conn.execute(MENTION_ROW).fetchall() == rows


def test_stored_mentions_of_a_summary_excerpt_are_not_doubled(conn) -> None:
    """An article whose summary repeats its body has its names once, as the body's; one
    whose summary says more keeps the summary's. A re-tag cleans rows stored before."""
    gaz = load_gazetteer()
    sync_entities(conn, gaz)
    summaries = [EXCERPTS["first sentence"], EXCERPTS["ellipsis"], EXCERPTS["whitespace"],
                 POMPEO_BODY, OWN_SUMMARY]
    ids = []
    for n, summary in enumerate(summaries):
        ids.append(conn.execute(
            "INSERT INTO articles (canonical_url, url, outlet, title, summary, body, "
            "title_norm, body_norm, content_hash, first_seen, last_seen) VALUES "
            "(%s, %s, 'test', 'بومبيو في طوكيو', %s, %s, '', '', %s, now(), now()) "
            "RETURNING id", (f"https://x.test/p{n}", f"https://x.test/p{n}", summary,
                             POMPEO_BODY, f"hash-p{n}")).fetchone()[0])
    # Rows as an older tagger stored them: the first article's summary tagged as well.
    conn.execute(
        "INSERT INTO article_entities (article_id, entity_id, surface, surface_norm, type, "
        "field, start_offset, end_offset, method, confidence) VALUES "
        "(%s, 'akhbar:mike-pompeo', 'مايك بومبيو', 'مايك بومبيو', 'PER', 'summary', 27, 38, "
        "'gazetteer', 0.98)", (ids[0],))
    conn.commit()
    stats = tag_articles(conn, ids, gaz)
    per_article = dict(conn.execute(
        "SELECT article_id, count(*) FILTER (WHERE field = 'summary') FROM article_entities "
        "GROUP BY article_id").fetchall())
    assert [per_article[i] for i in ids[:4]] == [0, 0, 0, 0]
    assert per_article[ids[4]] >= 2
    pompeo = conn.execute(
        "SELECT article_id, count(*) FROM article_entities "
        "WHERE entity_id = 'akhbar:mike-pompeo' GROUP BY article_id ORDER BY article_id"
    ).fetchall()
    assert pompeo == [(i, 3) for i in ids]  # title, the full name and the surname in the body
    assert stats.mentions == conn.execute("SELECT count(*) FROM article_entities").fetchone()[0]
    assert tag_articles(conn, ids, gaz) == stats


def test_two_taggers_of_one_article_at_once_both_succeed(conn, db_url: str,
                                                         monkeypatch) -> None:
    """The night and a re-tag may tag an article at the same time: the one that waited for
    the other's rows reads the article again instead of failing on a duplicate key."""
    import threading
    import time

    from pipeline import entities_db, store

    gaz = load_gazetteer()
    sync_entities(conn, gaz)
    ids = _insert_articles(conn)
    tag_articles(conn, ids, gaz)
    before = conn.execute(MENTION_ROW).fetchall()
    conn.execute("DELETE FROM article_entities")  # untagged again: both will write rows
    conn.commit()
    written, release = threading.Event(), threading.Event()
    lock_entities = entities_db._lock_entities

    def held(conn_: psycopg.Connection, used: set[str]) -> None:
        if threading.current_thread().name == "first":
            written.set()  # its rows are written, not yet committed
            release.wait(30)
        lock_entities(conn_, used)

    monkeypatch.setattr(entities_db, "_lock_entities", held)
    errors: list[BaseException] = []

    def tag() -> None:
        try:
            with store.connect(db_url) as other:
                tag_articles(other, ids[:1], gaz)
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    first = threading.Thread(target=tag, name="first")
    first.start()
    assert written.wait(30)
    second = threading.Thread(target=tag, name="second")
    second.start()
    waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
    deadline = time.monotonic() + 30
    while conn.execute(waiting).fetchone()[0] == 0 and time.monotonic() < deadline:
        conn.commit()
        time.sleep(0.05)
    assert time.monotonic() < deadline  # the second waited on the first's rows
    release.set()
    first.join(60)
    second.join(60)
    assert errors == []
    assert conn.execute(MENTION_ROW).fetchall() == [r for r in before if r[0] == ids[0]]


def test_a_text_a_night_replaces_while_it_is_tagged_is_tagged_again(conn, db_url: str) -> None:
    """A re-tag that read an article before a night stored new text for it (and tagged that)
    writes no mention of the old text: its batch is read again."""
    from datetime import UTC, datetime

    from warehouse_data import article

    from pipeline import store
    from pipeline.records import FeedSpec

    old = "قال الرئيس الروسي فلاديمير بوتين إن موسكو سترد على العقوبات الأمريكية."
    new = "أعلنت واشنطن فرض عقوبات جديدة، وقال وزير الخارجية إن بكين وطهران تدعمان موسكو."
    first, second = datetime(2024, 3, 1, 2, tzinfo=UTC), datetime(2024, 3, 2, 2, tzinfo=UTC)
    gaz = load_gazetteer()
    store.sync_feeds(conn, [FeedSpec("fa", "fa", "https://a.example/rss", "A")])
    run = store.start_run(conn, "n1", first)
    store.load_articles(conn, run, [article("fa", "A", "https://a.example/1", "خبر", old, first)])
    conn.commit()
    sync_entities(conn, gaz)
    aid = conn.execute("SELECT id FROM articles").fetchone()[0]
    conn.commit()

    class NightMeanwhile(EntityTagger):
        fired = False

        def tag_rows(self, fields):  # type: ignore[no-untyped-def]
            rows = super().tag_rows(fields)  # the old text is tagged ...
            if not NightMeanwhile.fired:  # ... while a night loads the new one and tags it
                NightMeanwhile.fired = True
                with store.connect(db_url) as night:
                    later = store.start_run(night, "n2", second)
                    store.load_articles(night, later, [
                        article("fa", "A", "https://a.example/1", "خبر", new, first)])
                    night.commit()
                    tag_articles(night, [aid], gaz, EntityTagger(gaz))
            return rows

    with store.connect(db_url) as retag:
        tag_articles(retag, [aid], gaz, NightMeanwhile(gaz))
    assert NightMeanwhile.fired
    body = conn.execute("SELECT body FROM articles WHERE id = %s", (aid,)).fetchone()[0]
    assert body == new
    mentions = conn.execute(
        "SELECT field, start_offset, end_offset, surface FROM article_entities "
        "WHERE article_id = %s AND field = 'body'", (aid,)).fetchall()
    assert mentions and all(body[start:end] == surface for _f, start, end, surface in mentions)
    assert "بوتين" not in {surface for *_rest, surface in mentions}


def test_a_retag_waits_out_a_night_still_writing_its_articles(conn, db_url: str) -> None:
    """A night that has written new text but not committed it holds the article: the
    re-tag tries again until the night is done, then tags the new text."""
    import threading


    gaz = load_gazetteer()
    sync_entities(conn, gaz)
    ids = _insert_articles(conn)
    conn.commit()
    new = "أعلنت واشنطن فرض عقوبات جديدة، وقال وزير الخارجية إن بكين تدعم موسكو."
    tagger = EntityTagger(gaz)  # built first: the night must still be writing when it reads
    night = psycopg.connect(db_url)
    night.execute("UPDATE articles SET body = %s, content_hash = 'edited' WHERE id = %s",
                  (new, ids[0]))
    timer = threading.Timer(0.6, night.commit)
    timer.start()
    try:
        tag_articles(conn, ids[:1], gaz, tagger)
    finally:
        timer.join()
        night.close()
    mentions = conn.execute(
        "SELECT start_offset, end_offset, surface FROM article_entities "
        "WHERE article_id = %s AND field = 'body'", (ids[0],)).fetchall()
    assert {surface for *_span, surface in mentions} >= {"واشنطن", "بكين", "موسكو"}
    assert all(new[start:end] == surface for start, end, surface in mentions), mentions


def test_a_rerun_keeps_every_mention_row_and_its_id(conn) -> None:
    """Re-tagging what is already tagged alike writes nothing: the rows and their ids stay.
    An article whose mentions changed has its rows replaced."""
    gaz = load_gazetteer()
    sync_entities(conn, gaz)
    ids = _insert_articles(conn)
    first = tag_articles(conn, ids, gaz)
    with_ids = ("SELECT id, article_id, entity_id, surface, field, start_offset, end_offset "
                "FROM article_entities ORDER BY id")
    rows = conn.execute(with_ids).fetchall()
    assert tag_articles(conn, ids, gaz) == first
    assert conn.execute(with_ids).fetchall() == rows
    # One stored row of the first article goes astray: that article alone is rewritten.
    conn.execute("UPDATE article_entities SET start_offset = start_offset + 1, "
                 "end_offset = end_offset + 1 WHERE id = %s", (rows[0][0],))
    conn.commit()
    assert tag_articles(conn, ids, gaz) == first
    after = conn.execute(with_ids).fetchall()
    assert [r for r in after if r[1] != rows[0][1]] == [r for r in rows if r[1] != rows[0][1]]
    assert [r[1:] for r in after if r[1] == rows[0][1]] == [
        r[1:] for r in rows if r[1] == rows[0][1]]
    assert min(r[0] for r in after if r[1] == rows[0][1]) > max(r[0] for r in rows)


def test_retagging_a_batch_is_atomic(conn, refuse_inserts) -> None:
    """A batch that fails while writing keeps the rows it was replacing."""
    gaz = load_gazetteer()
    sync_entities(conn, gaz)
    ids = _insert_articles(conn)
    tag_articles(conn, ids, gaz)
    # Rows an older gazetteer wrote: the re-tag has to replace them.
    conn.execute("UPDATE article_entities SET confidence = 0.5")
    conn.commit()
    before = conn.execute(MENTION_ROW).fetchall()
    refuse_inserts("article_entities")
    with pytest.raises(psycopg.errors.RaiseException):
        tag_articles(conn, ids, gaz)
    conn.rollback()
    assert conn.execute(MENTION_ROW).fetchall() == before


def test_mention_rows_store_what_parameters_store(conn) -> None:
    """tag_articles formats COPY text itself: characters COPY escapes and long float
    confidences arrive exactly as psycopg's own adaptation of the same values."""
    gaz = load_gazetteer()
    sync_entities(conn, gaz)
    ids = _insert_articles(conn)
    rows = [("كيم\\جونغ\tأون\nx\r\b\v\f", "PER", 0, 5, "pattern", 0.6 - 0.15, None, None,
             "title"),
            ("بوتين", "PER", 7, 12, "gazetteer", 0.98, "Q7747", "Vladimir Putin", "body"),
            ("بوتين", "PER", 20, 25, "gazetteer", 1.0, "Q7747", "Vladimir Putin", "body")]

    class Fixed(EntityTagger):
        def tag_rows(self, fields):  # type: ignore[no-untyped-def]
            return rows

    stats = tag_articles(conn, ids[:1], gaz, tagger=Fixed(gaz))
    assert (stats.mentions, stats.linked, stats.unlinked) == (3, 2, 1)
    query = ("SELECT entity_id, surface, surface_norm, type, field, start_offset, end_offset, "
             "method, confidence FROM article_entities WHERE article_id = %s ORDER BY id")
    copied = conn.execute(query, (ids[0],)).fetchall()
    for surface, etype, start, end, method, conf, entity_id, _canonical, fld in rows:
        conn.execute(
            "INSERT INTO article_entities (article_id, entity_id, surface, surface_norm, "
            "type, field, start_offset, end_offset, method, confidence) VALUES "
            "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (ids[1], entity_id, surface, normalize_inline(surface), etype, fld, start, end,
             method, conf))
    assert conn.execute(query, (ids[1],)).fetchall() == copied
    assert copied[0][1] == rows[0][0]


def test_mentions_of_an_article_are_found_by_the_unique_index(conn) -> None:
    """The (article_id) index is gone: the unique index, led by article_id, serves instead."""
    names = {r[0] for r in conn.execute(
        "SELECT indexname FROM pg_indexes WHERE tablename = 'article_entities'")}
    assert "article_entities_article_idx" not in names
    conn.execute("SET enable_seqscan = off")
    plan = "\n".join(r[0] for r in conn.execute(
        "EXPLAIN DELETE FROM article_entities WHERE article_id = ANY('{1,2}'::bigint[])"))
    assert "article_entities_article_id_field_start_offset_end_offset_key" in plan


def test_retag_drops_entities_the_gazetteer_renamed_or_removed(
        conn, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full re-tag after an id is renamed and an entity removed leaves ``entities`` equal
    to the gazetteer: no old id beside the new one, no entity the file no longer has."""
    from pipeline import entities, entities_db

    ids = _tagged(conn)
    linked = {r[0] for r in conn.execute("SELECT DISTINCT entity_id FROM article_entities")}
    assert {"Q56226", "Q7747"} <= linked
    text = Path(load_gazetteer().source).read_text(encoding="utf-8")
    kim = "- {id: Q56226, "
    putin = next(line for line in text.splitlines() if line.startswith("- {id: Q7747, "))
    assert kim in text
    edited = parse_gazetteer(text.replace(kim, "- {id: akhbar:kim-renamed, ")
                             .replace(putin + "\n", ""))
    monkeypatch.setattr(entities, "default_gazetteer", lambda: edited)
    monkeypatch.setattr(entities_db, "default_tagger", lambda: EntityTagger(edited))
    entities_db.retag(db_url)
    assert {r[0] for r in conn.execute("SELECT id FROM entities")} == {e.id for e in edited}
    names = conn.execute("SELECT entity_id FROM akhbar.entities WHERE name_en = 'Kim Jong Un'")
    assert names.fetchall() == [("akhbar:kim-renamed",)]
    assert _mentions(conn, "entity_id = 'akhbar:kim-renamed'") > 0
    assert _mentions(conn, f"article_id = ANY(ARRAY{ids}) AND surface LIKE '%بوتين%' "
                           "AND entity_id IS NOT NULL") == 0


def test_cli_candidates(conn, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.cli import app

    gaz = load_gazetteer()
    sync_entities(conn, gaz)
    tag_articles(conn, _insert_articles(conn), gaz)
    monkeypatch.setenv("AKHBAR_DATABASE_URL", db_url)
    result = CliRunner().invoke(app, ["entities", "candidates", "--json", "--min-articles", "2"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[0]["name"] == "ستيف ديكر"



def test_cli_candidates_refuses_a_negative_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A negative --limit is a usage error (exit 2), not a database traceback."""
    from pipeline.cli import app

    # No database: the option must be refused before one is reached.
    monkeypatch.setenv("AKHBAR_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = CliRunner().invoke(app, ["entities", "candidates", "--limit", "-1"])
    assert result.exit_code == 2, (result.output, result.exception)
    assert "--limit" in result.output

# --- the mentions' references, kept without per-row foreign keys (migration 097) ---------

def _tagged(conn) -> list[int]:
    gaz = load_gazetteer()
    sync_entities(conn, gaz)
    ids = _insert_articles(conn)
    tag_articles(conn, ids, gaz)
    return ids


def _mentions(conn, where: str = "true") -> int:
    return conn.execute(f"SELECT count(*) FROM article_entities WHERE {where}").fetchone()[0]


def test_article_entities_has_no_per_row_foreign_keys(conn) -> None:
    assert conn.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND "
                        "conrelid = 'article_entities'::regclass").fetchone() == (0,)


def test_deleting_an_article_deletes_its_mentions(conn) -> None:
    ids = _tagged(conn)
    kept = _mentions(conn, f"article_id = {ids[1]}")
    assert _mentions(conn, f"article_id = {ids[0]}") > 0 and kept > 0
    conn.execute("SET ROLE akhbar_writer")  # the pipeline's role may do it, as with the key
    conn.execute("DELETE FROM articles WHERE id = %s", (ids[0],))
    conn.commit()
    assert _mentions(conn, f"article_id = {ids[0]}") == 0
    assert _mentions(conn, f"article_id = {ids[1]}") == kept
    # Its other rows (topics, search) still go by their own foreign keys, in one statement.
    conn.execute("DELETE FROM articles")
    conn.commit()
    assert _mentions(conn) == 0


def test_truncating_articles_empties_the_mentions(conn) -> None:
    _tagged(conn)
    conn.execute("TRUNCATE articles CASCADE")
    conn.commit()
    assert _mentions(conn) == 0


def test_deleting_an_entity_unlinks_its_mentions(conn) -> None:
    ids = _tagged(conn)
    putin = _mentions(conn, "entity_id = 'Q7747'")
    linked = _mentions(conn, "entity_id IS NOT NULL")
    assert putin > 0
    conn.execute("SET ROLE akhbar_writer")
    conn.execute("DELETE FROM entities WHERE id = 'Q7747'")
    conn.commit()
    assert _mentions(conn, "entity_id = 'Q7747'") == 0
    assert _mentions(conn, "entity_id IS NOT NULL") == linked - putin
    assert _mentions(conn) == _mentions(conn, f"article_id = ANY('{{{ids[0]},{ids[1]}}}')")
    conn.execute("RESET ROLE")
    conn.execute("TRUNCATE entities")
    conn.commit()
    assert _mentions(conn, "entity_id IS NOT NULL") == 0 and _mentions(conn) > 0


def test_a_used_key_cannot_change(conn) -> None:
    ids = _tagged(conn)
    for statement in (f"UPDATE articles SET id = -1 WHERE id = {ids[0]}",
                      "UPDATE entities SET id = 'Q0' WHERE id = 'Q7747'"):
        with pytest.raises(psycopg.errors.ForeignKeyViolation, match="article_entities"):
            conn.execute(statement)
        conn.rollback()
    conn.execute("UPDATE entities SET id = 'Q0' WHERE id = 'Q1'")  # unused: allowed
    conn.rollback()


def test_mentions_of_an_entity_missing_from_the_table_are_refused(conn) -> None:
    from pipeline.entities_db import UnknownEntityError

    gaz = load_gazetteer()
    ids = _tagged(conn)
    before = conn.execute(MENTION_ROW).fetchall()
    # An entity of the gazetteer that the table lacks: the gazetteer was not synced.
    conn.execute("DELETE FROM entities WHERE id IN ('Q7747', 'Q56226')")
    conn.commit()
    unlinked = conn.execute(MENTION_ROW).fetchall()
    assert unlinked != before
    with pytest.raises(UnknownEntityError, match=r"Q56226, Q7747\. Sync the gazetteer"):
        tag_articles(conn, ids, gaz)
    # The batch wrote nothing and deleted nothing; the connection is usable.
    assert conn.execute(MENTION_ROW).fetchall() == unlinked
    sync_entities(conn, gaz)
    tag_articles(conn, ids, gaz)
    assert conn.execute(MENTION_ROW).fetchall() == before


def test_an_article_deleted_while_its_batch_is_written_loses_the_new_mentions(
        conn, db_url: str) -> None:
    """The batch holds its articles FOR KEY SHARE: a delete waits for the commit, then its
    trigger sees the new rows and removes them (what the foreign key's per-row lock did)."""
    import threading

    gaz = load_gazetteer()
    sync_entities(conn, gaz)
    ids = _insert_articles(conn)
    deleter = psycopg.connect(db_url, autocommit=True)
    done = threading.Event()
    errors: list[BaseException] = []

    def delete() -> None:
        try:
            deleter.execute("DELETE FROM articles WHERE id = %s", (ids[0],))
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        done.set()

    class DeleteMidway(EntityTagger):
        started = False

        def tag_rows(self, fields):  # type: ignore[no-untyped-def]
            if not self.started:
                self.started = True
                threading.Thread(target=delete, daemon=True).start()
                with psycopg.connect(db_url, autocommit=True) as watch:
                    for _ in range(600):  # until the delete waits on the batch's lock
                        if watch.execute(
                                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type "
                                "= 'Lock' AND query LIKE 'DELETE FROM articles%%'"
                                ).fetchone()[0] or done.is_set():
                            break
                        watch.execute("SELECT pg_sleep(0.05)")
                assert not done.is_set(), "the delete did not wait for the batch"
            return super().tag_rows(fields)

    try:
        stats = tag_articles(conn, ids, gaz, tagger=DeleteMidway(gaz))
        assert done.wait(30) and not errors
    finally:
        deleter.close()
    assert stats.articles == 2 and stats.mentions > _mentions(conn)
    assert _mentions(conn, f"article_id = {ids[0]}") == 0
    assert _mentions(conn, f"article_id = {ids[1]}") > 0


def test_migration_keeps_the_mentions_and_their_guarantees(database_before) -> None:
    from pipeline import store

    with store.connect(database_before("097")) as conn:
        ids = _tagged(conn)
        before = conn.execute(MENTION_ROW).fetchall()
        assert "097_entity_write_speed.sql" in store.migrate(conn)
        assert conn.execute(MENTION_ROW).fetchall() == before
        owners = {r[0] for r in conn.execute(
            "SELECT pg_get_userbyid(proowner) FROM pg_proc "
            "WHERE proname LIKE 'article_entities_%'")}
        assert owners == {"akhbar_owner"}
        conn.execute("DELETE FROM entities WHERE id = 'Q7747'")
        conn.execute("DELETE FROM articles WHERE id = %s", (ids[0],))
        conn.commit()
        assert _mentions(conn, f"article_id = {ids[0]} OR entity_id = 'Q7747'") == 0
        assert _mentions(conn) > 0


def test_names_inside_other_names_are_not_links(tagger: EntityTagger) -> None:
    text = ("نقل إلى مستشفى الشيخ خليفة بن زايد. وفاز لوس أنجلوس ليكرز على بوسطن. "
            "وتعمل الشركة السعودية للصناعات العسكرية مع جامعة ريو دي جانيرو. "
            "وقالت الحكومة السعودية إن وفدا زار السعودية.")
    got = [(m.text, m.canonical) for m in tagger.tag(text) if m.entity_id]
    # A team the gazetteer holds is the team, not its city.
    assert got == [("لوس أنجلوس ليكرز", "Los Angeles Lakers"), ("بوسطن", "Boston"),
                   ("الشركة السعودية للصناعات العسكرية", "Saudi Arabian Military Industries"),
                   ("السعودية", "Saudi Arabia")]
    got = [(m.text, m.canonical) for m in tagger.tag("وفاز ميامي هيت على بوسطن سلتيكس")]
    assert got == [("ميامي هيت", "Miami Heat"), ("بوسطن سلتيكس", "Boston Celtics")]


def test_word_form_matcher_scans_like_the_matcher() -> None:
    from pipeline.matcher import Kind, Matcher, Term, WordFormMatcher
    from pipeline.normalize import tokenize

    terms = [Term("كوريا الشمالية", "nk", Kind.NAME), Term("الأمم المتحدة", "un", Kind.NAME),
             Term("عقوبة", "penalty", Kind.WORD), Term("صحيفة", "paper", Kind.WORD),
             Term("أ ف ب", "afp", Kind.EXACT), Term("سول", "seoul", Kind.NAME)]
    fast, slow = WordFormMatcher(terms), Matcher(terms)
    for article in list(_dev_articles().values())[:20]:
        tokens = tokenize(article["text"])
        assert fast.scan(tokens) == sorted(slow.scan(tokens))
    tokens = tokenize("فرضت للأمم المتحدة عقوباتها وصحيفتهم في سول لا السول (أ ف ب)")
    assert [k for _f, _l, k, _t in fast.scan(tokens)] == ["un", "penalty", "paper", "seoul",
                                                          "afp"]


def test_overlap_shortcuts_keep_what_the_plain_rule_keeps() -> None:
    """Lone spans, one span with several keys and two-hit runs skip the general sort."""
    import random

    from pipeline.entities import _Key, _longest

    def plain(raw: list) -> list:  # longest first, gazetteer before trigger, then position
        kept: list = []
        for hit in sorted(raw, key=lambda h: (h[0] - h[1], not isinstance(h[2], _Key), h[0])):
            if all(hit[1] < k[0] or k[1] < hit[0] or hit[:2] == k[:2] for k in kept):
                kept.append(hit)
        return sorted(kept, key=lambda h: h[0])

    rng = random.Random(4)
    keys = [_Key(1, True), _Key(2, False), ("title", "PER"), ("keyword", "ORG")]
    for _ in range(3000):
        firsts = rng.sample(range(12), rng.randint(0, 5))
        spans = {(f, f + rng.choice((0, 0, 1, 2))) for f in firsts}
        raw = sorted(((f, last, rng.choice(keys), "t") for f, last in spans
                      for _ in range(rng.choice((1, 1, 2)))), key=lambda h: (h[0], h[1]))
        got, want = _longest(raw), plain(raw)
        # Only the order between a gazetteer hit and a trigger on one span may differ; the
        # tagger splits the two apart.
        for is_entity in (True, False):
            assert ([h for h in got if isinstance(h[2], _Key) is is_entity]
                    == [h for h in want if isinstance(h[2], _Key) is is_entity]), raw


def test_names_of_the_news_since_2022_and_their_namesakes(tagger: EntityTagger) -> None:
    text = ("قال نائب رئيس الوزراء الروسي ألكسندر نوفاك إن موسكو لن تبيع نفطها بالسقف، "
            "وأضاف نوفاك أن الإنتاج مستقر. وتحتفظ مؤسسة يوروكلير بمعظم الأصول المجمدة.")
    assert linked(tagger.tag(text)) == ["Alexander Novak", "Moscow", "Alexander Novak",
                                        "Euroclear"]
    tennis = "وسوف يواجه الصربي نوفاك دجوكوفيتش منافسه في موسكو."
    assert linked(tagger.tag(tennis)) == ["Novak Djokovic", "Moscow"]
    # A bare فيكو is the Slovak prime minister only where Slovakia is near.
    assert "Robert Fico" in linked(tagger.tag("وقال رئيس الوزراء السلوفاكي فيكو إن بلاده"))
    assert linked(tagger.tag("وانتخب روبيرتو فيكو رئيسا لمجلس النواب الإيطالي")) == [
        "Roberto Fico"]



def test_the_korean_line_party_and_credits_of_the_news(tagger: EntityTagger) -> None:
    text = ("التقى الزعيمان عند خط الترسيم العسكري، وقال مسؤول في حزب العمال إن بيونغ يانغ "
            "سترد، بحسب أ ش أ.")
    assert linked(tagger.tag(text)) == ["Military Demarcation Line", "Workers' Party of Korea",
                                        "Pyongyang", "Middle East News Agency"]
    # The party's bare name elsewhere is another country's party, or none.
    assert "Workers' Party of Korea" not in linked(tagger.tag(
        "وفاز حزب العمال في الانتخابات البريطانية"))
    # Bare "ألبا" is Barcelona's full-back, not the Bahraini smelter.
    assert "Aluminium Bahrain" not in linked(tagger.tag("وسجل جوردي ألبا هدف برشلونة الثاني"))


def test_companies_and_bridges_whose_names_are_words_or_shared(tagger: EntityTagger) -> None:
    # "ميتا" is also "dead"; Honda is a footballer's name and a carmaker's.
    assert "Meta Platforms" not in linked(tagger.tag("وعثر عليه ميتا في منزله بلندن"))
    assert linked(tagger.tag("وسجل كيسوكي هوندا هدف المباراة")) == ["Keisuke Honda"]
    assert "Honda" in linked(tagger.tag("وعلقت شركات السيارات تويوتا وهوندا الإنتاج"))
    # The Friendship Bridge of the Korean news is mostly China's, at Dandong.
    china = "وشددت الإجراءات على جسر الصداقة الذي يربط بين كوريا الشمالية والصين"
    assert "Korea–Russia Friendship Bridge" not in linked(tagger.tag(china))
    russia = "وعبر القطار جسر الصداقة بين خاسان وتومانغانغ"
    assert "Korea–Russia Friendship Bridge" in linked(tagger.tag(russia))


def test_a_russian_region_named_with_its_noun_is_the_region(tagger: EntityTagger) -> None:
    text = "وضربت مسيرات قاعدة بيلايا الجوية في مقاطعة إيركوتسك، ثم مدينة إيركوتسك نفسها."
    assert linked(tagger.tag(text)) == ["Belaya air base", "Irkutsk Oblast", "Irkutsk"]
    # The region's noun before a given name makes the region, and the person stays himself.
    text = "وزار فلاديمير بوتين منطقة فلاديمير"
    assert linked(tagger.tag(text)) == ["Vladimir Putin", "Vladimir Oblast"]


def test_yamal_is_the_gas_project_unless_the_footballer_is_near(tagger: EntityTagger) -> None:
    gas = "وارتفعت واردات الغاز المسال من مشروع «يامال» في القطب الشمالي، وتقول نوفاتيك إن يامال"
    assert "Lamine Yamal" not in linked(tagger.tag(gas))
    football = "وسجل لامين يامال هدفا، وقال مدرب برشلونة إن يامال كان الأفضل."
    assert linked(tagger.tag(football)).count("Lamine Yamal") == 2
    # The White House's spokesman for its National Security Council is Washington's.
    text = "وقال المتحدث باسم مجلس الأمن القومي جون كيربي إن المعلومات الجديدة دقيقة"
    assert "United States National Security Council" in linked(tagger.tag(text))


def test_the_ball_in_a_leaders_court_is_the_leader(tagger: EntityTagger) -> None:
    # "الكرة في ملعب كيم جونغ أون" is an idiom: the leader, not a stadium named after him.
    text = "لكن الكرة الآن في ملعب كيم جونغ أون، الذي أعلن أن الجنوب دولة معادية"
    assert linked(tagger.tag(text)) == ["Kim Jong Un"]
    assert linked(tagger.tag("وأقيمت المباراة على ملعب الملك فهد الدولي")) == []
    # A university named after a king is the university, not the king.
    assert linked(tagger.tag("وقال أستاذ في جامعة الملك سعود إن")) == ["King Saud University"]


def test_officials_of_recent_years_are_linked(tagger: EntityTagger) -> None:
    text = ("وأطلع المبعوث الأممي هانس غروندبرغ مجلس الأمن على الوضع، فيما قال مدير وكالة "
            "الطاقة الدولية فاتح بيرول إن الإمدادات كافية، والتقى الرئيس جوزيف عون نظيره.")
    assert {"Hans Grundberg", "Fatih Birol", "Joseph Aoun"} <= set(linked(tagger.tag(text)))


def test_a_club_named_by_its_bare_name_in_its_own_league(tagger: EntityTagger) -> None:
    # الأهلي is Cairo's club beside the Egyptian league and Jeddah's beside the Saudi one.
    egypt = linked(tagger.tag("تغلب الأهلي على الزمالك في قمة الدوري المصري"))
    assert egypt == ["Al Ahly", "Zamalek"]
    saudi = linked(tagger.tag("فاز الأهلي على الهلال في الدوري السعودي للمحترفين"))
    assert saudi == ["Al-Ahli", "Al Hilal"]
    # A victory is not a club.
    assert linked(tagger.tag("وقال إن اليمنيين يمضون نحو النصر الكبير")) == []


def test_a_last_name_that_is_a_function_word_stays_a_word(tagger: EntityTagger) -> None:
    # عادل إمام's last name is أمام ("in front of") once normalized.
    text = "وقال الفنان عادل إمام إنه سيعود، ثم وقف أمام الكاميرا. وقال لويس سواريز إن سواريز جاهز."
    got = [(m.text, m.canonical) for m in tagger.tag(text) if m.entity_id]
    assert got == [("عادل إمام", "Adel Emam"), ("لويس سواريز", "Luis Suárez"),
                   ("سواريز", "Luis Suárez")]


def test_a_nationality_before_a_first_and_last_name(tagger: EntityTagger) -> None:
    text = ("ورد أصحاب الأرض عبر الكولومبي لويس دياز، ثم الأرجنتيني أليكسيس ماك أليستر، "
            "وأصبح السويسري مارسيل كولر أول مدرب يفوز باللقب.")
    names = {m.text for m in tagger.tag(text) if m.method == "pattern"}
    assert {"لويس دياز", "أليكسيس ماك أليستر", "مارسيل كولر"} <= names
    # After a noun the adjective describes the noun; one word after it is no name.
    nouns = ("تتهم واشنطن ناقلات بنقل الخام الإيراني وإخفاء منشئه، وقصف الجيش الأميركي "
             "مواقع في المنطقة.")
    assert [m.text for m in tagger.tag(nouns) if m.method == "pattern"] == []


def test_a_hamza_on_the_alef_is_no_article(tagger: EntityTagger) -> None:
    # أليكسيس and إليزابيث start with "ال" once normalized; the hamza says they are names (a
    # name the gazetteer does not hold, so that the rule is what finds it).
    text = "أعلنت الوزيرة الفرنسية إليزابيث غيغو، الخميس، مشروع القانون."
    assert [m.text for m in tagger.tag(text) if m.method == "pattern"] == ["إليزابيث غيغو"]


def test_an_ordinal_is_no_last_name(tagger: EntityTagger) -> None:
    text = "توفيت الملكة إليزابيث الثانية، وكانت قد خدمت في الحرب العالمية الثانية."
    assert [m.text for m in tagger.tag(text) if m.entity_id] == ["الملكة إليزابيث الثانية"]


def test_a_short_capital_is_not_found_inside_a_word(tagger: EntityTagger) -> None:
    # باكراً is ب + اكرا once normalized, and بلومي a surname: Accra and Lomé need Ghana or Togo.
    assert linked(tagger.tag("استيقظ اللاعبون باكراً، وقال لخضر بلومي إن الرحلة طويلة.")) == [
        "Lakhdar Belloumi"]
    assert linked(tagger.tag("وصل الرئيس إلى أكرا عاصمة غانا.")) == ["Accra", "Ghana"]


def test_a_party_name_several_countries_use(tagger: EntityTagger) -> None:
    turkey = "وقال نواب حزب العدالة والتنمية إن أردوغان سيترشح مجددا."
    morocco = "وأعلن حزب العدالة والتنمية في المغرب أنه سيعارض القرار."
    assert "Justice and Development Party" in linked(tagger.tag(turkey))
    assert "Justice and Development Party (Morocco)" in linked(tagger.tag(morocco))



def test_a_hyphen_inside_a_name_keeps_the_name_whole(tagger: EntityTagger) -> None:
    # Korean given names are transliterated with a hyphen; the name is not cut at it.
    text = ("وقال المتحدث باسم الوزارة لي سونغ-جون للصحفيين إن التدريبات انتهت، ووصف "
            "الجنرال كو جونغ-تشول الطلقات بأنها استفزاز. وقال بارك وون-غون، الخبير في "
            "الشؤون الكورية، إن الرد قادم، وأصيب لاعب الوسط الإنجليزي أليكس "
            "أوكسلايد-تشامبرلاين.")
    names = [(m.text, m.method) for m in tagger.tag(text) if m.type == "PER"]
    assert names == [("لي سونغ-جون", "pattern"), ("كو جونغ-تشول", "pattern"),
                     ("بارك وون-غون", "pattern"),
                     ("أليكس أوكسلايد-تشامبرلاين", "gazetteer")]
    # A hyphen before digits joins nothing: "-29" is no name part.
    assert [m.text for m in tagger.tag("وأعلنت شركة ميغ-29 للطائرات الصفقة.")
            if m.method == "pattern"] == ["ميغ"]


def test_a_name_written_with_plus_is_its_plus_grouping(tagger: EntityTagger) -> None:
    # The tokenizer drops "+": without the rule, "أوبك+" was OPEC.
    got = [(m.text, m.canonical) for m in tagger.tag(
        "قررت «أوبك+» زيادة الإنتاج، فيما قالت أوبك إن الطلب قوي، واجتمع تحالف أوبك بلس.")]
    assert got == [("أوبك+", "OPEC+"), ("أوبك", "OPEC"), ("تحالف أوبك بلس", "OPEC+")]
    # A "+" after a name without a plus grouping changes nothing; nor does a spaced one.
    assert [m.canonical for m in tagger.tag("روسيا+ الصين. أوبك + روسيا")] == [
        "Russia", "China", "OPEC", "Russia"]


def test_places_listed_after_a_plural_region_noun_are_the_regions(tagger: EntityTagger) -> None:
    def links(text: str) -> list[str]:
        return [m.canonical or "" for m in tagger.tag(text)]

    assert links("وامتد القصف إلى محافظات حلب والرقة والحسكة.") == [
        "Aleppo Governorate", "Raqqa Governorate", "Al-Hasakah Governorate"]
    assert links("وضمت روسيا مناطق دونيتسك ولوغانسك وزابوريجيا وخيرسون.") == [
        "Russia", "Donetsk Oblast", "Luhansk Oblast", "Zaporizhzhia Oblast", "Kherson Oblast"]
    assert links("في مقاطعتي كورسك وبيلغورود") == ["Kursk Oblast", "Belgorod Oblast"]
    # The noun says which region: states after ولايات, not the capital or the country.
    assert links("في ولايات فلوريدا وجورجيا، وفي مناطق جورجيا.")[1:] == [
        "Georgia (U.S. state)", "Georgia"]
    # Without the noun, or once the list is broken, the places stay cities.
    assert links("قصفت القوات مدينة حلب والرقة، ثم محافظتي حمص وحماة ثم درعا.") == [
        "Aleppo", "Raqqa", "Homs Governorate", "Hama Governorate", "Daraa"]


def test_a_short_first_part_that_is_also_a_word_starts_a_name(tagger: EntityTagger) -> None:
    # آن prints unlike أن and إن, though all three normalize to "ان"; أو and هو print like
    # "or" and "he", so they start or carry a name only before a hyphenated given name.
    # (آن سونغ-مين is no one the gazetteer holds; its Ahn Gyu-back would be linked instead.
    # وي سونغ-لاك and تشانغ هو-جين are in it: whole names either way, linked or not.)
    text = ("وقال وزير الدفاع آن سونغ-مين إن الجيش مستعد. وأبلغ مستشار الأمن القومي الكوري "
            "الجنوبي وي سونغ-لاك بأن المحادثات بدأت. وقال الوزير أو سي-هون إن الخطة جاهزة، "
            "وقال مستشار الأمن القومي تشانغ هو-جين إن الرد قادم.")
    names = [m.text for m in tagger.tag(text) if m.type == "PER"]
    assert names == ["آن سونغ-مين", "وي سونغ-لاك", "أو سي-هون", "تشانغ هو-جين"]
    words = "وقال الرئيس إن الحرب انتهت، وقال الوزير أو نائبه إن القرار نهائي."
    assert [m.text for m in tagger.tag(words) if m.method == "pattern"] == []


def test_a_university_is_named_with_its_noun(tagger: EntityTagger) -> None:
    # "جامعة طهران" is the university; the bare name after the noun would be the city.
    text = "وتخرج من جامعة توياما عام 2000، ثم درّس في مؤتمر بجامعة كيوشو."
    got = [(m.text, m.type) for m in tagger.tag(text) if m.method == "pattern"]
    assert got == [("جامعة توياما", "ORG"), ("بجامعة كيوشو", "ORG")]
    # A company is still named without its noun.
    company = "وقالت شركة كوسماكس إن أرباحها ارتفعت."
    assert [m.text for m in tagger.tag(company) if m.method == "pattern"] == ["كوسماكس"]


def test_a_government_named_by_its_nationality(tagger: EntityTagger) -> None:
    text = "وقالت الحكومة اليابانية إن للحكومة الكورية الجنوبية رأيا آخر، وقالت الحكومة إن"
    got = [(m.text, m.type) for m in tagger.tag(text) if m.method == "pattern"]
    assert got == [("الحكومة اليابانية", "ORG"), ("للحكومة الكورية الجنوبية", "ORG")]
    # A company so described is one of many, and stays a description.
    assert [m for m in tagger.tag("وقالت الشركة اليابانية إن") if m.method == "pattern"] == []


def test_a_committee_named_by_its_remit(tagger: EntityTagger) -> None:
    text = ("وقالت لجنة العقوبات إن القرار نهائي، وأحالت لجنة الانضباط والأخلاق اللاعب "
            "إلى التحقيق.")
    got = [(m.text, m.type) for m in tagger.tag(text) if m.method == "pattern"]
    assert got == [("لجنة العقوبات", "ORG"), ("لجنة الانضباط والأخلاق", "ORG")]
    # A council's "و" joins another body, not a second remit of its own.
    council = "ويحتاج المشروع لموافقة مجلس الشيوخ والنواب."
    assert [m.text for m in tagger.tag(council) if m.type == "ORG"] == ["مجلس الشيوخ"]


def test_a_speaker_named_by_one_word_and_described(tagger: EntityTagger) -> None:
    text = ("وقالت أولينا، وهي معلمة في الأربعين، إن الكهرباء انقطعت. ويقول ميكولا، صاحب "
            "مخبز صغير، إن الطحين نفد.")
    got = [(m.text, m.type) for m in tagger.tag(text) if m.method == "pattern"]
    assert got == [("أولينا", "PER"), ("ميكولا", "PER")]
    # A source or an official is no name, described or not.
    plain = "وقال المصدر، وهو مسؤول كبير، إن الاتفاق قريب. وقال مسؤول، طلب عدم ذكر اسمه."
    assert [m for m in tagger.tag(plain) if m.type == "PER"] == []


def test_a_researcher_is_named_after_the_institution(tagger: EntityTagger) -> None:
    # After الباحث/الخبير/أستاذ ... في + an institution noun, the institution's name comes
    # first and the person's after it: "هانيانغ يانغ أووك" is an institute and a researcher.
    # (Institutions the gazetteer does not hold, so that the rule is what names them.)
    text = ("وقال الباحث في معهد هانيانغ يانغ أووك إن الصواريخ جاهزة. ويقول أستاذ القانون "
            "الجنائي بجامعة أسيوط أحمد عوض إن النص واضح.")
    got = [(m.text, m.type) for m in tagger.tag(text) if m.method == "pattern"]
    assert got == [("معهد هانيانغ", "ORG"), ("يانغ أووك", "PER"), ("جامعة أسيوط", "ORG"),
                   ("أحمد عوض", "PER")]
    # An institution the gazetteer knows: the person follows its whole name.
    carnegie = "وقال الباحث في مركز كارنيغي للشرق الأوسط مايكل يونغ إن الأزمة طويلة."
    assert [m.text for m in tagger.tag(carnegie) if m.method == "pattern"] == ["مايكل يونغ"]
    # A two-word institution name followed by an adjective leaves no one-word person.
    hopkins = "وقال الباحث في جامعة بوسطن كوليدج الأمريكية إن الأمر معقد."
    assert [m.type for m in tagger.tag(hopkins) if m.method == "pattern"] == ["ORG"]


def test_marseille_and_monaco_are_clubs_beside_football_and_places_beside_a_city(
        tagger: EntityTagger) -> None:
    # As Rome and AS Roma: the bare name is weak for both, and its context decides.
    cases = [("وقال مدرب مرسيليا رودي غارسيا إن الفريق سيعود بقوة في الدوري الفرنسي.",
              ("مرسيليا", "ORG", "Olympique de Marseille")),
             ("واعتقلت الشرطة الفرنسية رجلا في مرسيليا بعد مداهمة.",
              ("مرسيليا", "LOC", "Marseille")),
             ("وانتقل مبابي من موناكو إلى باريس سان جرمان.", ("موناكو", "ORG", "Monaco")),
             ("واستقبل أمير موناكو ضيوفه في الإمارة.", ("موناكو", "LOC", "Monaco"))]
    for text, found in cases:
        assert found in {(m.text, m.type, m.canonical) for m in tagger.tag(text)}, text


def test_a_bare_surname_links_only_beside_its_bearers_world(tagger: EntityTagger) -> None:
    # "بانون" is also Morocco's defender Badr Benoun, "كاميرون" a first name, "هنية" a girl's
    # name and an adjective: alone they link only with the bearer's context.
    text = "وقاد المدافع بدر بانون الهجمة، وتصدى الحارس كاميرون داوسون للكرة."
    linked = [m.canonical for m in tagger.tag(text) if m.entity_id]
    assert "Steve Bannon" not in linked and "David Cameron" not in linked
    text = "وقال هنية إن حماس لن تتخلى عن سلاحها في غزة."
    assert "Ismail Haniyeh" in [m.canonical for m in tagger.tag(text)]
    # "غريفيث" alone is the UN's Yemen envoy only beside Yemen, the Houthis or the UN.
    envoy = "وقال غريفيث إن الحوثيين وافقوا على استئناف المحادثات بشأن اليمن."
    assert "Martin Griffiths" in [m.canonical for m in tagger.tag(envoy)]
    other = "واستقال الوزير البريطاني أندرو غريفيث بعد فضيحة رسائل، وقال غريفيث إنه نادم."
    assert "Martin Griffiths" not in [m.canonical for m in tagger.tag(other)]


def test_a_known_surname_after_another_given_name_is_someone_else(tagger: EntityTagger) -> None:
    # "ريتشارد برانسون" is not Andrew Brunson, "توماس ماركل" not Meghan Markle, "باولو دي
    # ماتيس" not Jim Mattis; the person's own names, spelled another way or with a middle
    # name or particle before the surname, still link.
    text = ("وقال ريتشارد برانسون إن الرحلة تأجلت، وقال توماس ماركل إنه لن يحضر، واستقال "
            "باولو دي ماتيس من منصبه.")
    linked = [m.canonical for m in tagger.tag(text) if m.entity_id]
    assert not {"Andrew Brunson", "Meghan Markle", "Jim Mattis"} & set(linked)
    text = ("وقال جمال بن أحمد خاشقجي إنه سيعود، وقال نيكولاس ساركوزي إنه بريء، وسجل أنخيل "
            "دي ماريا هدفا.")
    linked = [m.canonical for m in tagger.tag(text) if m.entity_id]
    assert {"Jamal Khashoggi", "Nicolas Sarkozy", "Ángel Di María"} <= set(linked)


def test_a_surname_two_people_share_goes_to_the_one_its_context_names(
        tagger: EntityTagger) -> None:
    # سليماني is Algeria's striker beside football words and Iran's general beside Iran's.
    def people(text: str) -> list[str]:
        return linked([m for m in tagger.tag(text) if m.type == "PER"])

    assert people("انطلاقة سليماني مع نيوكاسل تتعطل مجددا") == ["Islam Slimani"]
    assert people("وسجل المهاجم الجزائري سليماني هدفا") == ["Islam Slimani"]
    assert people("وقال الجنرال الإيراني سليماني إن قواته باقية") == ["Qasem Soleimani"]
    assert people("وكان سليماني قد وصل") == []
    # A father is not his son: Hafez al-Assad is not Bashar, nor is Alaa Mubarak Hosni.
    assert people("توفي حافظ الأسد عام 2000 وخلفه ابنه بشار الأسد") == [
        "Hafez al-Assad", "Bashar al-Assad"]
    assert people("وقال حسني مبارك إن علاء مبارك بريء") == ["Hosni Mubarak", "Alaa Mubarak"]


def test_a_foreign_given_name_spelled_with_other_vowels_still_names_the_person(
        tagger: EntityTagger) -> None:
    # The gazetteer spells her بترا كفيتوفا; outlets also write بيترا.
    ms = tagger.tag("وتلتقي الفائزة التشيكية بيترا كفيتوفا المصنفة ثامنة")
    assert linked(ms) == ["Petra Kvitová"]
    assert [m.text for m in ms if m.entity_id] == ["بيترا كفيتوفا"]
    assert linked(tagger.tag("ودافع المدرب إرنيستو فالفيردي عن خياراته")) == ["Ernesto Valverde"]
    # Arabic given names that differ in a vowel are other people, and a verb before an
    # Arabic last name is not a given name.
    assert "Mahmoud Abbas" not in linked(tagger.tag("وقال محمد عباس، أحد السكان، إن"))
    assert "Omar Abdulrahman" not in linked(tagger.tag("وسجل عامر عبدالرحمن هدفا"))
    assert linked(tagger.tag("ساعد الحريري في تشكيل الحكومة")) == []
    # A given name the person does not have is still someone else's.
    assert linked(tagger.tag("وقالت ماري كفيتوفا إن")) == []


def test_an_unknown_two_word_name_with_other_long_vowels_is_the_known_person(
        tagger: EntityTagger) -> None:
    def names(text: str) -> list[tuple[str, str | None]]:
        return [(m.text, m.canonical) for m in tagger.tag(text) if m.type == "PER"]

    assert names("وقال مدير المنتخب أوليفر بييرهوف إن") == [("أوليفر بييرهوف", "Oliver Bierhoff")]
    assert names("وقال المدرب أوناي أيميري إن") == [("أوناي أيميري", "Unai Emery")]
    # A vowel changed is another name (Baker is not Packer), a nisba is another family
    # (عفيفي is not عفيف), and an Arabic given name keeps its own spelling.
    assert names("وقال جيمس بيكر إن") == [("جيمس بيكر", None)]
    assert names("وقال محمد عفيفي إن") == [("محمد عفيفي", None)]
    assert names("وقال جون برودي إن") == [("جون برودي", None)]


def test_a_definite_feminine_participle_after_a_name_is_not_part_of_it(
        tagger: EntityTagger) -> None:
    def people(text: str) -> list[str]:
        return [m.text for m in tagger.tag(text) if m.type == "PER"]

    assert people("وفازت التشيكية ماري بوزكوفا المصنفة ثامنة") == ["ماري بوزكوفا"]
    # The مفاعلة shape is also a family name.
    assert people("وقالت المعارضة السورية سميرة المسالمة إن") == ["سميرة المسالمة"]


def test_a_world_cup_named_by_its_host_names_the_country_and_a_cup_does_not(
        tagger: EntityTagger) -> None:
    assert "Russia" in linked(tagger.tag("وتأهل المنتخب إلى ربع نهائي مونديال روسيا"))
    assert "Egypt" not in linked(tagger.tag("وفاز الأهلي بلقب كأس مصر"))


def test_verbs_are_the_words_after_particles_only_a_verb_follows() -> None:
    gaz = parse_gazetteer("version: 1\nentities:\n"
                          "- {id: akhbar:hajar-x, type: PER, en: Hajar X, ar: هاجر إكس}\n")
    texts = ["لم يوضح المتحدث ذلك، وقد يوضح لاحقا", "قد هاجر كثيرون، ولقد هاجر آخرون",
             "لن يغيب عن المباراة", "وقال يوسف إن يوسف لم يحضر"]
    verbs = build_verb_words(texts, gaz, given_names=["يوسف"])
    assert "يوضح" in verbs  # twice after قد and لم
    assert "هاجر" not in verbs  # a word of a person's spelling
    assert "يغيب" not in verbs and "يحضر" not in verbs  # once only


def test_a_verb_after_a_title_is_no_name_and_a_present_tense_ends_one(
        tagger: EntityTagger) -> None:
    def unlinked(text: str) -> list[str]:
        return [m.text for m in tagger.tag(text) if m.entity_id is None]

    assert unlinked("لكن الباحث يوضح أن هذا لا يؤثر") == []
    assert unlinked("اللاعب البرتغالي سيميدو يغيب عن برشلونة 5 أسابيع") == ["سيميدو"]
    assert unlinked("وأكد أن نلسون سيميدو سيغيب عن الملاعب") == ["نلسون سيميدو"]


def test_a_body_named_by_its_noun_and_a_genitive_phrase(tagger: EntityTagger) -> None:
    def bodies(text: str) -> list[str]:
        return [m.text for m in tagger.tag(text) if m.type == "ORG" and m.entity_id is None]

    assert bodies("وقالت لجنة مراقبة الانتخابات إن النتائج نهائية") == ["لجنة مراقبة الانتخابات"]
    assert bodies("وحذر معهد أبحاث السرطان من ذلك") == ["معهد أبحاث السرطان"]
    # An association or a union, with a plural participle that agrees with its members.
    assert bodies("وقالت رابطة اللاعبين المحترفين إن") == ["رابطة اللاعبين المحترفين"]
    assert bodies("وصوت مجلس الشيوخ المعارضين للقرار") == ["مجلس الشيوخ"]
    # A board, an adjective, a firm described by its trade: no body's name.
    assert bodies("واجتمع مجلس إدارة النادي أمس") == []
    assert bodies("وقضت محكمة مصرية الأحد بسجنه") == []
    assert bodies("وأعلنت شركة صناعة السيارات عن خطتها") == []


def test_a_relative_named_by_a_given_name_after_a_person(tagger: EntityTagger) -> None:
    def people(text: str) -> list[str | None]:
        return [m.canonical for m in tagger.tag(text) if m.type == "PER"]

    assert people("عثر على سيرغي سكريبال وابنته يوليا فاقدي الوعي") == [
        "Sergei Skripal", "Yulia Skripal"]
    assert people("وصل بنيامين نتنياهو وزوجته سارة إلى") == ["Benjamin Netanyahu", "Sara Netanyahu"]
    # Not the person again under a given name they share with the relative.
    assert "Kim Jong Un" not in people("إن كيم جونغ-أون وشقيقه جونغ تشول دخلا البلاد")[1:]
