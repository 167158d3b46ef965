"""Fault injection on 127.0.0.1: every way a feed can break, in one night beside good feeds.

For each fault: the run finishes, the feed's health records the right reason, and every
good entry of every other feed is loaded exactly once. A second night shows conditional
GET, permanent moves and backoff; a database connection killed mid-load loses nothing.
"""

from __future__ import annotations

import gzip
import random
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from feedkit import (
    drip,
    endless,
    etagged,
    fetch_night,
    redirect,
    reset,
    respond,
    rss,
    sequence,
    slow,
    write_registry,
)

from pipeline import feeds, health, night
from pipeline.records import FeedSpec
from pipeline.settings import Settings

NIGHT1 = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
NIGHT2 = NIGHT1 + timedelta(days=1)
RSS = {"Content-Type": "application/rss+xml"}

LAUGHS = (b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a0 "ha">\n'
          + b"".join(b'<!ENTITY a%d "%s">\n' % (i, b"&a%d;" % (i - 1) * 10) for i in range(1, 10))
          + b"]>\n<rss version=\"2.0\"><channel><title>t</title><item><title>&a9;</title>"
            b"<link>https://news.example/laughs/1</link></item></channel></rss>")
QUADRATIC = (b'<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY big "' + b"B" * 20_000
             + b'">\n]>\n<rss version="2.0"><channel><title>t</title><item><title>'
             + b"&big;" * 500 + b"</title><link>https://news.example/q/1</link></item>"
               b"</channel></rss>")


def settings() -> Settings:
    return Settings(http_timeout=0.3, http_connect_timeout=0.3, http_total_timeout=1.0,
                    max_feed_bytes=1_000_000, max_redirects=3, max_retry_after=0.5,
                    page_timeout=0.3, page_interval=0.0, load_batch_size=4)


def french_latin1() -> bytes:
    """A genuine ISO-8859-1 feed in French, accents and all."""
    items = "".join(
        f"<item><title>Le président reçoit les élus de Besançon, séance {i}</title>"
        f"<link>https://news.example/fr/{i}</link><guid>fr-{i}</guid><description>À "
        f"l'Élysée, où l'on évoque déjà la réforme des retraites, séance numéro {i}."
        f"</description><pubDate>Thu, 29 Feb 2024 1{i}:00:00 GMT</pubDate></item>"
        for i in range(2))
    return ('<?xml version="1.0" encoding="iso-8859-1"?>\n<rss version="2.0"><channel>'
            f"<title>Actualités</title><link>https://news.example/</link>{items}"
            "</channel></rss>").encode("latin-1")


def garbage() -> bytes:
    rnd = random.Random(6)
    noise = bytes(rnd.randrange(0x80, 0x100) for _ in range(4000))
    return (b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>'
            + noise + b"</title></channel></rss>")


# Good feeds: id -> (route, body, entries). Each must load exactly once, whatever else fails.
GOOD = {
    "good-a": 6, "good-b": 5, "etag": 4, "flaky": 3, "moved": 4, "cp1256-as-utf8": 3,
    "cp1256-undeclared": 3, "cp1256-as-latin1": 3, "cp1256-as-latin1-undeclared": 3,
    "latin1-french": 2, "bozo-ok": 2, "leaky": 3,
}
# Failing feeds: id -> the reason their health must record.
BAD = {
    "slow": "timeout", "drip": "timeout", "reset": "reset", "e500": "http_500",
    "e503": "http_503", "e429": "http_429", "loop": "redirect_loop",
    "chain": "too_many_redirects", "bomb": "too_large", "endless": "too_large",
    "gone": "http_410", "missing": "http_404", "garbage": "encoding", "invalid": "parse",
    "laughs": "hostile_xml", "quadratic": "hostile_xml", "xxe": "hostile_xml",
    "html": "not_a_feed", "empty": "empty",
}


