"""Full text: fetch the article page when a feed carries only a summary, and keep its main
text only when the page really is the article.

Pages are fetched under their own, stricter politeness limits, always through the SSRF
guard (a link in a feed is third-party input). A consent wall, a bot check, a "page not
found" served with 200, a login wall, a redirect to the home page or a page that does not
mention the entry's title is not stored as the article: the summary stays, and the reason
is counted.
"""

from __future__ import annotations

import asyncio
import functools
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import trafilatura

from pipeline.fetcher import Fetcher, Limits, Response
from pipeline.netguard import AllowList
from pipeline.normalize import normalize
from pipeline.settings import Settings

# Phrases that mark a page as something other than an article, by kind. Matched on
# normalized text (so Arabic spelling variants match too).
NOT_ARTICLE: dict[str, tuple[str, ...]] = {
    "bot_block": ("captcha", "are you a robot", "are you human", "verify you are human",
                  "unusual traffic", "access denied", "attention required", "just a moment",
                  "checking your browser", "ddos protection", "request blocked",
                  "request unsuccessful", "enable javascript and cookies",
                  "تحقق من انك انسان", "تم حظر"),
    "not_found": ("page not found", "404 not found", "error 404", "page does not exist",
                  "no longer available", "الصفحة غير موجودة", "الصفحة المطلوبة غير موجودة",
                  "لم يتم العثور على الصفحة", "خطا 404", "الصفحة التي تبحث عنها"),
    "login_wall": ("sign in to continue", "log in to continue", "subscribe to continue",
                   "subscribers only", "create an account to", "تسجيل الدخول للمتابعة",
                   "سجل الدخول", "للمشتركين فقط", "اشترك الان لمتابعة", "اشترك للمتابعة"),
    "consent_wall": ("we value your privacy", "before you continue", "cookie consent",
                     "accept all cookies", "manage cookies", "consent to the use",
                     "ملفات تعريف الارتباط", "نستخدم ملفات الكوكيز", "سياسة ملفات"),
}
_KINDS = tuple(NOT_ARTICLE)
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)
SHORT_PAGE = 1500  # below this many characters, a wall's wording decides
MIN_OVERLAP = 0.34  # share of the entry title's words the page must contain


class NotArticle(Exception):
    """The page is not the article; ``reason`` says what it is instead."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass
class PageText:
    """The main text of an article page and its metadata."""

    text: str
    title: str | None = None
    author: str | None = None
    date: datetime | None = None
    sitename: str | None = None


@dataclass
class PageOutcome:
    """What became of one article's page."""

    url: str
    reason: str  # "page" when the page text was used, else why the summary was kept
    page: PageText | None = None
    response: Response | None = None
    extra: dict[str, str] = field(default_factory=dict)


def page_limits(settings: Settings) -> Limits:
    """Fetch limits for article pages: slower and fewer at a time than feeds."""
    return Limits(connect_timeout=min(settings.http_connect_timeout, settings.page_timeout),
                  read_timeout=settings.page_timeout, total_timeout=settings.page_timeout * 2,
                  max_bytes=settings.max_page_bytes, max_redirects=settings.max_redirects,
                  concurrency=settings.page_concurrency, per_host=settings.page_per_host,
                  host_interval=settings.page_interval,
                  max_retry_after=min(settings.max_retry_after, settings.page_timeout))


async def fetch_pages(urls: list[str], settings: Settings) -> dict[str, Response]:
    """Fetch article pages; only ``AKHBAR_ALLOW_PRIVATE_HOSTS`` bypasses the SSRF guard."""
    allow = AllowList.parse(settings.allow_private_hosts)
    async with Fetcher(page_limits(settings), settings.user_agent, allow) as fetcher:
        headers = {"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5"}
        responses = await asyncio.gather(*(fetcher.get(u, headers) for u in urls))
    return dict(zip(urls, responses, strict=True))


def _words(text: str) -> set[str]:
    return {w for w in normalize(text).split() if len(w) >= 3}


@functools.cache
def _patterns() -> dict[str, tuple[str, ...]]:
    return {kind: tuple(normalize(p) for p in phrases) for kind, phrases in NOT_ARTICLE.items()}


def _wall(text: str) -> str | None:
    """The kind of non-article page ``text`` reads like, if any."""
    norm = normalize(text)
    for kind in _KINDS:
        if any(p in norm for p in _patterns()[kind]):
            return kind
    return None


def extract_page(resp: Response, entry_title: str, summary: str) -> PageText:
    """Main text and metadata of a fetched page; raise :class:`NotArticle` if it is not one."""
    if resp.error is not None:
        raise NotArticle(resp.reason or "fetch_failed", resp.error)
    ctype = resp.headers.get("content-type", "text/html").lower()
    if "html" not in ctype:
        raise NotArticle("not_html", ctype)
    if (urlsplit(resp.final_url).path in ("", "/")
            and urlsplit(resp.url).path not in ("", "/")):
        raise NotArticle("redirected_home", resp.final_url)
    m = _TITLE.search(resp.body[:200_000])
    page_title = m.group(1).decode("utf-8", "replace").strip() if m else ""
    kind = _wall(page_title) if page_title else None
    if kind in ("bot_block", "not_found"):
        raise NotArticle(kind, f"page title {page_title[:80]!r}")
    doc = trafilatura.bare_extraction(resp.body, url=resp.final_url, with_metadata=True,
                                      favor_precision=True, include_comments=False)
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if not text:
        raise NotArticle(_wall(page_title) or "no_main_text")
    if len(text) < SHORT_PAGE:
        kind = _wall(text) or _wall(page_title)
        if kind:
            raise NotArticle(kind, text[:80])
    if len(text) <= len(summary.strip()):
        raise NotArticle("shorter_than_summary", f"{len(text)} <= {len(summary.strip())}")
    title_words = _words(entry_title)
    if len(title_words) >= 3:
        found = _words(text) | _words(page_title) | _words(getattr(doc, "title", "") or "")
        share = len(title_words & found) / len(title_words)
        if share < MIN_OVERLAP:
            raise NotArticle("unrelated_page", f"{share:.0%} of the title's words found")
    return PageText(text=text, title=getattr(doc, "title", None),
                    author=getattr(doc, "author", None), date=_date(getattr(doc, "date", None)),
                    sitename=getattr(doc, "sitename", None))


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        return None
