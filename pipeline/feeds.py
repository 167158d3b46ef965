"""The feed registry, fetching feeds over HTTP (or from files), decoding and parsing them.

Feeds are fetched as bytes by :mod:`pipeline.fetcher` (bounded, polite, conditional),
decoded here with care for mislabelled Arabic charsets, screened for hostile XML, and only
then handed to feedparser (through :mod:`pipeline.feedparse`) as UTF-8, so that it never
touches the network or the disk itself. A failing feed is recorded with its reason; it
never stops the others.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import re
import xml.sax
import xml.sax.handler
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import charset_normalizer
import feedparser
import yaml
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml import sax as defused_sax

from pipeline import datafile
from pipeline.feedparse import parse_document
from pipeline.fetcher import Fetcher, Limits, Response
from pipeline.netguard import AllowList, trusting
from pipeline.records import FeedSpec, FetchResult, RawEntry
from pipeline.settings import Settings

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


class RegistryError(ValueError):
    """The feed registry file is invalid; the message names the file, entry and field."""


_FIELDS = frozenset(("id", "name", "url", "language", "outlet", "enabled", "full_text"))
# A language code (ar, ar-EG): it is stored on every article, so a list or a sentence is refused.
_LANGUAGE = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$")


def load_registry(path: Path) -> list[FeedSpec]:
    """Read and validate a feed registry (a top-level ``feeds:`` list of at least one feed)."""
    path = Path(path)
    fail = datafile.failing(RegistryError, path)
    doc = datafile.compose(datafile.read_text(path, fail), fail)
    top = datafile.keys(doc, datafile.failing(RegistryError, path, "top level"), merge=True) \
        if isinstance(doc, yaml.MappingNode) else {}
    entries = top.get("feeds")
    if not isinstance(entries, yaml.SequenceNode):
        raise RegistryError(f"{path}: expected a top-level 'feeds:' list")
    _check_top_level(path, doc, entries)
    if not entries.value:
        # The night takes the file as the whole registry and would switch every feed off.
        raise RegistryError(f"{path}:{entries.start_mark.line + 1}: top level: field 'feeds' "
                            "is empty; list at least one feed (enabled: false pauses one)")
    feeds: list[FeedSpec] = []
    seen: set[str] = set()
    for i, node in enumerate(entries.value):
        feeds.append(_entry(path, node, i, seen))
    return feeds


def _check_top_level(path: Path, doc: yaml.MappingNode, entries: yaml.SequenceNode) -> None:
    """Refuse a top-level key other than ``feeds`` unless the feeds use its value by alias
    (``<<: *name``): a mistyped or second list would otherwise be dropped without a word."""
    used: set[int] = set()
    todo: list[yaml.Node] = [entries]
    while todo:  # an alias is the anchored node itself, so identity finds what is used
        node = todo.pop()
        if id(node) in used:
            continue
        used.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            todo.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            todo.extend(n for pair in node.value for n in pair)
    for key_node, value_node in doc.value:
        if key_node.value != "feeds" and id(value_node) not in used:
            raise RegistryError(f"{path}:{key_node.start_mark.line + 1}: top level: unknown "
                                f"field {str(key_node.value)!r} (only 'feeds:', and values "
                                "the feeds take by alias, such as <<: *name)")


def _entry(path: Path, node: yaml.Node, index: int, seen: set[str]) -> FeedSpec:
    """One validated registry entry; ``seen`` holds the ids of the entries before it."""
    where = _where(path, node, index)
    if not isinstance(node, yaml.MappingNode):
        raise RegistryError(f"{where}: expected a mapping")
    feed = f"feed #{index + 1}"
    fields = datafile.keys(node, datafile.failing(RegistryError, path, feed), _FIELDS,
                           merge=True)
    item: dict[str, Any] = {}
    for key, value in fields.items():
        fail = datafile.failing(RegistryError, path, f"{feed}: field {key!r}")
        item[key] = datafile.value(value, fail)

    def at(key: str) -> str:
        return _where(path, fields.get(key, node), index)  # the field's line, if it is there

    for key in ("id", "name", "url", "outlet"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise RegistryError(f"{at(key)}: field '{key}' is required (a non-empty string)")
    if not _ID.match(item["id"]):
        raise RegistryError(f"{at('id')}: field 'id' must be lower-case letters, digits, "
                            f"'-', '_' or '.', got {item['id']!r}")
    if item["id"] in seen:
        raise RegistryError(f"{at('id')}: duplicate id {item['id']!r}")
    seen.add(item["id"])
    url = _resolve_url(item["url"].strip(), path.parent)
    _check_url(url, at("url"))
    language = item.get("language", "ar")
    if not isinstance(language, str) or not _LANGUAGE.match(language):
        hint = " (quote it: YAML reads no, on, off as true/false)" \
            if isinstance(language, bool) else ""
        raise RegistryError(f"{at('language')}: field 'language' must be a language code "
                            f"such as ar or ar-EG, got {language!r}{hint}")
    for key in ("enabled", "full_text"):
        if key in item and not isinstance(item[key], bool):
            raise RegistryError(f"{at(key)}: field '{key}' must be true or false, "
                                f"got {item[key]!r}")
    return FeedSpec(id=item["id"], name=item["name"], url=url, outlet=item["outlet"],
                    language=language, enabled=item.get("enabled", True),
                    full_text=item.get("full_text", False))


def _where(path: Path, node: yaml.Node, index: int) -> str:
    """``file:line: feed #n`` for an error at ``node``."""
    return f"{path}:{node.start_mark.line + 1}: feed #{index + 1}"


