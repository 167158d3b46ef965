"""The persistent copy index: tonight's articles against every stored article, in Postgres.

Band keys live in ``dedup_bands`` (one b-tree on the key), so a new article finds its stored
copies with index probes whatever worker runs the task. The decisions are made by the same
:class:`pipeline.dedup.CopyIndex` the CLI uses: it is preloaded with the stored candidates and
their clusters, fed tonight's articles, and its changes are written back.

Each chunk of articles costs a fixed number of round trips: one probe of all its band keys
(sent as one binary array), one fetch of the candidates, and COPY for the new rows. The probe
returns at most ``max_candidates`` stored articles per new one (those sharing the most band
keys), so the client's work per article does not grow with the archive.
"""

from __future__ import annotations

import logging
import struct
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np
import psycopg
from psycopg.adapt import Dumper
from psycopg.postgres import types as pg_types
from psycopg.pq import Format
from psycopg.types.json import Jsonb

from pipeline.dedup import CopyIndex, DedupConfig, Hasher, Member, Signature, order_key, signature

log = logging.getLogger(__name__)

# Serializes dedup across workers: two tasks deciding at once could found two clusters for
# one story.
_DEDUP_LOCK = 7_311_004
# Articles decided per round trip; bounds memory on a backfill of the whole archive.
_CHUNK = 5000
# Articles hashed per band-key probe: the probe of one block runs while the next is hashed.
_PROBE_BLOCK = 1000
_INT8 = pg_types.get("int8")
# Binary COPY framing: signature, flags, header extension length; and the end marker.
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack("!ii", 0, 0)
_COPY_TRAILER = struct.pack("!h", -1)
# Shingle sets as saved in dedup_sets: 32-bit little-endian values.
_SET_DTYPE = np.dtype("<u4")


def _saved_set(data: bytes) -> np.ndarray:
    """A shingle or lead set as ``dedup_sets`` stores it, back as the hasher's uint32 array."""
    return np.frombuffer(data, dtype=_SET_DTYPE).astype(np.uint32)


# For each article of a block (its position ``o``), the stored articles sharing the most band
# keys with it: the ``max_candidates`` that verification will look at, ties to the older
# article, as the in-memory ranking does; returned with the keys they share, which is all the
# index needs of them to rank them again. Each key is one index probe (the lateral
# subquery, kept apart by OFFSET 0, cannot be turned into a hash join that reads the whole
# table, which the planner prefers for a few hundred thousand keys against a small one).
_PROBE = (
    "WITH hits AS (SELECT k.o, k.band_key, b.article_id "
    "FROM unnest(%b::bigint[], %b::bigint[]) AS k(band_key, o) "
    "CROSS JOIN LATERAL (SELECT article_id FROM dedup_bands "
    "WHERE band_key = k.band_key OFFSET 0) AS b), "
    "best AS (SELECT o, article_id FROM (SELECT o, article_id, row_number() OVER ("
    "PARTITION BY o ORDER BY count(*) DESC, article_id) AS rank "
    "FROM hits GROUP BY o, article_id) AS ranked WHERE rank <= %s) "
    "SELECT DISTINCT h.article_id, h.band_key FROM hits h JOIN best USING (o, article_id)"
)


@dataclass
class DedupStats:
    """What one call decided."""

    articles: int = 0
    already_done: int = 0
    # Decided articles whose text a later night changed: their clusters are decided again.
    edited: int = 0
    unique: int = 0
    exact: int = 0
    near: int = 0
    canonical_changed: int = 0
    stored_candidates: int = 0
    # Stored decisions read with them: every member of the candidates' clusters.
    stored_members: int = 0
    seconds: float = 0.0
    # Where the time went: hashing tonight's articles and probing the band index (overlapped),
    # reading the candidates' sets and clusters, deciding, writing back.
    hash_probe_seconds: float = 0.0
    read_seconds: float = 0.0
    decide_seconds: float = 0.0
    write_seconds: float = 0.0

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


class _Keys:
    """Band keys (int64 numpy array) to be sent as one binary ``bigint[]`` parameter."""

    __slots__ = ("values",)

    def __init__(self, values: np.ndarray) -> None:
        self.values = values


class _KeysDumper(Dumper):
    """Binary ``bigint[]`` straight from the numpy array: no Python int per key."""

    format = Format.BINARY
    oid = _INT8.array_oid

    def dump(self, obj: _Keys) -> bytes:
        n = int(obj.values.size)
        # ndim, has-nulls flag, element type, then length and lower bound of the dimension.
        head = struct.pack("!iiiii", 1, 0, _INT8.oid, n, 1)
        body = np.empty(n, dtype=[("len", ">i4"), ("value", ">i8")])
        body["len"] = 8
        body["value"] = obj.values
        return head + body.tobytes()


