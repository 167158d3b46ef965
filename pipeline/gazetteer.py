"""Load and validate the entity gazetteer (``pipeline/data/gazetteer.yaml``).

Every error names the file, the line and the field, because the file is edited by hand.
Aliases are compared after the same normalization the matcher applies, so two entities
can never claim the same strong spelling.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from pipeline import datafile
from pipeline.normalize import normalize_inline, tokenize

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "gazetteer.yaml"
TYPES = ("PER", "ORG", "LOC")
ID_PATTERN = re.compile(r"^(Q[1-9][0-9]*|akhbar:[a-z0-9]+(?:-[a-z0-9]+)*)$")
REQUIRED = ("id", "type", "en", "ar")
LIST_FIELDS = ("aka", "weak", "ctx")
# Function words (normalized): a spelling that normalizes to one of these would match everywhere.
FUNCTION_WORDS = frozenset(("ان", "من", "في", "علي", "الي", "عن", "ما", "لا", "لم", "هو", "هي",
                            "او", "ثم", "قد", "كل", "مع", "ذلك", "هذا", "هذه", "تلك", "الذي",
                            "التي", "الذين", "بعد", "قبل", "عند", "حتي", "لكن", "بين", "غير",
                            "كان", "كانت", "انه", "انها", "لقد", "ايضا", "اذا", "منذ", "خلال"))
ALLOWED = frozenset(REQUIRED + LIST_FIELDS)
TOP_LEVEL = frozenset(("version", "entities", "stop"))
_STR_TAG = "tag:yaml.org,2002:str"
VERSION = 1  # the file format this module reads (top-level ``version``)


class GazetteerError(ValueError):
    """A gazetteer file that cannot be used; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Entity:
    """One canonical entity and its Arabic spellings."""

    id: str
    type: str
    en: str  # English name as news writes it (unique per type)
    ar: str  # Arabic canonical name
    aliases: tuple[str, ...]  # strong spellings, ``ar`` included (unless it is weak)
    weak: tuple[str, ...]  # ambiguous spellings, counted only with supporting context
    ctx: tuple[str, ...]  # context terms that license the weak spellings
    line: int


@dataclass(frozen=True)
class Gazetteer:
    """The validated entity list, with lookups by id and by normalized spelling."""

    entities: tuple[Entity, ...]
    source: str
    stop: tuple[str, ...] = ()  # phrases that contain a spelling but name something else

    def __len__(self) -> int:
        return len(self.entities)

    def __iter__(self) -> Iterator[Entity]:
        return iter(self.entities)

    @property
    def by_id(self) -> dict[str, Entity]:
        return {e.id: e for e in self.entities}

    def strong_index(self) -> dict[str, Entity]:
        """Normalized strong spelling -> entity (unique by validation)."""
        return {norm_alias(a): e for e in self.entities for a in e.aliases}


@lru_cache(maxsize=1 << 16)  # building a tagger asks again for most of the gazetteer's spellings
def norm_alias(text: str) -> str:
    """The form the matcher compares: normalized tokens joined by single spaces."""
    return normalize_inline(" ".join(tokenize(text).tokens()))


def _err(source: str, node: Node | None, message: str) -> Exception:
    return datafile.failing(GazetteerError, source)(
        datafile.line_of(node) if node is not None else None, message)


def _scalar(source: str, node: Node, field: str, ent: str) -> str:
    if not isinstance(node, ScalarNode) or not str(node.value).strip():
        raise _err(source, node, f"{ent}: field '{field}' must be a non-empty string")
    if node.tag != _STR_TAG:
        # YAML reads 123, yes, null as numbers, booleans, nothing: such a spelling would
        # link wherever "123" is printed, so text must be text.
        raise _err(source, node, f"{ent}: field '{field}' must be a non-empty string, got "
                                 f"{node.value} (quote it if it is meant as text)")
    return str(node.value).strip()


def _strings(source: str, node: Node, field: str, ent: str) -> tuple[str, ...]:
    if not isinstance(node, SequenceNode):
        raise _err(source, node, f"{ent}: field '{field}' must be a list of strings")
    return tuple(_scalar(source, item, field, ent) for item in node.value)


def _entity(source: str, node: Node, index: int) -> Entity:
    where = f"entity #{index + 1}"
    if not isinstance(node, MappingNode):
        raise _err(source, node, f"{where}: expected a mapping with {', '.join(REQUIRED)}")
    fields = datafile.keys(node, datafile.failing(GazetteerError, source, where), ALLOWED)
    for key in REQUIRED:
        if key not in fields:
            raise _err(source, node, f"{where}: missing field '{key}'")
    ent_id = _scalar(source, fields["id"], "id", where)
    where = f"entity {ent_id}"
    if not ID_PATTERN.match(ent_id):
        raise _err(source, fields["id"], f"{where}: field 'id' must be a Wikidata QID (Q123) "
                                         "or a slug 'akhbar:lower-case-words'")
    etype = _scalar(source, fields["type"], "type", where)
    if etype not in TYPES:
        raise _err(source, fields["type"], f"{where}: field 'type' must be one of "
                                           f"{', '.join(TYPES)}, not {etype!r}")
    en = _scalar(source, fields["en"], "en", where)
    ar = _scalar(source, fields["ar"], "ar", where)
    lists = {f: _strings(source, fields[f], f, where) if f in fields else () for f in LIST_FIELDS}
    if lists["ctx"] and not lists["weak"]:
        raise _err(source, fields["ctx"], f"{where}: field 'ctx' is only used with 'weak'")
    weak_norms = {norm_alias(w) for w in lists["weak"]}
    strong: list[str] = []
    seen: set[str] = set()
    for alias in (ar, *lists["aka"]):
        norm = norm_alias(alias)
        if not norm:
            raise _err(source, node, f"{where}: alias {alias!r} is empty after normalization")
        if " " not in norm and (len(norm) <= 2 or norm in FUNCTION_WORDS):
            raise _err(source, node, f"{where}: alias {alias!r} normalizes to {norm!r}, too "
                                     "short or a common word; list it under 'weak'")
        if norm in weak_norms or norm in seen:
            continue  # listed as weak, or a variant that normalizes to one already listed
        seen.add(norm)
        strong.append(alias)
    for alias in lists["weak"] + lists["ctx"]:
        if not norm_alias(alias):
            raise _err(source, node, f"{where}: term {alias!r} is empty after normalization")
    if not strong and not lists["ctx"]:
        # A weak spelling counts beside a strong mention of the entity or a context term:
        # with neither, the entity could never be found.
        raise _err(source, node, f"{where}: every spelling is weak and there is no 'ctx': "
                                 "give it a strong spelling or context terms")
    return Entity(ent_id, etype, en, ar, tuple(strong), lists["weak"], lists["ctx"],
                  node.start_mark.line + 1)