@pytest.fixture
def faults(http_server, tmp_path: Path) -> tuple[Path, object]:
    s = http_server
    u = s.url
    s.route("/good-a.xml", respond(200, rss("good-a", 6), RSS))
    s.route("/good-b.xml", respond(200, rss("good-b", 5), RSS))
    s.route("/etag.xml", etagged(rss("etag", 4), '"v1"'))
    s.route("/flaky.xml", sequence(respond(503, b"busy", {"Retry-After": "0"}),
                                   respond(200, rss("flaky", 3), RSS)))
    s.route("/old.xml", redirect(301, "/mid.xml"))
    s.route("/mid.xml", redirect(308, u("/new.xml")))
    s.route("/new.xml", respond(200, rss("moved", 4), RSS))
    s.route("/cp1256-as-utf8.xml", respond(
        200, rss("wrongcharset", 3, encoding="windows-1256").replace(
            b'encoding="windows-1256"', b'encoding="utf-8"'),
        {"Content-Type": "application/rss+xml; charset=utf-8"}))
    s.route("/cp1256-undeclared.xml", respond(
        200, rss("undeclared", 3, encoding="windows-1256", declare=False),
        {"Content-Type": "application/rss+xml"}))
    latin1 = {"Content-Type": "application/rss+xml; charset=ISO-8859-1"}
    s.route("/cp1256-as-latin1.xml", respond(
        200, rss("latin1", 3, encoding="windows-1256"), latin1))
    s.route("/cp1256-as-latin1-undeclared.xml", respond(
        200, rss("latin1-undeclared", 3, encoding="windows-1256", declare=False), latin1))
    s.route("/latin1-french.xml", respond(200, french_latin1(), latin1))
    s.route("/bozo-ok.xml", respond(200, rss("bozo", 2).replace(
        b"<channel><title>", b"<channel><title>R&D "), RSS))
    s.route("/leaky.xml", respond(200, rss("leaky", 3, link=lambda i: [
        u("/private/article"), f"http://localhost:{s.port}/private/other",
        "http://169.254.169.254/latest/meta-data/"][i]), RSS))
    s.route("/private/article", respond(200, b"<html>secret</html>"))
    s.route("/private/other", respond(200, b"<html>secret</html>"))

    s.route("/slow.xml", slow(1.5))
    s.route("/drip.xml", drip(3.0))
    s.route("/reset.xml", reset)
    s.route("/e500.xml", respond(500, b"oops"))
    s.route("/e503.xml", respond(503, b"busy", {"Retry-After": "0"}))
    s.route("/e429.xml", respond(429, b"slow down", {"Retry-After": "120"}))
    s.route("/loop-a.xml", redirect(302, "/loop-b.xml"))
    s.route("/loop-b.xml", redirect(302, "/loop-a.xml"))
    for i in range(8):
        s.route(f"/hop/{i}", redirect(302, f"/hop/{i + 1}"))
    s.route("/bomb.xml", respond(200, gzip.compress(b"\0" * 20_000_000, 9),
                                 {"Content-Encoding": "gzip", **RSS}))
    s.route("/endless.xml", endless(3.0))
    s.route("/gone.xml", respond(410, b"gone"))
    s.route("/garbage.xml", respond(200, garbage(), RSS))
    s.route("/invalid.xml", respond(200, b"<rss><channel><title>\xd8\xb9</title></chan", RSS))
    s.route("/laughs.xml", respond(200, LAUGHS, RSS))
    s.route("/quadratic.xml", respond(200, QUADRATIC, RSS))
    s.route("/xxe.xml", respond(200, (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY x SYSTEM "'
        + u("/xxe-target") + '">\n]>\n<rss version="2.0"><channel><title>t</title><item>'
        "<title>&x;</title><link>https://news.example/x/1</link></item></channel></rss>"
    ).encode(), RSS))
    s.route("/xxe-target", respond(200, b"SECRET"))
    s.route("/html.xml", respond(200, b"<html><body><p>Welcome</p></body></html>",
                                 {"Content-Type": "text/html"}))
    s.route("/empty.xml", respond(200, b"", RSS))

    paths = {"moved": "/old.xml", "loop": "/loop-a.xml", "chain": "/hop/0",
             "missing": "/missing.xml"}
    feeds = [(f, u(paths.get(f, f"/{f}.xml")), f == "leaky") for f in [*GOOD, *BAD]]
    return write_registry(tmp_path, feeds), s