def _copy_int8_rows(columns: Sequence[np.ndarray]) -> bytes:
    """Rows of int64 columns in PostgreSQL's binary COPY format, built without a Python loop."""
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for i in range(len(columns)):
        fields += [(f"len{i}", ">i4"), (f"value{i}", ">i8")]
    rows = np.empty(columns[0].size, dtype=fields)
    rows["count"] = len(columns)
    for i, column in enumerate(columns):
        rows[f"len{i}"] = 8
        rows[f"value{i}"] = column
    return _COPY_HEADER + rows.tobytes() + _COPY_TRAILER


def _signatures(
    conn: psycopg.Connection, hasher: Hasher, ids: Sequence[int]
) -> dict[int, Signature]:
    rows = conn.execute(
        "SELECT id, title, body, coalesce(published_at, first_seen) FROM articles "
        "WHERE id = ANY(%s)",
        (list(ids),),
    ).fetchall()
    return {r[0]: signature(hasher, r[0], r[1], r[2], r[3]) for r in rows}


def _stored_signatures(
    conn: psycopg.Connection, hasher: Hasher, ids: Sequence[int],
    shared_keys: dict[int, list[int]],
) -> dict[int, Signature]:
    """Signatures of stored articles from their saved sets, with the band keys they share.

    A candidate is found again in the index only through the keys tonight's articles share
    with it (``shared_keys``, from the probe), so its other keys are not recomputed. An
    article decided before sets were saved is read from its text instead.
    """
    with conn.cursor(binary=True) as cur:
        rows = cur.execute(
            "SELECT s.article_id, s.shingles, s.lead, m.content_hash, m.published_at "
            "FROM dedup_sets s JOIN dedup_members m USING (article_id) "
            "WHERE s.article_id = ANY(%s)",
            (list(ids),),
        ).fetchall()
    sigs: dict[int, Signature] = {}
    no_keys = np.empty(0, dtype=np.int64)
    for aid, shingle_bytes, lead_bytes, content_hash, published in rows:
        shingles = _saved_set(shingle_bytes)
        lead = _saved_set(lead_bytes)
        keys = (np.unique(np.array(shared_keys[aid], dtype=np.int64))
                if aid in shared_keys else no_keys)
        sigs[aid] = Signature(aid, published, content_hash, shingles, lead, keys)
    missing = [i for i in ids if i not in sigs]
    if missing:
        sigs.update(_signatures(conn, hasher, missing))
    return sigs


def _copy_sets(sigs: dict[int, Signature], ids: Sequence[int]) -> bytes:
    """(article, shingles, lead) rows in binary COPY format for ``dedup_sets``."""
    parts = [_COPY_HEADER]
    for aid in ids:
        shingles = sigs[aid].shingles.astype(_SET_DTYPE).tobytes()
        lead = sigs[aid].lead.astype(_SET_DTYPE).tobytes()
        parts += [struct.pack("!hiqi", 3, 8, aid, len(shingles)), shingles,
                  struct.pack("!i", len(lead)), lead]
    parts.append(_COPY_TRAILER)
    return b"".join(parts)


def _probe(conn: psycopg.Connection, keys: np.ndarray, owners: np.ndarray, limit: int,
           ) -> list[tuple[int, int]]:
    """(stored article, shared key) for the ``limit`` stored articles sharing most of each
    owner's ``keys`` in ``dedup_bands``."""
    with conn.cursor() as cur:
        cur.adapters.register_dumper(_Keys, _KeysDumper)
        return cur.execute(_PROBE, (_Keys(keys), _Keys(owners), limit)).fetchall()


