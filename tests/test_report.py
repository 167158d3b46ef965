"""The nightly report: written from a real night, rendered in headless Chromium."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import UTC, date, datetime
from html.parser import HTMLParser
from pathlib import Path

import psycopg
import pytest
from warehouse_data import SAMPLE_NIGHT, article, load, run_sample_night

from pipeline import night, report

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--virtual-time-budget=15000"]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("headless Chromium is missing: `make test` installs the Debian package "
                    "'chromium' (apt-get install chromium)")
    return found


def rendered_dom(page: Path, tmp_path: Path) -> str:
    """The DOM after the page's scripts ran, as Chromium serializes it."""
    proc = subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}",
         "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=180, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


class Tables(HTMLParser):
    """Collect the rows of every table by id, and every element's classes."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[list[str]]] = {}
        self.classes: list[str] = []
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.classes += (a.get("class") or "").split()
        if tag == "table":
            self._table = a.get("id") or ""
            self.rows[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.rows[self._table].append([])
        elif tag == "td" and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._table is not None and self._cell is not None:
            self.rows[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


@pytest.fixture
def page(db_url: str, tmp_path: Path) -> Path:
    summary = run_sample_night(db_url, tmp_path)
    assert summary.articles_new > 20 and summary.feeds_failed == 1
    # the night's own report stage writes the same page as the command
    by_stage = night.write_report(db_url, summary.run_id, tmp_path / "stage.html")
    by_date = report.write_report(db_url, SAMPLE_NIGHT.date(), tmp_path / "report.html")
    assert by_stage.read_text(encoding="utf-8") == by_date.read_text(encoding="utf-8")
    return by_date


def test_report_renders_charts_and_tables_in_chromium(
        page: Path, tmp_path: Path, conn: psycopg.Connection) -> None:
    source = page.read_text(encoding="utf-8")
    # Self-contained: plotly.js is inlined, nothing is loaded from elsewhere.
    assert not re.search(r"<script[^>]*\bsrc=|<link\b|<iframe\b|<img\b", source)
    assert len(re.findall(r"<script\b", source)) == 3  # the library and the two charts

    dom = rendered_dom(page, tmp_path)
    parsed = Tables()
    parsed.feed(dom)
    # plotly drew both charts: each div holds a plot container with SVG layers and traces
    for chart in ("chart-topics", "chart-outlets"):
        block = dom.split(f'id="{chart}"', 1)[1][:200_000]
        assert 'class="main-svg"' in block.split('id="chart-', 1)[0]
    assert parsed.classes.count("plot-container") == 2
    assert parsed.classes.count("scatterlayer") >= 1 and parsed.classes.count("barlayer") >= 1

    rows = parsed.rows
    assert {"topic-trends", "top-stories", "top-entities", "new-names", "feed-health"} <= set(rows)
    topics = [r[0] for r in rows["topic-trends"] if r]
    assert len(topics) == 3
    stories = [r for r in rows["top-stories"] if r]
    new_tonight = conn.execute("SELECT count(DISTINCT story_id) FROM akhbar.articles "
                               "WHERE first_seen::date = %s", (SAMPLE_NIGHT.date(),)).fetchone()
    assert len(stories) == min(report.TOP, new_tonight[0])
    copies = [int(r[1]) for r in stories]
    assert copies == sorted(copies, reverse=True)
    entities = [r for r in rows["top-entities"] if r]
    assert entities and all(int(r[3]) >= int(entities[-1][3]) for r in entities)
    feeds = [r for r in rows["feed-health"] if r]
    assert [r[0] for r in feeds][0] == "gone"  # the failing feed comes first
    assert feeds[0][2] == "failing" and all(r[2] == "ok" for r in feeds[1:])
    assert any(r for r in rows["new-names"] if r)


def test_report_of_an_empty_night_still_renders(db_url: str, tmp_path: Path) -> None:
    out = report.write_report(db_url, date(2020, 1, 1), tmp_path / "empty.html")
    dom = rendered_dom(out, tmp_path)
    assert dom.count('class="plot-container') == 2
    assert 'id="top-stories-empty"' in dom and 'id="feed-health-empty"' in dom


def test_report_times_are_utc_whatever_the_session_time_zone(
        db_url: str, tmp_path: Path, conn: psycopg.Connection) -> None:
    # A server set up in local time (initdb takes the machine's zone) hands timestamps out in
    # that zone; the page labels its times UTC, so it must print them in UTC.
    published = datetime(2024, 3, 1, 0, 38, tzinfo=UTC)
    run = load(conn, "2024-03-01", datetime(2024, 3, 1, 2, 0, tzinfo=UTC), [
        article("wire", "Wire", "https://news.example/tz", "خبر عاجل", "نص الخبر.", published)])
    night.near_duplicates(db_url, run.id)  # the story the page lists
    conn.execute(f'ALTER DATABASE "{conn.info.dbname}" SET TimeZone = \'Asia/Riyadh\'')
    conn.commit()
    out = report.write_report(db_url, date(2024, 3, 1), tmp_path / "tz.html")
    stories = Tables()
    stories.feed(out.read_text(encoding="utf-8"))
    assert stories.rows["top-stories"][1][4] == "2024-03-01 00:38"
