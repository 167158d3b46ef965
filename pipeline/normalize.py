"""Arabic text normalization: camel-tools semantics at str.translate speed.

The reference pipeline is camel-tools' own: Unicode NFKC, the ``arclean`` character map,
dediacritization and alef / alef-maksura / teh-marbuta unification. Applying it character
by character once gives a translation table; ``str.translate`` then runs it in C. A test
over the development corpus proves the two agree.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache

import numpy as np

# Zero-width joiners and directional marks sit inside words; camel's arclean turns some
# of them into spaces, which would split a word in two, so they are dropped instead.
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u061c\u202a\u202b\u202c\u202d\u202e"
# Those a word may carry inside it, and the soft hyphen (a regex class body): normalization
# drops them, so they join the letters around them rather than split a word.
IN_WORD_INVISIBLE = "\u00ad\u061c\u200b-\u200f\u2060\ufeff"

# Code-point ranges worth tabulating: Latin, punctuation, Arabic and its presentation forms.
_RANGES = (
    (0x0000, 0x3040),
    (0xfb50, 0xfff0),
    (0x1f000, 0x1fb00),
)

_SPACES = re.compile(r"[ \t\r\f\v]+")
# The runs of _SPACES that folding to one space changes (not a lone space): substituting
# only these gives the same text without rebuilding it at every word.
_SPACE_RUNS = re.compile(r"[\t\r\f\v][ \t\r\f\v]*| [ \t\r\f\v]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# A word: letters and digits with the marks, tatweel, joiners and the invisible characters
# that live inside words (a soft hyphen, a zero-width space or a direction mark that a CMS
# left in "عقو\u00adبات" does not split it: normalization drops them, as it drops the joiners).
# The underscore is excluded so hashtags like #كوريا_الشمالية split into words.
WORD = re.compile(r"(?:[^\W_]|[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
                  + IN_WORD_INVISIBLE + "])+")


def reference_normalize(text: str) -> str:
    """Normalize with camel-tools' functions applied in sequence (slow, the definition)."""
    from camel_tools.utils.charmap import CharMapper
    from camel_tools.utils.dediac import dediac_ar
    from camel_tools.utils.normalize import (
        normalize_alef_ar,
        normalize_alef_maksura_ar,
        normalize_teh_marbuta_ar,
        normalize_unicode,
    )

    arclean = _arclean_mapper(CharMapper)
    text = text.translate({ord(c): None for c in _INVISIBLE})
    text = normalize_unicode(text)
    text = arclean.map_string(text)
    text = dediac_ar(text)
    text = normalize_alef_ar(text)
    text = normalize_alef_maksura_ar(text)
    text = normalize_teh_marbuta_ar(text)
    return text.lower()


@cache
def _arclean_mapper(mapper_cls: type) -> object:
    return mapper_cls.builtin_mapper("arclean")


@cache
def translation_table() -> dict[int, str]:
    """Build the per-character table by running the reference pipeline on each character."""
    table: dict[int, str] = {}
    for lo, hi in _RANGES:
        for cp in range(lo, hi):
            ch = chr(cp)
            if unicodedata.category(ch) == "Cs":
                continue
            out = reference_normalize(ch)
            if out != ch:
                table[cp] = out
    for ch in _INVISIBLE:
        table[ord(ch)] = ""
    return table


_ARRAY_FROM = 256  # characters: below this, str.translate's per-call cost is lower
_UNTABULATED = 0x110000  # in a table array: a character it cannot express (beyond Unicode)


def table_array(table: dict[int, str]) -> np.ndarray:
    """A ``str.translate`` table as a lookup array over all code points: 0 for a deleted
    character, ``_UNTABULATED`` where one character is not enough (several out, NUL,
    surrogates)."""
    lut = np.arange(0x110000, dtype=np.uint32)
    for cp, out in table.items():
        lut[cp] = ord(out) if len(out) == 1 else 0 if not out else _UNTABULATED
    lut[0] = _UNTABULATED
    lut[0xD800:0xE000] = _UNTABULATED
    return lut


