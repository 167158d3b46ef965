"""JSON Lines input."""

import gzip
from pathlib import Path

import pytest

from pipeline.jsonl import JsonlError, iter_file, iter_objects, read_file, require_id, require_text


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


def test_iter_file_numbers_the_lines(tmp_path: Path) -> None:
    plain = tmp_path / "x.jsonl"
    plain.write_text('{"id": 1}\n\n{"id": 2}\n', encoding="utf-8")
    assert list(iter_file(plain)) == [(1, {"id": 1}), (3, {"id": 2})]


@pytest.mark.parametrize(("obj", "message"), [
    ({"title": "t"}, "line 4: an object with an 'id' is required"),
    ({"id": None, "title": "t"}, "line 4: an object with an 'id' is required"),
    ({"id": " ", "title": "t"}, "line 4: 'id' must be a non-empty string or a number"),
    ({"id": [1], "title": "t"}, "line 4: 'id' must be a non-empty string or a number"),
])
def test_require_id(obj: dict, message: str) -> None:
    with pytest.raises(JsonlError, match=message):
        require_id(obj, 4)


def test_require_id_keeps_strings_and_numbers() -> None:
    assert require_id({"id": "a1"}, 1) == "a1"
    assert require_id({"id": 0}, 1) == 0


@pytest.mark.parametrize(("obj", "message"), [
    ({"id": 1}, "line 2: a non-empty 'title', 'text' or 'body' is required"),
    ({"id": 1, "title": " ", "text": ""}, "line 2: a non-empty 'title', 'text' or 'body'"),
    ({"id": 1, "title": 5}, "line 2: 'title' must be a string"),
    # Punctuation, an emoji or a lone diacritic: nothing a tagger could read.
    ({"id": 1, "title": "…!؟", "text": "😀 \u064e"}, "line 2: a non-empty 'title'"),
])
def test_require_text(obj: dict, message: str) -> None:
    with pytest.raises(JsonlError, match=message):
        require_text(obj, 2)


def test_require_text_takes_any_one_field() -> None:
    for field in ("title", "text", "body"):
        require_text({"id": 1, field: "نص"}, 1)