def _check_url(url: str, where: str) -> None:
    """A registry URL must be fetchable as written: a mistyped one would pass here and fail
    only at fetch time, with a misleading reason (dns, connect)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError as exc:
        raise RegistryError(f"{where}: field 'url' is not a valid URL ({exc}): {url!r}") from exc
    if parts.scheme not in ("http", "https", "file"):
        raise RegistryError(f"{where}: field 'url' must be http(s):// or file:, got {url!r}")
    if parts.scheme == "file":
        return  # a path on disk; a relative one was resolved by _resolve_url
    if any(ch.isspace() for ch in url):  # urlsplit drops tabs and newlines without a word
        raise RegistryError(f"{where}: field 'url' must not contain spaces, got {url!r}")
    if not parts.hostname:  # https:/host/x and https:///x parse, with no host
        raise RegistryError(f"{where}: field 'url' has no host name (write "
                            f"{parts.scheme}://host/path), got {url!r}")


def _resolve_url(url: str, base: Path) -> str:
    """``file:name.xml`` (no slashes) is relative to the registry file's folder."""
    if url.startswith("file:") and not url.startswith("file://"):
        return (base / url[5:]).resolve().as_uri()
    return url


@dataclass(slots=True)
class FeedFetch(FetchResult):
    """A feed fetch with what health tracking needs beyond the basic result."""

    reason: str | None = None  # short failure code: timeout, http_410, too_large, ...
    permanent_url: str | None = None  # target of an unbroken chain of 301/308 redirects
    retry_after: float | None = None
    waited: float = 0.0


@dataclass(frozen=True, slots=True)
class FeedRequest:
    """What to fetch for one feed: where (after moves) and the validators of the last body."""

    spec: FeedSpec
    url: str
    etag: str | None = None
    last_modified: str | None = None


def _now() -> datetime:
    return datetime.now(UTC)


def read_file_feed(spec: FeedSpec, url: str | None = None,
                   max_bytes: int | None = None) -> FeedFetch:
    """Read a ``file://`` feed (offline replay).

    A file over ``max_bytes`` is refused as ``too_large``, as an HTTP body would be: by its
    size when the file system knows it, else (a pipe, a device) after reading one byte more
    than the limit, never the whole file.
    """
    started = _now()
    url = url or spec.url
    path = Path(unquote(urlsplit(url).path))

    def failed(error: str, reason: str) -> FeedFetch:
        return FeedFetch(spec.id, url, "failed", error=error, started_at=started,
                         finished_at=_now(), reason=reason)

    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if max_bytes is not None and size > max_bytes:
                return failed(f"{path} is {size} bytes, over {max_bytes}", reason="too_large")
            body = fh.read() if max_bytes is None else fh.read(max_bytes + 1)
    except OSError as exc:
        return failed(f"cannot read {path}: {exc}", reason="file")
    if max_bytes is not None and len(body) > max_bytes:
        return failed(f"{path} is larger than {max_bytes} bytes", reason="too_large")
    return FeedFetch(spec.id, url, "ok", body=body, started_at=started, finished_at=_now(),
                     final_url=url)


