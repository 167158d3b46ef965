"""feedparser's reading of a feed document, made cheaper without changing what it gives.

feedparser rescans every element's text in Python several times, which for item bodies of
several kB is most of a feed's parse time. Two shortcuts, each giving exactly feedparser's
fields: long item bodies go to it as short stand-ins and are put back afterwards, and a
document of the plainest RSS 2.0 shape is read with ElementTree, applying feedparser's own
text steps, URI join and date parser. Anything unusual goes to feedparser as it is. Tests
compare both paths with feedparser itself (``tests/test_feeds.py``).
"""

from __future__ import annotations

import io
import re
import secrets
from typing import Any
from xml.etree import ElementTree

import feedparser
from feedparser.datetimes import _parse_date
from feedparser.html import _cp1252 as _CP1252


def _feedparser(data: bytes) -> feedparser.FeedParserDict:
    # A file object, never bytes or str: feedparser treats those as a path or URL to open.
    return feedparser.parse(io.BytesIO(data),
                            response_headers={"content-type": "application/xml; charset=utf-8"},
                            sanitize_html=False, resolve_relative_uris=False)


# --- stand-ins for item bodies ----------------------------------------------------------
#
# feedparser copies and rescans every element's text in Python several times (joins,
# strips, a windows-1252 ``str.translate`` character by character): for an item body of
# several kB that is most of its cost, and all of it is repeated for nothing, since the
# body is kept as it is. So the text of each ``<content:encoded>`` and ``<description>``
# that holds only a CDATA section or plain escaped text is handed to feedparser as a short
# stand-in, and the text feedparser would have produced from it (see :func:`_as_feedparser`)
# is put back afterwards. Anything unusual (an invalid character, an entity or character
# reference, a stand-in that ends up anywhere but alone in a field, a feed feedparser finds
# fault with) takes the plain path, so the entries are exactly those of a plain parse.

# Where the scan stops: a comment, a processing instruction or a CDATA section (each skipped
# whole, so that text inside one is never taken for an element), or a body element.
_MARK = re.compile(r"<(?:!--|\?|!\[CDATA\[|(content:encoded|description)>)")
_XML_SPACE = re.compile(r"[ \t\r\n]*")
# Characters XML does not allow (the document would not parse), and the C1 range that
# feedparser maps to windows-1252 punctuation: a body holding one is looked at closer.
_UNUSUAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x80-\x9f\ud800-\udfff\ufffe\uffff]")
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_C1 = re.compile("[\x80-\x9f]")
# In escaped text, only the five predefined entities are undone here.
_OTHER_REF = re.compile(r"&(?!(?:amp|lt|gt|quot|apos);)")
_MIN_BODY = 40  # shorter texts cost feedparser little; they are left as they are


def _as_feedparser(text: str, c1: bool) -> str:
    """The value feedparser's strict parser gives an item body whose parsed text is ``text``.

    Its steps for such an element: strip; re-read text that is UTF-8 read as Latin-1; map
    the C1 controls to windows-1252 characters (``c1``: ``text`` may hold one).
    """
    return _reread(text.strip(), c1)


def _reread(text: str, c1: bool = True) -> str:
    """feedparser's last steps for any element's text: re-read UTF-8 read as Latin-1, map
    the C1 controls to windows-1252 characters (``c1``: ``text`` may hold one)."""
    if text.isascii():
        return text  # both steps leave ASCII as it is
    try:
        text = text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    else:
        c1 = True  # re-read: look again
    if c1 and _C1.search(text):
        text = text.translate(_CP1252)
    return text


def _body_text(raw: str, escaped: bool) -> str | None:
    """The text an XML parser reads from ``raw`` (a CDATA section's content, or escaped
    text), or None when that is not plain to tell or not worth a stand-in."""
    if len(raw) < _MIN_BODY or "]]>" in raw:
        return None
    unusual = _UNUSUAL.search(raw) is not None
    if unusual and _NOT_XML.search(raw):
        return None
    if escaped and "&" in raw and _OTHER_REF.search(raw):
        return None
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if escaped and "&" in raw:
        raw = (raw.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
               .replace("&apos;", "'").replace("&amp;", "&"))
    if not raw.strip():
        return None
    return _as_feedparser(raw, unusual)


