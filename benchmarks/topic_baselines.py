"""The topic tagger against what a team would use instead, on every labelled set.

- **keywords**: a spreadsheet of each topic's obvious words, found anywhere in the
  normalized title and body (as a substring, so clitics and plurals count), once or at least
  three times;
- **terms only**: the taxonomy's own terms counted where their context conditions hold, with
  no threshold, spread, negative terms or yields: what the rules add over the vocabulary;
- **learned**: a logistic regression over word and bigram TF-IDF of the normalized text,
  fitted on the ANT labels. On ANT it is cross-validated (eight folds, a labelled set never
  split across folds); on the other sets it is fitted on all of ANT. It shows how far the
  labels themselves can be learned from their words, with no rule written; given the
  rules' own figures as well (score, decision, hits, title, share of sentences, first hit),
  how far a model fitted to the labels gets past the rules' decision.

Run: .venv/bin/python -m benchmarks.topic_baselines [--json OUT]. scikit-learn comes with
camel-tools; it is imported only here.
"""

from __future__ import annotations

import argparse
import bisect
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from pipeline.evaluate import predict, read_articles, read_gold, score
from pipeline.normalize import iter_sentences, tokenize
from pipeline.taxonomy import load_taxonomy
from pipeline.topics import Tagger

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"
TOPICS = ("korean_peninsula", "ukraine_war", "sanctions")

# What an analyst would type into a keyword sheet: names and the plain words of each subject.
KEYWORDS = {
    "korean_peninsula": ["كوريا الشمالية", "بيونغ يانغ", "بيونغيانغ", "كيم جونغ أون",
                         "كيم جونج أون", "الكوري الشمالي", "الكورية الشمالية",
                         "الكوريتين", "كوريا الجنوبية", "سيول"],
    "ukraine_war": ["أوكرانيا", "أوكراني", "كييف", "زيلينسكي", "دونباس", "القرم",
                    "الغزو الروسي", "العملية العسكرية الخاصة", "خيرسون", "باخموت"],
    "sanctions": ["عقوبات", "العقوبات", "حظر", "تجميد أصول", "تجميد الأصول",
                  "القائمة السوداء", "سقف سعر", "سويفت"],
}


def labelled_sets() -> list[tuple[str, dict[str, set[str]], dict[str, dict[str, Any]]]]:
    """Every labelled set with its texts: ANT labels (first and three readers'), the
    development set, the probes."""
    sets = []
    ant_gold = read_gold(REPO / "tests/data/topics/ant_labels.jsonl")
    ant_articles = read_articles(CORPUS / "ant-v2.1.jsonl.gz", set(ant_gold))
    sets.append(("ANT labels", ant_gold, ant_articles))
    # The same articles under the three readers' labels (the majority where two differ).
    sets.append(("ANT, three readers' labels",
                 read_gold(REPO / "tests/data/topics/ant_adjudicated.jsonl"), ant_articles))
    dev_gold = read_gold(CORPUS / "dev/labels.jsonl")
    sets.append(("development set", dev_gold,
                 read_articles(CORPUS / "dev/articles.jsonl", set(dev_gold))))
    probes = REPO / "tests/data/topics/probe_2022.jsonl"
    probe_gold = read_gold(probes)
    sets.append(("written 2022-2026 probes", probe_gold, read_articles(probes, set(probe_gold))))
    return sets


def text_of(article: dict[str, Any]) -> str:
    return f"{article.get('title') or ''}\n{article.get('text') or article.get('body') or ''}"


def keyword_baseline(articles: dict[str, dict[str, Any]], at_least: int
                     ) -> dict[str, set[str]]:
    """Topics whose keywords occur ``at_least`` times in the normalized title and body."""
    sheet = {t: [tokenize(k).joined.strip() for k in words] for t, words in KEYWORDS.items()}
    out: dict[str, set[str]] = {}
    for aid, article in articles.items():
        joined = tokenize(text_of(article)).joined
        out[aid] = {t for t, words in sheet.items()
                    if sum(joined.count(w) for w in words) >= at_least}
    return out


