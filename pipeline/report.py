"""The morning report: one self-contained HTML page about a night, read from the akhbar views.

Thirty days of the three core topics (plotly charts, the library inlined so the page works
offline), the night's top stories by number of copies, its top entities and new unlinked
names, and feed health with failing feeds first. ``akhbar report`` and the nightly DAG's last
task call :func:`write_report`.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from string import Template

import plotly.graph_objects as go
import psycopg
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from pipeline import store

log = logging.getLogger(__name__)

CORE_TOPICS = ("korean_peninsula", "ukraine_war", "sanctions")
DAYS = 30
TOP = 15
COLORS = {"korean_peninsula": "#1f77b4", "ukraine_war": "#d62728", "sanctions": "#2ca02c"}


@dataclass
class ReportData:
    """Everything the page shows, read in one transaction."""

    day: date
    labels: dict[str, str]
    series: dict[str, list[tuple[date, int, int]]]  # topic -> (day, articles, stories)
    by_outlet: list[tuple[str, str, int]]  # (outlet, topic, articles) over the 30 days
    night: dict[str, int]
    stories: list[tuple] = field(default_factory=list)
    entities: list[tuple] = field(default_factory=list)
    new_names: list[tuple] = field(default_factory=list)
    feeds: list[tuple] = field(default_factory=list)


def _night_bounds(day: date) -> dict[str, object]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return {"start": start, "end": start + timedelta(days=1), "day": day,
            "first": day - timedelta(days=DAYS - 1), "topics": list(CORE_TOPICS), "top": TOP}


def read_report(conn: psycopg.Connection, day: date) -> ReportData:
    """Query the akhbar views for the report of the night of ``day`` (UTC)."""
    p = _night_bounds(day)
    labels = dict(conn.execute(
        "SELECT t.id, coalesce(k.label_en, t.id) FROM unnest(%(topics)s::text[]) AS t(id) "
        "LEFT JOIN akhbar.topics k ON k.topic_id = t.id", p).fetchall())
    series: dict[str, list[tuple[date, int, int]]] = {t: [] for t in CORE_TOPICS}
    for d, topic, articles, stories in conn.execute(
        "SELECT g.d::date, t.id, coalesce(sum(c.articles), 0)::int, "
        "coalesce(sum(c.stories), 0)::int "
        "FROM generate_series(%(first)s::date, %(day)s::date, interval '1 day') AS g(d) "
        "CROSS JOIN unnest(%(topics)s::text[]) AS t(id) "
        "LEFT JOIN akhbar.daily_topic_counts c ON c.day = g.d::date AND c.topic_id = t.id "
        "GROUP BY 1, 2 ORDER BY 1, 2", p):
        series[topic].append((d, articles, stories))
    by_outlet = conn.execute(
        "SELECT outlet, topic_id, sum(articles)::int FROM akhbar.daily_topic_counts "
        "WHERE day BETWEEN %(first)s AND %(day)s AND topic_id = ANY(%(topics)s) "
        "GROUP BY 1, 2 ORDER BY 1, 2", p).fetchall()
    row = conn.execute(
        "SELECT (SELECT count(*) FROM akhbar.articles "
        "        WHERE first_seen >= %(start)s AND first_seen < %(end)s), "
        "       (SELECT count(DISTINCT story_id) FROM akhbar.articles "
        "        WHERE first_seen >= %(start)s AND first_seen < %(end)s), "
        "       (SELECT count(*) FROM akhbar.runs "
        "        WHERE logical_ts >= %(start)s AND logical_ts < %(end)s)", p).fetchone()
    assert row is not None
    night = {"articles": row[0], "stories": row[1], "runs": row[2]}
    stories = conn.execute(
        "SELECT s.title, s.copies, s.outlet_count, s.outlets, s.first_published, "
        "s.canonical_url, s.wire_credits FROM akhbar.stories s "
        "WHERE s.story_id IN (SELECT story_id FROM akhbar.articles "
        "    WHERE first_seen >= %(start)s AND first_seen < %(end)s) "
        "ORDER BY s.copies DESC, s.outlet_count DESC, s.first_published, s.story_id "
        "LIMIT %(top)s", p).fetchall()
    entities = conn.execute(
        "SELECT entity_name_en, entity_name_ar, type, count(DISTINCT article_id), count(*) "
        "FROM akhbar.entity_mentions "
        "WHERE entity_id IS NOT NULL AND first_seen >= %(start)s AND first_seen < %(end)s "
        "GROUP BY entity_id, entity_name_en, entity_name_ar, type "
        "ORDER BY 4 DESC, 5 DESC, 1 LIMIT %(top)s", p).fetchall()
    new_names = conn.execute(
        "SELECT min(m.surface), m.type, count(DISTINCT m.article_id), max(m.confidence) "
        "FROM akhbar.entity_mentions m "
        "WHERE m.entity_id IS NULL AND m.first_seen >= %(start)s AND m.first_seen < %(end)s "
        "AND NOT EXISTS (SELECT 1 FROM akhbar.entity_mentions o WHERE o.entity_id IS NULL "
        "    AND o.surface_norm = m.surface_norm AND o.first_seen < %(start)s) "
        "GROUP BY m.surface_norm, m.type ORDER BY 3 DESC, 4 DESC, 1 LIMIT %(top)s",
        p).fetchall()
    feeds = conn.execute(
        "SELECT feed_id, outlet, health, last_status, last_http_status, last_ok_at, "
        "coalesce(last_error, disabled_reason), failure_streak, fetches_30d, failures_30d "
        "FROM akhbar.feed_health ORDER BY CASE health WHEN 'failing' THEN 0 "
        "WHEN 'disabled' THEN 1 WHEN 'never fetched' THEN 2 ELSE 3 END, "
        "failure_streak DESC, failures_30d DESC, feed_id").fetchall()
    return ReportData(day=day, labels=labels, series=series, by_outlet=by_outlet, night=night,
                      stories=stories, entities=entities, new_names=new_names, feeds=feeds)


def _trend_figure(data: ReportData) -> go.Figure:
    """Daily articles per core topic, with the 7-day mean dotted."""
    fig = go.Figure()
    for topic, points in data.series.items():
        days = [d for d, _, _ in points]
        counts = [n for _, n, _ in points]
        mean = [sum(counts[max(0, i - 6):i + 1]) / len(counts[max(0, i - 6):i + 1])
                for i in range(len(counts))]
        color = COLORS.get(topic)
        fig.add_trace(go.Scatter(x=days, y=counts, mode="lines+markers",
                                 name=data.labels.get(topic, topic), line={"color": color}))
        fig.add_trace(go.Scatter(x=days, y=mean, mode="lines", showlegend=False,
                                 name=f"{data.labels.get(topic, topic)} (7-day mean)",
                                 line={"color": color, "dash": "dot", "width": 1}))
    fig.update_layout(title=f"Articles per day, last {DAYS} days", height=380,
                      margin={"l": 40, "r": 20, "t": 50, "b": 40}, yaxis_title="articles",
                      legend={"orientation": "h", "y": -0.15})
    return fig


def _outlet_figure(data: ReportData) -> go.Figure:
    """Articles per outlet and core topic over the 30 days."""
    outlets = sorted({o for o, _, _ in data.by_outlet})
    counts = {(o, t): n for o, t, n in data.by_outlet}
    fig = make_subplots(rows=1, cols=1)
    for topic in CORE_TOPICS:
        fig.add_trace(go.Bar(x=outlets, y=[counts.get((o, topic), 0) for o in outlets],
                             name=data.labels.get(topic, topic),
                             marker={"color": COLORS.get(topic)}))
    fig.update_layout(barmode="group", title=f"Articles per outlet, last {DAYS} days",
                      height=340, margin={"l": 40, "r": 20, "t": 50, "b": 40})
    return fig


def _trend_rows(data: ReportData) -> list[list[str]]:
    rows = []
    for topic, points in data.series.items():
        counts = [n for _, n, _ in points]
        last7, prev7 = sum(counts[-7:]), sum(counts[-14:-7])
        change = "new" if prev7 == 0 and last7 else (
            "–" if prev7 == 0 else f"{(last7 - prev7) / prev7:+.0%}")
        rows.append([data.labels.get(topic, topic), str(counts[-1]), str(last7), str(prev7),
                     change, str(sum(counts)), str(sum(s for _, _, s in points))])
    return rows


def _table(table_id: str, headers: list[str], rows: list[list[str]], empty: str) -> str:
    if not rows:
        return f'<p class="empty" id="{table_id}-empty">{html.escape(empty)}</p>'
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f'<td dir="auto">{c}</td>' for c in row) + "</tr>"
                   for row in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _e(value: object) -> str:
    """Escape a value for a table cell; None reads as a dash, a time is given in UTC."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        # The session hands timestamps out in its own time zone; the page shows UTC.
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, float):
        return f"{value:.2f}"
    if isinstance(value, list):
        return html.escape(", ".join(str(v) for v in value))
    return html.escape(str(value))


