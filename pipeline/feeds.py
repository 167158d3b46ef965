"""The feed registry, fetching feeds over HTTP (or from files), and parsing them.

Feeds are fetched as bytes with a real HTTP client and parsed with feedparser from those
bytes, so that feedparser never touches the network itself. A failing feed is recorded
with its reason; it never stops the others.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import httpx
import yaml

from pipeline.records import FeedSpec, FetchResult, RawEntry
from pipeline.settings import Settings

log = logging.getLogger(__name__)

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class RegistryError(ValueError):
    """The feed registry file is invalid; the message names the file, entry and field."""


def load_registry(path: Path) -> list[FeedSpec]:
    """Read and validate a feed registry (a top-level ``feeds:`` list)."""
    path = Path(path)
    try:
        doc = yaml.compose(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RegistryError(f"{path}: not valid YAML: {exc}") from exc
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("feeds"), list):
        raise RegistryError(f"{path}: expected a top-level 'feeds:' list")
    nodes = _entry_nodes(doc)
    feeds: list[FeedSpec] = []
    seen: set[str] = set()
    for i, item in enumerate(data["feeds"]):
        line = nodes[i].start_mark.line + 1 if i < len(nodes) else 0
        where = f"{path}:{line}: feed #{i + 1}"
        if not isinstance(item, dict):
            raise RegistryError(f"{where}: expected a mapping")
        unknown = set(item) - {"id", "name", "url", "language", "outlet", "enabled",
                               "full_text"}
        if unknown:
            raise RegistryError(f"{where}: unknown field(s) {sorted(unknown)}")
        for key in ("id", "name", "url", "outlet"):
            if not isinstance(item.get(key), str) or not item[key].strip():
                raise RegistryError(f"{where}: field '{key}' is required (a non-empty string)")
        if not _ID.match(item["id"]):
            raise RegistryError(f"{where}: field 'id' must be lower-case letters, digits, "
                                f"'-', '_' or '.', got {item['id']!r}")
        if item["id"] in seen:
            raise RegistryError(f"{where}: duplicate id {item['id']!r}")
        seen.add(item["id"])
        url = _resolve_url(item["url"].strip(), path.parent)
        if urlsplit(url).scheme not in ("http", "https", "file"):
            raise RegistryError(f"{where}: field 'url' must be http(s):// or file:, got {url!r}")
        for key in ("enabled", "full_text"):
            if key in item and not isinstance(item[key], bool):
                raise RegistryError(f"{where}: field '{key}' must be true or false")
        feeds.append(FeedSpec(
            id=item["id"], name=item["name"], url=url, outlet=item["outlet"],
            language=str(item.get("language", "ar")), enabled=item.get("enabled", True),
            full_text=item.get("full_text", False),
        ))
    return feeds


def _entry_nodes(doc: yaml.Node | None) -> list[yaml.Node]:
    if isinstance(doc, yaml.MappingNode):
        for key, value in doc.value:
            if key.value == "feeds" and isinstance(value, yaml.SequenceNode):
                return list(value.value)
    return []


def _resolve_url(url: str, base: Path) -> str:
    """``file:name.xml`` (no slashes) is relative to the registry file's folder."""
    if url.startswith("file:") and not url.startswith("file://"):
        return (base / url[5:]).resolve().as_uri()
    return url


@dataclass
class ParsedFeed:
    """Entries parsed from one feed, with feedparser's complaint if it had one."""

    entries: list[RawEntry] = field(default_factory=list)
    bozo: str | None = None
    title: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def read_file_feed(spec: FeedSpec) -> FetchResult:
    """Read a ``file://`` feed (offline replay)."""
    started = _now()
    path = Path(unquote(urlsplit(spec.url).path))
    try:
        body = path.read_bytes()
    except OSError as exc:
        return FetchResult(spec.id, spec.url, "failed", error=f"cannot read {path}: {exc}",
                           started_at=started, finished_at=_now())
    return FetchResult(spec.id, spec.url, "ok", body=body, started_at=started,
                       finished_at=_now())


