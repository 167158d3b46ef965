"""A night in the shape the Airflow DAG runs it, on every core: wall time end to end.

The stage table (:mod:`benchmarks.stages`) times each stage in one process, one after the
other. A night does not run that way: `fetch_feeds` is a mapped task with one shard per
worker slot, then `find_near_duplicates` and `index_for_search` (one task each) and the
mapped `tag_topics` and `tag_entities` share the worker slots. This module runs those two phases
with the night's own functions and one process per worker slot, and reports the wall time
of each phase, of each task, and the sum:

1. **fetch shards**: each worker parses its share of the feed documents (feedparser),
   extracts the articles and loads them (COPY and upsert) on its own connection. The feed
   XML is written to files before the clock starts: it stands in for the network.
2. **near duplicates, search index and tagging**: ``night.near_duplicates`` over the
   run's articles, queued first as the DAG's priority weight queues it, then
   ``night.index_search``, then ``night.tag_entities`` and ``night.tag_topics``, each mapped
   over one shard of the run's articles per worker
   (``AKHBAR_TAG_SHARDS``), reading the articles and writing their rows, as the DAG's
   mapped tasks do.

Run as a child process by :mod:`benchmarks.__main__`:
``python -m benchmarks.night --size 31k --url postgresql://... --out figures.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import psycopg

from benchmarks.corpus import SyntheticCorpus, batched, load_ant, parse_size, rss_feed
from benchmarks.stages import FEED_ITEMS, FEEDS, bench_feeds, peak_rss_mb, rate
from pipeline import extract, feeds, night, store
from pipeline.records import Article, FetchResult
from pipeline.settings import Settings

log = logging.getLogger(__name__)


def write_feeds(size: int, folder: Path) -> tuple[int, list[tuple[int, Path]]]:
    """The corpus as feed documents on disk: (articles, [(feed number, path)])."""
    docs: list[tuple[int, Path]] = []
    n = 0
    for feed_no, records in enumerate(batched(SyntheticCorpus(load_ant(), size), FEED_ITEMS)):
        n += len(records)
        path = folder / f"{feed_no:06d}.xml"
        path.write_bytes(rss_feed(records, f"bench-{feed_no % FEEDS:04d}"))
        docs.append((feed_no % FEEDS, path))
    return n, docs


def fetch_shard(url: str, run_id: int, docs: list[tuple[int, str]]) -> dict[str, int]:
    """One mapped fetch task, minus the network: parse, extract and load its feeds."""
    settings = Settings()
    specs = bench_feeds()
    now = datetime.now(UTC)
    counts: Counter[str] = Counter()
    problems: Counter[str] = Counter()
    with psycopg.connect(url, autocommit=True) as conn:
        run = store.get_run(conn, run_id)
        pending: list[Article] = []

        def flush() -> None:
            stats = store.load_articles(conn, run, pending)
            counts.update(new=stats.new, updated=stats.updated, duplicate=stats.duplicate)
            pending.clear()

        for feed_no, path in docs:
            spec = specs[feed_no]
            result = FetchResult(spec.id, spec.url, "ok", 200, body=Path(path).read_bytes(),
                                 headers={"content-type": "application/rss+xml; charset=utf-8"})
            parsed = feeds.parse_feed(spec, result)
            for entry in parsed.entries:
                article = extract.entry_to_article(entry, spec.url, now, problems)
                if article is not None:
                    pending.append(article)
            if len(pending) >= settings.load_batch_size:
                flush()
        if pending:
            flush()
    return dict(counts)


def _timed(fn: Any, *args: Any) -> tuple[Any, float]:
    """``fn(*args)`` and the wall-clock time it ended (to tell when each task finished)."""
    result = fn(*args)
    return result, time.time()


def tag_stage(name: str, url: str, run_id: int, shard: int, shards: int) -> dict[str, Any]:
    """One task of the DAG after the load: the search index (one task) or a tagging shard."""
    if name == "search":
        return night.index_search(url, run_id)
    stage = night.tag_topics if name == "topics" else night.tag_entities
    return stage(url, run_id, shard=shard, shards=shards)


def run_night(size: int, url: str, workers: int) -> dict[str, Any]:
    """The three phases on ``workers`` processes; wall seconds per phase and in all."""
    ctx = get_context("spawn")  # children import the pipeline afresh, as Airflow workers do
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="akhbar-night-bench-") as tmp:
        n, docs = write_feeds(size, Path(tmp))
        with psycopg.connect(url, autocommit=True) as conn:
            store.sync_feeds(conn, bench_feeds())
            run = store.start_run(conn, f"bench-night-{time.time_ns()}", datetime.now(UTC))
        shards = [[(f, str(p)) for f, p in docs[i::workers]] for i in range(workers)]
        phases: dict[str, float] = {}
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            # Warm the workers (imports, normalization table) outside the clock: a worker
            # slot pays that once, not per night.
            list(pool.map(_warm, range(workers)))
            t0 = time.perf_counter()
            loaded: Counter[str] = Counter()
            for counts in pool.map(fetch_shard, [url] * workers, [run.id] * workers,
                                   shards):
                loaded.update(counts)
            phases["fetch_shards"] = time.perf_counter() - t0

            t0 = time.perf_counter()
            started = time.time()
            deduping = pool.submit(_timed, night.near_duplicates, url, run.id)
            # The search index is one task, queued next; then the longer entity shards, as
            # a scheduler's queue would take them.
            jobs = [("search", 0)] + [(name, k) for name in ("entities", "topics")
                                      for k in range(workers)]
            futures = [pool.submit(_timed, tag_stage, name, url, run.id, k, workers)
                       for name, k in jobs]
            done: dict[str, list[dict[str, Any]]] = {"search": [], "topics": [],
                                                     "entities": []}
            ends: dict[str, float] = {}
            for (name, _k), future in zip(jobs, futures, strict=True):
                figures, end = future.result()
                done[name].append(figures)
                ends[name] = max(ends.get(name, 0.0), end)
            dedup, ends["near_duplicates"] = deduping.result()
            tagged = {name: night.merge_figures(parts) or {} for name, parts in done.items()}
            phases["dedup_search_and_tagging"] = time.perf_counter() - t0
            # When each task's last shard ended, from the start of the phase.
            finished = {k: round(v - started, 3) for k, v in ends.items()}
    total = sum(phases.values())
    return {
        "articles": n, "workers": workers,
        "phases": {k: {"seconds": round(v, 3), "per_second": rate(n, v)}
                   for k, v in phases.items()},
        "end_to_end": {"seconds": round(total, 3), "per_second": rate(n, total)},
        "finished_after": finished,
        "load": dict(loaded), "dedup": dedup,
        "tagged": {k: {kk: vv for kk, vv in v.items() if isinstance(vv, int | float)}
                   for k, v in tagged.items()},
        "loadavg": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "peak_rss_mb_parent": peak_rss_mb(),
    }


def _warm(_: int) -> bool:
    from pipeline.normalize import normalize

    normalize("تجربة")
    return True


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="31k")
    parser.add_argument("--url", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    figures = run_night(parse_size(args.size), args.url, args.workers)
    figures["size"] = args.size
    args.out.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