# The page itself; kept here rather than in a file so that any install of the package has it.
PAGE = Template("""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Akhbar: the night of $day</title>
<style>
body { font-family: system-ui, "Noto Sans Arabic", "DejaVu Sans", sans-serif; margin: 1.5rem auto;
       max-width: 1100px; color: #222; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; } h2 { font-size: 1.2rem; margin-top: 2rem;
     border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
.figures { color: #555; } .figures b { color: #222; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid #eee; padding: .3rem .5rem; text-align: start;
         vertical-align: top; }
th { background: #f6f6f6; } .empty { color: #777; font-style: italic; }
.h-failing { color: #b00020; font-weight: bold; } .h-disabled { color: #8a5a00; }
.h-ok { color: #2e7d32; }
</style>
<script>$plotly_js</script>
</head>
<body>
<h1>Akhbar: the night of $day</h1>
<p class="figures">New articles <b id="night-articles">$night_articles</b> in
<b>$night_stories</b> stories, from <b>$night_runs</b> run(s);
<b>$feeds_failing</b> of <b>$feeds_total</b> feeds not healthy.</p>
<h2>Topics over the last $days days</h2>
$trend_table
$charts
<h2>Top stories of the night, by number of copies</h2>
$stories_table
<h2>Top entities of the night</h2>
$entities_table
<h2>New unlinked names</h2>
<p class="figures">Names the gazetteer does not know, seen for the first time this night.</p>
$names_table
<h2>Feed health (failing feeds first)</h2>
$feeds_table
</body>
</html>
""")


