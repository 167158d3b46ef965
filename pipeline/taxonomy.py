"""Load and validate the topic taxonomy (``pipeline/data/taxonomy.yaml``).

The taxonomy is data that maintainers edit; a bad entry must fail loudly with the file,
line and field, not silently tag nothing. Rules are plain Arabic terms with weights,
proximity conditions and negative terms; :mod:`pipeline.topics` compiles them.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from pipeline import datafile
from pipeline.normalize import tokenize
from pipeline.settings import PACKAGE_DATA

DEFAULT_PATH = PACKAGE_DATA / "taxonomy.yaml"

TermKind = Literal["word", "name", "exact"]
# A version is one plain token (2026.12.18, test-1): tags are stored under it as written.
_VERSION = re.compile(r"\w[\w.+-]*")


class TaxonomyError(ValueError):
    """A taxonomy file that cannot be used, with where and why."""


_NUMBERS = (int, float, int | None, float | None)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("*", mode="before")
    @classmethod
    def _no_truth_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        # YAML reads yes, no, on, off as true and false, which the schema would take as 1
        # and 0: `threshold: yes` would silently make a threshold of 1.
        name = info.field_name
        if not name or cls.model_fields[name].annotation not in _NUMBERS:
            return value
        if isinstance(value, bool):
            raise ValueError(f"expected a number, got {str(value).lower()} (YAML reads yes, "
                             "no, on and off as true or false)")
        if isinstance(value, str):
            # The schema would read "1" as 1: a number in quotes is text, as in the other
            # data files, so a quoted value is never taken for what it was not written as.
            raise ValueError(f"expected a number, got {value!r}" + _number_hint(value))
        return value


# YAML reads an exponent without a decimal point (6e0, 1E3) as text, quotes or none.
_BARE_EXPONENT = re.compile(r"[+-]?\d+[eE][+-]?\d+")


def _number_hint(text: str) -> str:
    """What to write instead of a number YAML read as text."""
    if _BARE_EXPONENT.fullmatch(text.strip()):
        return (f" (YAML reads {text.strip()} as text: write {float(text):g}, or put a "
                "decimal point in it)")
    return " (write it without quotes)" if _numeric(text) else ""


def _numeric(text: str) -> bool:
    """Would ``text`` read as a number without its quotes?"""
    try:
        float(text)
    except ValueError:
        return False
    return True


def _has_words(value: str) -> str:
    """A term must keep at least one word after normalization, or it can never match."""
    if not tokenize(value).count:
        raise ValueError(f"term {value!r} has no Arabic or Latin word in it")
    return value


class GroupTerm(_Strict):
    """A member of a named context group (actors, sport words, ...)."""

    term: str = Field(min_length=1)
    kind: TermKind = "word"

    _words = field_validator("term")(_has_words)


def _has_members(value: tuple[GroupTerm, ...]) -> tuple[GroupTerm, ...]:
    # A group with no members is never present: as ``required`` it would make its topic
    # impossible (and the tagger has nothing to compile), so it is refused where written.
    if not value:
        raise ValueError("a group needs at least one term")
    return value


GroupMembers = Annotated[tuple[GroupTerm, ...], AfterValidator(_has_members)]


class Rule(_Strict):
    """A weighted term: counts where found, unless its context conditions fail.

    ``near`` lists groups of which at least one hit must lie within ``window`` tokens;
    ``not_near`` lists groups of which none may.
    """

    term: str = Field(min_length=1)
    weight: float = Field(ge=0, le=20)  # 0 makes a negative a mask (see taxonomy.yaml)
    kind: TermKind = "word"
    near: tuple[str, ...] = ()
    not_near: tuple[str, ...] = ()
    window: int | None = Field(default=None, ge=1, le=200)
    # Groups this term stands for where it counts, for ``required`` (a freeze told with a
    # verb near the holdings is as good as the noun "asset freeze").
    stands_for: tuple[str, ...] = ()

    _words = field_validator("term")(_has_words)


class Scoring(_Strict):
    """How hits turn into a decision; every field can be overridden per topic."""

    threshold: float = Field(default=6.0, gt=0)
    title_weight: float = Field(default=2.0, ge=1)
    lead_weight: float = Field(default=1.5, ge=1)
    lead_tokens: int = Field(default=60, ge=0)
    window: int = Field(default=10, ge=1, le=200)
    max_repeats: int = Field(default=4, ge=1)
    min_sentences: int = Field(default=2, ge=1)
    # ... or one: the lede, where the lead's evidence weighs this much (0: never). A brief
    # states its news in the lede and may not name it again.
    lede_front: float = Field(default=0.0, ge=0)
    # Runs of adjacent body sentences with evidence; the title and the lede count as their own.
    min_passages: int = Field(default=1, ge=1)
    # ... unless the evidence covers this share of the body's sentences (then it is the story),
    # or runs through this many adjacent sentences (a thread of its own; 0: never).
    passage_share: float = Field(default=1.0, ge=0, le=1)
    thread_sentences: int = Field(default=0, ge=0)
    min_share: float = Field(default=0.0, ge=0, le=1)
    title_min_share: float = Field(default=0.0, ge=0, le=1)
    focus: bool = False
    focus_weight: float = Field(default=2.5, gt=0)
    focus_sum: float = Field(default=0.0, ge=0)
    # ... or a group of the subject's own vocabulary in this many body sentences.
    focus_group: str = ""
    focus_group_sentences: int = Field(default=2, ge=1)
    # ... or in at least three body sentences that are this share of the body (0: off): a
    # feature that withholds its subject from the lead and then tells nothing else.
    focus_group_share: float = Field(default=0.0, ge=0, le=1)
    # ... or one body sentence naming the subject's own events ("the Russian invasion").
    focus_event_group: str = ""


class ScoringOverride(_Strict):
    threshold: float | None = Field(default=None, gt=0)
    title_weight: float | None = Field(default=None, ge=1)
    lead_weight: float | None = Field(default=None, ge=1)
    lead_tokens: int | None = Field(default=None, ge=0)
    window: int | None = Field(default=None, ge=1, le=200)
    max_repeats: int | None = Field(default=None, ge=1)
    min_sentences: int | None = Field(default=None, ge=1)
    lede_front: float | None = Field(default=None, ge=0)
    min_passages: int | None = Field(default=None, ge=1)
    passage_share: float | None = Field(default=None, ge=0, le=1)
    thread_sentences: int | None = Field(default=None, ge=0)
    min_share: float | None = Field(default=None, ge=0, le=1)
    title_min_share: float | None = Field(default=None, ge=0, le=1)
    focus: bool | None = None
    focus_weight: float | None = Field(default=None, gt=0)
    focus_sum: float | None = Field(default=None, ge=0)
    focus_group: str | None = None
    focus_group_sentences: int | None = Field(default=None, ge=1)
    focus_group_share: float | None = Field(default=None, ge=0, le=1)
    focus_event_group: str | None = None


class Yield(_Strict):
    """Where ``topic`` is the subject, this topic is its background: not given when its
    evidence stays out of the title while ``topic``'s fills ``ratio`` times as many body
    sentences and scores higher (sanctions told as one strand of nuclear diplomacy).
    A topic whose evidence fills ``below_share`` of the body's sentences or more is a
    subject of its own, whatever else the story is about."""

    topic: str = Field(min_length=1)
    ratio: float = Field(default=2.0, ge=1, le=20)
    below_share: float = Field(default=1.0, gt=0, le=1)


class Topic(_Strict):
    """One topic: labels, description, rules and its scoring parameters."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,62}$")
    label_ar: str = Field(min_length=1)
    label_en: str = Field(min_length=1)
    description: str = Field(min_length=1)
    scoring: ScoringOverride = ScoringOverride()
    required: tuple[str, ...] = ()
    groups: dict[str, GroupMembers] = {}
    terms: tuple[Rule, ...] = Field(min_length=1)
    negative: tuple[Rule, ...] = ()
    yields_to: tuple[Yield, ...] = ()

    @field_validator("groups", mode="before")
    @classmethod
    def _group_shorthand(cls, value: Any) -> Any:
        return _expand_groups(value)


