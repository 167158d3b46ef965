"""A whole night end to end: feeds served from 127.0.0.1, loaded into a real PostgreSQL."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from feedkit import etagged, fetch_night, respond, rss, sequence, slow, write_registry

from pipeline import night, report
from pipeline.settings import Settings

SAMPLES = Path(__file__).resolve().parents[1] / "pipeline" / "data" / "samples"
NIGHT = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def served(http_server, tmp_path: Path) -> Path:
    """Three good sample feeds, a malformed one, an HTTP 500 and a slow one."""
    http_server.static("/sky.xml", (SAMPLES / "skynews-rss.xml").read_bytes())
    http_server.static("/arabiya.atom", (SAMPLES / "alarabiya-atom.xml").read_bytes(),
                       content_type="application/atom+xml")
    http_server.static("/bbc.xml", (SAMPLES / "bbc-windows-1256.xml").read_bytes(),
                       content_type="application/rss+xml; charset=windows-1256")
    http_server.static("/broken.xml", b"<rss><channel><title>\xd8\xb9</title></chan")
    http_server.static("/error.xml", b"oops", status=500)
    http_server.route("/slow.xml", slow(3))
    return write_registry(tmp_path, [
        ("sky", http_server.url("/sky.xml")), ("arabiya", http_server.url("/arabiya.atom")),
        ("bbc", http_server.url("/bbc.xml")), ("broken", http_server.url("/broken.xml")),
        ("error", http_server.url("/error.xml")), ("slow", http_server.url("/slow.xml")),
    ])


def settings() -> Settings:
    return Settings(http_timeout=1.0, http_connect_timeout=1.0)


def table_rows(conn: psycopg.Connection, sql: str) -> list[tuple]:
    return conn.execute(sql).fetchall()


def test_clean_run_loads_every_entry_once_and_rerun_adds_nothing(
        db_url: str, served: Path, conn: psycopg.Connection) -> None:
    summary = night.run_night(db_url, settings(), served, run_key="2024-03-01", logical_ts=NIGHT)
    assert (summary.feeds_ok, summary.feeds_failed) == (3, 3)
    assert summary.entries_seen == 28
    assert summary.articles_new == 28
    urls = table_rows(conn, "SELECT canonical_url FROM articles")
    assert len(urls) == len(set(urls)) == 28

    failures = dict(table_rows(conn, "SELECT feed_id, error FROM fetches WHERE status = 'failed'"))
    assert set(failures) == {"broken", "error", "slow"}
    assert "parse error" in failures["broken"]
    assert failures["error"] == "HTTP 500"
    assert "timeout" in failures["slow"].lower()

    before = table_rows(conn, "SELECT * FROM articles ORDER BY id")
    again = night.run_night(db_url, settings(), served, run_key="2024-03-01", logical_ts=NIGHT)
    assert again.articles_new == 0
    assert again.articles_duplicate == 28
    conn.commit()
    assert table_rows(conn, "SELECT * FROM articles ORDER BY id") == before
    assert table_rows(conn, "SELECT count(*) FROM runs") == [(1,)]


def test_backfill_leaves_the_newer_night_its_articles(
        db_url: str, http_server, tmp_path: Path, conn: psycopg.Connection) -> None:
    # A backfill fetches what the feed carries now: three known items and a fourth new one.
    newer, older = datetime(2024, 3, 24, 2, 30, tzinfo=UTC), NIGHT
    http_server.route("/a.xml", sequence(
        respond(200, rss("a", 3), {"Content-Type": "application/rss+xml"}),
        respond(200, rss("a", 4), {"Content-Type": "application/rss+xml"})))
    registry = write_registry(tmp_path, [("a", http_server.url("/a.xml"))])
    fetch_night(db_url, settings(), registry, "2024-03-23T02:30:00+00:00", newer)
    assert report.read_report(conn, newer.date()).night["articles"] == 3
    conn.commit()

    fetch_night(db_url, settings(), registry, "2024-02-29T02:30:00+00:00", older)
    assert report.read_report(conn, newer.date()).night["articles"] == 3
    assert report.read_report(conn, older.date()).night["articles"] == 1
    assert table_rows(conn, "SELECT first_seen, last_seen, count(*) FROM articles "
                            "GROUP BY 1, 2 ORDER BY 1") == [(older, older, 1), (newer, newer, 3)]
    assert table_rows(conn, "SELECT seen_at, count(*) FROM article_sightings "
                            "GROUP BY 1 ORDER BY 1") == [(older, 4), (newer, 3)]


def test_backfill_of_an_unchanged_feed_records_its_sightings(
        db_url: str, http_server, tmp_path: Path, conn: psycopg.Connection) -> None:
    # The feed serves the same bytes, with an ETag, to the newer night and to the backfill.
    newer, older = datetime(2024, 3, 24, 2, 30, tzinfo=UTC), NIGHT
    http_server.route("/a.xml", etagged(rss("a", 3), '"v1"'))
    registry = write_registry(tmp_path, [("a", http_server.url("/a.xml"))])
    fetch_night(db_url, settings(), registry, "2024-03-23T02:30:00+00:00", newer)
    summary = fetch_night(db_url, settings(), registry, "2024-02-29T02:30:00+00:00", older)
    assert (summary.feeds_ok, summary.articles_duplicate) == (1, 3)
    assert table_rows(conn, "SELECT seen_at, count(*) FROM article_sightings "
                            "GROUP BY 1 ORDER BY 1") == [(older, 3), (newer, 3)]
    assert table_rows(conn, "SELECT DISTINCT first_seen FROM articles") == [(newer,)]
    # The next night is conditional again: a 304, nothing parsed.
    later = fetch_night(db_url, settings(), registry, "2024-03-24T02:30:00+00:00",
                        datetime(2024, 3, 25, 2, 30, tzinfo=UTC))
    assert later.feeds_not_modified == 1


def test_backfill_counts_the_older_text_it_keeps_out_not_as_updated(
        db_url: str, http_server, tmp_path: Path, conn: psycopg.Connection) -> None:
    # The newer night loaded edited texts; the older night brings the texts before the edit.
    newer, older = datetime(2024, 3, 24, 2, 30, tzinfo=UTC), NIGHT
    same_links = {"link": lambda i: f"https://news.example/a/{i}"}
    http_server.route("/a.xml", sequence(
        respond(200, rss("edited", 2, **same_links), {"Content-Type": "application/rss+xml"}),
        respond(200, rss("a", 3), {"Content-Type": "application/rss+xml"})))
    registry = write_registry(tmp_path, [("a", http_server.url("/a.xml"))])
    fetch_night(db_url, settings(), registry, "2024-03-23T02:30:00+00:00", newer)
    conn.commit()
    bodies = table_rows(conn, "SELECT canonical_url, body FROM articles ORDER BY id")

    summary = fetch_night(db_url, settings(), registry, "2024-02-29T02:30:00+00:00", older)
    assert (summary.articles_new, summary.articles_updated, summary.articles_older,
            summary.articles_duplicate) == (1, 0, 2, 0)
    assert table_rows(conn, "SELECT canonical_url, body FROM articles ORDER BY id")[:2] == bodies
    details, loaded = table_rows(conn, "SELECT f.details, f.loaded FROM fetches f "
                                       "JOIN runs r ON r.id = f.run_id "
                                       "WHERE r.logical_ts = '2024-03-01T02:00:00Z'")[0]
    assert (details["new"], details["updated"], details["older"], loaded) == (1, 0, 2, 3)


def test_windows_1256_feed_is_decoded(db_url: str, served: Path,
                                      conn: psycopg.Connection) -> None:
    night.run_night(db_url, settings(), served, run_key="k", logical_ts=NIGHT)
    titles = [r[0] for r in table_rows(conn, "SELECT title FROM articles WHERE feed_id = 'bbc'")]
    assert len(titles) == 8
    assert any("كوري" in t for t in titles)
    assert all("\ufffd" not in t and "Ø" not in t for t in titles)


def test_full_content_is_preferred_over_summary(db_url: str, served: Path,
                                                conn: psycopg.Connection) -> None:
    night.run_night(db_url, settings(), served, run_key="k", logical_ts=NIGHT)
    rows = table_rows(conn, "SELECT feed_id, body_source, length(body) > length(summary) "
                            "FROM articles")
    sources = {(feed, src) for feed, src, _ in rows}
    assert ("sky", "content") in sources and ("arabiya", "content") in sources
    assert ("bbc", "summary") in sources
    assert all(longer for feed, src, longer in rows if src == "content")


def test_file_registry_runs_offline(db_url: str, conn: psycopg.Connection) -> None:
    summary = night.run_night(db_url, settings(), SAMPLES / "feeds.yaml", run_key="s",
                              logical_ts=NIGHT)
    assert summary.feeds_ok == 4 and summary.feeds_failed == 0
    assert summary.articles_duplicate == 1  # the wire copy under another URL
    copies = table_rows(conn, "SELECT count(DISTINCT outlet) FROM article_sightings s "
                              "GROUP BY article_id HAVING count(*) > 1")
    assert copies == [(2,)]


def test_a_night_tags_with_the_gazetteer_akhbar_gazetteer_names(
        db_url: str, conn: psycopg.Connection, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """AKHBAR_GAZETTEER makes the night use a copy of the gazetteer, as AKHBAR_TAXONOMY
    does for the taxonomy: its entities, and only those, are synced into the warehouse."""
    copy = tmp_path / "gazetteer.yaml"
    copy.write_text('version: 1\nentities:\n  - {id: "akhbar:copy-agency", type: ORG, '
                    "en: Copy Agency, ar: وكالة الأنباء المنسوخة}\n", encoding="utf-8")
    monkeypatch.setenv("AKHBAR_GAZETTEER", str(copy))
    night.run_night(db_url, settings(), SAMPLES / "feeds.yaml", run_key="s", logical_ts=NIGHT)
    assert table_rows(conn, "SELECT id FROM entities") == [("akhbar:copy-agency",)]


def test_tag_shards_cover_the_night_once_and_merge_their_figures() -> None:
    ids = list(range(3, 40))
    shards = [night.shard_ids(ids, k, 3) for k in range(3)]
    assert sorted(sum(shards, [])) == ids and all(shards)
    assert night.shard_ids(ids) == ids
    with pytest.raises(ValueError):
        night.shard_ids(ids, 2, 2)
    merged = night.merge_figures([
        {"articles": 5, "seconds": 2.0, "ner": False, "by_method": {"gazetteer": 3}},
        {"articles": 7, "seconds": 3.5, "ner": False, "by_method": {"gazetteer": 1, "pattern": 2}}])
    assert merged == {"articles": 12, "seconds": 3.5, "ner": False, "shards": 2,
                      "by_method": {"gazetteer": 4, "pattern": 2}}
    assert night.merge_figures({"articles": 1}) == {"articles": 1}  # an unmapped task's dict
    assert night.merge_figures(None) is None


def test_an_interrupted_night_is_stored_failed(db_url: str, conn: psycopg.Connection) -> None:
    """Ctrl-C during the fetch: the run is stored failed, naming the stage, not left running."""
    def interrupt(_feed: str, _entries: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        night.run_night(db_url, settings(), SAMPLES / "feeds.yaml", run_key="cut",
                        logical_ts=NIGHT, progress=interrupt)
    status, error = conn.execute(
        "SELECT status, summary->>'error' FROM runs WHERE run_key = 'cut'").fetchone()
    assert (status, error) == ("failed", "fetch: KeyboardInterrupt: ")


# A night run by a process of its own that stalls after its first feed, so that it can be
# killed mid-run the way the OOM killer or `kill -9` would.
_STALLING_NIGHT = """
import sys, time
from datetime import UTC, datetime
from pathlib import Path
from pipeline import night
from pipeline.settings import Settings

