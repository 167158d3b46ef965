"""Find many Arabic phrases in a text at once, with clitics, returning original offsets.

Terms are written once in plain Arabic. Each is normalized and compiled into one
Aho-Corasick automaton that scans the normalized token stream of a text in C; every raw
hit is then checked in Python for word boundaries and for the clitics Arabic fuses onto
words: proclitics (و ف ب ك ل), the article (ال, لل), and for common words the plural and
possessive endings. Names take proclitics only, so ``السول`` (soul music) is not Seoul.
Topics and entities both use it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from operator import itemgetter

import ahocorasick

from pipeline.normalize import Tokens, normalize_inline, tokenize


class Kind(StrEnum):
    """How a term may be inflected in running text."""

    WORD = "word"  # common noun or phrase: proclitics, article, plural and possessive endings
    NAME = "name"  # proper name: proclitics, and the article only if the name is written with it
    EXACT = "exact"  # nothing fused on either side


PROCLITICS = ("", "و", "ف", "ب", "ك", "ل", "وب", "ول", "فب", "فل", "وك", "فك")
# The article after each proclitic (وبال as well as بال); لل is ل + ال.
ARTICLE_FORMS = ("ال", "وال", "فال", "بال", "كال", "وبال", "فبال", "وكال", "فكال", "لل", "ولل",
                 "فلل")
# Attached pronouns, dual and sound plurals, and the nisba-free feminine plural.
POSSESSIVES = ("ها", "هم", "هما", "هن", "ه", "ي", "نا", "كم", "ك")
WORD_ENDINGS = ("", *POSSESSIVES, "ان", "ين", "ون", "ات", "اتها", "اتهم", "انها", "يها", "يه")


@dataclass(frozen=True, slots=True)
class Term:
    """One phrase to look for; ``key`` is the caller's handle, returned with each hit."""

    text: str
    key: Hashable
    kind: Kind = Kind.WORD


@dataclass(frozen=True, slots=True)
class Hit:
    """A term found in a text: token range and character range in the original text."""

    key: Hashable
    term: str
    first: int  # first token index
    last: int  # last token index, inclusive
    start: int  # character offset in the original text
    end: int
    surface: str  # the original text as it stands, clitics included


@dataclass(frozen=True, slots=True)
class _Rule:
    key: Hashable
    term: str
    prefixes: frozenset[str]
    suffixes: frozenset[str]
    ntokens: int


def _rules_for(term: Term) -> list[tuple[str, _Rule]]:
    """Expand a term into (pattern, rule) pairs: the forms the automaton looks for."""
    norm = normalize_inline(" ".join(tokenize(term.text).tokens()))
    if not norm:
        raise ValueError(f"term {term.text!r} is empty after normalization")
    ntok = norm.count(" ") + 1
    out: list[tuple[str, _Rule]] = []

    def add(pattern: str, prefixes: Iterable[str], suffixes: Iterable[str]) -> None:
        out.append((pattern, _Rule(term.key, term.text, frozenset(prefixes),
                                   frozenset(suffixes), ntok)))

    if term.kind is Kind.EXACT:
        add(norm, ("",), ("",))
        return out
    has_article = norm.startswith("ال") and len(norm.split(" ", 1)[0]) > 3
    if has_article:
        # Written with the article: match the bare stem after any article form (لل = ل + ال).
        stem, prefixes = norm[2:], ARTICLE_FORMS
    elif term.kind is Kind.WORD:
        stem, prefixes = norm, PROCLITICS + ARTICLE_FORMS
    else:
        stem, prefixes = norm, PROCLITICS
    if term.kind is Kind.NAME:
        add(stem, prefixes, ("",))
        return out
    add(stem, prefixes, WORD_ENDINGS)
    if not has_article and ntok > 1:
        # Phrases only: a lone noun such as مركز or حزب also heads names, and its accusative
        # (أسس حزبا) is followed by adjectives, not by one.
        accusative = _accusative(stem)
        if accusative != stem:
            add(accusative, prefixes, ("",))
    last = stem.rsplit(" ", 1)[-1]
    if last.endswith("ه") and len(last) > 2:
        # Teh marbuta (normalized to ه) turns back into ت before an ending: عقوبة -> عقوباتها.
        add(stem[:-1] + "ت", prefixes, POSSESSIVES)
        add(stem[:-1] + "ات", prefixes, ("", *POSSESSIVES))
    return out


def _accusative(phrase: str) -> str:
    """The phrase with the alif of the indefinite accusative on each word that takes it.

    "فرضت حظرا نفطيا" is حظر نفطي as an object: noun and adjective both carry the alif.
    Words ending in teh marbuta, alif, hamza or a plural or dual ending take none.
    """
    def word(w: str) -> str:
        if w.startswith("ال") or len(w) < 2 or w.endswith(_NO_ACCUSATIVE_ALIF):
            return w
        return w + "ا"
    return " ".join(word(w) for w in phrase.split(" "))


_NO_ACCUSATIVE_ALIF = ("ه", "ا", "ء", "ى", "ات", "ون", "ين", "ان")


