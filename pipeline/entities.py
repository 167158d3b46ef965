"""Named entities: gazetteer links, unknown names after titles, optional CAMeL NER.

Each article is matched against the gazetteer on normalized tokens (clitics handled by
:mod:`pipeline.matcher`), longest spelling first, with offsets into the original text.
Ambiguous short forms (a bare surname, "كوريا", "سول") count only where context supports
them. Names the gazetteer does not know are picked up after titles and roles (الرئيس،
وزير الخارجية، السيد، الخبير ...) and from quoted organization names, and stored unlinked
so that a maintainer can add the frequent ones.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from pipeline.gazetteer import Entity, Gazetteer, default_gazetteer, norm_alias
from pipeline.matcher import Kind, Term, WordFormMatcher
from pipeline.normalize import Tokens, html_to_text, normalize_inline, tokenize

COMMON_WORDS_PATH = Path(__file__).resolve().parent / "data" / "entity_common_words.txt"
WINDOW = 12  # tokens either side of a weak form in which a context term licenses it
NAME_KIND_CACHE = 100_000  # tokens whose name test is kept (31k articles use ~31,000)
_DEFINITE = object()  # a token with the article: name-like only inside a name
MAX_NAME_TOKENS = 3
# Attached pronouns that no name ends in, longest first; "ته" is a feminine noun's ة + ه.
POSSESSED_ENDINGS = ("هما", "هم", "هن", "ها", "ته")
PROCLITICS = ("وبال", "وال", "فال", "بال", "كال", "لل", "ال", "وب", "ول", "فب", "فل", "و", "ف",
              "ب", "ل", "ك")



def _words(text: str) -> tuple[str, ...]:
    """Whitespace-separated words of a literal list (keeps long Arabic lists readable)."""
    return tuple(text.split())


# Function words that are never part of a name (normalized spelling).
STOPWORDS = frozenset(normalize_inline(w) for w in _words("""
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
_MARKS = re.compile("[\u0640\u064b-\u065f\u0670]")  # tatweel and diacritics

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
الروائية، الطبيب، الطبيبة، المنتج، الفيزيائي، المشتبه به
""".replace("\n", " ").split("،") if t.strip())
# Nationality adjectives: in "الكولومبي لويس دياز" one stands where a title would, before a
# first and last name (two name-like words at least, since "الجيش الأميركي يقصف" is no name).
_GENTILIC_STEMS = _words("""
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
# Nouns that introduce an organization's name.
ORG_KEYWORDS = _words("""
شركة مجموعة منظمة حركة حزب جمعية مؤسسة مركز معهد صندوق وكالة صحيفة مجلة موقع
قناة هيئة جماعة تنظيم بنك مصرف نادي جبهة لجنة شبكة جامعة""")
# Research institutions, and the roles whose holder is named after one: in "الباحث في معهد
# آسان يانغ أووك" the institution's name (آسان) is followed by the person's (يانغ أووك).
INSTITUTIONS = _words("معهد مركز جامعة مؤسسة كلية")
RESEARCH_ROLES = frozenset(normalize_inline(w) for w in _words("""
الباحث الباحثة الخبير الخبيرة المحلل المحللة الأستاذ الأستاذة أستاذ أستاذة باحث باحثة محلل
محللة"""))
# An institution noun as a researcher's place is written after في or with ب fused on.
_INSTITUTION_FORMS = frozenset(p + normalize_inline(w) for p in ("", "ب") for w in INSTITUTIONS)
# Nouns that introduce a place name.
LOC_KEYWORDS = _words("مدينة بلدة قرية محافظة ولاية إقليم مقاطعة جزيرة")
# Roles that follow a name after a comma ("ديني روي، المتخصص في ...").
APPOSITIVE_ROLES = _words("""
الخبير الخبيرة المتخصص المتخصصة الباحث الباحثة المحلل المحللة المتحدث المتحدثة
الناطق الناطقة المسؤول المسؤولة المستشار المستشارة مدير مديرة رئيس رئيسة الأستاذ أستاذ وزير وزيرة
سفير سفيرة نائب نائبة زعيم قائد الأمين المبعوث مبعوث عضو المدير المديرة الرئيس الرئيسة""")
# Nouns of places and things named after a person ("مطار الملك خالد"), and the honorifics
# that may stand between them and the name.
_NOUN_PROCLITICS = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل")
FACILITIES = frozenset(p + normalize_inline(w) for p in _NOUN_PROCLITICS for w in _words("""
مستشفى مطار ملعب استاد ستاد جامعة مسجد شارع جائزة قاعة برج حديقة مدرسة مدينة مؤسسة مركز ميناء
قصر كأس بطولة جسر ساحة ميدان معهد كلية مجمع سد مستشفي نادي مكتبة متحف قاعدة"""))
HONORIFICS = frozenset(normalize_inline(w) for w in _words(
    "الشيخ الملك الأمير الرئيس السلطان الإمام الشهيد الراحل المغفور"))
# Organization nouns that may sit between a role and the name ("المتحدث باسم وزارة ...").
ORG_HEADS = frozenset(normalize_inline(w) for w in
                      _words("وزارة هيئة مجلس حركة منظمة جهاز حكومة حزب وكالة رئاسة الحكومة"))
# A hyphen with no space around it, between two parts of one name ("لي سونغ-جون").
_HYPHENS = frozenset("-\u2010\u2011")
_QUOTED_AFTER = re.compile(r"\s*[«\"“]([^«»\"“”\n]{2,60})[»\"”]")
_COMMA = re.compile(r"\s*[،,]\s*")
_BREAK = re.compile(r"[.,،؛;:!?؟()\[\]«»\"“”/|–—-]|\n")


