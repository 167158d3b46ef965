"""Small builders for the fetching tests: synthetic Arabic feeds and fault handlers."""

from __future__ import annotations

import contextlib
import socket
import struct
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from io import BytesIO
from pathlib import Path

Handler = Callable[[BaseHTTPRequestHandler], None]


def item_text(prefix: str, i: int) -> tuple[str, str]:
    """A unique Arabic title and summary for item ``i`` of feed ``prefix``."""
    title = f"الوزير يبحث ملف التعاون الاقتصادي مع الوفد الزائر {prefix} {i}"
    summary = (f"قال المتحدث باسم الوزارة إن الاجتماع ناقش ملفات التجارة والاستثمار "
               f"والطاقة، وإن الجانبين اتفقا على متابعة المحادثات {prefix} رقم {i}.")
    return title, summary


def rss(prefix: str, n: int, *, encoding: str = "utf-8", declare: bool = True,
        link: Callable[[int], str] | None = None, extra_items: str = "") -> bytes:
    """An RSS 2.0 feed of ``n`` unique items, encoded as asked."""
    link = link or (lambda i: f"https://news.example/{prefix}/{i}")
    items = []
    for i in range(n):
        title, summary = item_text(prefix, i)
        items.append(f"<item><title>{title}</title><link>{link(i)}</link>"
                     f"<guid>{prefix}-{i}</guid><description>{summary}</description>"
                     f"<pubDate>Thu, 29 Feb 2024 1{i % 10}:00:00 GMT</pubDate></item>")
    decl = f'<?xml version="1.0" encoding="{encoding}"?>\n' if declare else ""
    doc = (f"{decl}<rss version=\"2.0\"><channel><title>أخبار {prefix}</title>"
           f"<link>https://news.example/</link>{''.join(items)}{extra_items}</channel></rss>")
    return doc.encode("windows-1256" if encoding.lower() in ("windows-1256", "cp1256")
                      else "utf-8")


def write_registry(tmp_path: Path, feeds: list[tuple[str, str]] | list[tuple[str, str, bool]],
                   name: str = "feeds.yaml") -> Path:
    """A registry file: (id, url) or (id, url, full_text) per feed."""
    lines = ["feeds:"]
    for feed in feeds:
        feed_id, url = feed[0], feed[1]
        lines += [f"  - id: {feed_id}", f"    name: {feed_id}", f"    url: '{url}'",
                  f"    outlet: Outlet {feed_id}"]
        if len(feed) > 2 and feed[2]:
            lines.append("    full_text: true")
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def respond(status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> Handler:
    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(status)
        for k, v in (headers or {}).items():
            h.send_header(k, v)
        h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        h.wfile.write(body)
    return handler


def redirect(status: int, location: str) -> Handler:
    return respond(status, b"", {"Location": location})


def slow(seconds: float, body: bytes = b"<rss/>") -> Handler:
    """Answer only after ``seconds`` (longer than the read timeout)."""
    def handler(h: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        with contextlib.suppress(OSError):  # the client gave up long ago
            respond(200, body)(h)
    return handler


def drip(seconds: float) -> Handler:
    """Send headers, then one byte at a time: each read is quick, the answer never ends."""
    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Length", "100000")
        h.end_headers()
        end = time.monotonic() + seconds
        try:
            while time.monotonic() < end:
                h.wfile.write(b" ")
                h.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass
    return handler


def endless(seconds: float) -> Handler:
    """A body with no length that never stops (until the client hangs up)."""
    def handler(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/rss+xml")
        h.end_headers()
        chunk = b"<item>" + b"x" * 65_530
        end = time.monotonic() + seconds
        try:
            while time.monotonic() < end:
                h.wfile.write(chunk)
        except OSError:
            pass
    return handler


def reset(h: BaseHTTPRequestHandler) -> None:
    """Abort the connection with a TCP reset before answering."""
    h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    h.connection.close()
    h.wfile = BytesIO()  # the server's own flush after the handler must not fail
    h.close_connection = True


def sequence(*handlers: Handler) -> Handler:
    """Answer the n-th request with the n-th handler (the last one repeats)."""
    calls = [0]

    def handler(h: BaseHTTPRequestHandler) -> None:
        n = min(calls[0], len(handlers) - 1)
        calls[0] += 1
        handlers[n](h)
    return handler


def etagged(body: bytes, etag: str) -> Handler:
    """200 with an ETag, or 304 when the client already has it."""
    def handler(h: BaseHTTPRequestHandler) -> None:
        if h.headers.get("If-None-Match") == etag:
            respond(304, b"", {"ETag": etag})(h)
        else:
            respond(200, body, {"ETag": etag, "Content-Type": "application/rss+xml"})(h)
    return handler


def fetch_night(db_url: str, settings: object, registry: Path, run_key: str,
                logical_ts: object) -> object:
    """Only the fetching part of a night (registry, fetch and load, summary): the later
    stages are tested on their own, and skipping them keeps these tests quick."""
    from pipeline import night

    run_id, feed_ids = night.prepare(db_url, registry, run_key, logical_ts)  # type: ignore[arg-type]
    night.fetch_and_load(db_url, run_id, feed_ids, settings)  # type: ignore[arg-type]
    return night.summarize(db_url, run_id)