def feed_limits(settings: Settings) -> Limits:
    """Fetch limits for feeds, from the settings."""
    return Limits(connect_timeout=settings.http_connect_timeout,
                  read_timeout=settings.http_timeout, total_timeout=settings.http_total_timeout,
                  max_bytes=settings.max_feed_bytes, max_redirects=settings.max_redirects,
                  concurrency=settings.fetch_concurrency,
                  per_host=settings.per_host_concurrency,
                  max_retry_after=settings.max_retry_after)


def _to_feed_fetch(feed_id: str, resp: Response) -> FeedFetch:
    if resp.error is None and resp.status == 304:
        status = "not_modified"
    elif resp.error is None and not resp.body.strip():
        status, resp.reason, resp.error = "failed", "empty", f"HTTP {resp.status} with no body"
    else:
        status = "ok" if resp.error is None else "failed"
    return FeedFetch(feed_id, resp.url, status, resp.status, body=resp.body,
                     headers=resp.headers, final_url=resp.final_url, error=resp.error,
                     started_at=resp.started_at, finished_at=resp.finished_at,
                     reason=resp.reason, permanent_url=resp.permanent_url,
                     retry_after=resp.retry_after, waited=resp.waited)


async def fetch_round(requests: Sequence[FeedRequest], settings: Settings) -> list[FeedFetch]:
    """Fetch every feed concurrently (conditional GET where validators are known).

    A feed's registered URL is trusted (the operator chose it), for that feed's requests
    only and for its origin only (scheme, host and port). Everything else goes through the
    SSRF guard: a redirect elsewhere, another feed's origin, and the URL learned from a
    permanent redirect (``req.url``), since whoever runs that host chose it, not the operator.
    """
    allow = AllowList.parse(settings.allow_private_hosts)
    async with Fetcher(feed_limits(settings), settings.user_agent, allow) as fetcher:

        async def one(req: FeedRequest) -> FeedFetch:
            if req.url.startswith("file:"):
                return read_file_feed(req.spec, req.url, settings.max_feed_bytes)
            headers = {"Accept": "application/rss+xml, application/atom+xml, "
                                 "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"}
            if req.etag:
                headers["If-None-Match"] = req.etag
            if req.last_modified:
                headers["If-Modified-Since"] = req.last_modified
            with trusting(req.spec.url):  # each feed runs as its own task: trust stays in it
                resp = await fetcher.get(req.url, headers)
            return _to_feed_fetch(req.spec.id, resp)

        return list(await asyncio.gather(*(one(r) for r in requests)))


def fetch_feeds(specs: Sequence[FeedSpec], settings: Settings,
                validators: Mapping[str, Mapping[str, str]] | None = None) -> list[FeedFetch]:
    """Fetch every feed concurrently; each result says ok, not_modified, or why it failed.

    ``validators`` maps a feed id to the ``etag`` / ``last-modified`` headers of its last
    answer, for a conditional GET.
    """
    validators = validators or {}
    requests = [FeedRequest(s, s.url, validators.get(s.id, {}).get("etag"),
                            validators.get(s.id, {}).get("last-modified")) for s in specs]
    return asyncio.run(fetch_round(requests, settings))


# --- decoding ---------------------------------------------------------------------------

_XML_DECL = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)[\"']")
_XML_DECL_ENC = re.compile(r"^(\s*<\?xml[^>]*?encoding\s*=\s*)([\"'])[A-Za-z0-9._:-]+\2")
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


class DecodeError(ValueError):
    """The body cannot be read as text without too many replacement characters."""