class Taxonomy(_Strict):
    """The whole file: a version, shared defaults and groups, and the topics."""

    version: str = Field(min_length=1, max_length=64)
    scoring: Scoring = Scoring()
    groups: dict[str, GroupMembers] = {}
    topics: tuple[Topic, ...] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value: Any) -> Any:
        # Tags are stored per version, so the text must be exactly what was written: an
        # unquoted 2026.10 is the number 2026.1 and would collide with version 2026.1.
        if value is not None and not isinstance(value, str):
            raise ValueError(f"write the version in quotes (version: \"...\"); unquoted, YAML "
                             f"reads it as the {type(value).__name__} {value}")
        # Spaces or a line break (a block scalar ends with one) would be stored too, making
        # a version that reads like another and never matches it.
        if value and not _VERSION.fullmatch(value):
            raise ValueError(f"{value!r} is not one word: write letters, digits and . _ - + "
                             "only (as \"2026.12.18\"), without spaces or line breaks")
        return value

    @field_validator("groups", mode="before")
    @classmethod
    def _group_shorthand(cls, value: Any) -> Any:
        return _expand_groups(value)

    @model_validator(mode="after")
    def _references(self) -> Taxonomy:
        seen: set[str] = set()
        for i, topic in enumerate(self.topics):
            if topic.id in seen:
                raise _located(("topics", i, "id"), f"duplicate topic id {topic.id!r}")
            seen.add(topic.id)
        for i, topic in enumerate(self.topics):
            for j, other in enumerate(topic.yields_to):
                where = ("topics", i, "yields_to", j, "topic")
                if other.topic == topic.id:
                    raise _located(where, "a topic cannot yield to itself")
                if other.topic not in seen:
                    raise _located(where, f"unknown topic {other.topic!r}")
            scoring = self.scoring_for(topic)
            if scoring.title_min_share > scoring.min_share:
                # Evidence in the title must never make a topic harder to give.
                raise _located(("topics", i, "scoring", "title_min_share"),
                               f"title_min_share {scoring.title_min_share} exceeds "
                               f"min_share {scoring.min_share}")
            known = set(self.groups) | set(topic.groups)
            for field_name in ("focus_group", "focus_event_group"):
                group = getattr(scoring, field_name)
                if group and group not in known:
                    raise _located(("topics", i, "scoring", field_name),
                                   f"unknown group {group!r}")
            for j, name in enumerate(topic.required):
                if name not in known:
                    raise _located(("topics", i, "required", j), f"unknown group {name!r}")
            for section in ("terms", "negative"):
                _no_repeated_rule(i, section, getattr(topic, section))
                for j, rule in enumerate(getattr(topic, section)):
                    for field in ("near", "not_near", "stands_for"):
                        for k, name in enumerate(getattr(rule, field)):
                            if name not in known:
                                raise _located((("topics", i, section, j, field, k)),
                                               f"unknown group {name!r}")
        return self

    def topic(self, topic_id: str) -> Topic:
        for t in self.topics:
            if t.id == topic_id:
                return t
        raise KeyError(topic_id)

    def scoring_for(self, topic: Topic) -> Scoring:
        """The defaults with the topic's overrides applied."""
        overrides = {k: v for k, v in topic.scoring.model_dump().items() if v is not None}
        return self.scoring.model_copy(update=overrides)

    def group(self, topic: Topic, name: str) -> tuple[GroupTerm, ...]:
        """A group by name, the topic's own first."""
        # ``in``, not ``or``: a topic's own group shadows the shared one even if it were empty.
        return topic.groups[name] if name in topic.groups else self.groups[name]


