"""Several processes appending at once still leave one chain that verifies."""

from __future__ import annotations

from typing import Any

from bot.adapters.clock import SystemClock
from bot.adapters.storage import Storage

from .databases import event, open_test_storage
from .processes import worker_context

WRITERS = 4
EVENTS_EACH = 250


def _writer(url: str, writer: int, barrier: Any) -> None:
    storage = open_test_storage(url, SystemClock(), migrate=False)
    barrier.wait()  # everyone starts together, so the appends really interleave
    for n in range(EVENTS_EACH):
        storage.audit.append(event(n, actor=f"U0WRITER{writer}", name=f"writer{writer}"))
    storage.close()


def test_four_processes_writing_250_events_each_leave_one_chain_of_1000_that_verifies(
    database_url: str, storage: Storage
) -> None:
    ctx = worker_context()
    barrier = ctx.Barrier(WRITERS)
    procs = [ctx.Process(target=_writer, args=(database_url, w, barrier))
             for w in range(WRITERS)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=120)
    assert [proc.exitcode for proc in procs] == [0] * WRITERS
    report = storage.verify()
    assert report.ok, report.render()
    assert report.rows == WRITERS * EVENTS_EACH
    writers_in_order = [r.columns["actor_id"] for r in storage.audit.stored_rows()]
    for w in range(WRITERS):
        assert writers_in_order.count(f"U0WRITER{w}") == EVENTS_EACH