class NerBackend(Protocol):
    """A recognizer of entity spans in raw text (see :mod:`pipeline.ner_camel`)."""

    def spans(self, text: str) -> list[tuple[int, int, str, float]]:
        """``(start, end, type, confidence)`` spans of names in ``text``."""
        ...


@dataclass(frozen=True, slots=True)
class Mention:
    """One entity mention: linked to a gazetteer id, or an unlinked name."""

    text: str
    type: str
    start: int
    end: int
    method: str
    confidence: float
    entity_id: str | None = None
    canonical: str | None = None
    field: str = "text"

    def as_dict(self) -> dict[str, Any]:
        """The ``akhbar tag`` shape: ``{text, type, canonical, id, start, end, method}``."""
        return {"text": self.text, "type": self.type, "canonical": self.canonical,
                "id": self.entity_id, "start": self.start, "end": self.end,
                "method": self.method, "confidence": round(self.confidence, 3),
                "field": self.field}


# A mention as :meth:`EntityTagger.tag_rows` gives it: Mention's fields, in order
# (text, type, start, end, method, confidence, entity_id, canonical, field).
MentionRow = tuple[str, str, int, int, str, float, "str | None", "str | None", str]


class _M(NamedTuple):
    """A mention while tagging, in the offsets of the joined fields; a :class:`Mention` is
    built once, at the end, with its field and field offsets (tuples are cheaper to make)."""

    text: str
    type: str
    start: int
    end: int
    method: str
    confidence: float
    entity_id: str | None = None
    canonical: str | None = None


def load_common_words(path: Path = COMMON_WORDS_PATH) -> frozenset[str]:
    """The frequent non-name words (normalized), comment lines skipped."""
    words = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(w for w in words if w and not w.startswith("#"))


def build_common_words(texts: Iterable[str], gazetteer: Gazetteer, given_names: Iterable[str],
                       top: int = 4000, max_share: float = 0.2) -> list[str]:
    """Most frequent tokens of ``texts`` that are not parts of names.

    A one-word spelling, any word of a person's spelling and a given name are name parts. A
    word of a longer spelling (لجنه, منطقه, خبراء) is one only when it is definite, short, or
    inside such a spelling in at least ``max_share`` of its uses: otherwise it is an ordinary
    noun, and after a title it must end a name rather than become one.
    """
    single: set[str] = set()
    person: set[str] = set()
    longer: list[str] = []
    for e in gazetteer:
        for alias in (*e.aliases, *e.weak):
            toks = norm_alias(alias).split()
            if len(toks) == 1:
                single.add(toks[0])
            elif e.type == "PER":
                person.update(toks)
            else:
                longer.append(alias)
    spellings = WordFormMatcher(Term(a, a, _kind(a)) for a in longer)
    counts: Counter[str] = Counter()
    inside: Counter[str] = Counter()
    for text in texts:
        tokens = tokenize(text)
        words = tokens.tokens()
        counts.update(words)
        covered = {i for first, last, _k, _t in spellings.scan(tokens)
                   for i in range(first, last + 1)}
        inside.update(words[i] for i in covered)
    skip = single | person | {norm_alias(n) for n in given_names}
    for tok in {t for a in longer for t in norm_alias(a).split()}:
        if (tok.startswith("ال") or len(tok) < 3
                or inside[tok] >= max_share * max(counts[tok], 1)):
            skip.add(tok)
    out: list[str] = []
    for tok, _n in counts.most_common():
        if len(out) >= top:
            break
        if tok not in skip and any("\u0600" <= ch <= "\u06ff" for ch in tok):
            out.append(tok)
    return out


def _kind(alias: str) -> Kind:
    # Abbreviations of one-letter tokens ("أ ف ب") take no clitics at all.
    return Kind.EXACT if any(len(t) == 1 for t in norm_alias(alias).split()) else Kind.NAME


def _strip_proclitic(token: str) -> str:
    if token.startswith(PROCLITICS):  # most words take none: one test instead of sixteen
        for p in PROCLITICS:
            if token.startswith(p) and len(token) - len(p) >= 2:
                return token[len(p):]
    return token


# A matcher hit as ``WordFormMatcher.scan`` gives it: (first token, last token, key, term).
# Kept as the plain tuple all the way (no object per hit); offsets come only for hits kept.
_Found = tuple[int, int, Any, str]


def _longest(raw: list[_Found]) -> list[_Found]:
    """Keep the longest of overlapping hits; equal spans keep every key. Reading order."""
    prev_first = prev_last = -1
    for first, last, _key, _term in raw:
        if first <= prev_last and (first != prev_first or last != prev_last):
            break
        prev_first, prev_last = first, last
    else:
        return raw  # no hit inside another: all stay
    # Only hits that overlap (directly or through others) compete, so each run of such
    # hits is settled on its own; a lone hit is kept as it is.
    out: list[_Found] = []
    i, n = 0, len(raw)
    while i < n:
        first, last = raw[i][0], raw[i][1]
        j, end, one_span = i + 1, last, True
        while j < n and raw[j][0] <= end:
            if raw[j][0] != first or raw[j][1] != last:
                one_span = False
                if raw[j][1] > end:
                    end = raw[j][1]
            j += 1
        if one_span:  # a lone hit, or one span with several keys ("كيم" of many people)
            out += raw[i:j]
        else:
            out += _longest_run(raw[i:j])
        i = j
    return out


def _run_order(hit: _Found) -> tuple[int, bool, int]:
    # Longest first; at equal length a gazetteer spelling beats a title or keyword.
    return hit[0] - hit[1], not isinstance(hit[2], _Key), hit[0]


