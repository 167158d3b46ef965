"""Feed health: backoff, auto-disable, 410, permanent moves, re-enabling, the CLI, and raw
payloads that let a night be parsed again without the network."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from feedkit import fetch_night, redirect, respond, rss, write_registry
from typer.testing import CliRunner

from pipeline import health, night, rawstore, search, store
from pipeline.cli import app
from pipeline.records import FeedSpec
from pipeline.settings import Settings

NOW = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
SPEC = FeedSpec("f", "F", "https://news.example/rss", "Outlet F")
HOUR = 3600.0


def settings() -> Settings:
    return Settings(http_timeout=0.5, http_connect_timeout=0.5, http_total_timeout=1.0,
                    page_interval=0.0)


@pytest.fixture
def feed(conn: psycopg.Connection) -> FeedSpec:
    store.sync_feeds(conn, [SPEC])
    return SPEC


def fail(conn: psycopg.Connection, run_id: int, now: datetime, reason: str = "http_500",
         **kw: object) -> health.FeedHealth:
    return health.record(conn, SPEC, run_id, now, status="failed", url=SPEC.url,
                         error=reason, reason=reason, **kw)  # type: ignore[arg-type]


def test_backoff_doubles_and_is_capped() -> None:
    assert [health.backoff(n, HOUR, 10 * HOUR) for n in range(0, 7)] == \
        [0, HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR, 10 * HOUR, 10 * HOUR]
    assert health.backoff(10_000, HOUR, 10 * HOUR) == 10 * HOUR


def test_failures_back_off_then_disable(conn: psycopg.Connection, feed: FeedSpec) -> None:
    h = fail(conn, 1, NOW)
    assert h.failure_streak == 1 and h.next_attempt_at == NOW + timedelta(hours=1)
    # The same night failing again (a retry) does not count twice.
    assert fail(conn, 1, NOW).failure_streak == 1
    h = fail(conn, 2, NOW, backoff_base=HOUR)
    assert h.failure_streak == 2 and h.next_attempt_at == NOW + timedelta(hours=2)
    plans = health.plan([feed], health.load(conn, ["f"]), 3, NOW + timedelta(hours=1))
    assert plans[0].skip and "backing off" in plans[0].skip
    # A retry of the night that failed is not held back by its own backoff.
    assert health.plan([feed], health.load(conn, ["f"]), 2, NOW)[0].skip is None
    h = fail(conn, 3, NOW, disable_after=3)
    assert h.disabled_at == NOW and "3 consecutive failures" in h.disabled_reason
    assert "disabled" in health.plan([feed], health.load(conn, ["f"]), 4,
                                     NOW + timedelta(days=30))[0].skip
    assert health.enable(conn, "f")
    h = health.load(conn, ["f"])["f"]
    assert (h.disabled_at, h.failure_streak, h.next_attempt_at) == (None, 0, None)
    assert not health.enable(conn, "no-such-feed")


def test_success_resets_the_streak(conn: psycopg.Connection, feed: FeedSpec) -> None:
    fail(conn, 1, NOW)
    h = health.record(conn, feed, 2, NOW, status="not_modified", url=feed.url)
    assert (h.failure_streak, h.next_attempt_at, h.last_ok_at) == (0, None, NOW)


def test_gone_disables_at_once(conn: psycopg.Connection, feed: FeedSpec) -> None:
    h = fail(conn, 1, NOW, reason="http_410")
    assert h.disabled_at == NOW and "410" in h.disabled_reason and h.failure_streak == 1


def test_retry_after_longer_than_backoff_wins(conn: psycopg.Connection, feed: FeedSpec) -> None:
    h = fail(conn, 1, NOW, reason="http_429", retry_after=5 * HOUR)
    assert h.next_attempt_at == NOW + timedelta(hours=5) and h.retry_after == 5 * HOUR


def test_validators_and_moves(conn: psycopg.Connection, feed: FeedSpec) -> None:
    moved = "https://new.example/rss"
    health.record(conn, feed, 1, NOW, status="ok", url=feed.url, sha256="abc",
                  headers={"etag": '"e1"', "last-modified": "Fri, 01 Mar 2024 00:00:00 GMT"},
                  permanent_url=moved)
    later = health.plan([feed], health.load(conn, ["f"]), 2, NOW)[0]
    assert (later.url, later.etag, later.known_sha256) == (moved, '"e1"', "abc")
    assert later.last_modified == "Fri, 01 Mar 2024 00:00:00 GMT"
    # Within the night that stored them, validators are not used (a retry reloads).
    same = health.plan([feed], health.load(conn, ["f"]), 1, NOW)[0]
    assert (same.etag, same.known_sha256) == (None, None)
    # The operator edits the registry URL: the learned move and validators no longer apply.
    edited = replace(feed, url="https://other.example/rss")
    plan = health.plan([edited], health.load(conn, ["f"]), 2, NOW)[0]
    assert (plan.url, plan.etag) == (edited.url, None)


def test_an_edited_registry_url_is_shown_while_the_feed_waits(
        db_url: str, conn: psycopg.Connection, feed: FeedSpec,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A move was learned, then the feed was disabled: the operator edits the registry URL.
    moved = "https://new.example/rss"
    health.record(conn, feed, 1, NOW, status="ok", url=feed.url, permanent_url=moved)
    fail(conn, 2, NOW, reason="http_410")
    view = "SELECT url FROM akhbar.feed_health WHERE feed_id = 'f'"
    assert conn.execute(view).fetchone() == (moved,)
    edited = replace(feed, url="https://other.example/rss")
    store.sync_feeds(conn, [edited])
    conn.commit()
    # The next fetch asks for the registry's URL, and the view and the listing say so.
    assert health.plan([edited], health.load(conn, ["f"]), 3, NOW)[0].url == edited.url
    assert conn.execute(view).fetchone() == (edited.url,)
    monkeypatch.setenv("AKHBAR_DATABASE_URL", db_url)
    out = CliRunner().invoke(app, ["feeds"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "moved to" not in out.output


def test_cli_lists_health_and_reenables(db_url: str, conn: psycopg.Connection, feed: FeedSpec,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    fail(conn, 1, NOW, reason="http_410")
    conn.commit()
    monkeypatch.setenv("AKHBAR_DATABASE_URL", db_url)
    runner = CliRunner()
    out = runner.invoke(app, ["feeds"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "disabled" in out.output and "HTTP 410 Gone" in out.output
    out = runner.invoke(app, ["feeds", "enable", "f"])
    assert out.exit_code == 0 and "enabled" in out.output
    assert health.load(conn, ["f"])["f"].disabled_at is None
    assert runner.invoke(app, ["feeds", "enable", "nope"]).exit_code == 2
    out = runner.invoke(app, ["feeds", "--sick"], env={"COLUMNS": "200"})
    assert out.exit_code == 0 and "HTTP 410" not in out.output


def _gone_from_registry(conn: psycopg.Connection, feed: FeedSpec) -> None:
    """Feed ``g`` as a night leaves it after it was taken out of the registry file."""
    store.sync_feeds(conn, [feed, FeedSpec("g", "G", "https://news.example/g", "Outlet G")])
    store.sync_feeds(conn, [feed], retire_missing=True)


def test_cli_sick_lists_a_feed_off_in_the_registry(
        db_url: str, conn: psycopg.Connection, feed: FeedSpec,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _gone_from_registry(conn, feed)
    monkeypatch.setenv("AKHBAR_DATABASE_URL", db_url)
    # akhbar.feed_health calls it disabled, so the sick list shows it too, and why.
    out = CliRunner().invoke(app, ["feeds", "--sick"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "│ g " in out.output and "off in registry" in out.output
    assert "│ f " not in out.output


def test_cli_enable_does_not_promise_a_fetch_the_registry_prevents(
        db_url: str, conn: psycopg.Connection, feed: FeedSpec,
        monkeypatch: pytest.MonkeyPatch) -> None:
    _gone_from_registry(conn, feed)
    monkeypatch.setenv("AKHBAR_DATABASE_URL", db_url)
    runner = CliRunner()
    # Clearing its health marks does not make the next night fetch it.
    out = runner.invoke(app, ["feeds", "enable", "g"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "fetched on the next run" not in out.output
    assert "off in the registry at the last night" in out.output
    out = runner.invoke(app, ["feeds", "enable", "f"], env={"COLUMNS": "200"})
    assert "fetched on the next run" in out.output


def test_permanent_redirect_updates_the_url_fetched(db_url: str, http_server, tmp_path: Path,
                                                    conn: psycopg.Connection) -> None:
    http_server.route("/old.xml", redirect(308, "/new.xml"))
    http_server.route("/new.xml", respond(200, rss("moved", 2)))
    registry = write_registry(tmp_path, [("m", http_server.url("/old.xml"))])
    fetch_night(db_url, settings(), registry, run_key="a", logical_ts=NOW)
    assert health.load(conn, ["m"])["m"].moved_to == http_server.url("/new.xml")
    http_server.requests.clear()
    fetch_night(db_url, settings(), registry, run_key="b", logical_ts=NOW + timedelta(1))
    assert [p for p, _ in http_server.requests] == ["/new.xml"]


def test_raw_payloads_reparse_a_night_offline(db_url: str, http_server, tmp_path: Path,
                                              conn: psycopg.Connection) -> None:
    http_server.route("/a.xml", respond(200, rss("raw", 4)))
    registry = write_registry(tmp_path, [("a", http_server.url("/a.xml"))])
    fetch_night(db_url, settings(), registry, run_key="r", logical_ts=NOW)
    run_id = conn.execute("SELECT id FROM runs WHERE run_key = 'r'").fetchone()[0]
    stored = rawstore.load_run(conn, run_id, "feed")
    assert len(stored) == 1 and stored[0].body == rss("raw", 4)
    assert stored[0].headers["content-length"] == str(len(rss("raw", 4)))
    ratio = conn.execute("SELECT stored_bytes::float / raw_bytes FROM raw_payloads").fetchone()
    assert ratio[0] < 0.5  # compressed
    conn.execute("TRUNCATE articles CASCADE")
    conn.commit()
    http_server.close()  # nothing may be fetched now
    outcomes = night.reparse(db_url, run_id, settings())
    assert [(o.feed_id, o.status, o.new) for o in outcomes] == [("a", "ok", 4)]
    assert conn.execute("SELECT count(*) FROM articles").fetchone() == (4,)
    # The reloaded articles are indexed for search again.
    assert conn.execute("SELECT count(*) FROM article_search").fetchone() == (4,)
    assert search.stale_ids(conn) == []
    details = conn.execute("SELECT details FROM fetches WHERE run_id = %s", (run_id,)
                           ).fetchone()[0]
    assert details["reparsed"] is True
    again = night.reparse(db_url, run_id, settings())
    assert again[0].new == 0 and again[0].duplicate == 4


def test_reparse_command(db_url: str, http_server, tmp_path: Path,
                         monkeypatch: pytest.MonkeyPatch) -> None:
    http_server.route("/a.xml", respond(200, rss("cli", 3)))
    registry = write_registry(tmp_path, [("a", http_server.url("/a.xml"))])
    fetch_night(db_url, settings(), registry, run_key="night-1", logical_ts=NOW)
    http_server.close()
    monkeypatch.setenv("AKHBAR_DATABASE_URL", db_url)
    runner = CliRunner()
    out = runner.invoke(app, ["reparse", "--run-key", "night-1"], env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    assert "articles duplicate" in out.output and "3" in out.output
    assert runner.invoke(app, ["reparse", "--run-key", "no-such-night"]).exit_code == 2


def test_reparse_refuses_a_feed_the_night_did_not_fetch(db_url: str, http_server,
                                                        tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A mistyped --feed is a usage error naming the night's feeds, not 'payloads pruned'."""
    http_server.route("/a.xml", respond(200, rss("cli", 3)))
    registry = write_registry(tmp_path, [("a", http_server.url("/a.xml"))])
    fetch_night(db_url, settings(), registry, run_key="night-1", logical_ts=NOW)
    monkeypatch.setenv("AKHBAR_DATABASE_URL", db_url)
    out = CliRunner().invoke(app, ["reparse", "--run-key", "night-1", "--feed", "b"],
                             env={"COLUMNS": "200"})
    assert out.exit_code == 2, out.output
    assert "no feed 'b' in run 'night-1' (its feeds: a)" in out.output