def fetch_rows(conn: psycopg.Connection, run_key: str) -> dict[str, tuple]:
    return {r[0]: r[1:] for r in conn.execute(
        "SELECT f.feed_id, f.status, f.details->>'reason', f.error, f.details FROM fetches f "
        "JOIN runs r ON r.id = f.run_id WHERE r.run_key = %s", (run_key,))}


def test_fault_matrix_first_and_second_night(db_url: str, faults, conn: psycopg.Connection
                                             ) -> None:
    registry, server = faults
    started = time.monotonic()
    summary = night.run_night(db_url, settings(), registry, run_key="n1", logical_ts=NIGHT1)
    assert time.monotonic() - started < 20  # bounded: no fault may hang the night

    assert summary.feeds_ok == len(GOOD)
    assert summary.feeds_failed == len(BAD)
    rows = fetch_rows(conn, "n1")
    for feed, reason in BAD.items():
        status, got, error, _ = rows[feed]
        assert (feed, status, got) == (feed, "failed", reason), error
    healths = health.load(conn, [*GOOD, *BAD])
    for feed, reason in BAD.items():
        assert healths[feed].last_reason == reason
        assert healths[feed].failure_streak == 1
    for feed in GOOD:
        assert rows[feed][0] == "ok", rows[feed]
        assert healths[feed].failure_streak == 0 and healths[feed].last_ok_at is not None

    # Every good entry exactly once, nothing from a failing feed.
    counts = dict(conn.execute("SELECT feed_id, count(*) FROM articles GROUP BY feed_id"))
    assert counts == GOOD
    assert conn.execute("SELECT count(*) = count(DISTINCT canonical_url) FROM articles"
                        ).fetchone() == (True,)
    assert summary.articles_new == sum(GOOD.values())

    # Specific faults, specific evidence.
    assert healths["gone"].disabled_at is not None and "410" in healths["gone"].disabled_reason
    assert healths["moved"].moved_to == server.url("/new.xml")
    assert rows["flaky"][3]["retry_after"] == 0.0
    assert rows["e429"][3]["retry_after"] == 120.0
    assert healths["e429"].next_attempt_at >= datetime.now(UTC) + timedelta(seconds=100)
    assert rows["loop"][2].startswith("redirect loop")
    # A timeout names the wait that ran out, not an exception with no message.
    assert rows["slow"][2] == "timeout: no data for 0.3s (ReadTimeout)"
    for feed in ("cp1256-as-utf8", "cp1256-undeclared", "cp1256-as-latin1",
                 "cp1256-as-latin1-undeclared"):
        titles = [t for (t,) in conn.execute(
            "SELECT title FROM articles WHERE feed_id = %s", (feed,))]
        assert all("الوزير يبحث" in t and "\ufffd" not in t for t in titles), titles
    assert rows["cp1256-as-utf8"][3]["problems"]["charset_mismatch"] == 1
    assert rows["cp1256-undeclared"][3]["encoding_source"] == "detected"
    # Arabic windows-1256 under a Latin-1 header: the XML declaration, else windows-1256.
    for feed, source in (("cp1256-as-latin1", "xml"), ("cp1256-as-latin1-undeclared", "arabic")):
        assert (rows[feed][3]["encoding"], rows[feed][3]["encoding_source"]) == ("cp1256", source)
        assert rows[feed][3]["problems"]["charset_mismatch"] == 1
    french = [t for (t,) in conn.execute(
        "SELECT title FROM articles WHERE feed_id = 'latin1-french' ORDER BY title")]
    assert french == [f"Le président reçoit les élus de Besançon, séance {i}" for i in range(2)]
    assert rows["latin1-french"][3]["encoding"] == "iso8859-1"
    assert "charset_mismatch" not in rows["latin1-french"][3]["problems"]
    assert rows["bozo-ok"][3]["bozo"] and summary.problems["bozo"] >= 1
    leaky = conn.execute("SELECT body_source FROM articles WHERE feed_id = 'leaky'").fetchall()
    assert leaky == [("summary",)] * 3
    assert summary.problems["page_fallback_refused_address"] == 3
    requested = [path for path, _ in server.requests]
    assert not any(p.startswith(("/private", "/xxe-target")) for p in requested)
    assert requested.count("/e503.xml") == 2  # Retry-After: 0 honoured once, then given up
    assert all(h.get("User-Agent", "").startswith("Akhbar/") for _, h in server.requests)

    # Night 2: conditional GET, identical bodies, the move remembered, backoff and disable.
    server.requests.clear()
    summary2 = fetch_night(db_url, settings(), registry, run_key="n2", logical_ts=NIGHT2)
    conn.commit()
    rows2 = fetch_rows(conn, "n2")
    assert rows2["etag"][:2] == ("not_modified", None)
    assert rows2["good-a"][:2] == ("not_modified", "identical_body")
    assert rows2["gone"][0] == "skipped" and "disabled" in rows2["gone"][2]
    assert rows2["e500"][0] == "skipped" and "backing off" in rows2["e500"][2]
    requested = [path for path, _ in server.requests]
    assert "/old.xml" not in requested and "/new.xml" in requested
    assert "/gone.xml" not in requested and "/e500.xml" not in requested
    etag_headers = [h for p, h in server.requests if p == "/etag.xml"]
    assert etag_headers and etag_headers[0].get("If-None-Match") == '"v1"'
    assert summary2.feeds_skipped == len(BAD)
    assert summary2.articles_new == 0
    assert conn.execute("SELECT count(*) FROM articles").fetchone() == (sum(GOOD.values()),)


