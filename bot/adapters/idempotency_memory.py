"""In-memory idempotency keys: the fake for tests, and the default of a bare ``SlackBot``.

One process only: replicas need ``SqlIdempotencyKeys``, which bootstrap always wires.
"""

from __future__ import annotations

import threading


class InMemoryIdempotencyKeys:
    """A set of claimed keys; ``claim`` is True once per key."""

    def __init__(self) -> None:
        self._claimed: set[str] = set()
        self._lock = threading.Lock()

    def claim(self, kind: str, value: str) -> bool:
        key = f"{kind}:{value}"
        with self._lock:
            if key in self._claimed:
                return False
            self._claimed.add(key)
            return True
