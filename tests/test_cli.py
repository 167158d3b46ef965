"""The ``akhbar`` command line over a real database."""

import logging
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from pipeline.cli import app

SAMPLES = Path(__file__).resolve().parents[1] / "pipeline" / "data" / "samples" / "feeds.yaml"


@pytest.fixture
def runner(db_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("AKHBAR_DATABASE_URL", db_url)
    return CliRunner()


def test_run_prints_summary_and_loads(runner: CliRunner, conn: psycopg.Connection) -> None:
    result = runner.invoke(app, ["run", "--feeds", str(SAMPLES), "--run-key", "sample-night"])
    assert result.exit_code == 0, result.output
    assert "feeds ok" in result.output and "articles new" in result.output
    assert conn.execute("SELECT count(*) FROM articles").fetchone() == (36,)
    status = conn.execute("SELECT status, summary->>'articles_new' FROM runs").fetchone()
    assert status == ("success", "36")


def test_db_migrate_reports_nothing_pending(runner: CliRunner) -> None:
    result = runner.invoke(app, ["db", "migrate"])
    assert result.exit_code == 0, result.output
    assert "none pending" in result.output


@pytest.mark.parametrize("command", [["db", "migrate"], ["feeds"], ["runs"],
                                     ["entities", "candidates"], ["db", "index-search"]])
def test_a_command_on_one_connection_opens_one(command: list[str], pg_server,
                                                pg_admin_url: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """The connection that checks (and migrates) the database is the one the command works
    on: one connection, also on a database not migrated yet."""
    from pipeline import store

    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute("DROP DATABASE IF EXISTS fresh_db WITH (FORCE)")
    url = pg_server.ensure_database("fresh_db")
    opened: list[str] = []
    real = store.connect

    def counted(url: str, **kwargs: object) -> psycopg.Connection:
        opened.append(url)
        return real(url, **kwargs)

    monkeypatch.setattr(store, "connect", counted)
    monkeypatch.setenv("AKHBAR_DATABASE_URL", url)
    try:
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 0, result.output
        assert len(opened) == 1, opened
        with real(url) as conn:
            assert conn.execute("SELECT count(*) FROM schema_migrations").fetchone() == (
                len(store.migration_files()),)
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute("DROP DATABASE IF EXISTS fresh_db WITH (FORCE)")


def test_bad_registry_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "feeds.yaml"
    bad.write_text("feeds:\n  - id: x\n", encoding="utf-8")
    result = runner.invoke(app, ["run", "--feeds", str(bad)])
    assert result.exit_code == 2
    assert "field 'name' is required" in result.output


# An output path that cannot be written is refused with a message, before any work and
# without a traceback. A path under a regular file fails even for root and even where the
# command creates missing folders (report, db docs).
OUTPUT_COMMANDS = {
    "tag": ["tag", "--in", "{src}", "--out", "{out}"],
    "dedup": ["dedup", "--in", "{src}", "--out", "{out}"],
    "report": ["report", "--date", "2018-05-10", "--out", "{out}"],
    "db docs": ["db", "docs", "--out", "{out}"],
    "bench": ["bench", "--smoke", "--json", "{out}"],
}


@pytest.mark.parametrize(("name", "where"), [
    *((name, "under-a-file") for name in OUTPUT_COMMANDS),
    *((name, "missing-folder") for name in ("tag", "dedup", "bench")),  # the others mkdir
])
def test_an_unwritable_output_is_a_clear_error(name: str, where: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "title": "قمة", "text": "نص"}\n', encoding="utf-8")
    (tmp_path / "file").write_text("", encoding="utf-8")
    out = tmp_path / ("file" if where == "under-a-file" else "missing") / "x.out"
    # No database and no benchmark run: the path must be refused before either is reached.
    monkeypatch.setenv("AKHBAR_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setattr(subprocess, "run",
                        lambda *a, **k: subprocess.CompletedProcess(a, 0))
    args = [a.format(src=src, out=out) for a in OUTPUT_COMMANDS[name]]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "300"})
    assert result.exit_code == 2, (result.output, result.exception)
    assert f"error: cannot write {out}" in result.output
    assert not out.exists()


