"""The scheduler: jobs in SQL, on the Clock's time, run once across workers and restarts.

Time is a fake clock the tests move; nothing sleeps.  ``audit.note`` (a job that writes
a note into the audit log) is the job that proves a run happened, and how many times.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.__main__ import main
from bot.adapters.audit_jobs import COPY_HEAD, NOTE, PRUNE_KEYS, standard_handlers
from bot.adapters.scheduler import Scheduler
from bot.adapters.storage import FileAnchor, Storage
from bot.bootstrap import build_scheduler
from bot.core.jobs import Job
from tests.fakes import FixedClock

from .databases import KEY, T0, event, open_test_storage
from .processes import worker_context


def _scheduler(storage: Storage, clock: FixedClock, **handlers: Any) -> Scheduler:
    return Scheduler(storage.jobs, clock, handlers=handlers or standard_handlers(storage, clock))


def _notes(storage: Storage, text: str) -> int:
    return sum(1 for e in storage.audit.recent(limit=1000) if e.phase == "note"
               and e.detail == text)


def test_a_job_runs_when_it_is_due_and_only_once(storage: Storage, clock: FixedClock) -> None:
    storage.jobs.schedule(NOTE, due=T0 + timedelta(minutes=10), payload={"text": "hello"})
    scheduler = _scheduler(storage, clock)
    assert scheduler.run_due() == 0
    clock.advance(timedelta(minutes=9, seconds=59))
    assert scheduler.run_due() == 0
    clock.advance(timedelta(seconds=1))
    assert scheduler.run_due() == 1
    assert scheduler.run_due() == 0
    clock.advance(timedelta(days=1))
    assert scheduler.run_due() == 0
    assert _notes(storage, "hello") == 1
    (row,) = storage.jobs.states(NOTE)
    assert row["state"] == "done" and row["lease_owner"] is None


def test_a_keyed_job_is_queued_once_and_can_be_cancelled(
    storage: Storage, clock: FixedClock
) -> None:
    due = T0 + timedelta(minutes=5)
    assert storage.jobs.schedule(NOTE, due=due, key="expire:42", payload={"text": "a"})
    assert not storage.jobs.schedule(NOTE, due=due, key="expire:42", payload={"text": "b"})
    assert storage.jobs.cancel("expire:42") and not storage.jobs.cancel("expire:42")
    clock.advance(timedelta(hours=1))
    assert _scheduler(storage, clock).run_due() == 0


def _race(url: str, barrier: Any, out: Any) -> None:
    storage = open_test_storage(url, FixedClock(T0 + timedelta(minutes=1)), migrate=False)
    scheduler = _scheduler(storage, FixedClock(T0 + timedelta(minutes=1)))
    barrier.wait()
    out.put(scheduler.run_due())
    storage.close()


def test_a_job_due_with_two_worker_processes_runs_once(
    database_url: str, storage: Storage
) -> None:
    storage.jobs.schedule(NOTE, due=T0, payload={"text": "once"})
    ctx = worker_context()
    barrier, out = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_race, args=(database_url, barrier, out)) for _ in range(2)]
    for proc in procs:
        proc.start()
    ran = sorted(out.get(timeout=60) for _ in procs)
    for proc in procs:
        proc.join(timeout=30)
    assert ran == [0, 1]
    assert _notes(storage, "once") == 1


def test_after_a_restart_a_due_job_still_runs(database_url: str, clock: FixedClock) -> None:
    before = open_test_storage(database_url, clock)
    before.jobs.schedule(NOTE, due=T0 + timedelta(minutes=30), payload={"text": "survives"})
    assert _scheduler(before, clock).run_due() == 0
    before.close()  # the process stops; time passes while it is down
    clock.advance(timedelta(hours=2))
    after = open_test_storage(database_url, clock)
    assert _scheduler(after, clock).run_due() == 1
    assert _notes(after, "survives") == 1
    after.close()


def test_a_job_whose_worker_died_runs_again_once_its_lease_expires(
    storage: Storage, clock: FixedClock
) -> None:
    storage.jobs.schedule(NOTE, due=T0, payload={"text": "orphan"})
    (claimed,) = storage.jobs.claim_due(worker="dead-worker", names=[NOTE],
                                        lease=timedelta(minutes=5))
    survivor = _scheduler(storage, clock)
    clock.advance(timedelta(minutes=4))
    assert survivor.run_due() == 0  # still leased to the dead worker
    clock.advance(timedelta(minutes=2))
    assert survivor.run_due() == 1
    assert _notes(storage, "orphan") == 1
    assert not storage.jobs.finish(claimed, worker="dead-worker")  # its lease is gone


def test_a_failing_job_is_retried_later_then_given_up(
    storage: Storage, clock: FixedClock
) -> None:
    calls: list[int] = []

    def flaky(job: Job) -> None:
        calls.append(job.attempts)
        raise RuntimeError("upstream said no")

    storage.jobs.schedule("flaky", due=T0)
    scheduler = Scheduler(storage.jobs, clock, handlers={"flaky": flaky}, max_attempts=3)
    assert scheduler.run_due() == 1
    assert scheduler.run_due() == 0  # not again at once: it waits its backoff
    for _ in range(2):
        clock.advance(timedelta(hours=1))
        scheduler.run_due()
    clock.advance(timedelta(days=1))
    assert scheduler.run_due() == 0
    assert calls == [1, 2, 3]
    (row,) = storage.jobs.states("flaky")
    assert row["state"] == "failed" and "upstream said no" in row["last_error"]


def test_a_repeating_job_runs_each_period_and_skips_missed_ones(
    storage: Storage, clock: FixedClock
) -> None:
    runs: list[object] = []
    storage.jobs.schedule("tick", due=T0, every=timedelta(minutes=5), key="tick")
    scheduler = Scheduler(storage.jobs, clock, handlers={"tick": lambda job: runs.append(1)})
    assert scheduler.run_due() == 1
    clock.advance(timedelta(minutes=5))
    assert scheduler.run_due() == 1
    clock.advance(timedelta(hours=3))  # the process was paused for many periods
    assert scheduler.run_due() == 1
    assert scheduler.run_due() == 0
    assert len(runs) == 3


def test_a_job_this_process_has_no_handler_for_is_left_for_another(
    storage: Storage, clock: FixedClock
) -> None:
    storage.jobs.schedule("approval.expire", due=T0)
    assert _scheduler(storage, clock).run_due() == 0
    (row,) = storage.jobs.states("approval.expire")
    assert row["state"] == "pending" and row["attempts"] == 0


def test_the_anchor_job_copies_the_signed_head_to_the_file(
    database_url: str, clock: FixedClock, tmp_path: Path
) -> None:
    anchor = FileAnchor(tmp_path / "head.json")
    storage = open_test_storage(database_url, clock, anchors=[anchor])
    scheduler = build_scheduler(storage, clock=clock)
    scheduler.run_due()
    assert anchor.read() is None  # nothing signed yet
    storage.audit.append(event(1))
    storage.audit.append(event(2))
    clock.advance(timedelta(minutes=5))
    assert scheduler.run_due() == 1
    copied = anchor.read()
    assert copied is not None and copied.seq == 2 and copied.signed_by(KEY)
    assert storage.verify().ok and "head.json: row 2 matches" in storage.verify().render()
    names = {row["name"] for row in storage.jobs.states()}
    assert names == {COPY_HEAD, PRUNE_KEYS}
    build_scheduler(storage, clock=clock)  # a second start-up queues nothing new
    assert len(storage.jobs.states()) == 2
    storage.close()


def test_kumo_bot_watch_once_runs_the_jobs_that_are_due(
    database_url: str, clock: FixedClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("KUMO_AUDIT_ANCHOR", "KUMO_DATA_DIR", "DATABASE_URL", "KUMO_AUDIT_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("KUMO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KUMO_AUDIT_KEY", KEY.decode())
    storage = open_test_storage(database_url, clock)
    storage.jobs.schedule(NOTE, due=T0 - timedelta(days=1), payload={"text": "from watch"})
    assert main(["watch", "--once"]) == 0
    assert "ran 1 due job(s)" in capsys.readouterr().out
    assert _notes(storage, "from watch") == 1
    storage.close()
