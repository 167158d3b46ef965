"""The data dictionary: docs/schema.md generated from the database's own comments.

Every table, view and column carries a ``COMMENT ON`` (sql/090); this module reads them from
the catalog, so the checked-in dictionary can be compared with a migrated database.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg

SCHEMAS = ("akhbar", "public")
KINDS = {"r": "table", "p": "table", "v": "view", "m": "materialized view"}
DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "schema.md"

INTRO = {
    "akhbar": "Stable views for analysts (read them as `akhbar_analyst`), and the search "
              "functions.",
    "public": "The pipeline's own tables. Analysts read them through the `akhbar` views; "
              "their shape may change between versions.",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool
    comment: str | None


@dataclass(frozen=True)
class Relation:
    schema: str
    name: str
    kind: str
    comment: str | None
    columns: tuple[Column, ...]


@dataclass(frozen=True)
class Function:
    schema: str
    signature: str
    returns: str
    comment: str | None


def relations(conn: psycopg.Connection) -> list[Relation]:
    """Tables and views of the documented schemas with their columns and comments."""
    rows = conn.execute(
        "SELECT n.nspname, c.relname, c.relkind, obj_description(c.oid, 'pg_class'), "
        "a.attname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, "
        "col_description(c.oid, a.attnum) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
        "WHERE n.nspname = ANY(%s) AND c.relkind = ANY(%s) "
        "AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass "
        "                AND d.objid = c.oid AND d.deptype = 'e') "
        "ORDER BY array_position(%s, n.nspname::text), c.relname, a.attnum",
        (list(SCHEMAS), list(KINDS), list(SCHEMAS))).fetchall()
    out: list[Relation] = []
    current: tuple[str, str] | None = None
    cols: list[Column] = []
    head: tuple = ()
    for schema, name, kind, comment, col, ctype, nullable, ccomment in rows:
        if (schema, name) != current:
            if current is not None:
                out.append(Relation(*head, tuple(cols)))
            current, cols, head = (schema, name), [], (schema, name, KINDS[kind], comment)
        cols.append(Column(col, ctype, nullable, ccomment))
    if current is not None:
        out.append(Relation(*head, tuple(cols)))
    return out


def functions(conn: psycopg.Connection) -> list[Function]:
    """Functions of the akhbar schema with their comments."""
    rows = conn.execute(
        "SELECT n.nspname, p.proname || '(' || pg_get_function_arguments(p.oid) || ')', "
        "pg_get_function_result(p.oid), obj_description(p.oid, 'pg_proc') "
        "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'akhbar' ORDER BY p.proname, 2").fetchall()
    return [Function(*r) for r in rows]


def undocumented(conn: psycopg.Connection) -> list[str]:
    """Every table, view, column or akhbar function without a comment."""
    missing = []
    for rel in relations(conn):
        if not rel.comment:
            missing.append(f"{rel.schema}.{rel.name}")
        missing += [f"{rel.schema}.{rel.name}.{c.name}" for c in rel.columns if not c.comment]
    missing += [f"{f.schema}.{f.signature}" for f in functions(conn) if not f.comment]
    return missing


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _null(rel: Relation, col: Column) -> str:
    """Whether a table column may be NULL (a view's columns carry no such constraint)."""
    if rel.kind != "table":
        return "–"
    return "yes" if col.nullable else "no"


def render(conn: psycopg.Connection) -> str:
    """The data dictionary as Markdown."""
    lines = ["# Akhbar data dictionary", "",
             "Generated from the database's comments by `akhbar db docs` "
             "(`pipeline/schema_doc.py`); do not edit by hand. A test checks that it matches "
             "a freshly migrated database.", ""]
    rels = relations(conn)
    for schema in SCHEMAS:
        lines += [f"## Schema `{schema}`", "", INTRO[schema], ""]
        for rel in (r for r in rels if r.schema == schema):
            lines += [f"### `{schema}.{rel.name}` ({rel.kind})", "", _cell(rel.comment), "",
                      "| column | type | null | description |", "|---|---|---|---|"]
            lines += [f"| `{c.name}` | {_cell(c.type)} | {_null(rel, c)} | {_cell(c.comment)} |"
                      for c in rel.columns]
            lines.append("")
        if schema == "akhbar":
            lines += ["### Functions", "", "| function | returns | description |",
                      "|---|---|---|"]
            lines += [f"| `{schema}.{_cell(f.signature)}` | {_cell(f.returns)} | "
                      f"{_cell(f.comment)} |" for f in functions(conn)]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def write_docs(conn: psycopg.Connection, path: Path = DOC_PATH) -> Path:
    """Write the data dictionary to ``path`` (docs/schema.md by default)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(conn), encoding="utf-8")
    return path
