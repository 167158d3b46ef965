"""Turn parsed feed entries into clean articles: body text, canonical URL, UTC date, hash.

The body is the entry's full content when the feed carries it, else its summary. The
original text is kept as published; its normalized form sits beside it for matching.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, urlencode, urljoin, urlsplit, urlunsplit

from pipeline.normalize import html_to_text, normalize, normalize_inline
from pipeline.records import Article, RawEntry

# Query parameters that identify a campaign or a click, not a page.
TRACKING_PARAMS = frozenset({
    "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "utm_id",
    "fbclid", "gclid", "dclid", "mc_cid", "mc_eid", "ocid", "cmpid", "ref", "ref_src",
    "xtor", "at_medium", "at_campaign", "igshid", "_ga", "yclid", "spm",
})
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
# What a query keeps as it stands before it is split: its escapes and ASCII punctuation.
_QUERY_SAFE = "%&=+;,/:@!$'()*?~[]"
# Longer links are tracking junk or broken markup, and beyond about 2,700 bytes PostgreSQL
# cannot index them: such an entry is dropped rather than let it stop the feed's load.
MAX_LINK_LENGTH = 2000


def canonical_url(url: str) -> str:
    """Lower-case scheme and host, drop default ports, fragments and tracking parameters."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and not ((scheme == "http" and parts.port == 80)
                           or (scheme == "https" and parts.port == 443)):
        host = f"{host}:{parts.port}"
    # Read and written back byte for byte (latin-1 maps bytes to characters one to one): a
    # legacy site's query escaped in windows-1256 must not decay to U+FFFD, which would give
    # two pages of one length the same URL. Raw non-ASCII letters are escaped as UTF-8 first.
    raw_query = quote(parts.query, safe=_QUERY_SAFE)
    query = [(k, v) for k, v in parse_qsl(raw_query, keep_blank_values=True, encoding="latin-1")
             if k.lower() not in TRACKING_PARAMS and not k.lower().startswith("utm_")]
    path = parts.path or "/"
    return urlunsplit((scheme, host, path,
                       urlencode(sorted(query), doseq=True, encoding="latin-1"), ""))


def to_utc(value: datetime | None) -> datetime | None:
    """Naive dates are taken as UTC; aware ones are converted."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def content_hash(title_norm: str, body_norm: str) -> str:
    """Hash of the normalized text: diacritics, quotes or digit styles do not change it."""
    basis = body_norm if len(body_norm) >= 40 else f"{title_norm}\n{body_norm}"
    return hashlib.sha256(words_joined(basis).encode("utf-8")).hexdigest()


def words_joined(text: str) -> str:
    """``" ".join(text.split())``, without splitting a normalized text into words.

    Normalized text is single-spaced lines: its line breaks turned into spaces are the same
    string whenever no other whitespace, double space or space at either end is left
    (``isprintable`` is false for every whitespace character but the space).
    """
    joined = text.replace("\n", " ")
    if (joined.isprintable() and "  " not in joined
            and not joined.startswith(" ") and not joined.endswith(" ")):
        return joined
    return " ".join(text.split())


def finish_article(article: Article) -> Article:
    """Fill the normalized title and body and the content hash."""
    article.title_norm = normalize_inline(article.title)
    article.body_norm = normalize(article.body)
    article.content_hash = content_hash(article.title_norm, article.body_norm)
    return article


def entry_to_article(entry: RawEntry, base_url: str, now: datetime,
                     problems: Counter[str]) -> Article | None:
    """Clean one entry; return None (and count why) when it cannot become an article."""
    fields = (entry.link, entry.guid, entry.title, entry.summary_html, entry.content_html,
              entry.author)
    if any(f and "\x00" in f for f in fields):
        # PostgreSQL text cannot hold NUL; loose XML parsing turns &#0; into one.
        problems["nul_removed"] += 1
    link, guid, raw_title, summary_html, content_html, author = (
        f.replace("\x00", "") if f else f for f in fields)
    link = (link or "").strip()
    if not link and guid and guid.startswith(("http://", "https://")):
        link = guid
        problems["link_from_guid"] += 1
    if not link:
        problems["dropped_no_link"] += 1
        return None
    try:
        if not urlsplit(link).scheme:
            link = urljoin(base_url, link)
            problems["relative_link"] += 1
        ok = urlsplit(link).scheme in ("http", "https") and len(link) <= MAX_LINK_LENGTH
        canonical = canonical_url(link) if ok else ""
    except ValueError:  # a bad port or bracket: this entry's link, not the feed, is broken
        ok = False
    if not ok:
        problems["dropped_bad_link"] += 1
        return None
    title = normalize_spaces(html_to_text(raw_title or ""))
    if title != (raw_title or "").strip():
        problems["html_in_title"] += 1
    summary = html_to_text(summary_html or "")
    content = html_to_text(content_html) if content_html else ""
    body, source = (content, "content") if len(content) > len(summary) else (summary, "summary")
    if not title:
        title = body.split("\n", 1)[0][:120]
        problems["missing_title"] += 1
    if not title and not body:
        problems["dropped_empty"] += 1
        return None
    published = to_utc(entry.published)
    if published is None:
        problems["missing_date"] += 1
    elif published > now:
        problems["future_date"] += 1
        published = None
    elif published < EARLIEST:
        problems["date_before_1990"] += 1
        published = None
    return finish_article(Article(
        feed_id=entry.feed_id, outlet=entry.outlet, url=link, canonical_url=canonical,
        guid=guid, title=title, summary=summary, body=body, body_source=source,
        published_at=published, language=entry.language, author=author,
    ))


def normalize_spaces(text: str) -> str:
    return " ".join(text.split())


def entries_to_articles(entries: Sequence[RawEntry], base_url: str, now: datetime,
                        problems: Counter[str]) -> list[Article]:
    """Clean a feed's entries in order, applying the per-feed rules on top of the entry rules.

    A GUID seen earlier in the same feed is counted; the later entry is dropped only when it
    also repeats the link (a true repeat), since a CMS that reuses GUIDs across different
    links would otherwise lose articles.
    """
    seen: dict[str, set[str]] = {}
    out: list[Article] = []
    for entry in entries:
        guid = (entry.guid or "").strip()
        if guid:
            links = seen.setdefault(guid, set())
            if links:
                if (entry.link or "").strip() in links:
                    problems["dropped_duplicate_guid"] += 1
                    continue
                problems["duplicate_guid"] += 1
            links.add((entry.link or "").strip())
        article = entry_to_article(entry, base_url, now, problems)
        if article is not None:
            out.append(article)
    return out