@dataclass(slots=True)
class Decoded:
    """Feed text and how its encoding was chosen."""

    text: str
    encoding: str
    source: str  # bom | http | xml | utf-8 | arabic | detected | fallback
    replacement_ratio: float = 0.0
    declared_mismatch: bool = False
    repaired: int = 0  # runs of double-encoded UTF-8 undone


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None


def http_charset(content_type: str) -> str | None:
    """The ``charset`` parameter of a Content-Type header."""
    m = re.search(r"charset\s*=\s*[\"']?([^\"';\s]+)", content_type or "", re.I)
    return m.group(1) if m else None


def replacement_ratio(text: str) -> float:
    """Share of U+FFFD among the non-ASCII characters (markup is ASCII, so it is excluded)."""
    bad = text.count("\ufffd")
    if not bad:
        return 0.0  # the common case, decided in C
    wide = len(text) - len(text.encode("ascii", "ignore"))
    return bad / wide


def decode_body(body: bytes, content_type: str = "", max_ratio: float = 0.02) -> Decoded:
    """Decode a feed: BOM, then the HTTP charset, then the XML declaration, then detection.

    A declared charset is used only when the body decodes under it cleanly. Single-byte
    Arabic charsets (windows-1256, ISO-8859-6) accept any bytes, so a body that is valid
    UTF-8 is read as UTF-8 whatever it declares: real windows-1256 Arabic is practically
    never valid UTF-8, while servers that label UTF-8 as windows-1256 are common.

    Latin charsets (ISO-8859-1, windows-1252, ...) accept any bytes too, and are a common
    server default. One is set aside when the other declaration names an Arabic charset the
    body decodes under, or when its text looks like mis-decoded Arabic
    (:func:`looks_misdecoded_arabic`); the body is then read as that declaration says, else
    as windows-1256 if that gives Arabic, else as detected.
    """
    for bom, name in _BOMS:
        if body.startswith(bom):
            return _checked(body.decode(name, errors="replace"), name, "bom", max_ratio)
    http = _codec(http_charset(content_type))
    m = _XML_DECL.match(body[:512])
    xml = _codec(m.group(1).decode("ascii")) if m else None
    declared = [(c, src) for c, src in ((http, "http"), (xml, "xml")) if c]
    if b"\x00" not in body:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            source = declared[0][1] if declared and declared[0][0] == "utf-8" else "utf-8"
            mismatch = bool(declared) and declared[0][0] not in ("utf-8", "ascii") \
                and not body.isascii()
            out = _checked(text, "utf-8", source, max_ratio)
            out.declared_mismatch = mismatch
            return out
    set_aside = False  # a declared Latin charset was not believed
    for name, source in declared:
        if name == "utf-8":
            continue
        try:
            text = body.decode(name)
        except UnicodeDecodeError:
            continue
        if name in _LATIN and (_arabic_declared(body, xml, source)
                               or looks_misdecoded_arabic(text)):
            set_aside = True
            continue
        out = _checked(text, name, source, max_ratio)
        out.declared_mismatch = set_aside
        return out
    if set_aside and (arabic := _as_windows_1256(body)) is not None:
        out = _checked(arabic, "cp1256", "arabic", max_ratio)
        out.declared_mismatch = True
        return out
    best = charset_normalizer.from_bytes(body[:262_144]).best()
    detected = _codec(best.encoding) if best is not None else None
    if detected:
        try:
            text = body.decode(detected)
        except UnicodeDecodeError:
            pass
        else:
            source = "detected"
            if detected in _LATIN and looks_misdecoded_arabic(text) \
                    and (arabic := _as_windows_1256(body)) is not None:
                text, detected, source = arabic, "cp1256", "arabic"
            elif detected not in _ARABIC_CHARSETS and not _ARABIC.search(text[:262_144]) \
                    and (arabic := _only_arabic_as_windows_1256(body)) is not None:
                # A short feed gives the detector too little to go on: it calls windows-1256
                # Arabic mac-latin2, cp1255 or gb18030 as readily as windows-1256.
                text, detected, source = arabic, "cp1256", "arabic"
            out = _checked(text, detected, source, max_ratio)
            out.declared_mismatch = bool(declared)
            return out
    name = (declared[0][0] if declared else None) or detected or "utf-8"
    out = _checked(body.decode(name, errors="replace"), name, "fallback", max_ratio)
    out.declared_mismatch = bool(declared)
    return out