def stall(_feed, _entries):
    print("loading", flush=True)
    time.sleep(600)

night.run_night(sys.argv[1], Settings(http_timeout=1.0), Path(sys.argv[2]), run_key="killed",
                logical_ts=datetime(2024, 3, 1, 2, 0, tzinfo=UTC), progress=stall)
"""


def test_a_killed_night_is_stored_failed_when_the_next_one_starts(
        db_url: str, conn: psycopg.Connection, tmp_path: Path) -> None:
    """SIGKILL leaves no chance to store the run failed; the next night sees its process is gone."""
    script = tmp_path / "stalling_night.py"
    script.write_text(_STALLING_NIGHT, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, str(script), db_url, str(SAMPLES / "feeds.yaml")],
                            stdout=subprocess.PIPE, text=True, cwd=Path(__file__).parents[1])
    try:
        assert proc.stdout is not None and proc.stdout.readline() == "loading\n"
        assert conn.execute("SELECT status FROM runs WHERE run_key = 'killed'"
                            ).fetchone() == ("running",)
        conn.rollback()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    night.prepare(db_url, SAMPLES / "feeds.yaml", "next", datetime(2024, 3, 2, 2, tzinfo=UTC))
    status, finished, error = conn.execute(
        "SELECT status, finished_at, summary->>'error' FROM runs WHERE run_key = 'killed'"
    ).fetchone()
    assert status == "failed" and finished is not None
    assert error.startswith(f"abandoned: its process {proc.pid} on {socket.gethostname()} "
                            "is gone"), error
