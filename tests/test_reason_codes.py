"""The README's table of fetch outcomes names every reason code the code can record, and
no other, so the two cannot drift apart.

The codes are collected from the source: every string given as a ``reason`` (keyword,
attribute, positional field of a class that has one), and the first value ``_failure``
returns. An f-string code such as ``f"http_{out.status}"`` is read as ``http_<status>``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
# Where a feed's reason is decided: the HTTP fetch, the file read and parse, the night.
SOURCES = [REPO / "pipeline" / name for name in ("fetcher.py", "feeds.py", "night.py")]


def _code(node: ast.expr) -> str | None:
    """A reason code written as a string or an f-string (``http_<status>``), else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
            else:
                inner = value.value  # type: ignore[attr-defined]
                name = inner.attr if isinstance(inner, ast.Attribute) else ast.unparse(inner)
                parts.append(f"<{name}>")
        return "".join(parts)
    return None


def _reason_fields(tree: ast.Module) -> dict[str, int]:
    """Classes (without bases) with a ``reason`` field, and its position in the fields."""
    out = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and not node.bases:
            names = [s.target.id for s in node.body
                     if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
            if "reason" in names:
                out[node.name] = names.index("reason")
    return out


def produced_codes() -> set[str]:
    """Every reason code the fetch, parse and load code can record."""
    codes: set[str | None] = set()
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        positions = _reason_fields(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.keyword) and node.arg == "reason":
                codes.add(_code(node.value))
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Attribute) and target.attr == "reason":
                        codes.add(_code(node.value))
                    elif isinstance(target, ast.Tuple) and isinstance(node.value, ast.Tuple):
                        for t, v in zip(target.elts, node.value.elts, strict=True):
                            if isinstance(t, ast.Attribute) and t.attr == "reason":
                                codes.add(_code(v))
            elif isinstance(node, ast.FunctionDef) and node.name == "_failure":
                for ret in ast.walk(node):
                    if isinstance(ret, ast.Return) and isinstance(ret.value, ast.Tuple):
                        codes.add(_code(ret.value.elts[0]))
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in positions and len(node.args) > positions[node.func.id]:
                codes.add(_code(node.args[positions[node.func.id]]))
    codes.discard(None)
    return codes  # type: ignore[return-value]


def outcome_table() -> dict[str, list[str]]:
    """The README's fetch outcome table: the codes written in each status's row."""
    text = README.read_text(encoding="utf-8")
    section = text.split("**What each night does with a feed.**", 1)[1].split("\n\n", 2)[1]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 2 and cells[0].startswith("`"):
            rows[cells[0].strip("`")] = re.findall(r"`([^`]+)`", cells[1])
    return rows


def _matches(written: str, code: str) -> bool:
    """``http_404`` is an instance of ``http_<status>``."""
    pattern = re.escape(code).replace(re.escape("<status>"), r"\d{3}")
    return written == code or re.fullmatch(pattern, written) is not None


def test_the_code_scan_finds_the_codes() -> None:
    codes = produced_codes()
    assert {"timeout", "connect", "http_<status>", "too_large", "empty", "file", "parse",
            "crash", "identical_body", "skipped"} <= codes, codes


def test_the_readme_names_every_reason_code_the_code_records() -> None:
    rows = outcome_table()
    assert set(rows) == {"ok", "not_modified", "failed", "skipped"}, rows
    written = {c for codes in rows.values() for c in codes} | set(rows)
    missing = sorted(c for c in produced_codes() if c not in written)
    assert not missing, f"README's fetch outcome table does not name {missing}"


def test_the_readme_names_no_reason_code_the_code_never_records() -> None:
    codes = produced_codes()
    unknown = [w for w in outcome_table()["failed"] if not any(_matches(w, c) for c in codes)]
    assert not unknown, f"README's failed row names codes nothing records: {unknown}"
