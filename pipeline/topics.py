"""Tag articles with topics, each with a score and the evidence an analyst can read.

The taxonomy is compiled once into two phrase matchers, its terms and their context groups;
an article's title and body are scanned for terms, and for context only when some topic
could reach its threshold. Each topic scores the hits that belong to it: weighted terms,
context conditions (``near``/``not_near`` groups within a token window), negative terms,
title and lead weighting, and spread and focus tests so that one background sentence does
not make a topic. Evidence carries character offsets into the original title or body.
"""

from __future__ import annotations

import bisect
import json
import logging
import re
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

from pipeline.boilerplate import clean_line, strip_boilerplate
from pipeline.jsonl import iter_objects, require_id, require_text
from pipeline.matcher import Kind, Matcher, Term
from pipeline.normalize import Tokens, iter_sentences, tokenize
from pipeline.records import add_counts
from pipeline.taxonomy import Scoring, Taxonomy, Topic, load_taxonomy

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger(__name__)

TERM, NEGATIVE, GROUP = "term", "negative", "group"
TITLE, BODY = "title", "text"


@dataclass(frozen=True, slots=True)
class _Entry:
    """What one compiled term means for one topic."""

    topic: int
    role: str  # term | negative | group
    term: str
    weight: float = 0.0
    group: str = ""
    near: tuple[str, ...] = ()
    not_near: tuple[str, ...] = ()
    window: int = 10
    stands_for: tuple[str, ...] = ()  # required groups met where its conditions hold


@dataclass(frozen=True, slots=True)
class Evidence:
    """One counted hit: the term, the text as written, where it is, and what it added."""

    term: str
    surface: str
    field: str  # "title" or "text"
    start: int
    end: int
    weight: float

    def as_dict(self) -> dict[str, Any]:
        return {"term": self.term, "surface": self.surface, "field": self.field,
                "start": self.start, "end": self.end, "weight": self.weight}


@dataclass(slots=True)
class TopicResult:
    """A topic given to an article."""

    topic: str
    score: float
    evidence: list[Evidence] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"topic": self.topic, "score": self.score,
                "evidence": [e.as_dict() for e in self.evidence]}


class _Hit(NamedTuple):
    """A term found in a field, by token range; offsets are looked up only for evidence."""

    first: int
    last: int
    entry: _Entry


@dataclass(slots=True)
class _Scored:
    """A topic's tally for one article, before the decision."""

    score: float = 0.0
    positive: list[tuple[str, _Hit, float]] = field(default_factory=list)
    negative: list[tuple[str, _Hit, float]] = field(default_factory=list)
    focused: bool = False  # a topical term (weight >= focus_weight) in the title or lead
    front: float = 0.0  # summed base weight of the positive hits in the title and lead
    focus_hits: list[_Hit] = field(default_factory=list)  # the focus group's, in the body
    event_named: bool = False  # a hit of the focus event group in the body
    # Body sentences with positive evidence and whether the title has some, once computed:
    # the spread test and every yield test of the article ask for them.
    where: tuple[set[int], bool] | None = None


_KINDS = {"word": Kind.WORD, "name": Kind.NAME, "exact": Kind.EXACT}


