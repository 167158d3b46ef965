"""The topic baselines count what they say they count (the figures are a benchmark's)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # benchmarks/ sits beside the package, not inside it
    sys.path.insert(0, str(REPO))

from benchmarks.topic_baselines import (  # noqa: E402
    folds_by_split,
    keyword_baseline,
    learned,
)


def test_keywords_count_clitic_forms_up_to_the_threshold() -> None:
    articles = {
        "a": {"title": "بالعقوبات", "text": "فرضت واشنطن عقوبات جديدة، ولعقوبات أوروبا أثر."},
        "b": {"title": "مباراة", "text": "فاز الفريق في كييف."},
    }
    once = keyword_baseline(articles, 1)
    assert once["a"] == {"sanctions"}
    assert once["b"] == {"ukraine_war"}
    thrice = keyword_baseline(articles, 3)
    assert thrice["a"] == {"sanctions"}  # بالعقوبات, عقوبات, لعقوبات
    assert thrice["b"] == set()


def test_a_labelled_set_stays_in_one_fold() -> None:
    split_of = {f"{s}-{i}": s for s in ("h1", "h2", "h3", "h4", "h5") for i in range(3)}
    fold = folds_by_split(split_of, 2)
    for s in ("h1", "h2", "h3", "h4", "h5"):
        assert len({fold[f"{s}-{i}"] for i in range(3)}) == 1
    assert set(fold.values()) == {0, 1}


def test_the_learned_baseline_learns_a_separable_label_across_folds() -> None:
    gold: dict[str, set[str]] = {}
    articles: dict[str, dict[str, str]] = {}
    for n in range(24):
        aid = f"x{n}"
        positive = n % 2 == 0
        articles[aid] = {
            "title": "", "_split": f"set{n % 4}",
            "text": ("جمدت الخزانة أصول المصرف وفرضت عقوبات مالية" if positive
                     else "فاز النادي بالمباراة وتأهل إلى النهائي"),
        }
        gold[aid] = {"sanctions"} if positive else set()
    predicted = learned((gold, articles), None, folds=4)
    for aid, want in gold.items():
        assert ("sanctions" in predicted.get(aid, set())) == bool(want), aid
