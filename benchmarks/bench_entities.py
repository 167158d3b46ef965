"""Entity tagging throughput over the 31k-article ANT corpus (a benchmark script, not a test).

Tags title and body of every article with the gazetteer path (no CAMeL NER) and prints
articles per second in CPU seconds of this one process (one core), wall seconds, mentions
per article and the share that are linked. The corpus is read into memory first, so only
tagging is timed; the gazetteer compile time is printed apart.

Run: .venv/bin/python benchmarks/bench_entities.py [--limit N] [--repeat 2] [--gazetteer-only]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.entities import EntityTagger  # noqa: E402
from pipeline.gazetteer import load_gazetteer  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "ant-v2.1.jsonl.gz"


def load(limit: int | None) -> list[tuple[str, str]]:
    out = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            out.append((r["title"] or "", r["text"] or ""))
            if limit and len(out) >= limit:
                break
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="only the first N articles")
    ap.add_argument("--repeat", type=int, default=2, help="passes; the best is reported")
    ap.add_argument("--gazetteer-only", action="store_true",
                    help="links only, without the unknown-name rules")
    args = ap.parse_args()
    articles = load(args.limit)
    chars = sum(len(t) + len(b) for t, b in articles)
    t0 = time.process_time()
    tagger = EntityTagger(load_gazetteer(), patterns=not args.gazetteer_only)
    print(f"gazetteer: {len(tagger.entities)} entities compiled in "
          f"{time.process_time() - t0:.2f} CPU s")
    best = None
    for _ in range(args.repeat):
        methods: Counter[str] = Counter()
        linked = total = 0
        wall, cpu = time.perf_counter(), time.process_time()
        for title, body in articles:
            for m in tagger.tag_fields({"title": title, "body": body}):
                methods[m.method] += 1
                total += 1
                linked += m.entity_id is not None
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if best is None or cpu < best[0]:
            best = (cpu, wall, total, linked, methods)
    assert best is not None
    cpu, wall, total, linked, methods = best
    n = len(articles)
    print(f"articles: {n} ({chars / 1e6:.1f} M characters)")
    print(f"entity tagging: {n / cpu:,.0f} articles/s on one core "
          f"({cpu:.1f} CPU s, {wall:.1f} wall s, {chars / cpu / 1e6:.2f} M chars/s)")
    print(f"mentions: {total} ({total / n:.1f} per article), linked {linked / total:.1%}; "
          f"by method: {dict(methods)}")


if __name__ == "__main__":
    main()
