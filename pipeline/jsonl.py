"""JSON Lines input: one object a line, blank lines skipped, errors that name the line."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


class JsonlError(ValueError):
    """A malformed line of a JSON Lines input, with where it stands."""


def iter_objects(lines: Iterable[str],
                 where: str = "line ") -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-blank line; ``where`` prefixes the number."""
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise JsonlError(f"{where}{number}: not JSON ({exc.msg})") from exc
        if not isinstance(obj, dict):
            raise JsonlError(f"{where}{number}: expected a JSON object")
        yield number, obj


def read_file(path: Path | str) -> Iterator[dict[str, Any]]:
    """The objects of a ``.jsonl`` or ``.jsonl.gz`` file."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for _number, obj in iter_objects(fh, where=f"{path}:"):
            yield obj
