"""What the metric sampler keeps of ``/metrics``, and how old snapshots are thinned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.metric_history import (
    KEEP_FOR,
    StoredPoint,
    compaction_plan,
    counter_delta,
    series_values,
)
from bot.core.models import MetricSample

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
PATH = "ip-1->(mta5|mta6|mta7).am0.yahoodns.net@smtp_client"


def _sample(family: str, value: float, **labels: str) -> MetricSample:
    return MetricSample(family, labels, value)


def test_the_history_keeps_per_queue_per_path_per_provider_tenant_memory_and_disk() -> None:
    values = series_values([
        _sample("scheduled_count", 7371, queue="spring:acme@yahoo.com"),
        _sample("ready_count", 12, service=f"smtp_client:{PATH}"),
        _sample("total_messages_delivered", 1005, service=f"smtp_client:{PATH}"),
        _sample("total_messages_delivered", 9000, service="smtp_client"),
        _sample("queued_count_by_provider", 9380, provider="yahoo"),
        _sample("scheduled_by_tenant", 8555, tenant="acme"),
        _sample("scheduled_by_tenant_campaign", 7371, tenant="acme", campaign="spring"),
        _sample("memory_usage", 1_000_000),
        _sample("disk_free_percent", 64, name="data spool"),
        _sample("lua_count", 4),
    ])
    assert values == {
        ("sched", "spring:acme@yahoo.com"): 7371,
        ("ready", PATH): 12,
        ("delivered", PATH): 1005,
        ("provider_queued", "yahoo"): 9380,
        ("tenant", "acme"): 8555,
        ("tenant_campaign", "acme\tspring"): 7371,
        ("memory_usage", ""): 1_000_000,
        ("disk_free_percent", "data spool"): 64,
    }


def test_the_bare_smtp_client_roll_up_is_not_kept_so_no_mail_is_counted_twice() -> None:
    values = series_values([_sample("ready_count", 40, service="smtp_client"),
                            _sample("ready_count", 0, service="esmtp_listener")])
    assert values == {}


def _minutes(node: str, count: int, *, step: timedelta = timedelta(minutes=1),
             start: int = 0) -> list[StoredPoint]:
    return [StoredPoint(id=start + i, node=node, at=NOW - i * step, step=step)
            for i in range(count)]


def test_recent_snapshots_are_kept_at_one_a_minute() -> None:
    plan = compaction_plan(_minutes("mta1", 6 * 60), NOW)
    assert plan.drop == () and dict(plan.restep) == {}


def test_snapshots_older_than_six_hours_keep_the_latest_of_each_ten_minutes() -> None:
    points = _minutes("mta1", 8 * 60)
    plan = compaction_plan(points, NOW)
    old = [p for p in points if NOW - p.at > timedelta(hours=6)]
    kept = {p.id for p in old} - set(plan.drop)
    assert 12 <= len(kept) <= 13  # two hours of ten-minute buckets (one may be cut by 6 h)
    assert all(plan.restep[i] == timedelta(minutes=10) for i in kept)
    assert not set(plan.drop) & {p.id for p in points if NOW - p.at <= timedelta(hours=6)}


def test_thinning_again_a_minute_later_keeps_one_snapshot_per_bucket() -> None:
    first = compaction_plan(_minutes("mta1", 8 * 60), NOW)
    survivors = [p if p.id not in first.restep else StoredPoint(p.id, p.node, p.at,
                                                                first.restep[p.id])
                 for p in _minutes("mta1", 8 * 60) if p.id not in first.drop]
    later = NOW + timedelta(minutes=1)
    newer = [StoredPoint(-1, "mta1", later, timedelta(minutes=1)), *survivors]
    second = compaction_plan(newer, later)
    buckets: dict[int, int] = {}
    for p in newer:
        if p.id not in second.drop and later - p.at > timedelta(hours=6):
            key = int((p.at - NOW).total_seconds() // 600)
            buckets[key] = buckets.get(key, 0) + 1
    assert set(buckets.values()) == {1}


def test_snapshots_older_than_two_days_keep_one_an_hour_and_after_eight_days_none() -> None:
    points = _minutes("mta1", 9 * 24 * 6, step=timedelta(minutes=10))
    plan = compaction_plan(points, NOW)
    dropped = set(plan.drop)
    assert all(p.id in dropped for p in points if NOW - p.at > KEEP_FOR)
    hourly = [p for p in points if timedelta(days=2) < NOW - p.at <= KEEP_FOR
              and p.id not in dropped]
    assert 143 <= len(hourly) <= 145  # six days of hours
    assert {plan.restep[p.id] for p in hourly} == {timedelta(hours=1)}


def test_each_node_is_thinned_on_its_own() -> None:
    points = _minutes("mta1", 7 * 60) + _minutes("mta2", 7 * 60, start=10_000)
    plan = compaction_plan(points, NOW)
    kept = {p.node for p in points if p.id in plan.restep}
    assert kept == {"mta1", "mta2"}


def test_a_counter_that_went_back_counts_from_zero_after_a_restart() -> None:
    assert counter_delta(100, 130) == 30
    assert counter_delta(100, 20) == 20
    assert counter_delta(None, 20) == 0
