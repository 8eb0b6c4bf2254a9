"""The SQL audit log: every event sealed onto one chain, read back newest first."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from bot.adapters.storage import SqlAuditLog, Storage
from bot.adapters.storage.engine import make_engine
from bot.core.answers import HealthAnswer
from bot.core.audit import Actor
from bot.core.audit_chain import GENESIS, seal
from bot.core.errors import StorageError
from bot.services import RequestContext, ServiceConfig, Services
from tests.fakes import YAHOO_MX, FakeMta, FakePark, FakeResolver, FixedClock

from .databases import KEY, T0, PostgresSchemas, event, open_test_storage, tampering


def test_appended_events_come_back_newest_first_exactly_as_written(storage: Storage) -> None:
    written = [event(n) for n in range(1, 6)]
    for e in written:
        storage.audit.append(e)
    assert storage.audit.recent() == list(reversed(written))
    assert storage.audit.recent(limit=2) == [written[4], written[3]]


def test_each_row_is_sealed_onto_the_one_before_and_the_head_is_signed(storage: Storage) -> None:
    for n in range(1, 4):
        storage.audit.append(event(n))
    rows = list(storage.audit.stored_rows())
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == GENESIS
    assert all(rows[i].prev_hash == rows[i - 1].hash for i in (1, 2))
    assert all(r.hash == seal(KEY, r.prev_hash, r.body) for r in rows)
    head = storage.audit.head()
    assert head is not None and head.seq == 3 and head.hash == rows[-1].hash
    assert head.signed_by(KEY) and not head.signed_by(b"another key entirely, 32 bytes!")


def test_an_intact_log_verifies(storage: Storage) -> None:
    for n in range(1, 11):
        storage.audit.append(event(n))
    report = storage.verify()
    assert report.ok and report.rows == 10
    assert "signed head: row 10" in report.render()


def test_an_empty_log_verifies(storage: Storage) -> None:
    report = storage.verify()
    assert report.ok and report.rows == 0 and "empty" in report.render()


def test_filters_by_person_id_or_name_time_and_incident(storage: Storage) -> None:
    storage.audit.append(event(1, actor="U0ALICE", name="alice", at=T0))
    storage.audit.append(event(2, actor="U0BOB", name="Bob", at=T0 + timedelta(hours=1),
                               incident="INC-7"))
    storage.audit.append(event(3, actor="U0ALICE", name="alice", at=T0 + timedelta(hours=2),
                               incident="INC-7"))
    audit = storage.audit
    assert [e.duration_ms for e in audit.recent(actor="U0BOB")] == [102]
    assert [e.duration_ms for e in audit.recent(actor="bob")] == [102]  # names: any case
    assert [e.duration_ms for e in audit.recent(since=T0 + timedelta(minutes=30))] == [103, 102]
    assert [e.duration_ms for e in audit.recent(incident_id="INC-7")] == [103, 102]
    assert audit.recent(actor="alice", incident_id="INC-7")[0].duration_ms == 103
    assert audit.recent(actor="nobody") == []


def test_times_come_back_in_utc_whatever_the_database(storage: Storage) -> None:
    storage.audit.append(event(1, at=T0 + timedelta(microseconds=123456)))
    (back,) = storage.audit.recent()
    assert back.at == T0 + timedelta(microseconds=123456) and back.at.utcoffset() == timedelta(0)


def test_odd_text_is_kept_verbatim(storage: Storage) -> None:
    text = "queue “yähoo.com” <!channel> ' \" \\ 🚀 " + "x" * 3000
    storage.audit.append(event(1, text=text, name="Zoë <@U1>"))
    (back,) = storage.audit.recent()
    assert back.command_text == text and back.actor.name == "Zoë <@U1>"
    assert storage.verify().ok


def test_export_records_carry_their_place_in_the_chain(storage: Storage) -> None:
    for n in range(1, 4):
        storage.audit.append(event(n, at=T0 + timedelta(hours=n)))
    records = list(storage.audit.records(since=T0 + timedelta(hours=2)))
    assert [r.seq for r in records] == [2, 3]
    assert records[1].prev_hash == records[0].hash
    assert records[0].correlation_id == "corr-0002"


def test_the_database_refuses_update_and_delete_on_audit_rows(storage: Storage) -> None:
    storage.audit.append(event(1))
    for statement in ("UPDATE audit_log SET actor_id = 'U0MALLORY'", "DELETE FROM audit_log"):
        with pytest.raises(sa.exc.DatabaseError, match="append-only"), \
                storage.engine.begin() as conn:
            conn.execute(sa.text(statement))
    assert storage.verify().ok


def test_postgres_also_refuses_truncate(postgres: PostgresSchemas, clock: FixedClock) -> None:
    storage = open_test_storage(postgres.new_url(), clock)  # SQLite has no TRUNCATE
    storage.audit.append(event(1))
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), storage.engine.begin() as conn:
        conn.execute(sa.text("TRUNCATE audit_log"))
    storage.close()


def test_a_second_process_continues_the_same_chain(database_url: str, clock: FixedClock) -> None:
    first = open_test_storage(database_url, clock)
    first.audit.append(event(1))
    second = open_test_storage(database_url, clock)  # as a restart or another replica would
    second.audit.append(event(2))
    first.audit.append(event(3))
    assert [e.duration_ms for e in second.audit.recent()] == [103, 102, 101]
    assert second.verify().ok and second.verify().rows == 3
    first.close()
    second.close()


def test_a_missing_head_row_is_a_storage_error_and_the_log_recovers(storage: Storage) -> None:
    storage.audit.append(event(1))
    with tampering(storage) as conn:
        saved = conn.execute(sa.text("SELECT * FROM audit_head")).mappings().one()
        conn.execute(sa.text("DELETE FROM audit_head"))
    with pytest.raises(StorageError):
        storage.audit.append(event(2))
    with storage.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO audit_head (id, seq, hash, signature, at) "
                             "VALUES (:id, :seq, :hash, :signature, :at)"), dict(saved))
    storage.audit.append(event(3))  # the connection that failed was cleaned up, not poisoned
    assert storage.verify().ok and storage.verify().rows == 2


def test_an_unreachable_database_is_a_storage_error_and_a_read_still_answers() -> None:
    gone = SqlAuditLog(make_engine("postgresql+psycopg://kumo:kumo@127.0.0.1:9/none"), key=KEY)
    with pytest.raises(StorageError, match="could not record"):
        gone.append(event(1))
    services = Services(park=FakePark([FakeMta("mta1")]),
                        resolver=FakeResolver({"yahoo.com": YAHOO_MX}), audit=gone,
                        clock=FixedClock(), config=ServiceConfig(log_dirs={}))
    answer = services.handle("health", RequestContext(actor=Actor(id="U1"), transport="cli"))
    assert isinstance(answer, HealthAnswer) and answer.recorded is False
