"""Draw a random sample of predicted entity links for a precision review by hand.

Tags title and body of every ANT article, pools every mention linked to an entity id, and
prints a seeded uniform sample of them as JSON lines with their context (the linked span
in [[ ]]), ready for a reviewer to add a ``verdict``. The reviews kept so far are in
``tests/data/entities/precision_review.jsonl``.

Run: .venv/bin/python benchmarks/sample_entity_links.py --seed 9090 --size 220 > sample.jsonl
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.entities import EntityTagger  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "ant-v2.1.jsonl.gz"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--size", type=int, default=220)
    args = ap.parse_args()
    tagger = EntityTagger()
    pool = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for line in fh:
            a = json.loads(line)
            fields = {"title": a["title"] or "", "body": a["text"] or ""}
            for m in tagger.tag_fields(fields):
                if m.entity_id:
                    pool.append((a["id"], fields[m.field], m))
    print(f"{len(pool)} linked mentions", file=sys.stderr)
    for n, k in enumerate(random.Random(args.seed).sample(range(len(pool)), args.size)):
        aid, text, m = pool[k]
        context = (text[max(0, m.start - 70):m.start] + "[[" + m.text + "]]"
                   + text[m.end:m.end + 70]).replace("\n", " ")
        print(json.dumps({"n": n, "article": aid, "field": m.field, "start": m.start,
                          "end": m.end, "surface": m.text, "entity_id": m.entity_id,
                          "canonical": m.canonical, "method": m.method,
                          "confidence": m.confidence, "context": context},
                         ensure_ascii=False))


if __name__ == "__main__":
    main()
