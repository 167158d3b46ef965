"""Optional CAMeL Tools NER backend (``ner-arabert``), used only when its data is installed.

``camel_tools.ner`` loads a catalogue (and tries to download one) as soon as it is imported,
so it is imported lazily and only after the model folder has been found under
``$CAMELTOOLS_DATA`` (default ``~/.camel_tools``). The adapter turns the model's per-word
BIO labels into character spans of the original text, in the entity tagger's types.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pipeline.normalize import WORD, iter_sentences

log = logging.getLogger(__name__)

MODEL_SUBDIR = Path("data") / "ner" / "arabert"
# CAMeL's labels (ANERcorp scheme) -> ours; MISC has no counterpart and is dropped.
LABELS = {"PERS": "PER", "PER": "PER", "ORG": "ORG", "LOC": "LOC"}
MAX_WORDS = 200  # the model reads 256 word pieces; longer sentences are cut into chunks


class Predictor(Protocol):
    """What ``camel_tools.ner.NERecognizer`` offers: BIO labels per word, per sentence."""

    def predict(self, sentences: list[list[str]], batch_size: int = 32) -> list[list[str]]: ...


def data_dir() -> Path:
    """Where CAMeL Tools keeps its data: ``$CAMELTOOLS_DATA`` or ``~/.camel_tools``."""
    env = os.environ.get("CAMELTOOLS_DATA")
    return Path(env).expanduser() if env else Path.home() / ".camel_tools"


def model_path(base: Path | None = None) -> Path | None:
    """The installed ``ner-arabert`` model folder, or None when it is not installed.

    The folder is the one CAMeL's catalogue names for its default NER dataset, read as plain
    JSON (importing ``camel_tools.data`` would try a download), else ``data/ner/arabert``.
    """
    base = base or data_dir()
    folders = [base / MODEL_SUBDIR]
    try:
        catalogue = json.loads((base / "catalogue.json").read_text(encoding="utf-8"))
        ner = catalogue["components"]["NamedEntityRecognition"]
        folders.insert(0, base / "data" / ner["datasets"][ner["default"]]["path"])
    except (OSError, ValueError, KeyError, TypeError):
        pass  # no catalogue or another layout: the usual folder
    for folder in folders:
        if (folder / "config.json").is_file() and (folder / "vocab.txt").is_file():
            return folder
    return None


def _camel_recognizer(path: Path) -> Predictor:
    """Build ``camel_tools.ner.NERecognizer`` (the import reads the catalogue, so it is late)."""
    from camel_tools.ner import NERecognizer

    return NERecognizer(str(path), use_gpu=False)


@dataclass
class CamelNer:
    """Entity spans from a CAMeL-style word-level BIO recognizer."""

    predictor: Predictor
    batch_size: int = 32

    def spans(self, text: str) -> list[tuple[int, int, str, float]]:
        """``(start, end, type, confidence)`` for each name found in ``text``."""
        chunks: list[list[tuple[int, int]]] = []
        for s_start, s_end in iter_sentences(text):
            words = [(m.start() + s_start, m.end() + s_start)
                     for m in WORD.finditer(text[s_start:s_end])]
            chunks += [words[i:i + MAX_WORDS] for i in range(0, len(words), MAX_WORDS)]
        chunks = [c for c in chunks if c]
        if not chunks:
            return []
        labels = self.predictor.predict([[text[s:e] for s, e in c] for c in chunks],
                                        batch_size=self.batch_size)
        out: list[tuple[int, int, str, float]] = []
        for words, tags in zip(chunks, labels, strict=True):
            out += bio_to_spans(words, tags)
        return out


def bio_to_spans(words: Sequence[tuple[int, int]],
                 tags: Sequence[str]) -> list[tuple[int, int, str, float]]:
    """Join BIO-labelled words into character spans; an I- after O or another type starts one.

    Confidence is 1.0 for a span that opens with B- and 0.7 for one opened by a stray I-.
    """
    out: list[tuple[int, int, str, float]] = []
    current: list[Any] | None = None  # [start, end, label, confidence]
    for (start, end), tag in zip(words, tags, strict=False):
        prefix, _, label = tag.partition("-")
        kind = LABELS.get(label)
        if prefix == "I" and current is not None and current[2] == label:
            current[1] = end
            continue
        if current is not None:
            out.append(tuple(current))  # type: ignore[arg-type]
            current = None
        if prefix in ("B", "I") and kind is not None:
            current = [start, end, label, 1.0 if prefix == "B" else 0.7]
    if current is not None:
        out.append(tuple(current))  # type: ignore[arg-type]
    return [(s, e, LABELS[label], conf) for s, e, label, conf in out]


def load_if_available(base: Path | None = None,
                      factory: Callable[[Path], Predictor] = _camel_recognizer
                      ) -> CamelNer | None:
    """A :class:`CamelNer` when ``ner-arabert`` is installed and loads, else None."""
    path = model_path(base)
    if path is None:
        return None
    try:
        return CamelNer(factory(path))
    except Exception as exc:  # a broken install must not stop the night
        log.warning("CAMeL NER data found at %s but could not be loaded: %s", path, exc)
        return None
