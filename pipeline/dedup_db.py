"""The persistent copy index: tonight's articles against every stored article, in Postgres.

Band keys live in ``dedup_bands`` (one b-tree), so a new article finds its stored copies with
one indexed lookup whatever worker runs the task. The decisions are made by the same
:class:`pipeline.dedup.CopyIndex` the CLI uses: it is preloaded with the stored candidates and
their clusters, fed tonight's articles, and its changes are written back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

import psycopg
from psycopg.types.json import Jsonb

from pipeline.dedup import CopyIndex, DedupConfig, Hasher, Member, Signature, order_key, signature

log = logging.getLogger(__name__)

# Serializes dedup across workers: two tasks deciding at once could found two clusters for
# one story.
_DEDUP_LOCK = 7_311_004
# Articles decided per round trip; bounds memory on a backfill of the whole archive.
_CHUNK = 5000


@dataclass
class DedupStats:
    """What one call decided."""

    articles: int = 0
    already_done: int = 0
    unique: int = 0
    exact: int = 0
    near: int = 0
    canonical_changed: int = 0
    stored_candidates: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def _signatures(
    conn: psycopg.Connection, hasher: Hasher, ids: Sequence[int]
) -> dict[int, Signature]:
    rows = conn.execute(
        "SELECT id, title, body, coalesce(published_at, first_seen) FROM articles "
        "WHERE id = ANY(%s)",
        (list(ids),),
    ).fetchall()
    return {r[0]: signature(hasher, r[0], r[1], r[2], r[3]) for r in rows}


def _stored_candidates(conn: psycopg.Connection, sigs: Iterable[Signature]) -> set[int]:
    """Stored articles sharing a band key or the content hash with any of ``sigs``."""
    sigs = list(sigs)
    keys = sorted({k for s in sigs for k in s.band_keys.tolist()})
    hashes = sorted({s.content_hash for s in sigs})
    found = {
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT article_id FROM dedup_bands WHERE band_key = ANY(%s)", (keys,)
        )
    }
    found.update(
        r[0]
        for r in conn.execute(
            "SELECT DISTINCT ON (content_hash) article_id FROM dedup_members "
            "WHERE content_hash = ANY(%s) ORDER BY content_hash, article_id",
            (hashes,),
        )
    )
    return found


def _cluster_members(conn: psycopg.Connection, article_ids: Sequence[int]) -> list[Member]:
    rows = conn.execute(
        "SELECT m.article_id, m.cluster_id, m.kind, m.matched_article_id, m.similarity, "
        "m.jaccard, m.containment, m.shingles, m.published_at, m.config_version "
        "FROM dedup_members m WHERE m.cluster_id IN "
        "(SELECT cluster_id FROM dedup_members WHERE article_id = ANY(%s))",
        (list(article_ids),),
    ).fetchall()
    return [
        Member(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9]) for r in rows
    ]


def _write(
    conn: psycopg.Connection, index: CopyIndex, sigs: dict[int, Signature],
    new_ids: Sequence[int], before: dict[int, int],
) -> int:
    """Write changed members, touched clusters and the new articles' band keys."""
    with conn.cursor() as cur:
        touched = index.changed_clusters | {index.members[i].cluster_id for i in index.changed}
        clusters = sorted(touched)
        cur.executemany(
            "INSERT INTO dedup_clusters (id, canonical_article_id) VALUES (%s, %s) "
            "ON CONFLICT (id) DO UPDATE SET canonical_article_id = EXCLUDED.canonical_article_id,"
            " updated_at = now() "
            "WHERE dedup_clusters.canonical_article_id <> EXCLUDED.canonical_article_id",
            [(c, index.canonical[c]) for c in clusters],
        )
        rows = []
        for aid in sorted(index.changed):
            m = index.members[aid]
            sig = sigs.get(aid)
            rows.append((
                aid, m.cluster_id, m.kind, m.matched_id, m.similarity, m.jaccard,
                m.containment, m.config_version, sig.content_hash if sig else "", m.size,
                m.published, list(sig.wire_credits) if sig else [],
            ))
        cur.executemany(
            "INSERT INTO dedup_members (article_id, cluster_id, kind, matched_article_id, "
            "similarity, jaccard, containment, config_version, content_hash, shingles, "
            "published_at, wire_credits) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (article_id) DO UPDATE SET cluster_id = EXCLUDED.cluster_id, "
            "kind = EXCLUDED.kind, matched_article_id = EXCLUDED.matched_article_id, "
            "similarity = EXCLUDED.similarity, jaccard = EXCLUDED.jaccard, "
            "containment = EXCLUDED.containment, config_version = EXCLUDED.config_version, "
            "decided_at = now()",
            rows,
        )
        cur.execute(
            "UPDATE dedup_clusters c SET size = s.n FROM (SELECT cluster_id, count(*) AS n "
            "FROM dedup_members WHERE cluster_id = ANY(%s) GROUP BY cluster_id) s "
            "WHERE c.id = s.cluster_id AND c.size <> s.n",
            (clusters,),
        )
        with cur.copy("COPY dedup_bands (band_key, article_id) FROM STDIN") as copy:
            for aid in new_ids:
                if aid in index.exact_copies:
                    continue  # an exact copy's bands are its twin's, already stored
                for key in sorted(set(sigs[aid].band_keys.tolist())):
                    copy.write_row((key, aid))
    return sum(1 for c, old in before.items() if index.canonical.get(c) != old)