def _stand_in_bodies(text: str) -> tuple[str, dict[str, str], str]:
    """``text`` with long item bodies replaced by stand-ins, each stand-in's value, and the
    prefix every stand-in starts with.

    A body is the whole content of a ``<content:encoded>`` or ``<description>`` element
    (no attributes): one CDATA section between XML spaces, or text without markup.
    """
    prefix = f"akhbarbody{secrets.token_hex(8)}n"
    if "<!DOCTYPE" in text or "<!doctype" in text or prefix in text:
        return text, {}, prefix
    bodies: dict[str, str] = {}
    parts: list[str] = []
    done = pos = 0  # text[:done] is in parts; the scan goes on from pos
    search, space = _MARK.search, _XML_SPACE.match
    while (m := search(text, pos)) is not None:
        tag = m.group(1)
        if tag is None:  # skip a comment, instruction or CDATA section whole
            lead = text[m.start() + 1:m.start() + 3]
            end = "?>" if lead[0] == "?" else "-->" if lead == "!-" else "]]>"
            found = text.find(end, m.end())
            if found < 0:
                break
            pos = found + len(end)
            continue
        first = space(text, m.end()).end()
        if text.startswith("<![CDATA[", first):
            found = text.find("]]>", first + 9)
            if found < 0:
                break
            start, stop = first + 9, found
            pos = close = space(text, found + 3).end()
            escaped = False
        else:
            start = m.end()
            stop = close = text.find("<", start)
            if stop < 0:
                break
            pos = stop
            escaped = True
        end_tag = f"</{tag}>"
        if not text.startswith(end_tag, close):
            continue
        body = _body_text(text[start:stop], escaped)
        if body is None:
            continue
        token = f"{prefix}{len(bodies)}"
        bodies[token] = body
        parts += (text[done:start], token)
        done = stop
        pos = close + len(end_tag)
    if not bodies:
        return text, {}, prefix
    parts.append(text[done:])
    return "".join(parts), bodies, prefix


def parse_document(text: str, data: bytes) -> tuple[feedparser.FeedParserDict,
                                                            dict[str, str]]:
    """feedparser's result for ``data`` (UTF-8 of ``text``), parsed with body stand-ins, or
    read without feedparser when the document is plain RSS (:func:`_plain_rss`).

    Returns the result and the stand-ins' values; where a stand-in could be seen in the
    result other than alone in a body field, the feed is parsed again as it is.
    """
    swapped, bodies, prefix = _stand_in_bodies(text)
    doc = swapped.encode("utf-8") if bodies else data
    # Only what looks like RSS from its first lines is tried without feedparser.
    rss = text.find("<rss", 0, 4096) >= 0 and "<!DOCTYPE" not in text and "<!doctype" not in text
    plain = _plain_rss(doc) if rss else None
    if plain is not None:
        return plain, bodies
    if not bodies:
        return _feedparser(data), {}
    parsed = _feedparser(doc)
    if (parsed.bozo or not parsed.get("encoding")
            or not _stand_ins_in_place(parsed, bodies, prefix)):
        return _feedparser(data), {}
    return parsed, bodies


# --- plain RSS 2.0 without feedparser ---------------------------------------------------
#
# Even with stand-in bodies, feedparser spends ~0.2 ms an item on bookkeeping (per element:
# base-URI joins, deep copies of content parameters, dict key mapping). A document of the
# plainest RSS 2.0 shape is read here with ElementTree instead, giving exactly the fields
# feedparser gives for it (the same text steps, its URI join and date parser); any other
# shape, element, attribute or stray text goes to feedparser.

_CONTENT_ENCODED = "{http://purl.org/rss/1.0/modules/content/}encoded"
_ITEM_FIELDS = frozenset({"title", "link", "guid", "pubDate", "description", _CONTENT_ENCODED})
# Channel elements that only ever set feed-level keys (never an item's fields or the title).
_CHANNEL_OTHER = frozenset({"link", "description", "language", "lastBuildDate", "pubDate",
                            "generator", "ttl"})
_LINK_REF = re.compile("&([A-Za-z0-9_]+);")
_URI_FIXER = re.compile("^([A-Za-z][A-Za-z0-9+-.]*://)(/*)")  # feedparser.urls._urifixer


def _blank(text: str | None) -> bool:
    """No text, or XML white space only (an XML parser has turned carriage returns into
    line feeds)."""
    return not text or not text.strip(" \t\n")


