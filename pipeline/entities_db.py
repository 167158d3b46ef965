"""The entity tables: the gazetteer synced into ``entities``, mentions into ``article_entities``.

:mod:`pipeline.entities` finds the mentions; this module writes them, batch by batch with
``COPY``, for the night (:func:`tag_run`) and for a re-tag of stored articles (:func:`retag`),
and lists the frequent unlinked names (:func:`candidates`).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from pipeline import store
from pipeline.entities import EntityTagger, MentionRow, default_tagger
from pipeline.gazetteer import Gazetteer
from pipeline.normalize import normalize_inline
from pipeline.records import add_counts

log = logging.getLogger(__name__)


@dataclass
class EntityStats:
    """What one tagging pass wrote."""

    articles: int = 0
    mentions: int = 0
    linked: int = 0
    unlinked: int = 0
    by_method: dict[str, int] = field(default_factory=dict)

    def add(self, other: EntityStats) -> None:
        """Count another pass's figures into these (a re-tag runs in batches)."""
        add_counts(self, other)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def sync_entities(conn: psycopg.Connection, gazetteer: Gazetteer) -> dict[str, int]:
    """Upsert the gazetteer into ``entities``; drop entities gone from it and unused."""
    rows = [(e.id, e.type, e.en, e.ar, list(e.aliases), list(e.weak)) for e in gazetteer]
    with conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE _entities_in (id text, type text, name_en text, "
                    "name_ar text, aliases text[], weak_aliases text[]) ON COMMIT DROP")
        with cur.copy("COPY _entities_in FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cur.execute(
            "INSERT INTO entities (id, type, name_en, name_ar, aliases, weak_aliases) "
            "SELECT id, type, name_en, name_ar, aliases, weak_aliases FROM _entities_in "
            "ON CONFLICT (id) DO UPDATE SET type = EXCLUDED.type, name_en = EXCLUDED.name_en, "
            "name_ar = EXCLUDED.name_ar, aliases = EXCLUDED.aliases, "
            "weak_aliases = EXCLUDED.weak_aliases, updated_at = now() "
            "WHERE (entities.type, entities.name_en, entities.name_ar, entities.aliases, "
            "entities.weak_aliases) IS DISTINCT FROM (EXCLUDED.type, EXCLUDED.name_en, "
            "EXCLUDED.name_ar, EXCLUDED.aliases, EXCLUDED.weak_aliases)")
        changed = cur.rowcount
        cur.execute("DELETE FROM entities e WHERE NOT EXISTS "
                    "(SELECT 1 FROM _entities_in i WHERE i.id = e.id) AND NOT EXISTS "
                    "(SELECT 1 FROM article_entities a WHERE a.entity_id = e.id)")
        removed = cur.rowcount
    conn.commit()
    return {"entities": len(rows), "changed": changed, "removed": removed}


COPY_LINES = 2000  # mention rows formatted before they are handed to COPY in one write
# Tries of a batch whose articles another tagger or a night wrote while it was tagging (the
# night and a re-tag may tag, or a night store, the same article at once).
WRITE_ATTEMPTS = 6
RETRY_PAUSE = 0.25  # seconds before the second try, doubled for each one after
# What COPY's text format escapes in a value (as psycopg's own row writer does).
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n",
                               "\v": "\\v", "\f": "\\f", "\r": "\\r"})


def _copy_text(value: str) -> str:
    """``value`` as a field of COPY's text format."""
    return value.translate(_COPY_ESCAPES)


MENTION_COLUMNS = ("article_id, entity_id, surface, surface_norm, type, field, start_offset, "
                   "end_offset, method, confidence")


class UnknownEntityError(RuntimeError):
    """Mentions link entity ids that are not in ``entities``: the gazetteer was not synced."""


