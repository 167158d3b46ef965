"""The ``akhbar`` command line over a real database."""

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


def test_bad_registry_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    bad = tmp_path / "feeds.yaml"
    bad.write_text("feeds:\n  - id: x\n", encoding="utf-8")
    result = runner.invoke(app, ["run", "--feeds", str(bad)])
    assert result.exit_code == 2
    assert "field 'name' is required" in result.output