def _longest_run(run: list[_Found]) -> list[_Found]:
    """Settle one run of overlapping hits: longest first, the rest only where uncovered."""
    if len(run) == 2:  # the usual run, two different spans: the first in that order wins
        return [run[1] if _run_order(run[1]) < _run_order(run[0]) else run[0]]
    kept: list[_Found] = []
    for hit in sorted(run, key=_run_order):
        first, last = hit[0], hit[1]
        # Kept spans never overlap one another, so a span equal to one is clear of the rest.
        if all(last < k[0] or k[1] < first or (first == k[0] and last == k[1]) for k in kept):
            kept.append(hit)
    kept.sort(key=itemgetter(0))
    return kept


# Plural and dual nouns of regions, normalized, with the singular words a region is named
# with: a place listed after "محافظات" is the governorate named after it, after "ولايات" the
# state (Washington the state, not the capital), after "مناطق" or "مقاطعات" the oblast.
_OBLAST = ("منطقة", "مقاطعة", "إقليم")
_REGION_NOUNS = {normalize_inline(plural): words for plurals, words in (
    (("مناطق", "منطقتي", "مقاطعات", "مقاطعتي", "أقاليم", "إقليمي"), _OBLAST),
    (("محافظات", "محافظتي"), ("محافظة",)),
    (("ولايات", "ولايتي"), ("ولاية",))) for plural in plurals}


def _regions_of(entities: Sequence[Entity],
                strong_index: Mapping[str, int]) -> dict[tuple[str, str], Entity]:
    """(place id, region word) -> the region the gazetteer holds under "<word> <its name>"
    (Aleppo, محافظة -> محافظة حلب; Kherson, منطقة -> منطقة خيرسون), looked up among the
    normalized strong spellings (``strong_index``)."""
    places = {norm: entities[i] for norm, i in strong_index.items()
              if entities[i].type == "LOC"}
    words = [(word, norm_alias(word)) for word in (*_OBLAST, "محافظة", "ولاية")]
    out: dict[tuple[str, str], Entity] = {}
    for norm, place in places.items():
        for word, word_norm in words:
            region = places.get(f"{word_norm} {norm}")
            if region is not None and region.id != place.id:
                out.setdefault((place.id, word), region)
    return out


@dataclass(frozen=True, slots=True)
class _Key:
    entity: int
    strong: bool