def dedup_articles(
    conn: psycopg.Connection, article_ids: Iterable[int], config: DedupConfig | None = None
) -> DedupStats:
    """Assign every given article to a copy cluster; already assigned articles are left alone.

    Runs inside the caller's transaction (the caller commits). A rerun over the same ids
    changes nothing; a backfill of older articles joins their existing clusters.
    """
    cfg = config or DedupConfig()
    started = time.monotonic()
    stats = DedupStats()
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (_DEDUP_LOCK,))
    conn.execute(
        "INSERT INTO dedup_configs (version, params) VALUES (%s, %s) "
        "ON CONFLICT (version) DO NOTHING",
        (cfg.version, Jsonb(cfg.describe())),
    )
    ids = sorted(set(article_ids))
    stats.articles = len(ids)
    done = {
        r[0]
        for r in conn.execute(
            "SELECT article_id FROM dedup_members WHERE article_id = ANY(%s)", (ids,)
        )
    }
    stats.already_done = len(done)
    # Decide in publication order across chunks too, as the in-memory path does.
    todo = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM articles WHERE id = ANY(%s) "
            "ORDER BY coalesce(published_at, first_seen), id",
            ([i for i in ids if i not in done],),
        )
    ]
    hasher = Hasher(cfg)
    for start in range(0, len(todo), _CHUNK):
        chunk = _signatures(conn, hasher, todo[start : start + _CHUNK])
        stored = sorted(_stored_candidates(conn, chunk.values()))
        stats.stored_candidates += len(stored)
        index = CopyIndex(cfg, len(chunk) + len(stored))
        stored_sigs = _signatures(conn, hasher, stored) if stored else {}
        for member in _cluster_members(conn, stored) if stored else []:
            index.load(stored_sigs.get(member.id), member)
        before = dict(index.canonical)
        index.changed.clear()
        index.changed_clusters.clear()
        for sig in sorted(chunk.values(), key=order_key):
            index.add(sig)
        for aid in chunk:
            kind = index.members[aid].kind
            setattr(stats, kind, getattr(stats, kind) + 1)
        stats.canonical_changed += _write(conn, index, {**stored_sigs, **chunk}, sorted(chunk),
                                          before)
    stats.seconds = round(time.monotonic() - started, 3)
    log.info("dedup: %s", stats.as_dict())
    return stats
