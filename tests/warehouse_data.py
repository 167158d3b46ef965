"""Articles for the warehouse tests, loaded through the pipeline's own loader."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import psycopg

from pipeline import extract, night, search, store
from pipeline.records import Article, FeedSpec
from pipeline.settings import Settings


def article(feed_id: str, outlet: str, url: str, title: str, body: str,
            published: datetime | None) -> Article:
    """An article cleaned as the extractor leaves it (normalized forms and hash filled)."""
    return extract.finish_article(Article(
        feed_id=feed_id, outlet=outlet, url=url, canonical_url=url, guid=None, title=title,
        summary=body[:200], body=body, body_source="content", published_at=published))


def load(conn: psycopg.Connection, run_key: str, ts: datetime,
         articles: list[Article], index: bool = True) -> store.Run:
    """Register the articles' feeds, open a run at ``ts``, load them in one batch and (unless
    ``index`` is false) index them for search, as a night does."""
    feeds = {(a.feed_id, a.outlet) for a in articles}
    store.sync_feeds(conn, [FeedSpec(id=f, name=f"{o} feed", url=f"https://{f}.example/rss",
                                     outlet=o) for f, o in sorted(feeds)])
    run = store.start_run(conn, run_key, ts)
    store.load_articles(conn, run, articles)
    conn.commit()
    if index:
        search.index_articles(conn, store.run_article_ids(conn, run.id))
    return run


SAMPLES = Path(__file__).resolve().parents[1] / "pipeline" / "data" / "samples"
SAMPLE_NIGHT = datetime(2018, 2, 24, 2, 0, tzinfo=UTC)  # the day after most sample articles


def sample_registry(folder: Path) -> Path:
    """The bundled sample feeds, plus one feed whose file is missing (it fails)."""
    feeds = [("sample-skynews", "Sky News Arabia", "skynews-rss.xml"),
             ("sample-alarabiya", "Al Arabiya", "alarabiya-atom.xml"),
             ("sample-bbc", "BBC Arabic", "bbc-windows-1256.xml"),
             ("sample-france24", "France 24 Arabic", "france24-rss.xml")]
    lines = ["feeds:"]
    for feed_id, outlet, name in feeds:
        lines += [f"  - id: {feed_id}", f"    name: {outlet} sample", f"    outlet: {outlet}",
                  f"    url: {(SAMPLES / name).as_uri()}"]
    lines += ["  - id: gone", "    name: A feed that is gone", "    outlet: Gone Daily",
              f"    url: {(folder / 'missing.xml').as_uri()}"]
    path = folder / "feeds.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_sample_night(db_url: str, folder: Path) -> night.RunSummary:
    """A real night of the pipeline over the sample feeds."""
    return night.run_night(db_url, Settings(), sample_registry(folder), run_key="2018-02-24",
                           logical_ts=SAMPLE_NIGHT)
