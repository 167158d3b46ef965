"""Re-tag stored articles after the taxonomy or the gazetteer changed: a manual Airflow DAG."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import akhbar_airflow as af
from airflow.sdk import Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

log = logging.getLogger(__name__)
CONFIG = af.DagConfig.from_env()

DOC_MD = """
# Akhbar re-tag

Run by hand after a change to the topic taxonomy (`pipeline/data/taxonomy.yaml`) or the
entity gazetteer. It re-runs topic and entity tagging over the articles already in the
warehouse whose publication date (or first sighting, when undated) falls in the chosen
range, replacing their tags for that taxonomy version in one transaction per batch.

**Parameters** (Trigger DAG → with config):

* `start_date`, `end_date` (`YYYY-MM-DD`, inclusive, UTC). Empty means open-ended.
* `taxonomy_version`: the version the tags are written under; empty means the version
  declared in the taxonomy file now deployed.

Re-running with the same parameters leaves the same tags. The nightly DAG keeps tagging new
articles while this runs; both write through the same tagging functions.
"""


def _window(params: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    """The UTC datetimes the date params stand for: [start 00:00, end + 1 day 00:00)."""
    from pipeline.topics import day_window

    return day_window(params.get("start_date"), params.get("end_date"),
                      ("start_date", "end_date"))


def _check(params: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    """The date window, once the parameters and the data files are known to be usable.

    Both tasks check everything, so a bad version or file fails both at once instead of
    one retrying and the other re-tagging under it."""
    from pipeline.gazetteer import load_gazetteer
    from pipeline.taxonomy import load_taxonomy

    start, end = _window(params)
    version = load_taxonomy().version
    wanted = params.get("taxonomy_version") or None
    if wanted and wanted != version:
        raise ValueError(f"the taxonomy file is version {version!r}, not {wanted!r}")
    load_gazetteer()
    return start, end


def _retag(module: str, what: str) -> dict[str, Any]:
    params = get_current_context()["params"]
    try:
        start, end = _check(params)
    except ValueError as exc:  # bad parameters or data files: retrying cannot help
        raise AirflowFailException(f"cannot re-tag: {exc}") from exc
    fn = af.stage_function(module, "retag")
    figures = fn(af.warehouse_url(), start=start, end=end,
                 taxonomy_version=params.get("taxonomy_version") or None)
    log.info("re-tagged %s between %s and %s: %s", what, start or "the first article",
             end or "now", figures)
    return dict(figures or {})


@task(task_id="retag_topics")
def retag_topics() -> dict[str, Any]:
    """Re-run topic tagging over the stored articles in the date range."""
    return _retag("pipeline.topics", "topics")


@task(task_id="retag_entities")
def retag_entities() -> dict[str, Any]:
    """Re-run entity tagging over the stored articles in the date range."""
    return _retag("pipeline.entities_db", "entities")


@dag(
    dag_id="akhbar_retag",
    schedule=None,
    start_date=datetime(2024, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=CONFIG.default_args(),
    doc_md=DOC_MD,
    tags=["akhbar", "tagging", "manual"],
    params={
        "start_date": Param(None, type=["null", "string"], format="date",
                            description="First publication date to re-tag (UTC), inclusive"),
        "end_date": Param(None, type=["null", "string"], format="date",
                          description="Last publication date to re-tag (UTC), inclusive"),
        "taxonomy_version": Param("", type="string",
                                  description="Version to write tags under (empty: current)"),
    },
)
def akhbar_retag() -> None:
    retag_topics()
    retag_entities()


akhbar_retag()
