"""Settings, read from environment variables (Airflow passes its own the same way)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Settings:
    """Everything configurable about a run; build it with :meth:`from_env`."""

    database_url: str | None = None
    home: Path = Path(".akhbar")
    feeds_path: Path = PACKAGE_DATA / "feeds.yaml"
    embedded_port: int = 54329
    http_timeout: float = 20.0
    http_connect_timeout: float = 10.0
    max_feed_bytes: int = 15 * 1024 * 1024
    fetch_concurrency: int = 32
    per_host_concurrency: int = 4
    user_agent: str = "Akhbar/0.1 (Arabic news monitor; set AKHBAR_USER_AGENT to add a contact)"
    load_batch_size: int = 1000
    max_failed_feed_share: float = 0.5
    allow_private_hosts: tuple[str, ...] = ()
    # Fetching and feed health (see README, "Fetching and feed health").
    http_total_timeout: float = 60.0
    max_redirects: int = 5
    max_retry_after: float = 30.0  # longest Retry-After waited for (once) within a run
    max_replacement_ratio: float = 0.02  # more U+FFFD than this is an encoding error
    backoff_base: float = 3600.0  # seconds; doubles with each consecutive failure
    backoff_cap: float = 7 * 86400.0
    disable_after: int = 10  # consecutive failures before a feed is disabled
    page_concurrency: int = 8
    page_per_host: int = 2
    page_interval: float = 1.0  # seconds between two article pages from one host
    page_timeout: float = 20.0
    max_page_bytes: int = 5 * 1024 * 1024
    max_pages_per_feed: int = 50
    keep_raw: bool = True
    raw_retention_days: int = 30
    raw_max_bytes: int = 2 * 1024**3

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read ``AKHBAR_*`` variables; unset ones keep their defaults."""
        env = os.environ if env is None else env
        base = cls()

        def get(name: str, default: object) -> object:
            return env.get(f"AKHBAR_{name}", default)

        allow = str(get("ALLOW_PRIVATE_HOSTS", ""))
        return cls(
            database_url=env.get("AKHBAR_DATABASE_URL") or None,
            home=Path(str(get("HOME", base.home))),
            feeds_path=Path(str(get("FEEDS", base.feeds_path))),
            embedded_port=int(str(get("PG_PORT", base.embedded_port))),
            http_timeout=float(str(get("HTTP_TIMEOUT", base.http_timeout))),
            http_connect_timeout=float(str(get("HTTP_CONNECT_TIMEOUT",
                                               base.http_connect_timeout))),
            max_feed_bytes=int(str(get("MAX_FEED_BYTES", base.max_feed_bytes))),
            fetch_concurrency=int(str(get("FETCH_CONCURRENCY", base.fetch_concurrency))),
            per_host_concurrency=int(str(get("PER_HOST_CONCURRENCY",
                                             base.per_host_concurrency))),
            user_agent=str(get("USER_AGENT", base.user_agent)),
            load_batch_size=int(str(get("LOAD_BATCH_SIZE", base.load_batch_size))),
            max_failed_feed_share=float(str(get("MAX_FAILED_FEED_SHARE",
                                                base.max_failed_feed_share))),
            allow_private_hosts=tuple(h.strip() for h in allow.split(",") if h.strip()),
            http_total_timeout=float(str(get("HTTP_TOTAL_TIMEOUT", base.http_total_timeout))),
            max_redirects=int(str(get("MAX_REDIRECTS", base.max_redirects))),
            max_retry_after=float(str(get("MAX_RETRY_AFTER", base.max_retry_after))),
            max_replacement_ratio=float(str(get("MAX_REPLACEMENT_RATIO",
                                                base.max_replacement_ratio))),
            backoff_base=float(str(get("BACKOFF_BASE", base.backoff_base))),
            backoff_cap=float(str(get("BACKOFF_CAP", base.backoff_cap))),
            disable_after=int(str(get("DISABLE_AFTER", base.disable_after))),
            page_concurrency=int(str(get("PAGE_CONCURRENCY", base.page_concurrency))),
            page_per_host=int(str(get("PAGE_PER_HOST", base.page_per_host))),
            page_interval=float(str(get("PAGE_INTERVAL", base.page_interval))),
            page_timeout=float(str(get("PAGE_TIMEOUT", base.page_timeout))),
            max_page_bytes=int(str(get("MAX_PAGE_BYTES", base.max_page_bytes))),
            max_pages_per_feed=int(str(get("MAX_PAGES_PER_FEED", base.max_pages_per_feed))),
            keep_raw=str(get("KEEP_RAW", "1")).lower() not in ("0", "false", "no", "off"),
            raw_retention_days=int(str(get("RAW_RETENTION_DAYS", base.raw_retention_days))),
            raw_max_bytes=int(str(get("RAW_MAX_BYTES", base.raw_max_bytes))),
        )
