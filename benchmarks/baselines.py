"""Ours against what a user would pick instead, side by side in one run, with the ratios.

- normalization: camel-tools' own functions applied in sequence vs ``pipeline.normalize``;
- tokenization: camel-tools' ``simple_word_tokenize`` vs ``pipeline.normalize.tokenize``
  (ours also normalizes each token and keeps offsets into the original);
- near duplicates: every pair verified (naive) vs the LSH candidates of ``CopyIndex``, on the
  same signatures of a sample, with the copy pairs LSH misses;
- loading: one INSERT per article vs the COPY + upsert loader of ``pipeline.store``.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

import psycopg

from benchmarks.corpus import BenchArticle, SyntheticCorpus, load_ant
from benchmarks.pg import drop_database, fresh_database
from benchmarks.stages import bench_feeds, direct_article
from pipeline import store
from pipeline.dedup import CopyIndex, DedupConfig, Hasher, order_key, signature, verify
from pipeline.normalize import normalize, tokenize
from pipeline.pgserver import EmbeddedPostgres

_COLUMNS = ("feed_id", "outlet", "url", "canonical_url", "guid", "title", "summary", "body",
            "body_source", "author", "title_norm", "body_norm", "content_hash", "language",
            "published_at")


def _timed(fn: Any) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _ratio(theirs: float, ours: float) -> float:
    return round(theirs / ours, 1) if ours > 0 else 0.0


def camel_normalize(text: str, arclean: Any) -> str:
    """camel-tools' normalization, its functions applied one after the other."""
    from camel_tools.utils.dediac import dediac_ar
    from camel_tools.utils.normalize import (
        normalize_alef_ar,
        normalize_alef_maksura_ar,
        normalize_teh_marbuta_ar,
        normalize_unicode,
    )

    text = normalize_unicode(text)
    text = arclean.map_string(text)
    text = dediac_ar(text)
    text = normalize_alef_ar(text)
    text = normalize_alef_maksura_ar(text)
    return normalize_teh_marbuta_ar(text)


def normalization(texts: list[str]) -> dict[str, Any]:
    from camel_tools.tokenizers.word import simple_word_tokenize
    from camel_tools.utils.charmap import CharMapper

    arclean = CharMapper.builtin_mapper("arclean")  # loaded before the clock, as ours is
    camel_normalize("تجربة", arclean)
    normalize("تجربة")
    ours = _timed(lambda: [normalize(t) for t in texts])
    theirs = _timed(lambda: [camel_normalize(t, arclean) for t in texts])
    tok_ours = _timed(lambda: [tokenize(t) for t in texts])
    tok_theirs = _timed(lambda: [simple_word_tokenize(t) for t in texts])
    # Ours also drops zero-width marks and lower-cases Latin; compare on that footing.
    checked = texts[:200]
    same = sum(" ".join(normalize(t).split())
               == " ".join(camel_normalize(t, arclean).lower().split()) for t in checked)
    n = len(texts)
    return {
        "texts": n,
        "normalize_ours_per_s": round(n / ours, 1),
        "normalize_camel_per_s": round(n / theirs, 1),
        "normalize_speedup": _ratio(theirs, ours),
        "normalize_same_output": f"{same} of {len(checked)}",
        "tokenize_ours_per_s": round(n / tok_ours, 1),
        "tokenize_camel_simple_word_tokenize_per_s": round(n / tok_theirs, 1),
        "tokenize_speedup": _ratio(tok_theirs, tok_ours),
    }