def test_rerun_of_the_same_night_reloads_instead_of_not_modified(
        db_url: str, faults, conn: psycopg.Connection) -> None:
    registry, _ = faults
    fetch_night(db_url, settings(), registry, run_key="n1", logical_ts=NIGHT1)
    again = fetch_night(db_url, settings(), registry, run_key="n1", logical_ts=NIGHT1)
    conn.commit()
    rows = fetch_rows(conn, "n1")
    assert all(rows[f][0] == "ok" for f in GOOD)
    assert again.articles_new == 0 and again.articles_duplicate == sum(GOOD.values())
    # A failure repeated within one night counts once.
    assert health.load(conn, ["e500"])["e500"].failure_streak == 1


KILL_TRIGGER = """
CREATE SEQUENCE kill_seq;
CREATE FUNCTION stall_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF nextval('kill_seq') = ANY(%s::int[]) THEN PERFORM pg_sleep(10); END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER stall BEFORE INSERT ON articles FOR EACH ROW EXECUTE FUNCTION stall_on_insert();
"""


def _killer(admin_url: str, kills: int, stop: threading.Event,
            killed: list[int]) -> threading.Thread:
    """Terminate, from another connection, each backend caught stalling inside a load."""
    def run() -> None:
        done = 0
        deadline = time.monotonic() + 30
        with psycopg.connect(admin_url, autocommit=True) as admin:
            while done < kills and not stop.is_set() and time.monotonic() < deadline:
                pids = [r[0] for r in admin.execute(
                    "SELECT pid FROM pg_stat_activity WHERE wait_event = 'PgSleep' "
                    "AND (query LIKE 'INSERT INTO articles%%' OR query LIKE 'COPY articles%%')")]
                for pid in pids:
                    admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
                    killed.append(pid)
                    done += 1
                time.sleep(0.05)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("stalls", [[7], [5], [7, 9]],
                         ids=["recovers-in-run", "recovers-mid-feed", "rerun-completes"])
