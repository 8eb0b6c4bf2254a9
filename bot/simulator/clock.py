"""The simulator's clock: real time, scaled real time, or time moved by hand.

Every remaining duration, expiry, metric and log timestamp of a simulated park
derives from one `SimClock`, so a demo can run an hour in a minute (`scale=60`)
and a test can jump over a two-hour suspension with `advance()`.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from bot.simulator.wire import to_ns


class SimClock:
    """Simulated UTC time: `start` plus real elapsed time times `scale`, plus any advances."""

    def __init__(self, start: datetime | None = None, scale: float = 1.0) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("SimClock start must be timezone-aware (UTC)")
        if scale < 0:
            raise ValueError("SimClock scale must be >= 0")
        self._lock = threading.Lock()
        self._base = (start or datetime.now(UTC)).astimezone(UTC)
        self._base_real = time.monotonic()
        self._scale = scale

    @property
    def scale(self) -> float:
        """How many simulated seconds pass per real second (0 freezes the clock)."""
        return self._scale

    def now(self) -> datetime:
        """The current simulated time, timezone-aware UTC."""
        with self._lock:
            return self._now_locked()

    def now_ns(self) -> int:
        """The current simulated time as nanoseconds since the epoch."""
        return to_ns(self.now())

    def advance(self, delta: timedelta) -> datetime:
        """Jump forward by `delta` and return the new time; the clock never goes back."""
        if delta < timedelta(0):
            raise ValueError("SimClock cannot go backwards")
        with self._lock:
            self._base = self._now_locked() + delta
            self._base_real = time.monotonic()
            return self._base

    def set_scale(self, scale: float) -> None:
        """Change the speed from now on (1.0 real time, 60.0 an hour a minute, 0 frozen)."""
        if scale < 0:
            raise ValueError("SimClock scale must be >= 0")
        with self._lock:
            self._base = self._now_locked()
            self._base_real = time.monotonic()
            self._scale = scale

    def _now_locked(self) -> datetime:
        elapsed = (time.monotonic() - self._base_real) * self._scale
        return self._base + timedelta(seconds=elapsed)
