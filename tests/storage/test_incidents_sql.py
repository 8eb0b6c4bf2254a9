"""Incidents in SQL, on SQLite and PostgreSQL: ids, channels, resolve, timeline entries."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.adapters.audit_memory import InMemoryAuditLog
from bot.adapters.clock import SystemClock
from bot.adapters.storage import Storage
from bot.adapters.storage.engine import make_engine
from bot.adapters.storage.incidents_sql import SqlIncidentStore
from bot.core.answers import ErrorAnswer
from bot.core.audit import Actor
from bot.core.errors import StorageError
from bot.core.incidents import Incident, TimelineEntry
from bot.services import RequestContext, ServiceConfig, Services
from tests.fakes import YAHOO_MX, FakeMta, FakePark, FakeResolver, FixedClock

from .databases import T0, open_test_storage, sqlite_url
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


@pytest.fixture(params=["sqlite-folder-removed", "postgresql-wrong-port"])
def gone_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlIncidentStore]:
    """A store whose database went away after it was opened (an outage)."""
    if request.param == "postgresql-wrong-port":
        engine = make_engine("postgresql+psycopg://kumo:kumo@127.0.0.1:9/none")
        yield SqlIncidentStore(engine)
        engine.dispose()
        return
    folder = tmp_path / "db"
    storage = open_test_storage(sqlite_url(folder), FixedClock(T0))
    _store(storage).create(_incident())
    storage.engine.dispose()  # no pooled connection keeps the removed file open
    shutil.rmtree(folder)
    yield _store(storage)
    storage.close()


ENTRY = TimelineEntry(at=T0, kind="note", actor="U0ALICE", text="Note")
EVERY_METHOD: dict[str, Callable[[SqlIncidentStore], object]] = {
    "create": lambda s: s.create(_incident()),
    "get": lambda s: s.get("INC-20261129-1"),
    "by_channel": lambda s: s.by_channel("C0INCIDENT"),
    "recent": lambda s: s.recent(),
    "resolve": lambda s: s.resolve("INC-20261129-1", by="U0BOB", at=T0),
    "set_channel": lambda s: s.set_channel("INC-20261129-1", "C0NEW"),
    "add_entry": lambda s: s.add_entry("INC-20261129-1", ENTRY),
    "add_entry_once": lambda s: s.add_entry_once("INC-20261129-1", ENTRY, key="k"),
    "entries": lambda s: s.entries("INC-20261129-1"),
}


@pytest.mark.parametrize("method", sorted(EVERY_METHOD))
def test_every_method_of_a_store_whose_database_went_away_is_a_storage_error(
        gone_store: SqlIncidentStore, method: str) -> None:
    with pytest.raises(StorageError, match=r"^The incidents could not") as raised:
        EVERY_METHOD[method](gone_store)
    assert raised.value.hint and "DATABASE_URL" in raised.value.hint


@pytest.mark.parametrize("text", [
    "incident status --incident INC-20261129-1", "queue yahoo.com --incident INC-20261129-1",
    "incident list", 'incident start "Yahoo deferrals" --domain yahoo.com'])
def test_an_incident_command_during_a_database_outage_is_a_clear_storage_answer(
        gone_store: SqlIncidentStore, text: str) -> None:
    services = Services(park=FakePark([FakeMta("mta1")]),
                        resolver=FakeResolver({"yahoo.com": YAHOO_MX}), audit=InMemoryAuditLog(),
                        clock=FixedClock(T0), config=ServiceConfig(log_dirs={}),
                        incidents=gone_store)
    answer = services.handle(text, RequestContext(actor=Actor(id="U0ALICE"), transport="test"))
    assert isinstance(answer, ErrorAnswer), answer
    assert answer.error_type == "StorageError"
    assert answer.message.startswith("The incidents could not")
