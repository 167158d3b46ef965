"""Articles for the warehouse tests, loaded through the pipeline's own loader."""

from __future__ import annotations

from datetime import datetime

import psycopg

from pipeline import extract, store
from pipeline.records import Article, FeedSpec


def article(feed_id: str, outlet: str, url: str, title: str, body: str,
            published: datetime | None) -> Article:
    """An article cleaned as the extractor leaves it (normalized forms and hash filled)."""
    return extract.finish_article(Article(
        feed_id=feed_id, outlet=outlet, url=url, canonical_url=url, guid=None, title=title,
        summary=body[:200], body=body, body_source="content", published_at=published))


def load(conn: psycopg.Connection, run_key: str, ts: datetime,
         articles: list[Article]) -> store.Run:
    """Register the articles' feeds, open a run at ``ts`` and load them in one batch."""
    feeds = {(a.feed_id, a.outlet) for a in articles}
    store.sync_feeds(conn, [FeedSpec(id=f, name=f"{o} feed", url=f"https://{f}.example/rss",
                                     outlet=o) for f, o in sorted(feeds)])
    run = store.start_run(conn, run_key, ts)
    store.load_articles(conn, run, articles)
    conn.commit()
    return run
