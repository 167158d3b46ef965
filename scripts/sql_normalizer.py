"""Print the body of ``akhbar.normalize`` (sql/091_search.sql) from ``pipeline.normalize``.

The SQL function applies PostgreSQL's NFKC, then one ``translate()`` built here from the
Python translation table, then ``lower()``, so both sides normalize alike; a test proves it
on corpus text. Re-run after the Python table changes and paste the output into 091.
"""

from __future__ import annotations

import sys
import unicodedata

from pipeline.normalize import translation_table

# Ranges that occur in Arabic news text; the rest of the table is not worth a SQL literal.
RANGES = ((0x0080, 0x0250), (0x0300, 0x0370), (0x0600, 0x0700), (0x0750, 0x0780),
          (0x08a0, 0x0900), (0x2000, 0x2070), (0x20a0, 0x20d0), (0xfb50, 0xfe10),
          (0xfe70, 0xff00), (0xff00, 0xff65))
PER_LINE = 16


def mappings() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(single-character mappings, multi-character replacements) the SQL side needs."""
    table = translation_table()
    single: list[tuple[str, str]] = []
    multi: list[tuple[str, str]] = []
    for lo, hi in RANGES:
        for cp in range(lo, hi):
            ch = chr(cp)
            if unicodedata.category(ch) == "Cs" or unicodedata.normalize("NFKC", ch) != ch:
                continue  # a surrogate, or rewritten by NFKC before translate() sees it
            out = table.get(cp, ch)
            if out == ch or out == ch.lower():
                continue
            (single if len(out) <= 1 else multi).append((ch, out))
    # Characters mapped to nothing go last: translate() deletes what has no counterpart.
    single.sort(key=lambda p: p[1] == "")
    for ch in table:
        if chr(ch) in "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u061c" and (chr(ch), "") \
                not in single:
            single.append((chr(ch), ""))
    return single, multi


def literal(chars: str) -> str:
    """A U&'' literal, one escape per character, split over lines."""
    parts = []
    for i in range(0, len(chars), PER_LINE):
        chunk = chars[i:i + PER_LINE]
        parts.append("U&'" + "".join(f"\\{ord(c):04x}" if ord(c) < 0x10000 else
                                      f"\\+{ord(c):06x}" for c in chunk) + "'")
    return "\n        || ".join(parts) if parts else "''"


def main() -> None:
    single, multi = mappings()
    src = "".join(a for a, _ in single)
    dst = "".join(b for _, b in single)
    expr = (f"translate(normalize(t, NFKC),\n        {literal(src)},\n        {literal(dst)})")
    expr = f"lower({expr})"
    for a, b in multi:
        expr = f"replace({expr}, {literal(a)}, {literal(b)})"
    sys.stdout.write(f"-- {len(single)} single-character mappings, {len(multi)} replacements\n")
    sys.stdout.write(expr + "\n")


if __name__ == "__main__":
    main()
