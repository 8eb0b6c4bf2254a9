"""Two watcher processes on one PostgreSQL database post each notice once."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.clock import SystemClock
from bot.adapters.slack.emulator import SlackEmulator
from bot.simulator import SimulatedPark
from tests.storage.databases import SKIP_REASON, PostgresSchemas, open_test_storage, postgres_url
from tests.storage.processes import worker_context
from tests.tsa.watch_processes import watch


@pytest.fixture
def postgres_db() -> Iterator[str]:
    url = postgres_url()
    if url is None:
        pytest.skip(SKIP_REASON)
    schemas = PostgresSchemas(url)
    yield schemas.new_url()
    schemas.drop_all()


def test_two_watcher_processes_post_each_notice_once(postgres_db: str, tmp_path: Path) -> None:
    open_test_storage(postgres_db, SystemClock()).close()  # migrated once, before they start
    ctx = worker_context()
    slack = SlackEmulator()
    slack.start()
    with SimulatedPark.start("tsa-cycle", log_root=tmp_path / "logs") as park:
        stop = ctx.Event()
        readies = [ctx.Event() for _ in range(2)]
        frames = [ctx.Value("i", 0) for _ in range(2)]
        workers = [ctx.Process(target=watch, args=(postgres_db, park.tsa_urls["tsa"],
                                                   slack.api_url, f"w{i}", readies[i], stop,
                                                   frames[i]))
                   for i in range(2)]
        for process in workers:
            process.start()
        try:
            for ready in readies:
                assert ready.wait(60), "a watcher never opened its stream"
            park.advance(timedelta(minutes=8))  # the storm: both streams get every event
            deadline = time.monotonic() + 30  # a wait for the posts, not a measurement
            # Wait for both posts and for both streams to have seen live events: one
            # watcher may post both notices before the other has counted its frames.
            while ((len(slack.messages("C0INCIDENT")) < 2 or any(f.value == 0 for f in frames))
                   and time.monotonic() < deadline):
                time.sleep(0.05)
        finally:
            stop.set()
            for process in workers:
                process.join(timeout=60)
            slack.stop()
    assert all(p.exitcode == 0 for p in workers)
    assert all(f.value > 0 for f in frames)  # both saw the live events
    texts = [m.text for m in slack.messages("C0INCIDENT")]
    assert sum("Automation suspended" in t for t in texts) == 1
    assert sum("Automation throttled" in t for t in texts) == 1
    assert len(texts) == 2
