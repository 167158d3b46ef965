"""What the code reads from the environment: shared by the tests that hold the README and
the compose deployment to it."""

from __future__ import annotations

from typing import Any

from pipeline.quality import QualityThresholds
from pipeline.settings import Settings


class Recorder(dict):
    """An empty environment that remembers which variables were looked up."""

    def __init__(self) -> None:
        super().__init__()
        self.asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.asked.add(key)
        return default


def settings_variables() -> set[str]:
    """The variables :class:`Settings` and the quality limits look up."""
    env = Recorder()
    Settings.from_env(env)
    QualityThresholds.from_env(env)
    return env.asked