async def _fetch_http(client: httpx.AsyncClient, spec: FeedSpec, settings: Settings,
                      limit: asyncio.Semaphore) -> FetchResult:
    started = _now()
    async with limit:
        try:
            async with client.stream("GET", spec.url) as resp:
                chunks: list[bytes] = []
                size = 0
                async for chunk in resp.aiter_bytes():
                    size += len(chunk)
                    if size > settings.max_feed_bytes:
                        return FetchResult(spec.id, spec.url, "failed", resp.status_code,
                                           error=f"body larger than {settings.max_feed_bytes} "
                                                 "bytes", started_at=started,
                                           finished_at=_now())
                    chunks.append(chunk)
        except httpx.TimeoutException as exc:
            return FetchResult(spec.id, spec.url, "failed", error=f"timeout: {exc!r}",
                               started_at=started, finished_at=_now())
        except httpx.HTTPError as exc:
            return FetchResult(spec.id, spec.url, "failed",
                               error=f"{type(exc).__name__}: {exc}", started_at=started,
                               finished_at=_now())
    headers = {k.lower(): v for k, v in resp.headers.items()}
    if resp.status_code >= 400:
        return FetchResult(spec.id, spec.url, "failed", resp.status_code, headers=headers,
                           error=f"HTTP {resp.status_code}", started_at=started,
                           finished_at=_now())
    return FetchResult(spec.id, spec.url, "ok", resp.status_code, body=b"".join(chunks),
                       headers=headers, final_url=str(resp.url), started_at=started,
                       finished_at=_now())


async def _fetch_all(specs: Sequence[FeedSpec], settings: Settings) -> list[FetchResult]:
    timeout = httpx.Timeout(settings.http_timeout, connect=settings.http_connect_timeout)
    limit = asyncio.Semaphore(settings.fetch_concurrency)
    async with httpx.AsyncClient(timeout=timeout, follow_redirects=True, max_redirects=5,
                                 headers={"User-Agent": settings.user_agent},
                                 trust_env=False) as client:

        async def one(spec: FeedSpec) -> FetchResult:
            if spec.url.startswith("file:"):
                return read_file_feed(spec)
            try:
                return await asyncio.wait_for(_fetch_http(client, spec, settings, limit),
                                              timeout=settings.http_timeout * 3)
            except TimeoutError:
                return FetchResult(spec.id, spec.url, "failed", error="timeout: total time",
                                   finished_at=_now())

        return list(await asyncio.gather(*(one(s) for s in specs)))


def fetch_feeds(specs: Sequence[FeedSpec], settings: Settings) -> list[FetchResult]:
    """Fetch every feed concurrently; each result says ok or why it failed."""
    return asyncio.run(_fetch_all(specs, settings))


def parse_feed(spec: FeedSpec, result: FetchResult) -> ParsedFeed:
    """Parse fetched bytes with feedparser; the HTTP charset is passed on to it."""
    headers = {"content-type": result.headers.get("content-type", "")} \
        if result.headers.get("content-type") else {}
    parsed = feedparser.parse(result.body, response_headers=headers,
                              sanitize_html=False, resolve_relative_uris=False)
    out = ParsedFeed(title=parsed.feed.get("title"))
    if parsed.bozo:
        out.bozo = f"{type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}"
    for e in parsed.entries:
        content = None
        if e.get("content"):
            content = max((c.get("value", "") for c in e["content"]), key=len)
        out.entries.append(RawEntry(
            feed_id=spec.id, outlet=spec.outlet, guid=e.get("id"), link=e.get("link"),
            title=e.get("title", ""), summary_html=e.get("summary", ""),
            content_html=content, published=_entry_date(e), author=e.get("author"),
            language=spec.language,
        ))
    return out


def _entry_date(entry: feedparser.FeedParserDict) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                return datetime(*value[:6], tzinfo=UTC)
            except (TypeError, ValueError):
                continue
    return None
