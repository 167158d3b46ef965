"""Measure topic tags against hand labels: precision, recall and F1, with the misses by id.

Gold labels are ``{id, topics}`` lines (extra fields such as ``split`` and ``reason`` are
kept for filtering); articles are ``{id, title, text}`` lines, plain or gzipped, so the
labelled ids can be read straight out of the shared corpus file.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline import datafile
from pipeline.jsonl import iter_file, read_file
from pipeline.settings import PACKAGE_DATA
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
    def measured(self) -> bool:
        """Whether there was anything to find or anything found: else the rates mean nothing.

        The rates below then read 1.0 (nothing to find, nothing found); reports show "n/a".
        """
        return bool(self.tp + self.fp + self.fn)

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

    def rates(self) -> tuple[float, float, float] | None:
        """Precision, recall and F1, or None when nothing was measured."""
        return (self.precision, self.recall, self.f1) if self.measured else None

    def as_dict(self) -> dict[str, Any]:
        rates = self.rates()
        p, r, f1 = (round(x, 4) for x in rates) if rates else (None, None, None)
        return {"topic": self.topic, "tp": self.tp, "fp": self.fp, "fn": self.fn,
                "support": self.tp + self.fn, "precision": p, "recall": r, "f1": f1,
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
    # A topic named twice is scored once (dict keys keep the order given).
    names = (list(dict.fromkeys(topics)) if topics is not None
             else sorted(set().union(*gold.values())))
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


def read_gold(path: Path | str, split: str | None = None,
              known: Collection[str] | None = None) -> dict[str, set[str]]:
    """Gold topics by id, optionally only the lines whose ``split`` matches.

    With ``known`` (the taxonomy's topic ids), a label outside it is an error naming its
    line: dropped silently, it would turn a typo into a perfect score. So is an id given
    twice in the file, in any split: one line would replace the other's labels, and the
    text read for both would be the last one's.
    """
    gold: dict[str, set[str]] = {}
    allowed = set(known) if known is not None else None
    lines: dict[str, int] = {}
    for number, rec in iter_file(path):
        if rec.get("id") is None:
            if split and rec.get("split") != split:
                continue
            raise ValueError(f"{path}:{number}: an object with an 'id' is required")
        _first_time(lines, str(rec["id"]), path, number)
        if split and rec.get("split") != split:  # a line without a split is in no split
            continue
        labels = rec.get("topics") or []
        if not isinstance(labels, list) or not all(isinstance(t, str) for t in labels):
            raise ValueError(f"{path}:{number}: 'topics' must be a list of topic ids")
        unknown = sorted(set(labels) - allowed) if allowed is not None else []
        if unknown:
            raise ValueError(f"{path}:{number}: not a topic of the taxonomy: "
                             f"{', '.join(unknown)} (its topics: {', '.join(known or ())})")
        gold[str(rec["id"])] = set(labels)
    return gold


def _first_time(lines: dict[str, int], aid: str, path: Path | str, number: int) -> None:
    """Record that ``aid`` is on line ``number``; an id seen on an earlier line is an error."""
    if aid in lines:
        raise ValueError(f"{path}:{number}: id {aid!r} is already on line {lines[aid]}")
    lines[aid] = number


def splits(path: Path | str) -> list[str]:
    """The splits a gold file's lines name, for telling what ``--split`` may be."""
    return sorted({str(rec["split"]) for rec in read_file(path) if rec.get("split")})


def read_articles(path: Path | str, ids: set[str] | None = None) -> dict[str, dict[str, Any]]:
    """Articles by id (``text`` or ``body`` for the body), only ``ids`` when given.

    An id read twice is an error naming both lines: which text was scored would be a guess.
    """
    out: dict[str, dict[str, Any]] = {}
    lines: dict[str, int] = {}
    for number, rec in iter_file(path):
        aid = str(rec.get("id"))
        if ids is None or aid in ids:
            _first_time(lines, aid, path, number)
            out[aid] = rec
    return out


def predict(tagger: Tagger, articles: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """Topic ids the tagger gives to each article."""
    return {aid: {t.topic for t in tagger.tag(a.get("title") or "",
                                               a.get("text") or a.get("body") or "")}
            for aid, a in articles.items()}


def evaluate(tagger: Tagger, gold: dict[str, set[str]], articles: dict[str, dict[str, Any]],
             topics: Iterable[str] | None = None) -> Report:
    """Tag the gold articles and score them.

    Nothing to measure is an error rather than a perfect score: no gold article, a gold
    label or a requested topic the taxonomy does not have, a gold id without its article.
    """
    if not gold:
        raise ValueError("no labelled article to evaluate")
    topics = list(topics) if topics is not None else None  # read twice below
    if topics == []:
        raise ValueError("no topic to evaluate")
    known = [t.id for t in tagger.topics]
    for what, names in (("gold labels", set().union(*gold.values())),
                        ("requested topics", set(topics or ()))):
        unknown = sorted(names - set(known))
        if unknown:
            raise ValueError(f"{what} not in taxonomy {tagger.version}: {', '.join(unknown)} "
                             f"(its topics: {', '.join(known)})")
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
        rates = s.rates()
        shown = [f"{x:.3f}" for x in rates] if rates else ["n/a"] * 3
        table.add_row(s.topic, str(s.tp + s.fn), str(s.tp), str(s.fp), str(s.fn), *shown,
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


# --- entities -------------------------------------------------------------------------------
# Entity labels are ``{id, entities: [{text, type, canonical}]}``. Per article, as sets: a gold
# entity is found when a linked prediction of its type carries its canonical English name, or
# an unlinked prediction of its type has its surface form once both are normalized.

# The labels name some entities differently from the gazetteer, whose English names are the
# names news writes: ``pipeline/data/label_aliases.yaml`` maps a label's form to the
# gazetteer's name (a label set written with Wikipedia titles: "Washington, D.C." ->
# "Washington"). Names that differ only in accents, case or dash style ("Erdogan"/"Erdoğan")
# match without an entry.
LABEL_ALIASES_PATH = PACKAGE_DATA / "label_aliases.yaml"
LABEL_ALIASES_VERSION = 1  # the file format read here (top-level ``version``)
_STR_TAG = "tag:yaml.org,2002:str"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class LabelAliasError(ValueError):
    """A label alias file that cannot be used; the message says where and why."""


def load_label_aliases(path: Path | str | None = None) -> dict[str, str]:
    """Label form -> gazetteer English name, read and validated from ``path`` (default: the
    packaged ``label_aliases.yaml``)."""
    file = Path(path) if path is not None else LABEL_ALIASES_PATH
    text = datafile.read_text(file, datafile.failing(LabelAliasError, file))
    return parse_label_aliases(text, str(file))


def parse_label_aliases(text: str, source: str = "<label aliases>") -> dict[str, str]:
    """Validate label alias YAML text; raise :class:`LabelAliasError` naming the line.

    Each label form is text, written once; each target is text and not itself a label form
    (one look-up is made, so a chain would stop half-way).
    """
    fail = datafile.failing(LabelAliasError, source)
    root = datafile.compose(text, fail)
    if not isinstance(root, yaml.MappingNode):
        raise fail(datafile.line_of(root) if root is not None else None,
                   "expected a mapping with 'version' and 'aliases'")
    top = datafile.keys(root, datafile.failing(LabelAliasError, source, "top level"),
                        ("version", "aliases"))
    datafile.check_version(top, root, LABEL_ALIASES_VERSION, fail)
    node = top.get("aliases")
    if not isinstance(node, yaml.MappingNode) or not node.value:
        raise fail(datafile.line_of(node if node is not None else root),
                   "expected a top-level 'aliases' mapping of at least one "
                   "'label form: gazetteer name' entry")
    aliases: dict[str, str] = {}
    lines: dict[str, int] = {}
    for key_node, value_node in node.value:
        line = datafile.line_of(key_node)
        if key_node.tag == _MERGE_TAG:
            raise fail(line, "aliases: a merge key (<<) is not read in this file; write the "
                             "entries out")
        label = _alias_name(key_node, "a label form", fail)
        if label in aliases:
            raise fail(line, f"aliases: label {label!r} given twice (first at line "
                             f"{lines[label]})")
        aliases[label] = _alias_name(value_node, f"the name for {label!r}", fail)
        lines[label] = line
    for label, target in aliases.items():
        if target in aliases and target != label:
            raise fail(lines[label], f"aliases: {label!r} maps to {target!r}, itself a label "
                                     f"form (line {lines[target]}); map it to "
                                     f"{aliases[target]!r}")
    return aliases


def _alias_name(node: yaml.Node, what: str, fail: datafile.Fail) -> str:
    """A label form or gazetteer name: text, not empty, without spaces around it."""
    if not isinstance(node, yaml.ScalarNode):
        raise fail(datafile.line_of(node), f"aliases: {what} must be text, not a list or "
                                           "mapping")
    if node.tag != _STR_TAG:
        # 1984, yes, null read as a number, a boolean, nothing: never a label's name.
        shown = repr(node.value) if node.value else "nothing"
        raise fail(datafile.line_of(node), f"aliases: {what} must be text, got {shown} "
                                           "(quote it if it is meant as text)")
    if not node.value.strip() or node.value != node.value.strip():
        raise fail(datafile.line_of(node), f"aliases: {what} must be text without spaces "
                                           f"around it, got {node.value!r}")
    return node.value


def fold_name(name: str, aliases: Mapping[str, str] | None = None) -> str:
    """An English name compared without accents, case, dashes or hyphens: "Choe Son-hui"
    and "Choe Son Hui" are one romanization written two ways. With ``aliases`` (see
    :func:`load_label_aliases`), a label form listed there is first replaced by its
    gazetteer name."""
    import unicodedata

    if aliases:
        name = aliases.get(name, name)
    name = unicodedata.normalize("NFKD", re.sub(r"[-–—]", " ", name))
    return " ".join("".join(c for c in name if not unicodedata.combining(c)).casefold().split())


def fold_surface(text: str) -> str:
    """A surface form compared after normalization (hashtag underscores are spaces)."""
    from pipeline.normalize import normalize_inline

    return normalize_inline(text.replace("_", " "))


@dataclass(slots=True)
class EntityScore:
    """Entity counts for one type (or all): recall over gold, precision over predictions."""

    type: str
    gold: int = 0
    found: int = 0
    predicted: int = 0
    correct: int = 0
    missed: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.gold if self.gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"type": self.type, "gold": self.gold, "found": self.found,
                "predicted": self.predicted, "correct": self.correct,
                "precision": round(self.precision, 4), "recall": round(self.recall, 4),
                "f1": round(self.f1, 4), "missed": self.missed}


def _entity_key(e: dict[str, Any], aliases: Mapping[str, str]) -> tuple[str, str, str]:
    if e.get("id") or (e.get("canonical") and "id" not in e):
        return (e["type"], "name", fold_name(e["canonical"], aliases))
    return (e["type"], "surface", fold_surface(e["text"]))


def score_entities(gold: dict[str, list[dict[str, Any]]],
                   predicted: dict[str, list[dict[str, Any]]],
                   aliases: Mapping[str, str] | None = None) -> dict[str, EntityScore]:
    """Per-type and overall (``all``) entity scores over the gold ids; English names are
    compared through ``aliases`` (default: the packaged :func:`load_label_aliases`)."""
    aliases = load_label_aliases() if aliases is None else aliases
    scores = {t: EntityScore(t) for t in ("PER", "ORG", "LOC", "all")}
    for aid in sorted(gold):
        preds = {_entity_key(p, aliases) for p in predicted.get(aid, [])}
        names = {k for k in preds if k[1] == "name"}
        surfaces = {k for k in preds if k[1] == "surface"}
        gold_keys: set[tuple[str, str, str]] = set()
        for g in gold[aid]:
            key = (g["type"], fold_name(g["canonical"], aliases), fold_surface(g["text"]))
            if key[:2] in {k[:2] for k in gold_keys}:
                continue  # the same entity labelled twice (two spellings)
            gold_keys.add(key)
            hit = (g["type"], "name", key[1]) in names or \
                (g["type"], "surface", key[2]) in surfaces
            for t in (g["type"], "all"):
                scores[t].gold += 1
                scores[t].found += hit
                if not hit:
                    scores[t].missed.append(f"{aid}: {g['text']} ({g['canonical']})")
        for p in preds:
            ok = any(p[0] == g[0] and p[2] == (g[1] if p[1] == "name" else g[2])
                     for g in gold_keys)
            for t in (p[0], "all"):
                scores[t].predicted += 1
                scores[t].correct += ok
    return scores


def read_entity_gold(path: Path | str, split: str | None = None
                     ) -> dict[str, list[dict[str, Any]]]:
    """Gold entities by id, optionally only the lines whose ``split`` matches (an id given
    twice in the file is an error, as in :func:`read_gold`)."""
    gold: dict[str, list[dict[str, Any]]] = {}
    lines: dict[str, int] = {}
    for number, rec in iter_file(path):
        _first_time(lines, str(rec.get("id")), path, number)
        if not split or rec.get("split") == split:
            gold[str(rec.get("id"))] = list(rec.get("entities") or [])
    return gold


def evaluate_entities(gold: dict[str, list[dict[str, Any]]],
                      articles: dict[str, dict[str, Any]],
                      tagger: Any = None,
                      aliases: Mapping[str, str] | None = None) -> dict[str, EntityScore]:
    """Tag the gold articles with the entity tagger and score them per type (``aliases``:
    as in :func:`score_entities`)."""
    from pipeline.entities import default_tagger

    missing = sorted(set(gold) - set(articles))
    if missing:
        raise ValueError(f"{len(missing)} labelled ids have no article, e.g. {missing[:3]}")
    aliases = load_label_aliases() if aliases is None else aliases  # before the slow tagger
    tagger = tagger or default_tagger()
    predicted = {aid: tagger.tag_record({"title": articles[aid].get("title"),
                                         "text": articles[aid].get("text")
                                         or articles[aid].get("body")})
                 for aid in gold}
    return score_entities(gold, predicted, aliases)


def render_entities(scores: dict[str, EntityScore], title: str = "Entity evaluation") -> Any:
    """A rich table of entity scores per type."""
    from rich.table import Table

    table = Table(title=title)
    for col in ("type", "gold", "found", "predicted", "correct", "precision", "recall", "F1"):
        table.add_column(col, justify="left" if col == "type" else "right")
    for s in scores.values():
        table.add_row(s.type, str(s.gold), str(s.found), str(s.predicted), str(s.correct),
                      f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}",
                      style="bold" if s.type == "all" else None)
    return table