class Tagger:
    """A taxonomy compiled for tagging; build once (it is immutable), tag many articles."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.version = taxonomy.version
        self.topics: tuple[Topic, ...] = taxonomy.topics
        self.scoring: tuple[Scoring, ...] = tuple(taxonomy.scoring_for(t) for t in self.topics)
        self._entries: list[_Entry] = []
        terms: list[Term] = []  # terms and negatives
        # Group members per topic, scanned only for the topics that may be given: most
        # articles that reach one topic's threshold need no other topic's context.
        context: list[list[Term]] = [[] for _ in self.topics]

        def add(text: str, kind: str, entry: _Entry) -> None:
            target = context[entry.topic] if entry.role == GROUP else terms
            target.append(Term(text, len(self._entries), _KINDS[kind]))
            self._entries.append(entry)

        for ti, topic in enumerate(self.topics):
            window = self.scoring[ti].window
            used: set[str] = set(topic.required)
            used.update(g for g in (self.scoring[ti].focus_group,
                                    self.scoring[ti].focus_event_group) if g)
            for role, rules in ((TERM, topic.terms), (NEGATIVE, topic.negative)):
                for rule in rules:
                    used.update(rule.near)
                    used.update(rule.not_near)
                    add(rule.term, rule.kind, _Entry(ti, role, rule.term, rule.weight,
                                                     near=rule.near, not_near=rule.not_near,
                                                     window=rule.window or window,
                                                     stands_for=rule.stands_for))
            for name in sorted(used):
                for member in taxonomy.group(topic, name):
                    add(member.term, member.kind, _Entry(ti, GROUP, member.term, group=name))
        index = {t.id: i for i, t in enumerate(self.topics)}
        self._yields: tuple[tuple[tuple[int, float, float], ...], ...] = tuple(
            tuple((index[y.topic], y.ratio, y.below_share) for y in t.yields_to)
            for t in self.topics)
        self._matcher = Matcher(terms)
        self._context = tuple(Matcher(members) for members in context)
        log.debug("taxonomy %s compiled: %d entries, %d + %d patterns", self.version,
                  len(self._entries), self._matcher.size,
                  sum(m.size for m in self._context))

    # --- scanning -----------------------------------------------------------------------

    def _hits(self, tokens: Tokens,
              in_title: bool) -> tuple[dict[int, list[_Hit]], dict[int, float]]:
        """Term and negative hits per topic index, and per topic the most its term hits
        could score: each weighed as scoring weighs it (title, lead), repeats capped."""
        per_topic: dict[int, list[_Hit]] = {}
        bound: dict[int, float] = {}
        seen: dict[tuple[int, str], int] = {}
        entries = self._entries
        scoring = self.scoring
        for first, last, key, _term in self._matcher.scan(tokens):
            entry = entries[key]  # type: ignore[index]
            ti = entry.topic
            if ti in per_topic:
                per_topic[ti].append(_Hit(first, last, entry))
            else:
                per_topic[ti] = [_Hit(first, last, entry)]
            if entry.role == TERM:
                rules = scoring[ti]
                n = seen.get((ti, entry.term), 0)
                if n >= rules.max_repeats:
                    continue
                seen[(ti, entry.term)] = n + 1
                bound[ti] = bound.get(ti, 0.0) + entry.weight * _factor(rules, in_title, first)
        return per_topic, bound

    def _add_context(self, tokens: Tokens, per_topic: dict[int, list[_Hit]],
                     topics: set[int]) -> None:
        """Add the group hits of ``topics`` (the conditions' context) to their hit lists."""
        entries = self._entries
        for ti in topics:
            hits = [_Hit(first, last, entries[key])  # type: ignore[index]
                    for first, last, key, _term in self._context[ti].scan(tokens)]
            if hits:
                per_topic.setdefault(ti, []).extend(hits)

    def tag(self, title: str, text: str, *, explain: bool = False) -> list[TopicResult]:
        """Topics given to one article (title and body as originally written)."""
        return self.tag_tokens(tokenize(title or ""), tokenize(text or ""),
                               explain=explain)

    def tag_tokens(self, title: Tokens, body: Tokens, *,
                   explain: bool = False) -> list[TopicResult]:
        """Like :meth:`tag`, on tokens already built (shared with entity tagging)."""
        title_hits, title_bound = self._hits(title, True)
        body_hits, body_bound = self._hits(body, False)
        # The most each topic's term hits could add up to: most topics on most texts stop
        # here, before the context groups are even looked for.
        candidates = set()
        for ti in set(title_bound) | set(body_bound):
            ceiling = title_bound.get(ti, 0.0) + body_bound.get(ti, 0.0)
            if ceiling >= self.scoring[ti].threshold or explain:
                candidates.add(ti)
        if not candidates:
            return []
        # A topic that may yield to another needs that other's score to decide.
        for ti in list(candidates):
            candidates.update(oi for oi, _, _ in self._yields[ti])
        self._add_context(title, title_hits, candidates)
        self._add_context(body, body_hits, candidates)
        furniture = furniture_spans(body.text)
        if furniture:
            _drop_furniture(body_hits, body, furniture)
        fields = {TITLE: title_hits, BODY: body_hits}
        tokens = {TITLE: title, BODY: body}
        sentence_starts: list[int] = []  # built once, for the first topic that needs it
        scores: dict[int, _Scored] = {}
        passed: dict[int, bool] = {}
        for ti in sorted(candidates):
            scoring = self.scoring[ti]
            scored = scores[ti] = _Scored()
            groups_seen: set[str] = set()
            for name, per_topic in fields.items():
                if ti in per_topic:
                    items = _resolve(per_topic[ti])
                    self._score_field(name, items, scoring, scored, groups_seen)
            ok = scored.score >= scoring.threshold and all(
                g in groups_seen for g in self.topics[ti].required)
            if ok:
                if not sentence_starts:
                    sentence_starts = _sentence_starts(body, furniture)
                ok = _spread_ok(scored, scoring, body, sentence_starts)
            passed[ti] = ok
        results: list[TopicResult] = []
        for ti in sorted(candidates):
            scored = scores[ti]
            ok = passed[ti] and not any(
                _background(scored, scores[oi], ratio, share, body, sentence_starts)
                for oi, ratio, share in self._yields[ti])
            if ok or explain:
                topic = self.topics[ti]
                results.append(TopicResult(
                    topic.id if ok else f"-{topic.id}", round(scored.score, 2),
                    _evidence(scored, tokens)))
        return results

    def _score_field(self, name: str, items: list[_Hit], scoring: Scoring,
                     scored: _Scored, groups_seen: set[str]) -> None:
        groups: dict[str, list[tuple[int, int]]] = {}
        for hit in items:
            entry = hit.entry
            if entry.role == GROUP:
                groups.setdefault(entry.group, []).append((hit.first, hit.last))
                groups_seen.add(entry.group)
                if name == BODY and entry.group == scoring.focus_group:
                    scored.focus_hits.append(hit)
                if name == BODY and entry.group == scoring.focus_event_group:
                    scored.event_named = True
        near = {group: _spans(spans) for group, spans in groups.items()}
        repeats: dict[str, int] = {}
        counted: set[tuple[int, int, str]] = set()
        for hit in items:
            entry = hit.entry
            if entry.role == GROUP:
                continue
            if entry.near and not any(_near(hit, near.get(g, _NO_SPANS), entry.window)
                                      for g in entry.near):
                continue
            if entry.not_near and any(_near(hit, near.get(g, _NO_SPANS), entry.window)
                                      for g in entry.not_near):
                continue
            # A required group is met by any entry whose conditions hold here, whichever of
            # the entries sharing this span is the one counted.
            if entry.role == TERM:
                groups_seen.update(entry.stands_for)
            # Spellings that meet after normalization (أوكرانيا, اوكرانيا) count once.
            span = (hit.first, hit.last, entry.role)
            if span in counted:
                continue
            seen = repeats.get(entry.term, 0)
            if seen >= scoring.max_repeats:
                continue
            repeats[entry.term] = seen + 1
            counted.add(span)
            up_front = name == TITLE or hit.first < scoring.lead_tokens
            weight = entry.weight * _factor(scoring, name == TITLE, hit.first)
            if entry.role == TERM:
                scored.score += weight
                scored.positive.append((name, hit, weight))
                if up_front:
                    scored.front += entry.weight
                    if entry.weight >= scoring.focus_weight:
                        scored.focused = True
            elif weight:  # a weight-0 negative only masked the terms inside it
                scored.score -= weight
                scored.negative.append((name, hit, -weight))

    # --- batch helpers ------------------------------------------------------------------

    def tag_records(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """``{id, title, text}`` records in, ``{id, topics, entities}`` records out.

        One gazetteer tags them all, even if its file is edited meanwhile."""
        entities = entity_tagger()
        for rec in records:
            topics = self.tag(rec.get("title") or "", rec.get("text") or rec.get("body") or "")
            yield {"id": rec.get("id"), "topics": [t.as_dict() for t in topics],
                   "entities": entities.tag_record(rec)}


def entity_tagger() -> Any:
    """The process's entity tagger (:func:`pipeline.entities.default_tagger`), for the
    ``entities`` of ``akhbar tag`` output."""
    from pipeline.entities import default_tagger

    return default_tagger()


# A related-story lead: a weekday dateline (", الأحد،", ", اليوم السبت،") in its first clause.
_LEAD_DATELINE = re.compile(
    r"(?:[،,]\s*(?:اليوم\s+|يوم\s+)?|\sاليوم\s+)"
    r"(?:ال)?(?:أحد|إثنين|اثنين|ثلاثاء|أربعاء|خميس|جمعة|سبت)\s*[،,]")
_LEAD_HEAD = 100  # characters of a paragraph searched for the dateline
_LEAD_RUN = 2  # closing leads needed before they count as a teaser block
# Sentence-closing marks; a long closing paragraph without one, on a page whose story
# paragraphs carry them, is a teaser cut off mid-word (CNN Arabic's "more stories" leads).
_CLOSERS = frozenset('.!?؟…»"”)\'')
_CUT_MIN = 80  # characters: shorter unpunctuated lines are credits and captions


def furniture_spans(text: str) -> list[tuple[int, int]]:
    """Character ranges of body paragraphs that are outlet furniture, not the story.

    Three kinds, none of them read as the story's news: the paragraphs the dedup
    boilerplate stripper removes whole ("read also" headers and the teaser headlines under
    them, app promotion, credit lines), a dateline standing on its own first line
    ("موسكو - القسم العربي:"), and a closing run of at least two related-story
    leads, paragraphs that open like a fresh wire story (no joining "و"/"ف", a weekday
    dateline in the first clause) after the story itself. Evidence there is another story's.
    """
    if not text:
        return []
    lines: list[tuple[int, int, str]] = []
    pos = 0
    for raw in text.split("\n"):
        cleaned = clean_line(raw)
        if cleaned:
            lines.append((pos, pos + len(raw), cleaned))
        pos += len(raw) + 1
    stripped = strip_boilerplate(text)
    spans: list[tuple[int, int]] = []
    if stripped.removed:
        removed = set(stripped.removed) - set(stripped.text.split("\n"))
        spans = [(start, end) for start, end, line in lines if line in removed]
    if lines and _is_dateline_line(lines[0][2]):
        spans.append(lines[0][:2])
    top = _teaser_block(lines)
    if top is not None:
        spans.extend((start, end) for start, end, _line in lines[top:])
    return sorted(set(spans))


# A dateline alone on the first line: a place, a dash, a desk or agency, a colon. It is no
# sentence of the story, so it neither counts as the lede nor dilutes a topic's share.
_DATELINE_LINE = re.compile(r'^[^.!?؟«»"]{1,60}?\s[-–—]\s*[^.!?؟«»"]{0,60}:\s*$')
_DATELINE_WORDS = 8


def _is_dateline_line(line: str) -> bool:
    return len(line.split()) <= _DATELINE_WORDS and bool(_DATELINE_LINE.match(line))


def _teaser_block(lines: list[tuple[int, int, str]]) -> int | None:
    """Where the closing run of related-story leads begins, if there is one.

    The run is the paragraphs after the story's last joined ("و"/"ف") paragraph. A lead
    carries a weekday dateline or, where the story's paragraphs end with a closing mark, is
    a long paragraph cut off without one. Not every teaser is either, so the run counts from
    the highest lead whose block to the end is at least half leads, two at least; the
    story's first paragraph never.
    """
    tail = len(lines)
    while tail > 1 and lines[tail - 1][2][0] not in "وف":
        tail -= 1
    punctuated = sum(line[-1] in _CLOSERS for _s, _e, line in lines[:tail])
    cut_off = 2 * punctuated > tail  # the story's own paragraphs end with a closing mark
    leads = [i for i in range(tail, len(lines))
             if _LEAD_DATELINE.search(lines[i][2][:_LEAD_HEAD])
             or (cut_off and len(lines[i][2]) >= _CUT_MIN and lines[i][2][-1] not in _CLOSERS)]
    for k, top in enumerate(leads):
        if top > 0 and len(leads) - k >= _LEAD_RUN and 2 * (len(leads) - k) >= len(lines) - top:
            return top
    return None


def _inside(pos: int, spans: Sequence[tuple[int, int]]) -> bool:
    """Whether character ``pos`` lies in one of the sorted, disjoint ``spans``."""
    i = bisect.bisect_right(spans, (pos, sys.maxsize)) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


def _drop_furniture(per_topic: dict[int, list[_Hit]], body: Tokens,
                    spans: Sequence[tuple[int, int]]) -> None:
    """Remove the body hits that start inside furniture paragraphs."""
    starts = body.spans
    for ti, items in per_topic.items():
        per_topic[ti] = [h for h in items if not _inside(starts[h.first][0], spans)]


def _resolve(items: list[_Hit]) -> list[_Hit]:
    """Apply the overlap rules of one topic's hits; returns them in reading order.

    A term or negative hit is dropped when a strictly longer term or negative hit overlaps
    it ("قانون العقوبات" hides its "عقوبات"); a group hit only when a longer negative does
    ("شاختار دونيتسك" is no Donetsk). Equal spans all stay.
    """
    items.sort(key=lambda h: (h.first, h.first - h.last, -h.entry.weight))
    longer = [h for h in items if h.last > h.first and h.entry.role != GROUP]
    if not longer:
        return items  # only one-word hits: nothing can hide anything
    # Only hits that start at most one term length before a hit can overlap it: look those
    # up by position, so a body of thousands of hits costs no more than their number.
    starts = [h.first for h in longer]
    reach = max(h.last - h.first for h in longer)
    kept = []
    for hit in items:
        length = hit.last - hit.first
        is_group = hit.entry.role == GROUP
        i = bisect.bisect_left(starts, hit.first - reach)
        end = bisect.bisect_right(starts, hit.last)
        for other in longer[i:end]:
            if (other.last - other.first > length and other.last >= hit.first
                    and (not is_group or other.entry.role == NEGATIVE)):
                break
        else:
            kept.append(hit)
    return kept


class _Spans(NamedTuple):
    """A group's hits in one field, by start, for looking up those near a position."""

    starts: list[int]
    spans: list[tuple[int, int]]
    reach: int  # the longest span, in tokens


def _spans(spans: list[tuple[int, int]]) -> _Spans:
    spans.sort()
    return _Spans([f for f, _ in spans], spans, max(last - first for first, last in spans))


_NO_SPANS = _Spans([], [], 0)


def _near(hit: _Hit, group: _Spans, window: int) -> bool:
    """Whether any span (other than the hit's own) lies within ``window`` tokens of it."""
    i = bisect.bisect_left(group.starts, hit.first - window - group.reach)
    end = bisect.bisect_right(group.starts, hit.last + window)
    for first, last in group.spans[i:end]:
        if first == hit.first and last == hit.last:
            continue
        gap = first - hit.last if first > hit.last else hit.first - last
        if gap <= window:
            return True
    return False


def _sentence_starts(body: Tokens, furniture: Sequence[tuple[int, int]]) -> list[int]:
    """Where the body's sentences begin, outlet furniture left out."""
    return [start for start, _ in iter_sentences(body.text) if not _inside(start, furniture)]


def _sentence_of(hit: _Hit, body: Tokens, sentence_starts: list[int]) -> int:
    """The number of the body sentence a hit starts in (0 before the first sentence)."""
    return bisect.bisect_right(sentence_starts, body.original_span(hit.first, hit.first)[0])


def _factor(scoring: Scoring, in_title: bool, first: int) -> float:
    """What a hit's weight is multiplied by where it stands: title, lead or the rest."""
    if in_title:
        return scoring.title_weight
    return scoring.lead_weight if first < scoring.lead_tokens else 1.0


def _sentences(scored: _Scored, body: Tokens,
               sentence_starts: list[int]) -> tuple[set[int], bool]:
    """The body sentences holding positive evidence, and whether the title holds some
    (worked out once per topic and article)."""
    if scored.where is None:
        in_title = False
        sentences: set[int] = set()
        for name, hit, _w in scored.positive:
            if name == TITLE:
                in_title = True
            else:
                sentences.add(_sentence_of(hit, body, sentence_starts))
        scored.where = (sentences, in_title)
    return scored.where


def _background(scored: _Scored, other: _Scored, ratio: float, share: float, body: Tokens,
                sentence_starts: list[int]) -> bool:
    """Whether a topic is background to ``other``: out of the title, outscored, and
    outnumbered ``ratio`` to one in body sentences, in less than ``share`` of the body."""
    if other.score <= scored.score:
        return False
    own, in_title = _sentences(scored, body, sentence_starts)
    if in_title or len(own) >= share * len(sentence_starts):
        return False
    theirs, _ = _sentences(other, body, sentence_starts)
    return len(theirs) >= ratio * len(own)


def _spread_ok(scored: _Scored, scoring: Scoring, body: Tokens,
               sentence_starts: list[int]) -> bool:
    """The evidence must not sit in one spot: enough sentences, or the title."""
    sentences, in_title = _sentences(scored, body, sentence_starts)
    units = len(sentences) + (1 if in_title else 0)
    if units < scoring.min_sentences and not _lede_news(scored, scoring, sentences, in_title):
        return False
    # A side thread is told in one passage; a subject comes back after other matter, or
    # fills so much of the body that the passage is the story.
    if (scoring.min_passages > 1
            and len(sentences) < scoring.passage_share * len(sentence_starts)
            and _passages(sentences) + (1 if in_title else 0) < scoring.min_passages
            and not (scoring.thread_sentences
                     and _longest_run(sentences) >= scoring.thread_sentences)):
        return False
    if scoring.focus and not (
            scored.focused
            or (scoring.focus_sum and scored.front >= scoring.focus_sum)
            or scored.event_named
            or _focus_group_ok(scored, scoring, body, sentence_starts)):
        return False
    # A title names the subject, but a title whose topic the body drops after one sentence
    # of many (a market report headlined on one of its drivers) is held to its own share.
    need = scoring.title_min_share if in_title else scoring.min_share
    if not need:
        return True
    return len(sentences) / max(1, len(sentence_starts)) >= need


def _lede_news(scored: _Scored, scoring: Scoring, sentences: set[int], in_title: bool) -> bool:
    """Whether the one sentence holding the evidence is the lede and states it strongly: the
    news of a brief, told once (the share rule still keeps it out of long stories)."""
    return bool(scoring.lede_front and not in_title and len(sentences) == 1
                and max(sentences) <= 1 and scored.front >= scoring.lede_front)


_SHARE_MIN_SENTENCES = 3  # a share of a short body is too few sentences to be a subject


def _focus_group_ok(scored: _Scored, scoring: Scoring, body: Tokens,
                    sentence_starts: list[int]) -> bool:
    """Whether the subject's own vocabulary (its focus group) fills enough body sentences:
    a story that keeps naming the front's towns and leaders is about the war, whatever its
    lead is about."""
    if not scoring.focus_group or not scored.focus_hits:
        return False
    sentences = {_sentence_of(h, body, sentence_starts) for h in scored.focus_hits}
    if len(sentences) >= scoring.focus_group_sentences:
        return True
    return bool(scoring.focus_group_share and len(sentences) >= _SHARE_MIN_SENTENCES
                and len(sentences) >= scoring.focus_group_share * len(sentence_starts))


def _passages(sentences: set[int]) -> int:
    """Runs of adjacent sentences among ``sentences`` (numbered from 1, the lede).

    A side thread is told in one passage, a subject comes back after other matter. The lede
    states the story, so it is a passage of its own even when the next sentence goes on.
    """
    runs = 0
    previous = -1
    for n in sorted({max(n, 1) for n in sentences}):
        if n != previous + 1 or previous == 1:
            runs += 1
        previous = n
    return runs


def _longest_run(sentences: set[int]) -> int:
    """The most adjacent sentences among ``sentences``: four in a row are a thread, not an
    aside."""
    longest = run = 0
    previous = -1
    for n in sorted(sentences):
        run = run + 1 if n == previous + 1 else 1
        longest = max(longest, run)
        previous = n
    return longest


def _evidence(scored: _Scored, tokens: dict[str, Tokens]) -> list[Evidence]:
    out = []
    for name, hit, weight in scored.positive + scored.negative:
        field_tokens = tokens[name]
        start, end = field_tokens.original_span(hit.first, hit.last)
        out.append(Evidence(hit.entry.term, field_tokens.text[start:end], name, start, end,
                            round(weight, 2)))
    out.sort(key=lambda e: (e.field != TITLE, e.start))
    return out


# --- JSONL ------------------------------------------------------------------------------

def tag_jsonl(tagger: Tagger, lines: Iterable[str | bytes]) -> Iterator[str]:
    """Tag ``{id, title, text}`` JSON lines; yields output JSON lines (blank lines skipped).

    A line without an ``id`` or without words is refused, naming the line: its output row
    could not be joined back to an article, or would claim an article was read.
    """
    for number, rec in iter_objects(lines):
        require_id(rec, number)
        require_text(rec, number)
        out = next(tagger.tag_records([rec]))
        yield json.dumps(out, ensure_ascii=False)


# --- PostgreSQL ---------------------------------------------------------------------------

@dataclass(slots=True)
class TagStats:
    """What a tagging pass did."""

    taxonomy_version: str
    articles: int = 0
    tagged: int = 0
    tags: int = 0
    missing: int = 0
    by_topic: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def add(self, other: TagStats) -> None:
        """Count another batch's figures into these (a re-tag runs in batches)."""
        add_counts(self, other)

    def as_dict(self) -> dict[str, Any]:
        return {"taxonomy_version": self.taxonomy_version, "articles": self.articles,
                "tagged": self.tagged, "tags": self.tags, "missing": self.missing,
                "by_topic": dict(sorted(self.by_topic.items())),
                "seconds": round(self.seconds, 2)}


def _tagger(taxonomy: Taxonomy | Tagger) -> Tagger:
    return taxonomy if isinstance(taxonomy, Tagger) else Tagger(taxonomy)


def sync_topics(conn: psycopg.Connection, taxonomy: Taxonomy | Tagger) -> int:
    """Upsert the taxonomy's topics into ``topics``; ones the file dropped become inactive.

    Runs in the caller's transaction (the caller commits). Returns the number of topics.
    """
    tax = taxonomy.taxonomy if isinstance(taxonomy, Tagger) else taxonomy
    rows = [(t.id, t.label_ar, t.label_en, " ".join(t.description.split()), tax.version)
            for t in tax.topics]
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO topics (id, label_ar, label_en, description, taxonomy_version) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET "
            "label_ar = EXCLUDED.label_ar, label_en = EXCLUDED.label_en, "
            "description = EXCLUDED.description, taxonomy_version = EXCLUDED.taxonomy_version, "
            "active = true, updated_at = now()", rows)
        cur.execute("UPDATE topics SET active = false, updated_at = now() "
                    "WHERE active AND NOT (id = ANY(%s))", ([r[0] for r in rows],))
    return len(rows)


def tag_articles(conn: psycopg.Connection, article_ids: Iterable[int],
                 taxonomy: Taxonomy | Tagger) -> TagStats:
    """Tag stored articles and replace their tags for this taxonomy version, atomically.

    Reads title and body (the summary when there is no body) of each id, and in one
    transaction (a savepoint inside the caller's) deletes the articles' rows of this
    version and writes the new ones. Ids that are not in ``articles`` are counted as
    missing. Pass a :class:`Tagger` to reuse a compiled taxonomy across calls.
    """
    started = time.monotonic()
    tagger = _tagger(taxonomy)
    version = tagger.version
    ids = sorted(set(article_ids))
    stats = TagStats(version)
    if not ids:
        return stats
    with conn.transaction():
        sync_topics(conn, tagger)
        # The text tagged is the body, or the summary when there is no body: only that one
        # travels, with a flag saying which it is.
        found = conn.execute(
            "SELECT id, title, CASE WHEN body <> '' THEN body ELSE summary END, "
            "coalesce(body, '') = '' FROM articles WHERE id = ANY(%s)", (ids,)
        ).fetchall()
        rows = []
        for article_id, title, text, from_summary in found:
            results = tagger.tag(title or "", text or "")
            for r in results:
                evidence = [e.as_dict() for e in r.evidence]
                if from_summary:
                    for e in evidence:  # the offsets point into the summary
                        if e["field"] == BODY:
                            e["field"] = "summary"
                rows.append((article_id, r.topic, r.score,
                             json.dumps(evidence, ensure_ascii=False)))
                stats.by_topic[r.topic] = stats.by_topic.get(r.topic, 0) + 1
            stats.tagged += bool(results)
        done = [r[0] for r in found]
        counts: dict[int, int] = {}
        for row in rows:
            counts[row[0]] = counts.get(row[0], 0) + 1
        # One statement each, whatever the number of articles: arrays in, rows out.
        conn.execute("DELETE FROM article_topics WHERE article_id = ANY(%s) "
                     "AND taxonomy_version = %s", (done, version))
        if rows:
            conn.execute(
                "INSERT INTO article_topics "
                "(article_id, topic_id, taxonomy_version, score, evidence) "
                "SELECT a, t, %s, s, e::jsonb FROM unnest(%s::bigint[], %s::text[], "
                "%s::float8[], %s::text[]) AS r(a, t, s, e)",
                (version, [r[0] for r in rows], [r[1] for r in rows],
                 [float(r[2]) for r in rows], [r[3] for r in rows]))
        conn.execute(
            "INSERT INTO article_topic_runs (article_id, taxonomy_version, topics) "
            "SELECT a, %s, n FROM unnest(%s::bigint[], %s::integer[]) AS r(a, n) "
            "ON CONFLICT (article_id, taxonomy_version) DO UPDATE "
            "SET topics = EXCLUDED.topics, tagged_at = now()",
            (version, done, [counts.get(aid, 0) for aid in done]))
    stats.articles = len(found)
    stats.missing = len(ids) - len(found)
    stats.tags = len(rows)
    stats.seconds = time.monotonic() - started
    return stats


def day_window(first: str | None, last: str | None,
               names: tuple[str, str] = ("start", "end")) -> tuple[datetime | None,
                                                                  datetime | None]:
    """Inclusive UTC days ``[first, last]`` (YYYY-MM-DD) as the half-open range
    ``[first 00:00, the day after last 00:00)`` that
    :func:`pipeline.store.article_ids_between` takes.

    A day that is no calendar day (or whose next day is past it), or a ``last`` before
    ``first``, is a :class:`ValueError` naming it by ``names``: an empty range would re-tag
    nothing and look like success.
    """
    def midnight(value: str, name: str, days_after: int) -> datetime:
        try:
            return datetime.combine(date.fromisoformat(value) + timedelta(days=days_after),
                                    datetime.min.time(), UTC)
        except (ValueError, OverflowError) as exc:  # OverflowError: 9999-12-31 has no next day
            raise ValueError(f"{name} {value}: {exc}") from exc

    start = midnight(first, names[0], 0) if first else None
    end = midnight(last, names[1], 1) if last else None
    if start and end and end <= start:
        raise ValueError(f"{names[1]} {last} is before {names[0]} {first}")
    return start, end


def retag(url: str, *, start: datetime | None = None, end: datetime | None = None,
          taxonomy_version: str | None = None, batch_size: int = 1000,
          taxonomy: Taxonomy | None = None) -> dict[str, Any]:
    """Re-tag stored articles in a date range with the current taxonomy, batch by batch.

    Each batch is committed on its own, so an interrupted re-tag keeps what it finished and
    a rerun redoes the rest with the same result. ``taxonomy_version``, when given, must be
    the version of the taxonomy file: tags always record the version that made them.
    """
    from pipeline import store

    tagger = Tagger(taxonomy or load_taxonomy())
    if taxonomy_version and taxonomy_version != tagger.version:
        raise ValueError(f"the taxonomy file is version {tagger.version!r}; refusing to write "
                         f"tags as {taxonomy_version!r}")
    stats = TagStats(tagger.version)
    with store.connect(url) as conn:
        ids = store.article_ids_between(conn, start, end)
        conn.commit()
        for i in range(0, len(ids), batch_size):
            stats.add(tag_articles(conn, ids[i:i + batch_size], tagger))
            conn.commit()
            log.info("re-tagged %d of %d articles", min(i + batch_size, len(ids)), len(ids))
    return stats.as_dict()
