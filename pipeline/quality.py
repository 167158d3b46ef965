"""Data-quality checks over one run, read back from the database, and the feed-health table.

The checks look at what a night left in PostgreSQL (fetch log, sightings, articles), not at
what the stages said they did, so they also catch a stage that lied or a shard that was lost.
Every figure is per run and stable under re-runs: re-running a night gives the same report.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import psycopg

from pipeline.settings import Settings

log = logging.getLogger(__name__)


class QualityError(RuntimeError):
    """A run crossed a data-quality threshold; the message names each breach."""

    def __init__(self, report: QualityReport) -> None:
        self.report = report
        lines = [f"run {report.run_id} failed {len(report.breaches)} data-quality check(s):"]
        lines += [f"  - {c.name}: {c.detail}" for c in report.breaches]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class QualityThresholds:
    """Limits a run must stay within; read with :meth:`from_env`."""

    max_failed_feed_share: float = 0.5  # more than this share of feeds failing fails the run
    min_articles: int = 1  # when some feed returned entries, at least this many articles
    max_empty_body_share: float = 0.25  # articles of the run whose body is empty
    max_duplicate_share: float = 0.6  # sightings of the run that were copies of another

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None,
                 settings: Settings | None = None) -> QualityThresholds:
        """``AKHBAR_MAX_FAILED_FEED_SHARE`` (via Settings) and ``AKHBAR_QA_*`` variables."""
        env = os.environ if env is None else env
        settings = settings or Settings.from_env(env)
        base = cls()

        def get(name: str, default: float) -> float:
            """``AKHBAR_QA_<name>`` as the type of its default; an error names the variable."""
            var = f"AKHBAR_QA_{name}"
            raw = env.get(var)
            if raw is None:
                return default
            try:
                return type(default)(raw)
            except ValueError:
                kind = "a whole number" if isinstance(default, int) else "a number"
                raise ValueError(f"{var}={raw!r}: expected {kind}") from None

        return cls(
            max_failed_feed_share=settings.max_failed_feed_share,
            min_articles=int(get("MIN_ARTICLES", base.min_articles)),
            max_empty_body_share=get("MAX_EMPTY_BODY_SHARE", base.max_empty_body_share),
            max_duplicate_share=get("MAX_DUPLICATE_SHARE", base.max_duplicate_share),
        )


@dataclass(frozen=True)
class Check:
    """One check: the measured value, its limit, and whether it held."""

    name: str
    value: float
    limit: float
    passed: bool
    detail: str


@dataclass
class QualityReport:
    """The figures of one run and the checks made on them."""

    run_id: int
    feeds_expected: int | None
    feeds_logged: int = 0
    feeds_ok: int = 0
    feeds_not_modified: int = 0
    feeds_failed: int = 0
    entries: int = 0
    sightings: int = 0
    articles: int = 0
    articles_without_body: int = 0
    articles_unindexed: int = 0  # no current row in the search index
    checks: list[Check] = field(default_factory=list)

    @property
    def breaches(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    @property
    def passed(self) -> bool:
        return not self.breaches

    def as_dict(self) -> dict:
        return {**asdict(self), "passed": self.passed}

    def brief(self) -> dict:
        """The few figures worth a line in the run summary."""
        return {"passed": self.passed, "articles": self.articles,
                "articles_without_body": self.articles_without_body,
                "feeds_failed": self.feeds_failed, "feeds_logged": self.feeds_logged,
                "breaches": [c.name for c in self.breaches]}

    def raise_if_breached(self) -> None:
        if self.breaches:
            raise QualityError(self)

    def render(self) -> str:
        """A plain-text table of the checks, for a task log."""
        rows = [("check", "value", "limit", "result")]
        rows += [(c.name, _fmt(c.value), _fmt(c.limit), "ok" if c.passed else "FAILED")
                 for c in self.checks]
        return _table(rows)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.3f}"


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def measure(conn: psycopg.Connection, run_id: int,
            feeds_expected: int | None = None) -> QualityReport:
    """Read the run's figures from the fetch log, the sightings and the articles."""
    report = QualityReport(run_id=run_id, feeds_expected=feeds_expected)
    for status, count, entries in conn.execute(
            "SELECT status, count(*), coalesce(sum(entries), 0) FROM fetches "
            "WHERE run_id = %s GROUP BY status", (run_id,)):
        setattr(report, f"feeds_{status}", int(count))
        report.feeds_logged += int(count)
        report.entries += int(entries)
    row = conn.execute(
        "SELECT count(*), count(DISTINCT s.article_id), "
        "count(DISTINCT s.article_id) FILTER (WHERE btrim(a.body) = ''), "
        "count(DISTINCT s.article_id) FILTER (WHERE x.article_id IS NULL) "
        "FROM article_sightings s JOIN articles a ON a.id = s.article_id "
        "LEFT JOIN article_search x ON x.article_id = a.id AND x.content_hash = a.content_hash "
        "AND x.vector_version = akhbar.search_vector_version() "
        "WHERE s.run_id = %s", (run_id,)).fetchone()
    assert row is not None
    (report.sightings, report.articles, report.articles_without_body,
     report.articles_unindexed) = map(int, row)
    return report


