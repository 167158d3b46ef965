"""Measure topic tags against hand labels: precision, recall and F1, with the misses by id.

Gold labels are ``{id, topics}`` lines (extra fields such as ``split`` and ``reason`` are
kept for filtering); articles are ``{id, title, text}`` lines, plain or gzipped, so the
labelled ids can be read straight out of the shared corpus file.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.topics import Tagger

CORE_TOPICS = ("korean_peninsula", "ukraine_war", "sanctions")


@dataclass(slots=True)
class TopicScore:
    """Counts and rates for one topic (or the micro-average)."""

    topic: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    fp_ids: list[str] = field(default_factory=list)
    fn_ids: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"topic": self.topic, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "support": self.tp + self.fn, "precision": round(self.precision, 4),
                "recall": round(self.recall, 4), "f1": round(self.f1, 4),
                "false_positives": self.fp_ids, "false_negatives": self.fn_ids}


@dataclass(slots=True)
class Report:
    """Per-topic scores, their micro-average, and how many articles were judged."""

    articles: int
    topics: list[TopicScore]
    micro: TopicScore

    def by_topic(self) -> dict[str, TopicScore]:
        return {t.topic: t for t in self.topics}

    def as_dict(self) -> dict[str, Any]:
        return {"articles": self.articles, "topics": [t.as_dict() for t in self.topics],
                "micro": self.micro.as_dict()}


def score(gold: dict[str, set[str]], predicted: dict[str, set[str]],
          topics: Iterable[str] | None = None) -> Report:
    """Compare predicted topic sets with gold ones over the gold ids."""
    names = list(topics) if topics is not None else sorted(set().union(*gold.values()))
    per = {t: TopicScore(t) for t in names}
    micro = TopicScore("micro")
    for aid in sorted(gold):
        want, got = gold[aid], predicted.get(aid, set())
        for t in names:
            s = per[t]
            if t in want and t in got:
                s.tp += 1
            elif t in got:
                s.fp += 1
                s.fp_ids.append(aid)
            elif t in want:
                s.fn += 1
                s.fn_ids.append(aid)
    for s in per.values():
        micro.tp += s.tp
        micro.fp += s.fp
        micro.fn += s.fn
    return Report(len(gold), list(per.values()), micro)


def read_jsonl(path: Path | str) -> Iterator[dict[str, Any]]:
    """JSON objects from a ``.jsonl`` or ``.jsonl.gz`` file."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{n}: not JSON: {exc}") from exc


def read_gold(path: Path | str, split: str | None = None) -> dict[str, set[str]]:
    """Gold topics by id, optionally only the lines whose ``split`` matches."""
    gold: dict[str, set[str]] = {}
    for rec in read_jsonl(path):
        if split and rec.get("split", split) != split:
            continue
        gold[str(rec["id"])] = set(rec.get("topics") or ())
    return gold


def read_articles(path: Path | str, ids: set[str] | None = None) -> dict[str, dict[str, Any]]:
    """Articles by id (``text`` or ``body`` for the body), only ``ids`` when given."""
    out: dict[str, dict[str, Any]] = {}
    for rec in read_jsonl(path):
        aid = str(rec.get("id"))
        if ids is None or aid in ids:
            out[aid] = rec
    return out


def predict(tagger: Tagger, articles: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """Topic ids the tagger gives to each article."""
    return {aid: {t.topic for t in tagger.tag(a.get("title") or "",
                                               a.get("text") or a.get("body") or "")}
            for aid, a in articles.items()}


def evaluate(tagger: Tagger, gold: dict[str, set[str]], articles: dict[str, dict[str, Any]],
             topics: Iterable[str] | None = None) -> Report:
    """Tag the gold articles and score them; a gold id without its article is an error."""
    missing = sorted(set(gold) - set(articles))
    if missing:
        raise ValueError(f"{len(missing)} labelled ids have no article, e.g. {missing[:3]}")
    if topics is None:
        labelled = set().union(*gold.values()) if gold else set()
        topics = [t.id for t in tagger.topics if t.id in labelled] or list(CORE_TOPICS)
    return score(gold, predict(tagger, {k: articles[k] for k in gold}), topics)


def render(report: Report, title: str = "Topic evaluation") -> Any:
    """A rich table of the report (imported lazily: only the CLI draws tables)."""
    from rich.table import Table

    table = Table(title=f"{title} ({report.articles} articles)")
    for col in ("topic", "support", "TP", "FP", "FN", "precision", "recall", "F1"):
        table.add_column(col, justify="left" if col == "topic" else "right")
    for s in [*report.topics, report.micro]:
        table.add_row(s.topic, str(s.tp + s.fn), str(s.tp), str(s.fp), str(s.fn),
                      f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}",
                      style="bold" if s is report.micro else None)
    return table


def misses(report: Report) -> list[str]:
    """Lines listing false positives and false negatives by id, per topic."""
    lines = []
    for s in report.topics:
        if s.fp_ids:
            lines.append(f"{s.topic} false positives: {', '.join(s.fp_ids)}")
        if s.fn_ids:
            lines.append(f"{s.topic} false negatives: {', '.join(s.fn_ids)}")
    return lines
