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
        )
