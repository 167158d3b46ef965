"""Names the gazetteer does not know: the rules that find them, and their word lists.

A name is taken after a title or role (الرئيس، وزير الخارجية، السيد، الخبير ...) or a
nationality adjective, before an appositive role ("ديني روي، المتخصص في"), between a verb
of saying and a comma or colon ("وقال براين نلسون، ..."), after an organization or place
noun (quoted or not), and beside a researcher's institution; it is
stored unlinked, so that a maintainer can add the frequent ones to the gazetteer.
:class:`pipeline.entities.EntityTagger` compiles the titles, roles and nouns below into its
one automaton and hands each article's hits and links to :meth:`NameRules.find`.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from typing import Any, NamedTuple

from pipeline.matcher import ARTICLE_FORMS
from pipeline.normalize import IN_WORD_INVISIBLE, Tokens, normalize_inline

NAME_KIND_CACHE = 100_000  # tokens whose name test is kept (31k articles use ~31,000)
_DEFINITE = object()  # a token with the article: name-like only inside a name
MAX_NAME_TOKENS = 3
# Attached pronouns that no name ends in, longest first; "ته" is a feminine noun's ة + ه.
POSSESSED_ENDINGS = ("هما", "هم", "هن", "ها", "ته")
PROCLITICS = ("وبال", "وال", "فال", "بال", "كال", "لل", "ال", "وب", "ول", "فب", "فل", "و", "ف",
              "ب", "ل", "ك")


class Found(NamedTuple):
    """A mention while tagging, linked or not, in the offsets of the joined fields; a
    :class:`pipeline.entities.Mention` is built once, at the end, with its field and field
    offsets (tuples are cheaper to make)."""

    text: str
    type: str
    start: int
    end: int
    method: str
    confidence: float
    entity_id: str | None = None
    canonical: str | None = None


# A matcher hit as ``WordFormMatcher.scan`` gives it: (first token, last token, key, term).
# Kept as the plain tuple all the way (no object per hit); offsets come only for hits kept.
Hit = tuple[int, int, Any, str]
# A linked mention with its first and last token index.
Linked = tuple[Found, int, int]


def word_list(text: str) -> tuple[str, ...]:
    """Whitespace-separated words of a literal list (keeps long Arabic lists readable)."""
    return tuple(text.split())


# Function words that are never part of a name (normalized spelling).
STOPWORDS = frozenset(normalize_inline(w) for w in word_list("""
في من على إلى عن أن إن أنه أنها لا لم لن ما هذا هذه ذلك تلك التي الذي الذين هو هي هم كان
كانت قد قد لقد كما مع بعد قبل خلال منذ حتى أو ثم بين عند لدى حول ضد عبر نحو دون غير كل بعض
أي وقال قال قالت وقالت وأضاف أضاف وأكد أكد يوم أمس اليوم الأحد الاثنين الثلاثاء الأربعاء الخميس
الجمعة السبت يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر
كانون شباط آذار نيسان أيار حزيران تموز آب أيلول تشرين إنه إنها بأن وأن لأن إذ إذا كذلك أيضا
وفق وفقا بحسب حسب نفسه نفسها عليه عليها له لها منه منها فيه فيها به بها إنّ وهو وهي ولا
أمام خلف فوق تحت وراء الأول الأولى الثاني الثانية الثالث الثالثة الرابع الرابعة الخامس الخامسة
السادس السادسة السابع السابعة الثامن الثامنة التاسع التاسعة العاشر العاشرة
"""))
# A given name that is also a common preposition once normalized (على -> علي).
AMBIGUOUS_GIVEN = frozenset({normalize_inline("علي")})
# Short first parts of names that are function words once normalized, told apart by their
# printed spelling: آن (Ahn, Anne; أن and إن are "ان" too) starts a name before another name
# part, as علي does; أو (Oh), هو (Hu) and هي (He) print like "or", "he" and "she", so they
# start one only before a hyphenated given name ("أو سي-هون").
SHORT_FIRST_PARTS = frozenset({"آن"})
SHORT_FIRST_PARTS_BEFORE_HYPHEN = frozenset({"أو", "هو", "هي"})
_SHORT_FIRST_NORMS = frozenset(normalize_inline(w) for w in
                               SHORT_FIRST_PARTS | SHORT_FIRST_PARTS_BEFORE_HYPHEN)
# Tatweel, diacritics and the invisible characters a word may carry after its clitic.
_MARKS = re.compile("[\u0640\u064b-\u065f\u0670" + IN_WORD_INVISIBLE + "]")
CONJUNCTIONS = ("و", "ف")


def past_letter(text: str, start: int) -> int:
    """The offset after the letter at ``start`` and the marks on it: where a name starts
    behind a clitic that is not part of it ("وروسيا", "بجامعة")."""
    start += 1
    while _MARKS.match(text, start):
        start += 1
    return start


# Given names that open a person's name with no title before it ("إنزو فرنانديز", "هند
# صبري"), as Arabic outlets spell them. Left out: names that are also common words once
# normalized or common adjectives (أمل، نور، سلام، عادل، كريم، سعيد، أمين، سيف، رضا، تركي،
# رياض، شريف، بن، سارة، نبيل، حازم، أشرف، رجب، سكوت، صوفي، أنيس، جواد، رابح، هالة، نهى، رنا،
# آنا which reads as أنا).
ARAB_GIVEN_NAMES = word_list("""
محمد أحمد محمود مصطفى خالد يوسف إبراهيم إسماعيل حسين حسام طارق وليد هشام ماجد فيصل سلمان
فهد نزار رامي سامي سمير مروان زياد أيمن أنس أسامة ياسر هاني عماد عصام منصور ناصر بسام
وائل مازن فادي شادي باسل غسان ميشال ميشيل إيلي شربل بشير نجيب فؤاد إياد معاذ حمزة بلال
عثمان عمرو مجدي حمدي فتحي رشيد نايف بندر مشعل تميم جاسم راشد عبدالله عبدالرحمن عبدالعزيز
عبدالفتاح عبدالمجيد يحيى زكريا موسى عيسى هارون داود سليمان إدريس صلاح جلال شوقي لطفي
جبران نعيم مهند قيس لؤي أنور مراد فاطمة عائشة مريم زينب ليلى هند رانيا دينا ريم لينا
نادية سميرة منال سعاد غادة رشا ياسمين سلمى نسرين شيرين هيفاء نجلاء نوال رغدة لمى ميساء
عباس مسعود مهدي حامد قاسم عبد ياسين سفيان يونس أيوب إلياس لجين ريما
نبيل سامر لولوة
""")
# Other given names. Such a name is two words ("غاريث ساوثغيت"), or three after a particle
# ("ليوناردو دي سوزا"): a third word after two is most often the sentence going on
# ("سيمونا هاليب المصنفة", "جوردي ألبا لاعبهم"), where an Arab name has three parts.
FOREIGN_GIVEN_NAMES = word_list("""
جون جورج روبرت ديفيد مايكل جيمس ويليام وليام توماس ريتشارد دانيال بيتر مارك جيف كريستيان
كريستوفر ستيفن ستيفان أندرو أنتوني فرانك هنري تشارلز إدوارد برايان كيفن جيسون ماثيو نيك
نيكولاس آدم جاك هاري ألكسندر أليكس فيليب لويس باتريك إريك كارل ماكس فرانسوا جان بيير
إيمانويل أوليفييه نيكولا لوران فرانسيس كارلوس خوسيه خوان أنطونيو ماريو لوكا ماركو جوزيبي
فيديريكو باولو أنخيل ليونيل إنزو جوليان هانز كلاوس فولفغانغ أولاف يوهان مارتن جوزيف
دونالد كامالا هيلاري نانسي أنجيلا أورسولا كريستين إيزابيل ليندا سابرينا ماري ماريا إيما
جوليا لورا إليزابيث كاترين كاثرين صوفيا كيت جينيفر ميلانيا إيفانكا مارين فلاديمير سيرغي
سيرجي ديمتري دميتري أليكسي نيكولاي إيغور يوري أندريه ميخائيل فيكتور أوليغ إيفان بافيل
أناتولي فاليري يفغيني أولغا يوليا ناتاليا تاتيانا إيلينا سفيتلانا فولوديمير أولكسندر
دينيس كيريلو ميخايلو بترو
جيرارد سيرجيو سيرخيو إيكر أندي آندي برونو برناردو روبرتو كريس توني غافين كيرتس تيري غاريث
جوزيه سيلفيو راينهارد إلكاي ماركوس بيب رافائيل رافاييل غونزالو كريستيانو أنطوان أوليفر هوغو
تيبو كيليان ساديو ستيف أندريس أندريا فرناندو فرانشيسكو أليساندرو ماتيو ماتياس غاري واين
جيمي داني إيدين جوردي خافيير رونالد فينيسيوس جواو كارلو ستيفانو لورينزو ماسيميليانو سيموني
كارلا فينوس أنجيليك أناستازيا سيمونا بيترا سلون آشلي سيرينا كارولين نعومي ديدييه صامويل
هاكان أردا يوسي بنيامين يائير نفتالي إيتمار موشيه أفيغدور إيهود شمعون سوزان لوكاس جوليو
روبن ريكاردو رودريغو ألفارو ألبرتو أدريان ليوناردو إيدرسون نيمار
دييغو دييجو رستم لويزا فاسيلي دميترو بارت تايسون ياروسلافا كايا رومان فوميو فريدريش كيريل
شيغيرو أوليكسي ميكولا جوزيب أندري أوليه ستيفكا إيهور فاسيل أنطون ناريندرا إيغا دانييل
إيلون كاسبار إلفيرا إيرينا كلارا أوتيس يورغن فياتشيسلاف ساناي فاديم كاميلا يوشيماسا
روبرتا أوليكساندر شينزو توم نلسون نيلسون أوناي طوني هينري رافايل ايلينا ليز
""")
GIVEN_NAMES = ARAB_GIVEN_NAMES + FOREIGN_GIVEN_NAMES

# Korean surnames, which open a name whose given name is hyphenated ("كيم هونغ-إيل", "أوه
# هيون-غيو"); several are function words once normalized (لي, أوه), so the hyphen decides
# (آن is left to SHORT_FIRST_PARTS: it normalizes as أن does).
KOREAN_SURNAMES = word_list("""
كيم لي بارك تشوي جونغ كانغ تشو يون جانغ ليم هان أوه سيو شين كوون هوانغ سونغ هونغ يو مون
جي تشا نام بيك جو جيونغ سون بيون كو ري تشونغ يانغ ها يوم وو مين
""")
# Words that end a foreign company's name as Arabic outlets transliterate it ("كوانتم
# كابيتال", "تشيل إندستريز"): the name-like words before one are the company's. Not بنك,
# which mostly opens a bank's name ("بنك باركليز"); banks named so are gazetteer spellings.
COMPANY_SUFFIXES = word_list("""
كابيتال إنترناشونال إنترناشيونال إنفستمنتس إنفستمنت هولدينغ هولدينغز غروب كوربوريشن
إنرجي موتورز بتروليوم سيكيوريتيز بارتنرز فاينانشال تكنولوجيز إندستريز بيكتشرز إيرلاينز
إيرويز شيبينغ لوجستيكس فارماسيوتيكالز ماركتس ريسيرش أنيميشن
""")
_COMPANY_SUFFIX_NORMS = frozenset(normalize_inline(w) for w in COMPANY_SUFFIXES)
_AND = frozenset(normalize_inline(w) for w in ("آند", "أند", "اند"))
GIVEN_NORMS = frozenset(normalize_inline(w) for w in GIVEN_NAMES)
_FOREIGN_GIVEN_NORMS = frozenset(normalize_inline(w) for w in FOREIGN_GIVEN_NAMES)
_KOREAN_NORMS = frozenset(normalize_inline(w) for w in KOREAN_SURNAMES)
# Latin letters spelled out, which make model names and acronyms, not given names ("جي تي-آر").
_LETTER_NAMES = frozenset(normalize_inline(w) for w in word_list(
    "إس تي آر إف إم بي سي دي إن إل أو كيه في إكس زد إي واي جيه إتش"))
_NOT_AFTER_GIVEN = frozenset(normalize_inline(w) for w in word_list("الله صلى رضي عليه"))
_ABD = normalize_inline("عبد")  # "عبد الله" is a name
_GIVEN_PREFIXES = ("", "و", "ل", "ب", "ف", "ول", "وب")
NAME_PARTICLES = frozenset(normalize_inline(w) for w in word_list("عبد بن ابن أبو آل بنت"))
# Particles inside European names ("دي سوزا", "فان دايك", "ديلا روزا").
FOREIGN_PARTICLES = frozenset(normalize_inline(w)
                               for w in word_list("دي دا دو ديل ديلا فان فون دير لا"))

# Titles and roles after which a person's name usually follows.
PERSON_TITLES = tuple(t.strip() for t in """
الرئيس، الرئيسة، رئيس الوزراء، رئيسة الوزراء، رئيس الحكومة، رئيسة الحكومة، وزير الخارجية،
وزيرة الخارجية، وزير الدفاع، وزيرة الدفاع، وزير المالية، وزير الخزانة، وزير التجارة، وزير الداخلية،
الوزير، الوزيرة، المتحدث باسم، المتحدثة باسم، الناطق باسم، الناطقة باسم، المتحدث الرسمي، السيد،
السيدة، الخبير، الخبيرة، الباحث، الباحثة، المحلل، المحللة، السفير، السفيرة، المندوب، المندوبة،
النائب، النائبة، الجنرال، اللواء، العميد، العقيد، الأميرال، الأمير، الأميرة، الملك، الملكة، الشيخ،
الدكتور، الدكتورة، المستشار، المستشارة، الزعيم، الأمين العام، المدير، المديرة، مدير، مديرة، المدرب،
اللاعب، المهاجم، الحارس، الكاتب، الكاتبة، الصحفي، الصحفية، الصحافي، الصحافية، المراسل، المراسلة،
البروفيسور، القاضي، المحامي، المحامية، الناشط، الناشطة، المعارض، المعارضة، القيادي، الداعية، القس،
المغني، المغنية، الممثل، الممثلة، الفنان، الفنانة، المخرج، الرئيس التنفيذي، الرئيسة التنفيذية،
حاكم، المبعوث، المبعوثة، الأستاذ، الأستاذة، النجم، الزميل، الزميلة، نائب الرئيس، نائبة الرئيس،
مستشار الأمن القومي، مستشارة الأمن القومي، مستشار الأمن الوطني، مستشارة الأمن الوطني،
المحافظ، الكاردينال، المؤسس المشارك، المؤسس، رئيس الجمهورية، رئيس البرلمان، رئيس المحكمة،
رئيس النادي، رئيس الحزب، زعيم الحزب، زعيمة الحزب، المدافع، الظهير، لاعب الوسط، حارس المرمى، العداء،
العداءة، السائق، الإعلامي، الإعلامية، الكوميدي، المخرجة، المطرب، المطربة، الشاعر، الشاعرة، الروائي،
الروائية، الطبيب، الطبيبة، المنتج، الفيزيائي، المشتبه به، المهندس، المهندسة، البطريرك، المطران،
الحاخام، رجل الأعمال، سيدة الأعمال، الملياردير
""".replace("\n", " ").split("،") if t.strip())
# Nationality adjectives: in "الكولومبي لويس دياز" one stands where a title would, before a
# first and last name (two name-like words at least, since "الجيش الأميركي يقصف" is no name).
_GENTILIC_STEMS = word_list("""
الأميركي الأمريكي البريطاني الفرنسي الألماني الإيطالي الإسباني البرتغالي الهولندي البلجيكي
السويسري النمساوي السويدي النرويجي الدنماركي الفنلندي البولندي الروسي الأوكراني التركي
الإيراني العراقي السوري اللبناني الأردني الفلسطيني الإسرائيلي المصري السعودي الإماراتي القطري
الكويتي البحريني العماني اليمني السوداني الليبي التونسي الجزائري المغربي الموريتاني الصيني
الياباني الكوري الهندي الباكستاني الأفغاني الإندونيسي الماليزي الفلبيني التايلاندي الفيتنامي
الأسترالي النيوزيلندي الكندي المكسيكي البرازيلي الأرجنتيني الكولومبي التشيلي البيروفي
الفنزويلي الأوروغوياني الإكوادوري الكوبي النيجيري الغاني السنغالي الكاميروني الإيفواري الكيني
الإثيوبي الصربي الكرواتي البوسني اليوناني القبرصي المجري الروماني البلغاري التشيكي السلوفاكي
السلوفيني الإيرلندي الأيرلندي الاسكتلندي الويلزي الأيسلندي الجورجي الأرميني الأذربيجاني
الكازاخستاني الأوزبكي البيلاروسي الإستوني اللاتفي الليتواني المالي الكونغولي الأوغندي
التنزاني الجامايكي الغيني البوركيني الهايتي الإنجليزي الإنكليزي""")
# (السعودية is the country itself.)
GENTILICS = _GENTILIC_STEMS + tuple(w + "ة" for w in _GENTILIC_STEMS if w != "السعودي")
_GENTILIC_NORMS = frozenset(normalize_inline(w) for w in GENTILICS)
# Nouns that introduce an organization's name.
ORG_KEYWORDS = word_list("""
شركة مجموعة منظمة حركة حزب جمعية مؤسسة مركز معهد صندوق وكالة صحيفة مجلة موقع
قناة هيئة جماعة تنظيم بنك مصرف نادي جبهة لجنة شبكة جامعة""")
# Nouns of public bodies whose names are ordinary words after them ("وزارة النفط العراقية",
# "المتحف الوطني الكوري"); with ORG_KEYWORDS they start an institution's descriptive name.
# (Not جهاز, سلطة or مصلحة, whose first senses are a device, power and an interest.)
INSTITUTION_HEADS = word_list("وزارة مجلس اتحاد غرفة متحف محكمة دائرة رابطة نقابة")
# Words after such a noun that say which one, not what it is called ("الوزارة الجديدة").
_INSTANCE_WORDS = frozenset(normalize_inline(w) for w in word_list("""
الجديد الجديدة الحالي الحالية السابق السابقة المقبل المقبلة الأخير الأخيرة الأخرى الأول
الأولى الثاني الثانية المعني المعنية المذكور المذكورة المختص المختصة المسؤول المسؤولة
الكبرى الصغرى الرئيسي الرئيسية المحلي المحلية التابع التابعة الأم الحاكم الحاكمة المعارض
المعارضة اليميني اليمينية اليساري اليسارية المحافظ المحافظة الموالي الموالية الشهير الشهيرة
المتطرف المتطرفة القوي القوية المكلف المكلفة المشكل المشكلة المنظمة الرسمي الرسمية"""))
# A body's own organ is named after it by a bare reference back ("المجلس التنفيذي للصندوق"):
# there the name, if any, is the body's, given elsewhere.
_REFERENCES_BACK = frozenset("لل" + normalize_inline(w)[2:] for w in word_list("""
النادي الصندوق الشركة البطولة الاتحاد المنظمة الحزب المجلس الهيئة اللجنة الوزارة البنك
المصرف الجمعية المؤسسة المركز المعهد الجامعة الوكالة الجهاز المحكمة البلاد الدولة"""))
_MAX_INSTITUTION_WORDS = 4
# Nouns a body's remit opens with after "ل" ("لكرة القدم", "لحقوق الإنسان", "لمكافحة
# المنشطات"). A closed list: after a body, "ل" and another noun is most often what it does
# next ("الاتحاد الأوروبي لتحديد الإجراءات", "مجلس النواب لطلب الثقة").
_REMIT_NOUNS = frozenset(normalize_inline(w) for w in word_list("""
كرة حقوق مكافحة حماية مواجهة تنمية علماء منع تعزيز إعادة إدارة رعاية دراسات بحوث أبحاث شؤون
خدمة ألعاب علوم"""))
_MINISTRY = normalize_inline("وزارة")
_PARTY = normalize_inline("حزب")
# Chambers and courts named by their head and one noun, which no adjective follows to say
# whose ("مجلس الشيوخ", "محكمة الاستئناف"); other such pairs are mostly descriptions
# ("مجلس الإدارة", "غرفة العمليات", "هيئة الدفاع").
_CHAMBERS = frozenset(normalize_inline(w) for w in (
    "مجلس الشيوخ", "مجلس النواب", "مجلس الأمة", "مجلس الأعيان", "مجلس الشورى",
    "مجلس اللوردات", "مجلس العموم", "مجلس الدولة", "مجلس الشعب", "مجلس الوزراء",
    "مجلس المستشارين", "مجلس الدوما", "محكمة الاستئناف", "محكمة النقض", "محكمة التمييز",
    "محكمة الجنايات", "محكمة الجنح", "محكمة التحكيم", "غرفة التجارة",
    # Committees of a council or a federation: the sanctions committee, the disciplinary one.
    "لجنة العقوبات", "لجنة الانضباط", "لجنة المسابقات", "لجنة الاستئناف", "لجنة الأخلاق"))
_JOINED_REMITS = frozenset(normalize_inline(w) for w in ("لجنة", "غرفة"))
# Adjectives after "الحزب" that say what kind of party it is, not which one.
_PARTY_DESCRIPTIONS = frozenset(normalize_inline(w) for w in word_list(
    "السياسي الإرهابي التاريخي الرئاسي الأساسي الرئيسي الثاني الثالث الأول"))
_COMPASS = frozenset(normalize_inline(w) for w in word_list(
    "الجنوبي الجنوبية الشمالي الشمالية الشرقي الشرقية الغربي الغربية"))
_HEAD_PREFIXES = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل",
                  "ال", "وال", "فال", "بال", "لل", "كال", "وبال", "ولل", "فلل")
# The organization nouns of ORG_KEYWORDS that head a body's descriptive name; a site, a
# network, a front, a club or a group so named is mostly a description ("موقع التواصل
# الاجتماعي", "النادي الملكي", "جبهة الساحل الغربي").
_DESCRIPTIVE_HEADS = frozenset(normalize_inline(w) for w in (*INSTITUTION_HEADS, *word_list("""
شركة منظمة حزب جمعية مؤسسة مركز معهد صندوق وكالة هيئة بنك مصرف لجنة جامعة""")))
# "الحكومة" with the article and any particle before it: with a nationality after it, the
# country's one government ("الحكومة اليابانية"), where a company so described is any of many.
_GOVERNMENT = frozenset(p + normalize_inline("حكومة") for p in ARTICLE_FORMS)
# Nouns after a body's noun that name a part or a role of one, not what the body does:
# "مجلس إدارة" is a board, "مركز حارس المرمى" a player's position.
_NOT_A_REMIT = frozenset(normalize_inline(w) for w in word_list(
    "إدارة حارس معظم درجة داخل خارج أول مشروع"))
# Heads whose noun and genitive mostly describe what kind of firm or room it is ("شركة
# صناعة السيارات", "غرفة تغيير الملابس"), not which one.
_COMMERCIAL = frozenset(normalize_inline(w) for w in word_list("شركة بنك مصرف غرفة حزب"))
_BODY_ADJECTIVES = frozenset(normalize_inline(w) for w in word_list(
    "العامة العليا الأعلى الكبرى الخاصة الدائمة"))
# Roles written with their field or body after "في" before the name ("الخبير في الشؤون
# السعودية ستيفان لاكروا", "القيادي في حماس إسماعيل رضوان"); other titles are followed by
# "في" and a place or time far more often than by a name.
_FIELD_ROLES = frozenset(word_list("""
الباحث الباحثة الخبير الخبيرة المحلل المحللة الأستاذ الأستاذة البروفيسور القيادي النائب
النائبة الناشط الناشطة المستشار المستشارة الزميل الزميلة"""))
# Relative pronouns take the article's letters but end a name ("الشركات التي").
_RELATIVES = frozenset(normalize_inline(w) for w in word_list(
    "التي الذي الذين اللذان اللتان اللذين اللتين اللواتي اللاتي اللائي"))
# Research institutions, and the roles whose holder is named after one: in "الباحث في معهد
# آسان يانغ أووك" the institution's name (آسان) is followed by the person's (يانغ أووك).
INSTITUTIONS = word_list("معهد مركز جامعة مؤسسة كلية")
# Organization nouns that are part of the name they introduce.
_NAMED_WITH_HEAD = frozenset(word_list("جامعة كلية"))
RESEARCH_ROLES = frozenset(normalize_inline(w) for w in word_list("""
الباحث الباحثة الخبير الخبيرة المحلل المحللة الأستاذ الأستاذة أستاذ أستاذة باحث باحثة محلل
محللة"""))
# An institution noun as a researcher's place is written after في or with ب fused on.
_INSTITUTION_FORMS = frozenset(p + normalize_inline(w) for p in ("", "ب") for w in INSTITUTIONS)
# Nouns that introduce a place name.
LOC_KEYWORDS = word_list("مدينة بلدة قرية محافظة ولاية إقليم مقاطعة جزيرة")
# Roles that follow a name after a comma ("ديني روي، المتخصص في ...").
APPOSITIVE_ROLES = word_list("""
الخبير الخبيرة المتخصص المتخصصة الباحث الباحثة المحلل المحللة المتحدث المتحدثة
الناطق الناطقة المسؤول المسؤولة المستشار المستشارة مدير مديرة رئيس رئيسة الأستاذ أستاذ وزير وزيرة
سفير سفيرة نائب نائبة زعيم قائد الأمين المبعوث مبعوث عضو المدير المديرة الرئيس الرئيسة
الزميل الزميلة وكيل وكيلة كبير كبيرة مؤسس المؤسس الشريك المندوب المندوبة المحامي
المحامية القاضي القاضية الصحفي الصحفية الصحافي الصحافية الكاتب الكاتبة المفوض المفوضة المنسق
المنسقة الأستاذة أستاذة""")
# Verbs of saying: the words between one and a comma or colon are its speaker ("وقال براين
# نلسون، وكيل وزارة الخزانة"; "وتقول ألكسندرا بروكوبينكو: ...").
SPEECH_VERBS = word_list("""
قال قالت يقول تقول أضاف أضافت أوضح أوضحت أكد أكدت رأى رأت يرى ترى اعتبر اعتبرت أشار أشارت
صرح صرحت كتب كتبت""")
_SPEAKER_END = re.compile(r"\s*[،,:]\s*")
# Words that open the description of a speaker named by one word ("أولينا، وهي معلمة").
_DESCRIPTION_OPENERS = frozenset(normalize_inline(w) for w in word_list("""
وهو وهي صاحب صاحبة طالب طالبة الطالب الطالبة والد والدة مهندس مهندسة معلم معلمة موظف موظفة
تاجر تاجرة طبيب طبيبة ممرضة سائق مزارع عامل عاملة جندي ضابط أستاذ أستاذة ربة أم أب البالغ
البالغة"""))
# Organization nouns that may sit between a role and the name ("المتحدث باسم وزارة ...").
ORG_HEADS = frozenset(normalize_inline(w) for w in
                      word_list("وزارة هيئة مجلس حركة منظمة جهاز حكومة حزب وكالة رئاسة الحكومة"))
# A hyphen with no space around it, between two parts of one name ("لي سونغ-جون").
_HYPHENS = frozenset("-\u2010\u2011")
_QUOTED_AFTER = re.compile(r"\s*[«\"“]([^«»\"“”\n]{2,60})[»\"”]")
_COMMA = re.compile(r"\s*[،,]\s*")
_BREAK = re.compile(r"[.,،؛;:!?؟()\[\]«»\"“”/|–—-]|\n")


def _definite_word(word: str) -> bool:
    """Does ``word`` carry the article, a conjunction or preposition perhaps before it
    (الشبكة، للشركة، وبالجامعة)?"""
    for cut in (0, 1, 2):
        rest = word[cut:]
        if cut and word[:cut] not in ("و", "ف", "ب", "ك", "وب", "فب", "ول", "فل"):
            continue
        if rest.startswith(("ال", "لل")):
            return True
    return False


def _adjective_like(word: str) -> bool:
    """A definite word that can qualify the noun before it: an adjective of relation
    (الوطني، العراقية), a feminine participle (المتحدة، المصدرة) or a common adjective of
    bodies (العامة، العليا). A definite noun there starts a new phrase: the verb's object in
    "وأقرت اللجنة التنفيذية الخطة"."""
    if word in _RELATIVES:
        return False
    return word.endswith(("ي", "يه")) or word in _BODY_ADJECTIVES or _feminine_participle(word)


def _feminine_participle(word: str) -> bool:
    """A definite feminine participle (or a noun of that shape, المدينة): المتحدة، المصنفة."""
    return word.startswith("الم") and word.endswith("ه") and len(word) >= 6


def _agreeing_participle(word: str, before: str) -> bool:
    """A definite plural participle after a definite plural it agrees with ("اللاعبين
    المحترفين"); after a singular it starts a new phrase ("مجلس الشيوخ المعارضين")."""
    return (word.startswith("الم") and word.endswith(("ين", "ون")) and len(word) >= 7
            and not word.endswith(("يين", "يون")) and before.startswith("ال")
            and before.endswith(("ين", "ون")))


def _ends_a_name(word: str) -> bool:
    """A feminine participle after a person's name qualifies it ("المصنفة ثامنة"), except
    the مفاعلة shape, which is also a family's name (المسالمة، المعايطة)."""
    return _feminine_participle(word) and word[4] != "ا"


def _head_split(word: str) -> tuple[str, str] | None:
    """``word`` as one of the prefixes a descriptive head allows and the head itself
    ("وللوزارة" -> "ولل", "وزاره"), or None when it is no such head."""
    for prefix in _HEAD_PREFIXES:
        if word.startswith(prefix) and word[len(prefix):] in _DESCRIPTIVE_HEADS:
            return prefix, word[len(prefix):]
    return None


def _bare_or_clitic(word: str, names: frozenset[str]) -> bool:
    """Is ``word`` one of ``names``, bare or behind و, ل, ب or ف (not behind "وك", which would
    make "وكريم" of "ريم")?"""
    return any(word.startswith(p) and word[len(p):] in names for p in _GIVEN_PREFIXES)


def _strip_proclitic(token: str) -> str:
    """``token`` without its longest proclitic that leaves two letters at least."""
    if token.startswith(PROCLITICS):  # most words take none: one test instead of sixteen
        for p in PROCLITICS:
            if token.startswith(p) and len(token) - len(p) >= 2:
                return token[len(p):]
    return token


def _arabic_word(word: str) -> bool:
    """Is ``word`` made of Arabic letters only (no digit, no Latin letter)?"""
    return word.isalpha() and all("\u0600" <= ch <= "\u06ff" for ch in word)


def _describes(word: str) -> bool:
    """Is ``word``, right after an organization or place noun, an adjective of it rather than
    a name? A feminine nisba ("منظمة إرهابية", "جماعة يسارية") or a feminine participle
    ("شركة مسجلة", "جماعة متشددة") agrees with the noun; names rarely take either form."""
    word = word.strip("\u0640")
    return word.endswith("ية") or (len(word) >= 5 and word.startswith("م") and word.endswith("ة"))


def _token_range(spans: Sequence[tuple[int, int]], start: int, end: int) -> range:
    """Indexes of the tokens that lie inside ``[start, end)`` of the original text."""
    first = bisect_left(spans, (start, -1))
    last = first
    while last < len(spans) and spans[last][1] <= end:
        last += 1
    return range(first, last)


class NameRules:
    """The unknown-name rules and the common words they test tokens against; one per tagger
    (it keeps each token's name test, since words recur from article to article)."""

    def __init__(self, common: frozenset[str], verbs: frozenset[str] = frozenset()) -> None:
        self.common = common  # frequent non-name words and function words, normalized
        self.verbs = verbs  # words the corpus prints after قد, لم, لن: verbs, not names
        self._name_kinds: dict[str, bool | object] = {}  # token -> _name_kind

    def find(self, tokens: Tokens, words: list[str], linked: list[Linked],
             triggers: list[Hit]) -> list[Found]:
        """Unlinked names after person titles, before appositive roles, after verbs of
        saying, and after organization and place nouns, and governments named by their
        nationality.

        ``linked`` are the article's gazetteer mentions (their tokens are taken) and
        ``triggers`` the titles, nationalities, roles and nouns the tagger's scan found.
        """
        article = _Article(self, tokens, words, linked, triggers)
        article.after_titles()
        article.after_nationalities()
        article.before_roles()
        article.after_speech_verbs()
        article.after_known_institutions()
        article.after_nouns()
        article.institution_phrases()
        article.governments()
        article.after_given_names()
        article.before_company_suffixes()
        return list(article.found.values())

    def name_like(self, tok: str, position: int, definite_ok: bool = True,
                  person: bool = False) -> bool:
        """Could ``tok`` be part of a name (a person's, with ``person``)? Common words,
        clitic-laden words and digits not."""
        kind = self._name_kinds.get(tok)
        if kind is None:
            kind = self._name_kind(tok)
            if len(self._name_kinds) >= NAME_KIND_CACHE:
                self._name_kinds.clear()
            self._name_kinds[tok] = kind
        if kind is _DEFINITE:
            return position > 0 and definite_ok
        if kind is True and person:
            if tok in self.verbs:
                # A verb opens no name ("الباحث يوضح"), and one in the present tense ends it
                # ("سيميدو يغيب"); a past tense after a name may be a name's part (رزق، طالب).
                return position > 0 and not (tok[0] in "يت" and len(tok) >= 4)
            if tok[0] == "س" and tok[1:2] in ("ي", "ت") and tok[1:] in self.verbs:
                return False  # the future of a verb ("سيغيب", "ستواصل")
        return kind is True

    def _name_kind(self, tok: str) -> bool | object:
        """:meth:`name_like` for any position: True, False, or ``_DEFINITE`` (a word with
        the article, a name only after the first token and where the type allows it)."""
        # No character is both a letter and a digit: isalpha() spares the per-character test.
        if (len(tok) < 2 or tok in self.common
                or not tok.isalpha() and any(ch.isdigit() for ch in tok)):
            return False
        if not ("\u0600" <= tok[0] <= "\u06ff" or any("\u0600" <= ch <= "\u06ff" for ch in tok)):
            return False
        if tok.startswith(("بال", "لل", "وال", "فال", "كال")):
            return False
        if tok.startswith("ال"):
            return _DEFINITE
        if "ال" + tok in self.common:
            return False  # a noun that commonly takes the article is not a name
        if self.possessed(tok):
            return False
        stem = _strip_proclitic(tok)
        return stem == tok or not (stem in self.common or stem.startswith("ال")
                                   or "ال" + stem in self.common)

    def possessed(self, tok: str) -> bool:
        """A common noun with an attached pronoun (أمامها, بسيطرته, أرباحهم) is no name.

        A lone ه is left alone: once normalized it is also the feminine ending of names."""
        for suffix in POSSESSED_ENDINGS:
            if tok.endswith(suffix) and len(tok) - len(suffix) >= 3:
                base = _strip_proclitic(tok[:-len(suffix)])
                if suffix == "ته":  # سيطرته is سيطرة + ه
                    base += "ه"
                return base in self.common or "ال" + base in self.common
        return False


class _Article:
    """One article as the rules read it: its text and tokens, the tokens its links take, and
    the names found so far (by span; a later rule may replace an earlier one's guess)."""

    __slots__ = ("text", "spans", "words", "linked", "triggers", "name_like", "taken",
                 "person", "last_names", "found", "_starts", "rules")

    def __init__(self, rules: NameRules, tokens: Tokens, words: list[str],
                 linked: list[Linked], triggers: list[Hit]) -> None:
        self.text = tokens.text
        self.spans = tokens.spans
        self.words = words
        self.linked = linked
        self.triggers = triggers
        self.rules = rules
        self.name_like = rules.name_like
        taken = {first for _m, first, _last in linked}
        for _m, first, last in linked:
            if last > first:
                taken.update(range(first + 1, last + 1))
        self.taken = taken
        # Tokens of people already linked: a title followed by one has found its name.
        self.person = {k for m, first, last in linked if m.type == "PER"
                       for k in range(first, last + 1)}
        self.last_names = {words[last]: m for m, _first, last in linked if m.type == "PER"}
        self.found: dict[tuple[int, int], Found] = {}
        self._starts: dict[str, set[int]] = {}  # trigger kind -> first tokens, made when asked

    # --- what lies between and around tokens ---------------------------------------------

    def gap(self, a: int, b: int) -> str:
        """Original text between token ``a`` and token ``b``."""
        return self.text[self.spans[a][1]:self.spans[b][0]]

    def broken(self, a: int, b: int) -> bool:
        """Punctuation or a line break between token ``a`` and token ``b``."""
        between = self.text[self.spans[a][1]:self.spans[b][0]]
        return between != " " and _BREAK.search(between) is not None  # mostly one space

    def hamza_al(self, i: int) -> bool:
        """أليكسيس, إليزابيث: a hamza on the alef says the "ال" is no article, which the
        normalized spelling no longer shows."""
        return self.text.startswith(("أل", "إل"), self.spans[i][0])

    def definite(self, i: int) -> bool:
        return self.words[i].startswith(("ال", "لل", "وال")) and not self.hamza_al(i)

    def joined(self, a: int, b: int) -> bool:
        """Tokens ``a`` and ``b`` are two Arabic parts of one hyphenated name part
        ("غيو-باك", "سونغ-جون"): a lone hyphen between them, and ``b`` no article."""
        spans, words = self.spans, self.words
        return (spans[b][0] - spans[a][1] == 1 and self.text[spans[a][1]] in _HYPHENS
                and _arabic_word(words[a]) and _arabic_word(words[b])
                and not words[b].startswith("ال"))

    def starts_of(self, kind: str) -> set[int]:
        """First tokens of the triggers of one kind ("title", "nation" ...)."""
        at = self._starts.get(kind)
        if at is None:
            at = self._starts[kind] = {t[0] for t in self.triggers if t[2][0] == kind}
        return at

    # --- names ---------------------------------------------------------------------------

    def short_first(self, j: int) -> bool:
        """Does a short word that is a function word once normalized start a name here
        (آن غيو-باك, أو سي-هون)? Only before a name part, as its printed spelling says."""
        words = self.words
        if words[j] not in _SHORT_FIRST_NORMS:  # the usual case: no such word
            return False
        printed = _MARKS.sub("", self.text[self.spans[j][0]:self.spans[j][1]])
        nxt = j + 1
        if (printed not in SHORT_FIRST_PARTS and printed not in
                SHORT_FIRST_PARTS_BEFORE_HYPHEN) or nxt >= len(words) or nxt in self.taken:
            return False
        if self.broken(j, nxt) or not self.name_like(words[nxt], 0):
            return False
        return printed in SHORT_FIRST_PARTS or (nxt + 1 < len(words)
                                                and self.joined(nxt, nxt + 1))

    def syllable(self, j: int) -> bool:
        """A short word that heads a hyphenated part ("تشانغ هو-جين") is a syllable of
        the name, even where it prints like a function word (هو)."""
        return len(self.words[j]) <= 3 and j + 1 < len(self.words) and self.joined(j, j + 1)

    def name_from(self, i: int, etype: str) -> tuple[int, int] | None:
        """The first and last token of the name that starts at token ``i``, if one does."""
        words, taken, name_like = self.words, self.taken, self.name_like
        j = i
        names: list[int] = []
        # A hyphenated part ("سونغ-جون") counts once. After the first part it is a
        # Korean given name or a double surname, and ends the name ("لي سونغ-جون",
        # "أليكس أوكسلايد-تشامبرلاين"); a first part may go on ("مارك-أندريه تير شتيغن").
        parts = 0
        last_part = MAX_NAME_TOKENS
        while j < len(words) and j not in taken:
            if names and self.broken(j - 1, j):
                if self.joined(j - 1, j):  # the part after a hyphen may be any syllable
                    names.append(j)
                    if parts > 1:
                        last_part = parts
                    j += 1
                    continue
                break
            if parts >= last_part:
                break
            tok = words[j]
            if names and etype == "PER" and _ends_a_name(tok):
                break  # "كارولينا غارسيا المصنفة ثامنة": the ranking, not her name
            position = len(names) or (1 if self.hamza_al(j) else 0)
            if tok in AMBIGUOUS_GIVEN and not names:
                if j + 1 >= len(words) or not name_like(words[j + 1], 0):
                    break
            elif not name_like(tok, position, definite_ok=etype == "PER",
                               person=etype == "PER") and not (
                    self.short_first(j) if not names else self.syllable(j)):
                break
            names.append(j)
            parts += 1
            j += 1
        if not names:
            return None
        return names[0], names[-1]

    def person_from(self, q: int) -> tuple[int, int] | None:
        """A person's name of two words at least, none of them definite, at ``q``."""
        span = self.name_from(q, "PER")
        if span is None:
            return None
        first, last = span
        while last > first and self.definite(last):
            last -= 1
        return (first, last) if last > first else None

    def add(self, first: int, last: int, etype: str, conf: float, quoted: bool = False,
            conjunction: bool = False) -> None:
        """Keep the name of tokens ``first`` to ``last``, unless a link holds one of them
        (``conjunction``: the first token opens with "و" or "ف", left out of the name)."""
        if any(k in self.taken for k in range(first, last + 1)):
            return
        words, found = self.words, self.found
        start, end = self.spans[first][0], self.spans[last][1]
        if conjunction:
            start = past_letter(self.text, start)
        surface = self.text[start:end]
        single = first == last
        if single and words[first] in self.last_names and etype == "PER":
            m = self.last_names[words[first]]
            found[(first, last)] = Found(surface, m.type, start, end, "pattern", 0.8,
                                         m.entity_id, m.canonical)
            return
        if single and not quoted:
            conf -= 0.15
        if (first, last) in found and found[(first, last)].confidence >= conf:
            return  # a title and a nationality both before one name: the title speaks
        found[(first, last)] = Found(surface, etype, start, end, "pattern", conf)

    # --- researchers and their institutions -----------------------------------------------

    def researcher(self, k: int) -> bool:
        """Is the institution noun at token ``k`` where a researcher works ("الباحث في
        معهد", "أستاذ العلوم السياسية بجامعة")? A role up to five words before it."""
        words = self.words
        noun = words[k]
        if noun.startswith("ب") and not noun.startswith("بال"):
            i = k - 1
        elif k > 0 and words[k - 1] == "في" and not self.broken(k - 1, k):
            i = k - 2
        else:
            return False
        for r in range(i, max(i - 5, -1), -1):
            if self.broken(r, r + 1):
                return False
            if words[r] in RESEARCH_ROLES or _strip_proclitic(words[r]) in RESEARCH_ROLES:
                return True
        return False

    def after_institution(self, k: int) -> tuple[int, tuple[int, int] | None] | None:
        """The institution's last token and the person's name after it, or None.

        The name is one word (آسان, يونسي) or definite words (الدراسات الاستراتيجية),
        with its definite or لل complements (للدراسات السياسية, and a nationality
        after definite words: مركز الأمن الأميركي الجديد); the person's name follows,
        two words at least, none of them definite, after a nationality (جامعة
        ساوثهامبتون البريطانية) if one stands between. Before a title (الدكتور) the title
        names the person, and the institution is found alone."""
        words, taken, definite, broken = self.words, self.taken, self.definite, self.broken
        j = k + 1
        if j >= len(words) or j in taken or broken(k, j):
            return None
        if not (self.name_like(words[j], 0, definite_ok=False) or definite(j)):
            return None
        title_at, nation_at = self.starts_of("title"), self.starts_of("nation")
        end = j
        while (end + 1 < len(words) and end + 1 not in taken and end - j < 4
               and not broken(end, end + 1) and definite(end + 1)
               and end + 1 not in title_at
               and (end + 1 not in nation_at or definite(j))):
            end += 1
        q = end + 1
        if q >= len(words) or q in taken or broken(end, q):
            return None
        if q in title_at:
            return end, None
        if q in nation_at:  # "الكوري الجنوبي" between the two names
            while q < len(words) and q - end <= 3 and definite(q) and q not in taken:
                q += 1
            if q >= len(words) or q in taken or broken(q - 1, q):
                return None
        person = self.person_from(q)
        return (end, person) if person is not None else None

    # --- the rules, in the order they run -------------------------------------------------

    def after_titles(self) -> None:
        """A person's name after a title or role ("الرئيس الأميركي جو بايدن"), past up to
        four definite words, linked tokens and organization nouns between them."""
        words, taken, last_names = self.words, self.taken, self.last_names
        for _first, t_last, key, term in self.triggers:
            if key[0] != "title":
                continue
            j = t_last + 1
            skipped = 0
            while j < len(words) and skipped < 4 and j not in self.person:
                article = (words[j].startswith("ال") and not self.hamza_al(j)
                           and words[j] not in _RELATIVES)
                # "الباحث في الشؤون الروسية", "المحللة في مجموعة أوراسيا": the field or the
                # employer between a researcher's or a member's role and the name.
                field = (words[j] == "في" and skipped == 0 and term in _FIELD_ROLES
                         and j + 1 < len(words)
                         and (j + 1 in taken or words[j + 1].startswith("ال")
                              or words[j + 1] in ORG_HEADS))
                if j in taken or article or field or words[j] in ORG_HEADS:
                    j, skipped = j + 1, skipped + 1
                    continue
                break
            if j >= len(words) or j in taken:
                continue
            if words[j] in last_names and (j + 1 == len(words) or words[j + 1] not in
                                           last_names and j + 1 not in taken):
                self.add(j, j, "PER", 0.65)
                continue
            between = self.gap(t_last, j)
            if _BREAK.search(between.replace("،", "").replace(",", "")):
                continue
            span = self.name_from(j, "PER")
            if span:
                self.add(span[0], span[1], "PER", 0.65)

    def after_nationalities(self) -> None:
        """A person's name of two words at least after a nationality ("الكولومبي لويس دياز")."""
        words, taken = self.words, self.taken
        for n_first, n_last, key, _term in self.triggers:
            if key[0] != "nation":
                continue
            # After a definite noun or a named body the adjective describes that noun
            # ("الخام الإيراني", "أدنوك الإماراتية"); only after a verb, a preposition or a
            # conjunction does it stand for a person.
            before = n_first - 1
            if before >= 0 and not self.broken(before, n_first) and (
                    before in taken or words[before].startswith("ال")):
                continue
            j = n_last + 1
            if j >= len(words) or j in taken or self.broken(n_last, j):
                continue
            span = self.name_from(j, "PER")
            if span and span[1] > span[0]:
                self.add(span[0], span[1], "PER", 0.55)

    def before_roles(self) -> None:
        """A person's name of two words at least before ", <role>" ("ديني روي، المتخصص")."""
        words, taken, joined = self.words, self.taken, self.joined
        for r_first, _last, key, _term in self.triggers:
            if key[0] != "role":
                continue
            if r_first == 0 or not _COMMA.fullmatch(self.gap(r_first - 1, r_first)):
                continue
            names: list[int] = []
            # A hyphenated part counts once; a hyphenated last part has one part before
            # it ("لي سونغ-جون", "أليكس أوكسلايد-تشامبرلاين"), as in name_from.
            parts = 0
            j = r_first - 1
            max_parts = 2 if j > 0 and joined(j - 1, j) else MAX_NAME_TOKENS
            while j >= 0 and j not in taken:
                if names and self.broken(j, j + 1) and not joined(j, j + 1):
                    break
                if not (j > 0 and joined(j - 1, j)):  # not a syllable after a hyphen
                    if parts >= max_parts or not self.name_like(words[j], 1, person=True):
                        break
                    parts += 1
                names.insert(0, j)
                j -= 1
            # A name starts neither with the article nor with a syllable after a hyphen.
            while names and (self.definite(names[0])
                             or names[0] > 0 and joined(names[0] - 1, names[0])):
                names.pop(0)
            if sum(1 for k in names if not (k > 0 and joined(k - 1, k))) >= 2:
                self.add(names[0], names[-1], "PER", 0.6)

    def after_speech_verbs(self) -> None:
        """A name of two words at least between a verb of saying and a comma or colon."""
        words = self.words
        for _first, v_last, key, _term in self.triggers:
            if key[0] != "speech":
                continue
            j = v_last + 1
            if j >= len(words) or j in self.taken or self.broken(v_last, j):
                continue
            span = self.person_from(j)
            if span is None:
                self.lone_speaker(j)
                continue
            if span[1] + 1 >= len(words):
                continue
            if _SPEAKER_END.fullmatch(self.gap(span[1], span[1] + 1)):
                self.add(span[0], span[1], "PER", 0.55)

    def lone_speaker(self, j: int) -> None:
        """A speaker named by one word and described after a comma ("وقالت أولينا، وهي
        معلمة", "يقول ميكولا، صاحب مخبز"): the people of a reportage, by first name."""
        words = self.words
        if (j + 1 >= len(words)
                or not self.name_like(words[j], 0, definite_ok=False, person=True)
                or _COMMA.fullmatch(self.gap(j, j + 1)) is None
                or words[j + 1] not in _DESCRIPTION_OPENERS):
            return
        self.add(j, j, "PER", 0.6)

    def after_known_institutions(self) -> None:
        """A researcher at an institution the gazetteer knows ("الباحث في مركز كارنيغي
        للشرق الأوسط مايكل يونغ"): the person's name follows its name."""
        words, taken = self.words, self.taken
        for m, first, last in self.linked:
            if (m.type == "ORG" and words[first] in _INSTITUTION_FORMS
                    and self.researcher(first) and last + 1 < len(words)
                    and last + 1 not in taken and not self.broken(last, last + 1)):
                named = self.person_from(last + 1)
                if named is not None:
                    self.add(named[0], named[1], "PER", 0.65)

    def after_given_names(self) -> None:
        """A name of two words at least that opens with a common given name ("إنزو
        فرنانديز", "هند صبري", "محمود الخطيب"), or a Korean surname before a hyphenated given
        name, where no title or verb of saying marks it: the last person rule, so a name
        another rule found keeps its reading."""
        claimed = self.claimed()
        words = self.words
        for k, _last, key, _term in self.triggers:
            if key[0] == "korean" and k not in self.taken and k not in claimed:
                self.korean_name(k, claimed)
            if (key[0] != "given" or k in self.taken or k in claimed
                    or not _bare_or_clitic(words[k], GIVEN_NORMS)):
                continue  # "وكريم" is the company Careem with "و", not "ريم" with "وك"
            span = self.name_from(k, "PER")
            if span is None or span[0] != k:
                continue
            last = k
            word = words[k]
            conjunction = (word not in GIVEN_NORMS and word[:1] in CONJUNCTIONS
                           and word[1:] in GIVEN_NORMS)
            foreign = (word[1:] if conjunction else word) in _FOREIGN_GIVEN_NORMS
            for j in range(k + 1, span[1] + 1):
                word = words[j]
                if foreign and j - k >= 2 and words[j - 1] not in FOREIGN_PARTICLES:
                    break  # "سيمونا هاليب المصنفة": two words, unless a particle goes on
                # "كريستيان هورنر ولاندو نوريس": "و" before a name starts the next one;
                # "أحمد الله", "محمد صلى الله عليه وسلم" are no names.
                formula = word in _NOT_AFTER_GIVEN and words[j - 1] != _ABD
                next_name = (word.startswith("و") and word not in GIVEN_NORMS
                             and self.name_like(word[1:], 0))
                if formula or next_name:
                    break
                last = j
            # A particle needs the word after it: "سعاد بن عبد الرحيم", "عبد الوهاب أبو نقطة".
            if (last > k and words[last] in NAME_PARTICLES and last + 1 < len(words)
                    and last + 1 not in self.taken and not self.broken(last, last + 1)):
                last += 1
            if last > k:
                self.add(k, last, "PER", 0.5, conjunction=conjunction)
                claimed.update(range(k, last + 1))  # "عبد" inside it starts no name of its own

    def institution_phrases(self) -> None:
        """A public body named by its noun and the definite words after it ("الهيئة العامة
        للسلع التموينية", "وزارة النفط العراقية", "صندوق الرفاه الوطني"): two such words, or
        one adjective of relation ("الحزب الديمقراطي"), but not a nationality alone after a
        definite noun ("الشركة الأمريكية" describes a company named elsewhere)."""
        words = self.words
        claimed = self.claimed()
        for k_first, k_last, key, _term in self.triggers:
            if key[1] != "ORG" or key[0] not in ("keyword", "institution") or k_first != k_last:
                continue
            form = self.head_form(k_first)
            if form is None:
                continue
            bare = form == "bare"
            mods: list[int] = []
            j = k_last + 1
            while (j < len(words) and len(mods) < _MAX_INSTITUTION_WORDS
                   and j not in self.taken and not self.broken(j - 1, j)
                   and not self.hamza_al(j)
                   and words[j] not in _REFERENCES_BACK and words[j] not in _INSTANCE_WORDS):
                if words[j].startswith("لل") or words[j].startswith("ال") and (
                        _adjective_like(words[j]) or bare and not mods
                        or _agreeing_participle(words[j], words[j - 1])):
                    mods.append(j)
                    j += 1
                elif bare and not mods and self.stem(k_first) not in _COMMERCIAL \
                        and self.construct(j):
                    # "لجنة مراقبة الانتخابات", "معهد أبحاث السرطان": a common noun and its
                    # definite genitive say what the body does
                    mods += [j, j + 1]
                    j += 2
                elif mods and self.remit(j):
                    # "الاتحاد الصيني لكرة القدم", "المجلس القومي لحقوق الإنسان": a remit
                    # of "ل" and a noun with its definite genitive
                    mods += [j, j + 1]
                    j += 2
                else:
                    break
            ministry = bare and self.stem(k_first) == _MINISTRY
            # A committee's or a chamber of commerce's second remit; a council's "و" joins
            # another body or its members ("مجلس الشيوخ والنواب").
            chamber = (bare and len(mods) == 1 and self.stem(k_first) in _JOINED_REMITS
                       and f"{self.stem(k_first)} {words[mods[0]]}" in _CHAMBERS)
            if (ministry or chamber) and mods and j < len(words) and self.joined_portfolio(j):
                # "وزارة التربية والتعليم", "لجنة الانضباط والأخلاق": one body of two remits
                mods.append(j)
                j += 1
                while (j < len(words) and len(mods) < _MAX_INSTITUTION_WORDS
                       and j not in self.taken and not self.broken(j - 1, j)
                       and words[j].startswith("ال") and _adjective_like(words[j])
                       and words[j] not in _INSTANCE_WORDS):
                    mods.append(j)  # "... والسكان المصرية"
                    j += 1
            if not mods or any(k in claimed for k in range(k_first, mods[-1] + 1)):
                continue
            if len(mods) == 1 and not self.names_alone(k_first, words[mods[0]], bare):
                continue
            # "الشركة الكورية الجنوبية" says whose, not which.
            if not bare and all(
                    words[k] in _GENTILIC_NORMS or words[k] in _COMPASS for k in mods):
                continue
            self.add(k_first, mods[-1], "ORG", 0.5)

    def construct(self, j: int) -> bool:
        """Do tokens ``j`` and ``j + 1`` read as a common noun and its definite genitive
        ("مراقبة الانتخابات")? Not an adjective ("لجنة إسرائيلية الأربعاء"), a verb, a
        function word, a word with a clitic or a pronoun ("محكمة سيطرتها"), nor a board
        ("مجلس إدارة النادي" is the club's board, not a body's name)."""
        words = self.words
        word = words[j]
        if not (j + 1 < len(words) and j + 1 not in self.taken and not self.broken(j, j + 1)):
            return False
        after = words[j + 1]
        return (word in self.rules.common and word not in STOPWORDS
                and word not in self.rules.verbs and word not in _NOT_A_REMIT
                and not word.startswith(("ال", "ي")) and not word.endswith(("ي", "يه"))
                and word == _strip_proclitic(word) and not self.rules.possessed(word)
                and after.startswith("ال") and not self.hamza_al(j + 1)
                and after not in STOPWORDS
                and after not in _INSTANCE_WORDS)

    def remit(self, j: int) -> bool:
        """Do tokens ``j`` and ``j + 1`` read "ل" + noun + definite genitive ("لكرة القدم")?"""
        word = self.words[j]
        return (word[:1] == "ل" and word[1:] in _REMIT_NOUNS
                and j + 1 < len(self.words) and j + 1 not in self.taken
                and not self.broken(j, j + 1) and self.words[j + 1].startswith("ال")
                and self.words[j + 1] not in _INSTANCE_WORDS)

    def governments(self) -> None:
        """A country's government named by its nationality ("الحكومة اليابانية", "للحكومة
        الكورية الجنوبية")."""
        words, taken = self.words, self.taken
        claimed = self.claimed()
        for k, word in enumerate(words):
            if word not in _GOVERNMENT or k in taken or k in claimed:
                continue
            last = k
            while (last + 1 < len(words) and last - k < 2 and last + 1 not in taken
                   and not self.broken(last, last + 1)
                   and (words[last + 1] in _GENTILIC_NORMS
                        or last > k and words[last + 1] in _COMPASS)):
                last += 1
            if last > k:
                self.add(k, last, "ORG", 0.6)

    def before_company_suffixes(self) -> None:
        """A foreign company named by one or two name-like words and a closing word such as
        كابيتال or إندستريز ("كوانتم كابيتال", "هاي إنفستمنت آند سيكيوريتيز")."""
        words, taken = self.words, self.taken
        claimed = self.claimed()
        done = -1
        for k, _last, key, _term in self.triggers:
            if key[0] != "suffix" or k <= done or k in taken:
                continue  # the trigger is one of COMPANY_SUFFIXES as written (Kind.EXACT)
            first = k
            # Two words at most; one with "و" only right before the closing word ("وومضة
            # كابيتال"): further back it is a verb ("واشترت كوانتم كابيتال").
            while (first - 1 >= 0 and k - first < 2 and first - 1 not in taken
                   and first - 1 not in claimed and not self.broken(first - 1, first)
                   and not (first < k and words[first - 1].startswith("و"))
                   and self.name_like(words[first - 1], 0, definite_ok=False)):
                first -= 1
            if first == k:
                continue  # "أكبر كابيتال": no name before the word
            before = first - 1
            if (before >= 0 and before not in taken and not self.broken(before, first)
                    and self.name_like(words[before], 0, definite_ok=False)):
                continue  # "واشترت سكاي بريدج كابيتال": where the name starts is unclear
            last = k
            # "إنفستمنت آند سيكيوريتيز": a second closing word, after "آند" or not.
            nxt = last + 1
            if nxt < len(words) and words[nxt] in _AND:
                nxt += 1
            if (nxt < len(words) and words[nxt] in _COMPANY_SUFFIX_NORMS and nxt not in taken
                    and not self.broken(last, nxt)):
                last = nxt
            after = last + 1
            # "... إنترناشونال ماكدونالدز": the word opens a name after it, not before it.
            if (after < len(words) and not self.broken(last, after)
                    and self.name_like(words[after], 0, definite_ok=False)):
                continue
            self.add(first, last, "ORG", 0.55)
            done = last

    def korean_name(self, k: int, claimed: set[int]) -> None:
        """A Korean surname at ``k`` and a hyphenated given name after it ("كيم هونغ-إيل")."""
        words, j = self.words, k + 1
        if (j + 1 < len(words) and _bare_or_clitic(words[k], _KOREAN_NORMS)
                and j not in self.taken and j + 1 not in self.taken
                and not self.broken(k, j) and self.joined(j, j + 1)
                and words[j] not in _LETTER_NAMES and words[j + 1] not in _LETTER_NAMES):
            self.add(k, j + 1, "PER", 0.55)
            claimed.update(range(k, j + 2))

    def names_alone(self, head: int, word: str, bare: bool) -> bool:
        """Does the one word ``word`` after the head noun ``head`` name a body?

        After a definite noun it mostly describes one ("اللجنة التنفيذية"), but a party's
        adjective of relation is its name ("الحزب الديمقراطي"). After a bare noun an
        adjective of relation names it ("وزارة الداخلية"), as a ministry's portfolio does
        ("وزارة الصحة") and a chamber's or court's noun from a closed list ("مجلس الشيوخ")."""
        stem = self.stem(head)
        if not bare:
            return (stem == _PARTY and word.endswith("ي") and len(word) > 4
                    and word not in _PARTY_DESCRIPTIONS)
        return word.endswith(("ي", "يه")) or stem == _MINISTRY or f"{stem} {word}" in _CHAMBERS

    def claimed(self) -> set[int]:
        """The tokens of the names found so far, which a later rule leaves alone."""
        return {k for first, last in self.found for k in range(first, last + 1)}

    def stem(self, k: int) -> str:
        """Token ``k`` without the prefix :meth:`head_form` allows before a head."""
        split = _head_split(self.words[k])
        return split[1] if split else self.words[k]

    def joined_portfolio(self, j: int) -> bool:
        """Is token ``j`` a second portfolio joined by "و" to a ministry's first ("والتعليم"),
        with nothing taken or broken before it?"""
        word = self.words[j]
        return (word.startswith("وال") and len(word) > 5 and j not in self.taken
                and not self.broken(j - 1, j) and word[1:] not in _INSTANCE_WORDS)

    def head_form(self, k: int) -> str | None:
        """Is token ``k`` one of the descriptive heads in the singular, bare ("bare") or with
        the article ("definite"), a preposition or conjunction allowed before it? A plural
        ("الشركات") or a possessed noun ("موقعها") names no one body."""
        split = _head_split(self.words[k])
        if split is None:
            return None
        return "definite" if split[0].endswith(("ال", "لل")) else "bare"

    def after_nouns(self) -> None:
        """An organization's or place's name after its noun (شركة، صحيفة، مدينة ...),
        quoted or not, and an institution's name with its researcher's after it."""
        words, spans, text, found = self.words, self.spans, self.text, self.found
        for k_first, k_last, key, term in self.triggers:
            if key[0] != "keyword":
                continue
            j = k_last + 1
            if j >= len(words):
                continue
            if term in INSTITUTIONS and self.researcher(k_first):
                parts = self.after_institution(k_last)
                if parts is not None:
                    end, person_span = parts
                    start = spans[k_first][0]
                    if words[k_first].startswith("ب"):  # "بجامعة": the name starts after ب
                        start = past_letter(text, start)
                    stop = spans[end][1]
                    found[(k_first, end)] = Found(text[start:stop], "ORG", start, stop,
                                                  "pattern", 0.6)
                    if person_span is not None:
                        self.add(person_span[0], person_span[1], "PER", 0.65)
                    continue
            quote = _QUOTED_AFTER.match(text, spans[k_last][1])
            if quote:
                inner = list(_token_range(spans, quote.start(1), quote.end(1)))
                # A closing quote followed by ' و"' is no name: a quoted name has a word.
                if (1 <= len(inner) <= 5 and not any(i in self.taken for i in inner)
                        and any(len(words[i]) > 1 for i in inner)):
                    self.add(inner[0], inner[-1], key[1], 0.7, quoted=True)
                continue
            if self.broken(k_last, j) or _describes(text[spans[j][0]:spans[j][1]]):
                continue
            # After "الشبكة" or "للشركة" the noun is the subject or a reference back, and what
            # follows is the sentence ("وقالت الشبكة تضررت"), not its name.
            if _definite_word(words[k_first]) and not self.hamza_al(k_first):
                continue
            span = self.name_from(j, key[1])
            if span:
                # A university is called by its noun and name ("جامعة طهران"); the name alone
                # is the city it stands in.
                first = k_first if term in _NAMED_WITH_HEAD else span[0]
                self.add(first, span[1], key[1], 0.55)
