"""Settings, read from environment variables (Airflow passes its own the same way)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
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
        """Read ``AKHBAR_*`` variables; unset ones keep their defaults.

        Each field is read from ``AKHBAR_<FIELD>`` (a few keep shorter names, see
        ``_ENV_NAMES``) and converted by the type of its default, so a new setting needs
        no code here. A value that does not convert is an error naming the variable.
        """
        env = os.environ if env is None else env
        values: dict[str, object] = {}
        for f in fields(cls):
            name = "AKHBAR_" + _ENV_NAMES.get(f.name, f.name.upper())
            raw = env.get(name)
            if raw is None or (raw == "" and f.name == "database_url"):
                continue
            try:
                values[f.name] = _convert(raw, getattr(cls, f.name, None))
            except ValueError as exc:
                raise ValueError(f"{name}={raw!r}: {exc}") from None
        return cls(**values)


# Variables whose names predate the field they set.
_ENV_NAMES = {"feeds_path": "FEEDS", "embedded_port": "PG_PORT"}

_FALSE = ("0", "false", "no", "off")
_TRUE = ("1", "true", "yes", "on")


def _convert(raw: str, default: object) -> object:
    """``raw`` as the type of the field's default (text for the optional database URL)."""
    if isinstance(default, bool):
        value = raw.strip().lower()
        if value not in _FALSE + _TRUE:
            raise ValueError("expected one of " + ", ".join(_TRUE + _FALSE))
        return value in _TRUE
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError("expected a whole number") from None
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise ValueError("expected a number") from None
    if isinstance(default, Path):
        return Path(raw)
    if isinstance(default, tuple):
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw
