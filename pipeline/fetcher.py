"""Polite, bounded HTTP GETs shared by feed and article-page fetching.

Every request has connect/read/total timeouts, follows at most a few redirects (and names
loops), stops reading past a size limit counted on *decompressed* bytes (so a gzip bomb is
cut off after the limit, not after it has filled memory), respects a global and a per-host
concurrency limit and an optional pause between requests to one host, honours a short
``Retry-After`` once, and connects only through the SSRF guard.
"""

from __future__ import annotations

import asyncio
import email.utils
import errno
import logging
import os
import time
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import httpx

from pipeline.netguard import AllowList, GuardedTransport, RefusedAddress

log = logging.getLogger(__name__)

REDIRECTS = (301, 302, 303, 307, 308)
PERMANENT = (301, 308)


class TooLarge(Exception):
    """The body (after decompression) is larger than the limit."""


class BadEncoding(Exception):
    """The body's Content-Encoding is not one we asked for or can decode."""


@dataclass
class Limits:
    """What one :class:`Fetcher` may do; feeds and article pages each get their own."""

    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    total_timeout: float = 60.0
    max_bytes: int = 15 * 1024 * 1024
    max_redirects: int = 5
    concurrency: int = 32
    per_host: int = 4
    host_interval: float = 0.0  # seconds between two requests to the same host
    max_retry_after: float = 30.0  # longest Retry-After we wait for (once) before giving up


@dataclass
class Response:
    """A finished GET: a body, or the reason there is none."""

    url: str
    final_url: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None
    reason: str | None = None  # short code: timeout, too_large, http_404, refused_address, ...
    permanent_url: str | None = None  # where an unbroken chain of 301/308 led
    retry_after: float | None = None
    waited: float = 0.0
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class _Decoder:
    """Undo gzip/deflate with a hard cap on output, chunk by chunk."""

    def __init__(self, encoding: str, limit: int) -> None:
        codings = [c.strip().lower() for c in encoding.split(",") if c.strip()]
        codings = [c for c in codings if c != "identity"]
        if len(codings) > 1 or (codings and codings[0] not in ("gzip", "x-gzip", "deflate")):
            raise BadEncoding(f"unsupported Content-Encoding {encoding!r}")
        self.kind = codings[0] if codings else None
        self.limit = limit
        self.size = 0
        self.raw = 0
        self._z = self._new()

    def _new(self) -> zlib._Decompress | None:
        if self.kind in ("gzip", "x-gzip"):
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        if self.kind == "deflate":
            return zlib.decompressobj(zlib.MAX_WBITS)
        return None

    def feed(self, chunk: bytes) -> bytes:
        self.raw += len(chunk)
        if self.raw > self.limit:  # endless compressed padding that expands to nothing
            raise TooLarge(f"more than {self.limit} bytes on the wire")
        if self._z is None:
            return self._count(chunk)
        out: list[bytes] = []
        data = chunk
        while data:
            out.append(self._count(self._inflate(data, first=self.size == 0 and not out)))
            data = self._z.unconsumed_tail
            if self._z.eof and self._z.unused_data:  # concatenated gzip members
                data = self._z.unused_data
                self._z = self._new()
        return b"".join(out)

    def _inflate(self, data: bytes, first: bool) -> bytes:
        """Decompress one piece; a stream that zlib rejects is a bad encoding."""
        assert self._z is not None
        try:
            return self._z.decompress(data, self.limit - self.size + 1)
        except zlib.error as exc:
            if not (self.kind == "deflate" and first):
                raise BadEncoding(f"corrupt {self.kind} body: {exc}") from exc
        # Some servers send raw deflate without the zlib header. If that fails too (garbage,
        # or gzip labelled deflate) the body is corrupt, not a client error.
        self._z = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            return self._z.decompress(data, self.limit - self.size + 1)
        except zlib.error as exc:
            raise BadEncoding(f"corrupt {self.kind} body (zlib or raw): {exc}") from exc

    def finish(self) -> None:
        """Check the body held the whole compressed stream.

        A close-delimited body (no Content-Length) cut short looks complete to HTTP; only
        the stream's own end marker tells, and half a feed must not pass as the whole one.
        An empty body is left alone: there is no stream to be cut.
        """
        if self._z is not None and self.raw and not self._z.eof:
            raise BadEncoding(f"truncated {self.kind} body: the compressed stream ends early "
                              f"(after {self.raw} bytes)")

    def _count(self, piece: bytes) -> bytes:
        self.size += len(piece)
        if self.size > self.limit:
            raise TooLarge(f"body larger than {self.limit} bytes")
        return piece


