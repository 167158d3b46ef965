"""Named entities: gazetteer links, with offsets, weak forms in context, optional CAMeL NER.

Each article is matched against the gazetteer on normalized tokens (clitics handled by
:mod:`pipeline.matcher`), longest spelling first, with offsets into the original text.
Ambiguous short forms (a bare surname, "كوريا", "سول") count only where context supports
them. The same scan finds the titles, roles and nouns after which :mod:`pipeline.names`
picks up the names the gazetteer does not know; :mod:`pipeline.entities_db` stores them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from pipeline.gazetteer import Entity, Gazetteer, default_gazetteer, norm_alias
from pipeline.matcher import Kind, Term, WordFormMatcher
from pipeline.names import (
    APPOSITIVE_ROLES,
    ARAB_GIVEN_NAMES,
    COMPANY_SUFFIXES,
    CONJUNCTIONS,
    FOREIGN_PARTICLES,
    GENTILICS,
    GIVEN_NAMES,
    GIVEN_NORMS,
    INSTITUTION_HEADS,
    KOREAN_SURNAMES,
    LOC_KEYWORDS,
    NAME_PARTICLES,
    ORG_KEYWORDS,
    PERSON_TITLES,
    PROCLITICS,
    SPEECH_VERBS,
    STOPWORDS,
    Found,
    Hit,
    Linked,
    NameRules,
    past_letter,
    word_list,
)
from pipeline.normalize import Tokens, html_to_text, normalize_inline, tokenize

COMMON_WORDS_PATH = Path(__file__).resolve().parent / "data" / "entity_common_words.txt"
VERB_WORDS_PATH = Path(__file__).resolve().parent / "data" / "entity_verbs.txt"
WINDOW = 12  # tokens either side of a weak form in which a context term licenses it
# Nouns of places and things named after a person ("مطار الملك خالد"), and the honorifics
# that may stand between them and the name.
_NOUN_PROCLITICS = ("", "و", "ف", "ب", "ل", "ك", "وب", "ول", "فب", "فل")
FACILITIES = frozenset(p + normalize_inline(w) for p in _NOUN_PROCLITICS for w in word_list("""
مستشفى مطار ملعب استاد ستاد جامعة مسجد شارع جائزة قاعة برج حديقة مدرسة مدينة مؤسسة مركز ميناء
قصر كأس بطولة جسر ساحة ميدان معهد كلية مجمع سد مستشفي نادي مكتبة متحف قاعدة"""))
_COURT, _BALL = normalize_inline("ملعب"), normalize_inline("الكرة")
HONORIFICS = frozenset(normalize_inline(w) for w in word_list(
    "الشيخ الملك الأمير الرئيس السلطان الإمام الشهيد الراحل المغفور"))


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


def load_common_words(path: Path = COMMON_WORDS_PATH) -> frozenset[str]:
    """The frequent non-name words (normalized), comment lines skipped."""
    words = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return frozenset(w for w in words if w and not w.startswith("#"))


def _name_words(gazetteer: Gazetteer) -> set[str]:
    """Name parts the gazetteer holds: its one-word spellings and every word of a person's
    spelling (normalized)."""
    words: set[str] = set()
    for e in gazetteer:
        for alias in (*e.aliases, *e.weak):
            toks = norm_alias(alias).split()
            if len(toks) == 1 or e.type == "PER":
                words.update(toks)
    return words


def build_common_words(texts: Iterable[str], gazetteer: Gazetteer, given_names: Iterable[str],
                       top: int = 4000, max_share: float = 0.2) -> list[str]:
    """Most frequent tokens of ``texts`` that are not parts of names.

    A one-word spelling, any word of a person's spelling and a given name are name parts. A
    word of a longer spelling (لجنه, منطقه, خبراء) is one only when it is definite, short, or
    inside such a spelling in at least ``max_share`` of its uses: otherwise it is an ordinary
    noun, and after a title it must end a name rather than become one.
    """
    longer = [alias for e in gazetteer if e.type != "PER" for alias in (*e.aliases, *e.weak)
              if " " in norm_alias(alias)]
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
    skip = _name_words(gazetteer) | {norm_alias(n) for n in given_names}
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


# Particles only a verb follows (قد فعل، لم يفعل، لن يفعل، سوف يفعل), with their conjunctions.
_VERB_PARTICLES = frozenset(normalize_inline(w) for w in
                            word_list("قد وقد فقد لقد ولقد لم ولم فلم لن ولن فلن سوف"))


def build_verb_words(texts: Iterable[str], gazetteer: Gazetteer, given_names: Iterable[str],
                     min_count: int = 2) -> list[str]:
    """Words printed at least ``min_count`` times right after a particle only a verb follows
    (قد، لم، لن، سوف): verbs, which the unknown-name rules must not take for names. Name
    parts (one-word spellings, the words of people's spellings, given names) are left out,
    since some are verbs too (هاجر، يسر)."""
    names = _name_words(gazetteer) | {norm_alias(n) for n in given_names}
    after: Counter[str] = Counter()
    for text in texts:
        words = tokenize(text).tokens()
        after.update(w for prev, w in zip(words, words[1:], strict=False)
                     if prev in _VERB_PARTICLES)
    return sorted(w for w, n in after.items() if n >= min_count and w not in names)


def _kind(alias: str) -> Kind:
    # Abbreviations of one-letter tokens ("أ ف ب") take no clitics at all.
    return Kind.EXACT if any(len(t) == 1 for t in norm_alias(alias).split()) else Kind.NAME


def _longest(raw: list[Hit]) -> list[Hit]:
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
    out: list[Hit] = []
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


def _unshadowed(raw: list[Hit], entity_hits: list[Hit], linked: list[Linked],
                triggers: list[Hit]) -> list[Hit]:
    """``triggers`` with the nouns back that a weak spelling left unlinked had covered.

    "وزارة الداخلية" is a weak spelling of several countries' ministries; with no country
    in the text to say whose, it links to none, and its noun goes back to the name rules,
    which take it for a body of its own rather than lose it."""
    dropped = {h[0] for h in entity_hits if not h[2].strong} - {first for _m, first, _l in linked}
    if not dropped:
        return triggers
    back = [h for h in raw if h[0] in dropped and not isinstance(h[2], _Key)
            and h[2][0] != "stop" and h not in triggers]
    return sorted(triggers + back, key=itemgetter(0)) if back else triggers


def _run_order(hit: Hit) -> tuple[int, bool, int]:
    # Longest first; at equal length a gazetteer spelling beats a title or keyword.
    return hit[0] - hit[1], not isinstance(hit[2], _Key), hit[0]


def _longest_run(run: list[Hit]) -> list[Hit]:
    """Settle one run of overlapping hits: longest first, the rest only where uncovered."""
    if len(run) == 2:  # the usual run, two different spans: the first in that order wins
        return [run[1] if _run_order(run[1]) < _run_order(run[0]) else run[0]]
    kept: list[Hit] = []
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
        common = common_words if common_words is not None else load_common_words()
        # The rules for names it does not know.
        self.names = NameRules(common | STOPWORDS, load_common_words(VERB_WORDS_PATH))
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
        terms += [Term(v, ("speech", "PER"), Kind.NAME) for v in SPEECH_VERBS]
        terms += [Term(g, ("given", "PER"), Kind.NAME) for g in GIVEN_NAMES]
        terms += [Term(g, ("korean", "PER"), Kind.NAME) for g in KOREAN_SURNAMES]
        terms += [Term(w, ("suffix", "ORG"), Kind.EXACT) for w in COMPANY_SUFFIXES]
        terms += [Term(k, ("keyword", "ORG"), Kind.WORD) for k in ORG_KEYWORDS]
        terms += [Term(k, ("keyword", "LOC"), Kind.WORD) for k in LOC_KEYWORDS]
        terms += [Term(k, ("institution", "ORG"), Kind.WORD) for k in INSTITUTION_HEADS]
        terms += [Term(p, ("stop", ""), Kind.NAME) for p in self.gazetteer.stop]
        self.matcher = WordFormMatcher(terms)
        self._ctx_entities = dict(ctx_terms)
        self._ctx_owners = frozenset(i for owners in ctx_terms.values() for i in owners)
        self.ctx_matcher = WordFormMatcher(Term(c, c, Kind.NAME) for c in ctx_terms)
        # People's two-word spellings (given name, last name), as written and by their
        # consonants, and each person's last names: for a relative named by a given name
        # after the person ("وابنته يوليا") and for names spelled with other long vowels.
        self._full_names: dict[tuple[str, str], set[int]] = defaultdict(set)
        self._last_names: dict[str, set[str]] = defaultdict(set)
        self._two_word: dict[tuple[str, str], list[int]] = defaultdict(list)
        self._two_word_spellings: dict[int, list[tuple[str, str]]] = defaultdict(list)
        for i, e in enumerate(self.entities):
            if e.type != "PER":
                continue
            for a in e.aliases:
                parts = norm_alias(a).split()
                if len(parts) >= 2:
                    self._last_names[e.id].add(parts[-1])
                if len(parts) != 2:
                    continue
                self._full_names[(parts[0], parts[1])].add(i)
                if not parts[1].startswith("ال"):
                    self._two_word[_variant_key(*parts)].append(i)
                    self._two_word_spellings[i].append((parts[0], parts[1]))

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
        raw = _within_lines(tokens, self.matcher.scan(tokens))
        hits = _longest(raw)
        entity_hits = [h for h in hits if isinstance(h[2], _Key)]
        triggers = [h for h in hits if not isinstance(h[2], _Key) and h[2][0] != "stop"]
        linked = self._resolve(tokens, words, entity_hits)
        if len(hits) < len(raw):
            triggers = _unshadowed(raw, entity_hits, linked, triggers)
        if self._region_of:
            linked = self._as_regions(words, linked)
        linked += self._kin(tokens, words, linked)
        found = [m for m, _f, _l in linked]
        if triggers and self.patterns:
            found += [self._variant_of(m) for m in self.names.find(tokens, words, linked,
                                                                   triggers)]
        if self.ner is not None:
            found = self._merge_ner(tokens.text, found)
        found.sort(key=_by_start)
        if len(bounds) == 1:
            name = names[0]
            return [(*m, name) for m in found]  # Found holds Mention's fields, in order
        out: list[MentionRow] = []
        for surface, etype, start, end, method, conf, entity_id, canonical in found:
            for lo, hi, name in bounds:
                if lo <= start and end <= hi:
                    out.append((surface, etype, start - lo, end - lo, method, conf,
                                entity_id, canonical, name))
                    break
        return out

    def _resolve(self, tokens: Tokens, words: list[str],
                 hits: list[Hit]) -> list[Linked]:
        """Keep strong hits; keep a weak hit when context singles out one entity.

        Returns each mention with its first and last token index.
        """
        entities = self.entities
        text = tokens.text
        out: list[Linked] = []
        by_span: dict[tuple[int, int], list[Hit]] = {}
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
                    if _after_conjunction(words[first], g[3]):
                        start = past_letter(text, start)
                    plus = self._plus.get(g[2].entity)
                    if plus is not None and text[end:end + 1] == "+":
                        e, end = entities[plus], end + 1
                    out.append((Found(text[start:end], e.type, start, end, "gazetteer",
                                      0.98 if last > first else 0.95, e.id, e.en), first, last))
                    break
            else:
                variant = self._spelled_otherwise(words, first, last, group)
                if variant is not None:
                    e = entities[variant]
                    spans = spans or tokens.spans
                    start, end = spans[first - 1][0], spans[last][1]
                    if words[first - 1][:1] in CONJUNCTIONS and \
                            words[first - 1] not in GIVEN_NORMS:
                        start = past_letter(text, start)
                    out.append((Found(text[start:end], e.type, start, end, "gazetteer", 0.9,
                                      e.id, e.en), first - 1, last))
                    continue
                qualified = last > first and _qualified(words, last + 1)
                if qualified and not any(g[2].entity in self._ctx_owners for g in group):
                    continue  # "مجلس الأمن القومي" is not the UN Security Council
                # The text is scanned for context terms once, and only when an entity of
                # the group has any (for the others there is nothing to find).
                if ctx_at is None and any(g[2].entity in self._ctx_owners for g in group):
                    ctx_at = defaultdict(list)
                    for c_first, c_last, key, _term in self.ctx_matcher.scan(tokens):
                        for i in self._ctx_entities.get(key, ()):
                            ctx_at[i].append((c_first, c_last))
                ctx = ctx_at if ctx_at is not None else {}
                if qualified:
                    # A weak phrase with an adjective after it ("مجلس الأمن القومي", "هيئة
                    # الأركان المشتركة الكورية") is the body that adjective names: only an
                    # entity whose context term it is may have it.
                    group = [g for g in group
                             if any(c_first == last + 1 for c_first, _ in ctx.get(g[2].entity, ()))]
                    if not group:
                        continue
                elif last + 2 < len(words) and words[last + 1] == "في":
                    # "وزارة الخارجية في سيول": the place right after "in" names the body.
                    placed = [g for g in group if any(
                        c_first == last + 2 for c_first, _ in ctx.get(g[2].entity, ()))]
                    group = placed or group
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
                    if any(g[2].entity == winners[0] and _after_conjunction(words[first], g[3])
                           for g in group):
                        start = past_letter(text, start)
                    out.append((Found(text[start:end], e.type, start, end, "gazetteer",
                                      _WEAK_CONFIDENCE[best], e.id, e.en), first, last))
        return out

    def _as_regions(self, words: list[str],
                    linked: list[Linked]) -> list[Linked]:
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
            elif not (kinds and first == previous_last + 1 and words[first][:1] == "و"):
                kinds = ()
            region = next((r for r in (self._region_of.get((m.entity_id or "", k))
                                       for k in kinds) if r is not None), None)
            if region is not None:
                m = m._replace(entity_id=region.id, canonical=region.en)
            previous_last = last
            out.append((m, first, last))
        return out

    def _kin(self, tokens: Tokens, words: list[str], linked: list[Linked]) -> list[Linked]:
        """A relative named by a given name after a linked person ("سيرغي سكريبال وابنته
        يوليا", "نتنياهو وزوجته سارة") is the person of that given name and the first
        person's last name, when the gazetteer holds one."""
        out: list[Linked] = []
        taken = {k for _m, first, last in linked for k in range(first, last + 1)}
        spans = None
        for m, _first, last in linked:
            k = last + 2
            if m.type != "PER" or k >= len(words) or k in taken:
                continue
            kin = words[last + 1]
            if kin not in _KIN and not (kin[:1] in CONJUNCTIONS and kin[1:] in _KIN):
                continue
            # Not the person again: "كيم جونغ-أون وشقيقه جونغ تشول" names his brother.
            found = {i for surname in self._last_names.get(m.entity_id, ())
                     for i in self._full_names.get((words[k], surname), ())
                     if self.entities[i].id != m.entity_id}
            if len(found) != 1:
                continue
            spans = spans or tokens.spans
            if tokens.text[spans[last + 1][1]:spans[k][0]].strip():
                continue  # a full stop or a comma between them: not an apposition
            e = self.entities[found.pop()]
            start, end = spans[k]
            out.append((Found(tokens.text[start:end], "PER", start, end, "gazetteer", 0.85,
                              e.id, e.en), k, k))
            taken.add(k)
        return out

    def _variant_of(self, m: Found) -> Found:
        """An unknown two-word name that is a known person's with other long vowels in the
        given name, the last name or both ("جاريد كوشنير" for جاريد كوشنر) is that person."""
        if m.type != "PER" or m.entity_id:
            return m
        parts = norm_alias(m.text).split()
        if len(parts) != 2:
            return m
        given, last = parts
        if given in _ARAB_GIVEN:
            return m  # an Arabic name's vowels tell names apart (عطيف, عطاف)
        found = {i for i in self._two_word.get(_variant_key(given, last), ())
                 for g, s in self._two_word_spellings[i]
                 if (given == g or _vowel_variant(given, g))
                 and (last == s or _vowel_variant(last, s))}
        if len(found) != 1:
            return m
        e = self.entities[found.pop()]
        return m._replace(type=e.type, method="gazetteer", confidence=0.85, entity_id=e.id,
                          canonical=e.en)

    def _spelled_otherwise(self, words: list[str], first: int, last: int,
                           group: list[Hit]) -> int | None:
        """The person a bare last name names when the word before it is that person's given
        name spelled another way ("بيترا كفيتوفا" for بترا كفيتوفا): outlets differ in the
        long vowels of foreign given names."""
        if first == 0 or first != last:
            return None
        before = words[first - 1]
        if before[:1] in CONJUNCTIONS and before not in GIVEN_NORMS:
            before = before[1:]
        if before.startswith("ال") or before in NAME_PARTICLES or words[first].startswith("ال"):
            # A title ("الملك"), a name particle ("عبد"); a last name with the article is
            # an Arabic one, and the word before it a verb as often as a name ("ساعد الحريري").
            return None
        found = {g[2].entity for g in group
                 if any(last_name == words[first] and _vowel_variant(before, given)
                        for given, last_name in self._two_word_spellings.get(g[2].entity, ()))}
        return found.pop() if len(found) == 1 else None

    @staticmethod
    def _not_a_reference(tokens: Tokens, words: list[str], first: int, last: int,
                         e: Entity) -> bool:
        """A spelling used as part of another name or as an adjective, not for the entity.

        "مستشفى الشيخ خليفة بن زايد" names a hospital; in "القنصلية السعودية" the word is
        the adjective of a definite noun, not the country's name.
        """
        i = first - 1
        if e.type == "PER":
            if (first == last and i >= 0
                    and _someone_elses_surname(words[max(0, i - 2):i + 1], e)
                    and _bare(words[first], e)
                    and not tokens.text[tokens.spans[i][1]:tokens.spans[first][0]].strip()):
                return True  # "نيكو شولز", "لويس روبيو": another person's last name
            if i < 0 or words[i] not in _BEFORE_PERSON:
                return False  # the usual case: no facility or honorific just before
            while i >= 0 and words[i] in HONORIFICS:
                i -= 1
            if i >= 0 and words[i] == _COURT and _BALL in words[max(0, i - 4):i]:
                return False  # "الكرة في ملعب كيم جونغ أون": the ball is in his court
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

    def _merge_ner(self, text: str, found: list[Found]) -> list[Found]:
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
                out.append(Found(surface, entity.type, start, end, "camel",
                                 min(0.9, 0.5 + score / 2), entity.id, entity.en))
            else:
                out.append(Found(surface, etype, start, end, "camel", round(0.6 * score, 3)))
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


def _by_start(m: Found) -> int:
    return m.start


# Given names and the particles of foreign names: a one-word spelling of a person right
# after one of them is another person's last name, unless the person's own full spelling
# has it. Name parts that join rather than open a name (عبد الرحمن, بن سلمان) are not among
# them, nor "فان" (van: "فإن" normalizes to it), "لا" and "دير", which are words.
_NAME_OPENERS = (GIVEN_NORMS | FOREIGN_PARTICLES) - NAME_PARTICLES - frozenset(
    normalize_inline(w) for w in ("فان", "لا", "دير"))
_VOWEL_LETTERS = str.maketrans("", "", "اويىءأإآؤئ")


def _skeleton(word: str) -> str:
    """A word without its long vowels and hamza seats: "ايدين" and "إدين" are one name."""
    return normalize_inline(word).translate(_VOWEL_LETTERS)


class _OwnNames(NamedTuple):
    """What a person's own spellings hold, normalized once per entity."""

    bare: frozenset[str]  # one-word spellings and the last words of longer ones
    words: frozenset[str]  # the words before the last of each longer spelling
    skeletons: tuple[str, ...]  # those words, and adjacent pairs joined, without vowels


@lru_cache(maxsize=8192)
def _own_names(e: Entity) -> _OwnNames:
    longer = [a.split() for a in e.aliases if " " in a]
    bare = {normalize_inline(a) for a in (*e.aliases, *e.weak)}
    bare.update(normalize_inline(parts[-1]) for parts in longer)
    skeletons: set[str] = set()
    for parts in longer:
        words = parts[:-1]
        skeletons.update(_skeleton(w) for w in words)
        skeletons.update(_skeleton(x + y)  # "عبد العزيز" written as one word
                         for x, y in zip(words, words[1:], strict=False))
    return _OwnNames(frozenset(bare),
                     frozenset(normalize_inline(w) for parts in longer for w in parts[:-1]),
                     tuple(k for k in skeletons if len(k) >= 2))


def _variant_key(given: str, last: str) -> tuple[str, str]:
    """What two spellings of one two-word name share: first letters and consonants."""
    return given[:1] + _skeleton(given[1:]), last[:1] + _skeleton(last[1:])


# Words for a relative that put the relative's given name right after them.
_KIN = frozenset(normalize_inline(w) for w in word_list("""
ابنته ابنه نجله نجلته كريمته زوجته زوجها شقيقه شقيقته أخيه أخته أخوه شقيقها أخاه والده
والدته ابنها ابنتها زوجتها"""))
_ARAB_GIVEN = frozenset(normalize_inline(w) for w in ARAB_GIVEN_NAMES)
_LONG_VOWELS = frozenset("اوي")


def _vowel_variant(word: str, known: str) -> bool:
    """Is ``word`` the name ``known`` with one long vowel more or less (بيترا and بترا, اوليفير
    and اوليفر)? First and last letters stay, so a nisba (عفيفي, عفيف) is another name, and
    a vowel is only added or dropped, never changed (بيكر and باكر are two names). Arabic
    given names are spelled one way and their vowels tell names apart (عامر and عمر)."""
    if abs(len(word) - len(known)) != 1 or min(len(word), len(known)) < 4:
        return False
    short, long = (word, known) if len(word) < len(known) else (known, word)
    if short[0] != long[0] or short[-1] != long[-1] or len(_skeleton(short[1:])) < 2:
        return False
    i = next((k for k in range(len(short)) if short[k] != long[k]), len(short))
    return (long[i] in _LONG_VOWELS and short[i:] == long[i + 1:]
            and word not in _ARAB_GIVEN and known not in _ARAB_GIVEN
            and not (word in GIVEN_NORMS and known in GIVEN_NORMS))


def _bare(word: str, e: Entity) -> bool:
    """Is ``word`` one of ``e``'s spellings with no clitic? A clitic ("وميسي", "لعباس") puts
    a word between it and the name before it."""
    return word in _own_names(e).bare


def _someone_elses_surname(before: Sequence[str], e: Entity) -> bool:
    """Is the word before a one-word spelling of ``e`` a given name that is not ``e``'s own?

    ``before`` ends with that word and holds up to two words before it, where a name with
    a middle name or a patronymic starts ("جمال بن أحمد خاشقجي"). The entity's own names
    are compared without their vowels and by their start, since outlets spell them several
    ways (ميشال and ميشيل Bachelet, نيكولا and نيكولاس Sarkozy).
    """
    last = before[-1]
    if last[:1] in CONJUNCTIONS and last[1:] in _NAME_OPENERS:
        last = last[1:]
    if last not in _NAME_OPENERS:
        return False
    own = _own_names(e)
    if last in own.words:
        return False  # his own particle or given name, as written ("دي ماريا")
    for word in (*before[:-1], last):
        k = _skeleton(word)
        if len(k) >= 2 and any(k.startswith(o) or o.startswith(k) for o in own.skeletons):
            return False
    return True


def _within_lines(tokens: Tokens, raw: list[Hit]) -> list[Hit]:
    """The hits that do not run over a line break: the tokens see none, but a name does not
    go on from a title into the body, nor from one paragraph into the next."""
    text = tokens.text
    if "\n" not in text:
        return raw
    spans = tokens.spans
    return [h for h in raw if h[0] == h[1] or "\n" not in text[spans[h[0]][1]:spans[h[1]][0]]]


@cache
def _first_word(term: str) -> str:
    return norm_alias(term).split(" ", 1)[0]


def _after_conjunction(word: str, term: str) -> bool:
    """Does ``word``, a mention's first token, carry "و" or "ف" before the spelling ``term``
    opens with? The conjunction joins the name to the sentence and is left out of the
    mention ("وروسيا" names "روسيا"), as the corpus labels print it; a preposition stays
    ("للأمم المتحدة")."""
    return word[:1] in CONJUNCTIONS and word[1:] == _first_word(term)


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
                               for w in ("جامعة", "كأس", "أبطال", "أمم", "جائزة",
                                         "منتخب", "نادي", "فريق"))
_NAME_AFTER_PLACE = frozenset(normalize_inline(w) for w in ("المفتوحة", "المفتوح"))
_CTX_OK = frozenset(normalize_inline(w) for w in ("الدولي", "الأممي", "الدولية"))


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
