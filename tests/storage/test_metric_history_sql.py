"""The metric history in SQL (SQLite and PostgreSQL), and the sampler job over the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.kumomta import HttpPark
from bot.adapters.metric_sampler import SAMPLE, sample_once
from bot.adapters.storage import Storage
from bot.adapters.storage.metrics_sql import pack, unpack
from bot.bootstrap import build_scheduler
from bot.core.metric_history import Snapshot
from bot.simulator import SimulatedPark
from tests.fakes import FixedClock

from .databases import T0

QUEUE = ("sched", "spring:acme@yahoo.com")


def test_a_snapshot_reads_back_with_every_series(storage: Storage) -> None:
    assert storage.metrics is not None
    values = {QUEUE: 7371.0, ("memory_usage", ""): 2_147_483_648.0, ("tenant", "acme"): 8555.0}
    storage.metrics.record(Snapshot(node="mta1", at=T0, values=values))
    (back,) = storage.metrics.snapshots(since=T0 - timedelta(minutes=1))
    assert back.node == "mta1" and back.at == T0 and dict(back.values) == values


def test_a_reader_asks_only_for_the_kinds_it_needs(storage: Storage) -> None:
    assert storage.metrics is not None
    storage.metrics.record(Snapshot(node="mta1", at=T0, values={QUEUE: 5.0,
                                                                ("tenant", "acme"): 5.0}))
    (back,) = storage.metrics.snapshots(since=T0, kinds={"tenant"})
    assert dict(back.values) == {("tenant", "acme"): 5.0}


def test_snapshots_come_back_oldest_first_within_the_window(storage: Storage) -> None:
    assert storage.metrics is not None
    for minute in range(5):
        for node in ("mta2", "mta1"):
            storage.metrics.record(Snapshot(node=node, at=T0 + timedelta(minutes=minute),
                                            values={QUEUE: float(minute)}))
    got = storage.metrics.snapshots(since=T0 + timedelta(minutes=2),
                                    until=T0 + timedelta(minutes=3))
    assert [(s.at - T0, s.node) for s in got] == [
        (timedelta(minutes=2), "mta1"), (timedelta(minutes=2), "mta2"),
        (timedelta(minutes=3), "mta1"), (timedelta(minutes=3), "mta2")]


def test_a_week_of_minutes_is_thinned_to_what_the_tiers_keep(storage: Storage) -> None:
    assert storage.metrics is not None
    start = T0 - timedelta(hours=8)
    for minute in range(8 * 60):
        storage.metrics.record(Snapshot(node="mta1", at=start + timedelta(minutes=minute),
                                        values={QUEUE: float(minute)}))
    dropped = storage.metrics.compact(T0)
    left = storage.metrics.snapshots(since=start)
    assert dropped > 0 and len(left) == 8 * 60 - dropped
    recent = [s for s in left if T0 - s.at <= timedelta(hours=6)]
    assert len(recent) == 6 * 60  # the last six hours stay at one a minute


def test_packing_round_trips_large_and_negative_values() -> None:
    values = {1: 0.0, 7: 2.0**40, 8: -3.0, 1000: 64.0}
    assert unpack(pack(values)) == values


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimulatedPark]:
    park = SimulatedPark.start("yahoo-tss04", log_root=tmp_path / "logs")
    yield park
    park.stop()


def test_the_sampler_stores_each_nodes_queue_metrics_every_minute(
    storage: Storage, clock: FixedClock, sim: SimulatedPark
) -> None:
    assert storage.metrics is not None
    park = HttpPark(sim.node_urls, {n: (u, ()) for n, u in sim.tsa_urls.items()}, timeout=3.0)
    scheduler = build_scheduler(storage, clock=clock, park=park)
    assert scheduler.run_due() >= 1  # the sample job is due at once
    clock.advance(timedelta(seconds=30))
    assert SAMPLE not in {j["name"] for j in storage.jobs.states()
                          if j["state"] == "running"}
    clock.advance(timedelta(seconds=30))
    scheduler.run_due()
    snapshots = storage.metrics.snapshots(since=T0 - timedelta(minutes=1))
    assert sorted({s.node for s in snapshots}) == ["mta1", "mta2", "mta3"]
    assert len(snapshots) == 6
    first = snapshots[0].values
    assert first[("tenant_campaign", "acme\tspring")] > 0
    assert first[("memory_usage", "")] > 0
    assert any(kind == "ready" and "yahoodns" in name for kind, name in first)


def test_a_node_that_does_not_answer_leaves_a_gap_not_a_failure(
    storage: Storage, clock: FixedClock, sim: SimulatedPark
) -> None:
    assert storage.metrics is not None
    sim.knobs("mta2").down = True
    park = HttpPark(sim.node_urls, {}, timeout=1.0, retries=0)
    stored = sample_once(park, storage.metrics, clock)
    assert stored == ["mta1", "mta3"]
    assert {s.node for s in storage.metrics.snapshots(since=T0)} == {"mta1", "mta3"}