def _lock_entities(conn: psycopg.Connection, used: set[str]) -> None:
    """Check that every entity id in ``used`` exists, and lock them until the commit.

    ``article_entities`` has no foreign keys (migration 097): this one query per batch is
    their insert-side check, and ``FOR KEY SHARE`` keeps a concurrent delete of an entity
    waiting until the batch is committed, when its trigger unlinks the new mentions too.
    """
    if not used:
        return
    found = {r[0] for r in conn.execute(
        "SELECT id FROM entities WHERE id = ANY(%s) ORDER BY id FOR KEY SHARE",
        (sorted(used),))}
    missing = sorted(used - found)
    if missing:
        shown = ", ".join(missing[:20]) + (f" and {len(missing) - 20} more"
                                           if len(missing) > 20 else "")
        raise UnknownEntityError(
            f"{len(missing)} entity id(s) of the mentions are not in the entities table: "
            f"{shown}. Sync the gazetteer into the database first "
            "(pipeline.entities_db.sync_entities; `akhbar entities retag` does it).")


# A confidence is stored as ``real`` (about seven digits): compared to six.
_CONFIDENCE_DIGITS = 6


def _stored_mentions(conn: psycopg.Connection, article_ids: Sequence[int]
                     ) -> dict[int, Counter[tuple[Any, ...]]]:
    """The stored mentions of ``article_ids``, as :func:`_mention_key` keys per article."""
    stored: dict[int, Counter[tuple[Any, ...]]] = {}
    for aid, *key, conf in conn.execute(
            "SELECT article_id, entity_id, surface, type, field, start_offset, end_offset, "
            "method, confidence FROM article_entities WHERE article_id = ANY(%s)",
            (list(article_ids),)):
        stored.setdefault(aid, Counter())[(*key, round(conf, _CONFIDENCE_DIGITS))] += 1
    return stored


def _mention_key(mention: MentionRow) -> tuple[Any, ...]:
    surface, etype, start, end, method, conf, entity_id, _canonical, fld = mention
    return (entity_id, surface, etype, fld, start, end, method, round(conf, _CONFIDENCE_DIGITS))


def _write_batch(conn: psycopg.Connection, batch_ids: Sequence[int], tagger: EntityTagger,
                 surfaces: dict[str, str], confidences: dict[float, str]
                 ) -> tuple[int, int, int, Counter[str]]:
    """Tag one batch and replace its rows, uncommitted: articles, mentions, unlinked ones
    and mentions per method. ``surfaces`` and ``confidences`` cache COPY fields across
    batches."""
    # A summary equal to the body is not even read (NULLIF); the tagger leaves out any
    # other that the body already holds (summary_adds).
    read = conn.execute(
        "SELECT a.id, a.title, nullif(a.summary, a.body), a.body, "
        "EXISTS (SELECT 1 FROM article_entities e WHERE e.article_id = a.id), a.content_hash "
        "FROM articles a WHERE a.id = ANY(%s) ORDER BY a.id FOR KEY SHARE OF a",
        (list(batch_ids),)).fetchall()
    hashes = {r[0]: r[5] for r in read}
    rows = [r[:5] for r in read]
    # Articles tagged before are tagged first: where their mentions come out as stored, the
    # rows stay as they are (a re-run keeps every mention id); the others' are replaced.
    stored = _stored_mentions(conn, [r[0] for r in rows if r[4]])
    replaced: list[tuple[int, list[MentionRow]]] = []
    kept: list[list[MentionRow]] = []
    for aid, title, summary, body, tagged in rows:
        if not tagged:
            continue
        mentions = tagger.tag_rows({"title": title, "summary": summary, "body": body})
        if Counter(map(_mention_key, mentions)) == stored.get(aid, Counter()):
            kept.append(mentions)
        else:
            replaced.append((aid, mentions))
    written = unlinked = 0
    # The batch's entity ids, formatted; its keys are what _lock_entities checks.
    entity_ids: dict[str | None, str] = {None: "\\N"}
    counted: Counter[str] = Counter()
    for mentions in kept:  # counted as tagged, not written again
        written += len(mentions)
        unlinked += sum(1 for m in mentions if m[6] is None)
        counted.update(m[4] for m in mentions)

    def fresh() -> Iterator[tuple[int, list[MentionRow]]]:
        yield from replaced
        for aid, title, summary, body, tagged in rows:
            if not tagged:
                yield aid, tagger.tag_rows({"title": title, "summary": summary, "body": body})

    with conn.cursor() as cur:
        if replaced:
            cur.execute("DELETE FROM article_entities WHERE article_id = ANY(%s)",
                        ([aid for aid, _ in replaced],))
        with cur.copy(f"COPY article_entities ({MENTION_COLUMNS}) FROM STDIN") as copy:
            lines: list[str] = []
            for aid, mentions in fresh():
                if not mentions:
                    continue
                written += len(mentions)
                for (surface, etype, start, end, method, conf, entity_id, _canonical,
                     fld) in mentions:
                    sn = surfaces.get(surface)
                    if sn is None:
                        sn = surfaces[surface] = (f"{_copy_text(surface)}\t"
                                                  f"{_copy_text(normalize_inline(surface))}")
                    eid = entity_ids.get(entity_id)
                    if eid is None:
                        eid = entity_ids[entity_id] = _copy_text(entity_id)
                    if entity_id is None:
                        unlinked += 1
                    ctext = confidences.get(conf)
                    if ctext is None:
                        ctext = confidences[conf] = repr(float(conf))
                    lines.append(f"{aid}\t{eid}\t{sn}\t{etype}\t{fld}\t{start}\t"
                                 f"{end}\t{method}\t{ctext}\n")
                    counted[method] += 1
                if len(lines) >= COPY_LINES:  # streamed while the next are tagged
                    copy.write("".join(lines))
                    lines.clear()
            if lines:
                copy.write("".join(lines))
    _lock_entities(conn, {e for e in entity_ids if e is not None})
    _check_unchanged(conn, hashes)
    return len(rows), written, unlinked, counted