def _signatures_and_candidates(
    conn: psycopg.Connection, hasher: Hasher, ids: Sequence[int]
) -> tuple[dict[int, Signature], dict[int, list[int]]]:
    """Signatures of ``ids``, and the stored articles sharing a band key or hash with them
    (each with the band keys it shares).

    Each block's band keys are probed on a worker thread while the next block is hashed, so
    the server's index probes overlap this process's hashing (the connection serializes
    its use; the main thread does not touch it until every probe has returned).
    """
    rows = conn.execute(
        "SELECT id, title, body, coalesce(published_at, first_seen) FROM articles "
        "WHERE id = ANY(%s)",
        (list(ids),),
    ).fetchall()
    sigs: dict[int, Signature] = {}
    found: dict[int, list[int]] = {}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dedup-probe") as pool:
        probes = []
        for start in range(0, len(rows), _PROBE_BLOCK):
            block = [signature(hasher, *r) for r in rows[start : start + _PROBE_BLOCK]]
            sigs.update((s.id, s) for s in block)
            banded = [s.band_keys for s in block if s.band_keys.size]
            if banded:
                keys = np.concatenate(banded)
                owners = np.repeat(np.arange(len(banded), dtype=np.int64),
                                   [k.size for k in banded])
                probes.append(pool.submit(_probe, conn, keys, owners,
                                          hasher.config.max_candidates))
        for probe in probes:
            for article_id, key in probe.result():
                found.setdefault(article_id, []).append(key)
    hashes = sorted({s.content_hash for s in sigs.values()})
    for (article_id,) in conn.execute(
        "SELECT DISTINCT ON (content_hash) article_id FROM dedup_members "
        "WHERE content_hash = ANY(%s) ORDER BY content_hash, article_id",
        (hashes,),
    ):
        found.setdefault(article_id, [])
    return sigs, found


def _cluster_members(conn: psycopg.Connection, article_ids: Sequence[int]) -> list[Member]:
    """Every stored member of the clusters of ``article_ids``, in article order.

    The order numbers the stored candidates in the index, and so breaks ties between equally
    similar ones (the in-memory path numbers articles in input order). Without it the
    table's row order decided, which a vacuum or another plan changes. The clusters go as
    an array so that their members are read through the cluster index, not by a scan of
    the whole table (the planner's choice for an IN over a few thousand articles). Reading
    only each candidate's links up to its canonical member (a recursive query) read fewer
    rows but was no faster at a million articles (README, "Performance").
    """
    rows = conn.execute(
        "SELECT m.article_id, m.cluster_id, m.kind, m.matched_article_id, m.similarity, "
        "m.jaccard, m.containment, m.shingles, m.published_at, m.config_version "
        "FROM dedup_members m WHERE m.cluster_id = ANY(ARRAY("
        "SELECT cluster_id FROM dedup_members WHERE article_id = ANY(%s))) "
        "ORDER BY m.article_id",
        (list(article_ids),),
    ).fetchall()
    return [
        Member(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9]) for r in rows
    ]


def _band_rows(sigs: dict[int, Signature], new_ids: Sequence[int], exact: set[int],
               ) -> tuple[np.ndarray, np.ndarray]:
    """(band key, article) rows of the new articles, sorted by key, each pair once.

    An exact copy adds none: its bands are its twin's, already stored. Sorted rows reach
    the b-tree's leaf pages in order, which roughly halves the cost of the inserts.
    """
    keys, owners = [], []
    for aid in new_ids:
        if aid in exact or not sigs[aid].band_keys.size:
            continue
        keys.append(sigs[aid].band_keys)
        owners.append(np.full(sigs[aid].band_keys.size, aid, dtype=np.int64))
    if not keys:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    key, owner = np.concatenate(keys), np.concatenate(owners)
    order = np.lexsort((owner, key))
    key, owner = key[order], owner[order]
    first = np.ones(key.size, dtype=bool)
    first[1:] = (key[1:] != key[:-1]) | (owner[1:] != owner[:-1])
    return key[first], owner[first]


def _write_index_rows(
    conn: psycopg.Connection, sigs: dict[int, Signature], new_ids: Sequence[int],
    exact: set[int],
) -> None:
    """COPY the new articles' shingle sets and band keys (exact copies add no band keys)."""
    with conn.cursor() as cur:
        if new_ids:
            with cur.copy("COPY dedup_sets (article_id, shingles, lead) FROM STDIN "
                          "(FORMAT binary)") as cp:
                cp.write(_copy_sets(sigs, new_ids))
        keys, owners = _band_rows(sigs, new_ids, exact)
        if keys.size:
            with cur.copy("COPY dedup_bands (band_key, article_id) FROM STDIN (FORMAT binary)"
                          ) as cp:
                cp.write(_copy_int8_rows([keys, owners]))


