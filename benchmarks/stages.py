"""Articles per second through each stage of a night, and the whole of it, on one corpus.

The corpus flows in batches the way a night's articles do: feed XML (generated, standing in
for the network) → parse (feedparser) → extract (HTML to text, canonical URL, normalize,
hash) → load (COPY + upsert, exact dedup) → search index (``pipeline.search``) →
near-duplicate clusters (the Postgres-backed index of ``pipeline.dedup_db``) → tag
(topics and entities, when those modules exist).
Each stage is timed on its own; end to end is their sum, so generating the corpus and its
feed XML is excluded. Normalization alone is timed in a separate pass, outside the sum.

Run as a child process by :mod:`benchmarks.__main__` (one per corpus size), so that its
peak RSS is the peak of that size alone:
``python -m benchmarks.stages --size 100k --url postgresql://... --out figures.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import resource
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from benchmarks.corpus import (
    STREAMS,
    BenchArticle,
    SyntheticCorpus,
    batched,
    load_ant,
    parse_size,
    rss_feed,
    size_label,
)
from pipeline import extract, feeds, search, store
from pipeline.normalize import normalize, normalize_inline
from pipeline.records import Article, FeedSpec, FetchResult
from pipeline.settings import Settings

log = logging.getLogger(__name__)

STAGES = ("parse", "extract", "load", "search", "dedup", "tag")
FEED_ITEMS = 50  # items per generated feed document
FEEDS = 1000  # feed ids the articles are spread over
BATCH = 5000  # articles per round of the pipeline (dedup_db decides 5,000 at a time too)

Tagger = Callable[[str, str], object]  # (title, body) as published


@dataclass
class Clock:
    """Seconds and articles per stage."""

    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    # CPU seconds of this process: on a shared machine, wall time also counts the waits for
    # other processes' turns; CPU time does not (nor the database server's own work).
    cpu: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    articles: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STAGES, 0))

    def time(self, stage: str, n: int, fn: Callable[[], Any]) -> Any:
        started, cpu = time.perf_counter(), time.process_time()
        out = fn()
        self.seconds[stage] += time.perf_counter() - started
        self.cpu[stage] += time.process_time() - cpu
        self.articles[stage] += n
        return out


def bench_feeds() -> list[FeedSpec]:
    return [FeedSpec(f"bench-{k:04d}", f"bench feed {k}", f"https://bench.example.org/{k}.xml",
                     f"outlet-{k % 40}") for k in range(FEEDS)]


def build_taggers() -> list[tuple[str, Tagger]]:
    """The taggers that exist in this checkout, as the night builds them; each optional.

    Entities run on the gazetteer and the name rules, without the CAMeL NER model (its
    data is not installed here); topics on the bundled taxonomy.
    """
    out: list[tuple[str, Tagger]] = []
    try:
        from pipeline.taxonomy import load_taxonomy
        from pipeline.topics import Tagger as TopicTagger
    except ImportError:
        log.warning("pipeline.topics is not available: tag excludes topics")
    else:
        topics = TopicTagger(load_taxonomy())
        out.append(("topics", lambda title, body: topics.tag(title, body)))
    try:
        from pipeline.entities import EntityTagger
        from pipeline.gazetteer import default_gazetteer
    except ImportError:
        log.warning("pipeline.entities is not available: tag excludes entities")
    else:
        entities = EntityTagger(default_gazetteer())
        out.append(("entities", lambda title, body: entities.tag_fields(
            {"title": title, "body": body})))
    return out


def direct_article(b: BenchArticle) -> Article:
    """An article built straight from a record (no feed XML): extract without parse."""
    return extract.finish_article(Article(
        feed_id="bench-0000", outlet=b.outlet, url=b.url,
        canonical_url=extract.canonical_url(b.url),
        guid=b.id, title=b.title, summary=b.summary, body=b.text, body_source="content",
        published_at=b.published,
    ))


def run_pipeline(corpus: Iterable[BenchArticle], url: str, *, parse: bool = True,
                 tag: bool = True, batch: int = BATCH,
                 progress: Path | None = None) -> dict[str, Any]:
    """Push ``corpus`` through every stage against the database at ``url``; return figures."""
    settings = Settings()
    specs = bench_feeds()
    t0 = time.perf_counter()
    taggers = build_taggers() if tag else []
    tagger_build = time.perf_counter() - t0
    try:
        from pipeline import dedup_db
    except ImportError:
        dedup_db = None
        log.warning("pipeline.dedup_db is not available: no near-duplicate stage")
    # One-time costs (the normalization table, the compiled taxonomy) are paid before the
    # clock starts and reported apart: a night pays them once per process.
    t0 = time.perf_counter()
    normalize("تجربة")
    startup = time.perf_counter() - t0
    clock = Clock()
    kinds: Counter[str] = Counter()
    problems: Counter[str] = Counter()
    loaded = Counter[str]()
    dedup_counts: Counter[str] = Counter()
    dedup_steps: Counter[str] = Counter()  # where dedup's time goes, summed over batches
    normalize_seconds = normalize_cpu = 0.0
    load_before = os.getloadavg()
    now = datetime.now(UTC)
    wall = time.perf_counter()
    untimed = 0.0
    with psycopg.connect(url, autocommit=True) as conn:
        store.sync_feeds(conn, specs)
        run = store.start_run(conn, f"bench-{time.time_ns()}", now)
        feed_no = 0
        for records in batched(corpus, batch):
            t0 = time.perf_counter()
            kinds.update(r.kind for r in records)
            docs: list[tuple[FeedSpec, FetchResult]] = []
            if parse:
                for j in range(0, len(records), FEED_ITEMS):
                    spec = specs[feed_no % FEEDS]
                    feed_no += 1
                    docs.append((spec, FetchResult(
                        spec.id, spec.url, "ok", 200, body=rss_feed(records[j:j + FEED_ITEMS],
                                                                    spec.id),
                        headers={"content-type": "application/rss+xml; charset=utf-8"})))
            untimed += time.perf_counter() - t0
            n = len(records)
            if parse:
                parsed = clock.time("parse", n, lambda docs=docs: [
                    (spec, feeds.parse_feed(spec, res)) for spec, res in docs])

                def _extract(parsed: list = parsed) -> list[Article]:
                    out = []
                    for spec, pf in parsed:
                        for entry in pf.entries:
                            art = extract.entry_to_article(entry, spec.url, now, problems)
                            if art is not None:
                                out.append(art)
                    return out

                articles = clock.time("extract", n, _extract)
            else:
                articles = clock.time("extract", n, lambda records=records: [
                    direct_article(r) for r in records])

            # Normalization alone, timed apart (it is also inside extract above).
            t0, c0 = time.perf_counter(), time.process_time()
            for art in articles:
                normalize_inline(art.title)
                normalize(art.body)
            normalize_seconds += time.perf_counter() - t0
            normalize_cpu += time.process_time() - c0

            def _load(articles: list[Article] = articles) -> None:
                for j in range(0, len(articles), settings.load_batch_size):
                    stats = store.load_articles(conn, run, articles[j:j + settings.load_batch_size])
                    loaded.update(new=stats.new, updated=stats.updated,
                                  duplicate=stats.duplicate)

            clock.time("load", n, _load)

            def _index(articles: list[Article] = articles) -> None:
                ids = [r[0] for r in conn.execute(
                    "SELECT id FROM articles WHERE canonical_url = ANY(%s)",
                    ([a.canonical_url for a in articles],))]
                search.index_articles(conn, ids)

            clock.time("search", n, _index)

            if dedup_db is not None:
                def _dedup(articles: list[Article] = articles) -> None:
                    with conn.transaction():
                        ids = [r[0] for r in conn.execute(
                            "SELECT id FROM articles WHERE canonical_url = ANY(%s)",
                            ([a.canonical_url for a in articles],))]
                        stats = dedup_db.dedup_articles(conn, ids)
                    dedup_counts.update(unique=stats.unique, exact=stats.exact, near=stats.near)
                    dedup_steps.update({k: v for k, v in stats.as_dict().items()
                                        if k.endswith("_seconds") or k == "stored_candidates"})

                clock.time("dedup", n, _dedup)

            if taggers:
                def _tag(articles: list[Article] = articles) -> None:
                    for art in articles:
                        for _name, fn in taggers:
                            fn(art.title, art.body)

                clock.time("tag", n, _tag)
            if progress:
                # One line per batch: how each stage's cost grows with what is stored.
                with progress.open("a") as fh:
                    fh.write(json.dumps({
                        "articles": sum(kinds.values()), "seconds": {
                            k: round(v, 3) for k, v in clock.seconds.items()},
                        "dedup_steps": {k: round(v, 3) for k, v in dedup_steps.items()},
                        "rss_mb": current_rss_mb()}) + "\n")
        db = database_figures(conn)
    total = time.perf_counter() - wall
    stage_figures = {
        s: {"seconds": round(clock.seconds[s], 3), "articles": clock.articles[s],
            "per_second": rate(clock.articles[s], clock.seconds[s]),
            "client_cpu_seconds": round(clock.cpu[s], 3),
            "per_client_cpu_second": rate(clock.articles[s], clock.cpu[s])}
        for s in STAGES if clock.articles[s]
    }
    n_all = sum(kinds.values())
    stage_figures["normalize"] = {"seconds": round(normalize_seconds, 3), "articles": n_all,
                                  "per_second": rate(n_all, normalize_seconds),
                                  "client_cpu_seconds": round(normalize_cpu, 3),
                                  "per_client_cpu_second": rate(n_all, normalize_cpu)}
    e2e = sum(clock.seconds.values())
    generated_copies = kinds["exact"] + kinds["edited"]
    found = dedup_counts["exact"] + dedup_counts["near"] + loaded["duplicate"]
    return {
        "articles": n_all,
        "stages": stage_figures,
        "end_to_end": {"seconds": round(e2e, 3), "articles": n_all,
                       "per_second": rate(n_all, e2e),
                       "stages": [s for s in STAGES if clock.articles[s]]},
        "wall_seconds": round(total, 3),
        # Load average (1 min) before and after: other work on the machine skews wall time.
        "loadavg": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "startup_seconds": {"normalization_table": round(startup, 3),
                            "taggers": round(tagger_build, 3)},
        "generation_seconds": round(untimed, 3),
        "generated": dict(kinds),
        "load": dict(loaded),
        "dedup_steps": {k: round(v, 3) for k, v in dedup_steps.items()},
        "dedup": {**dict(dedup_counts), "generated_copies": generated_copies,
                  "copies_found": found,
                  "copy_share_generated": round(generated_copies / n_all, 4) if n_all else 0,
                  "copy_share_found": round(found / n_all, 4) if n_all else 0},
        "taggers": [name for name, _ in taggers],
        "problems": dict(problems),
        "db": db,
    }


def database_figures(conn: psycopg.Connection) -> dict[str, Any]:
    """Database size, in total and per 1,000 stored articles, and its biggest tables."""
    rows = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    total = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
    tables = {
        name: size for name, size in conn.execute(
            "SELECT c.relname, pg_total_relation_size(c.oid) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'r' AND n.nspname = 'public' "
            "ORDER BY 2 DESC LIMIT 6")
    }
    data = sum(tables.values())
    return {
        "article_rows": rows,
        "database_bytes": total,
        "tables_bytes": tables,
        "bytes_per_1000_articles": round(data / rows * 1000) if rows else 0,
    }


def rate(n: int, seconds: float) -> float:
    return round(n / seconds, 1) if seconds > 0 else 0.0


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def current_rss_mb() -> float:
    """Resident memory of this process now."""
    try:
        pages = int(Path("/proc/self/statm").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return 0.0
    return round(pages * resource.getpagesize() / 2**20, 1)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", required=True, help="31k, 100k, 1m or a number")
    ap.add_argument("--url", required=True, help="a migrated, empty database")
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--no-parse", action="store_true", help="build articles without feed XML")
    ap.add_argument("--no-tag", action="store_true")
    ap.add_argument("--profile", type=Path, help="write a cProfile summary here")
    ap.add_argument("--progress", type=Path, help="append per-batch cumulative figures here")
    ap.add_argument("--stream", choices=STREAMS, default="recycled",
                    help="how variants are made (benchmarks/corpus.py)")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    started = time.perf_counter()
    base = load_ant()
    size = parse_size(args.size)
    corpus = SyntheticCorpus(base, size, stream=args.stream)
    base_seconds = time.perf_counter() - started
    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    figures = run_pipeline(corpus, args.url, parse=not args.no_parse, tag=not args.no_tag,
                           progress=args.progress)
    if profiler:
        profiler.disable()
        buf = io.StringIO()
        pstats.Stats(profiler, stream=buf).sort_stats("tottime").print_stats(30)
        args.profile.write_text(buf.getvalue())
    figures.update(size=size_label(size, len(base)), peak_rss_mb=peak_rss_mb(),
                   base_load_seconds=round(base_seconds, 2))
    args.out.write_text(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