def _failure(exc: BaseException, limits: Limits | None = None) -> tuple[str, str]:
    """(reason code, message) for an exception raised while fetching."""
    text = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
    if isinstance(exc, RefusedAddress):
        return "refused_address", str(exc)
    if isinstance(exc, TooLarge):
        return "too_large", str(exc)
    if isinstance(exc, BadEncoding):
        return "bad_content_encoding", str(exc)
    if isinstance(exc, (httpx.TimeoutException, TimeoutError)):
        # httpx's own timeouts carry no message: say which wait ran out, and how long it was.
        limits = limits or Limits()
        if isinstance(exc, httpx.ConnectTimeout) and not str(exc):
            return "timeout", (f"timeout: no connection within {limits.connect_timeout:g}s "
                               f"({type(exc).__name__})")
        if isinstance(exc, httpx.ReadTimeout) and not str(exc):
            return "timeout", (f"timeout: no data for {limits.read_timeout:g}s "
                               f"({type(exc).__name__})")
        return "timeout", f"timeout: {text}"
    if isinstance(exc, httpx.ConnectError):
        low = text.lower()
        if "resolve" in low or "name or service" in low or "getaddrinfo" in low:
            return "dns", text
        if "ssl" in low or "certificate" in low:
            return "tls", text
        return "connect", _connect_error(exc)
    if isinstance(exc, (httpx.ReadError, httpx.RemoteProtocolError, httpx.WriteError)):
        return "reset", f"connection broken: {text}"
    return "http_client", text


_ERRNO_WORDS = {errno.ECONNREFUSED: "refused", errno.EHOSTUNREACH: "host unreachable",
                errno.ENETUNREACH: "network unreachable", errno.ETIMEDOUT: "timed out",
                errno.ECONNRESET: "reset", errno.EADDRNOTAVAIL: "address not available"}


def _connect_error(exc: httpx.ConnectError) -> str:
    """``connect: host:port refused (ConnectError)``: which server could not be reached and
    why, instead of httpx's bare "All connection attempts failed"."""
    try:
        url = exc.request.url
    except RuntimeError:  # raised outside a client request: no URL to name
        return f"{type(exc).__name__}: {exc}"
    host = f"[{url.host}]" if ":" in url.host else url.host
    port = url.port or {"http": 80, "https": 443}.get(url.scheme, "")
    whys: list[str] = []
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:  # the errno sits a few causes down, or in a group (one per address)
        cause = todo.pop()
        if cause is None or id(cause) in seen:
            continue
        seen.add(id(cause))
        if isinstance(cause, BaseExceptionGroup):
            todo.extend(cause.exceptions)
        elif isinstance(cause, OSError) and cause.errno is not None:
            why = _ERRNO_WORDS.get(cause.errno) or os.strerror(cause.errno).lower()
            if why not in whys:
                whys.append(why)
        todo.append(cause.__cause__ or cause.__context__)
    return f"connect: {host}:{port} {', '.join(whys) or str(exc)} ({type(exc).__name__})"


