"""Reading the YAML data files maintainers edit (feed list, taxonomy, gazetteer).

Each loader keeps its own rules; what all three files share is here, so that they are read
the same way and a mistake is told in the same words whichever file it is in: one YAML
document, keys that are plain names written once (and, where the loader lists them, known
ones), values built exactly as ``yaml.safe_load`` builds them, every error at its line.

A loader says how its errors name the place: the functions take ``fail(line, message)``,
which returns the loader's own exception (``line`` is 1-based, None for the whole file).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from contextlib import suppress
from pathlib import Path
from typing import Any

import yaml

Fail = Callable[[int | None, str], Exception]

_YAML_TAG = "tag:yaml.org,2002:"
_MERGE_TAG = _YAML_TAG + "merge"
_STR_TAG = _YAML_TAG + "str"


def failing(error: Callable[[str], Exception], source: object, where: str = "") -> Fail:
    """A ``fail`` giving ``error("source:line: where: message")``, the usual form."""

    def fail(line: int | None, message: str) -> Exception:
        at = f":{line}" if line is not None else ""
        return error(f"{source}{at}: {where}{': ' if where else ''}{message}")

    return fail


def line_of(node: yaml.Node) -> int:
    """The 1-based line where ``node`` starts."""
    return node.start_mark.line + 1


def read_text(path: Path, fail: Fail) -> str:
    """The file's text, read as UTF-8; a file that cannot be read is an error naming it,
    and one that is not UTF-8 (saved as windows-1256, say) names the line to fix."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise fail(None, f"cannot read: {exc}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1
        raise fail(data.count(b"\n", 0, exc.start) + 1,
                   f"not UTF-8 (byte {data[exc.start]:#04x} at byte {exc.start - start + 1} "
                   "of the line); save the file as UTF-8") from exc


def compose(text: str, fail: Fail) -> yaml.Node | None:
    """The YAML node tree of ``text``, None if it holds no document.

    libyaml composes where PyYAML has it (several times faster: each tagging process loads
    the gazetteer); a text it refuses is parsed again by the pure-Python parser, so that
    error messages read the same either way.
    """
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        with suppress(yaml.YAMLError):
            return yaml.compose(text, Loader=fast)
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise fail(line, f"not valid YAML: {exc}") from exc


def keys(node: yaml.MappingNode, fail: Fail, allowed: Collection[str] | None = None,
         merge: bool = False) -> dict[Any, yaml.Node]:
    """A mapping's value nodes by key, each key built as ``yaml.safe_load`` builds it.

    A key must be a plain name, written once (``yaml.safe_load`` would silently keep the
    last) and, when ``allowed`` is given, one of those: a mistyped key would otherwise drop
    its value without a word. With ``merge``, ``<<: *name`` brings another mapping's keys
    in as ``yaml.safe_load`` does, and the mapping's own keys may override them; without
    it, a merge key is refused rather than read as a field called ``<<``.
    """
    fields: dict[Any, yaml.Node] = {}
    merged = False
    for key_node, value_node in node.value:
        if key_node.tag == _MERGE_TAG:
            if not merge:
                raise fail(line_of(key_node), "a merge key (<<) is not read in this file; "
                                              "write the fields out")
            merged = True
            continue
        key = _key(key_node, fail, allowed)
        if key in fields:
            raise fail(line_of(key_node), f"field {key_node.value!r} given twice")
        fields[key] = value_node
    if not merged:
        return fields
    try:
        yaml.constructor.SafeConstructor().flatten_mapping(node)
    except yaml.YAMLError as exc:
        raise fail(line_of(node), str(exc)) from exc
    # Merged pairs come first, so the mapping's own keys win, as in yaml.safe_load.
    return {_key(k, fail, allowed): v for k, v in node.value}


