"""Topic-tagging throughput over the ANT corpus (a benchmark script, not a test).

Prints articles per second on one core for the whole corpus (one run), for articles of
about 4,000 characters and for articles of about 4 KB of UTF-8 (best of --repeat runs),
after compiling the taxonomy once; then the time one huge body of repeated topic words takes.
Run: .venv/bin/python benchmarks/bench_topics.py [--corpus PATH] [--limit N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import time
from pathlib import Path

from pipeline.normalize import tokenize
from pipeline.taxonomy import load_taxonomy
from pipeline.topics import Tagger

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "ant-v2.1.jsonl.gz"


def load(path: Path, limit: int | None) -> list[tuple[str, str]]:
    out = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            out.append((rec.get("title") or "", rec.get("text") or ""))
            if limit and len(out) >= limit:
                break
    return out


def run(tagger: Tagger, articles: list[tuple[str, str]]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds of this process, and how many articles got a topic.

    CPU time is what "one core" means on a shared machine, where wall time also counts
    the moments other processes held the core.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    tagged = 0
    for title, text in articles:
        if tagger.tag(title, text):
            tagged += 1
    return time.perf_counter() - wall, time.process_time() - cpu, tagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=5,
                        help="Runs per set; the fastest is reported, as timeit does, since "
                             "other processes only ever slow a run down")
    args = parser.parse_args()

    articles = load(args.corpus, args.limit)
    tokenize("")  # lookup tables are built once per process; not part of tagging
    tokenize("x")
    t0 = time.perf_counter()
    tagger = Tagger(load_taxonomy())
    compile_s = time.perf_counter() - t0
    print(f"taxonomy {tagger.version}: {len(tagger.topics)} topics, compiled in {compile_s:.2f} s")

    # "4 KB" read both ways: about 4,000 characters, and about 4 KB of UTF-8 (Arabic letters
    # take two bytes, so those are about half as long).
    four_k_chars = [a for a in articles if 3500 <= len(a[0]) + len(a[1]) <= 4500]
    four_kb_utf8 = [a for a in articles
                    if 3584 <= len((a[0] + a[1]).encode("utf-8")) <= 4608]
    for name, batch in (("whole corpus", articles), ("~4,000-character articles", four_k_chars),
                        ("~4 KB UTF-8 articles", four_kb_utf8)):
        run(tagger, batch[:200])  # warm-up
        runs = [run(tagger, batch) for _ in range(max(1, args.repeat if len(batch) < 5000
                                                        else 1))]
        wall, cpu, tagged = min(runs, key=lambda r: r[1])
        chars = sum(len(t) + len(b) for t, b in batch) / max(1, len(batch))
        print(f"{name}: {len(batch)} articles (mean {chars:.0f} chars), {tagged} with a topic: "
              f"{len(batch) / cpu:.0f} articles per CPU-second ({cpu:.2f} s CPU), "
              f"{len(batch) / wall:.0f} articles/s wall ({wall:.2f} s)")
    # A hostile or broken page can be one huge run of topic words: the cost must grow with
    # its hits, not with their square, or one such body stalls the night.
    for repeats in (4_000, 16_000):
        body = "كوريا الشمالية عقوبات على بيونغ يانغ. " * repeats
        cpu = time.process_time()
        tagger.tag("عنوان", body)
        print(f"one body of {len(body.encode('utf-8')) // 1024} KB, a sentence of topic words "
              f"{repeats:,} times: {time.process_time() - cpu:.2f} s CPU")
    # Other processes on the machine slow even CPU time (shared caches, hyper-threads).
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
