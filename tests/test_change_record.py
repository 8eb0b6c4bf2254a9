"""A change on the record: the intent row is written before the change runs, or it never runs.

The action here is a fake change (it only notes that it ran); the audit log is the
real SQL one on SQLite, or a log whose database is gone.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.storage import Storage, open_storage
from bot.core.audit import Actor, AuditEvent
from bot.core.errors import StorageError, UpstreamUnavailable
from bot.use_cases.change_record import ChangeRecord, record_change
from tests.fakes import BrokenAuditLog, FixedClock

INTENT = AuditEvent(
    at=FixedClock().now(), actor=Actor(id="U0ALICE", name="alice"), transport="slack-socket",
    command_text="suspend yahoo.com --for 1h --reason 'TSS04'", action_class="change",
    parsed={"verb": "suspend", "domain": "yahoo.com"}, nodes=["mta1", "mta2"],
    correlation_id="change-1",
)


@pytest.fixture
def storage(tmp_path: Path) -> Iterator[Storage]:
    opened = open_storage(f"sqlite:///{tmp_path / 'kumo.sqlite3'}",
                          key=b"change-record-test-key-012345678", clock=FixedClock())
    yield opened
    opened.close()


def test_the_intent_is_on_record_before_the_change_runs_and_outcomes_follow(
    storage: Storage,
) -> None:
    seen_at_start: list[AuditEvent] = []

    def suspend_everywhere(change: ChangeRecord) -> str:
        seen_at_start.extend(storage.audit.recent())
        change.outcome("ok", node="mta1", detail="suspension id 4a1c")
        change.outcome("unknown", node="mta2", detail="timed out; reconcile by reading")
        return "done"

    result, change = record_change(storage.audit, FixedClock(), INTENT, suspend_everywhere)
    assert result == "done" and change.unrecorded == 0
    (intent,) = seen_at_start
    assert (intent.phase, intent.outcome, intent.correlation_id) == ("intent", "unknown",
                                                                    "change-1")
    rows = list(reversed(storage.audit.recent()))
    assert [(r.phase, r.outcome, r.nodes) for r in rows] == [
        ("intent", "unknown", ["mta1", "mta2"]),
        ("outcome", "ok", ["mta1"]),
        ("outcome", "unknown", ["mta2"]),
    ]
    assert {r.correlation_id for r in rows} == {"change-1"}
    assert storage.verify().ok


def test_a_change_whose_intent_cannot_be_written_does_not_run() -> None:
    ran: list[bool] = []
    with pytest.raises(StorageError, match="The change was not made") as raised:
        record_change(BrokenAuditLog(), FixedClock(), INTENT, lambda change: ran.append(True))
    assert ran == []
    assert "Nothing was sent to any node" in str(raised.value)


def test_a_change_that_records_nothing_itself_gets_one_ok_outcome(storage: Storage) -> None:
    record_change(storage.audit, FixedClock(), INTENT, lambda change: None)
    newest = storage.audit.recent()[0]
    assert (newest.phase, newest.outcome) == ("outcome", "ok")


def test_a_failed_change_is_recorded_as_an_error_and_the_error_goes_on(storage: Storage) -> None:
    def refused(change: ChangeRecord) -> None:
        raise UpstreamUnavailable("mta1 did not answer", node="mta1")

    with pytest.raises(UpstreamUnavailable):
        record_change(storage.audit, FixedClock(), INTENT, refused)
    newest = storage.audit.recent()[0]
    assert (newest.phase, newest.outcome) == ("outcome", "error")
    assert "mta1 did not answer" in newest.detail


def test_a_change_that_crashed_is_recorded_with_an_unknown_outcome(storage: Storage) -> None:
    def crashed(change: ChangeRecord) -> None:
        raise RuntimeError("bug")

    with pytest.raises(RuntimeError):
        record_change(storage.audit, FixedClock(), INTENT, crashed)
    assert storage.audit.recent()[0].outcome == "unknown"


def test_an_outcome_that_cannot_be_written_is_counted_not_hidden(storage: Storage) -> None:
    class FailsAfterIntent:
        def __init__(self) -> None:
            self.rows: list[AuditEvent] = []

        def append(self, event: AuditEvent) -> None:
            if self.rows:
                raise OSError("disk full")
            self.rows.append(event)

        def recent(self, **_: object) -> list[AuditEvent]:
            return list(self.rows)

    def suspend(change: ChangeRecord) -> bool:
        return change.outcome("ok", node="mta1")  # the change is made; its row is not

    log = FailsAfterIntent()
    written, change = record_change(log, FixedClock(), INTENT, suspend)
    assert written is False and change.unrecorded == 1
    assert [r.phase for r in log.rows] == ["intent"]