def test_connection_killed_mid_load(db_url: str, pg_admin_url: str, http_server,
                                    tmp_path: Path, stalls: list[int]) -> None:
    http_server.route("/a.xml", respond(200, rss("kill-a", 6), RSS))
    http_server.route("/b.xml", respond(200, rss("kill-b", 5), RSS))
    registry = write_registry(tmp_path, [("a", http_server.url("/a.xml")),
                                         ("b", http_server.url("/b.xml"))])
    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute(KILL_TRIGGER.replace("%s", "'{" + ",".join(map(str, stalls)) + "}'"))
    stop, killed = threading.Event(), []
    killer = _killer(pg_admin_url, len(stalls), stop, killed)
    cfg = replace(settings(), load_batch_size=3)
    try:
        if len(stalls) == 1:
            summary = fetch_night(db_url, cfg, registry, run_key="k", logical_ts=NIGHT1)
            # Batches committed before the loss are not loaded (or counted) again.
            assert (summary.articles_new, summary.articles_duplicate) == (11, 0)
        else:  # killed again while redoing the feed: the run fails, a rerun completes
            with pytest.raises(psycopg.OperationalError):
                fetch_night(db_url, cfg, registry, run_key="k", logical_ts=NIGHT1)
            fetch_night(db_url, cfg, registry, run_key="k", logical_ts=NIGHT1)
    finally:
        stop.set()
        killer.join(5)
    assert len(killed) == len(stalls)  # each stall was a real kill, not a timeout
    with psycopg.connect(db_url) as c:
        assert dict(c.execute("SELECT feed_id, count(*) FROM articles GROUP BY feed_id")) == \
            {"a": 6, "b": 5}
        assert c.execute("SELECT count(*), count(DISTINCT (article_id, feed_id)) "
                         "FROM article_sightings").fetchone() == (11, 11)
        assert dict(c.execute("SELECT feed_id, status FROM fetches")) == {"a": "ok", "b": "ok"}
        assert c.execute("SELECT nextval('kill_seq')").fetchone()[0] > max(stalls)


def test_per_server_and_global_concurrency_limits(http_server) -> None:
    lock, state = threading.Lock(), {"active": 0, "peak": 0}

    def counted(h) -> None:
        with lock:
            state["active"] += 1
            state["peak"] = max(state["peak"], state["active"])
        time.sleep(0.2)  # long enough for requests to overlap if the limit leaked
        with lock:
            state["active"] -= 1
        respond(200, rss("c", 1), RSS)(h)

    for i in range(8):
        http_server.route(f"/c{i}.xml", counted)
    specs = [FeedSpec(f"c{i}", "c", http_server.url(f"/c{i}.xml"), "O") for i in range(8)]
    results = feeds.fetch_feeds(specs, replace(settings(), per_host_concurrency=2))
    assert [r.status for r in results] == ["ok"] * 8
    assert state["peak"] == 2
    state["peak"] = 0
    feeds.fetch_feeds(specs, replace(settings(), per_host_concurrency=8, fetch_concurrency=3))
    assert state["peak"] == 3


def test_a_parser_crash_fails_only_that_feed(db_url: str, http_server, tmp_path: Path,
                                             conn: psycopg.Connection,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    http_server.route("/ok.xml", respond(200, rss("fine", 3), RSS))
    http_server.route("/odd.xml", respond(200, rss("odd", 3), RSS))
    registry = write_registry(tmp_path, [("ok", http_server.url("/ok.xml")),
                                         ("odd", http_server.url("/odd.xml"))])
    real = feeds.parse_feed

    def crash_on_odd(spec, result, *args):
        if spec.id == "odd":
            raise RecursionError("maximum recursion depth exceeded")
        return real(spec, result, *args)

    monkeypatch.setattr(feeds, "parse_feed", crash_on_odd)
    summary = fetch_night(db_url, settings(), registry, run_key="c", logical_ts=NIGHT1)
    assert (summary.feeds_ok, summary.feeds_failed) == (1, 1)
    assert health.load(conn, ["odd"])["odd"].last_reason == "crash"
    assert conn.execute("SELECT count(*) FROM articles").fetchone() == (3,)


def test_a_dead_server_is_named_with_its_host_and_port(db_url: str, http_server,
                                                       tmp_path: Path,
                                                       conn: psycopg.Connection) -> None:
    """Nothing listens on the feed's port: the error the operator reads says where."""
    import socket

    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    http_server.route("/ok.xml", respond(200, rss("fine", 2), RSS))
    registry = write_registry(tmp_path, [("ok", http_server.url("/ok.xml")),
                                         ("dead", f"http://127.0.0.1:{port}/feed.xml")])
    summary = fetch_night(db_url, settings(), registry, run_key="d", logical_ts=NIGHT1)
    expected = f"connect: 127.0.0.1:{port} refused (ConnectError)"
    assert summary.failed_feeds == [{"feed": "dead", "error": expected}]
    row = fetch_rows(conn, "d")["dead"]
    assert (row[0], row[1], row[2]) == ("failed", "connect", expected)
    dead = health.load(conn, ["dead"])["dead"]  # what akhbar feeds and the report show
    assert (dead.last_reason, dead.last_error) == ("connect", expected)
