"""Data-quality checks read back from the database, and feed sharding."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from pipeline import night, quality
from pipeline.quality import QualityError, QualityThresholds
from pipeline.settings import Settings

SAMPLES = Path(__file__).resolve().parents[1] / "pipeline" / "data" / "samples"
NIGHT = datetime(2024, 3, 1, 2, 30, tzinfo=UTC)


def loaded_night(db_url: str) -> int:
    """The sample feeds fetched, loaded and indexed (the stages the checks read); the run id."""
    run_id, feed_ids = night.prepare(db_url, SAMPLES / "feeds.yaml", "q", NIGHT)
    night.fetch_and_load(db_url, run_id, feed_ids, Settings())
    night.index_search(db_url, run_id)
    return run_id


def test_a_clean_night_passes_with_figures_from_the_database(db_url: str) -> None:
    run_id = loaded_night(db_url)
    report = night.check_quality(db_url, run_id, feeds_expected=4)
    assert report.passed
    assert (report.feeds_logged, report.feeds_ok, report.feeds_failed) == (4, 4, 0)
    with psycopg.connect(db_url) as conn:
        [(articles, sightings)] = conn.execute(
            "SELECT count(DISTINCT article_id), count(*) FROM article_sightings "
            "WHERE run_id = %s", (run_id,)).fetchall()
    assert (report.articles, report.sightings) == (articles, sightings)
    assert report.sightings - report.articles == 1  # the sample wire copy
    assert [c.name for c in report.checks] == [
        "every feed logged", "failed feed share", "articles loaded", "articles without body",
        "articles not searchable", "duplicate share"]
    report.raise_if_breached()  # does not raise


def test_each_breach_is_named_in_the_error(db_url: str) -> None:
    run_id = loaded_night(db_url)
    with psycopg.connect(db_url) as conn:
        conn.execute("UPDATE articles SET body = '' WHERE id IN "
                     "(SELECT id FROM articles ORDER BY id LIMIT 20)")
        conn.execute("UPDATE fetches SET status = 'failed', error = 'HTTP 503' "
                     "WHERE feed_id IN (SELECT feed_id FROM fetches ORDER BY feed_id LIMIT 3)")
        conn.commit()
        report = quality.check_run(conn, run_id, feeds_expected=5,
                                   limits=QualityThresholds(max_failed_feed_share=0.5))
    assert {c.name for c in report.breaches} == {
        "every feed logged", "failed feed share", "articles without body"}
    with pytest.raises(QualityError) as err:
        report.raise_if_breached()
    message = str(err.value)
    assert "3 of 4 feeds failed (75%); allowed up to 50%" in message
    assert "4 of 5 feeds have a fetch record" in message
    assert "AKHBAR_QA_MAX_EMPTY_BODY_SHARE" in message


def test_a_night_of_unchanged_feeds_needs_no_articles() -> None:
    report = quality.QualityReport(run_id=1, feeds_expected=2, feeds_logged=2,
                                   feeds_not_modified=2)
    assert quality.evaluate(report, QualityThresholds()).passed
    report.entries = 5  # entries parsed but nothing loaded is a breach
    assert [c.name for c in quality.evaluate(report, QualityThresholds()).breaches] == [
        "articles loaded"]


def test_thresholds_from_the_environment() -> None:
    limits = QualityThresholds.from_env({"AKHBAR_MAX_FAILED_FEED_SHARE": "0.2",
                                         "AKHBAR_QA_MIN_ARTICLES": "50",
                                         "AKHBAR_QA_MAX_DUPLICATE_SHARE": "0.9"})
    assert limits == QualityThresholds(max_failed_feed_share=0.2, min_articles=50,
                                       max_empty_body_share=0.25, max_duplicate_share=0.9)


def test_feed_health_lists_failed_feeds_first(db_url: str) -> None:
    run_id = loaded_night(db_url)
    with psycopg.connect(db_url) as conn:
        conn.execute("UPDATE fetches SET status = 'failed', error = 'HTTP 404' "
                     "WHERE feed_id = (SELECT max(feed_id) FROM fetches)")
        conn.commit()
        rows = quality.feed_health(conn, run_id)
    assert rows[0].status == "failed" and rows[0].error == "HTTP 404"
    text = quality.render_feed_health(rows)
    assert text.splitlines()[0].split() == ["feed", "status", "http", "entries", "loaded",
                                            "reason"]
    assert text.endswith("feeds: 4 (ok=3, not_modified=0, failed=1)")


@pytest.mark.parametrize(("feeds", "shards", "sizes"), [
    (10, 3, [4, 3, 3]), (2, 8, [1, 1]), (1000, 8, [125] * 8), (0, 4, [])])
def test_shard_feeds_balances_and_keeps_every_feed(feeds: int, shards: int,
                                                   sizes: list[int]) -> None:
    ids = [f"feed-{i:04d}" for i in range(feeds)]
    groups = night.shard_feeds(list(reversed(ids)), shards)
    assert [len(g) for g in groups] == sizes
    assert [f for g in groups for f in g] == ids  # sorted, contiguous, nothing lost
