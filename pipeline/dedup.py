"""Near-duplicate detection: MinHash/LSH candidates, verified similarity, copy clusters.

One core serves both paths: the CLI feeds a :class:`CopyIndex` from a JSONL file, the nightly
path (``pipeline.dedup_db``) preloads the same index with the stored articles that tonight's
band hashes hit, adds tonight's articles, and writes the changes back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cache

import numpy as np

from pipeline.boilerplate import strip_boilerplate
from pipeline.jsonl import JsonlError, iter_objects, require_id, require_text
from pipeline.lsh import BandTable, Pool
from pipeline.normalize import WORD, table_array, translate_array, translation_table

_SHIFT32 = np.uint64(32)
# Odd base of the byte-level polynomial token hash and its inverse modulo 2**64.
_BASE = np.uint64(0x100000001B3)
_BASE_INV = np.uint64(pow(int(_BASE), -1, 2**64))
# Code points tabulated for tokenizing: Latin, punctuation, Arabic, presentation forms,
# symbols. Characters outside keep their identity (as in ``normalize``).
_TABLE_RANGES = ((0x0000, 0x3040), (0xFB50, 0xFFF0), (0x1F000, 0x1FB00))
# Articles whose band lookups are made in one call.
_BLOCK = 256
_FAR_FUTURE = datetime.max.replace(tzinfo=UTC)


@dataclass(frozen=True)
class DedupConfig:
    """Thresholds and sizes of copy detection; ``version`` is stored with every decision.

    Change ``version`` whenever a value changes, so stored links say which rules made them.
    """

    version: str = "copy-v2"
    # Word 4-grams: one edited word (a digit, a changed name) breaks 4 shingles, so light edits
    # keep most shingles, while 4 consecutive words rarely repeat between unrelated stories.
    shingle_size: int = 4
    # 128 permutations in 32 bands of 4 rows: a pair at Jaccard 0.5 becomes a candidate with
    # probability 0.87, at 0.7 with 0.9999, at 0.2 with 0.05 (few useless candidates).
    num_perm: int = 128
    bands: int = 32
    # The lead window (first N shingles, about two paragraphs) gets its own bands so a lead-only
    # or truncated copy, whose Jaccard with the full text is low, still becomes a candidate.
    lead_shingles: int = 40
    # Below this many shingles a body is a caption or a stub: only an exact copy counts.
    min_shingles: int = 12
    # Verified similarity. A pair is a copy when Jaccard >= jaccard_min, or when the smaller
    # text is contained in the larger (containment >= containment_min, so a lead-only or
    # trimmed copy matches its full version) -- and, always, the two texts open the same way:
    # at least lead_min of each one's lead window is found in the other. A wire update that
    # tells a new development over yesterday's background paragraphs shares most shingles but
    # not its lead, so it stays apart: precision first. Measured on the tuning split: without
    # the lead check precision falls from 1.00 to 0.81 (README, "Duplicates and stories").
    jaccard_min: float = 0.5
    containment_min: float = 0.8
    lead_min: float = 0.5
    # True accepts a pair when either lead is found in the other: it catches copies under an
    # added standfirst, but also merges updates whose new lead sits over the old text.
    lead_either: bool = False
    # Candidates verified per article, most shared bands first. Every stored copy of a story
    # shares bands with the next copy, so without a bound the work per article grows with
    # the archive; the best match shares the most bands, and ten covers it (README,
    # "Performance").
    max_candidates: int = 10
    # A later copy replaces the canonical member only when it is clearly fuller (10 % more
    # shingles), so near-equal copies do not flip the canonical back and forth between nights.
    canonical_gain: float = 1.1
    # Seed of the hash functions. It shapes the band keys stored in dedup_bands: change it (or
    # shingle_size, num_perm, bands) only together with a rebuild of that table.
    seed: int = 20180218

    @property
    def rows(self) -> int:
        return self.num_perm // self.bands

    def describe(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class Signature:
    """What dedup keeps of one article: its shingle set, lead, band keys and content hash."""

    id: Hashable
    published: datetime | None
    content_hash: str
    shingles: np.ndarray  # sorted unique uint64
    lead: np.ndarray  # sorted unique uint64, the first ``lead_shingles`` shingles
    band_keys: np.ndarray  # int64, 2 * bands (full-text bands then lead bands); empty if short
    wire_credits: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return int(self.shingles.size)


@dataclass(slots=True)
class Member:
    """One article's place in a copy cluster.

    ``matched_id`` is the member it was verified against (None for the canonical member) and
    ``similarity``/``jaccard``/``containment`` the scores of that pair.
    """

    id: Hashable
    cluster_id: Hashable
    kind: str  # exact | near | unique (unique = the canonical member)
    matched_id: Hashable | None = None
    similarity: float | None = None
    jaccard: float | None = None
    containment: float | None = None
    size: int = 0
    published: datetime | None = None
    config_version: str = ""


@dataclass(frozen=True)
class Verdict:
    """Similarity of a verified pair and whether it counts as a copy."""

    jaccard: float
    containment: float
    lead: float
    is_copy: bool

    @property
    def similarity(self) -> float:
        return max(self.jaccard, self.containment)


class Hasher:
    """Shingle hashing (64-bit token hashes, 32-bit shingles) and MinHash for one configuration.

    Nothing depends on the interpreter's hash seed, so band keys stored in PostgreSQL by one
    worker match those another worker computes.
    """

    def __init__(self, config: DedupConfig) -> None:
        self.config = config
        rng = np.random.default_rng(config.seed)
        # Affine permutations of 32-bit values: odd multipliers make each map a bijection.
        self._a = rng.integers(1, 2**32, size=config.num_perm, dtype=np.uint32) | np.uint32(1)
        self._b = rng.integers(0, 2**32, size=config.num_perm, dtype=np.uint32)
        self._pos = rng.integers(1, 2**63, size=config.shingle_size, dtype=np.uint64) | np.uint64(
            1
        )
        self._row_mix = rng.integers(1, 2**63, size=config.rows, dtype=np.uint64) | np.uint64(1)
        self._band_mix = rng.integers(1, 2**63, size=2 * config.bands, dtype=np.uint64)
        self._pow = np.empty(0, dtype=np.uint64)
        self._inv = np.empty(0, dtype=np.uint64)

    def _powers(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """Powers of the byte-hash base and of its inverse modulo 2**64, grown on demand."""
        if self._pow.size < n + 1:
            size = max(n + 1, 2 * self._pow.size, 4096)
            self._pow = np.ones(size, dtype=np.uint64)
            self._inv = np.ones(size, dtype=np.uint64)
            with np.errstate(over="ignore"):
                np.cumprod(np.full(size - 1, _BASE, dtype=np.uint64), out=self._pow[1:])
                np.cumprod(np.full(size - 1, _BASE_INV, dtype=np.uint64), out=self._inv[1:])
        return self._pow, self._inv

    def token_hashes(self, joined: str) -> np.ndarray:
        """Stable 64-bit hash of each space-separated token, computed in bulk with numpy.

        A polynomial hash over the UTF-8 bytes with prefix sums: token (s, e) hashes to
        (S[e] - S[s]) * base**-s, which depends only on its bytes, not on its position.
        """
        data = np.frombuffer(joined.encode(), dtype=np.uint8)
        if data.size == 0:
            return np.empty(0, dtype=np.uint64)
        pw, inv = self._powers(data.size)
        spaces = np.flatnonzero(data == 32)
        starts = np.concatenate(([0], spaces + 1))
        ends = np.concatenate((spaces, [data.size]))
        with np.errstate(over="ignore"):
            prefix = np.zeros(data.size + 1, dtype=np.uint64)
            np.cumsum((data.astype(np.uint64) + np.uint64(1)) * pw[: data.size], out=prefix[1:])
            h = (prefix[ends] - prefix[starts]) * inv[starts]
            h ^= h >> np.uint64(31)
            h *= np.uint64(0x94D049BB133111EB)
            h ^= h >> np.uint64(29)
        return h

    def shingles(self, joined: str) -> np.ndarray:
        """32-bit hashes of the word k-grams of a space-joined token string, in text order.

        32 bits keep a million articles' shingles in about a gigabyte; a collision between
        two of one article's few hundred shingles is a one-in-ten-thousand event.
        """
        th = self.token_hashes(joined)
        if th.size == 0:
            return np.empty(0, dtype=np.uint32)
        k = min(self.config.shingle_size, th.size)
        n = th.size - k + 1
        with np.errstate(over="ignore"):
            acc = np.zeros(n, dtype=np.uint64)
            for j in range(k):
                acc += th[j : j + n] * self._pos[j]
            acc ^= acc >> np.uint64(29)
            acc *= np.uint64(0xBF58476D1CE4E5B9)
        return (acc >> _SHIFT32).astype(np.uint32)

    def minhash(self, values: np.ndarray) -> np.ndarray:
        """MinHash signature (``num_perm`` uint32 values) of a shingle set.

        Each permutation is x -> a*x + b modulo 2**32, a bijection of the 32-bit shingle
        hashes; 32-bit lanes halve the work of the (num_perm x shingles) product.
        """
        mixed = np.multiply.outer(self._a, values)
        mixed += self._b[:, None]
        return mixed.min(axis=1)

    def band_keys(self, full: np.ndarray, lead: np.ndarray) -> np.ndarray:
        """One signed 64-bit key per band of the full and the lead signature."""
        sig = np.concatenate([self.minhash(full), self.minhash(lead)]).astype(np.uint64)
        rows = sig.reshape(2 * self.config.bands, self.config.rows)
        with np.errstate(over="ignore"):
            keys = (rows * self._row_mix[None, :]).sum(axis=1, dtype=np.uint64)
            keys ^= self._band_mix
            keys *= np.uint64(0x94D049BB133111EB)
            keys ^= keys >> np.uint64(31)
        return keys.view(np.int64)


@cache
def token_table() -> dict[int, str]:
    """``normalize``'s character table composed with "anything not in a word becomes a space".

    One ``str.translate`` and ``str.split`` then give the same tokens as
    ``WORD.findall(normalize(text))`` at a fraction of the cost (a test checks the equality).
    """
    table: dict[int, str] = {}
    base = translation_table()
    for lo, hi in _TABLE_RANGES:
        for cp in range(lo, hi):
            out = base.get(cp, chr(cp))
            mapped = "".join(ch if WORD.fullmatch(ch) else " " for ch in out)
            if mapped != chr(cp):
                table[cp] = mapped
    return table


@cache
def _code_table() -> np.ndarray:
    """:func:`token_table` as a lookup array over all code points, for numpy translation."""
    return table_array(token_table())


def tokens_of(text: str) -> str:
    """Normalized word tokens of ``text`` joined by single spaces.

    The characters are mapped through a lookup array (``normalize.translate_array``),
    several times faster than ``str.translate`` with a dict; both give the same tokens.
    """
    return " ".join(translate_array(text, token_table(), _code_table()).split())


def body_tokens(text: str) -> tuple[str, tuple[str, ...]]:
    """Normalized word tokens of a body after boilerplate removal (space-joined), and credits."""
    stripped = strip_boilerplate(text or "")
    return tokens_of(stripped.text), stripped.wire_credits


def _distinct(values: np.ndarray) -> np.ndarray:
    """Sorted distinct values (as ``np.unique``, at a quarter of its cost on small arrays)."""
    ordered = np.sort(values)
    if ordered.size < 2:
        return ordered
    keep = np.empty(ordered.size, dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def signature(
    hasher: Hasher,
    article_id: Hashable,
    title: str | None,
    text: str | None,
    published: datetime | None = None,
) -> Signature:
    """Compute the dedup signature of one article (pure; same input, same output)."""
    cfg = hasher.config
    tokens, credits = body_tokens(text or "")
    ordered = hasher.shingles(tokens)
    shingles = _distinct(ordered)
    if shingles.size < cfg.min_shingles:
        # A stub body says little; the title keeps two stubs of different stories apart.
        # With no word in either there is nothing to match: the article stands alone.
        title_tokens = tokens_of(title or "")
        basis = (title_tokens + "\n" + tokens if title_tokens or tokens
                 else f"\0no words\0{article_id}")
        digest = hashlib.blake2b(basis.encode(), digest_size=16).hexdigest()
        return Signature(
            article_id, published, "s:" + digest, shingles, shingles,
            np.empty(0, dtype=np.int64), credits,
        )
    digest = hashlib.blake2b(tokens.encode(), digest_size=16).hexdigest()
    lead = _distinct(ordered[: cfg.lead_shingles])
    keys = hasher.band_keys(shingles, lead)
    return Signature(article_id, published, "b:" + digest, shingles, lead, keys, credits)


def _count_in(part: np.ndarray, whole: np.ndarray) -> int:
    """How many values of ``part`` are in ``whole`` (sorted, unique).

    One binary search per value: three times faster than ``np.intersect1d``/``np.isin``,
    which sort both arrays again, and verification runs for every candidate pair.
    """
    if part.size == 0 or whole.size == 0:
        return 0
    at = np.searchsorted(whole, part)
    at[at == whole.size] = 0
    return int(np.count_nonzero(whole[at] == part))


def _fraction_in(part: np.ndarray, whole: np.ndarray) -> float:
    if part.size == 0:
        return 0.0
    return _count_in(part, whole) / part.size


def verify_sets(
    a: np.ndarray, a_lead: np.ndarray, b: np.ndarray, b_lead: np.ndarray, config: DedupConfig
) -> Verdict:
    """Real similarity of two shingle sets (sorted, unique) and their lead windows."""
    if a.size < config.min_shingles or b.size < config.min_shingles:
        return Verdict(0.0, 0.0, 0.0, False)
    small, large = (a, b) if a.size <= b.size else (b, a)
    inter = _count_in(small, large)
    jaccard = inter / (a.size + b.size - inter)
    containment = inter / min(a.size, b.size)
    a_in_b, b_in_a = _fraction_in(a_lead, b), _fraction_in(b_lead, a)
    lead = max(a_in_b, b_in_a) if config.lead_either else min(a_in_b, b_in_a)
    similar = jaccard >= config.jaccard_min or containment >= config.containment_min
    is_copy = similar and lead >= config.lead_min
    return Verdict(round(jaccard, 4), round(containment, 4), round(lead, 4), is_copy)


def verify(a: Signature, b: Signature, config: DedupConfig) -> Verdict:
    """Real similarity of a candidate pair: Jaccard, containment and lead agreement."""
    return verify_sets(a.shingles, a.lead, b.shingles, b.lead, config)


def order_key(sig: Signature) -> tuple[datetime, str]:
    """Processing order: earliest publication first, then id, so reruns decide the same way."""
    return (sig.published or _FAR_FUTURE, str(sig.id))


class CopyIndex:
    """Copy clusters over an LSH band table; the core shared by the CLI and the database path.

    Articles are numbered as they are stored; their shingle sets and leads live in shared
    array pools and their band keys in a :class:`BandTable`, so a million articles fit in a
    few gigabytes. Only the decisions (:class:`Member`) are Python objects.
    """

    def __init__(self, config: DedupConfig, expected: int = 0, track_changes: bool = True,
                 ) -> None:
        self.config = config
        # The database path writes back what changed; the in-memory path needs no record.
        self._track = track_changes
        self.members: dict[Hashable, Member] = {}
        self.canonical: dict[Hashable, Hashable] = {}  # cluster -> canonical article
        self.changed: set[Hashable] = set()  # members written since the index was loaded
        self.changed_clusters: set[Hashable] = set()
        # Articles decided as exact copies of an indexed text: they add no band keys.
        self.exact_copies: set[Hashable] = set()
        self._num: dict[Hashable, int] = {}
        self._ids: list[Hashable] = []
        self._spans = Pool(np.int64, 4 * max(expected, 1024))
        self._shingles = Pool(np.uint32, 256 * max(expected, 1024))
        self._leads = Pool(np.uint32, config.lead_shingles * max(expected, 1024))
        self._bands = BandTable(2 * config.bands * max(expected, 1024))
        # Band keys of the articles indexed since the last flush; the table takes them in one
        # vectorized insert. Within a block, earlier articles are found from the block's keys.
        self._pending_keys: list[tuple[np.ndarray, int]] = []
        self._exact: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> list[Hashable]:
        """Article ids in the order they were stored (their numbers)."""
        return self._ids

    @property
    def numbers(self) -> dict[Hashable, int]:
        return self._num

    @property
    def nbytes(self) -> int:
        """Bytes held by the array stores (the bulk of the index)."""
        return self._spans.nbytes + self._shingles.nbytes + self._leads.nbytes + \
            self._bands.nbytes

    def stage(self, sig: Signature) -> int:
        """Store an article's shingles and lead; return its number (nothing is decided)."""
        if sig.id in self._num:
            return self._num[sig.id]
        s0, s1 = self._shingles.append(sig.shingles)
        l0, l1 = self._leads.append(sig.lead)
        self._spans.append(np.array([s0, s1, l0, l1], dtype=np.int64))
        number = len(self._ids)
        self._ids.append(sig.id)
        self._num[sig.id] = number
        return number

    def _sets(self, number: int) -> tuple[np.ndarray, np.ndarray]:
        s0, s1, l0, l1 = self._spans.get(4 * number, 4 * number + 4).tolist()
        return self._shingles.get(s0, s1), self._leads.get(l0, l1)

    def _index(self, number: int, band_keys: np.ndarray, content_hash: str) -> None:
        if band_keys.size:
            self._pending_keys.append((band_keys, number))
        self._exact.setdefault(content_hash, number)

    def _flush(self) -> None:
        """Move the pending band keys into the table in one insert."""
        if not self._pending_keys:
            return
        keys = np.concatenate([k for k, _ in self._pending_keys])
        numbers = np.concatenate(
            [np.full(k.size, n, dtype=np.int32) for k, n in self._pending_keys]
        )
        self._bands.insert(keys, numbers)
        self._pending_keys.clear()

    def load(self, sig: Signature | None, member: Member) -> None:
        """Register an already-decided article (from storage) without deciding anything."""
        self.members[member.id] = member
        if member.kind == "unique":
            self.canonical[member.cluster_id] = member.id
        if sig is not None:
            self._index(self.stage(sig), sig.band_keys, sig.content_hash)

    def exact_copies_among(self, items: Iterable[tuple[Hashable, str]]) -> set[Hashable]:
        """Ids of (id, content hash) pairs, decided in this order, that will be exact copies.

        An article is an exact copy when an indexed article, or one decided before it, has
        its content hash, so this is known before deciding: the database path writes the
        band keys (which exact copies do not add) while the decisions are made.
        """
        seen = set(self._exact)
        exact: set[Hashable] = set()
        for article_id, content_hash in items:
            if content_hash in seen:
                exact.add(article_id)
            else:
                seen.add(content_hash)
        return exact

    @staticmethod
    def _rank(hits: list[int], exclude: int) -> list[int]:
        """Candidates from band hits (one per shared band), most shared bands first."""
        if not hits:
            return []
        counts: dict[int, int] = {}
        for n in hits:
            counts[n] = counts.get(n, 0) + 1
        counts.pop(exclude, None)
        return sorted(counts, key=lambda n: (-counts[n], n))

    def candidate_ids(self, sig: Signature) -> list[Hashable]:
        """Ids of the indexed articles that share a band with ``sig``."""
        self._flush()
        hits, _ = self._bands.lookup(sig.band_keys)
        ranked = self._rank(hits.tolist(), self._num.get(sig.id, -1))
        return [self._ids[n] for n in ranked]

    def add(self, sig: Signature) -> Member:
        """Decide one new article: exact copy, near copy, or the founder of a new cluster."""
        if sig.id not in self.members:
            self.decide_many([(self.stage(sig), sig.band_keys, sig.content_hash,
                               sig.published)])
        return self.members[sig.id]

    def decide_many(
        self, items: Iterable[tuple[int, np.ndarray, str, datetime | None]],
    ) -> None:
        """Decide staged articles in the given order: (number, band keys, hash, published).

        Table lookups are made for a block of articles at once; keys shared with articles
        decided earlier within the block are matched from the block's own keys, so the
        order is respected.
        """
        block: list[tuple[int, np.ndarray, str, datetime | None]] = []
        for item in items:
            block.append(item)
            if len(block) == _BLOCK:
                self._decide_block(block)
                block = []
        if block:
            self._decide_block(block)

    def _decide_block(self, block: list[tuple[int, np.ndarray, str, datetime | None]]) -> None:
        self._flush()
        keys = np.concatenate([b[1] for b in block])
        owners = np.repeat(np.arange(len(block)), [b[1].size for b in block])
        found, tags = self._bands.lookup(keys, owners)
        per: list[list[int]] = [[] for _ in block]
        for number, owner in zip(found.tolist(), tags.tolist(), strict=True):
            per[owner].append(number)
        earlier = self._shared_within(keys, owners)
        indexed = [False] * len(block)
        for i, (number, band_keys, content_hash, published) in enumerate(block):
            if self._ids[number] in self.members:
                continue
            hits = per[i]
            for j in earlier.get(i, ()):
                if indexed[j]:
                    hits.append(block[j][0])
            self._decide(number, band_keys, content_hash, published, self._rank(hits, number))
            indexed[i] = bool(band_keys.size) and self._ids[number] not in self.exact_copies
        self._flush()

    @staticmethod
    def _shared_within(keys: np.ndarray, owners: np.ndarray) -> dict[int, list[int]]:
        """For each block position, the earlier positions sharing a band key with it.

        One entry per shared key occurrence, as a lookup of each key among the articles
        indexed before it in the block would find them.
        """
        order = np.argsort(keys, kind="stable")  # equal keys keep block order
        ordered = keys[order]
        same = ordered[1:] == ordered[:-1]
        earlier: dict[int, list[int]] = {}
        if not same.any():
            return earlier
        bounds = np.flatnonzero(np.diff(np.concatenate(([False], same, [False])).astype(np.int8)))
        by_owner = owners[order]
        for start, end in zip(bounds[::2].tolist(), bounds[1::2].tolist(), strict=True):
            group = by_owner[start : end + 1].tolist()
            for a, first in enumerate(group):
                for later in group[a + 1 :]:
                    if later != first:
                        earlier.setdefault(later, []).append(first)
        return earlier

    def _decide(
        self, number: int, band_keys: np.ndarray, content_hash: str,
        published: datetime | None, candidates: list[int],
    ) -> Member:
        article_id = self._ids[number]
        shingles, lead = self._sets(number)
        verdict: Verdict | None = None
        match = self._exact.get(content_hash)
        kind = "exact"
        if match is not None and self._ids[match] in self.members:
            verdict = Verdict(1.0, 1.0, 1.0, True)
        else:
            match, kind = None, "near"
            verified = 0
            for cand in candidates:
                if self._ids[cand] not in self.members:
                    continue
                if verified == self.config.max_candidates:
                    break
                verified += 1
                other, other_lead = self._sets(cand)
                v = verify_sets(shingles, lead, other, other_lead, self.config)
                if v.is_copy and (verdict is None or v.similarity > verdict.similarity):
                    verdict, match = v, cand
        if match is None or verdict is None:
            member = Member(article_id, article_id, "unique", size=int(shingles.size),
                            published=published, config_version=self.config.version)
            self.canonical[article_id] = article_id
        else:
            matched = self._ids[match]
            member = Member(
                article_id, self.members[matched].cluster_id, kind, matched,
                verdict.similarity, verdict.jaccard, verdict.containment, int(shingles.size),
                published, self.config.version,
            )
        self.members[article_id] = member
        # An exact copy adds no band the index lacks: its twin's bands already find it.
        exact_copy = kind == "exact" and match is not None
        if exact_copy:
            self.exact_copies.add(article_id)
        self._index(number, band_keys[:0] if exact_copy else band_keys, content_hash)
        if self._track:
            self.changed.add(article_id)
            self.changed_clusters.add(member.cluster_id)
        if member.kind != "unique":
            self._maybe_promote(member)
        return member

    def _maybe_promote(self, member: Member) -> None:
        """Make a clearly fuller new copy the canonical member by reversing its link path.

        Fuller means more shingles too: copies with none (title-only stubs) never take over.
        """
        current = self.members[self.canonical[member.cluster_id]]
        if member.size < current.size * self.config.canonical_gain or member.size <= current.size:
            return
        path = [member]
        while path[-1].matched_id is not None:
            path.append(self.members[path[-1].matched_id])
        links = [
            (m.kind, m.similarity, m.jaccard, m.containment, m.config_version)
            for m in path[:-1]
        ]
        for i, (kind, sim, jac, cont, version) in enumerate(links):
            child = path[i + 1]
            child.kind, child.matched_id = kind, path[i].id
            child.similarity, child.jaccard, child.containment = sim, jac, cont
            child.config_version = version
            if self._track:
                self.changed.add(child.id)
        head = path[0]
        head.kind, head.matched_id = "unique", None
        head.similarity = head.jaccard = head.containment = None
        self.canonical[member.cluster_id] = head.id

    def duplicate_of(self, article_id: Hashable) -> Hashable | None:
        member = self.members[article_id]
        canonical = self.canonical[member.cluster_id]
        return None if canonical == article_id else canonical


