"""Big tallies on every core: one segment per worker process.

Decoding a log is CPU work in Python (the GIL serialises threads), so a tally over
gigabytes splits by segment over a process pool and merges the partial tallies
(``ResponseTally.merge``).  Small scans -- the demo, the tests, a short window --
stay in the calling process: starting workers would cost more than it saves.

The pool is created on first use with the ``forkserver`` start method (never
``fork``: the bot's threads may hold locks) and lives as long as the process.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import ProcessPoolExecutor

MIN_PARALLEL_BYTES = 16 << 20  # compressed; about 200 MB of records
MAX_WORKERS = 8

_pool: ProcessPoolExecutor | None = None
_pool_workers = 0
_lock = threading.Lock()


def default_workers() -> int:
    """One worker per core, at most ``MAX_WORKERS``; 1 means "do not start a pool"."""
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def shared_pool(workers: int) -> ProcessPoolExecutor:
    """The process pool, started on first use (and restarted if it broke)."""
    global _pool, _pool_workers
    with _lock:
        # ProcessPoolExecutor marks itself broken when a worker dies; it then refuses work.
        broken = _pool is not None and getattr(_pool, "_broken", False)
        if _pool is None or broken or _pool_workers != workers:
            if _pool is not None:
                _pool.shutdown(wait=False, cancel_futures=True)
            _pool = ProcessPoolExecutor(
                max_workers=workers, mp_context=multiprocessing.get_context("forkserver")
            )
            _pool_workers = workers
        return _pool