def _no_repeated_rule(topic: int, section: str, rules: tuple[Rule, ...]) -> None:
    """Refuse a term listed twice in one list with the same conditions: only one of the two
    can ever count, so a second line with another weight silently changes nothing."""
    first: dict[tuple, int] = {}
    for j, rule in enumerate(rules):
        key = (rule.term, rule.kind, rule.near, rule.not_near, rule.window, rule.stands_for)
        if key in first:
            raise _located(("topics", topic, section, j, "term"),
                           f"{rule.term!r} is already listed in this topic's {section} with "
                           "the same conditions: keep one line and give it the weight wanted")
        first[key] = j


class _LocatedError(ValueError):
    def __init__(self, loc: tuple[Any, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc


def _located(loc: tuple[Any, ...], message: str) -> _LocatedError:
    return _LocatedError(loc, message)


def _expand_groups(value: Any) -> Any:
    """Let a group member be a bare string (a word) as well as ``{term, kind}``."""
    if not isinstance(value, dict):
        return value
    return {
        name: [{"term": m} if isinstance(m, str) else m for m in members]
        if isinstance(members, list) else members
        for name, members in value.items()
    }


def _describe(loc: tuple[Any, ...], data: Any) -> str:
    """A readable field path, naming topics by id: ``topics[sanctions].terms[3].weight``.

    ``data`` is the file read, or its YAML nodes while it is being read (None: by index)."""
    parts: list[str] = []
    node = _plain(data)
    for item in loc:
        if isinstance(item, int):
            child = _plain(node[item]) if isinstance(node, list) and 0 <= item < len(node) \
                else None
            names = [_plain(child.get(k)) for k in ("id", "term")] \
                if isinstance(child, dict) else []
            label = next((n for n in names if isinstance(n, str | int | float) and n != ""), item)
            parts.append(f"[{label}]")
            node = child
        else:
            parts.append(f".{item}" if parts else str(item))
            node = _plain(node.get(item)) if isinstance(node, dict) else None
    return "".join(parts) or "top level"


def _plain(node: Any) -> Any:
    """A YAML node one level deep as data (a mapping's keys, a list's items, a scalar's
    text); data as it is."""
    if isinstance(node, yaml.MappingNode):
        return {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.ScalarNode):
        return node.value
    return node


def _fields_at(loc: tuple[Any, ...]) -> frozenset[str] | None:
    """The fields a mapping at ``loc`` may hold, from the models; None where the keys are
    the file's own names (groups) or nothing is known of the place."""
    return _fields_in(tuple(0 if isinstance(item, int) else item for item in loc))


@cache  # asked of every mapping in the file, at a few thousand places of a few shapes
def _fields_in(shape: tuple[Any, ...]) -> frozenset[str] | None:
    kind: Any = Taxonomy
    for item in shape:
        kind = _member(kind, item)
    return frozenset(kind.model_fields) if _is_model(kind) else None


def _member(kind: Any, item: Any) -> Any:
    """The type of ``kind``'s field or item ``item`` (None if it has none)."""
    while get_origin(kind) in (Annotated, Union, UnionType):
        args = [a for a in get_args(kind) if a is not type(None)]
        kind = args[0] if len(args) == 1 or get_origin(kind) is Annotated else None
    if _is_model(kind):
        field = kind.model_fields.get(item) if isinstance(item, str) else None
        return field.annotation if field is not None else None
    args = get_args(kind)
    if get_origin(kind) is tuple and isinstance(item, int) and args:
        return args[0]
    if get_origin(kind) is dict and len(args) == 2:
        return args[1]
    return None


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def _failing(source: object, loc: datafile.Loc | None = None, data: Any = None) -> datafile.Fail:
    """Errors as ``source:N: topics[sanctions].terms[0]: message`` (the field, when known;
    topics named by id once ``data`` is read), the form of the other data files, which
    editors and terminals open at the line. The field is named only when an error is told:
    reading asks for a ``fail`` at every value."""

    def fail(line: int | None, message: str) -> Exception:
        where = _describe(loc, data) if loc is not None else ""
        return datafile.failing(TaxonomyError, source, where)(line, message)

    return fail


def parse_taxonomy(text: str, source: str = "<taxonomy>") -> Taxonomy:
    """Validate taxonomy YAML text; errors name the source, line and field."""
    root = datafile.compose(text, _failing(source))
    if root is None:
        raise TaxonomyError(f"{source}: file is empty")
    data, lines = datafile.to_data(root, lambda loc: _failing(source, loc, root), _fields_at)
    try:
        return Taxonomy.model_validate(data)
    except ValidationError as exc:
        found: list[tuple[tuple[Any, ...], str, str]] = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
            inner = err.get("ctx", {}).get("error")
            if isinstance(inner, _LocatedError):
                loc, msg = inner.loc, str(inner)
            elif err["type"] == "missing":  # said of the mapping, as in the other files
                loc, msg = loc[:-1], f"missing field {loc[-1]!r}"
            elif err["type"] == "extra_forbidden":  # the keys are checked as the file is read
                allowed = ", ".join(sorted(_fields_at(loc[:-1]) or ()))
                loc, msg = loc[:-1], f"unknown field {loc[-1]!r} (allowed: {allowed})"
            else:
                msg = _told(err)
            found.append((loc, err["type"], msg))
        problems = []
        for loc, kind, msg in found:
            if kind == "too_short" and any(o[:len(loc)] == loc and o != loc for o, _, _ in found):
                continue  # only a consequence: the list's one item failed, reported below it
            fail = _failing(source, loc, data)
            problems.append(str(fail(datafile.line_for(loc, lines), msg)))
        raise TaxonomyError("\n".join(problems)) from None


# What a value of the wrong type should have been, in the file's words, not the schema's
# ("a valid dictionary or instance of ScoringOverride", "a valid tuple").
_EXPECTED = {
    "dict_type": "a mapping (field: value)", "model_type": "a mapping (field: value)",
    "tuple_type": "a list ([a, b])", "list_type": "a list ([a, b])",
    "float_type": "a number", "float_parsing": "a number",
    "int_type": "a whole number", "int_parsing": "a whole number",
    "int_from_float": "a whole number", "string_type": "text",
    "bool_type": "true or false", "bool_parsing": "true or false",
}


def _told(err: Any) -> str:
    """One schema error of a value said plainly: what was expected and what is written."""
    value = err.get("input")
    if err["type"] in _EXPECTED:
        return f"expected {_EXPECTED[err['type']]}, got {_shown(value)}"
    if err["type"] == "value_error":  # a validator's own words, without "Value error, "
        return str(err["ctx"]["error"])
    return err["msg"] + (" (the value is empty)" if value is None else "")


def _shown(value: Any) -> str:
    """A value as it reads in YAML: a blank ``key:`` or ``-`` is null, ``yes`` is true."""
    if value is None:
        return "nothing (the value is empty)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    return repr(value)


def load_taxonomy(path: Path | str | None = None) -> Taxonomy:
    """Read and validate the taxonomy file: ``path``, else ``AKHBAR_TAXONOMY``, else the
    packaged one."""
    path = Path(path or os.environ.get("AKHBAR_TAXONOMY") or DEFAULT_PATH)
    return parse_taxonomy(datafile.read_text(path, _failing(path)), str(path))