# Latin single-byte charsets: they decode any bytes, so windows-1256 Arabic served under one
# (a common server default) comes out as "ÇáæÒíÑ" without an error.
_LATIN = frozenset({"iso8859-1", "cp1252", "iso8859-15", "iso8859-9", "cp1254"})
# Single-byte Arabic charsets (Unicode ones are settled earlier, by BOM or UTF-8 validity).
_ARABIC_CHARSETS = frozenset({"cp1256", "iso8859-6", "cp720", "cp864", "mac-arabic"})
_MARKUP = re.compile(r"<[!?/]?[A-Za-z][^<>]*>")
_LATIN_LETTER = re.compile("[\u00c0-\u00ff\u011e\u011f\u0130\u0131\u015e\u015f]")


def looks_misdecoded_arabic(text: str, min_share: float = 0.4, min_count: int = 8) -> bool:
    """True when text has no Arabic but mostly accented Latin letters ("ÇáæÒíÑ íÈÍË").

    That is windows-1256 Arabic read as a Latin charset: 72-97 % of the letters outside tags
    in the sample feeds, against about a fifth in accent-heavy French or Icelandic prose.
    """
    sample = _MARKUP.sub(" ", text[:262_144])
    if _ARABIC.search(sample):
        return False
    accented = len(_LATIN_LETTER.findall(sample))
    if accented < min_count:
        return False
    return accented >= min_share * sum(c.isalpha() for c in sample)


def _arabic_declared(body: bytes, xml: str | None, source: str) -> bool:
    """True when a Latin HTTP charset is contradicted by an Arabic XML declaration that fits."""
    if source != "http" or xml is None or xml not in _ARABIC_CHARSETS:
        return False
    try:
        body.decode(xml)
    except UnicodeDecodeError:
        return False  # the declaration is wrong too; let the text decide
    return True


def _as_windows_1256(body: bytes) -> str | None:
    """The body read as windows-1256 if that gives Arabic letters, else None."""
    text = body.decode("cp1256")  # every byte is defined
    return text if _ARABIC.search(text[:262_144]) else None


def _only_arabic_as_windows_1256(body: bytes, min_share: float = 0.9,
                                 min_count: int = 4) -> str | None:
    """The body read as windows-1256 when its non-ASCII letters outside the tags then are
    Arabic (at least ``min_share`` of them), else None.

    Windows-1256 Arabic gives only Arabic letters; Cyrillic, Greek or Hebrew single-byte
    text read so gives half its letters as accented Latin ones (à é ç ô), and French or
    Turkish text keeps its accented letters, so neither passes.
    """
    text = body.decode("cp1256")  # every byte is defined
    letters = [c for c in _MARKUP.sub(" ", text[:262_144]) if c.isalpha() and not c.isascii()]
    arabic = sum(1 for c in letters if _ARABIC.match(c))
    return text if arabic >= min_count and arabic >= min_share * len(letters) else None


def _checked(text: str, encoding: str, source: str, max_ratio: float) -> Decoded:
    ratio = replacement_ratio(text)
    if ratio > max_ratio:
        raise DecodeError(f"encoding error: {ratio:.1%} of the non-ASCII characters are "
                          f"replacement characters when read as {encoding} ({source})")
    text, repaired = repair_double_utf8(text)
    return Decoded(text, encoding, source, ratio, repaired=repaired)


# Characters that UTF-8 bytes turn into when wrongly read as windows-1252 or Latin-1.
_MOJIBAKE_RUN = re.compile("[\u0080-\u00ff\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
                           "\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022"
                           "\u2026\u2030\u2039\u203a\u20ac\u2122]{2,}")
_ARABIC = re.compile("[\u0600-\u06ff]")


