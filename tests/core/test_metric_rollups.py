"""The roll-up tiers' arithmetic: which step a window reads at, which blocks to build."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.metric_history import Snapshot
from bot.core.metric_rollups import ROLLUPS, blocks_to_build, downsample, step_for_window

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
TEN, HOURLY = ROLLUPS


def test_short_windows_read_every_sample_long_ones_the_roll_ups() -> None:
    assert step_for_window(timedelta(hours=1)) is None
    assert step_for_window(timedelta(hours=6)) is None
    assert step_for_window(timedelta(hours=24)) == timedelta(minutes=10)
    assert step_for_window(timedelta(days=7)) == timedelta(hours=1)
    assert step_for_window(timedelta(days=30)) == timedelta(hours=1)


def test_only_closed_blocks_are_built_from_where_the_last_one_ended() -> None:
    assert blocks_to_build(TEN, built_until=None, oldest=None, now=T0) == []
    assert blocks_to_build(TEN, built_until=T0 - timedelta(hours=4), oldest=None,
                           now=T0 + timedelta(minutes=1)) == [T0 - timedelta(hours=4),
                                                               T0 - timedelta(hours=2)]
    first = blocks_to_build(HOURLY, built_until=None, oldest=T0 - timedelta(days=30), now=T0)
    assert first[0] == T0 - timedelta(days=8) and first[-1] == T0 - timedelta(hours=6)
    assert blocks_to_build(HOURLY, built_until=T0, oldest=None,
                           now=T0 + timedelta(hours=5, minutes=59)) == []


def test_downsampling_keeps_each_buckets_latest_and_the_tail_whole() -> None:
    snaps = [Snapshot(node=n, at=T0 + timedelta(minutes=m), values={("sched", "q"): float(m)})
             for m in range(25) for n in ("mta1", "mta2")]
    got = downsample(snaps, timedelta(minutes=10), T0 + timedelta(minutes=22))
    assert [(s.at - T0, s.node) for s in got] == [
        (timedelta(minutes=m), n) for m in (9, 19, 21, 22, 23, 24) for n in ("mta1", "mta2")]