class Fetcher:
    """One async HTTP client with its limits; use ``async with Fetcher(...) as f``."""

    def __init__(self, limits: Limits, user_agent: str, allow: AllowList) -> None:
        self.limits = limits
        self.user_agent = user_agent
        self.allow = allow
        self._global = asyncio.Semaphore(limits.concurrency)
        self._hosts: dict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(limits.per_host))
        self._last_at: dict[str, float] = {}
        self._client: httpx.AsyncClient | None = None

    async def __aenter__(self) -> Fetcher:
        lim = self.limits
        self._client = httpx.AsyncClient(
            transport=GuardedTransport(self.allow, max_connections=lim.concurrency),
            timeout=httpx.Timeout(lim.read_timeout, connect=lim.connect_timeout),
            headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"},
            follow_redirects=False, trust_env=False)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._client is not None:
            await self._client.aclose()

    async def get(self, url: str, headers: dict[str, str] | None = None) -> Response:
        """GET ``url`` within every limit; never raises for network trouble."""
        # Politeness is per server: host and port (a port is a separate server process).
        host = urlsplit(url).netloc.lower()
        out = Response(url=url, final_url=url)
        asked: float | None = None
        # The server's slot first: requests queued behind a busy server must not sit on
        # global slots that requests to other servers could use.
        async with self._hosts[host], self._global:
            for attempt in (1, 2):
                await self._pause(host)
                out = await self._attempt(url, headers or {}, out.waited)
                if out.retry_after is None:
                    out.retry_after = asked  # keep what the first answer asked for
                wait = asked = out.retry_after
                if attempt == 2 or out.status not in (429, 503) or wait is None:
                    break
                if wait > self.limits.max_retry_after:
                    log.info("%s asks to retry after %.0fs; not waiting", url, wait)
                    break
                log.info("%s answered %s; retrying after %.1fs", url, out.status, wait)
                await asyncio.sleep(wait)
                out.waited += wait
        out.finished_at = datetime.now(UTC)
        return out

    async def _pause(self, host: str) -> None:
        """Wait until this request's turn at ``host`` (``host_interval`` after the last)."""
        if self.limits.host_interval <= 0:
            return
        delay = self._reserve(host, time.monotonic())
        if delay > 0:
            await asyncio.sleep(delay)

    def _reserve(self, host: str, now: float) -> float:
        """Book the next start time at ``host`` and return the seconds until it.

        Booked before sleeping, so requests that wait at the same time line up one interval
        apart instead of all reading the same last start and firing together.
        """
        last = self._last_at.get(host)
        start = now if last is None else max(now, last + self.limits.host_interval)
        self._last_at[host] = start
        return start - now

    async def _attempt(self, url: str, headers: dict[str, str], waited: float) -> Response:
        out = Response(url=url, final_url=url, waited=waited)
        try:
            async with asyncio.timeout(self.limits.total_timeout):
                await self._follow(out, headers)
        except TimeoutError:
            out.reason, out.error = "timeout", (
                f"timeout: no complete answer within {self.limits.total_timeout:g}s")
        except Exception as exc:  # noqa: BLE001 - every network failure becomes a reason
            out.reason, out.error = _failure(exc, self.limits)
        if out.error is None and out.status is not None and out.status >= 400:
            out.reason, out.error = f"http_{out.status}", f"HTTP {out.status}"
        return out

    async def _follow(self, out: Response, headers: dict[str, str]) -> None:
        assert self._client is not None
        current, seen, permanent = out.url, [out.url], True
        for _hop in range(self.limits.max_redirects + 1):
            request = self._client.build_request("GET", current, headers=headers)
            resp = await self._client.send(request, stream=True)
            try:
                out.status, out.final_url = resp.status_code, current
                out.headers = {k.lower(): v for k, v in resp.headers.items()}
                if resp.status_code in REDIRECTS and "location" in resp.headers:
                    target = urljoin(current, resp.headers["location"].strip())
                    if urlsplit(target).scheme not in ("http", "https"):
                        out.reason, out.error = "bad_redirect", f"redirect to {target!r}"
                        return
                    permanent = permanent and resp.status_code in PERMANENT
                    if permanent:
                        out.permanent_url = target
                    if target in seen:
                        out.reason = "redirect_loop"
                        out.error = "redirect loop: " + " -> ".join([*seen, target])
                        return
                    seen.append(target)
                    current = target
                    continue
                out.retry_after = parse_retry_after(resp.headers.get("retry-after"))
                if resp.status_code >= 300:
                    return  # 304 and errors: the body is not needed
                out.body = await self._read(resp)
                return
            finally:
                await resp.aclose()
        out.reason = "too_many_redirects"
        out.error = f"more than {self.limits.max_redirects} redirects: " + " -> ".join(seen)

    async def _read(self, resp: httpx.Response) -> bytes:
        declared = resp.headers.get("content-length", "")
        encoding = resp.headers.get("content-encoding", "")
        if declared.isdigit() and not encoding and int(declared) > self.limits.max_bytes:
            raise TooLarge(f"Content-Length {declared} is over {self.limits.max_bytes} bytes")
        decoder = _Decoder(encoding, self.limits.max_bytes)
        parts = [decoder.feed(chunk) async for chunk in resp.aiter_raw()]
        decoder.finish()
        return b"".join(parts)
