"""The fetcher on its own, against 127.0.0.1: compressed bodies that are cut short or corrupt,
the pause between two requests to one server, and the order in which a request takes its
concurrency slots."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
import zlib
from http.server import BaseHTTPRequestHandler

import pytest
from feedkit import Handler, respond, rss

from pipeline.fetcher import Fetcher, Limits, Response
from pipeline.netguard import AllowList

LIMITS = Limits(connect_timeout=2.0, read_timeout=2.0, total_timeout=5.0, max_bytes=1_000_000)
LOCAL = AllowList.parse(["127.0.0.1", "localhost"])
FEED = rss("z", 40)
CODINGS = {"gzip": gzip.compress, "deflate": zlib.compress,
           "raw-deflate": lambda b: zlib.compress(b, wbits=-zlib.MAX_WBITS)}


async def _get_all(urls: list[str], limits: Limits = LIMITS) -> list[Response]:
    async with Fetcher(limits, "Akhbar-test", LOCAL) as fetcher:
        return list(await asyncio.gather(*(fetcher.get(u) for u in urls)))


def _get(url: str) -> Response:
    return asyncio.run(_get_all([url]))[0]


def close_delimited(body: bytes, headers: dict[str, str]) -> Handler:
    """No Content-Length: the body ends where the server closes the connection, so a cut
    body looks complete to HTTP and only the compressed stream can tell."""
    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        for k, v in headers.items():
            h.send_header(k, v)
        h.send_header("Connection", "close")
        h.end_headers()
        h.wfile.write(body)
        h.close_connection = True
    return handler


@pytest.mark.parametrize("coding", ["gzip", "deflate", "raw-deflate"])
def test_a_compressed_body_cut_short_is_a_bad_encoding(http_server, coding: str) -> None:
    packed = CODINGS[coding](FEED)
    label = {"Content-Encoding": coding.removeprefix("raw-")}
    http_server.route("/whole.xml", close_delimited(packed, label))
    http_server.route("/cut.xml", close_delimited(packed[: len(packed) // 2], label))
    whole = _get(http_server.url("/whole.xml"))
    assert (whole.status, whole.reason, whole.body) == (200, None, FEED)
    cut = _get(http_server.url("/cut.xml"))
    assert cut.reason == "bad_content_encoding", (cut.reason, cut.error)
    assert "truncated" in cut.error and cut.body == b""


@pytest.mark.parametrize("body", [b"this is not deflate data at all" * 4, gzip.compress(FEED)],
                         ids=["garbage", "gzip-labelled-deflate"])
def test_a_corrupt_deflate_body_is_a_bad_encoding(http_server, body: bytes) -> None:
    http_server.route("/bad.xml", respond(200, body, {"Content-Encoding": "deflate"}))
    resp = _get(http_server.url("/bad.xml"))
    assert resp.reason == "bad_content_encoding", (resp.reason, resp.error)
    assert resp.body == b""


def test_the_page_interval_holds_when_several_requests_wait_at_once(http_server) -> None:
    interval, arrivals = 0.4, []

    def timed(h: BaseHTTPRequestHandler) -> None:
        arrivals.append(time.monotonic())
        respond(200, b"<html>ok</html>")(h)

    http_server.route("/p", timed)
    limits = Limits(per_host=4, host_interval=interval)  # all four wait for the pause together
    started = time.monotonic()
    resps = asyncio.run(_get_all([http_server.url(f"/p?{i}") for i in range(4)], limits))
    assert [r.status for r in resps] == [200] * 4
    # The k-th page may not start before k intervals have passed. A lower bound only: a
    # loaded machine may delay a request, never bring one forward.
    since = [round(t - started, 3) for t in sorted(arrivals)]
    assert all(t >= k * interval - 0.05 for k, t in enumerate(since)), since


def test_requests_queued_for_a_busy_server_leave_global_slots_to_others(http_server) -> None:
    # Two servers by name (127.0.0.1 and localhost); one global slot to spare beside the busy
    # server's one request in flight. The first page of server A is answered only once the
    # page of server B has arrived, so B must not queue behind A's waiting requests.
    b_arrived = threading.Event()
    waited_for_b: list[bool] = []

    def first_a(h: BaseHTTPRequestHandler) -> None:
        waited_for_b.append(b_arrived.wait(timeout=10.0))  # ends as soon as B arrives
        respond(200, b"<html>a</html>")(h)

    def page_b(h: BaseHTTPRequestHandler) -> None:
        b_arrived.set()
        respond(200, b"<html>b</html>")(h)

    http_server.route("/a0", first_a)
    http_server.route("/a", respond(200, b"<html>a</html>"))
    http_server.route("/b", page_b)
    a_urls = [http_server.url("/a0"), http_server.url("/a?1"), http_server.url("/a?2")]
    b_url = f"http://localhost:{http_server.port}/b"
    limits = Limits(concurrency=2, per_host=1)
    resps = asyncio.run(_get_all([*a_urls, b_url], limits))
    assert [r.status for r in resps] == [200] * 4
    assert waited_for_b == [True]
    # /a0 and /b race to the server; A's queued pages come only after B's.
    paths = [p for p, _ in http_server.requests]
    assert sorted(paths) == ["/a0", "/a?1", "/a?2", "/b"]
    assert paths.index("/b") < paths.index("/a?1") < paths.index("/a?2")