def translate_array(text: str, table: dict[int, str], lut: np.ndarray) -> str:
    """``text.translate(table)`` by one lookup per character in ``lut`` (its
    :func:`table_array`): ``str.translate`` looks every character up in a dict, several
    times slower. A text holding a character the array cannot express takes that path."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    mapped = lut[codes]
    if mapped.max(initial=0) >= _UNTABULATED:
        return text.translate(table)
    if not mapped.all():
        mapped = mapped[mapped != 0]
    return mapped.tobytes().decode("utf-32-le")


@cache
def _translation_array() -> np.ndarray:
    return table_array(translation_table())


def _translate(text: str) -> str:
    """``text.translate(translation_table())``, long texts through the array."""
    if len(text) < _ARRAY_FROM:
        return text.translate(translation_table())
    return translate_array(text, translation_table(), _translation_array())


def fold_spaces(text: str) -> str:
    """``_SPACES.sub(" ", text)``: each run of spaces and tabs (not line breaks) to one space.

    Most texts hold no run to fold, which substring tests tell faster than a regex scan.
    """
    if "  " in text or "\t" in text or "\r" in text or "\f" in text or "\v" in text:
        return _SPACE_RUNS.sub(" ", text)
    return text


def normalize(text: str) -> str:
    """Normalize Arabic text for matching and hashing; line breaks are kept, spaces folded."""
    if not text:
        return ""
    out = fold_spaces(_translate(text))
    out = _BLANK_LINES.sub("\n", out)
    return "\n".join(line.strip() for line in out.split("\n")).strip()


def normalize_inline(text: str) -> str:
    """Normalize a title or short field onto a single line."""
    return " ".join(normalize(text).split())


@dataclass
class Tokens:
    """Normalized word tokens of one text, joined by single spaces, mappable to the original.

    ``joined`` is `` tok0 tok1 ... `` with a leading and trailing space so that a phrase can be
    found as a substring with word boundaries. Original spans are computed lazily, because
    most texts are scanned without a hit that needs them.
    """

    text: str
    joined: str
    count: int
    _spans: list[tuple[int, int]] | None = field(default=None, repr=False)

    @property
    def spans(self) -> list[tuple[int, int]]:
        """Character spans of each token in the original text."""
        if self._spans is None:
            spans = [m.span() for m in WORD.finditer(self.text)]
            if len(spans) != self.count:
                spans = [
                    m.span() for m in WORD.finditer(self.text)
                    if m.group().translate(translation_table()).strip()
                ]
            self._spans = _trimmed(self.text, spans)
        return self._spans

    def token_index(self, pos: int) -> int:
        """Index of the token that starts at or contains position ``pos`` of ``joined``."""
        return self.joined.count(" ", 0, pos + 1) - 1

    def original_span(self, first: int, last: int) -> tuple[int, int]:
        """Original-text span covering tokens ``first`` to ``last`` inclusive."""
        spans = self.spans
        return spans[first][0], spans[last][1]

    def tokens(self) -> list[str]:
        return self.joined.split()


_EDGE_MARKS = re.compile("[" + IN_WORD_INVISIBLE + "]")


def _trimmed(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` without the invisible characters at their edges: a direction mark or a
    zero-width space the words carry belongs to no word's surface."""
    if _EDGE_MARKS.search(text) is None:
        return spans
    out = []
    for start, end in spans:
        while start < end - 1 and _EDGE_MARKS.match(text, start):
            start += 1
        while end > start + 1 and _EDGE_MARKS.match(text, end - 1):
            end -= 1
        out.append((start, end))
    return out


def tokenize_reference(text: str) -> Tokens:
    """Split ``text`` into normalized word tokens with plain regex and ``str.translate``.

    The definition :func:`tokenize` must agree with (a test checks it on the corpus), and
    its path for the rare texts holding a character that normalizes to several.
    """
    table = translation_table()
    words = WORD.findall(text)
    joined = " ".join(words).translate(table)
    parts = joined.split()
    if len(parts) != len(words) or _splits_a_word(text):
        # A token vanished (a lone diacritic) or split (ﷺ): rebuild token by token, one
        # token per word, so that token i is still the i-th word left in the original.
        # Checked apart from the count: a split and a vanished word would cancel out.
        parts = [n for n in (w.translate(table).replace(" ", "") for w in words) if n]
    return Tokens(text=text, joined=" " + " ".join(parts) + " ", count=len(parts))


@cache
def _splitting() -> re.Pattern[str]:
    """The characters that normalize to more than one word (ﷺ, ﷻ, some presentation forms)."""
    chars = sorted(chr(cp) for cp, out in translation_table().items()
                   if any(c.isspace() for c in out) and WORD.fullmatch(chr(cp)))
    return re.compile("[" + re.escape("".join(chars)) + "]") if chars else re.compile("(?!)")


def _splits_a_word(text: str) -> bool:
    return _splitting().search(text) is not None


# --- fast tokenization: one array lookup per character ---------------------------------

_SPACE = 0x20
_EDGE = np.array([_SPACE], dtype=np.uint32)  # the space before the first token and after the last
_FIRST = np.array([True])


