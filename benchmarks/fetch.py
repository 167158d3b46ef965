"""One fetch round over 1,000 feeds served from 127.0.0.1 with 200 ms of injected latency.

The feeds are served by a small asyncio HTTP server in a child process (so it does not share
the client's interpreter), spread over several ports as real feeds are spread over hosts.
Each response waits ``latency`` seconds before it is written. Three rounds are timed with
:func:`pipeline.feeds.fetch_feeds`: a cold round (every feed answers 200 with its XML), a
conditional round (the server answers 304 when the request carries the ``ETag`` or
``Last-Modified`` it was given; it counts how many did), and a round where every feed
answers 304 whatever the request says. The server stops after ``deadline`` seconds at most.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import multiprocessing as mp
import time
from dataclasses import replace
from email.utils import formatdate
from typing import Any

from benchmarks.corpus import load_ant, rss_feed
from pipeline import feeds
from pipeline.records import FeedSpec
from pipeline.settings import Settings

log = logging.getLogger(__name__)

LATENCY = 0.2
_LAST_MODIFIED = formatdate(1_700_000_000, usegmt=True)


def _etag(k: int) -> str:
    return f'"bench-{k}"'


def _serve(ports_out: Any, control: Any, n_feeds: int, n_ports: int, items: int,
           latency: float, deadline: float) -> None:
    """Child process: serve ``/feed/<k>.xml`` on ``n_ports`` ports until told to stop."""
    base = load_ant()
    bodies = [rss_feed(base[(k * items) % len(base):(k * items) % len(base) + items],
                       f"feed-{k}") for k in range(n_feeds)]
    stats = {"requests": 0, "conditional": 0, "answered_304": 0, "answered_200": 0}
    mode = {"value": "cold"}

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                path = lines[0].split(" ")[1]
                headers = {k.strip().lower(): v.strip() for k, _, v in
                           (line.partition(":") for line in lines[1:] if line)}
                stats["requests"] += 1
                k = int(path.rsplit("/", 1)[-1].split(".")[0])
                conditional = headers.get("if-none-match") == _etag(k) or \
                    headers.get("if-modified-since") == _LAST_MODIFIED
                stats["conditional"] += conditional
                await asyncio.sleep(latency)
                not_modified = mode["value"] == "all-304" or (
                    mode["value"] == "conditional" and conditional)
                common = (f"ETag: {_etag(k)}\r\nLast-Modified: {_LAST_MODIFIED}\r\n"
                          "Connection: keep-alive\r\n")
                if not_modified:
                    stats["answered_304"] += 1
                    writer.write(f"HTTP/1.1 304 Not Modified\r\n{common}"
                                 "Content-Length: 0\r\n\r\n".encode())
                else:
                    stats["answered_200"] += 1
                    body = bodies[k]
                    writer.write(f"HTTP/1.1 200 OK\r\n{common}Content-Type: application/rss+xml;"
                                 f" charset=utf-8\r\nContent-Length: {len(body)}\r\n\r\n"
                                 .encode() + body)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, IndexError, ValueError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        servers = [await asyncio.start_server(handle, "127.0.0.1", 0, backlog=2048)
                   for _ in range(n_ports)]
        ports_out.put([s.sockets[0].getsockname()[1] for s in servers])
        loop = asyncio.get_running_loop()
        stop_at = time.monotonic() + deadline
        while time.monotonic() < stop_at:
            cmd = await loop.run_in_executor(None, _poll, control)
            if cmd == "stop":
                break
            if cmd == "stats":
                ports_out.put(dict(stats))
                for key in stats:
                    stats[key] = 0
            elif cmd:
                mode["value"] = cmd
                ports_out.put("ok")
        for s in servers:
            s.close()

    asyncio.run(main())


def _poll(control: Any) -> str | None:
    try:
        return control.get(timeout=0.5)
    except Exception:  # queue.Empty, without importing queue for one name
        return None


def _specs(ports: list[int], n_feeds: int) -> list[FeedSpec]:
    return [FeedSpec(f"feed-{k:04d}", f"feed {k}",
                     f"http://127.0.0.1:{ports[k % len(ports)]}/feed/{k}.xml", f"outlet-{k}")
            for k in range(n_feeds)]


def conditional_support() -> str | None:
    """The name of the parameter through which ``fetch_feeds`` takes stored validators."""
    params = list(inspect.signature(feeds.fetch_feeds).parameters)
    extra = [p for p in params if p not in ("specs", "settings")]
    return extra[0] if extra else None


def _round(specs: list[FeedSpec], settings: Settings, previous: dict | None) -> tuple[float, list]:
    started = time.perf_counter()
    param = conditional_support()
    if previous is not None and param:
        results = feeds.fetch_feeds(specs, settings, **{param: previous})
    else:
        results = feeds.fetch_feeds(specs, settings)
    return time.perf_counter() - started, results


def _validators(results: list) -> dict[str, dict[str, str]]:
    return {r.feed_id: {k: v for k, v in r.headers.items() if k in ("etag", "last-modified")}
            for r in results}


def run(smoke: bool = False, n_feeds: int = 1000, n_ports: int = 50, items: int = 20,
        latency: float = LATENCY, deadline: float = 240.0) -> dict[str, Any]:
    """Time the three rounds; every figure comes from this run."""
    if smoke:
        n_feeds, n_ports, items, deadline = 40, 4, 5, 60.0
    ctx = mp.get_context("spawn")
    out, control = ctx.Queue(), ctx.Queue()
    proc = ctx.Process(target=_serve, args=(out, control, n_feeds, n_ports, items, latency,
                                            deadline), daemon=True)
    proc.start()
    figures: dict[str, Any] = {"feeds": n_feeds, "ports": n_ports, "items_per_feed": items,
                               "latency_s": latency}
    try:
        ports = out.get(timeout=120)
        settings = replace(Settings.from_env(), allow_private_hosts=("127.0.0.1",),
                           http_timeout=min(20.0, deadline / 4))
        specs = _specs(ports, n_feeds)
        figures["fetch_concurrency"] = settings.fetch_concurrency
        figures["per_host_concurrency"] = settings.per_host_concurrency
        figures["conditional_param"] = conditional_support() or "none (fetch_feeds(specs, "\
            "settings) takes no stored validators)"
        previous: dict | None = None
        for mode in ("cold", "conditional", "all-304"):
            control.put(mode)
            out.get(timeout=30)
            seconds, results = _round(specs, settings, previous)
            control.put("stats")
            served = out.get(timeout=30)
            statuses: dict[str, int] = {}
            for r in results:
                statuses[r.status] = statuses.get(r.status, 0) + 1
            figures[f"{mode}_seconds"] = round(seconds, 2)
            figures[f"{mode}_client_status"] = statuses
            figures[f"{mode}_server"] = served
            if previous is None:
                previous = _validators(results)
        figures["target_seconds"] = 20.0
        # The least a round can take: every response waits ``latency`` and at most
        # min(global limit, ports x per-host limit) requests are in flight at once.
        in_flight = min(settings.fetch_concurrency, n_ports * settings.per_host_concurrency)
        figures["floor_seconds"] = round(n_feeds / in_flight * latency, 2)
    finally:
        control.put("stop")
        proc.join(timeout=10)
        if proc.is_alive():
            proc.terminate()
            proc.join(timeout=5)
    return figures
