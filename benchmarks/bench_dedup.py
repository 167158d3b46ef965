"""Near-duplicate detection throughput and growth (a benchmark script, not a test).

Prints articles per second (CPU seconds of this one process, i.e. one core) for copy
detection over the 31k-article ANT corpus, then time and peak memory of the same in-memory
path over 10k, 100k and 1M synthesized articles, each size in a fresh process. Synthesized
articles are corpus articles rewritten from a vocabulary of the corpus (distinct stories) or,
one in ten, lightly edited copies of one (trimmed, diacritics): texts are made on the fly and
dropped once hashed, as the CLI streams a file.

With ``--db`` it also runs the nightly path (``pipeline.dedup_db``) over the corpus in a
throwaway PostgreSQL: the corpus split in two "nights", then a rerun that must change nothing.

Run: .venv/bin/python benchmarks/bench_dedup.py [--sizes 10000,100000,1000000] [--skip-corpus]
     [--db]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.dedup import (  # noqa: E402
    DedupConfig,
    InputArticle,
    dedup_records,
    parse_published,
    token_table,
)

CORPUS = ROOT.parent / "shared" / "corpus" / "ant-v2.1.jsonl.gz"
HARAKAT = np.array(list("\u064e\u064f\u0650\u0651\u0652"))


def load_corpus(limit: int | None = None) -> list[InputArticle]:
    out = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            out.append(InputArticle(r["id"], r["title"] or "", r["text"] or "",
                                    parse_published(r["published"])))
            if limit and len(out) >= limit:
                break
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def current_rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def synthesize(base: list[InputArticle], n: int, seed: int = 7) -> Iterator[InputArticle]:
    """``n`` articles: the corpus, then rewritten (distinct) or lightly edited (copy) ones."""
    rng = np.random.default_rng(seed)
    vocab = np.array(sorted({w for a in base[:3000] for w in a.text.split()}))
    for i in range(n):
        src = base[i % len(base)]
        rnd = i // len(base)
        published = (src.published + timedelta(days=rnd)) if src.published else None
        if rnd == 0:
            yield InputArticle(f"s{i}", src.title, src.text, published)
            continue
        words = np.array(src.text.split(" "))
        if rng.random() < 0.1:  # a copy: last paragraph cut, some diacritics added
            text = src.text.rsplit("\n", 1)[0] if "\n" in src.text else src.text
            text = text.replace("ال", "ال" + str(HARAKAT[rnd % HARAKAT.size]), 3)
        else:  # another story: 40 % of the words replaced
            swap = rng.random(words.size) < 0.4
            words[swap] = vocab[rng.integers(0, vocab.size, int(swap.sum()))]
            text = " ".join(words.tolist())
        yield InputArticle(f"s{i}", src.title, text, published)


def corpus_throughput() -> None:
    articles = load_corpus()
    token_table()  # built once per process (about a second); not part of the per-article cost
    DedupConfig()
    wall, cpu = time.perf_counter(), time.process_time()
    kinds = Counter(r["kind"] for r in dedup_records(articles, expected=len(articles)))
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    print(f"ANT corpus: {len(articles):,} articles in {cpu:.1f} s CPU ({wall:.1f} s wall): "
          f"{len(articles) / cpu:,.0f} articles/s on one core; "
          f"unique {kinds['unique']:,}, exact {kinds['exact']:,}, near {kinds['near']:,}; "
          f"load average {os.getloadavg()[0]:.1f}")


def one_size(n: int) -> dict[str, float]:
    base = load_corpus()
    token_table()
    before = current_rss_mb()
    wall, cpu = time.perf_counter(), time.process_time()
    kinds = Counter(r["kind"] for r in dedup_records(synthesize(base, n), expected=n))
    cpu = time.process_time() - cpu
    wall = time.perf_counter() - wall
    return {"articles": n, "cpu_s": round(cpu, 1), "wall_s": round(wall, 1),
            "per_s": round(n / cpu), "rss_before_mb": round(before),
            "peak_rss_mb": round(peak_rss_mb()), "near": kinds["near"],
            "exact": kinds["exact"], "load": round(os.getloadavg()[0], 1)}


def nightly_path() -> None:
    """The Postgres-backed index over the corpus: two nights, then a rerun."""
    from benchmarks.pg import bench_server, fresh_database
    from pipeline.dedup_db import dedup_articles

    articles = load_corpus()
    token_table()
    with bench_server() as server:
        url = fresh_database(server, "bench_dedup")
        with psycopg.connect(url) as conn:
            with conn.cursor().copy(
                "COPY articles (canonical_url, url, outlet, title, body, title_norm, body_norm,"
                " content_hash, published_at, first_seen, last_seen) FROM STDIN"
            ) as copy:
                for a in articles:
                    when = a.published or datetime(2018, 1, 1, tzinfo=UTC)
                    copy.write_row((a.id, a.id, "ant", a.title, a.text, "", "", a.id, when,
                                    when, when))
            conn.commit()
            ids = [r[0] for r in conn.execute(
                "SELECT id FROM articles ORDER BY published_at, id")]
            half = len(ids) // 2
            for label, batch in (("night 1", ids[:half]), ("night 2", ids[half:]),
                                 ("rerun of both", ids)):
                wall, cpu = time.perf_counter(), time.process_time()
                stats = dedup_articles(conn, batch)
                conn.commit()
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                print(f"nightly path, {label}: {len(batch):,} articles in {wall:.1f} s wall "
                      f"({cpu:.1f} s CPU in this process, the rest in PostgreSQL): "
                      f"{len(batch) / wall:,.0f} articles/s; decided unique {stats.unique:,}, "
                      f"exact {stats.exact:,}, near {stats.near:,}, already done "
                      f"{stats.already_done:,}, stored candidates {stats.stored_candidates:,}",
                      flush=True)
            bands = conn.execute("SELECT pg_total_relation_size('dedup_bands')").fetchone()[0]
            print(f"dedup_bands with its indexes: {bands / 2**20:,.0f} MB for {len(ids):,} "
                  "articles", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--skip-corpus", action="store_true")
    ap.add_argument("--db", action="store_true", help="also time the Postgres-backed path")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process: one size
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one_size(args.one)))
        return
    if not args.skip_corpus:
        corpus_throughput()
    if args.db:
        nightly_path()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    for size in (int(s) for s in args.sizes.split(",") if s):
        out = subprocess.run([sys.executable, __file__, "--one", str(size)], env=env,
                             capture_output=True, text=True, check=True)
        f = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{f['articles']:>9,} synthesized: {f['cpu_s']:>7.1f} s CPU ({f['wall_s']:.1f} s "
              f"wall), {f['per_s']:,} articles/s; peak RSS {f['peak_rss_mb']:,} MB "
              f"({f['rss_before_mb']:,} MB before dedup: interpreter and the corpus the "
              f"articles are made from); near {f['near']:,}, exact {f['exact']:,}; "
              f"load average {f['load']}", flush=True)


if __name__ == "__main__":
    main()
