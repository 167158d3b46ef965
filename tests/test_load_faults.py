"""Bad entries and changed registries on the load side: one entry costs only itself.

Feeds served on 127.0.0.1. An entry whose text holds a NUL, whose link is huge or has a
port out of range, must not stop its feed or the feeds after it; a re-run after a feed was
switched off must not keep that feed's old fetch row; a re-parse completes every stage.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from feedkit import etagged, fetch_night, respond, rss, sequence, write_registry
from typer.testing import CliRunner

from pipeline import extract, feeds, night, store
from pipeline.cli import app
from pipeline.records import Article, FeedSpec, RawEntry
from pipeline.settings import Settings

NIGHT = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
BODY = "<description>نص الخبر الطويل بما يكفي ليكون مقالة كاملة في هذه التجربة</description>"


def _item(title: str, link: str) -> str:
    return f"<item><title>{title}</title><link>{link}</link>{BODY}</item>"


def _articles(conn: psycopg.Connection) -> Counter[str]:
    return Counter(dict(conn.execute(
        "SELECT feed_id, count(*) FROM articles GROUP BY feed_id").fetchall()))


def test_bad_entries_cost_only_themselves(db_url: str, conn: psycopg.Connection,
                                          http_server, tmp_path: Path) -> None:
    long_link = "https://news.example/m/long?" + "q=" + "x" * 6000
    bad = (_item("خبر فيه &#0; محرف فارغ", "https://news.example/m/nul")
           + _item("خبر برابط طويل جدا", long_link)
           + _item("خبر بمنفذ خاطئ", "http://news.example:99999/m/port")
           + _item("خبر بقوس ناقص", "http://[bad/m/bracket"))
    http_server.route("/a.xml", respond(200, rss("a", 3), RSS))
    http_server.route("/m.xml", respond(200, rss("m", 3, extra_items=bad), RSS))
    http_server.route("/z.xml", respond(200, rss("z", 3), RSS))
    registry = write_registry(tmp_path, [("a", http_server.url("/a.xml")),
                                         ("m", http_server.url("/m.xml")),
                                         ("z", http_server.url("/z.xml"))])
    summary = fetch_night(db_url, Settings(), registry, "n", NIGHT)
    assert (summary.feeds_ok, summary.feeds_failed) == (3, 0)
    # The NUL is removed and its article kept; the three broken links are dropped.
    assert _articles(conn) == {"a": 3, "m": 4, "z": 3}
    assert summary.problems["nul_removed"] == 1
    assert summary.problems["dropped_bad_link"] == 3
    title = conn.execute("SELECT title FROM articles WHERE url LIKE '%/m/nul'").fetchone()[0]
    assert "\x00" not in title and "محرف فارغ" in title


def test_an_article_the_database_refuses_is_counted_and_the_rest_load(
        db_url: str, conn: psycopg.Connection, monkeypatch: pytest.MonkeyPatch) -> None:
    # A refusal the entry rules did not foresee (here a NUL slipped past them).
    with store.connect(db_url) as c:
        store.sync_feeds(c, [FeedSpec("f", "f", "https://news.example/f.xml", "O")])
        run = store.start_run(c, "k", NIGHT, None, None)
    now = datetime(2024, 3, 2, tzinfo=UTC)
    good = [extract.entry_to_article(RawEntry(
        feed_id="f", outlet="O", link=f"https://news.example/f/{i}", guid=None,
        title=f"عنوان الخبر رقم {i}", summary_html=f"نص الخبر {i} " * 10, content_html=None,
        published=None, language="ar", author=None), "https://news.example/", now, Counter())
        for i in range(5)]
    articles: list[Article] = [a for a in good if a is not None]
    articles[2].body = articles[2].body + "\x00"
    problems: Counter[str] = Counter()
    with store.connect(db_url) as c:
        stats = night._load_batch(c, run, articles, problems)
    assert (stats.new, problems["dropped_load_error"]) == (4, 1)
    assert conn.execute("SELECT count(*) FROM articles").fetchone() == (4,)


def test_a_registry_url_that_cannot_be_parsed_names_file_and_line(tmp_path: Path) -> None:
    registry = write_registry(tmp_path, [("ok", "https://news.example/a.xml"),
                                         ("bad", "http://[bad/feed.xml")])
    with pytest.raises(feeds.RegistryError, match=r"feeds.yaml:\d+: feed #2: field 'url' is "
                                                   r"not a valid URL"):
        feeds.load_registry(registry)


def test_a_rerun_after_a_feed_is_switched_off_drops_its_fetch_row(
        db_url: str, conn: psycopg.Connection, http_server, tmp_path: Path) -> None:
    http_server.route("/a.xml", respond(200, rss("a", 3), RSS))
    http_server.route("/b.xml", respond(404, b"gone"))
    registry = write_registry(tmp_path, [("a", http_server.url("/a.xml")),
                                         ("b", http_server.url("/b.xml"))])
    first = fetch_night(db_url, Settings(), registry, "k", NIGHT)
    assert [f["feed"] for f in first.failed_feeds] == ["b"]
    registry.write_text(registry.read_text() + "    enabled: false\n")  # b is the last feed
    run_id, ids = night.prepare(db_url, registry, "k", NIGHT)
    night.fetch_and_load(db_url, run_id, ids, Settings())
    assert ids == ["a"]
    assert conn.execute("SELECT feed_id FROM fetches WHERE run_id = %s",
                        (run_id,)).fetchall() == [("a",)]
    report = night.check_quality(db_url, run_id, len(ids), Settings())
    assert "feeds_logged" not in [c.name for c in report.breaches]
    assert night.summarize(db_url, run_id).failed_feeds == []


def test_a_night_that_breaches_its_checks_is_stored_failed_and_exits_non_zero(
        db_url: str, conn: psycopg.Connection, http_server, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a", "b", "c"):
        http_server.route(f"/{name}.xml", respond(404, b"gone"))
    registry = write_registry(tmp_path, [(n, http_server.url(f"/{n}.xml")) for n in "abc"])
    monkeypatch.setenv("AKHBAR_DATABASE_URL", db_url)
    monkeypatch.setenv("AKHBAR_ALLOW_PRIVATE_HOSTS", "127.0.0.1")
    result = CliRunner().invoke(app, ["run", "--feeds", str(registry), "--run-key", "bad"])
    assert result.exit_code == 1, result.output
    assert "data-quality" in result.output
    status, summary = conn.execute(
        "SELECT status, summary FROM runs WHERE run_key = 'bad'").fetchone()
    assert status == "failed" and summary["stages"]["quality"]["passed"] is False


def test_a_reparse_brings_its_articles_through_every_later_stage(
        db_url: str, conn: psycopg.Connection, http_server, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    http_server.route("/ok.xml", respond(200, rss("ok", 3), RSS))
    http_server.route("/odd.xml", respond(200, rss("odd", 3), RSS))
    registry = write_registry(tmp_path, [("ok", http_server.url("/ok.xml")),
                                         ("odd", http_server.url("/odd.xml"))])
    real = feeds.parse_feed

    def crash_on_odd(spec, result, *args):  # noqa: ANN001, ANN202 - the parser's signature
        if spec.id == "odd":
            raise RecursionError("a parser bug")
        return real(spec, result, *args)

    monkeypatch.setattr(feeds, "parse_feed", crash_on_odd)
    run_id, ids = night.prepare(db_url, registry, "n", NIGHT)
    night.fetch_and_load(db_url, run_id, ids, Settings())
    assert _articles(conn) == {"ok": 3}
    # One payload that still crashes the parser leaves that feed failed, not the re-parse.
    out = night.reparse(db_url, run_id, Settings())
    assert sorted((o.feed_id, o.status) for o in out) == [("odd", "failed"), ("ok", "ok")]
    monkeypatch.setattr(feeds, "parse_feed", real)  # the parser is fixed
    stages: dict[str, dict] = {}
    out = night.reparse(db_url, run_id, Settings(), stages=stages)
    assert sorted((o.feed_id, o.status, o.new) for o in out) == [("odd", "ok", 3),
                                                                 ("ok", "ok", 0)]
    assert set(stages) == {"search", "dedup", "topics", "entities"}
    rows = conn.execute(
        "SELECT count(*), count(m.article_id), count(t.article_id), count(s.article_id) "
        "FROM articles a LEFT JOIN dedup_members m ON m.article_id = a.id "
        "LEFT JOIN article_topic_runs t ON t.article_id = a.id "
        "LEFT JOIN article_search s ON s.article_id = a.id").fetchone()
    assert rows == (6, 6, 6, 6)


def test_a_rerun_after_later_nights_refetches_and_keeps_what_the_night_saw(
        db_url: str, conn: psycopg.Connection, http_server, tmp_path: Path) -> None:
    # Night 1 sees version 1 of feed a; night 2 version 2, which it keeps serving.
    http_server.route("/a.xml", sequence(etagged(rss("a", 3), '"v1"'),
                                         etagged(rss("a", 4), '"v2"')))
    http_server.route("/gone.xml", respond(410, b"gone"))
    registry = write_registry(tmp_path, [("a", http_server.url("/a.xml")),
                                         ("gone", http_server.url("/gone.xml"))])

    def fetch_log(key: str) -> dict[str, tuple]:
        return {r[0]: r[1:] for r in conn.execute(
            "SELECT f.feed_id, f.status, f.entries, f.loaded FROM fetches f "
            "JOIN runs r ON r.id = f.run_id WHERE r.run_key = %s", (key,))}

    fetch_night(db_url, Settings(), registry, "n1", NIGHT)
    assert fetch_log("n1") == {"a": ("ok", 3, 3), "gone": ("failed", 0, 0)}
    fetch_night(db_url, Settings(), registry, "n2", NIGHT.replace(day=2))
    # Since night 2, a's validators would answer 304 and "gone" is disabled (410).
    # Re-running night 1 fetches a whole again, and keeps the failure night 1 saw.
    again = fetch_night(db_url, Settings(), registry, "n1", NIGHT)
    assert fetch_log("n1") == {"a": ("ok", 4, 4), "gone": ("failed", 0, 0)}
    assert [f["feed"] for f in again.failed_feeds] == ["gone"]
    assert conn.execute("SELECT count(*) FROM articles").fetchone() == (4,)


def test_a_broken_taxonomy_stops_akhbar_run_before_any_fetch(
        db_url: str, conn: psycopg.Connection, http_server, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    http_server.route("/a.xml", respond(200, rss("a", 3), RSS))
    registry = write_registry(tmp_path, [("a", http_server.url("/a.xml"))])
    broken = tmp_path / "taxonomy.yaml"
    broken.write_text("version: '1'\ntopics: []\n", encoding="utf-8")
    monkeypatch.setenv("AKHBAR_DATABASE_URL", db_url)
    monkeypatch.setenv("AKHBAR_TAXONOMY", str(broken))
    result = CliRunner().invoke(app, ["run", "--feeds", str(registry), "--run-key", "k"])
    assert result.exit_code == 2, result.output
    assert "taxonomy.yaml" in result.output
    # The night was never opened: nothing was fetched or loaded.
    assert conn.execute("SELECT count(*) FROM runs").fetchone() == (0,)


def test_a_stage_that_breaks_leaves_the_run_failed_not_running(
        db_url: str, conn: psycopg.Connection, http_server, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    http_server.route("/a.xml", respond(200, rss("a", 3), RSS))
    registry = write_registry(tmp_path, [("a", http_server.url("/a.xml"))])

    def broken(*_args: object, **_kwargs: object) -> dict:
        raise RuntimeError("tagging broke")

    monkeypatch.setattr(night, "tag_topics", broken)
    with pytest.raises(night.StageFailed,
                       match="^stage topics of run k failed: RuntimeError: tagging broke$"
                       ) as caught:
        night.run_night(db_url, Settings(), registry, run_key="k", logical_ts=NIGHT)
    assert isinstance(caught.value.__cause__, RuntimeError)
    status, summary = conn.execute("SELECT status, summary FROM runs").fetchone()
    assert status == "failed" and summary["error"].startswith("topics: RuntimeError")
    assert set(summary["stages"]) == {"search", "dedup"}



def test_a_stage_that_breaks_is_one_error_line_from_akhbar_run(
        db_url: str, conn: psycopg.Connection, http_server, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, refuse_inserts, caplog: pytest.LogCaptureFixture
) -> None:
    """The database refuses the topics stage's rows: the operator reads one line naming the
    stage and the run (exit 1), and the traceback goes to the log (shown by -v)."""
    http_server.route("/a.xml", respond(200, rss("a", 3), RSS))
    registry = write_registry(tmp_path, [("a", http_server.url("/a.xml"))])
    refuse_inserts("article_topic_runs")
    monkeypatch.setenv("AKHBAR_DATABASE_URL", db_url)
    with caplog.at_level("INFO", logger="pipeline.cli"):
        result = CliRunner().invoke(app, ["run", "--feeds", str(registry),
                                          "--run-key", "broken-night"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: stage topics of run broken-night failed: "), lines
    assert "refused" in lines[0] and "Traceback" not in result.output
    assert any(r.exc_info and "refused" in str(r.exc_info[1].__cause__)
               for r in caplog.records), caplog.records
    status, summary = conn.execute(
        "SELECT status, summary FROM runs WHERE run_key = 'broken-night'").fetchone()
    assert status == "failed" and summary["error"].startswith("topics: ")


def test_a_run_the_database_will_not_open_is_one_error_line_from_akhbar_run(
        db_url: str, conn: psycopg.Connection, http_server, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, refuse_inserts, caplog: pytest.LogCaptureFixture
) -> None:
    """The database refuses the run's row: one line naming the opening of the run (exit 1),
    no run left behind, and the traceback in the log (shown by -v)."""
    http_server.route("/a.xml", respond(200, rss("a", 3), RSS))
    registry = write_registry(tmp_path, [("a", http_server.url("/a.xml"))])
    refuse_inserts("runs")
    monkeypatch.setenv("AKHBAR_DATABASE_URL", db_url)
    with caplog.at_level("INFO", logger="pipeline.cli"):
        result = CliRunner().invoke(app, ["run", "--feeds", str(registry), "--run-key", "k"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("error: stage prepare of run k failed: "), lines
    assert "refused" in lines[0] and "the run was not opened" in lines[0]
    assert "Traceback" not in result.output
    assert any(r.exc_info and "refused" in str(r.exc_info[1].__cause__)
               for r in caplog.records), caplog.records
    assert conn.execute("SELECT count(*) FROM runs").fetchone() == (0,)


@pytest.mark.parametrize("stage", ["prepare", "summary"])
def test_a_connection_lost_opening_or_closing_the_run_leaves_it_failed(
        db_url: str, conn: psycopg.Connection, http_server, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, stage: str) -> None:
    """The connection drops just after the run is opened, or while its summary is stored:
    the run is stored failed naming that step, not left running, and akhbar run says so."""
    http_server.route("/a.xml", respond(200, rss("a", 3), RSS))
    registry = write_registry(tmp_path, [("a", http_server.url("/a.xml"))])
    lost = psycopg.OperationalError("server closed the connection unexpectedly")
    if stage == "prepare":
        real = store.start_run

        def start_then_drop(*args: object, **kwargs: object) -> store.Run:
            real(*args, **kwargs)  # committed: the run is open
            raise lost

        monkeypatch.setattr(store, "start_run", start_then_drop)
    else:
        def drop(*_args: object, **_kwargs: object) -> night.RunSummary:
            raise lost

        monkeypatch.setattr(night, "summarize", drop)
    monkeypatch.setenv("AKHBAR_DATABASE_URL", db_url)
    result = CliRunner().invoke(app, ["run", "--feeds", str(registry), "--run-key", "k"])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith(f"error: stage {stage} of run k failed: OperationalError: "
                               "server closed the connection"), lines
    assert "the run is stored failed" in lines[0]
    status, summary = conn.execute("SELECT status, summary FROM runs").fetchone()
    assert status == "failed" and summary["error"].startswith(f"{stage}: OperationalError")
    expected = set() if stage == "prepare" else {"search", "dedup", "topics", "entities",
                                                 "quality"}
    assert set(summary["stages"]) == expected


def test_an_iso_run_key_is_the_nights_time(db_url: str, conn: psycopg.Connection,
                                            http_server, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    http_server.route("/a.xml", respond(200, rss("a", 3), RSS))
    registry = write_registry(tmp_path, [("a", http_server.url("/a.xml"))])
    monkeypatch.setenv("AKHBAR_DATABASE_URL", db_url)
    key = "2024-03-01T02:30:00+00:00"
    result = CliRunner().invoke(app, ["run", "--feeds", str(registry), "--run-key", key])
    assert result.exit_code == 0, result.output
    assert conn.execute("SELECT logical_ts FROM runs WHERE run_key = %s", (key,)
                        ).fetchone() == (datetime(2024, 3, 1, 2, 30, tzinfo=UTC),)
    assert conn.execute("SELECT DISTINCT first_seen FROM articles").fetchall() == [
        (datetime(2024, 3, 1, 2, 30, tzinfo=UTC),)]


def test_a_feed_gone_from_the_registry_is_no_longer_reported_healthy(
        db_url: str, conn: psycopg.Connection, http_server, tmp_path: Path) -> None:
    http_server.route("/a.xml", respond(200, rss("a", 3), RSS))
    http_server.route("/b.xml", respond(200, rss("b", 3), RSS))
    both = write_registry(tmp_path, [("a", http_server.url("/a.xml")),
                                     ("b", http_server.url("/b.xml"))])
    fetch_night(db_url, Settings(), both, "n1", NIGHT)
    only_a = write_registry(tmp_path, [("a", http_server.url("/a.xml"))], name="a.yaml")
    fetch_night(db_url, Settings(), only_a, "n2", NIGHT.replace(day=2))
    health = dict(conn.execute("SELECT feed_id, health FROM akhbar.feed_health").fetchall())
    assert health == {"a": "ok", "b": "disabled"}


def test_an_empty_registry_stops_the_night_and_retires_no_feed(
        db_url: str, conn: psycopg.Connection, http_server, tmp_path: Path) -> None:
    # ``feeds: []`` is a slip (a bad merge, a file emptied by mistake), not a wish to stop
    # every feed: taken as the whole registry, it would switch all of them off.
    http_server.route("/a.xml", respond(200, rss("a", 3), RSS))
    fetch_night(db_url, Settings(), write_registry(tmp_path, [("a", http_server.url("/a.xml"))]),
                "n1", NIGHT)
    empty = tmp_path / "empty.yaml"
    empty.write_text("feeds: []\n", encoding="utf-8")
    with pytest.raises(feeds.RegistryError, match=r"empty.yaml:1: .*'feeds' is empty"):
        night.prepare(db_url, empty, "n2", NIGHT.replace(day=2))
    health = dict(conn.execute("SELECT feed_id, health FROM akhbar.feed_health").fetchall())
    assert health == {"a": "ok"}