def parse_gazetteer(text: str, source: str = "<gazetteer>") -> Gazetteer:
    """Parse and validate gazetteer YAML text; raise :class:`GazetteerError` on any problem."""
    root = datafile.compose(text, datafile.failing(GazetteerError, source))
    if not isinstance(root, MappingNode):
        raise _err(source, root, "expected a mapping with an 'entities' list")
    top = datafile.keys(root, datafile.failing(GazetteerError, source, "top level"), TOP_LEVEL)
    datafile.check_version(top, root, VERSION, datafile.failing(GazetteerError, source))
    if "entities" not in top or not isinstance(top["entities"], SequenceNode):
        raise _err(source, root, "expected a top-level 'entities' list")
    if not top["entities"].value:
        # Taken as the whole gazetteer, it would unlink every name on the next tagging.
        raise _err(source, top["entities"], "field 'entities' is empty; a gazetteer lists "
                                            "at least one entity")
    entities = [_entity(source, n, i) for i, n in enumerate(top["entities"].value)]
    _check_unique(source, entities)
    stop: tuple[str, ...] = ()
    if "stop" in top:
        stop = _strings(source, top["stop"], "stop", "top level")
        strong = {norm_alias(a): e for e in entities for a in e.aliases}
        for phrase, node in zip(stop, top["stop"].value, strict=True):
            norm = norm_alias(phrase)
            if not norm:
                raise _err(source, node, f"stop phrase {phrase!r} is empty after normalization")
            if norm in strong:
                raise _err(source, node, f"stop phrase {phrase!r} is a spelling of "
                                         f"{strong[norm].id} ({strong[norm].en})")
    return Gazetteer(tuple(entities), source, stop)


def _check_unique(source: str, entities: list[Entity]) -> None:
    """Ids, English names of one type and strong spellings must each belong to one entity.

    News names a club after its city ("Liverpool"), so a name may be given once per type."""
    ids: dict[str, Entity] = {}
    names: dict[tuple[str, str], Entity] = {}
    strong: dict[str, tuple[Entity, str]] = {}
    for e in entities:
        for table, key, what, shown in ((ids, e.id, "id", e.id),
                                        (names, (e.type, e.en), "English name", e.en)):
            if key in table:
                raise GazetteerError(f"{source}:{e.line}: duplicate {what} {shown!r} "
                                     f"(first at line {table[key].line})")
            table[key] = e
        for alias in e.aliases:
            norm = norm_alias(alias)
            if norm in strong and strong[norm][0].id != e.id:
                other, spelled = strong[norm]
                raise GazetteerError(
                    f"{source}:{e.line}: field 'aka': alias {alias!r} of {e.id} ({e.en}) "
                    f"duplicates {spelled!r} of {other.id} ({other.en}) at line {other.line}; "
                    "move it to 'weak' on both if it is ambiguous")
            strong[norm] = (e, alias)
    for e in entities:
        for alias in e.weak:
            norm = norm_alias(alias)
            if norm in strong:
                other, spelled = strong[norm]
                raise GazetteerError(
                    f"{source}:{e.line}: field 'weak': {alias!r} of {e.id} is a strong alias "
                    f"({spelled!r}) of {other.id} at line {other.line}")


def gazetteer_path() -> Path:
    """The gazetteer in use: ``AKHBAR_GAZETTEER``, else the packaged one (a copy can be
    tried on every command, as ``AKHBAR_TAXONOMY`` does for the taxonomy)."""
    return Path(os.environ.get("AKHBAR_GAZETTEER") or DEFAULT_PATH)


def load_gazetteer(path: Path | str | None = None) -> Gazetteer:
    """Read and validate a gazetteer file: ``path``, else ``AKHBAR_GAZETTEER``, else the
    packaged one."""
    file = Path(path) if path is not None else gazetteer_path()
    return parse_gazetteer(datafile.read_text(file, datafile.failing(GazetteerError, file)),
                           str(file))


def default_gazetteer() -> Gazetteer:
    """The gazetteer in use (:func:`gazetteer_path`), read again only when its file changed.

    A long-lived process (an Airflow worker) must tag with the file a maintainer saved,
    not the one it first read; reading it once per version keeps tagging many batches
    cheap. A change is seen by the file's modification time and size."""
    path = gazetteer_path()
    try:
        stat = path.stat()
    except OSError:
        return load_gazetteer(path)  # the error names the file
    return _load_version(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=2)
def _load_version(path: str, mtime_ns: int, size: int) -> Gazetteer:
    """One version of a gazetteer file (``mtime_ns`` and ``size`` only key the cache)."""
    del mtime_ns, size
    return load_gazetteer(path)