@pytest.mark.parametrize("day", ["0001-01-01", "0001-01-30", "9999-12-31"])
def test_a_report_date_at_the_ends_of_the_calendar_is_a_clear_error(
        day: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Refused before the database is reached: the report needs the days around the night.
    monkeypatch.setenv("AKHBAR_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    out = tmp_path / "r.html"
    result = CliRunner().invoke(app, ["report", "--date", day, "--out", str(out)],
                                env={"COLUMNS": "300"})
    assert result.exit_code == 2, (result.output, result.exception)
    assert "too near the ends of the calendar" in result.output
    assert not out.exists()


def test_an_output_that_is_a_folder_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "title": "قمة", "text": "نص"}\n', encoding="utf-8")
    for command in ("tag", "dedup"):
        result = CliRunner().invoke(app, [command, "--in", str(src), "--out", str(tmp_path)],
                                    env={"COLUMNS": "300"})
        assert result.exit_code == 2 and "it is a directory" in result.output, result.output


def test_tag_keeps_the_old_output_when_the_input_is_bad(tmp_path: Path) -> None:
    """``tag`` writes its output whole or not at all, and never over its own input."""
    good = tmp_path / "good.jsonl"
    good.write_text('{"id": "a", "title": "قمة", "text": "نص"}\n', encoding="utf-8")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "a", "title": "قمة", "text": "نص"}\n{"id": "b", oops}\n',
                   encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert CliRunner().invoke(app, ["tag", "--in", str(good), "--out", str(out)]).exit_code == 0
    kept = out.read_bytes()
    result = CliRunner().invoke(app, ["tag", "--in", str(bad), "--out", str(out)],
                                env={"COLUMNS": "300"})
    assert result.exit_code == 2 and "line 2" in result.output, result.output
    assert out.read_bytes() == kept
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl", "good.jsonl", "out.jsonl"]
    # The same file as input and output is refused before it is opened for writing.
    result = CliRunner().invoke(app, ["tag", "--in", str(good), "--out", str(good)],
                                env={"COLUMNS": "300"})
    assert result.exit_code == 2 and "it is the --in file" in result.output, result.output
    assert good.read_text(encoding="utf-8").startswith('{"id": "a"')


@pytest.mark.parametrize("command", ["tag", "dedup"])
def test_half_an_emoji_escape_is_refused_naming_the_line(command: str, tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "title": "قمة", "text": "نص"}\n'
                   '{"id": "b", "title": "قمة \\ud83d", "text": "نص آخر"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, [command, "--in", str(src), "--out",
                                      str(tmp_path / "out.jsonl")], env={"COLUMNS": "300"})
    assert result.exit_code == 2, (result.output, result.exception)
    assert "line 2: 'title' holds half of a UTF-16 surrogate pair" in result.output, result.output


def test_a_bad_taxonomy_for_tag_is_reported_on_stderr(tmp_path: Path) -> None:
    import subprocess
    import sys

    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a", "title": "قمة", "text": "نص"}\n', encoding="utf-8")
    tax = tmp_path / "tax.yaml"
    tax.write_text('version: "x"\ntopics: []\n', encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "tag", "--in", str(src),
                           "--out", "/dev/stdout", "--taxonomy", str(tax)],
                          capture_output=True, check=False)
    assert proc.returncode == 2
    assert proc.stdout == b""
    assert b"tax.yaml" in proc.stderr


def test_runs_refuses_a_bad_setting_in_one_line(runner: CliRunner) -> None:
    result = runner.invoke(app, ["runs"], env={"AKHBAR_PG_PORT": "abc",
                                               "AKHBAR_DATABASE_URL": ""})
    assert result.exit_code == 2, (result.output, result.exception)
    assert "AKHBAR_PG_PORT" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("command", ["tag", "dedup"])