def near_duplicates(records: list) -> dict[str, Any]:
    """Naive all-pairs verification against LSH candidates on the same signatures."""
    cfg = DedupConfig()
    hasher = Hasher(cfg)
    started = time.perf_counter()
    sigs = [signature(hasher, r.id, r.title, r.text, r.published) for r in records]
    sig_seconds = time.perf_counter() - started
    ordered = sorted(sigs, key=order_key)

    naive_pairs: set[tuple[str, str]] = set()

    def naive() -> None:
        for a, b in itertools.combinations(ordered, 2):
            if a.content_hash == b.content_hash or verify(a, b, cfg).is_copy:
                naive_pairs.add((a.id, b.id))

    index = CopyIndex(cfg)
    naive_s = _timed(naive)
    lsh_s = _timed(lambda: [index.add(s) for s in ordered])
    missed = sum(1 for a, b in naive_pairs
                 if index.members[a].cluster_id != index.members[b].cluster_id)
    n = len(records)
    pairs = n * (n - 1) // 2
    per_pair = naive_s / pairs if pairs else 0.0
    return {
        "articles": n,
        "signature_seconds": round(sig_seconds, 2),
        "naive_pairs_verified": pairs,
        "naive_seconds": round(naive_s, 2),
        "lsh_seconds": round(lsh_s, 3),
        "lsh_speedup": _ratio(naive_s, lsh_s),
        "naive_copy_pairs": len(naive_pairs),
        "copy_pairs_lsh_put_apart": missed,
        "naive_100k_hours_extrapolated": round(per_pair * 100_000 ** 2 / 2 / 3600, 1),
        "naive_1m_days_extrapolated": round(per_pair * 1_000_000 ** 2 / 2 / 86400, 1),
    }


def loading(server: EmbeddedPostgres, records: list) -> dict[str, Any]:
    """Same articles, empty databases: COPY + upsert loader vs one INSERT per article."""
    articles = [direct_article(r) for r in records]
    figures: dict[str, Any] = {"articles": len(articles)}
    for name in ("copy_upsert", "row_by_row_commit_each", "row_by_row_one_transaction"):
        db = f"bench_baseline_{name}"
        url = fresh_database(server, db)
        with psycopg.connect(url, autocommit=True) as conn:
            store.sync_feeds(conn, bench_feeds()[:1])
            run = store.start_run(conn, "baseline", records[0].published)
            insert = (f"INSERT INTO articles ({', '.join(_COLUMNS)}, first_seen, last_seen, "
                      f"run_id) VALUES ({', '.join(['%s'] * (len(_COLUMNS) + 3))}) "
                      "ON CONFLICT (canonical_url) DO NOTHING")

            def rows(conn: psycopg.Connection = conn, run: store.Run = run,
                     insert: str = insert, name: str = name) -> None:
                if name == "copy_upsert":
                    for j in range(0, len(articles), 1000):
                        store.load_articles(conn, run, articles[j:j + 1000])
                    return
                tx = conn.transaction() if name.endswith("one_transaction") else None
                if tx:
                    tx.__enter__()
                for a in articles:
                    conn.execute(insert, (*(getattr(a, c) for c in _COLUMNS),
                                          run.logical_ts, run.logical_ts, run.id))
                if tx:
                    tx.__exit__(None, None, None)

            seconds = _timed(rows)
            stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        drop_database(server, db)
        figures[f"{name}_per_s"] = round(len(articles) / seconds, 1)
        figures[f"{name}_rows"] = stored
    figures["speedup_vs_commit_each"] = _ratio(figures["copy_upsert_per_s"],
                                               figures["row_by_row_commit_each_per_s"])
    figures["speedup_vs_one_transaction"] = _ratio(figures["copy_upsert_per_s"],
                                                   figures["row_by_row_one_transaction_per_s"])
    figures["note"] = ("the loader also records a sighting per article and deduplicates "
                       "exact copies by content hash; the row-by-row baseline does neither")
    return figures


def pair_sample(base: list[BenchArticle], n: int) -> list[BenchArticle]:
    """A third copies, a third the articles they copy, a third distinct articles."""
    by_id = {a.id: a for a in base}
    copies, distinct = [], []
    for art in SyntheticCorpus(base, 100_000, seed=11):
        if art.kind in ("exact", "edited") and art.origin in by_id and len(copies) < n // 3:
            copies.append(art)
        elif art.kind == "distinct" and len(distinct) < n // 3:
            distinct.append(art)
        if len(copies) >= n // 3 and len(distinct) >= n // 3:
            break
    origins = list({c.origin: by_id[c.origin] for c in copies if c.origin}.values())
    return copies + origins + distinct


def run(server: EmbeddedPostgres, smoke: bool = False) -> dict[str, Any]:
    base = load_ant()
    n_norm, n_pairs, n_load = (100, 120, 200) if smoke else (3000, 1500, 5000)
    texts = [a.text for a in base[:: max(1, len(base) // n_norm)][:n_norm]]
    return {
        "normalization": normalization(texts),
        "near_duplicates": near_duplicates(pair_sample(base, n_pairs)),
        "loading": loading(server, base[:n_load]),
    }