class _TextChanged(Exception):
    """A night stored new text for an article of the batch while it was being tagged."""


def _check_unchanged(conn: psycopg.Connection, hashes: dict[int, str]) -> None:
    """Hold the batch's articles until the commit, and check their text is still the one
    tagged: mentions of a text a night has replaced meanwhile would point at wrong offsets.

    ``NOWAIT``: a night still writing one of them is waited for by trying the batch again,
    never inside the lock queue, where a wait could close a deadlock on the night's load."""
    if not hashes:
        return
    now = dict(conn.execute(
        "SELECT id, content_hash FROM articles WHERE id = ANY(%s) ORDER BY id "
        "FOR SHARE NOWAIT", (list(hashes),)).fetchall())
    if any(now.get(aid) != value for aid, value in hashes.items()):
        raise _TextChanged


def tag_articles(conn: psycopg.Connection, article_ids: Sequence[int], gazetteer: Gazetteer,
                 tagger: EntityTagger | None = None, batch: int = 2000) -> EntityStats:
    """Tag the given articles and replace their ``article_entities`` rows, batch by batch.

    Each batch is one transaction: the articles' old rows are deleted (only for articles
    that have rows, so a night's new articles skip it) and the new rows are streamed into
    ``COPY`` while the next articles are tagged, so the server writes as the tagger works.
    Re-tagging an article replaces its rows, so a second pass changes nothing, and a batch
    whose articles another tagger (the night, a re-tag) wrote meanwhile is read again. The
    gazetteer must have been synced (:func:`sync_entities`): a batch that links an id
    missing from ``entities`` is rolled back and :class:`UnknownEntityError` raised.

    The table has no foreign keys (they ran a trigger per row): the batch's articles are
    read ``FOR KEY SHARE`` and its entity ids checked and locked likewise before the commit,
    so a concurrent delete waits for the commit and then removes (or unlinks) the new rows.
    """
    tagger = tagger or EntityTagger(gazetteer)
    stats = EntityStats()
    methods: Counter[str] = Counter()
    # COPY text fields, formatted once per distinct value: names recur across articles.
    surfaces: dict[str, str] = {}  # surface -> "surface<TAB>normalized surface", escaped
    confidences: dict[float, str] = {}
    ids = sorted(set(article_ids))
    for i in range(0, len(ids), batch):
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                articles, written, unlinked, counted = _write_batch(
                    conn, ids[i:i + batch], tagger, surfaces, confidences)
            except (psycopg.errors.UniqueViolation, psycopg.errors.LockNotAvailable,
                    _TextChanged) as exc:
                with suppress(psycopg.Error):
                    conn.rollback()
                if attempt == WRITE_ATTEMPTS:
                    if isinstance(exc, _TextChanged):
                        raise RuntimeError(
                            f"entities: articles {ids[i]} to {ids[min(i + batch, len(ids)) - 1]}"
                            " kept changing while they were tagged; run the re-tag again "
                            "once the night has loaded") from None
                    raise
                # Another tagger (the night, a re-tag) committed rows of these articles
                # after they were read, or a night stored or is storing new text for them:
                # read them again, so that their rows are replaced by the new text's.
                log.info("entities: articles %d to %d changed meanwhile; again",
                         ids[i], ids[min(i + batch, len(ids)) - 1])
                time.sleep(RETRY_PAUSE * 2 ** (attempt - 1))
                continue
            except BaseException:
                with suppress(psycopg.Error):  # nothing of the batch stays, not even uncommitted
                    conn.rollback()
                raise
            break
        conn.commit()
        stats.articles += articles
        stats.mentions += written
        stats.unlinked += unlinked
        methods.update(counted)
    stats.linked = stats.mentions - stats.unlinked
    stats.by_method = dict(sorted(methods.items()))
    return stats