def _mojibake_bytes() -> dict[int, int]:
    """Each character of a mojibake run mapped to the byte it was read from.

    windows-1252 where it defines the byte; for U+0080-U+00FF the code point itself, which
    covers Latin-1 and the five bytes windows-1252 leaves undefined (0x81 0x8D 0x8F 0x90 0x9D,
    kept as C1 controls by MySQL's "latin1", the usual source): ف is D9 81, so "في" comes
    out as windows-1252 and Latin-1 characters in one run, which neither codec encodes whole.
    """
    table: dict[int, int] = {}
    for byte in range(0x80, 0x100):
        with contextlib.suppress(UnicodeDecodeError):  # one of the five undefined bytes
            table[ord(bytes([byte]).decode("cp1252"))] = byte
    for code in range(0x80, 0x100):
        table.setdefault(code, code)
    return table


_MOJIBAKE_BYTES = str.maketrans({code: chr(byte) for code, byte in _mojibake_bytes().items()})


def repair_double_utf8(text: str) -> tuple[str, int]:
    """Undo Arabic UTF-8 that was read as windows-1252/Latin-1 upstream ("Ø§Ù„" for "ال").

    Only runs that decode as valid UTF-8 *into Arabic* are replaced, so accented Latin text
    stays as it is. Returns the text and the number of runs repaired.
    """
    if "Ø" not in text and "Ù" not in text:
        return text, 0
    count = 0

    def fix(m: re.Match[str]) -> str:
        nonlocal count
        run = m.group(0)
        try:
            fixed = run.translate(_MOJIBAKE_BYTES).encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return run
        if not _ARABIC.search(fixed):
            return run
        count += 1
        return fixed

    return _MOJIBAKE_RUN.sub(fix, text), count


# A numeric character reference that may be beyond what Python can encode: a surrogate
# (U+D800-U+DFFF) or a code point over U+10FFFF. Leading zeros are skipped, so the digits
# say the size: smaller references and the common Arabic ones (&#1575;) never match.
_BIG_CHAR_REF = re.compile(r"&#(?:[xX]0*([1-9A-Fa-f][0-9A-Fa-f]{3,})|0*([1-9][0-9]{4,}));")


def _char_ref_value(m: re.Match[str]) -> int:
    """The code point a reference names; any over 8 digits is out of range, unconverted."""
    digits = m.group(1) or m.group(2)
    if len(digits) > 8:
        return 0x110000
    return int(digits, 16) if m.group(1) else int(digits)


def repair_char_refs(text: str) -> str:
    """Join a surrogate pair of references (``&#55357;&#56832;``, how many CMSs write an
    emoji) into one for the real character, and make a lone surrogate or a reference over
    U+10FFFF ``&#xFFFD;``.

    Expat refuses these, and feedparser's loose parser then raises on them
    (UnicodeEncodeError, ValueError, OverflowError): one such reference would fail the
    whole feed.
    """
    if "&#" not in text:
        return text
    parts: list[str] = []
    done = 0  # text[:done] is in parts
    for m in _BIG_CHAR_REF.finditer(text):
        if m.start() < done:
            continue  # the low half of a pair joined already
        value, end = _char_ref_value(m), m.end()
        if value <= 0x10FFFF and not 0xD800 <= value <= 0xDFFF:
            continue
        replacement = "&#xFFFD;"
        low = _BIG_CHAR_REF.match(text, end) if value <= 0xDBFF else None
        if low is not None and 0xDC00 <= (low_value := _char_ref_value(low)) <= 0xDFFF:
            replacement = f"&#x{0x10000 + ((value - 0xD800) << 10) + low_value - 0xDC00:X};"
            end = low.end()
        parts += (text[done:m.start()], replacement)
        done = end
    if not parts:
        return text
    parts.append(text[done:])
    return "".join(parts)


def _declared_utf8(text: str) -> str:
    """``text`` without a BOM, its XML declaration (if any) saying UTF-8."""
    return _XML_DECL_ENC.sub(r"\1\2utf-8\2", text.lstrip("\ufeff"), count=1)


