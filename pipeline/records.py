"""Records that cross stages: what a feed is, what a fetch returned, what an article is."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """One entry of the feed registry (``feeds.yaml``)."""

    id: str
    name: str
    url: str
    outlet: str
    language: str = "ar"
    enabled: bool = True
    full_text: bool = False  # fetch the article page when the feed carries only a summary


@dataclass(slots=True)
class FetchResult:
    """What fetching one feed gave: a body to parse, ``not_modified``, or an error."""

    feed_id: str
    url: str
    status: str  # ok | not_modified | failed
    http_status: int | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    final_url: str | None = None
    error: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None


@dataclass(slots=True)
class RawEntry:
    """One feed item as parsed, before any cleaning."""

    feed_id: str
    outlet: str
    guid: str | None
    link: str | None
    title: str
    summary_html: str
    content_html: str | None
    published: datetime | None
    author: str | None = None
    language: str = "ar"


@dataclass(slots=True)
class Article:
    """A cleaned article ready to load: original text beside its normalized form."""

    feed_id: str
    outlet: str
    url: str
    canonical_url: str
    guid: str | None
    title: str
    summary: str
    body: str
    body_source: str  # content | summary | page
    published_at: datetime | None
    language: str = "ar"
    author: str | None = None
    title_norm: str = ""
    body_norm: str = ""
    content_hash: str = ""


@dataclass(slots=True)
class LoadStats:
    """Outcome of loading one batch of articles."""

    new: int = 0
    updated: int = 0  # a stored article took the batch's newer text
    # A text other than the stored one that the stored text outranks, so it is not applied:
    # an older night's (a backfill), or the losing one of two texts at one URL in one night.
    older: int = 0
    duplicate: int = 0

    def add(self, other: LoadStats) -> None:
        add_counts(self, other)


def add_counts(into: Any, other: Any) -> None:
    """Count ``other``'s figures into ``into``, two stats records of one dataclass: numbers
    are summed and counts kept by key merged; any other field (a version) stays as it is."""
    for f in fields(into):
        mine, theirs = getattr(into, f.name), getattr(other, f.name)
        if isinstance(mine, dict):
            for key, n in theirs.items():
                mine[key] = mine.get(key, 0) + n
        elif isinstance(mine, int | float) and not isinstance(mine, bool):
            setattr(into, f.name, mine + theirs)
