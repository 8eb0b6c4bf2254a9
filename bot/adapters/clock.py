"""Clocks: the wall clock, and one that follows another source (the simulator's)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


class SystemClock:
    """The real time, UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FollowingClock:
    """A clock that reads its time from a function (the demo follows the simulator's clock)."""

    def __init__(self, source: Callable[[], datetime]) -> None:
        self._source = source

    def now(self) -> datetime:
        return self._source()