class EntityTagger:
    """A compiled gazetteer plus the unknown-name rules; build once, tag many articles."""

    def __init__(self, gazetteer: Gazetteer | None = None, ner: NerBackend | None = None,
                 common_words: frozenset[str] | None = None, patterns: bool = True) -> None:
        self.gazetteer = gazetteer or default_gazetteer()
        self.patterns = patterns  # unknown-name rules on (off: gazetteer links only)
        self.entities: tuple[Entity, ...] = self.gazetteer.entities
        self.ner = ner
        self.common = (common_words if common_words is not None else load_common_words())
        self.common = self.common | STOPWORDS
        self._name_kinds: dict[str, bool | object] = {}  # token -> _name_kind (words recur)
        # "أوبك+" is OPEC+, not OPEC: the tokenizer drops the "+", so a strong spelling
        # written with "+" right after it goes to the entity named like it with "+".
        by_en = {e.en: i for i, e in enumerate(self.entities)}
        self._plus: dict[int, int] = {i: by_en[e.en + "+"] for i, e in enumerate(self.entities)
                                      if e.en + "+" in by_en}
        # Every strong spelling as the matcher compares it, to the entity it names.
        self._strong_index = {norm_alias(a): i for i, e in enumerate(self.entities)
                              for a in e.aliases}
        self._region_of = _regions_of(self.entities, self._strong_index)
        strong_norms = set(self._strong_index)
        terms: list[Term] = []
        ctx_terms: dict[str, set[int]] = defaultdict(set)
        for i, e in enumerate(self.entities):
            terms += [Term(a, _Key(i, True), _kind(a)) for a in e.aliases]
            terms += [Term(w, _Key(i, False), _kind(w)) for w in e.weak]
            for c in e.ctx:
                ctx_terms[norm_alias(c)].add(i)
            for w in self._implicit_surnames(e, strong_norms):
                terms.append(Term(w, _Key(i, False), Kind.NAME))
        # Titles, roles and organization nouns share the entities' automaton (one scan per
        # text); where one overlaps a gazetteer spelling, the longer wins.
        terms += [Term(t, ("title", "PER"), Kind.NAME) for t in PERSON_TITLES]
        terms += [Term(g, ("nation", "PER"), Kind.NAME) for g in GENTILICS]
        terms += [Term(r, ("role", "PER"), Kind.NAME) for r in APPOSITIVE_ROLES]
        terms += [Term(k, ("keyword", "ORG"), Kind.WORD) for k in ORG_KEYWORDS]
        terms += [Term(k, ("keyword", "LOC"), Kind.WORD) for k in LOC_KEYWORDS]
        terms += [Term(p, ("stop", ""), Kind.NAME) for p in self.gazetteer.stop]
        self.matcher = WordFormMatcher(terms)
        self._ctx_entities = dict(ctx_terms)
        self._ctx_owners = frozenset(i for owners in ctx_terms.values() for i in owners)
        self.ctx_matcher = WordFormMatcher(Term(c, c, Kind.NAME) for c in ctx_terms)

    def _implicit_surnames(self, e: Entity, strong_norms: set[str]) -> list[str]:
        """A person's last name alone, counted only after a full mention in the article.

        Not where the last name is a function word once normalized (إمام is أمام) or an
        ordinal (إليزابيث الثانية): every such word in the article would become the person.
        """
        if e.type != "PER" or e.weak:
            return []
        out = []
        for alias in e.aliases:
            parts = norm_alias(alias).split()
            last = parts[-1] if len(parts) > 1 else ""
            if (len(last) >= 4 and last not in strong_norms and last not in STOPWORDS
                    and last not in out):
                out.append(last)
        return out

    # --- tagging ------------------------------------------------------------------------

    def tag(self, text: str, field: str = "text") -> list[Mention]:
        """Mentions in one text, in reading order."""
        return self.tag_fields({field: text})

    def tag_fields(self, fields: Mapping[str, str | None]) -> list[Mention]:
        """Mentions in the fields of one article (title, summary, body ...).

        The fields are one document for context: a full mention in the body licenses a bare
        surname in the title.
        """
        return [Mention(*row) for row in self.tag_rows(fields)]

    def tag_rows(self, fields: Mapping[str, str | None]) -> list[MentionRow]:
        """:meth:`tag_fields` as plain tuples in :class:`Mention`'s field order (no object
        per mention: the database writer formats half a million of them a night).

        A ``summary`` beside a ``body`` is left out when it brings no text of its own
        (:func:`summary_adds`): its names are the body's, and would be counted twice.
        """
        if "summary" in fields and "body" in fields and not summary_adds(fields["summary"],
                                                                         fields["body"]):
            fields = {name: text for name, text in fields.items() if name != "summary"}
        # One pass over the fields joined by line breaks (no name crosses a line break);
        # mentions are then cut back into per-field offsets.
        names = [name for name, text in fields.items() if text]
        if not names:
            return []
        bounds: list[tuple[int, int, str]] = []
        pos = 0
        for name in names:
            text = fields[name] or ""
            bounds.append((pos, pos + len(text), name))
            pos += len(text) + 1
        tokens = tokenize("\n".join(fields[n] or "" for n in names))
        words = tokens.tokens()
        hits = _longest(self.matcher.scan(tokens))
        entity_hits = [h for h in hits if isinstance(h[2], _Key)]
        triggers = [h for h in hits if not isinstance(h[2], _Key) and h[2][0] != "stop"]
        linked = self._resolve(tokens, words, entity_hits)
        if self._region_of:
            linked = self._as_regions(words, linked)
        found = [m for m, _f, _l in linked]
        if triggers and self.patterns:
            found += self._patterns(tokens, words, linked, triggers)
        if self.ner is not None:
            found = self._merge_ner(tokens.text, found)
        found.sort(key=_by_start)
        if len(bounds) == 1:
            name = names[0]
            return [(*m, name) for m in found]  # _M holds Mention's fields, in order
        out: list[MentionRow] = []
        for surface, etype, start, end, method, conf, entity_id, canonical in found:
            for lo, hi, name in bounds:
                if lo <= start and end <= hi:
                    out.append((surface, etype, start - lo, end - lo, method, conf,
                                entity_id, canonical, name))
                    break
        return out

    def _resolve(self, tokens: Tokens, words: list[str],
                 hits: list[_Found]) -> list[tuple[_M, int, int]]:
        """Keep strong hits; keep a weak hit when context singles out one entity.

        Returns each mention with its first and last token index.
        """
        entities = self.entities
        text = tokens.text
        out: list[tuple[_M, int, int]] = []
        by_span: dict[tuple[int, int], list[_Found]] = {}
        strong_at: dict[int, list[int]] = {}  # entity -> its strong hits
        for h in hits:
            first, last, key, _term = h
            group = by_span.get((first, last))
            if group is None:
                by_span[(first, last)] = [h]
            else:
                group.append(h)
            if key.strong:
                at = strong_at.get(key.entity)
                if at is None:
                    strong_at[key.entity] = [first]
                else:
                    at.append(first)
        ctx_at: dict[int, list[tuple[int, int]]] | None = None  # entity -> its ctx hits
        spans: list[tuple[int, int]] = []  # token spans, fetched with the first mention
        for (first, last), group in by_span.items():
            e = entities[group[0][2].entity]
            # Only a PER or LOC spelling with a word before it can be part of another name.
            if first and e.type != "ORG" and self._not_a_reference(tokens, words, first,
                                                                    last, e):
                continue
            for g in group:
                if g[2].strong:
                    e = entities[g[2].entity]
                    spans = spans or tokens.spans
                    start, end = spans[first][0], spans[last][1]
                    plus = self._plus.get(g[2].entity)
                    if plus is not None and text[end:end + 1] == "+":
                        e, end = entities[plus], end + 1
                    out.append((_M(text[start:end], e.type, start, end, "gazetteer",
                                   0.98 if last > first else 0.95, e.id, e.en), first, last))
                    break
            else:
                if last > first and _qualified(words, last + 1):
                    continue  # "مجلس الأمن القومي" is not the UN Security Council
                # The text is scanned for context terms once, and only when an entity of
                # the group has any (for the others there is nothing to find).
                if ctx_at is None and any(g[2].entity in self._ctx_owners for g in group):
                    ctx_at = defaultdict(list)
                    for c_first, c_last, key, _term in self.ctx_matcher.scan(tokens):
                        for i in self._ctx_entities.get(key, ()):
                            ctx_at[i].append((c_first, c_last))
                ctx = ctx_at if ctx_at is not None else {}
                scores: dict[int, int] = {}
                for g in group:
                    i = g[2].entity
                    near = any(abs(s - first) <= WINDOW for s in strong_at.get(i, ()))
                    near = near or any(
                        c_last >= first - WINDOW and c_first <= last + WINDOW and
                        not (c_first <= first and c_last >= last)
                        for c_first, c_last in ctx.get(i, ()))
                    scores[i] = 3 if near else 2 if i in strong_at else 1 if i in ctx else 0
                best = max(scores.values())
                winners = [i for i, s in scores.items() if s == best]
                if best and len(winners) == 1:
                    e = entities[winners[0]]
                    spans = spans or tokens.spans
                    start, end = spans[first][0], spans[last][1]
                    out.append((_M(text[start:end], e.type, start, end, "gazetteer",
                                   _WEAK_CONFIDENCE[best], e.id, e.en), first, last))
        return out

    def _as_regions(self, words: list[str],
                    linked: list[tuple[_M, int, int]]) -> list[tuple[_M, int, int]]:
        """Places listed after a plural region noun are the regions named after them.

        In "محافظات حلب والرقة والحسكة" or "مقاطعتي دونيتسك ولوغانسك" each name is the
        governorate or oblast, not its city: the first follows the noun, the others are joined
        to the one before by "و".
        """
        if not any(first and words[first - 1] in _REGION_NOUNS for _m, first, _l in linked):
            return linked  # the usual article: no list of regions to read
        out = []
        previous_last = -2
        kinds: tuple[str, ...] = ()  # the region words of the list being read, if any
        for m, first, last in sorted(linked, key=itemgetter(1)):
            if m.method != "gazetteer" or m.type != "LOC":
                kinds = ()
            elif first > 0 and words[first - 1] in _REGION_NOUNS:
                kinds = _REGION_NOUNS[words[first - 1]]
            elif not (kinds and first == previous_last + 1 and m.text[:1] == "و"):
                kinds = ()
            region = next((r for r in (self._region_of.get((m.entity_id or "", k))
                                       for k in kinds) if r is not None), None)
            if region is not None:
                m = m._replace(entity_id=region.id, canonical=region.en)
            previous_last = last
            out.append((m, first, last))
        return out

    @staticmethod
    def _not_a_reference(tokens: Tokens, words: list[str], first: int, last: int,
                         e: Entity) -> bool:
        """A spelling used as part of another name or as an adjective, not for the entity.

        "مستشفى الشيخ خليفة بن زايد" names a hospital; in "القنصلية السعودية" the word is
        the adjective of a definite noun, not the country's name.
        """
        i = first - 1
        if e.type == "PER":
            if i < 0 or words[i] not in _BEFORE_PERSON:
                return False  # the usual case: no facility or honorific just before
            while i >= 0 and words[i] in HONORIFICS:
                i -= 1
            return i >= 0 and words[i] in FACILITIES
        if e.type == "LOC" and (i >= 0 and words[i] in _NAME_BEFORE_PLACE
                                or last + 1 < len(words) and words[last + 1] in _NAME_AFTER_PLACE):
            return True  # "جامعة ريو دي جانيرو", "كأس مصر", "منتخب فرنسا" are not places
        if e.type == "LOC" and first == last and i >= 0:
            w = words[first]
            if not (w.startswith("ال") and w.endswith("يه") and words[i].startswith("ال")
                    and words[i] not in _CTX_OK):
                return False
            spans = tokens.spans
            return not tokens.text[spans[i][1]:spans[first][0]].strip()
        return False

    # --- unknown names ------------------------------------------------------------------

    def _name_like(self, tok: str, position: int, definite_ok: bool = True) -> bool:
        """Could ``tok`` be part of a name? Common words, clitic-laden words and digits not."""
        kind = self._name_kinds.get(tok)
        if kind is None:
            kind = self._name_kind(tok)
            if len(self._name_kinds) >= NAME_KIND_CACHE:
                self._name_kinds.clear()
            self._name_kinds[tok] = kind
        if kind is _DEFINITE:
            return position > 0 and definite_ok
        return kind is True

    def _name_kind(self, tok: str) -> bool | object:
        """:meth:`_name_like` for any position: True, False, or ``_DEFINITE`` (a word with
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
        if self._possessed(tok):
            return False
        stem = _strip_proclitic(tok)
        return stem == tok or not (stem in self.common or stem.startswith("ال")
                                   or "ال" + stem in self.common)

    def _possessed(self, tok: str) -> bool:
        """A common noun with an attached pronoun (أمامها, بسيطرته, أرباحهم) is no name.

        A lone ه is left alone: once normalized it is also the feminine ending of names."""
        for suffix in POSSESSED_ENDINGS:
            if tok.endswith(suffix) and len(tok) - len(suffix) >= 3:
                base = _strip_proclitic(tok[:-len(suffix)])
                if suffix == "ته":  # سيطرته is سيطرة + ه
                    base += "ه"
                return base in self.common or "ال" + base in self.common
        return False

    def _patterns(self, tokens: Tokens, words: list[str], linked: list[tuple[_M, int, int]],
                  triggers: list[_Found]) -> list[_M]:
        """Unlinked names after person titles, before appositive roles, and quoted orgs."""
        text = tokens.text
        spans = tokens.spans
        taken = {first for _m, first, _last in linked}
        for _m, first, last in linked:
            if last > first:
                taken.update(range(first + 1, last + 1))
        # Tokens of people already linked: a title followed by one has found its name.
        person = {k for m, first, last in linked if m.type == "PER"
                  for k in range(first, last + 1)}
        last_names = {words[last]: m for m, _first, last in linked if m.type == "PER"}
        found: dict[tuple[int, int], _M] = {}

        def gap(a: int, b: int) -> str:
            """Original text between token ``a`` and token ``b``."""
            return text[spans[a][1]:spans[b][0]]

        def broken(a: int, b: int) -> bool:
            """Punctuation or a line break between token ``a`` and token ``b``."""
            between = text[spans[a][1]:spans[b][0]]
            return between != " " and _BREAK.search(between) is not None  # mostly one space

        def hamza_al(i: int) -> bool:
            """أليكسيس, إليزابيث: a hamza on the alef says the "ال" is no article, which the
            normalized spelling no longer shows."""
            return text.startswith(("أل", "إل"), spans[i][0])

        def joined(a: int, b: int) -> bool:
            """Tokens ``a`` and ``b`` are two Arabic parts of one hyphenated name part
            ("غيو-باك", "سونغ-جون"): a lone hyphen between them, and ``b`` no article."""
            return (spans[b][0] - spans[a][1] == 1 and text[spans[a][1]] in _HYPHENS
                    and _arabic_word(words[a]) and _arabic_word(words[b])
                    and not words[b].startswith("ال"))

        def short_first(j: int) -> bool:
            """Does a short word that is a function word once normalized start a name here
            (آن غيو-باك, أو سي-هون)? Only before a name part, as its printed spelling says."""
            if words[j] not in _SHORT_FIRST_NORMS:  # the usual case: no such word
                return False
            printed = _MARKS.sub("", text[spans[j][0]:spans[j][1]])
            nxt = j + 1
            if (printed not in SHORT_FIRST_PARTS and printed not in
                    SHORT_FIRST_PARTS_BEFORE_HYPHEN) or nxt >= len(words) or nxt in taken:
                return False
            if broken(j, nxt) or not self._name_like(words[nxt], 0):
                return False
            return printed in SHORT_FIRST_PARTS or (nxt + 1 < len(words) and joined(nxt, nxt + 1))

        def syllable(j: int) -> bool:
            """A short word that heads a hyphenated part ("تشانغ هو-جين") is a syllable of
            the name, even where it prints like a function word (هو)."""
            return len(words[j]) <= 3 and j + 1 < len(words) and joined(j, j + 1)

        def name_from(i: int, etype: str) -> tuple[int, int] | None:
            j = i
            names: list[int] = []
            # A hyphenated part ("سونغ-جون") counts once. After the first part it is a
            # Korean given name or a double surname, and ends the name ("لي سونغ-جون",
            # "أليكس أوكسلايد-تشامبرلاين"); a first part may go on ("مارك-أندريه تير شتيغن").
            parts = 0
            last_part = MAX_NAME_TOKENS
            while j < len(words) and j not in taken:
                if names and broken(j - 1, j):
                    if joined(j - 1, j):  # the part after a hyphen may be any syllable
                        names.append(j)
                        if parts > 1:
                            last_part = parts
                        j += 1
                        continue
                    break
                if parts >= last_part:
                    break
                tok = words[j]
                position = len(names) or (1 if hamza_al(j) else 0)
                if tok in AMBIGUOUS_GIVEN and not names:
                    if j + 1 >= len(words) or not self._name_like(words[j + 1], 0):
                        break
                elif not self._name_like(tok, position, definite_ok=etype == "PER") and not (
                        short_first(j) if not names else syllable(j)):
                    break
                names.append(j)
                parts += 1
                j += 1
            if not names:
                return None
            return names[0], names[-1]

        def add(first: int, last: int, etype: str, conf: float, quoted: bool = False) -> None:
            if any(k in taken for k in range(first, last + 1)):
                return
            start, end = spans[first][0], spans[last][1]
            surface = text[start:end]
            single = first == last
            if single and words[first] in last_names and etype == "PER":
                m = last_names[words[first]]
                found[(first, last)] = _M(surface, m.type, start, end, "pattern", 0.8,
                                          m.entity_id, m.canonical)
                return
            if single and not quoted:
                conf -= 0.15
            if (first, last) in found and found[(first, last)].confidence >= conf:
                return  # a title and a nationality both before one name: the title speaks
            found[(first, last)] = _M(surface, etype, start, end, "pattern", conf)

        for _first, t_last, key, _term in triggers:
            if key[0] != "title":
                continue
            j = t_last + 1
            skipped = 0
            while j < len(words) and skipped < 4 and j not in person:
                article = words[j].startswith("ال") and not hamza_al(j)
                if j in taken or article or words[j] in ORG_HEADS:
                    j, skipped = j + 1, skipped + 1
                    continue
                break
            if j >= len(words) or j in taken:
                continue
            if words[j] in last_names and (j + 1 == len(words) or words[j + 1] not in
                                           last_names and j + 1 not in taken):
                add(j, j, "PER", 0.65)
                continue
            between = gap(t_last, j)
            if _BREAK.search(between.replace("،", "").replace(",", "")):
                continue
            span = name_from(j, "PER")
            if span:
                add(span[0], span[1], "PER", 0.65)

        for n_first, n_last, key, _term in triggers:
            if key[0] != "nation":
                continue
            # After a definite noun or a named body the adjective describes that noun
            # ("الخام الإيراني", "أدنوك الإماراتية"); only after a verb, a preposition or a
            # conjunction does it stand for a person.
            before = n_first - 1
            if before >= 0 and not broken(before, n_first) and (
                    before in taken or words[before].startswith("ال")):
                continue
            j = n_last + 1
            if j >= len(words) or j in taken or broken(n_last, j):
                continue
            span = name_from(j, "PER")
            if span and span[1] > span[0]:
                add(span[0], span[1], "PER", 0.55)

        for r_first, _last, key, _term in triggers:
            if key[0] != "role":
                continue
            if r_first == 0 or not _COMMA.fullmatch(gap(r_first - 1, r_first)):
                continue
            names: list[int] = []
            # A hyphenated part counts once; a hyphenated last part has one part before
            # it ("لي سونغ-جون", "أليكس أوكسلايد-تشامبرلاين"), as in name_from.
            parts = 0
            j = r_first - 1
            max_parts = 2 if j > 0 and joined(j - 1, j) else MAX_NAME_TOKENS
            while j >= 0 and j not in taken:
                if names and broken(j, j + 1) and not joined(j, j + 1):
                    break
                if not (j > 0 and joined(j - 1, j)):  # not a syllable after a hyphen
                    if parts >= max_parts or not self._name_like(words[j], 1):
                        break
                    parts += 1
                names.insert(0, j)
                j -= 1
            # A name starts neither with the article nor with a syllable after a hyphen.
            while names and (words[names[0]].startswith("ال")
                             or names[0] > 0 and joined(names[0] - 1, names[0])):
                names.pop(0)
            if sum(1 for k in names if not (k > 0 and joined(k - 1, k))) >= 2:
                add(names[0], names[-1], "PER", 0.6)

        starts: dict[str, set[int]] = {}  # trigger kind -> first tokens, made when asked

        def starts_of(kind: str) -> set[int]:
            at = starts.get(kind)
            if at is None:
                at = starts[kind] = {t[0] for t in triggers if t[2][0] == kind}
            return at

        def researcher(k: int) -> bool:
            """Is the institution noun at token ``k`` where a researcher works ("الباحث في
            معهد", "أستاذ العلوم السياسية بجامعة")? A role up to five words before it."""
            noun = words[k]
            if noun.startswith("ب") and not noun.startswith("بال"):
                i = k - 1
            elif k > 0 and words[k - 1] == "في" and not broken(k - 1, k):
                i = k - 2
            else:
                return False
            for r in range(i, max(i - 5, -1), -1):
                if broken(r, r + 1):
                    return False
                if words[r] in RESEARCH_ROLES or _strip_proclitic(words[r]) in RESEARCH_ROLES:
                    return True
            return False

        def definite(i: int) -> bool:
            return words[i].startswith(("ال", "لل", "وال")) and not hamza_al(i)

        def after_institution(k: int) -> tuple[int, tuple[int, int] | None] | None:
            """The institution's last token and the person's name after it, or None.

            The name is one word (آسان, يونسي) or definite words (الدراسات الاستراتيجية),
            with its definite or لل complements (للدراسات السياسية, and a nationality
            after definite words: مركز الأمن الأميركي الجديد); the person's name follows,
            two words at least, none of them definite, after a nationality (جامعة
            ساوثهامبتون البريطانية) if one stands between. Before a title (الدكتور) the title
            names the person, and the institution is found alone."""
            j = k + 1
            if j >= len(words) or j in taken or broken(k, j):
                return None
            if not (self._name_like(words[j], 0, definite_ok=False) or definite(j)):
                return None
            title_at, nation_at = starts_of("title"), starts_of("nation")
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
            person = person_from(q)
            return (end, person) if person is not None else None

        def person_from(q: int) -> tuple[int, int] | None:
            """A person's name of two words at least, none of them definite, at ``q``."""
            span = name_from(q, "PER")
            if span is None:
                return None
            first, last = span
            while last > first and definite(last):
                last -= 1
            return (first, last) if last > first else None

        # A researcher at an institution the gazetteer knows ("الباحث في مركز كارنيغي
        # للشرق الأوسط مايكل يونغ"): the person's name follows its name.
        for m, first, last in linked:
            if (m.type == "ORG" and words[first] in _INSTITUTION_FORMS
                    and researcher(first) and last + 1 < len(words)
                    and last + 1 not in taken and not broken(last, last + 1)):
                named = person_from(last + 1)
                if named is not None:
                    add(named[0], named[1], "PER", 0.65)

        for k_first, k_last, key, term in triggers:
            if key[0] != "keyword":
                continue
            j = k_last + 1
            if j >= len(words):
                continue
            if term in INSTITUTIONS and researcher(k_first):
                parts = after_institution(k_last)
                if parts is not None:
                    end, person_span = parts
                    start = spans[k_first][0]
                    if words[k_first].startswith("ب"):  # "بجامعة": the name starts after ب
                        start += 1
                        while _MARKS.match(text, start):
                            start += 1
                    stop = spans[end][1]
                    found[(k_first, end)] = _M(text[start:stop], "ORG", start, stop,
                                               "pattern", 0.6)
                    if person_span is not None:
                        add(person_span[0], person_span[1], "PER", 0.65)
                    continue
            quote = _QUOTED_AFTER.match(text, spans[k_last][1])
            if quote:
                inner = list(_token_range(spans, quote.start(1), quote.end(1)))
                # A closing quote followed by ' و"' is no name: a quoted name has a word.
                if (1 <= len(inner) <= 5 and not any(i in taken for i in inner)
                        and any(len(words[i]) > 1 for i in inner)):
                    add(inner[0], inner[-1], key[1], 0.7, quoted=True)
                continue
            if broken(k_last, j) or _describes(text[spans[j][0]:spans[j][1]]):
                continue
            span = name_from(j, key[1])
            if span:
                add(span[0], span[1], key[1], 0.55)
        return list(found.values())

    # --- CAMeL NER ----------------------------------------------------------------------

    def link(self, surface: str) -> Entity | None:
        """The entity whose strong spelling ``surface`` is (clitics stripped), if any."""
        norm = norm_alias(surface)
        idx = self._strong_index.get(norm)
        for p in PROCLITICS:
            if idx is not None or not norm.startswith(p):
                continue
            idx = self._strong_index.get(norm[len(p):])
            if idx is None and p.endswith(("ال", "لل")):  # "للكرملين" is ل + الكرملين
                idx = self._strong_index.get("ال" + norm[len(p):])
        return self.entities[idx] if idx is not None else None

    def _merge_ner(self, text: str, found: list[_M]) -> list[_M]:
        """Add NER spans that no gazetteer mention covers; they replace overlapping patterns."""
        assert self.ner is not None
        out = list(found)
        for start, end, etype, score in self.ner.spans(text):
            overlaps = [m for m in out if m.start < end and start < m.end]
            if any(m.method == "gazetteer" or (m.method == "pattern" and m.entity_id)
                   for m in overlaps):
                continue
            out = [m for m in out if m not in overlaps]
            surface = text[start:end]
            entity = self.link(surface)
            if entity is not None:
                out.append(_M(surface, entity.type, start, end, "camel",
                              min(0.9, 0.5 + score / 2), entity.id, entity.en))
            else:
                out.append(_M(surface, etype, start, end, "camel", round(0.6 * score, 3)))
        return out

    # --- batch --------------------------------------------------------------------------

    def tag_record(self, record: Mapping[str, Any]) -> list[dict[str, Any]]:
        """``{title, text}`` in, the ``entities`` list of ``akhbar tag`` out."""
        fields = {"title": record.get("title") or "",
                  "text": record.get("text") or record.get("body") or ""}
        return [m.as_dict() for m in self.tag_fields(fields)]


# Invisible marks that feeds scatter differently through a summary and its body.
_INVISIBLE = re.compile("[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
# An ellipsis marks where a feed cut its summary: "…", "...", "[…]", "(...)".
_ELLIPSIS = re.compile(r"[\[(]?(?:…|\.{3,})[\])]?")


def _compared(text: str) -> str:
    """``text`` as a summary and its body are compared: HTML residue stripped, and without
    whitespace at all (a stripped ``</p><p>`` runs two paragraphs together)."""
    return "".join(_INVISIBLE.sub("", html_to_text(text)).split())


def summary_adds(summary: str | None, body: str | None) -> bool:
    """Does ``summary`` hold text that ``body`` does not, so that its names are worth tagging?

    Feeds mostly give the body's start as the summary, or all of it with other whitespace or
    HTML residue, often cut with an ellipsis. Such a summary adds nothing: compared without
    whitespace, tags, entities and invisible marks, every piece of it between ellipses is a
    part of the body. Anything else (other words, a summary with no body) adds.
    """
    if not summary:
        return False
    if not body:
        return True
    if body.startswith(summary):  # the common case, equal included: no copy made
        return False
    pieces = [p for p in _ELLIPSIS.split(_compared(summary)) if p]
    if not pieces:  # nothing but markup and dots
        return False
    # Most are the body's start: its head (room for the spaces and markup the summary
    # lacks) is compared first, the whole body only when the head does not hold them.
    head = body[:2 * len(summary) + 200]
    for text in (head, body) if len(head) < len(body) else (body,):
        compared = _compared(text)
        if all(p in compared for p in pieces):
            return False
    return True


def _by_start(m: _M) -> int:
    return m.start


def _arabic_word(word: str) -> bool:
    """Is ``word`` made of Arabic letters only (no digit, no Latin letter)?"""
    return word.isalpha() and all("\u0600" <= ch <= "\u06ff" for ch in word)


def _describes(word: str) -> bool:
    """Is ``word``, right after an organization or place noun, an adjective of it rather than
    a name? A feminine nisba ("منظمة إرهابية", "جماعة يسارية") or a feminine participle
    ("شركة مسجلة", "جماعة متشددة") agrees with the noun; names rarely take either form."""
    word = word.strip("\u0640")
    return word.endswith("ية") or (len(word) >= 5 and word.startswith("م") and word.endswith("ة"))


def _qualified(words: Sequence[str], i: int) -> bool:
    """Is token ``i`` a definite nisba adjective ("القومي", "الروسية") qualifying a phrase?"""
    if i >= len(words):
        return False
    w = words[i]
    return w.startswith("ال") and len(w) > 4 and w.endswith(("ي", "يه")) and w not in _CTX_OK


_WEAK_CONFIDENCE = {3: 0.9, 2: 0.85, 1: 0.75}  # by context score
_BEFORE_PERSON = FACILITIES | HONORIFICS
# Words before a place that make it part of a university's, a competition's or a team's name:
# "جامعة ريو دي جانيرو", "كأس مصر", "مونديال البرازيل", "دوري أبطال آسيا", "كأس أمم أفريقيا",
# "جائزة البحرين الكبرى", "منتخب فرنسا", "نادي برشلونة"; and the word after it in "فرنسا
# المفتوحة".
_NAME_BEFORE_PLACE = frozenset(p + normalize_inline(w) for p in _NOUN_PROCLITICS
                               for w in ("جامعة", "كأس", "مونديال", "أبطال", "أمم", "جائزة",
                                         "منتخب", "نادي", "فريق"))
_NAME_AFTER_PLACE = frozenset(normalize_inline(w) for w in ("المفتوحة", "المفتوح"))
_CTX_OK = frozenset(normalize_inline(w) for w in ("الدولي", "الأممي", "الدولية"))


def _token_range(spans: Sequence[tuple[int, int]], start: int, end: int) -> range:
    """Indexes of the tokens that lie inside ``[start, end)`` of the original text."""
    first = bisect_left(spans, (start, -1))
    last = first
    while last < len(spans) and spans[last][1] <= end:
        last += 1
    return range(first, last)


def default_tagger() -> EntityTagger:
    """The gazetteer in use (``AKHBAR_GAZETTEER``, else the packaged one) compiled, with
    CAMeL NER when its data exists.

    Compiled again only when :func:`default_gazetteer` reads a changed file, so that a
    long-lived process tags with the gazetteer as it is now."""
    gazetteer = default_gazetteer()
    if _compiled and _compiled[0].gazetteer is gazetteer:
        return _compiled[0]
    tagger = EntityTagger(gazetteer, ner=_default_ner())
    _compiled[:] = [tagger]
    return tagger


_compiled: list[EntityTagger] = []  # the tagger of the gazetteer last read


@cache
def _default_ner() -> NerBackend | None:
    """CAMeL NER, loaded once per process (its data does not change under a night)."""
    from pipeline import ner_camel

    return ner_camel.load_if_available()