# --- hostile XML ------------------------------------------------------------------------

class HostileXML(ValueError):
    """The document declares entities; expanding them could exhaust memory."""


def check_hostile_xml(data: bytes) -> None:
    """Refuse documents that declare entities (billion laughs, quadratic blow-up, XXE).

    feedparser drops nested and external entity declarations itself, but keeps "simple"
    ones and, when expat stops at its amplification limit, re-parses loosely and expands
    them anyway: a 1 MB feed with one large entity used 3,000 times took 83 s and 8.7 GB.
    Real feeds do not declare entities, so any declaration refuses the feed. defusedxml
    confirms the declaration is real (not text inside a comment or CDATA section).
    """
    if b"<!ENTITY" not in data:
        return
    try:
        defused_sax.parseString(data, xml.sax.handler.ContentHandler(), forbid_dtd=False,
                                forbid_entities=True, forbid_external=True)
    except (EntitiesForbidden, ExternalReferenceForbidden, DTDForbidden) as exc:
        raise HostileXML(f"hostile XML refused: {type(exc).__name__} ({exc})") from exc
    except xml.sax.SAXException as exc:
        # Malformed before we could tell: refuse rather than let a loose parser expand it.
        raise HostileXML(f"hostile XML refused: entity declaration in a malformed "
                         f"document ({exc})") from exc


# --- parsing ----------------------------------------------------------------------------

@dataclass
class ParsedFeed:
    """Entries parsed from one feed, with feedparser's complaint if it had one."""

    entries: list[RawEntry] = field(default_factory=list)
    bozo: str | None = None
    title: str | None = None
    encoding: str | None = None
    encoding_source: str | None = None
    error: str | None = None  # why the feed yielded nothing usable
    reason: str | None = None  # short code of that: encoding, hostile_xml, parse, not_a_feed
    problems: Counter[str] = field(default_factory=Counter)


def parse_feed(spec: FeedSpec, result: FetchResult, max_ratio: float = 0.02) -> ParsedFeed:
    """Decode, screen and parse fetched bytes; never raises for a bad feed."""
    out = ParsedFeed()
    try:
        decoded = decode_body(result.body, result.headers.get("content-type", ""), max_ratio)
    except DecodeError as exc:
        out.error, out.reason = str(exc), "encoding"
        return out
    out.encoding, out.encoding_source = decoded.encoding, decoded.source
    if decoded.declared_mismatch:
        out.problems["charset_mismatch"] += 1
    if decoded.replacement_ratio:
        out.problems["replacement_chars"] += 1
    if decoded.repaired:
        out.problems["mojibake_repaired"] += 1
    text = _declared_utf8(repair_char_refs(decoded.text))
    data = text.encode("utf-8")
    try:
        check_hostile_xml(data)
    except HostileXML as exc:
        out.error, out.reason = str(exc), "hostile_xml"
        return out
    parsed, bodies = parse_document(text, data)
    out.title = parsed.feed.get("title")
    if parsed.bozo:
        out.bozo = f"{type(parsed.bozo_exception).__name__}: {parsed.bozo_exception}"
    get = bodies.get
    for e in parsed.entries:
        content = None
        if e.get("content"):
            values = [c.get("value", "") for c in e["content"]]
            content = max((get(v, v) for v in values), key=len)
        summary = e.get("summary", "")
        out.entries.append(RawEntry(
            feed_id=spec.id, outlet=spec.outlet, guid=e.get("id"), link=e.get("link"),
            title=e.get("title", ""), summary_html=get(summary, summary),
            content_html=content, published=_entry_date(e), author=e.get("author"),
            language=spec.language,
        ))
    if not out.entries:
        # No version: feedparser found no RSS or Atom root, as for the HTML page or JSON a
        # server sends where a dead feed was (bozo too, being rarely well-formed XML). A
        # broken document it recognised as a feed keeps its version.
        if not parsed.get("version"):
            out.error, out.reason = "not a feed: no RSS or Atom document found", "not_a_feed"
        elif out.bozo:
            out.error, out.reason = f"parse error: {out.bozo}", "parse"
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