def _write(
    conn: psycopg.Connection, index: CopyIndex, sigs: dict[int, Signature],
    new_ids: Sequence[int], before: dict[int, int],
) -> int:
    """Write the new members and clusters (COPY) and the changed stored ones."""
    new = set(new_ids)
    touched = index.changed_clusters | {index.members[i].cluster_id for i in index.changed}
    # A cluster is new when no stored member founded it: tonight's articles found new ones.
    fresh = sorted(c for c in touched if c not in before)
    old = sorted(c for c in touched if c in before)
    sizes = Counter(m.cluster_id for m in index.members.values())
    with conn.cursor() as cur:
        if fresh:
            with cur.copy("COPY dedup_clusters (id, canonical_article_id, size) FROM STDIN") as cp:
                for c in fresh:
                    cp.write_row((c, index.canonical[c], sizes[c]))
        if old:
            cur.execute(
                "UPDATE dedup_clusters c SET canonical_article_id = u.canonical, "
                "updated_at = now() FROM unnest(%s::bigint[], %s::bigint[]) AS u(id, canonical) "
                "WHERE c.id = u.id AND c.canonical_article_id <> u.canonical",
                (old, [index.canonical[c] for c in old]),
            )
        changed = sorted(index.changed)
        with cur.copy(
            "COPY dedup_members (article_id, cluster_id, kind, matched_article_id, similarity, "
            "jaccard, containment, config_version, content_hash, shingles, published_at, "
            "wire_credits) FROM STDIN"
        ) as cp:
            for aid in changed:
                if aid in new:
                    m, sig = index.members[aid], sigs[aid]
                    cp.write_row((
                        aid, m.cluster_id, m.kind, m.matched_id, m.similarity, m.jaccard,
                        m.containment, m.config_version, sig.content_hash, m.size,
                        m.published, list(sig.wire_credits),
                    ))
        # Stored members change when a fuller copy reverses their cluster's links.
        relinked = [index.members[aid] for aid in changed if aid not in new]
        if relinked:
            cur.executemany(
                "UPDATE dedup_members SET cluster_id = %s, kind = %s, matched_article_id = %s, "
                "similarity = %s, jaccard = %s, containment = %s, config_version = %s, "
                "decided_at = now() WHERE article_id = %s",
                [(m.cluster_id, m.kind, m.matched_id, m.similarity, m.jaccard, m.containment,
                  m.config_version, m.id) for m in relinked],
            )
        if old:
            cur.execute(
                "UPDATE dedup_clusters c SET size = s.n FROM (SELECT cluster_id, count(*) AS n "
                "FROM dedup_members WHERE cluster_id = ANY(%s) GROUP BY cluster_id) s "
                "WHERE c.id = s.cluster_id AND c.size <> s.n",
                (old,),
            )
    return sum(1 for c, old_canonical in before.items()
               if index.canonical.get(c) != old_canonical)


def _edited(conn: psycopg.Connection, hasher: Hasher, ids: Sequence[int]) -> list[int]:
    """Decided articles among ``ids`` whose text is no longer the one they were decided on.

    Only articles whose text a night has changed (``updated_at`` set) are hashed again, so a
    re-run of a night costs no hashing.
    """
    rows = conn.execute(
        "SELECT a.id, a.title, a.body, m.content_hash FROM articles a "
        "JOIN dedup_members m ON m.article_id = a.id "
        "WHERE a.id = ANY(%s) AND a.updated_at IS NOT NULL ORDER BY a.id",
        (list(ids),),
    ).fetchall()
    return [r[0] for r in rows if signature(hasher, r[0], r[1], r[2]).content_hash != r[3]]


def _undecide(conn: psycopg.Connection, hasher: Hasher, ids: Sequence[int]) -> list[int]:
    """Remove the clusters of ``ids`` with their members' sets and band keys; return the
    members, to be decided again.

    A whole cluster goes: its links and its canonical member were verified against the old
    text. ``dedup_bands`` has no index on the article, so its rows are found by the keys of
    the saved sets (an article decided before sets were saved is looked for by a scan).
    """
    members = [r[0] for r in conn.execute(
        "SELECT article_id FROM dedup_members WHERE cluster_id = ANY(ARRAY("
        "SELECT cluster_id FROM dedup_members WHERE article_id = ANY(%s))) ORDER BY 1",
        (list(ids),))]
    with conn.cursor(binary=True) as cur:
        saved = cur.execute("SELECT article_id, shingles, lead FROM dedup_sets "
                            "WHERE article_id = ANY(%s)", (members,)).fetchall()
    keys: list[int] = []
    owners: list[int] = []
    for aid, shingle_bytes, lead_bytes in saved:
        shingles = _saved_set(shingle_bytes)
        if shingles.size < hasher.config.min_shingles:
            continue  # a stub has no band keys
        lead = _saved_set(lead_bytes)
        band_keys = hasher.band_keys(shingles, lead).tolist()
        keys += band_keys
        owners += [aid] * len(band_keys)
    conn.execute("DELETE FROM dedup_bands b USING unnest(%s::bigint[], %s::bigint[]) AS "
                 "u(band_key, article_id) WHERE b.band_key = u.band_key "
                 "AND b.article_id = u.article_id", (keys, owners))
    unsaved = sorted(set(members) - {r[0] for r in saved})
    if unsaved:
        conn.execute("DELETE FROM dedup_bands WHERE article_id = ANY(%s)", (unsaved,))
    conn.execute("DELETE FROM dedup_sets WHERE article_id = ANY(%s)", (members,))
    clusters = [r[0] for r in conn.execute(
        "DELETE FROM dedup_members WHERE article_id = ANY(%s) RETURNING cluster_id",
        (members,))]
    conn.execute("DELETE FROM dedup_clusters WHERE id = ANY(%s)", (sorted(set(clusters)),))
    return members


