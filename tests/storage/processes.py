"""Worker processes for the multi-process tests: forked from a server that has already
imported the bot, so each test pays the import once, not once per worker."""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.context import BaseContext


def worker_context() -> BaseContext:
    """A multiprocessing context whose workers start clean (no threads) and fast."""
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["bot.adapters.storage", "bot.adapters.scheduler",
                                "tests.storage.databases"])
    return ctx