@dataclass(frozen=True)
class InputArticle:
    """One line of the CLI input."""

    id: str
    title: str
    text: str
    published: datetime | None = None
    url: str | None = None


def parse_published(value: object) -> datetime | None:
    """Accept ISO 8601 or RFC 822 dates; naive values are taken as UTC."""
    if not value:
        return None
    text = str(value)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            parsed = parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def dedup_records(
    articles: Iterable[InputArticle], config: DedupConfig | None = None, expected: int = 0,
) -> Iterator[dict[str, object]]:
    """Cluster articles in memory; yield one output record per article in input order.

    Texts are dropped as soon as their signature is computed, so the input can be a stream
    larger than memory; ``expected`` (an article count) only pre-sizes the stores.
    """
    cfg = config or DedupConfig()
    hasher = Hasher(cfg)
    index = CopyIndex(cfg, expected, track_changes=False)
    keys = Pool(np.int64, 2 * cfg.bands * max(expected, 1024))
    # Per article number, kept compact for a million articles: band-key span, publication
    # time (seconds; +inf when unknown) and content hash.
    key_spans = Pool(np.int64, 2 * max(expected, 1024))
    times = Pool(np.float64, max(expected, 1024))
    hashes: list[str] = []
    credits: dict[int, tuple[str, ...]] = {}
    for a in articles:
        sig = signature(hasher, a.id, a.title, a.text, a.published)
        if sig.id in index.numbers:
            continue  # an id seen before: its first occurrence stands
        number = index.stage(sig)
        key_spans.append(np.array(keys.append(sig.band_keys), dtype=np.int64))
        times.append(np.array([sig.published.timestamp() if sig.published else np.inf]))
        hashes.append(sig.content_hash)
        if sig.wire_credits:
            credits[number] = sig.wire_credits
    ids = index.ids
    by_id = sorted(range(len(ids)), key=lambda n: str(ids[n]))
    id_rank = np.empty(len(ids), dtype=np.int64)
    id_rank[by_id] = np.arange(len(ids))
    del by_id
    order = np.lexsort((id_rank, times.get(0, len(ids))))
    spans = key_spans.get(0, 2 * len(ids))
    stamps = times.get(0, len(ids))
    index.decide_many(
        (n, keys.get(int(spans[2 * n]), int(spans[2 * n + 1])), hashes[n],
         datetime.fromtimestamp(stamps[n], UTC) if np.isfinite(stamps[n]) else None)
        for n in order.tolist()
    )
    del keys, key_spans, times, stamps, spans, hashes, order, id_rank
    for number, article_id in enumerate(index.ids):
        m = index.members[article_id]
        yield {
            "id": article_id,
            "cluster_id": m.cluster_id,
            "duplicate_of": index.duplicate_of(article_id),
            "similarity": m.similarity,
            "kind": m.kind,
            "matched_id": m.matched_id,
            "jaccard": m.jaccard,
            "containment": m.containment,
            "wire_credits": list(credits.get(number, ())),
        }


# A malformed line of the CLI input, with its line number.
InputError = JsonlError


def iter_articles(lines: Iterable[str | bytes]) -> Iterator[InputArticle]:
    """Parse ``{id, title, text, published?, url?}`` JSON lines lazily; blank lines skipped.

    A line is refused as ``akhbar tag`` refuses it (no id, no words, a field that is not a
    string); ``body`` stands for a missing ``text``, as it does there."""
    seen: set[str] = set()
    for number, obj in iter_objects(lines):
        article_id = str(require_id(obj, number))
        require_text(obj, number)
        if article_id in seen:
            raise InputError(f"line {number}: duplicate id {article_id!r}")
        seen.add(article_id)
        yield InputArticle(
            article_id, obj.get("title") or "", obj.get("text") or obj.get("body") or "",
            parse_published(obj.get("published")), obj.get("url"),
        )


def read_articles(lines: Iterable[str]) -> list[InputArticle]:
    """All articles of a JSONL input (see :func:`iter_articles`)."""
    return list(iter_articles(lines))