def _lap(stats: DedupStats, field: str, since: float) -> float:
    """Add the time since ``since`` to one of the step timings; return the clock now."""
    now = time.monotonic()
    setattr(stats, field, round(getattr(stats, field) + now - since, 3))
    return now


def dedup_articles(
    conn: psycopg.Connection, article_ids: Iterable[int], config: DedupConfig | None = None
) -> DedupStats:
    """Assign every given article to a copy cluster; already assigned articles are left alone
    unless their text has changed since, which decides their whole cluster again.

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
    hasher = Hasher(cfg)
    edited = _edited(conn, hasher, sorted(done))
    stats.edited = len(edited)
    # A cluster is named after its founder: where the founder's own text is unchanged, it
    # founds the cluster again, whatever copy older than it the cluster took in since.
    refound = {r[0] for r in conn.execute(
        "SELECT DISTINCT cluster_id FROM dedup_members WHERE article_id = ANY(%s) "
        "AND NOT cluster_id = ANY(%s)", (edited, edited))} if edited else set()
    again = _undecide(conn, hasher, edited) if edited else []
    done.difference_update(again)
    stats.already_done = len(done)
    # Decide in publication order across chunks too, as the in-memory path does.
    todo = [
        r[0]
        for r in conn.execute(
            "SELECT id FROM articles WHERE id = ANY(%s) "
            "ORDER BY id = ANY(%s) DESC, coalesce(published_at, first_seen), id",
            (sorted({i for i in ids if i not in done} | set(again)), sorted(refound)),
        )
    ]
    for start in range(0, len(todo), _CHUNK):
        clock = time.monotonic()
        chunk, candidates = _signatures_and_candidates(conn, hasher, todo[start : start + _CHUNK])
        clock = _lap(stats, "hash_probe_seconds", clock)
        stored = sorted(candidates)
        stats.stored_candidates += len(stored)
        index = CopyIndex(cfg, len(chunk) + len(stored))
        stored_sigs = _stored_signatures(conn, hasher, stored, candidates) if stored else {}
        members = _cluster_members(conn, stored) if stored else []
        stats.stored_members += len(members)
        for member in members:
            index.load(stored_sigs.get(member.id), member)
        clock = _lap(stats, "read_seconds", clock)
        before = dict(index.canonical)
        index.changed.clear()
        index.changed_clusters.clear()
        ordered = sorted(chunk.values(), key=lambda sig: (sig.id not in refound, order_key(sig)))
        new_ids = sorted(chunk)
        exact = index.exact_copies_among((s.id, s.content_hash) for s in ordered)
        # The sets and band keys go to the server on a worker thread while the decisions are
        # made here. Staged in decision order, then decided in blocks: one band-table lookup
        # and one insert per block of articles instead of one per article.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="dedup-write") as pool:
            written = pool.submit(_write_index_rows, conn, chunk, new_ids, exact)
            index.decide_many([
                (index.stage(sig), sig.band_keys, sig.content_hash, sig.published)
                for sig in ordered
            ])
            clock = _lap(stats, "decide_seconds", clock)
            written.result()
        decided_exact = {aid for aid in new_ids if aid in index.exact_copies}
        if decided_exact != exact:  # band keys were written for the predicted set
            raise RuntimeError(f"dedup: exact copies {sorted(decided_exact ^ exact)[:5]} "
                               "decided otherwise than predicted")
        for aid in chunk:
            kind = index.members[aid].kind
            setattr(stats, kind, getattr(stats, kind) + 1)
        stats.canonical_changed += _write(conn, index, chunk, new_ids, before)
        _lap(stats, "write_seconds", clock)
    stats.seconds = round(time.monotonic() - started, 3)
    log.info("dedup: %s", stats.as_dict())
    return stats