def _plain_rss(data: bytes) -> feedparser.FeedParserDict | None:
    """feedparser's result for ``data`` when it is a plain RSS 2.0 document, else None.

    Plain: ``<rss version="2.0">`` holding one ``<channel>`` of at most one ``<title>``
    (before the items), feed-level elements (link, description, language, dates,
    generator, ttl) and one or more ``<item>``; each item holds at most one each of title,
    link, guid (``isPermaLink`` its only attribute), pubDate, description and
    content:encoded, and any categories (``domain`` their only attribute); none has child
    elements or other attributes.
    """
    try:
        # Entity declarations were refused before and a DOCTYPE never comes here, so
        # nothing is expanded or fetched.
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        return None
    if (root.tag != "rss" or root.attrib != {"version": "2.0"} or len(root) != 1
            or not _blank(root.text)):
        return None
    channel = root[0]
    if channel.tag != "channel" or channel.attrib or not _blank(channel.text) \
            or not _blank(channel.tail):
        return None
    feed = feedparser.FeedParserDict()
    entries: list[dict[str, Any]] = []
    for child in channel:
        if not _blank(child.tail) or child.attrib or (len(child) and child.tag != "item"):
            return None
        if child.tag == "item":
            entry = _plain_item(child)
            if entry is None:
                return None
            entries.append(entry)
        elif child.tag == "title" and not entries and "title" not in feed:
            feed["title"] = _as_feedparser(child.text or "", True)
        elif child.tag not in _CHANNEL_OTHER:
            return None
    if not entries:
        return None
    return feedparser.FeedParserDict(bozo=False, entries=entries, feed=feed, version="rss20",
                                     encoding="utf-8")


def _plain_item(item: ElementTree.Element) -> dict[str, Any] | None:
    """The fields feedparser gives for one plain item (see :func:`_plain_rss`), or None."""
    if item.attrib or not _blank(item.text):
        return None
    seen: dict[str, ElementTree.Element] = {}
    for child in item:
        tag = child.tag
        if len(child) or not _blank(child.tail):
            return None
        if tag == "category" and child.attrib.keys() <= {"domain"}:
            continue  # feedparser keeps categories as tags, apart from the fields read here
        if tag not in _ITEM_FIELDS or tag in seen:
            return None
        if child.attrib and (tag != "guid" or child.attrib.keys() != {"isPermaLink"}):
            return None
        seen[tag] = child
    entry: dict[str, Any] = {}
    if "title" in seen:
        entry["title"] = _as_feedparser(seen["title"].text or "", True)
    guid = seen.get("guid")
    if guid is not None:
        # A guid is a permalink unless it says otherwise; then it is also the link when
        # the item has no <link>.
        permalink = guid.attrib.get("isPermaLink", "true") == "true"
        value = (guid.text or "").strip()
        if value and permalink:
            value = _join_no_base(value)
        entry["id"] = value = _reread(value)
        if permalink:
            entry["link"] = value
    link = seen.get("link")
    if link is not None:
        value = (link.text or "").strip()
        if value:
            value = _join_no_base(value)
        value = _reread(value)
        if "&" in value:
            # feedparser's repair of query strings read as character references.
            value = _LINK_REF.sub(r"&\g<1>", value.replace("&amp;", "&"))
        entry["link"] = value
    if "pubDate" in seen:
        entry["published_parsed"] = _parse_date(_as_feedparser(seen["pubDate"].text or "",
                                                               True))
    content = seen.get(_CONTENT_ENCODED)
    if content is not None:
        value = _as_feedparser(content.text or "", True)
        entry["content"] = [{"value": value}]
        entry["summary"] = value  # feedparser's summary when there is no description
    if "description" in seen:
        entry["summary"] = _as_feedparser(seen["description"].text or "", True)
    return entry


def _join_no_base(uri: str) -> str:
    """feedparser's ``_urljoin("", uri)`` (its resolution with no base URI): the slashes
    after ``scheme://`` folded to none, the rest as it is."""
    m = _URI_FIXER.match(uri)
    return m.group(1) + uri[m.end(2):] if m and m.group(2) else uri


def _stand_ins_in_place(parsed: feedparser.FeedParserDict, bodies: dict[str, str],
                        prefix: str) -> bool:
    """True when no stand-in shows in a field read from ``parsed`` except a whole body."""
    if prefix in str(parsed.feed.get("title") or ""):
        return False
    for e in parsed.entries:
        for key in ("id", "link", "title", "author"):
            if prefix in str(e.get(key) or ""):
                return False
        values = [str(e.get("summary") or "")]
        values += [str(c.get("value") or "") for c in e.get("content") or ()]
        if any(prefix in v and v not in bodies for v in values):
            return False
    return True