def render_report(data: ReportData) -> str:
    """The HTML page: plotly.js inlined once, then the charts and the tables."""
    config = {"displaylogo": False, "responsive": True}
    charts = "\n".join(
        fig.to_html(full_html=False, include_plotlyjs=False, div_id=div, config=config)
        for div, fig in (("chart-topics", _trend_figure(data)),
                         ("chart-outlets", _outlet_figure(data))))
    stories = [[f'<a href="{html.escape(url or "", quote=True)}">{_e(title)}</a>', _e(copies),
                _e(n_outlets), _e(outlets), _e(first), _e(wires)]
               for title, copies, n_outlets, outlets, first, url, wires in data.stories]
    entities = [[_e(en), _e(ar), _e(kind), _e(arts), _e(mentions)]
                for en, ar, kind, arts, mentions in data.entities]
    names = [[_e(name), _e(kind), _e(arts), _e(conf)] for name, kind, arts, conf in data.new_names]
    feeds = [[_e(fid), _e(outlet), f'<span class="h-{_e(health).replace(" ", "-")}">'
              f"{_e(health)}</span>", _e(status), _e(code), _e(ok_at), _e(err), _e(streak),
              _e(n), _e(fails)]
             for fid, outlet, health, status, code, ok_at, err, streak, n, fails in data.feeds]
    failing = sum(1 for f in data.feeds if f[2] != "ok")
    return PAGE.substitute(
        day=data.day.isoformat(),
        plotly_js=get_plotlyjs(),
        night_articles=data.night["articles"], night_stories=data.night["stories"],
        night_runs=data.night["runs"], feeds_total=len(data.feeds), feeds_failing=failing,
        days=DAYS,
        trend_table=_table("topic-trends", ["topic", "on the day", "last 7 days",
                                            "previous 7 days", "change", f"{DAYS} days",
                                            f"stories ({DAYS} days)"],
                           _trend_rows(data), "No topics."),
        charts=charts,
        stories_table=_table("top-stories", ["story", "copies", "outlets", "carried by",
                                             "first published (UTC)", "wire credits"],
                             stories, "No new stories this night."),
        entities_table=_table("top-entities", ["entity", "Arabic", "type", "articles",
                                               "mentions"],
                              entities, "No entities this night."),
        names_table=_table("new-names", ["name", "type", "articles", "confidence"], names,
                           "No new unlinked names this night."),
        feeds_table=_table("feed-health", ["feed", "outlet", "health", "last status", "HTTP",
                                           "last ok", "last error", "streak",
                                           f"fetches ({DAYS} d)", f"failures ({DAYS} d)"],
                           feeds, "No feeds registered."),
    )


def write_report(url: str, day: date, out_path: Path | str) -> Path:
    """Read the warehouse at ``url`` and write the report of the night of ``day``."""
    out = Path(out_path)
    with store.connect(url) as conn:
        data = read_report(conn, day)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(data), encoding="utf-8")
    log.info("report for %s written to %s (%d stories, %d feeds)", day, out,
             len(data.stories), len(data.feeds))
    return out
