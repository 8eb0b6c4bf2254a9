"""The TSA diary in SQL (SQLite and PostgreSQL): one entry per action, refreshes
coalesced, ends told apart, one notice claim, gaps kept."""

from __future__ import annotations

from datetime import timedelta

from bot.adapters.storage import Storage
from bot.adapters.storage.tsa_diary_sql import SqlTsaDiary
from bot.core.tsa_diary import sighting_of_frame
from tests.fakes import FixedClock

PATH = "ip-1->(mta5|mta6|mta7).am0.yahoodns.net@smtp_client"
HEX = "9f2c" * 16


def _frame(rule_hash: str, expires: str) -> dict[str, object]:
    return {"ReadyQSuspension": {"rule_hash": rule_hash, "site_name": PATH,
                                 "reason": "automation rule: \\[TS?S04\\]", "source": "ip-1",
                                 "expires": expires}}


def test_a_live_event_and_the_snapshot_of_the_same_action_make_one_entry(
    storage: Storage, clock: FixedClock,
) -> None:
    diary = SqlTsaDiary(storage.engine)
    live = sighting_of_frame("tsa", _frame(f"{PATH}-{HEX}", "2026-11-29T14:00:00Z"))
    snapshot = sighting_of_frame("tsa", _frame(HEX, "2026-11-29T14:00:00Z"))
    assert live.key == snapshot.key
    started = diary.observe("tsa", [live], seen_at=clock.now(), live=True)
    again = diary.observe("tsa", [snapshot], seen_at=clock.now(), live=False)
    assert [e.kind for e in started] == ["suspend-path"] and again == []
    [entry] = diary.entries(since=clock.now() - timedelta(hours=1))
    assert entry.rule == "\\[TS?S04\\]" and entry.path == PATH and entry.source == "ip-1"
    assert entry.duration == timedelta(hours=2) and entry.refreshes == 0


def test_a_storm_of_refreshes_within_a_minute_is_one_moment(
    storage: Storage, clock: FixedClock,
) -> None:
    diary = SqlTsaDiary(storage.engine)
    diary.observe("tsa", [sighting_of_frame("tsa", _frame(HEX, "2026-11-29T14:00:00Z"))],
                  seen_at=clock.now(), live=False)
    clock.advance(timedelta(minutes=5))
    for second in range(1, 11):  # ten 421s, one live event each, a second apart
        event = _frame(f"{PATH}-{HEX}", f"2026-11-29T14:05:{second:02d}Z")
        diary.observe("tsa", [sighting_of_frame("tsa", event)],
                      seen_at=clock.now() + timedelta(seconds=second), live=True)
    # a replayed older item never moves the expiry back
    diary.observe("tsa", [sighting_of_frame("tsa", _frame(HEX, "2026-11-29T14:00:00Z"))],
                  seen_at=clock.now(), live=False)
    [entry] = diary.entries(since=clock.now() - timedelta(hours=1))
    assert entry.refreshes == 10
    assert [m.events for m in entry.moments] == [1, 10]
    assert f"{entry.expires:%H:%M:%S}" == "14:05:10"


def test_an_entry_that_left_the_lists_ends_as_expired_or_vanished(
    storage: Storage, clock: FixedClock,
) -> None:
    diary = SqlTsaDiary(storage.engine)
    soon = sighting_of_frame("tsa", _frame(HEX, "2026-11-29T12:30:00Z"))
    other = sighting_of_frame("tsa", _frame("ab" * 32, "2026-11-29T15:00:00Z"))
    diary.observe("tsa", [soon, other], seen_at=clock.now(), live=False)
    clock.advance(timedelta(minutes=31))
    assert diary.settle("tsa", set(), now=clock.now()) == 2
    assert diary.settle("tsa", set(), now=clock.now()) == 0
    ends = {f"{e.first_expires:%H:%M}": e.end_reason
            for e in diary.entries(since=clock.now() - timedelta(hours=1))}
    assert ends == {"12:30": "expired", "15:00": "vanished"}


def test_the_same_action_after_it_ended_is_a_new_entry(
    storage: Storage, clock: FixedClock,
) -> None:
    diary = SqlTsaDiary(storage.engine)
    first = sighting_of_frame("tsa", _frame(HEX, "2026-11-29T12:30:00Z"))
    diary.observe("tsa", [first], seen_at=clock.now(), live=False)
    clock.advance(timedelta(hours=1))
    diary.settle("tsa", set(), now=clock.now())
    second = sighting_of_frame("tsa", _frame(HEX, "2026-11-29T15:00:00Z"))
    assert len(diary.observe("tsa", [second], seen_at=clock.now(), live=False)) == 1
    assert len(diary.entries(since=clock.now() - timedelta(hours=2))) == 2


def test_a_notice_is_claimed_once(storage: Storage, clock: FixedClock) -> None:
    diary = SqlTsaDiary(storage.engine)
    [entry] = diary.observe("tsa", [sighting_of_frame("tsa", _frame(HEX, "2026-11-29T14:00Z"))],
                            seen_at=clock.now(), live=False)
    assert diary.claim_notice(entry.id, worker="a", at=clock.now()) is True
    assert diary.claim_notice(entry.id, worker="b", at=clock.now()) is False


def test_a_gap_is_opened_once_and_closed_when_the_stream_is_back(
    storage: Storage, clock: FixedClock,
) -> None:
    diary = SqlTsaDiary(storage.engine)
    diary.open_gap("tsa", watcher="w1", at=clock.now(), detail="live stream cut")
    clock.advance(timedelta(minutes=2))
    diary.open_gap("tsa", watcher="w1", at=clock.now(), detail="still cut")
    assert diary.close_gap("tsa", watcher="w1", at=clock.now()) is True
    assert diary.close_gap("tsa", watcher="w1", at=clock.now()) is False
    [gap] = diary.gaps(since=clock.now() - timedelta(hours=1))
    assert gap.detail == "live stream cut" and gap.ended == clock.now()
