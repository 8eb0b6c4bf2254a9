"""Incidents in SQL, on SQLite and PostgreSQL: ids, channels, resolve, timeline entries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from bot.adapters.clock import SystemClock
from bot.adapters.storage import Storage
from bot.adapters.storage.incidents_sql import SqlIncidentStore
from bot.core.incidents import Incident, TimelineEntry

from .databases import T0, open_test_storage
from .processes import worker_context

STARTERS = 4
EACH = 5


def _incident(title: str = "Yahoo deferrals", channel: str | None = "C0INCIDENT",
              **kw: Any) -> Incident:
    return Incident(id="", title=title, domains=("yahoo.com",), channel=channel,
                    opened_by="U0ALICE", opened_at=kw.pop("at", T0), **kw)


def _store(storage: Storage) -> SqlIncidentStore:
    assert storage.incidents is not None
    return storage.incidents


def test_ids_are_numbered_per_utc_day_and_read_back_whatever_their_case(
        storage: Storage) -> None:
    store = _store(storage)
    first, second = store.create(_incident()), store.create(_incident(channel=None))
    next_day = store.create(_incident(at=T0 + timedelta(days=1), channel="C0OTHER"))
    assert [first.id, second.id, next_day.id] == [
        "INC-20261129-1", "INC-20261129-2", "INC-20261130-1"]
    assert store.get("inc-20261129-2") == second
    assert store.get("INC-20261129-9") is None
    assert [i.id for i in store.recent()] == [next_day.id, second.id, first.id]


def test_the_channel_finds_only_its_open_incident(storage: Storage) -> None:
    store = _store(storage)
    made = store.create(_incident(channel=None))
    assert store.by_channel("C0NEW") is None
    store.set_channel(made.id, "C0NEW")
    assert store.by_channel("C0NEW") == made.model_copy(update={"channel": "C0NEW"})
    store.resolve(made.id, by="U0BOB", at=T0 + timedelta(hours=1))
    assert store.by_channel("C0NEW") is None
    assert store.recent(include_resolved=False) == []


def test_resolving_twice_keeps_the_first_resolve(storage: Storage) -> None:
    store = _store(storage)
    made = store.create(_incident())
    first = store.resolve(made.id, by="U0BOB", at=T0 + timedelta(hours=1))
    again = store.resolve(made.id, by="U0CAROL", at=T0 + timedelta(hours=2))
    assert first == again
    assert (again.status, again.resolved_by, again.resolved_at) == (
        "resolved", "U0BOB", T0 + timedelta(hours=1))


def test_entries_come_back_oldest_first_and_a_keyed_entry_is_recorded_once(
        storage: Storage) -> None:
    store = _store(storage)
    made = store.create(_incident())
    late = TimelineEntry(at=T0 + timedelta(minutes=5), kind="note", actor="U0ALICE",
                         text="Note", quoted="<!channel> it is TSA")
    early = TimelineEntry(at=T0, kind="opened", actor="U0ALICE", text="Incident opened")
    store.add_entry(made.id, late)
    store.add_entry(made.id, early)
    hold = TimelineEntry(at=T0 + timedelta(minutes=1), kind="out-of-band", actor="kumod",
                         text="A suspension made outside the bot", nodes={"mta1": "listed"})
    assert store.add_entry_once(made.id, hold, key="out-of-band:abc") is True
    assert store.add_entry_once(made.id, hold, key="out-of-band:abc") is False
    assert store.entries(made.id) == [early, hold, late]
    assert store.entries("INC-20261129-9") == []


def _starter(url: str, barrier: Any, out: Any) -> None:
    storage = open_test_storage(url, SystemClock(), migrate=False)
    assert storage.incidents is not None
    barrier.wait()  # every replica starts incidents at the same moment
    out.put([storage.incidents.create(_incident(channel=None)).id for _ in range(EACH)])
    storage.close()


def test_replicas_starting_incidents_at_once_never_share_an_id(
        database_url: str, storage: Storage) -> None:
    ctx = worker_context()
    barrier, out = ctx.Barrier(STARTERS), ctx.Queue()
    procs = [ctx.Process(target=_starter, args=(database_url, barrier, out))
             for _ in range(STARTERS)]
    for proc in procs:
        proc.start()
    ids = [i for _ in procs for i in out.get(timeout=120)]
    for proc in procs:
        proc.join(timeout=60)
    assert [proc.exitcode for proc in procs] == [0] * STARTERS
    assert sorted(ids) == sorted(f"INC-20261129-{n}" for n in range(1, STARTERS * EACH + 1))
    assert len(_store(storage).recent(limit=100)) == STARTERS * EACH


def test_a_channel_holds_one_open_incident_even_when_two_starts_race(storage: Storage) -> None:
    import pytest

    from bot.core.errors import UserInputError

    store = _store(storage)
    first = store.create(_incident(channel="C0RACE"))
    # The second replica checked by_channel before the first one's insert: the index refuses.
    with pytest.raises(UserInputError, match=f"already lives in this channel: {first.id}"):
        store.create(_incident(title="Again", channel="C0RACE"))
    assert [i.id for i in store.recent()] == [first.id]
    store.resolve(first.id, by="U0ALICE", at=T0)
    assert store.create(_incident(title="Next", channel="C0RACE")).id == "INC-20261129-2"
