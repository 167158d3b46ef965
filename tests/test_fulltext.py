"""Full text: the article page replaces a summary only when it is the article."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import psycopg
import pytest
from feedkit import etagged, fetch_night, item_text, respond, rss, write_registry

from pipeline.fetcher import Response
from pipeline.fulltext import NotArticle, extract_page
from pipeline.settings import Settings

NIGHT = datetime(2024, 3, 1, 2, 0, tzinfo=UTC)
TITLE, SUMMARY = item_text("ft", 0)
PARAGRAPH = ("وأوضح الوزير في تصريحات للصحفيين عقب الاجتماع أن الجانبين بحثا سبل تعزيز التبادل "
             "التجاري وزيادة الاستثمارات المشتركة في قطاعات الطاقة والنقل والزراعة، مشيرا إلى "
             "أن اللجنة المشتركة ستجتمع الشهر المقبل لمتابعة تنفيذ ما تم الاتفاق عليه.")


def article_html(title: str, paragraphs: int = 6) -> bytes:
    body = "".join(f"<p>{PARAGRAPH} ({n})</p>" for n in range(paragraphs))
    return (f"<html><head><title>{title} - موقع الأخبار</title>"
            '<meta name="author" content="سارة أحمد">'
            '<meta property="og:site_name" content="موقع الأخبار">'
            '<meta property="article:published_time" content="2024-02-29T09:30:00+00:00">'
            "</head><body><nav><a href='/'>الرئيسية</a> | <a href='/x'>سياسة</a></nav>"
            f"<article><h1>{title}</h1>{body}</article>"
            "<footer>جميع الحقوق محفوظة</footer></body></html>").encode()


def wall_html(title: str, text: str) -> bytes:
    return (f"<html><head><title>{title}</title></head><body><div class='box'><p>{text}</p>"
            "</div></body></html>").encode()


CONSENT = wall_html("موقع الأخبار", "نحن نستخدم ملفات تعريف الارتباط لتحسين تجربتك. "
                    "We value your privacy. Accept all cookies to continue reading.")
SOFT_404 = wall_html("موقع الأخبار", "عذرا، الصفحة المطلوبة غير موجودة. "
                     "ربما تم نقلها أو حذفها. عد إلى الصفحة الرئيسية.")
LOGIN = wall_html("تسجيل الدخول", "هذا المحتوى للمشتركين فقط. سجل الدخول أو اشترك الآن "
                  "لمتابعة القراءة. Sign in to continue.")
BOT = wall_html("Just a moment...", "Checking your browser before accessing the site.")
UNRELATED = article_html("مباراة كرة القدم تنتهي بالتعادل في الدوري المحلي")


def page(body: bytes, url: str = "https://news.example/a/1", *, final: str | None = None,
         ctype: str = "text/html; charset=utf-8") -> Response:
    return Response(url=url, final_url=final or url, status=200,
                    headers={"content-type": ctype}, body=body)


def test_article_page_gives_text_and_metadata() -> None:
    got = extract_page(page(article_html(TITLE)), TITLE, SUMMARY)
    assert PARAGRAPH[:40] in got.text and len(got.text) > len(SUMMARY)
    assert "جميع الحقوق" not in got.text and "الرئيسية" not in got.text
    assert (got.author, got.sitename) == ("سارة أحمد", "موقع الأخبار")
    assert got.date == datetime(2024, 2, 29, tzinfo=UTC)


@pytest.mark.parametrize(("resp", "reason"), [
    (page(CONSENT), "consent_wall"),
    (page(SOFT_404), "not_found"),
    (page(LOGIN), "login_wall"),
    (page(BOT), "bot_block"),
    (page(wall_html("Page not found", PARAGRAPH * 8)), "not_found"),
    (page(UNRELATED), "unrelated_page"),
    (page(article_html(TITLE, paragraphs=0)), "shorter_than_summary"),
    (page(article_html(TITLE), final="https://news.example/"), "redirected_home"),
    (page(b"%PDF-1.4", ctype="application/pdf"), "not_html"),
    (Response(url="u", final_url="u", error="HTTP 403", reason="http_403"), "http_403"),
])
def test_pages_that_are_not_the_article_are_refused(resp: Response, reason: str) -> None:
    with pytest.raises(NotArticle) as info:
        extract_page(resp, TITLE, SUMMARY)
    assert info.value.reason == reason


class Pages:
    """Article pages on the test server, recording how many were in flight at once."""

    def __init__(self, server, bodies: dict[str, bytes]) -> None:
        self.lock = threading.Lock()
        self.active = self.peak = 0
        for path, body in bodies.items():
            server.route(path, self.handler(body))

    def handler(self, body: bytes):
        def handle(h: BaseHTTPRequestHandler) -> None:
            with self.lock:
                self.active += 1
                self.peak = max(self.peak, self.active)
            time.sleep(0.05)  # overlap would show if the per-host limit leaked
            with self.lock:
                self.active -= 1
            respond(200, body, {"Content-Type": "text/html; charset=utf-8"})(h)
        return handle


def settings() -> Settings:
    return Settings(http_timeout=0.5, http_connect_timeout=0.5, http_total_timeout=2.0,
                    page_timeout=1.0, page_interval=0.0, page_per_host=1,
                    allow_private_hosts=("127.0.0.1",))


def test_full_text_night(db_url: str, http_server, tmp_path: Path,
                         conn: psycopg.Connection) -> None:
    s = http_server
    titles = [item_text("ft", i)[0] for i in range(5)]
    pages = Pages(s, {"/art/0": article_html(titles[0]), "/art/1": CONSENT, "/art/2": SOFT_404,
                      "/art/3": LOGIN, "/art/4": BOT, "/art/5": article_html(
                          item_text("ft", 5)[0])})
    s.route("/feed.xml", respond(200, rss("ft", 5, link=lambda i: s.url(f"/art/{i}"))))
    registry = write_registry(tmp_path, [("ft", s.url("/feed.xml"), True)])
    summary = fetch_night(db_url, settings(), registry, run_key="n1", logical_ts=NIGHT)

    rows = dict(conn.execute("SELECT url, body_source FROM articles"))
    assert rows == {s.url("/art/0"): "page", **{s.url(f"/art/{i}"): "summary"
                                                 for i in range(1, 5)}}
    body, author = conn.execute("SELECT body, author FROM articles WHERE body_source = 'page'"
                                ).fetchone()
    assert PARAGRAPH[:40] in body and author == "سارة أحمد"
    assert {k: v for k, v in summary.problems.items() if k.startswith("page_")} == {
        "page_used": 1, "page_fallback_consent_wall": 1, "page_fallback_not_found": 1,
        "page_fallback_login_wall": 1, "page_fallback_bot_block": 1}
    assert pages.peak == 1  # page_per_host=1 held
    stored = conn.execute("SELECT count(*) FROM raw_payloads WHERE kind = 'page'").fetchone()
    assert stored == (5,)

    # Next night the feed has one more item: only the new page is fetched, and the stored
    # page text is kept (the summary does not overwrite it).
    s.requests.clear()
    s.route("/feed.xml", respond(200, rss("ft", 6, link=lambda i: s.url(f"/art/{i}"))))
    fetch_night(db_url, settings(), registry, run_key="n2",
                    logical_ts=NIGHT + timedelta(days=1))
    conn.commit()
    fetched = sorted(p for p, _ in s.requests if p.startswith("/art/"))
    assert fetched == [f"/art/{i}" for i in range(1, 6)]  # /art/0 reused, walls retried
    assert conn.execute("SELECT body_source FROM articles WHERE url = %s",
                        (s.url("/art/0"),)).fetchone() == ("page",)
    assert conn.execute("SELECT body_source FROM articles WHERE url = %s",
                        (s.url("/art/5"),)).fetchone() == ("page",)


def test_page_links_are_guarded_without_the_allow_list(db_url: str, http_server,
                                                       tmp_path: Path,
                                                       conn: psycopg.Connection) -> None:
    s = http_server
    Pages(s, {"/art/0": article_html(item_text("g", 0)[0])})
    s.route("/feed.xml", respond(200, rss("g", 1, link=lambda i: s.url(f"/art/{i}"))))
    registry = write_registry(tmp_path, [("g", s.url("/feed.xml"), True)])
    summary = fetch_night(db_url, replace(settings(), allow_private_hosts=()), registry,
                              run_key="g", logical_ts=NIGHT)
    assert summary.problems["page_fallback_refused_address"] == 1
    assert [p for p, _ in s.requests] == ["/feed.xml"]
    assert conn.execute("SELECT body_source FROM articles").fetchall() == [("summary",)]


def test_pages_per_feed_are_capped(db_url: str, http_server, tmp_path: Path,
                                   conn: psycopg.Connection) -> None:
    s = http_server
    Pages(s, {f"/art/{i}": article_html(item_text("cap", i)[0]) for i in range(4)})
    s.route("/feed.xml", respond(200, rss("cap", 4, link=lambda i: s.url(f"/art/{i}"))))
    registry = write_registry(tmp_path, [("cap", s.url("/feed.xml"), True)])
    summary = fetch_night(db_url, replace(settings(), max_pages_per_feed=2), registry,
                              run_key="c", logical_ts=NIGHT)
    assert (summary.problems["page_used"], summary.problems["page_over_limit"]) == (2, 2)
    assert len([p for p, _ in s.requests if p.startswith("/art/")]) == 2


def test_pages_over_the_cap_are_fetched_on_later_nights_of_an_unchanged_feed(
        db_url: str, http_server, tmp_path: Path, conn: psycopg.Connection) -> None:
    # The feed never changes (it answers 304 to its own ETag): the pages left over the cap
    # must still be taken on the following nights, not wait for a new item.
    s = http_server
    Pages(s, {f"/art/{i}": article_html(item_text("cap", i)[0]) for i in range(5)})
    s.route("/feed.xml", etagged(rss("cap", 5, link=lambda i: s.url(f"/art/{i}")), '"v1"'))
    registry = write_registry(tmp_path, [("cap", s.url("/feed.xml"), True)])
    capped = replace(settings(), max_pages_per_feed=2)
    fetched = []
    for n in range(4):
        s.requests.clear()
        summary = fetch_night(db_url, capped, registry, run_key=f"c{n}",
                              logical_ts=NIGHT + timedelta(days=n))
        fetched.append(sorted(p for p, _ in s.requests if p.startswith("/art/")))
    assert fetched == [["/art/0", "/art/1"], ["/art/2", "/art/3"], ["/art/4"], []]
    assert (summary.feeds_ok, summary.feeds_not_modified) == (0, 1)  # nothing left: a 304
    conn.commit()
    assert conn.execute("SELECT DISTINCT body_source FROM articles").fetchall() == [("page",)]