def test_reparse_refuses_a_broken_taxonomy_before_writing(db_url: str, http_server,
                                                         tmp_path: Path,
                                                         conn: psycopg.Connection,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A taxonomy that does not load stops a re-parse at once, naming its line and field,
    before the night's fetch rows are replaced: not a traceback after the load."""
    http_server.route("/a.xml", respond(200, rss("cli", 3)))
    registry = write_registry(tmp_path, [("a", http_server.url("/a.xml"))])
    fetch_night(db_url, settings(), registry, run_key="night-1", logical_ts=NOW)
    http_server.close()
    broken = tmp_path / "taxonomy.yaml"
    broken.write_text('version: "x"\ntopics:\n  - id: t\n', encoding="utf-8")
    monkeypatch.setenv("AKHBAR_DATABASE_URL", db_url)
    monkeypatch.setenv("AKHBAR_TAXONOMY", str(broken))
    out = CliRunner().invoke(app, ["reparse", "--run-key", "night-1"], env={"COLUMNS": "200"})
    assert out.exit_code == 2, out.output
    assert out.exception is None or isinstance(out.exception, SystemExit)
    assert f"{broken}:3: topics[t]" in out.output
    details = conn.execute("SELECT details FROM fetches").fetchone()[0]
    assert "reparsed" not in details  # nothing was written


def test_fetch_settings_from_env() -> None:
    got = Settings.from_env({"AKHBAR_DISABLE_AFTER": "3", "AKHBAR_KEEP_RAW": "off",
                             "AKHBAR_BACKOFF_BASE": "60", "AKHBAR_PAGE_INTERVAL": "2.5",
                             "AKHBAR_ALLOW_PRIVATE_HOSTS": "127.0.0.1, 10.0.0.0/8",
                             "AKHBAR_RAW_RETENTION_DAYS": "7"})
    assert (got.disable_after, got.keep_raw, got.backoff_base, got.page_interval) == \
        (3, False, 60.0, 2.5)
    assert got.allow_private_hosts == ("127.0.0.1", "10.0.0.0/8")
    assert got.raw_retention_days == 7 and Settings.from_env({}).keep_raw is True


def test_settings_convert_by_type_and_bad_values_name_their_variable() -> None:
    got = Settings.from_env({"AKHBAR_FEEDS": "/tmp/f.yaml", "AKHBAR_PG_PORT": "6000",
                             "AKHBAR_LOAD_BATCH_SIZE": "250", "AKHBAR_DATABASE_URL": ""})
    assert (str(got.feeds_path), got.embedded_port, got.load_batch_size) == \
        ("/tmp/f.yaml", 6000, 250)
    assert got.database_url is None
    with pytest.raises(ValueError, match="AKHBAR_MAX_REDIRECTS='five'.*whole number"):
        Settings.from_env({"AKHBAR_MAX_REDIRECTS": "five"})
    with pytest.raises(ValueError, match="AKHBAR_KEEP_RAW='maybe'"):
        Settings.from_env({"AKHBAR_KEEP_RAW": "maybe"})


def test_retention_bounds_raw_payloads(conn: psycopg.Connection, feed: FeedSpec) -> None:
    run = store.start_run(conn, "ret", NOW)
    for i, age in enumerate((40, 3, 2, 1)):
        rawstore.save(conn, run.id, "f", "feed", f"https://x/{i}", bytes(range(256)) * 40,
                      final_url=None, fetched_at=datetime.now(UTC) - timedelta(days=age),
                      http_status=200, headers={})
    conn.commit()
    size = conn.execute("SELECT max(stored_bytes) FROM raw_payloads").fetchone()[0]
    removed = rawstore.prune(conn, retention_days=30, max_bytes=2 * size)
    assert removed == 2  # the 40-day-old one by age, then the oldest over the size cap
    left = [u for (u,) in conn.execute("SELECT url FROM raw_payloads ORDER BY url")]
    assert left == ["https://x/2", "https://x/3"]
