"""Metric history: what the sampler keeps of each node's ``/metrics``, and for how long.

Every minute the sampler reads each node's queue metrics and keeps one *snapshot* per
node: a value per series, a series being a kind and a name (``sched`` + a scheduled
queue, ``ready`` + a ready queue, ``provider_queued`` + a provider, ``tenant`` + a
tenant, ...).  Old snapshots are thinned (``compaction_plan``): one a minute for six
hours, one per ten minutes for two days, one an hour for eight days, none after.
Thinning keeps the *latest* snapshot of each bucket, so counters stay exact (a delta
over a longer step is still the true delta) and gauges read as at that moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.core.models import MetricSample

SeriesKey = tuple[str, str]
"""(kind, name): ``("sched", "spring:acme@yahoo.com")``, ``("memory_usage", "")``."""

SAMPLE_EVERY = timedelta(minutes=1)

# (older than, keep one snapshot per): the thinning tiers, finest first.
TIERS: tuple[tuple[timedelta, timedelta], ...] = (
    (timedelta(hours=6), timedelta(minutes=10)),
    (timedelta(days=2), timedelta(hours=1)),
)
KEEP_FOR = timedelta(days=8)
"""Snapshots older than this are dropped: a week of history, and a day to spare."""

# Families read from /metrics, and how each becomes a series: (kind, label to read).
_BY_SERVICE = {
    "ready_count": "ready",
    "connection_count": "connections",
    "total_messages_delivered": "delivered",
    "total_messages_transfail": "transfail",
    "total_messages_fail": "fail",
}
_BY_LABEL = {
    "scheduled_count": ("sched", "queue"),
    "queued_count_by_provider": ("provider_queued", "provider"),
    "total_messages_delivered_by_provider": ("provider_delivered", "provider"),
    "total_messages_transfail_by_provider": ("provider_transfail", "provider"),
    "total_messages_fail_by_provider": ("provider_fail", "provider"),
    "scheduled_by_tenant": ("tenant", "tenant"),
    "disk_free_percent": ("disk_free_percent", "name"),
}
_PLAIN = {"memory_usage", "memory_limit"}
_LATENCY = "deliver_message_latency_rollup"
"""SMTP transactions and the seconds they took (its ``_count`` and ``_sum``): how fast
one busy connection delivers, whatever the traffic (``trend.delivery_pace``)."""
_CLIENT = "smtp_client:"
CAMPAIGN_SEPARATOR = "\t"  # between tenant and campaign: neither kumod name holds a tab

HISTORY_METRICS = frozenset(
    {*_BY_SERVICE, *_BY_LABEL, *_PLAIN, "scheduled_by_tenant_campaign", _LATENCY}
)
"""The metric families the sampler asks each node for."""


def _series_key(sample: MetricSample) -> SeriesKey | None:
    name, labels = sample.name, sample.labels
    if name in _BY_SERVICE:
        service = labels.get("service", "")
        # Only per-path series: the bare `smtp_client` roll-up would count mail twice.
        if service.startswith(_CLIENT) and len(service) > len(_CLIENT):
            return _BY_SERVICE[name], service[len(_CLIENT):]
        return None
    if name in _BY_LABEL:
        kind, label = _BY_LABEL[name]
        return (kind, labels[label]) if label in labels else None
    if name == "scheduled_by_tenant_campaign":
        tenant, campaign = labels.get("tenant"), labels.get("campaign")
        if tenant is None or campaign is None:
            return None
        return "tenant_campaign", f"{tenant}{CAMPAIGN_SEPARATOR}{campaign}"
    if name in _PLAIN and not labels:
        return name, ""
    if name.startswith(_LATENCY) and labels.get("service") == _CLIENT[:-1]:
        return _LATENCY_SERIES.get(name[len(_LATENCY):])
    return None


_LATENCY_SERIES = {"_count": ("smtp_transactions", ""), "_sum": ("smtp_ms", "")}


def series_values(samples: Iterable[MetricSample]) -> dict[SeriesKey, float]:
    """One node's ``/metrics`` samples -> the values the history keeps, by series."""
    out: dict[SeriesKey, float] = {}
    for sample in samples:
        key = _series_key(sample)
        if key is not None:
            scale = 1000.0 if key[0] == "smtp_ms" else 1.0  # stored whole: milliseconds
            out[key] = out.get(key, 0.0) + float(sample.value) * scale
    return out


@dataclass(frozen=True)
class Snapshot:
    """One node's series at one sampling time."""

    node: str
    at: datetime
    values: Mapping[SeriesKey, float]


@dataclass(frozen=True)
class StoredPoint:
    """What compaction needs to know of a stored snapshot."""

    id: int
    node: str
    at: datetime
    step: timedelta  # the resolution it stands for now


@dataclass(frozen=True)
class CompactionPlan:
    """Snapshots to drop, and kept ones whose step grows (id -> new step)."""

    drop: tuple[int, ...]
    restep: Mapping[int, timedelta]


_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def _bucket(at: datetime, size: timedelta) -> int:
    return (at - _EPOCH) // size


def compaction_plan(points: Sequence[StoredPoint], now: datetime) -> CompactionPlan:
    """Which snapshots to drop and which to keep at a coarser step, as of ``now``."""
    drop: list[int] = []
    restep: dict[int, timedelta] = {}
    buckets: dict[tuple[str, timedelta, int], StoredPoint] = {}
    for point in points:
        age = now - point.at
        if age > KEEP_FOR:
            drop.append(point.id)
            continue
        size = next((s for older, s in reversed(TIERS) if age > older), None)
        if size is None or point.step > size:
            continue  # still fine-grained, or already coarser than this tier
        key = (point.node, size, _bucket(point.at, size))
        held = buckets.get(key)
        if held is None:
            buckets[key] = point
        elif (point.at, point.id) > (held.at, held.id):
            drop.append(held.id)
            buckets[key] = point
        else:
            drop.append(point.id)
    for (_, size, _), point in buckets.items():
        if point.step < size:
            restep[point.id] = size
    return CompactionPlan(drop=tuple(drop), restep=restep)


def counter_delta(before: float | None, after: float | None) -> float:
    """How much a counter grew between two readings (a restart resets it to zero)."""
    if after is None or before is None:
        return 0.0
    return after - before if after >= before else after
