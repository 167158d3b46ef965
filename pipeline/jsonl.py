"""JSON Lines input: one object a line, blank lines skipped, errors that name the line."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

# The fields an article's words may come in (``body`` is the warehouse's name for ``text``).
TEXT_FIELDS = ("title", "text", "body")


class JsonlError(ValueError):
    """A malformed line of a JSON Lines input, with where it stands."""


def iter_objects(lines: Iterable[str | bytes],
                 where: str = "line ") -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` for each non-blank line; ``where`` prefixes the number.

    Lines read as bytes are decoded here, one by one, so a line that is not UTF-8 is
    refused with its number rather than as a byte offset into the file.
    """
    for number, line in enumerate(lines, 1):
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise JsonlError(f"{where}{number}: not UTF-8 (byte {exc.object[exc.start]:#04x}"
                                 f" at byte {exc.start + 1} of the line)") from exc
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise JsonlError(f"{where}{number}: not JSON ({exc.msg})") from exc
        if not isinstance(obj, dict):
            raise JsonlError(f"{where}{number}: expected a JSON object")
        yield number, obj


def iter_file(path: Path | str) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line number, object)`` of a ``.jsonl`` or ``.jsonl.gz`` file; errors name the file."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as fh:  # decoded line by line, so errors name the line
        yield from iter_objects(fh, where=f"{path}:")


def read_file(path: Path | str) -> Iterator[dict[str, Any]]:
    """The objects of a ``.jsonl`` or ``.jsonl.gz`` file."""
    for _number, obj in iter_file(path):
        yield obj


def require_id(obj: dict[str, Any], number: int, where: str = "line ") -> Any:
    """The object's ``id``, refusing a missing or null one (the output would not say whose)."""
    value = obj.get("id")
    if value is None:
        raise JsonlError(f"{where}{number}: an object with an 'id' is required")
    if isinstance(value, bool | dict | list) or (isinstance(value, str) and not value.strip()):
        raise JsonlError(f"{where}{number}: 'id' must be a non-empty string or a number")
    return value


_SURROGATE = re.compile("[\ud800-\udfff]")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")


def require_text(obj: dict[str, Any], number: int, where: str = "line ",
                 fields: tuple[str, ...] = TEXT_FIELDS) -> None:
    """Refuse an object whose ``fields`` hold no words: tagging it would measure nothing."""
    for name in fields:
        if obj.get(name) is not None and not isinstance(obj[name], str):
            raise JsonlError(f"{where}{number}: '{name}' must be a string")
        if obj.get(name) and _SURROGATE.search(obj[name]):
            # JSON may escape half of an emoji (\ud83d) that no UTF-8 text can hold.
            raise JsonlError(f"{where}{number}: '{name}' holds half of a UTF-16 surrogate "
                             "pair (a cut emoji escape such as \\ud83d)")
    if not any(_LETTER_OR_DIGIT.search(obj.get(name) or "") for name in fields):
        listed = ", ".join(f"'{name}'" for name in fields[:-1]) + f" or '{fields[-1]}'"
        raise JsonlError(f"{where}{number}: a non-empty {listed} is required (a letter or "
                         "a digit at least: punctuation alone has no word to tag)")
