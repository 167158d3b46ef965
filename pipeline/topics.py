"""Tag articles with topics, each with a score and the evidence an analyst can read.

The taxonomy's terms are compiled once into one phrase matcher; an article is scanned once
(title and body), and each topic scores the hits that belong to it: weighted terms, context
conditions (``near``/``not_near`` groups within a token window), negative terms, title and
lead weighting, and a spread test so that one background sentence does not make a topic.
Evidence carries character offsets into the original title or body.
"""

from __future__ import annotations

import bisect
import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from pipeline.matcher import Hit, Kind, Matcher, Term
from pipeline.normalize import Tokens, iter_sentences, tokenize
from pipeline.taxonomy import Scoring, Taxonomy, Topic

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


@dataclass(slots=True)
class _Scored:
    """A topic's tally for one article, before the decision."""

    score: float = 0.0
    positive: list[tuple[str, Hit, float]] = field(default_factory=list)
    negative: list[tuple[str, Hit, float]] = field(default_factory=list)
    focused: bool = False  # a topical term (weight >= focus_weight) in the title or lead


_KINDS = {"word": Kind.WORD, "name": Kind.NAME, "exact": Kind.EXACT}


class Tagger:
    """A taxonomy compiled for tagging; build once (it is immutable), tag many articles."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.version = taxonomy.version
        self.topics: tuple[Topic, ...] = taxonomy.topics
        self.scoring: tuple[Scoring, ...] = tuple(taxonomy.scoring_for(t) for t in self.topics)
        self._entries: list[_Entry] = []
        terms: list[Term] = []

        def add(text: str, kind: str, entry: _Entry) -> None:
            terms.append(Term(text, len(self._entries), _KINDS[kind]))
            self._entries.append(entry)

        for ti, topic in enumerate(self.topics):
            window = self.scoring[ti].window
            used: set[str] = set(topic.required)
            for role, rules in ((TERM, topic.terms), (NEGATIVE, topic.negative)):
                for rule in rules:
                    used.update(rule.near)
                    used.update(rule.not_near)
                    add(rule.term, rule.kind, _Entry(ti, role, rule.term, rule.weight,
                                                     near=rule.near, not_near=rule.not_near,
                                                     window=rule.window or window))
            for name in sorted(used):
                for member in taxonomy.group(topic, name):
                    add(member.term, member.kind, _Entry(ti, GROUP, member.term, group=name))
        self._matcher = Matcher(terms)
        log.debug("taxonomy %s compiled: %d entries, %d patterns",
                  self.version, len(self._entries), self._matcher.size)

    # --- scanning -----------------------------------------------------------------------

    def _hits(self, tokens: Tokens) -> dict[int, list[tuple[Hit, _Entry]]]:
        """Hits per topic index, with the overlap rules applied within each topic."""
        per_topic: dict[int, list[tuple[Hit, _Entry]]] = {}
        entries = self._entries
        for hit in self._matcher.find(tokens, overlapping=True):
            entry = entries[hit.key]  # type: ignore[index]
            per_topic.setdefault(entry.topic, []).append((hit, entry))
        return {ti: _resolve(items) for ti, items in per_topic.items()}

    def tag(self, title: str, text: str, *, explain: bool = False) -> list[TopicResult]:
        """Topics given to one article (title and body as originally written)."""
        title_tokens = tokenize(title or "")
        body_tokens = tokenize(text or "")
        return self.tag_tokens(title_tokens, body_tokens, explain=explain)

    def tag_tokens(self, title: Tokens, body: Tokens, *,
                   explain: bool = False) -> list[TopicResult]:
        """Like :meth:`tag`, on tokens already built (shared with entity tagging)."""
        fields = {TITLE: self._hits(title), BODY: self._hits(body)}
        results: list[TopicResult] = []
        sentence_starts: list[int] | None = None
        for ti in sorted(set(fields[TITLE]) | set(fields[BODY])):
            scoring = self.scoring[ti]
            scored = _Scored()
            groups_seen: set[str] = set()
            for name, items in fields.items():
                if ti in items:
                    self._score_field(name, items[ti], scoring, scored, groups_seen)
            topic = self.topics[ti]
            passed = scored.score >= scoring.threshold and all(
                g in groups_seen for g in topic.required)
            if passed:
                if sentence_starts is None:
                    sentence_starts = [s for s, _ in iter_sentences(body.text)]
                passed = _spread_ok(scored, scoring, sentence_starts)
            if passed or explain:
                results.append(TopicResult(
                    topic.id if passed else f"-{topic.id}", round(scored.score, 2),
                    _evidence(scored)))
        return results

    def _score_field(self, name: str, items: list[tuple[Hit, _Entry]], scoring: Scoring,
                     scored: _Scored, groups_seen: set[str]) -> None:
        groups: dict[str, list[tuple[int, int]]] = {}
        for hit, entry in items:
            if entry.role == GROUP:
                groups.setdefault(entry.group, []).append((hit.first, hit.last))
                groups_seen.add(entry.group)
        repeats: dict[str, int] = {}
        counted: set[tuple[int, int, str]] = set()
        factor_title = scoring.title_weight
        for hit, entry in items:
            if entry.role == GROUP:
                continue
            # Spellings that meet after normalization (أوكرانيا, اوكرانيا) count once.
            span = (hit.first, hit.last, entry.role)
            if span in counted:
                continue
            if entry.near and not any(_near(hit, groups.get(g, ()), entry.window)
                                      for g in entry.near):
                continue
            if entry.not_near and any(_near(hit, groups.get(g, ()), entry.window)
                                      for g in entry.not_near):
                continue
            seen = repeats.get(entry.term, 0)
            if seen >= scoring.max_repeats:
                continue
            repeats[entry.term] = seen + 1
            counted.add(span)
            up_front = name == TITLE or hit.first < scoring.lead_tokens
            if name == TITLE:
                factor = factor_title
            elif up_front:
                factor = scoring.lead_weight
            else:
                factor = 1.0
            weight = entry.weight * factor
            if entry.role == TERM:
                scored.score += weight
                scored.positive.append((name, hit, weight))
                if up_front and entry.weight >= scoring.focus_weight:
                    scored.focused = True
            else:
                scored.score -= weight
                scored.negative.append((name, hit, -weight))

    # --- batch helpers ------------------------------------------------------------------

    def tag_records(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """``{id, title, text}`` records in, ``{id, topics, entities}`` records out."""
        for rec in records:
            topics = self.tag(rec.get("title") or "", rec.get("text") or rec.get("body") or "")
            yield {"id": rec.get("id"), "topics": [t.as_dict() for t in topics],
                   "entities": []}


def _resolve(items: list[tuple[Hit, _Entry]]) -> list[tuple[Hit, _Entry]]:
    """Apply the overlap rules of one topic's hits.

    A term or negative hit is dropped when a strictly longer term or negative hit overlaps
    it ("قانون العقوبات" hides its "عقوبات"); a group hit only when a longer negative does
    ("شاختار دونيتسك" is no Donetsk). Equal spans all stay.
    """
    if len(items) < 2:
        return items
    spans = [(h.first, h.last, e.role) for h, e in items]
    kept: list[tuple[Hit, _Entry]] = []
    for i, (hit, entry) in enumerate(items):
        a, b = hit.first, hit.last
        length = b - a
        hidden = False
        for j, (c, d, role) in enumerate(spans):
            if j == i or role == GROUP or d - c <= length or d < a or c > b:
                continue
            if entry.role != GROUP or role == NEGATIVE:
                hidden = True
                break
        if not hidden:
            kept.append((hit, entry))
    kept.sort(key=lambda he: (he[0].first, he[0].first - he[0].last, -he[1].weight))
    return kept


def _near(hit: Hit, spans: Sequence[tuple[int, int]], window: int) -> bool:
    """Whether any span (other than the hit's own) lies within ``window`` tokens of it."""
    for first, last in spans:
        if first == hit.first and last == hit.last:
            continue
        gap = first - hit.last if first > hit.last else hit.first - last
        if gap <= window:
            return True
    return False


def _spread_ok(scored: _Scored, scoring: Scoring, sentence_starts: list[int]) -> bool:
    """The evidence must not sit in one spot: enough sentences, or the title."""
    in_title = False
    sentences: set[int] = set()
    for name, hit, _w in scored.positive:
        if name == TITLE:
            in_title = True
        else:
            sentences.add(bisect.bisect_right(sentence_starts, hit.start))
    units = len(sentences) + (1 if in_title else 0)
    if units < scoring.min_sentences:
        return False
    if scoring.focus and not scored.focused:
        return False
    if in_title or not scoring.min_share:
        return True
    return len(sentences) / max(1, len(sentence_starts)) >= scoring.min_share


def _evidence(scored: _Scored) -> list[Evidence]:
    out = [Evidence(hit.term, hit.surface, name, hit.start, hit.end, round(weight, 2))
           for name, hit, weight in scored.positive + scored.negative]
    out.sort(key=lambda e: (e.field != TITLE, e.start))
    return out


# --- JSONL ------------------------------------------------------------------------------

def tag_jsonl(tagger: Tagger, lines: Iterable[str]) -> Iterator[str]:
    """Tag ``{id, title, text}`` JSON lines; yields output JSON lines (blank lines skipped)."""
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"line {n}: not JSON: {exc}") from exc
        if not isinstance(rec, dict):
            raise ValueError(f"line {n}: expected a JSON object")
        out = next(tagger.tag_records([rec]))
        yield json.dumps(out, ensure_ascii=False)