def terms_baseline(tagger: Tagger, articles: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """Topics with any positive term of the taxonomy, before any rule decides."""
    out: dict[str, set[str]] = {}
    for aid, article in articles.items():
        results = tagger.tag(article.get("title") or "",
                             article.get("text") or article.get("body") or "", explain=True)
        out[aid] = {r.topic.lstrip("-") for r in results
                    if any(e.weight > 0 for e in r.evidence)}
    return out


def rule_figures(tagger: Tagger, articles: dict[str, dict[str, Any]]
                 ) -> dict[str, list[float]]:
    """What the rules saw in each article, per topic: score, decision, counted hits, a hit in
    the title, the share of body sentences with hits and where the first one stands."""
    out: dict[str, list[float]] = {}
    for aid, article in articles.items():
        body = article.get("text") or article.get("body") or ""
        starts = [start for start, _ in iter_sentences(body)] or [0]
        by_topic = {r.topic.lstrip("-"): r for r in tagger.tag(
            article.get("title") or "", body, explain=True)}
        row: list[float] = []
        for topic in tagger.topics:
            r = by_topic.get(topic.id)
            hits = [e for e in r.evidence if e.weight > 0] if r else []
            in_body = [e.start for e in hits if e.field != "title"]
            sentences = {bisect.bisect_right(starts, p) for p in in_body}
            row += [r.score if r else 0.0, float(bool(r) and not r.topic.startswith("-")),
                    float(len(hits)), float(any(e.field == "title" for e in hits)),
                    len(sentences) / len(starts),
                    min(in_body) / max(1, len(body)) if in_body else 1.0]
        out[aid] = row
    return out


Fit = Callable[[list[str], list[list[float]] | None, list[int]],
               Callable[[list[str], list[list[float]] | None], list[int]]]


def _model() -> Fit:
    import numpy as np
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    def fit(docs: list[str], extra: list[list[float]] | None, labels: list[int]
            ) -> Callable[[list[str], list[list[float]] | None], list[int]]:
        if len(set(labels)) < 2:  # nothing to tell apart: the one label seen, everywhere
            return lambda new, _extra: [labels[0] if labels else 0] * len(new)
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        matrix = vectorizer.fit_transform(docs)
        mean = std = None
        if extra is not None:  # scaled like the TF-IDF columns, from the training rows only
            values = np.array(extra)
            mean, std = values.mean(0), values.std(0) + 1e-6
            matrix = hstack([matrix, csr_matrix((values - mean) / std)]).tocsr()
        model = LogisticRegression(max_iter=5000, C=3.0, class_weight="balanced")
        model.fit(matrix, labels)

        def predict(new: list[str], new_extra: list[list[float]] | None) -> list[int]:
            m = vectorizer.transform(new)
            if new_extra is not None and mean is not None and std is not None:
                m = hstack([m, csr_matrix((np.array(new_extra) - mean) / std)]).tocsr()
            return [int(p) for p in model.predict(m)]
        return predict
    return fit


def folds_by_split(split_of: dict[str, str], folds: int) -> dict[str, int]:
    """The fold of each id: a labelled set stays whole in one fold, so the model is never
    scored on a set it was fitted on part of (its articles share a draw and a reader)."""
    names = sorted(set(split_of.values()))
    fold_of = {name: i % folds for i, name in enumerate(names)}
    return {aid: fold_of[name] for aid, name in split_of.items()}


Labelled = tuple[dict[str, set[str]], dict[str, dict[str, Any]]]


def learned(train: Labelled, test: Labelled | None, folds: int = 8,
            figures: dict[str, list[float]] | None = None) -> dict[str, set[str]]:
    """One classifier per topic on normalized TF-IDF (and, given ``figures``, the rules'
    figures too): cross-validated on ``train`` when ``test`` is None (folds by labelled
    split), else fitted on ``train`` and applied to ``test``."""
    fit = _model()
    gold, articles = train
    ids = sorted(gold)
    docs = {aid: tokenize(text_of(articles[aid])).joined for aid in ids}

    def rows(which: list[str]) -> list[list[float]] | None:
        return [figures[a] for a in which] if figures is not None else None

    out: dict[str, set[str]] = {}
    if test is not None:
        test_ids = sorted(test[0])
        test_docs = [tokenize(text_of(test[1][aid])).joined for aid in test_ids]
        for topic in TOPICS:
            predict = fit([docs[a] for a in ids], rows(ids),
                          [int(topic in gold[a]) for a in ids])
            for aid, p in zip(test_ids, predict(test_docs, rows(test_ids)), strict=True):
                if p:
                    out.setdefault(aid, set()).add(topic)
        return out
    fold = folds_by_split({aid: str(articles[aid].get("_split", "")) for aid in ids}, folds)
    for k in range(folds):
        held = [a for a in ids if fold[a] == k]
        kept = [a for a in ids if fold[a] != k]
        if not held:
            continue
        for topic in TOPICS:
            predict = fit([docs[a] for a in kept], rows(kept),
                          [int(topic in gold[a]) for a in kept])
            for aid, p in zip(held, predict([docs[a] for a in held], rows(held)),
                              strict=True):
                if p:
                    out.setdefault(aid, set()).add(topic)
    return out


# The sets measured once, before any rule was tuned on them (README, "Evaluating").
CLEAN_ANT = {f"heldout{n}" for n in [*range(4, 23), *range(24, 28)]}
CLEAN_PROBES = {f"probe{n}" for n in range(6, 30)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write every figure here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    tagger = Tagger(load_taxonomy())
    sets = labelled_sets()
    ant_gold, ant_articles = sets[0][1], sets[0][2]
    split_of = {str(r["id"]): str(r.get("split", "")) for r in
                read_articles(REPO / "tests/data/topics/ant_labels.jsonl").values()}
    for aid, article in ant_articles.items():
        article["_split"] = split_of[aid]
    ant_figures = rule_figures(tagger, ant_articles)
    probe_split = {aid: str(a.get("split", "")) for aid, a in sets[-1][2].items()}
    figures: dict[str, Any] = {"taxonomy_version": tagger.version, "sets": {}}
    console = Console(width=130)
    for name, gold, articles in sets:
        # On ANT the model is cross-validated on the labels scored; elsewhere it is fitted on
        # the first ANT labels.
        on_ant = articles is ant_articles
        train = (gold, ant_articles) if on_ant else (ant_gold, ant_articles)
        methods = {
            "keywords, once": keyword_baseline(articles, 1),
            "keywords, 3 times": keyword_baseline(articles, 3),
            "terms only": terms_baseline(tagger, articles),
            "learned (ANT labels)": learned(train, None if on_ant else (gold, articles)),
            "learned, words and the rules' figures": learned(
                train, None if on_ant else (gold, articles),
                figures=ant_figures if on_ant
                else {**ant_figures, **rule_figures(tagger, articles)}),
            "rules today (tuned on these sets)": predict(tagger, articles),
        }
        views = [(name, gold)]
        if gold is ant_gold:
            views.append((f"{name}, the clean keyword-pool sets heldout4-22 and 24-27",
                          {a: g for a, g in gold.items() if split_of[a] in CLEAN_ANT}))
        elif name.startswith("written"):
            views.append((f"{name}, the clean sets probe6-probe29",
                          {a: g for a, g in gold.items() if probe_split[a] in CLEAN_PROBES}))
        for title, view in views:
            figures["sets"][title] = show(console, title, view, methods, tagger.version)
    if args.json:
        args.json.write_text(json.dumps(figures, ensure_ascii=False, indent=1))


def show(console: Console, title: str, gold: dict[str, set[str]],
         methods: dict[str, dict[str, set[str]]], version: str) -> dict[str, Any]:
    """Print one table of F1 (precision / recall) per method and topic; return the counts."""
    table = Table(title=f"{title}: {len(gold)} articles, taxonomy {version}")
    table.add_column("method")
    for topic in TOPICS:
        table.add_column(f"{topic} F1 (P / R)", justify="right")
    out: dict[str, Any] = {}
    for method, predicted in methods.items():
        report = score(gold, predicted, TOPICS)
        table.add_row(method, *(f"{s.f1:.3f} ({s.precision:.2f} / {s.recall:.2f})"
                                for s in report.topics))
        out[method] = {s.topic: {"tp": s.tp, "fp": s.fp, "fn": s.fn, "f1": round(s.f1, 4)}
                       for s in report.topics}
    console.print(table)
    return out


if __name__ == "__main__":
    main()