def evaluate(report: QualityReport, limits: QualityThresholds) -> QualityReport:
    """Fill ``report.checks`` by comparing its figures with ``limits``."""
    checks: list[Check] = []
    if report.feeds_expected is not None:
        checks.append(Check(
            "every feed logged", report.feeds_logged, report.feeds_expected,
            report.feeds_logged == report.feeds_expected,
            f"{report.feeds_logged} of {report.feeds_expected} feeds have a fetch record "
            "(a lost shard leaves feeds without one)"))
    failed = _share(report.feeds_failed, report.feeds_logged)
    checks.append(Check(
        "failed feed share", failed, limits.max_failed_feed_share,
        failed <= limits.max_failed_feed_share,
        f"{report.feeds_failed} of {report.feeds_logged} feeds failed ({failed:.0%}); "
        f"allowed up to {limits.max_failed_feed_share:.0%} (AKHBAR_MAX_FAILED_FEED_SHARE)"))
    # Only nights where feeds handed over entries must load articles; all-304 nights load none.
    need = limits.min_articles if report.entries else 0
    checks.append(Check(
        "articles loaded", report.articles, need, report.articles >= need,
        f"{report.articles} articles from {report.entries} entries; at least {need} expected "
        "(AKHBAR_QA_MIN_ARTICLES)"))
    empty = _share(report.articles_without_body, report.articles)
    checks.append(Check(
        "articles without body", empty, limits.max_empty_body_share,
        empty <= limits.max_empty_body_share,
        f"{report.articles_without_body} of {report.articles} articles have no body "
        f"({empty:.0%}); allowed up to {limits.max_empty_body_share:.0%} "
        "(AKHBAR_QA_MAX_EMPTY_BODY_SHARE)"))
    checks.append(Check(
        "articles not searchable", report.articles_unindexed, 0, report.articles_unindexed == 0,
        f"{report.articles_unindexed} of {report.articles} articles have no current row in the "
        "search index (index_for_search did not run or failed; `akhbar db index-search` "
        "builds what is missing)"))
    dup = _share(report.sightings - report.articles, report.sightings)
    checks.append(Check(
        "duplicate share", dup, limits.max_duplicate_share, dup <= limits.max_duplicate_share,
        f"{report.sightings - report.articles} of {report.sightings} items tonight were exact "
        f"copies of another ({dup:.0%}); allowed up to {limits.max_duplicate_share:.0%} "
        "(AKHBAR_QA_MAX_DUPLICATE_SHARE)"))
    report.checks = checks
    return report


def check_run(conn: psycopg.Connection, run_id: int, feeds_expected: int | None = None,
              limits: QualityThresholds | None = None) -> QualityReport:
    """Measure and evaluate a run; the caller decides whether a breach raises."""
    report = evaluate(measure(conn, run_id, feeds_expected), limits or QualityThresholds())
    for check in report.breaches:
        log.warning("run %s: data-quality check %r failed: %s", run_id, check.name, check.detail)
    return report


# --- feed health ------------------------------------------------------------------------

@dataclass(frozen=True)
class FeedHealth:
    """One feed's line in the run's health table."""

    feed_id: str
    status: str
    http_status: int | None
    entries: int
    loaded: int
    error: str


def feed_health(conn: psycopg.Connection, run_id: int) -> list[FeedHealth]:
    """Each feed's fetch outcome in the run: failed first, then not modified, then ok."""
    rows = conn.execute(
        "SELECT feed_id, status, http_status, entries, loaded, coalesce(error, '') "
        "FROM fetches WHERE run_id = %s ORDER BY "
        "CASE status WHEN 'failed' THEN 0 WHEN 'not_modified' THEN 1 ELSE 2 END, feed_id",
        (run_id,)).fetchall()
    return [FeedHealth(*row) for row in rows]


def render_feed_health(rows: Sequence[FeedHealth], max_error: int = 80) -> str:
    """A plain-text table of feeds and a line of counts, for the run summary's log."""
    table = [("feed", "status", "http", "entries", "loaded", "reason")]
    for r in rows:
        reason = r.error if len(r.error) <= max_error else r.error[:max_error - 1] + "…"
        table.append((r.feed_id, r.status, "" if r.http_status is None else str(r.http_status),
                      str(r.entries), str(r.loaded), reason))
    counts = {s: sum(1 for r in rows if r.status == s) for s in ("ok", "not_modified", "failed")}
    tail = ", ".join(f"{k}={v}" for k, v in counts.items())
    return f"{_table(table)}\nfeeds: {len(rows)} ({tail})"


def _table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
             for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