def test_output_to_stdout_holds_only_json_lines(command: str, tmp_path: Path) -> None:
    """``--out /dev/stdout`` into a pipe or a file: the summary line goes to stderr."""
    import json
    import subprocess
    import sys

    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": f"a{i}", "title": "عقوبات على كوريا الشمالية",
                                       "text": f"نص الخبر رقم {i}"}, ensure_ascii=False) + "\n"
                           for i in range(3)), encoding="utf-8")
    target = tmp_path / "out.jsonl"
    link = Path("/dev/stdout").is_symlink()  # written through, never renamed over
    with target.open("wb") as fh:  # a redirect: `akhbar tag ... --out /dev/stdout > out.jsonl`
        proc = subprocess.run([sys.executable, "-m", "pipeline.cli", command, "--in", str(src),
                               "--out", "/dev/stdout"], stdout=fh, stderr=subprocess.PIPE,
                              check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    lines = target.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["a0", "a1", "a2"]
    assert b"3 articles" in proc.stderr
    piped = subprocess.run([sys.executable, "-m", "pipeline.cli", command, "--in", str(src),
                            "--out", "/dev/stdout"], capture_output=True, check=False)
    assert [json.loads(line)["id"] for line in piped.stdout.decode().splitlines()] == \
        ["a0", "a1", "a2"]
    assert Path("/dev/stdout").is_symlink() == link


@pytest.mark.parametrize("command", ["tag", "dedup", "eval --in", "eval --gold"])
def test_a_line_that_is_not_utf8_names_the_file_and_line(command: str, tmp_path: Path) -> None:
    """A windows-1256 line in a UTF-8 JSONL input: exit 2 naming the file and line."""
    good = '{"id": "a", "title": "قمة", "text": "نص", "topics": []}\n'.encode()
    bad = '{"id": "b", "title": "قمة", "text": "نص", "topics": []}\n'.encode("cp1256")
    src = tmp_path / "in.jsonl"
    src.write_bytes(good + bad)
    gold = tmp_path / "gold.jsonl"
    gold.write_bytes(good)
    args = {"tag": ["tag", "--in", str(src), "--out", str(tmp_path / "out.jsonl")],
            "dedup": ["dedup", "--in", str(src), "--out", str(tmp_path / "out.jsonl")],
            "eval --in": ["eval", "--gold", str(gold), "--in", str(src)],
            "eval --gold": ["eval", "--gold", str(src), "--in", str(gold)]}[command]
    result = CliRunner().invoke(app, args, env={"COLUMNS": "300"})
    assert result.exit_code == 2, (result.output, result.exception)
    assert f"{src}: line 2: not UTF-8" in result.output or f"{src}:2: not UTF-8" in \
        result.output, result.output


def test_brackets_in_names_and_keys_are_printed_as_written(runner: CliRunner,
                                                           tmp_path: Path) -> None:
    """File names, ids and run keys are text, not console markup: shown whole, no crash."""
    registry = tmp_path / "feeds[old].yaml"
    registry.write_text("feeds:\n  - id: x\n", encoding="utf-8")
    result = runner.invoke(app, ["run", "--feeds", str(registry)], env={"COLUMNS": "300"})
    assert result.exit_code == 2 and f"{registry}:2" in result.output, result.output
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "[/x]", "title": "قمة", "text": "نص"}\n' * 2, encoding="utf-8")
    result = runner.invoke(app, ["dedup", "--in", str(src), "--out", str(tmp_path / "o")],
                           env={"COLUMNS": "300"})
    assert result.exit_code == 2 and "duplicate id '[/x]'" in result.output, result.output
    result = runner.invoke(app, ["feeds", "enable", "[/x]"])
    assert result.exit_code == 2 and "no feed '[/x]'" in result.output, result.output
    result = runner.invoke(app, ["reparse", "--run-key", "[/x]"])
    assert result.exit_code == 2 and "no run '[/x]'" in result.output, result.output
    result = runner.invoke(app, ["run", "--feeds", str(SAMPLES), "--run-key", "night[/b]"],
                           env={"COLUMNS": "300"})
    assert result.exit_code == 0 and "Akhbar run night[/b]" in result.output, result.output


