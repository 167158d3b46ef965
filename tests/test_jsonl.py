"""JSON Lines input."""

import gzip
from pathlib import Path

import pytest

from pipeline.jsonl import JsonlError, iter_objects, read_file


def test_objects_with_line_numbers_and_blank_lines_skipped() -> None:
    assert list(iter_objects(['{"a": 1}', "  ", '{"b": 2}'])) == [(1, {"a": 1}), (3, {"b": 2})]


@pytest.mark.parametrize(("line", "message"), [("{oops", "line 2: not JSON"),
                                               ("[1, 2]", "line 2: expected a JSON object")])
def test_bad_lines_name_their_number(line: str, message: str) -> None:
    with pytest.raises(JsonlError, match=message):
        list(iter_objects(['{"a": 1}', line]))


def test_read_file_plain_and_gzip(tmp_path: Path) -> None:
    plain = tmp_path / "x.jsonl"
    plain.write_text('{"id": 1}\n\n{"id": 2}\n', encoding="utf-8")
    packed = tmp_path / "x.jsonl.gz"
    with gzip.open(packed, "wt", encoding="utf-8") as fh:
        fh.write('{"id": 3}\nnot json\n')
    assert [o["id"] for o in read_file(plain)] == [1, 2]
    with pytest.raises(JsonlError, match=r"x\.jsonl\.gz:2: not JSON"):
        list(read_file(packed))