def _key(node: yaml.Node, fail: Fail, allowed: Collection[str] | None) -> Any:
    """A key's value; it must be a scalar, and one of ``allowed`` when that is given."""
    if not isinstance(node, yaml.ScalarNode):
        raise fail(line_of(node), "a key must be a plain name, not a list or mapping")
    key = node.value if node.tag == _STR_TAG else value(node, fail)  # most keys: no building
    if allowed is not None and key not in allowed:
        raise fail(line_of(node), f"unknown field {node.value!r} "
                                  f"(allowed: {', '.join(sorted(allowed))})")
    return key


def value(node: yaml.Node, fail: Fail) -> Any:
    """A node's value as ``yaml.safe_load`` builds it; a value YAML cannot build
    (``!!int two``, an unknown ``!tag``) is an error at its line."""
    try:
        return yaml.constructor.SafeConstructor().construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, TypeError, LookupError, AttributeError) as exc:
        # PyYAML raises plain ValueError, KeyError... for a bad explicitly tagged value.
        shown = repr(node.value) if isinstance(node, yaml.ScalarNode) else "a list or mapping"
        tag = node.tag.removeprefix(_YAML_TAG)  # YAML's own tags by their short name: int
        raise fail(line_of(node), f"cannot read {shown} as {tag}") from exc


def check_version(top: dict[Any, yaml.Node], root: yaml.Node, expected: int,
                  fail: Fail) -> None:
    """The top-level ``version`` must be ``expected``: nothing else says which format a file
    was written for. Missing, it is named at the file's first line; wrong, at its own."""
    version = top.get("version")
    if version is None:
        raise fail(line_of(root), f"missing top-level field 'version' (write version: "
                                  f"{expected})")
    if not isinstance(version, yaml.ScalarNode) or version.value.strip() != str(expected):
        shown = version.value if isinstance(version, yaml.ScalarNode) else "a list or mapping"
        raise fail(line_of(version), f"top-level field 'version' must be {expected}, the "
                                     f"format this Akhbar reads, not {shown!r}")


Loc = tuple[Any, ...]  # where a value lies in the data: ("topics", 0, "terms", 2)


def to_data(node: yaml.Node, fail_at: Callable[[Loc], Fail],
            allowed_at: Callable[[Loc], Collection[str] | None] | None = None,
            ) -> tuple[Any, dict[Loc, int]]:
    """The whole tree as plain Python data, as ``yaml.safe_load`` builds it, and the line of
    each path in it, so that errors found later (by a schema) can still name their line.

    Every mapping's keys are checked by :func:`keys`; ``fail_at(path)`` gives the ``fail``
    for the mapping or value at ``path``, and ``allowed_at(path)`` the keys a mapping there
    may hold (None: any), so that a mistyped key is named at its own line with the allowed
    ones, as in the files checked by hand. A node met again through an alias (``*name``) is
    the value already built, as in ``yaml.safe_load``: rebuilt at every use, aliases of
    aliases would grow the data exponentially. One that contains itself is refused.
    """
    lines: dict[Loc, int] = {}
    built: dict[int, Any] = {}
    building: set[int] = set()

    def build(node: yaml.Node, path: Loc) -> Any:
        lines[path] = line_of(node)
        if id(node) in built:
            return built[id(node)]
        if id(node) in building:
            raise fail_at(path)(line_of(node), "an alias (*name) refers to a list or "
                                               "mapping that contains it")
        building.add(id(node))
        if isinstance(node, yaml.MappingNode):
            allowed = allowed_at(path) if allowed_at is not None else None
            fields = keys(node, fail_at(path), allowed)
            out: Any = {k: build(v, (*path, k)) for k, v in fields.items()}
        elif isinstance(node, yaml.SequenceNode):
            out = [build(v, (*path, i)) for i, v in enumerate(node.value)]
        else:
            out = value(node, fail_at(path))
        built[id(node)] = out
        return out

    return build(node, ()), lines


def line_for(path: Loc, lines: dict[Loc, int]) -> int | None:
    """The line of ``path``, else of its nearest parent with one (a missing field: its
    mapping's line)."""
    for n in range(len(path), -1, -1):
        if path[:n] in lines:
            return lines[path[:n]]
    return None