@cache
def _lookup() -> tuple[np.ndarray, np.ndarray]:
    """Per code point: its normalized form inside a word, a space outside words.

    A character is a word character exactly when :data:`pipeline.normalize.WORD` matches
    it. Normalization drops some characters (0 in the array) and maps most to one
    character; the few that expand to several characters or to a space are flagged, and
    a text that contains one takes the reference path.
    """
    table = translation_table()
    everything = "".join(map(chr, range(0x110000)))
    lut = np.full(0x110000, _SPACE, dtype=np.uint32)
    for m in WORD.finditer(everything):
        lut[m.start():m.end()] = np.arange(m.start(), m.end(), dtype=np.uint32)
    special = np.zeros(0x110000, dtype=bool)
    for cp, out in table.items():
        if lut[cp] == _SPACE and cp != _SPACE:
            continue  # not a word character: never reaches the table in a word
        if not out:
            lut[cp] = 0
        elif len(out) == 1 and not out.isspace():
            lut[cp] = ord(out)
        else:
            special[cp] = True
    return lut, special


@dataclass
class _FastTokens(Tokens):
    """Tokens that keep their normalized code points, so original spans come from array
    arithmetic."""

    _mapped: np.ndarray | None = field(default=None, repr=False)

    @property
    def spans(self) -> list[tuple[int, int]]:
        if self._spans is None and self._mapped is not None:
            mapped = self._mapped
            word = mapped != _SPACE
            # Word runs start and end where the word mask changes.
            edges = np.flatnonzero(word[1:] != word[:-1]) + 1
            if word.size and word[0]:
                edges = np.concatenate(([0], edges))
            if word.size and word[-1]:
                edges = np.concatenate((edges, [word.size]))
            starts, ends = edges[0::2], edges[1::2]
            # A run made only of characters that normalization drops is no token.
            dropped = np.flatnonzero(mapped == 0)
            if dropped.size:
                inside = np.searchsorted(dropped, ends) - np.searchsorted(dropped, starts)
                live = inside < ends - starts
                starts, ends = starts[live], ends[live]
            self._spans = _trimmed(self.text, list(zip(starts.tolist(), ends.tolist(),
                                                       strict=True)))
        return super().spans


def tokenize(text: str) -> Tokens:
    """Split ``text`` into normalized word tokens (see :class:`Tokens`), fast.

    Exactly :func:`tokenize_reference`, several times faster on long texts.

    One array lookup per character turns word characters into their normalized form and
    everything else into spaces; splitting on spaces then gives the tokens. A text with a
    character that normalizes to several characters or to a space takes the reference path.
    """
    if not text:
        return tokenize_reference(text)
    lut, special = _lookup()
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if special[codes].any():
        return tokenize_reference(text)
    mapped = lut[codes]
    # Fold each run of spaces to one in the array too: splitting into a list of strings
    # costs more than everything else here, and scanning needs only ``joined``.
    kept = np.concatenate((_EDGE, mapped[mapped != 0], _EDGE))
    space = kept == _SPACE
    folded = kept[np.concatenate((_FIRST, ~(space[1:] & space[:-1])))]
    joined = folded.tobytes().decode("utf-32-le")
    count = joined.count(" ") - 1
    if not count:
        joined = "  "  # no token: what " " + " ".join([]) + " " gives
    return _FastTokens(text=text, joined=joined, count=count, _mapped=mapped)


# A full stop between two digits is a decimal point ("0.9", "74.71"), not a sentence end.
_SENTENCE_END = re.compile(r"(?:[!?؟\n]|\.(?!\d)|(?<!\d)\.)+")


def iter_sentences(text: str) -> Iterator[tuple[int, int]]:
    """Yield (start, end) spans of sentences and paragraphs in ``text``."""
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.end() - start > 1:
            yield start, m.end()
        start = m.end()
    if start < len(text):
        yield start, len(text)


# Markup only: a tag opens with a letter ("<p", "</p", "<!DOCTYPE"), so the "<40" and ">70"
# of a weather report stay text.
_TAGS = re.compile(r"<!--.*?-->|<[!?/]?[A-Za-z][^<>]*>", re.S)
_BLOCK_TAGS = re.compile(r"</?(?:p|div|br|li|h[1-6]|tr|blockquote|section|article)\b[^>]*>", re.I)
_SCRIPT = re.compile(r"<(script|style|noscript)\b.*?</\1\s*>", re.I | re.S)


def html_to_text(fragment: str) -> str:
    """Turn an HTML fragment (a feed summary or content) into plain paragraphs."""
    if "<" not in fragment and "&" not in fragment:
        return fragment.strip()
    text = _SCRIPT.sub(" ", fragment)
    text = _BLOCK_TAGS.sub("\n", text)
    text = _TAGS.sub(" ", text)
    text = fold_spaces(html.unescape(text).replace("\xa0", " "))
    return "\n".join(line for line in map(str.strip, text.split("\n")) if line)
