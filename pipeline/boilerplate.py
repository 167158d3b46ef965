"""Strip outlet boilerplate from article bodies before duplicate hashing.

Outlets wrap the same wire story in their own furniture (app promotion, "read also" teasers,
datelines, credit lines). Left in, it makes copies look different and unrelated articles of one
outlet look alike, so dedup hashes the stripped body. Wire credits are returned, not discarded:
they are evidence of where a story came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Agencies and sources whose credit marks wire copy. Keys are the spellings matched in text
# (after tatweel/NBSP clean-up), values the canonical credit returned.
_AGENCIES: dict[str, str] = {
    "أ ف ب": "AFP",
    "ا ف ب": "AFP",
    "أ.ف.ب": "AFP",
    "فرانس برس": "AFP",
    "فرانس بريس": "AFP",
    "رويترز": "Reuters",
    "أ ب": "AP",
    "أسوشيتد برس": "AP",
    "اسوشيتد برس": "AP",
    "د ب أ": "DPA",
    "الأناضول": "Anadolu",
    "واس": "SPA",
    "وام": "WAM",
    "سانا": "SANA",
    "قنا": "QNA",
    "كونا": "KUNA",
    "بترا": "Petra",
    "إرنا": "IRNA",
    "سبوتنيك": "Sputnik",
    "تاس": "TASS",
    "شينخوا": "Xinhua",
    "CNN": "CNN",
    "CNN Business": "CNN",
    "بي بي سي": "BBC",
    "وكالات": "agencies",
}

_AGENCY_ALT = "|".join(
    re.escape(a).replace(r"\ ", r"\s*") for a in sorted(_AGENCIES, key=len, reverse=True)
)
# A parenthesised credit closing a paragraph: «... الثلاثاء. (أ ف ب)». Mid-sentence parentheses
# («وكالة الأنباء السورية (سانا)») name a source in the story and stay.
_PAREN_CREDIT = re.compile(rf"\s*\(\s*({_AGENCY_ALT})\s*\)[\s.]*$")
_MENTION_BEFORE = re.compile(r"وكال|الأنباء|الرسمي|نقلت|ذكرت|أفادت|بحسب|حسب|وفق")
# A dateline opening the first paragraph: «دبي، الإمارات العربية المتحدة (CNN)--»,
# «بيروت (رويترز) -», «(CNN)--». The place part is short and holds no sentence punctuation.
_DATELINE = re.compile(
    rf"^\s*(?:[^\s.!?:()«»\"]+(?:[\s،,]+[^\s.!?:()«»\"]+){{0,5}}\s*)?"
    rf"\(\s*({_AGENCY_ALT})\s*\)\s*(?:[-–—ـ]+|:)\s*"
)
# A line that is nothing but credits: «فرانس24/ أ ف ب», «رويترز», «المصدر: وكالات».
_CREDIT_TOKEN = re.compile(rf"فرانس\s*24|{_AGENCY_ALT}")
_CREDIT_LINE_REST = re.compile(r"^[\s/|،,\-–—:()\[\].*]*(?:المصدر|المصادر)?[\s/|،,\-–—:()\[\].*]*$")
# «*نقلاً عن الرؤية الإماراتية»: a syndicated column; the source paper is the credit.
_REPRINT = re.compile(r"^\W*نقل[اًاٌ]*\s+عن\s+(.{2,60}?)\W*$")

# Lines removed whole. Each pattern is anchored on wording outlets use for furniture, not on
# words that also occur in news sentences.
_DROP_LINE = [
    # app promotion and "follow us" lines
    re.compile(r"(تسلم|استلام|تلقي)\s+(ال)?إشعارات\s+(ب)?(أهم|آخر|أحدث|الأخبار|العاجلة)"),
    re.compile(r"أحدث\s+نسخة\s+من\s+تطبيق"),
    re.compile(r"^\W*(حمّل|حمل|نزّل|نزل)\s+تطبيق"),
    re.compile(r"^\W*(تابعونا|تابعوا|لمتابعة)\b.{0,80}(اضغط|انقر|تويتر|فيسبوك|يوتيوب|إنستغرام)"),
    re.compile(r"(اضغط|انقر)\s+(هنا|على\s+العنوان)"),
    # "read also" / related-story teasers
    re.compile(r"^\W*(اقرأ|إقرأ|اقرا|إقرا)(?=[\s:|.\-–]|$)"),
    re.compile(r"^\W*(للمزيد|شاهد\s+أيضا|طالع\s+أيضا|شاهد\.\.|اقرأ\.\.)"),
    re.compile(r"^\W*(قصص|مواضيع|أخبار|مقالات)\s+ذات\s+صلة\W*$"),
    # disclaimers and rights lines
    re.compile(r"جميع\s+المقالات\s+المنشورة\s+تمثل\s+رأي"),
    re.compile(r"حقوق\s+النشر\s+محفوظة"),
    re.compile(r"لا\s+(تعكس|تعبر)\s+بالضرورة\s+(عن\s+)?(وجهة\s+نظر|رأي)"),
    # the outlet's own disclaimer: the outlet is the one that cannot confirm (an official
    # who "cannot confirm" the toll is news)
    re.compile(r"(CNN|سي\s*إن\s*إن|BBC|بي\s*بي\s*سي|فرانس\s*24|رويترز)\s*(بالعربية|عربي)?"
               r"\s+لا\s+(يمكنه|يمكنها|يمكن)\s+التأكد"),
]
# Separator lines: dashes, stars, dots only.
_SEPARATOR = re.compile(r"^[\s\-–—_=*.•·|~]*$")
# A "read also:" header with nothing after it announces teaser headlines on the next lines.
_TEASER_HEADER = re.compile(
    r"^\W*((اقرأ|إقرأ|اقرا|إقرا)(\s+(أيض[اً]+|ايض[اً]+))?|(قصص|مواضيع)\s+ذات\s+صلة)\W*$"
)
# Every line of every body is tested, so the patterns run only on lines holding one of the
# words they all need (substring tests cost a fraction of a regex search).
_DROP_GATE = (
    "إشعارات", "تطبيق", "اضغط", "انقر", "اقر", "إقر", "للمزيد", "شاهد", "طالع", "صلة",
    "المقالات", "حقوق", "بالضرورة", "التأكد", "تابع",
)
# Credit-only lines are short («فرانس24/ أ ف ب/ رويترز»); longer lines are never tested.
_CREDIT_LINE_MAX = 60
_TEASER_MAX_LEN = 140
_TEASER_MAX_LINES = 4
_MULTI_SPACE = re.compile(r"[ \t]{2,}")


@dataclass(frozen=True)
class Stripped:
    """A body with its boilerplate removed, the wire credits found, and what was dropped."""

    text: str
    wire_credits: tuple[str, ...] = ()
    removed: tuple[str, ...] = field(default=(), repr=False)


def clean_line(line: str) -> str:
    """A paragraph as the stripper compares it: no-break spaces as spaces, no tatweel."""
    return line.replace("\u00a0", " ").replace("\u0640", "").strip()


def _credits_in(fragment: str) -> list[str]:
    found: list[str] = []
    for m in _CREDIT_TOKEN.finditer(fragment):
        key = re.sub(r"\s+", " ", m.group(0))
        credit = "France 24" if key.startswith("فرانس") and "24" in key else _lookup(key)
        found.append(credit)
    return found


def _lookup(spelling: str) -> str:
    squashed = re.sub(r"\s+", "", spelling)
    for key, value in _AGENCIES.items():
        if re.sub(r"\s+", "", key) == squashed:
            return value
    return spelling


def _credit_only(line: str) -> list[str] | None:
    """Credits when the line holds nothing but credits, else None."""
    credits = _credits_in(line)
    if not credits:
        return None
    rest = _CREDIT_TOKEN.sub(" ", line)
    return credits if _CREDIT_LINE_REST.match(rest) else None


def strip_boilerplate(text: str) -> Stripped:
    """Remove outlet furniture from a body (one paragraph per line) and collect wire credits."""
    credits: list[str] = []
    removed: list[str] = []
    kept: list[str] = []
    teaser_budget = 0
    first_content = True
    # The gate words the whole body holds, found once: most bodies hold none or one, and
    # testing each line for all of them was most of the work.
    cleaned = text.replace("\u0640", "") if "\u0640" in text else text  # as clean_line does
    gate = [w for w in _DROP_GATE if w in cleaned]
    for raw in text.splitlines():
        line = clean_line(raw)
        if not line or _SEPARATOR.match(line):
            teaser_budget = 0 if line else teaser_budget
            continue
        if teaser_budget and len(line) <= _TEASER_MAX_LEN and not line.endswith((".", "؟")):
            teaser_budget -= 1
            removed.append(line)
            continue
        teaser_budget = 0
        if _TEASER_HEADER.match(line):
            teaser_budget = _TEASER_MAX_LINES
            removed.append(line)
            continue
        if gate and any(map(line.__contains__, gate)) and any(p.search(line) for p in _DROP_LINE):
            removed.append(line)
            continue
        only = _credit_only(line) if len(line) <= _CREDIT_LINE_MAX else None
        if only is not None:
            credits.extend(only)
            removed.append(line)
            continue
        reprint = _REPRINT.match(line)
        if reprint:
            credits.append(reprint.group(1).strip())
            removed.append(line)
            continue
        if first_content:
            m = _DATELINE.match(line)
            if m:
                credits.append(_lookup(re.sub(r"\s+", " ", m.group(1))))
                removed.append(m.group(0).strip())
                line = line[m.end() :].strip()
        first_content = False
        m = _PAREN_CREDIT.search(line) if ")" in line[-12:] else None
        if m and not _MENTION_BEFORE.search(line[max(0, m.start() - 40) : m.start()]):
            credits.append(_lookup(re.sub(r"\s+", " ", m.group(1))))
            removed.append(m.group(0).strip())
            line = line[: m.start()]
        if "  " in line:
            line = _MULTI_SPACE.sub(" ", line)
        if line:
            kept.append(line)
    unique_credits = tuple(dict.fromkeys(credits))
    return Stripped("\n".join(kept), unique_credits, tuple(removed))
