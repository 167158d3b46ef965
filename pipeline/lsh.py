"""Compact in-memory stores for the copy index: an LSH band table and growable array pools.

A million articles carry 64 million band keys and a quarter of a billion shingles; as Python
objects that is tens of gigabytes, as numpy arrays about two. Both stores here grow by
doubling and answer a whole article's keys in one vectorized call.
"""

from __future__ import annotations

import numpy as np

_EMPTY = -1
_LOW32 = np.uint64(0xFFFFFFFF)


class BandTable:
    """Open-addressing multimap from 64-bit band keys to article numbers.

    Linear probing over a power-of-two table. A slot keeps the key's low 32 bits, which pick
    its home slot and serve as its fingerprint, and the article number: 8 bytes an entry.
    A lookup returns every number stored under a key; a 32-bit clash only adds a candidate
    that verification rejects (about one per article at a million articles).
    """

    def __init__(self, capacity: int = 1 << 16) -> None:
        size = 1 << max(4, (2 * capacity - 1).bit_length())
        self._fp = np.zeros(size, dtype=np.uint32)
        self._val = np.full(size, _EMPTY, dtype=np.int32)
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @property
    def nbytes(self) -> int:
        return int(self._fp.nbytes + self._val.nbytes)

    @staticmethod
    def _low(keys: np.ndarray) -> np.ndarray:
        return (np.asarray(keys, dtype=np.int64).view(np.uint64) & _LOW32).astype(np.uint32)

    def lookup(self, keys: np.ndarray, tags: np.ndarray | None = None,
               ) -> tuple[np.ndarray, np.ndarray]:
        """Article numbers stored under ``keys``, each with the tag of the key that found it.

        ``tags`` (default: the key's position) lets one call serve many articles' keys.
        """
        fp = self._low(keys)
        tag = np.arange(fp.size) if tags is None else np.asarray(tags)
        mask = self._val.size - 1
        slots = fp.astype(np.int64) & mask
        found: list[np.ndarray] = []
        found_tags: list[np.ndarray] = []
        while slots.size:
            vals = self._val[slots]
            live = vals != _EMPTY
            hit = live & (self._fp[slots] == fp)
            if hit.any():
                found.append(vals[hit])
                found_tags.append(tag[hit])
            slots, fp, tag = (slots[live] + 1) & mask, fp[live], tag[live]
        if not found:
            return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.int64)
        return np.concatenate(found), np.concatenate(found_tags)

    def insert(self, keys: np.ndarray, value: int | np.ndarray) -> None:
        """Store ``value`` (one number, or one per key) under each of ``keys``."""
        fp = self._low(keys)
        values = np.broadcast_to(np.asarray(value, dtype=np.int32), fp.shape).copy()
        if 2 * (self._count + fp.size) > self._val.size:
            self._grow(self._count + fp.size)
        self._place(fp, values)
        self._count += fp.size

    def _place(self, fp: np.ndarray, values: np.ndarray) -> None:
        mask = self._val.size - 1
        slots = fp.astype(np.int64) & mask
        while slots.size:
            free = self._val[slots] == _EMPTY
            # Write every key into its free slot, then read back: where two keys wrote the
            # same slot one of them lost, and it tries the next slot with the occupied ones.
            self._fp[slots[free]] = fp[free]
            self._val[slots[free]] = values[free]
            placed = free & (self._fp[slots] == fp) & (self._val[slots] == values)
            rest = ~placed
            slots, fp, values = (slots[rest] + 1) & mask, fp[rest], values[rest]

    def _grow(self, needed: int) -> None:
        size = self._val.size
        while 2 * needed > size:
            size *= 2
        live = np.flatnonzero(self._val != _EMPTY)
        fp, vals = self._fp[live], self._val[live]
        self._fp = np.zeros(size, dtype=np.uint32)
        self._val = np.full(size, _EMPTY, dtype=np.int32)
        self._place(fp, vals)


class Pool:
    """A growable 1-D numpy array of one dtype, appended to in pieces addressed by offset."""

    def __init__(self, dtype: type, capacity: int = 1 << 16) -> None:
        self._data = np.empty(capacity, dtype=dtype)
        self._size = 0

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes)

    def append(self, values: np.ndarray) -> tuple[int, int]:
        """Append ``values``; return their (start, end) offsets."""
        end = self._size + values.size
        if end > self._data.size:
            grown = np.empty(max(end, 2 * self._data.size), dtype=self._data.dtype)
            grown[: self._size] = self._data[: self._size]
            self._data = grown
        self._data[self._size : end] = values
        start, self._size = self._size, end
        return start, end

    def get(self, start: int, end: int) -> np.ndarray:
        return self._data[start:end]
