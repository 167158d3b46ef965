"""The README's ten analyst queries run, as an analyst, on a database filled by a real night."""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql
from warehouse_data import run_sample_night

README = Path(__file__).resolve().parents[1] / "README.md"


def analyst_queries() -> list[str]:
    """The ```sql blocks of the README's warehouse section that start with a numbered question."""
    text = README.read_text(encoding="utf-8")
    section = text.split("## The analysts' warehouse", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, re.S)
    return [b for b in blocks if re.match(r"-- \d+\. ", b)]


def section_queries(heading: str) -> list[str]:
    """The ```sql blocks of one README section (``## heading``)."""
    text = README.read_text(encoding="utf-8")
    section = text.split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sql\n(.*?)```", section, re.S)


def test_the_readme_has_ten_numbered_queries() -> None:
    queries = analyst_queries()
    assert [int(re.match(r"-- (\d+)\.", q).group(1)) for q in queries] == list(range(1, 11))


def test_every_query_runs_as_an_analyst_and_answers(
        db_url: str, pg_admin_url: str, tmp_path: Path) -> None:
    run_sample_night(db_url, tmp_path)
    user, password = f"u_{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    with psycopg.connect(pg_admin_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {} IN ROLE akhbar_analyst").format(
            sql.Identifier(user), sql.Literal(password)))
    parts = urlsplit(db_url)
    url = urlunsplit(parts._replace(netloc=f"{user}:{password}@{parts.hostname}:{parts.port}"))
    try:
        with psycopg.connect(url) as analyst:
            answers = {}
            for query in analyst_queries():
                question = query.splitlines()[0]
                rows = analyst.execute(query).fetchall()
                answers[question] = len(rows)
            # The Topics and Entities sections' queries read the analysts' views too; the
            # sample night holds sanctions tags, so the first topic query answers.
            topic_rows = [len(analyst.execute(q).fetchall())
                          for q in section_queries("Topics")]
            entity_rows = [len(analyst.execute(q).fetchall())
                           for q in section_queries("Entities")]
        # the sample night holds an answer to every question
        assert all(n > 0 for n in answers.values()), answers
        assert len(topic_rows) >= 2 and topic_rows[0] > 0, topic_rows
        assert len(entity_rows) >= 1, entity_rows
    finally:
        with psycopg.connect(pg_admin_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(user)))