class Matcher:
    """A compiled set of terms; build once, then call :meth:`find` per text."""

    def __init__(self, terms: Iterable[Term]) -> None:
        self._automaton = ahocorasick.Automaton()
        table: dict[str, list[_Rule]] = {}
        for term in terms:
            for pattern, rule in _rules_for(term):
                table.setdefault(pattern, []).append(rule)
        for pattern, rules in table.items():
            self._automaton.add_word(pattern, (len(pattern), tuple(rules)))
        self.size = len(table)
        if table:
            self._automaton.make_automaton()

    def find(self, text: str | Tokens, overlapping: bool = False) -> list[Hit]:
        """Hits in reading order; by default the longest wins where hits overlap."""
        tokens = text if isinstance(text, Tokens) else tokenize(text)
        if not self.size:
            return []
        joined = tokens.joined
        raw: list[tuple[int, int, int, _Rule]] = []  # (start, end, ntokens, rule) in joined
        for end, (length, rules) in self._automaton.iter(joined):
            start = end - length + 1
            word_start = joined.rfind(" ", 0, start) + 1
            word_end = joined.find(" ", end + 1)
            prefix = joined[word_start:start]
            suffix = joined[end + 1:word_end]
            for rule in rules:
                if prefix in rule.prefixes and suffix in rule.suffixes:
                    raw.append((word_start, word_end, rule.ntokens, rule))
        if not raw:
            return []
        if not overlapping:
            raw = _longest(raw)
        hits = []
        for word_start, _word_end, ntok, rule in sorted(raw, key=lambda r: r[0]):
            first = tokens.token_index(word_start)
            last = first + ntok - 1
            start, stop = tokens.original_span(first, last)
            hits.append(Hit(rule.key, rule.term, first, last, start, stop, tokens.text[start:stop]))
        return hits

    def scan(self, tokens: Tokens) -> list[tuple[int, int, Hashable, str]]:
        """Every hit, overlapping, as ``(first token, last token, key, term)``.

        The cheap path for callers that weigh many hits and need character offsets for few
        of them: no :class:`Hit` objects, no original spans (``tokens.original_span`` gives
        those on demand). Same matching rules as :meth:`find`.
        """
        if not self.size:
            return []
        joined = tokens.joined
        rfind, find = joined.rfind, joined.find
        raw: list[tuple[int, int, _Rule]] = []
        for end, (length, rules) in self._automaton.iter(joined):
            start = end - length + 1
            if joined[start - 1] == " ":  # the usual case: nothing fused in front
                word_start, prefix = start, ""
            else:
                word_start = rfind(" ", 0, start) + 1
                prefix = joined[word_start:start]
            suffix = "" if joined[end + 1] == " " else joined[end + 1:find(" ", end + 1)]
            for rule in rules:
                if prefix in rule.prefixes and suffix in rule.suffixes:
                    raw.append((word_start, rule.ntokens, rule))
        if not raw:
            return []
        raw.sort(key=itemgetter(0))
        out = []
        pos, index = 0, -1  # walk the text once to turn offsets into token indexes
        for word_start, ntok, rule in raw:
            index += joined.count(" ", pos, word_start)
            pos = word_start
            out.append((index, index + ntok - 1, rule.key, rule.term))
        return out


def _longest(raw: list[tuple[int, int, int, _Rule]]) -> list[tuple[int, int, int, _Rule]]:
    """Keep the longest of overlapping hits; equal spans keep every rule (several keys)."""
    chosen: list[tuple[int, int, int, _Rule]] = []
    taken: list[tuple[int, int]] = []
    for item in sorted(raw, key=lambda r: (-(r[1] - r[0]), r[0])):
        span = (item[0], item[1])
        if span in taken or not any(s < span[1] and span[0] < e for s, e in taken):
            chosen.append(item)
            taken.append(span)
    return chosen


class WordFormMatcher:
    """The rules of :class:`Matcher`, compiled into whole-word forms for a faster scan.

    Every allowed clitic form of every term is added to the automaton with its bounding
    spaces, so each automaton hit is already a hit: scanning does no per-hit checking in
    Python. It costs memory (a name has about a dozen forms, a common word hundreds), so
    it suits a large list of names. :meth:`scan` returns what ``Matcher.scan`` returns.
    """

    def __init__(self, terms: Iterable[Term]) -> None:
        self._automaton = ahocorasick.Automaton()
        table: dict[str, list[tuple[int, Hashable, str]]] = {}
        for term in terms:
            for pattern, rule in _rules_for(term):
                for prefix in rule.prefixes:
                    for suffix in rule.suffixes:
                        form = f" {prefix}{pattern}{suffix} "
                        table.setdefault(form, []).append((rule.ntokens, rule.key, rule.term))
        for form, values in table.items():
            self._automaton.add_word(form, (len(form), tuple(dict.fromkeys(values))))
        self.size = len(table)
        if table:
            self._automaton.make_automaton()

    def scan(self, tokens: Tokens) -> list[tuple[int, int, Hashable, str]]:
        """Every hit, overlapping, as ``(first token, last token, key, term)``, in order."""
        if not self.size:
            return []
        joined = tokens.joined
        raw = [(end - length + 2, values)
               for end, (length, values) in self._automaton.iter(joined)]
        if not raw:
            return []
        raw.sort(key=itemgetter(0))
        out = []
        pos, index = 0, -1
        for word_start, values in raw:
            index += joined.count(" ", pos, word_start)
            pos = word_start
            for ntok, key, term in values:
                out.append((index, index + ntok - 1, key, term))
        return out
