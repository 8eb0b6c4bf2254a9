"""Pending guarded requests in SQL: one process executes, whatever the race (SQLite, PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

from bot.adapters.storage import Storage
from bot.adapters.storage.engine import make_engine
from bot.adapters.storage.follow_ups_sql import SqlFollowUps
from bot.adapters.storage.guarded_sql import SqlGuardedRecords
from bot.core.authorization import PendingAction, args_digest
from bot.core.follow_ups import LogFilterSet

from .databases import T0


def pending(request_id: str) -> PendingAction:
    args = {"verb": "bounce", "domain": "yahoo.com", "reason": "x"}
    return PendingAction(
        request_id=request_id, verb="bounce", args=args, digest=args_digest("bounce", args),
        command_text="bounce yahoo.com --reason x", requester="U0ALICE", decision="sign-off",
        action_class="dangerous", fingerprint="f", approvals_needed=1, created=T0,
        expires=T0 + timedelta(minutes=15))


def approve(records: SqlGuardedRecords, request_id: str, start: threading.Barrier,
            won: list[bool]) -> None:
    start.wait()
    won.append(records.transition(request_id, old="pending", new="executing", now=T0))


def test_two_processes_approving_at_once_execute_it_once(storage: Storage,
                                                          database_url: str) -> None:
    # Two replicas: each its own engine (its own connection pool) on one database.
    replicas = [SqlGuardedRecords(storage.engine), SqlGuardedRecords(make_engine(database_url))]
    for round_ in range(10):
        request_id = f"race{round_}"
        replicas[0].add(pending(request_id), scope="domain:yahoo.com")
        start = threading.Barrier(2)
        won: list[bool] = []

        threads = [threading.Thread(target=approve, args=(r, request_id, start, won))
                   for r in replicas]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(won) == [False, True]
        stored = replicas[1].get(request_id)
        assert stored is not None and stored.status == "executing"


def test_approvals_are_recorded_only_over_what_the_clicker_saw(storage: Storage) -> None:
    records = SqlGuardedRecords(storage.engine)
    records.add(pending("r1"), scope="domain:yahoo.com")
    assert records.set_approvals("r1", seen=(), approvals=("U0BOB",), now=T0)
    assert not records.set_approvals("r1", seen=(), approvals=("U0CAROL",), now=T0)
    stored = records.get("r1")
    assert stored is not None and stored.approvals == ("U0BOB",)


def test_changes_on_a_scope_are_counted_in_the_window_without_the_request_itself(
        storage: Storage) -> None:
    records = SqlGuardedRecords(storage.engine)
    for name in ("a", "b"):
        records.add(pending(name), scope="domain:yahoo.com")
        records.transition(name, old="pending", new="done", now=T0)
    since = T0 - timedelta(minutes=15)
    assert records.changes_since("domain:yahoo.com", since) == 2
    assert records.changes_since("domain:yahoo.com", since, besides="b") == 1
    assert records.changes_since("domain:gmail.com", since) == 0


def test_a_cards_place_is_kept_and_read_back_with_the_request(storage: Storage) -> None:
    records = SqlGuardedRecords(storage.engine)
    records.add(pending("c1"), scope="domain:yahoo.com")
    assert records.get("c1") is not None and records.get("c1").message_ts is None  # type: ignore[union-attr]
    records.set_card("c1", channel="C0INCIDENT", ts="1700000000.000200")
    stored = records.get("c1")
    assert stored is not None and (stored.channel, stored.message_ts) == (
        "C0INCIDENT", "1700000000.000200")


def test_a_restart_is_taken_by_one_replica_only(storage: Storage, database_url: str) -> None:
    replicas = [SqlFollowUps(storage.engine), SqlFollowUps(make_engine(database_url))]
    assert replicas[0].see_online_since("mta1", seen=None, now_value="t0", now=T0)
    assert not replicas[1].see_online_since("mta1", seen=None, now_value="t0", now=T0)
    for round_ in range(5):  # kumod restarted: both replicas saw the old value
        old, new = f"t{round_}", f"t{round_ + 1}"
        start = threading.Barrier(2)
        won: list[bool] = []

        def take(replica: SqlFollowUps, old: str = old, new: str = new,
                 start: threading.Barrier = start, won: list[bool] = won) -> None:
            start.wait()
            won.append(replica.see_online_since("mta1", seen=old, now_value=new, now=T0))

        threads = [threading.Thread(target=take, args=(r,)) for r in replicas]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(won) == [False, True]
    assert replicas[1].online_since() == {"mta1": "t5"}


def test_a_log_filter_is_finished_once(storage: Storage) -> None:
    records = SqlFollowUps(storage.engine)
    for name, minutes in (("a", 0), ("b", 5)):
        records.add_log_filter(LogFilterSet(
            request_id=name, filter="kumod=debug", baseline="kumod=info", channel="C1",
            set_at=T0 + timedelta(minutes=minutes), until=T0 + timedelta(minutes=30)))
    latest = records.latest_log_filter()
    assert latest is not None and latest.request_id == "b"
    assert records.finish_log_filter("a", outcome="reverted", now=T0)
    assert not records.finish_log_filter("a", outcome="reverted", now=T0)
    finished = records.log_filter("a")
    assert finished is not None and finished.outcome == "reverted"
    assert not finished.active(T0) and latest.active(T0)
