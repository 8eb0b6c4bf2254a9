"""Roll-ups of the metric history (SQLite and PostgreSQL): a long window read from the
blocks is exactly the raw snapshots downsampled, and ``trend`` gives the same answer."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from bot.adapters.storage import Storage
from bot.adapters.storage.metrics_sql import SqlMetricHistory
from bot.adapters.storage.tables import METRIC_ROLLUPS
from bot.core.metric_history import Snapshot
from bot.core.metric_rollups import ROLLUPS, downsample
from bot.core.models import MxRecord
from bot.core.scope import scope_for
from bot.core.trend import RATE_WINDOW, PathLimit, drain_estimate, format_span, scope_trend

from .databases import T0

SITE = "(mta5|mta6|mta7).am0.yahoodns.net"
YAHOO = scope_for("yahoo.com", [MxRecord(pref=1, host=f"mta{n}.am0.yahoodns.net")
                                for n in (5, 6, 7)])
PATH = f"ip-1->{SITE}@smtp_client"
OTHER = "ip-1->gmail-smtp-in.l.google.com@smtp_client"
TAIL = RATE_WINDOW + 1


def _times() -> list[timedelta]:
    """Ages kept as the thinning leaves them: a minute for 6 h, 10 min to 2 d, 1 h to 3 d."""
    ages = {timedelta(minutes=m) for m in range(0, 6 * 60)}
    ages |= {timedelta(minutes=m) for m in range(6 * 60, 48 * 60, 10)}
    ages |= {timedelta(hours=h) for h in range(48, 72)}
    return sorted(ages, reverse=True)


def _fill(history: SqlMetricHistory) -> None:
    rng = random.Random(11)
    for node in ("mta1", "mta2"):
        queued, delivered, deferred = 20_000.0, 0.0, 0.0
        for age in _times():
            queued = max(0.0, queued + rng.randrange(-150, 200))
            delivered += rng.randrange(0, 300)
            deferred += rng.randrange(0, 40)
            values = {("sched", "spring:acme@yahoo.com"): queued, ("ready", PATH): 12.0,
                      ("delivered", PATH): delivered, ("transfail", PATH): deferred,
                      ("connections", PATH): 3.0, ("sched", "gmail.com"): 77.0,
                      ("delivered", OTHER): delivered / 2}
            if node == "mta2" and timedelta(hours=20) < age < timedelta(hours=23):
                continue  # a node that did not answer for a while: a gap, not a failure
            history.record(Snapshot(node=node, at=T0 - age, values=values))


@pytest.fixture
def history(storage: Storage) -> SqlMetricHistory:
    assert storage.metrics is not None
    _fill(storage.metrics)
    storage.metrics.compact(T0)
    return storage.metrics


def _flat(snapshots: list[Snapshot]) -> list[tuple[str, object, dict[tuple[str, str], float]]]:
    return [(s.node, s.at, dict(s.values)) for s in snapshots]


def _in_scope(key: tuple[str, str]) -> bool:
    kind, name = key
    return YAHOO.covers_scheduled(name) if kind == "sched" else YAHOO.covers_ready(name)


def _blocks(history: SqlMetricHistory, *, since: datetime | None = None) -> int:
    query = sa.select(sa.func.count()).select_from(METRIC_ROLLUPS).where(
        METRIC_ROLLUPS.c.node != "")
    if since is not None:
        query = query.where(METRIC_ROLLUPS.c.start >= since)
    with history.engine.connect() as conn:
        return int(conn.execute(query).scalar() or 0)


@pytest.mark.parametrize("rollup", ROLLUPS, ids=["10min", "1h"])
def test_a_long_read_from_the_blocks_is_the_raw_history_downsampled(
    history: SqlMetricHistory, rollup: object
) -> None:
    assert _blocks(history) > 0
    step = rollup.step  # type: ignore[attr-defined]
    since = T0 - timedelta(days=2, hours=7)
    raw = history.snapshots(since=since, where=_in_scope)
    tail_start = sorted({s.at for s in raw})[-TAIL]
    fast = history.snapshots(since=since, where=_in_scope, step=step, keep_newest=TAIL)
    assert _flat(fast) == _flat(downsample(raw, step, tail_start))
    assert {s.node for s in fast} == {"mta1", "mta2"}
    assert all(set(s.values) <= {("sched", "spring:acme@yahoo.com"), ("ready", PATH),
                                 ("delivered", PATH), ("transfail", PATH),
                                 ("connections", PATH)} for s in fast)


def test_the_trend_from_the_roll_ups_drains_as_the_trend_from_every_sample(
    history: SqlMetricHistory,
) -> None:
    since = T0 - timedelta(days=3)
    raw = scope_trend(history.snapshots(since=since, where=_in_scope), YAHOO)
    fast = scope_trend(history.snapshots(since=since, where=_in_scope,
                                         step=timedelta(hours=1), keep_newest=TAIL), YAHOO)
    assert (len(fast), len(raw)) == (72 + TAIL, 636)  # an hour apart, then minutes
    assert fast[-TAIL:] == raw[-TAIL:]  # the rates "now" are measured on the same minutes
    assert fast[0].queued == raw[0].queued
    # every message counted once, whatever the spacing of the points
    assert sum(p.delivered for p in fast) == sum(p.delivered for p in raw)
    limits = [PathLimit(node=n, path=PATH, source="ip-1", max_message_rate="100/s",
                        connection_limit=2, suspended_until=T0 + timedelta(minutes=40))
              for n in ("mta1", "mta2")]
    rates = {"100/s": 100.0}
    a = drain_estimate(raw, limits, now=T0, pace=40.0, rate_per_second=rates)
    b = drain_estimate(fast, limits, now=T0, pace=40.0, rate_per_second=rates)
    assert (a.queued, a.draining_per_min, a.arriving_per_min, a.allowed_per_min) == (
        b.queued, b.draining_per_min, b.arriving_per_min, b.allowed_per_min)
    assert format_span(a.drain_allowed) == format_span(b.drain_allowed)
    assert format_span(a.drain_observed) == format_span(b.drain_observed)


def test_blocks_are_built_once_then_as_they_close_and_dropped_when_old(
    history: SqlMetricHistory,
) -> None:
    built = _blocks(history)
    history.compact(T0)
    assert _blocks(history) == built  # nothing closed since
    history.record(Snapshot(node="mta1", at=T0 + timedelta(hours=2),
                            values={("sched", "gmail.com"): 1.0}))
    history.compact(T0 + timedelta(hours=2, minutes=1))
    assert _blocks(history, since=T0) == 2  # the 10-minute block of 12:00-14:00 (two nodes)
    history.compact(T0 + timedelta(days=12))
    assert _blocks(history) == 0


def test_a_window_without_blocks_reads_the_snapshots_downsampled(storage: Storage) -> None:
    assert storage.metrics is not None
    for minute in range(30):  # no compaction yet: no block
        storage.metrics.record(Snapshot(node="mta1", at=T0 + timedelta(minutes=minute),
                                        values={("sched", "gmail.com"): float(minute)}))
    got = storage.metrics.snapshots(since=T0, step=timedelta(minutes=10), keep_newest=3)
    assert [(s.at - T0, s.values[("sched", "gmail.com")]) for s in got] == [
        (timedelta(minutes=9), 9.0), (timedelta(minutes=19), 19.0),
        (timedelta(minutes=26), 26.0),  # the bucket's latest before the whole tail
        (timedelta(minutes=27), 27.0), (timedelta(minutes=28), 28.0),
        (timedelta(minutes=29), 29.0)]


def test_a_block_another_process_built_first_is_left_as_it_is(
    history: SqlMetricHistory,
) -> None:
    from bot.adapters.storage.metrics_sql import unpack
    from bot.adapters.storage.rollups_sql import _build_one

    built = _blocks(history)
    with history.engine.begin() as conn:  # the same block again, as a second sampler would
        _build_one(conn, ROLLUPS[0], T0 - timedelta(hours=2), unpack)
    assert _blocks(history) == built