@pytest.mark.parametrize(("args", "message"), [
    (["retag", "--since", "2018-02-30"], "--since 2018-02-30: day is out of range for month"),
    (["entities", "retag", "--until", "2018-13-01"], "--until 2018-13-01: month must be in"),
    (["retag", "--until", "9999-12-31"], "--until 9999-12-31: date value out of range"),
])
def test_a_bad_retag_day_names_its_option(args: list[str], message: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """A day that is not a calendar day (or has no next day) is refused before any work."""
    monkeypatch.setenv("AKHBAR_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    result = CliRunner().invoke(app, args, env={"COLUMNS": "300"})
    assert result.exit_code == 2, (result.output, result.exception)
    assert message in result.output, result.output


def test_retag_with_nothing_to_retag_is_a_usage_error(runner: CliRunner) -> None:
    """--no-topics with --no-entities would re-tag nothing yet exit 0: it is refused."""
    result = runner.invoke(app, ["retag", "--no-topics", "--no-entities"],
                           env={"COLUMNS": "300"})
    assert result.exit_code == 2, (result.output, result.exception)
    assert "nothing to re-tag" in result.output, result.output


def test_an_embedded_server_port_already_taken_is_a_clear_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Another checkout's embedded server on the default port: the message says so and what
    # to do, with exit 2, instead of a traceback pointing at the server log.
    import socket

    from pipeline.pgserver import free_port

    monkeypatch.delenv("AKHBAR_DATABASE_URL", raising=False)
    with socket.socket() as holder:
        port = free_port()
        holder.bind(("127.0.0.1", port))
        holder.listen()
        result = CliRunner().invoke(app, ["db", "url"], env={
            "COLUMNS": "300", "AKHBAR_HOME": str(tmp_path / "home"),
            "AKHBAR_PG_PORT": str(port)})
    assert result.exit_code == 2, (result.output, result.exception)
    assert f"port {port} on 127.0.0.1 is taken" in result.output
    assert "AKHBAR_PG_PORT" in result.output


@pytest.mark.parametrize(("env", "message"), [
    ({"AKHBAR_PG_PORT": "99999"}, "AKHBAR_PG_PORT=99999 is no port"),
    ({"AKHBAR_PG_BINDIR": "/nonexistent/bin"}, "/nonexistent/bin"),
])
def test_an_embedded_server_that_cannot_start_is_one_error_line(
        env: dict[str, str], message: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.pgserver import free_port

    monkeypatch.delenv("AKHBAR_DATABASE_URL", raising=False)
    result = CliRunner().invoke(app, ["db", "url"], env={
        "COLUMNS": "300", "AKHBAR_HOME": str(tmp_path / "home"),
        "AKHBAR_PG_PORT": str(free_port()), **env})
    assert result.exit_code == 2, (result.output, result.exception)
    assert message in result.output and "Traceback" not in result.output, result.output


def test_the_embedded_server_running_on_another_port_is_named(tmp_path: Path) -> None:
    from pipeline.pgserver import EmbeddedServerError, free_port, project_server

    server = project_server(tmp_path / "home", free_port())
    server.start()
    try:
        moved = project_server(tmp_path / "home", free_port())
        with pytest.raises(EmbeddedServerError, match=f"running on port {server.port}"):
            moved.start()
    finally:
        server.stop()


def test_a_port_a_stopped_server_left_in_time_wait_is_free() -> None:
    # Right after `make stop` the server's closed connections sit in TIME_WAIT on its port;
    # PostgreSQL starts there again, so the probe must not call the port taken.
    import socket

    from pipeline.pgserver import port_in_use

    with socket.socket() as server:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", 0))
        port = server.getsockname()[1]
        server.listen()
        assert port_in_use(port) is not None  # a listening socket is taken
        with socket.create_connection(("127.0.0.1", port)) as client:
            conn, _ = server.accept()
            conn.close()  # the server closes first: its side of the connection waits
            client.recv(1)
    # A bind without SO_REUSEADDR still fails there.
    with socket.socket() as plain, pytest.raises(OSError):
        plain.bind(("127.0.0.1", port))
    assert port_in_use(port) is None


@pytest.mark.parametrize(("args", "variable", "value", "message"), [
    (["run", "--feeds", str(SAMPLES)], "AKHBAR_HTTP_TIMEOUT", "20s",
     "AKHBAR_HTTP_TIMEOUT='20s': expected a number"),
    (["feeds"], "AKHBAR_MAX_FEED_BYTES", "15MB",
     "AKHBAR_MAX_FEED_BYTES='15MB': expected a whole number"),
    # Read only by the checks at the end of the night: refused before anything is fetched.
    (["run", "--feeds", str(SAMPLES)], "AKHBAR_QA_MIN_ARTICLES", "one",
     "AKHBAR_QA_MIN_ARTICLES='one': expected a whole number"),
])
def test_a_mistyped_setting_names_its_variable(runner: CliRunner, conn: psycopg.Connection,
                                               monkeypatch: pytest.MonkeyPatch,
                                               args: list[str], variable: str, value: str,
                                               message: str) -> None:
    monkeypatch.setenv(variable, value)
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())
    assert isinstance(result.exception, SystemExit)  # a message, not a ValueError
    assert conn.execute("SELECT count(*) FROM runs").fetchone() == (0,)


def test_feeds_prints_times_in_utc_whatever_the_session_time_zone(
        runner: CliRunner, db_url: str, conn: psycopg.Connection,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    from pipeline import health, store
    from pipeline.records import FeedSpec

    spec = FeedSpec("tz", "TZ", "https://tz.example/feed.xml", "TZ")
    store.sync_feeds(conn, [spec])
    run = store.start_run(conn, "tz-night", datetime(2024, 3, 1, 2, 30, tzinfo=UTC))
    health.record(conn, spec, run.id, datetime(2024, 3, 1, 2, 30, tzinfo=UTC),
                  status="failed", url=spec.url, error="HTTP 500", reason="http_500")
    conn.commit()
    monkeypatch.setenv("PGTZ", "Asia/Riyadh")  # UTC+3
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["feeds"])
    assert result.exit_code == 0, result.output
    assert "times in UTC" in result.output
    assert "2024-03-01 02:30 HTTP 500" in result.output  # the last error
    assert "2024-03-01 03:30" in result.output  # the next attempt, an hour later
    assert "05:30" not in result.output and "06:30" not in result.output
    # The backoff a night reports in its fetch log is in UTC too.
    with store.connect(db_url) as riyadh:
        plans = health.plan([spec], health.load(riyadh, ["tz"]), run.id + 1,
                            datetime(2024, 3, 1, 3, 0, tzinfo=UTC))
    assert plans[0].skip == "backing off until 2024-03-01 03:30 UTC after 1 failure(s)"


@pytest.mark.parametrize("command", ["tag", "eval"])
def test_taxonomy_option_help_names_the_variable_it_defaults_to(command: str) -> None:
    """Without --taxonomy, AKHBAR_TAXONOMY is read before the packaged file: the help says so."""
    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "default: AKHBAR_TAXONOMY, else the packaged one" in " ".join(result.output.split())


# A database that cannot be reached is one line naming it, password masked, and exit 2,
# for each command that needs it; `akhbar -v` adds the traceback.
@pytest.mark.parametrize(("url", "reason"), [
    ("postgresql://akhbar:s3cret-pw@127.0.0.1:9/akhbar", "Connection refused"),
    ("akhbar:s3cret-pw@127.0.0.1", 'missing "="'),
])
@pytest.mark.parametrize("command", [["run"], ["feeds"], ["runs"], ["db", "migrate"],
                                     ["report", "--date", "2018-05-10"]])
def test_an_unreachable_database_is_one_line(url: str, reason: str, command: list[str],
                                             monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path,
                                             caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("AKHBAR_DATABASE_URL", url)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2, (result.output, result.exception)
    assert isinstance(result.exception, SystemExit)  # a message, not an OperationalError
    line = result.output.strip()
    assert line.startswith("error: cannot reach the database at ") and "\n" not in line, line
    assert reason in line and "akhbar:***@127.0.0.1" in line, line
    assert "s3cret" not in result.output
    assert "Traceback" not in caplog.text
    with caplog.at_level(logging.INFO, logger="pipeline.cli"):
        verbose = CliRunner().invoke(app, ["-v", *command])
    assert verbose.exit_code == 2, verbose.output
    assert "Traceback" in caplog.text and "s3cret" not in caplog.text + verbose.output