def candidates(conn: psycopg.Connection, limit: int = 50,
               min_articles: int = 2) -> list[dict[str, Any]]:
    """The most frequent unlinked names: what a maintainer should add to the gazetteer."""
    rows = conn.execute(
        "SELECT surface_norm, type, count(*) AS mentions, count(DISTINCT article_id) AS n, "
        "mode() WITHIN GROUP (ORDER BY surface) AS example, round(avg(confidence)::numeric, 2) "
        "FROM article_entities WHERE entity_id IS NULL "
        "GROUP BY surface_norm, type HAVING count(DISTINCT article_id) >= %s "
        "ORDER BY n DESC, mentions DESC, surface_norm LIMIT %s", (min_articles, limit)).fetchall()
    return [{"name": r[4], "normalized": r[0], "type": r[1], "mentions": r[2], "articles": r[3],
             "confidence": float(r[5])} for r in rows]


def retag(url: str, *, start: datetime | None = None, end: datetime | None = None,
          taxonomy_version: str | None = None, batch_size: int = 1000) -> dict[str, Any]:
    """Re-tag stored articles published in ``[start, end)`` (after editing the gazetteer).

    The gazetteer is synced first, and again at the end to drop the entities it no longer
    holds that no mention links any more; each batch commits on its own, so an interrupted
    re-tag keeps what it finished. ``taxonomy_version`` belongs to topic tagging and is ignored.
    """
    del taxonomy_version
    started = time.monotonic()
    tagger = default_tagger()
    gazetteer = tagger.gazetteer  # one version of the file throughout, even if it is edited
    total = EntityStats()
    with store.connect(url) as conn:
        synced = sync_entities(conn, gazetteer)
        ids = store.article_ids_between(conn, start, end)
        conn.commit()
        for i in range(0, len(ids), batch_size):
            total.add(tag_articles(conn, ids[i:i + batch_size], gazetteer, tagger))
            log.info("entities: re-tagged %d of %d articles", min(i + batch_size, len(ids)),
                     len(ids))
        # The first sync kept the entities the gazetteer dropped or renamed while mentions
        # still linked them; those the re-tag has unlinked go now, not at the next night.
        sync_entities(conn, gazetteer)
    return {**total.as_dict(), "entities": synced["entities"],
            "seconds": round(time.monotonic() - started, 2)}


def tag_run(conn: psycopg.Connection, article_ids: Sequence[int]) -> dict[str, Any]:
    """The nightly stage: sync the gazetteer, then tag the night's articles."""
    started = time.monotonic()
    tagger = default_tagger()
    synced = sync_entities(conn, tagger.gazetteer)
    stats = tag_articles(conn, article_ids, tagger.gazetteer, tagger)
    return {**stats.as_dict(), "entities_changed": synced["changed"],
            "ner": tagger.ner is not None,
            "seconds": round(time.monotonic() - started, 2)}
