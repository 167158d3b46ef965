"""Re-measure every clean held-out topic set with the code and taxonomy of its time.

Each keyword-pool set in tests/data/topics/ant_labels.jsonl was measured once, before the
rules were tuned on it; this script checks those recorded figures out of git history (the
newest commit of each taxonomy version, code included) and scores the sets again, pooled,
on all articles and on the articles whose readers did not mark them borderline.
Run from a git clone: .venv/bin/python scripts/clean_topic_figures.py [--corpus PATH]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LABELS = REPO / "tests" / "data" / "topics" / "ant_labels.jsonl"
CORPUS = REPO.parent / "shared" / "corpus" / "ant-v2.1.jsonl.gz"
TOPICS = ("korean_peninsula", "sanctions")
# Each clean keyword-pool set and the taxonomy version it was measured with
# (docs/topics-history.md); `heldout23` is a sample of the tagger's own tags, not a pool.
CLEAN = {
    "heldout4": "2026.11.5", "heldout5": "2026.11.7", "heldout6": "2026.11.8",
    "heldout7": "2026.11.9", "heldout8": "2026.11.9", "heldout9": "2026.11.10",
    "heldout10": "2026.11.10", "heldout11": "2026.11.11", "heldout12": "2026.11.11",
    "heldout13": "2026.11.11", "heldout14": "2026.11.11", "heldout15": "2026.11.11",
    "heldout16": "2026.11.11", "heldout17": "2026.11.13", "heldout18": "2026.11.27",
    "heldout19": "2026.12.3", "heldout20": "2026.12.5", "heldout21": "2026.12.6",
    "heldout22": "2026.12.7", "heldout24": "2026.12.10", "heldout25": "2026.12.15",
    "heldout26": "2026.12.17", "heldout27": "2026.12.17",
}
# Run inside the checked-out tree of one version: prints {"split|topic|borderline": [tp, fp, fn]}.
_SCORE = """
import json, sys
from pipeline.evaluate import read_articles
from pipeline.taxonomy import load_taxonomy
from pipeline.topics import Tagger
labels, corpus = sys.argv[1], sys.argv[2]
splits, topics = set(sys.argv[3].split(",")), sys.argv[4].split(",")
gold = [g for g in map(json.loads, open(labels, encoding="utf-8")) if g["split"] in splits]
articles = read_articles(corpus, {g["id"] for g in gold})
tagger = Tagger(load_taxonomy("pipeline/data/taxonomy.yaml"))
out = {}
for g in gold:
    a = articles[g["id"]]
    given = {r.topic for r in tagger.tag(a.get("title") or "", a.get("text") or "")}
    for t in topics:
        key = "|".join((g["split"], t, str("borderline" in g.get("reason", "").lower())))
        c = out.setdefault(key, [0, 0, 0])
        if t in given:
            c[0 if t in g["topics"] else 1] += 1
        elif t in g["topics"]:
            c[2] += 1
print(json.dumps(out))
"""


def version_commits() -> dict[str, str]:
    """The newest commit of each taxonomy version."""
    commits = subprocess.run(
        ["git", "-C", str(REPO), "log", "--format=%H", "--", "pipeline/data/taxonomy.yaml"],
        check=True, capture_output=True, text=True).stdout.split()
    found: dict[str, str] = {}
    for commit in commits:
        text = subprocess.run(
            ["git", "-C", str(REPO), "show", f"{commit}:pipeline/data/taxonomy.yaml"],
            check=True, capture_output=True, text=True).stdout
        for line in text.splitlines():
            if line.startswith("version:"):
                found.setdefault(line.split(":", 1)[1].strip().strip("\"'"), commit)
                break
    return found


def score(version: str, commit: str, splits: list[str], corpus: Path) -> dict[str, list[int]]:
    """Counts per split, topic and borderline mark, with the tree of ``commit``."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", commit, "pipeline"],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        done = subprocess.run(
            [sys.executable, "-c", _SCORE, str(LABELS), str(corpus), ",".join(splits),
             ",".join(TOPICS)],
            cwd=tmp, env={"PYTHONPATH": tmp, "PATH": "/usr/bin:/bin"}, check=True,
            capture_output=True, text=True)
    print(f"{version}: {', '.join(splits)}", file=sys.stderr)
    return json.loads(done.stdout)


def f1(c: list[int]) -> str:
    tp, fp, fn = c
    return f"{2 * tp / (2 * tp + fp + fn):.3f}" if tp else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    args = parser.parse_args()
    commits = version_commits()
    by_version: dict[str, list[str]] = defaultdict(list)
    for split, version in CLEAN.items():
        by_version[version].append(split)
    pooled: dict[tuple[str, bool], list[int]] = defaultdict(lambda: [0, 0, 0])
    per_set: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for version, splits in by_version.items():
        for key, counts in score(version, commits[version], splits, args.corpus).items():
            split, topic, borderline = key.split("|")
            for i in range(3):
                per_set[(split, topic)][i] += counts[i]
                pooled[(topic, True)][i] += counts[i]
                if borderline == "False":
                    pooled[(topic, False)][i] += counts[i]
    print("set        taxonomy    " + "  ".join(f"{t:>26}" for t in TOPICS))
    for split, version in CLEAN.items():
        cells = [f"{f1(per_set[(split, t)])} {per_set[(split, t)]!s:>18}" for t in TOPICS]
        print(f"{split:<10} {version:<11} " + "  ".join(f"{c:>26}" for c in cells))
    for label, everything in (("pooled", True), ("not borderline", False)):
        cells = [f"{f1(pooled[(t, everything)])} {pooled[(t, everything)]!s:>18}"
                 for t in TOPICS]
        print(f"{label:<22} " + "  ".join(f"{c:>26}" for c in cells))
    print("(counts are [found, false positives, missed])")


if __name__ == "__main__":
    main()
