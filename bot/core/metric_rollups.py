"""Roll-ups of the metric history: what long ``trend`` windows read instead of every snapshot.

A week of one domain is a few series of each node, but the snapshots pack every series
of a node at one time, so reading a week meant decoding thousands of whole snapshots.
A *roll-up* keeps, per node, step bucket and series, the latest reading of the bucket
(the snapshot thinning keeps the same one, so counters stay exact and gauges read as at
that moment), stored series-major in *blocks* of several buckets: a long window reads a
few blocks a node.

The meaning is fixed here, in pure code, so the SQL path can be checked against it:
``downsample`` gives, for a window, the latest snapshot of each node in each ``step``
bucket before ``tail_start``, then every snapshot from ``tail_start`` on (the newest few
sampling times, kept whole so the rates "now" are measured on the same minutes).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.core.metric_history import KEEP_FOR, Snapshot

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Rollup:
    """One roll-up tier: its bucket ``step``, how many buckets a stored block holds,
    and how long its blocks are kept."""

    step: timedelta
    buckets: int
    keep: timedelta

    @property
    def block(self) -> timedelta:
        """The span one stored block covers."""
        return self.step * self.buckets


ROLLUPS: tuple[Rollup, ...] = (
    Rollup(step=timedelta(minutes=10), buckets=12, keep=timedelta(days=2)),
    Rollup(step=timedelta(hours=1), buckets=6, keep=KEEP_FOR),
)
"""10-minute buckets in 2-hour blocks for two days; hourly buckets in 6-hour blocks."""

RAW_UP_TO = timedelta(hours=6)
"""Windows up to this long read every snapshot (one a minute): no roll-up needed."""


def step_for_window(window: timedelta) -> timedelta | None:
    """The bucket a ``trend`` window is read at: None (every snapshot) for short windows,
    10 minutes up to two days, an hour beyond."""
    if window <= RAW_UP_TO:
        return None
    for rollup in ROLLUPS:
        if window <= rollup.keep:
            return rollup.step
    return ROLLUPS[-1].step


def rollup_for(step: timedelta) -> Rollup | None:
    """The tier whose buckets are ``step`` (None: no roll-up of that step)."""
    return next((r for r in ROLLUPS if r.step == step), None)


def bucket_of(at: datetime, step: timedelta) -> int:
    """The index of the ``step`` bucket holding ``at`` (buckets are aligned on a fixed epoch)."""
    return (at - _EPOCH) // step


def bucket_start(index: int, step: timedelta) -> datetime:
    """When bucket ``index`` of ``step`` begins."""
    return _EPOCH + step * index


def block_start(at: datetime, rollup: Rollup) -> datetime:
    """The start of the block of ``rollup`` that holds ``at``."""
    return bucket_start(bucket_of(at, rollup.block), rollup.block)


def blocks_to_build(rollup: Rollup, *, built_until: datetime | None, oldest: datetime | None,
                    now: datetime) -> list[datetime]:
    """Starts of the blocks that are closed by ``now`` and not built yet, oldest first:
    from the end of the last built block (or the oldest snapshot kept, within the tier's
    retention)."""
    if oldest is None and built_until is None:
        return []
    first = built_until if built_until is not None else block_start(
        max(oldest or now, now - rollup.keep), rollup)
    out = []
    start = first
    while start + rollup.block <= now:
        out.append(start)
        start += rollup.block
    return out


def latest_per_bucket(points: Iterable[tuple[int, str, datetime]],
                      step: timedelta) -> list[int]:
    """Of (id, node, at) points, the ids of the latest point of each node in each bucket."""
    best: dict[tuple[str, int], tuple[datetime, int]] = {}
    for point_id, node, at in points:
        key = (node, bucket_of(at, step))
        held = best.get(key)
        if held is None or (at, point_id) > held:
            best[key] = (at, point_id)
    return sorted(point_id for _, point_id in best.values())


def downsample(snapshots: Sequence[Snapshot], step: timedelta,
               tail_start: datetime | None) -> list[Snapshot]:
    """The reference meaning of a roll-up read: the latest snapshot of each node in each
    ``step`` bucket before ``tail_start``, then every snapshot from ``tail_start`` on;
    oldest first (ties by node)."""
    early: dict[tuple[str, int], Snapshot] = {}
    tail: list[Snapshot] = []
    for snap in snapshots:
        if tail_start is not None and snap.at >= tail_start:
            tail.append(snap)
            continue
        key = (snap.node, bucket_of(snap.at, step))
        held = early.get(key)
        if held is None or snap.at >= held.at:
            early[key] = snap
    return sorted([*early.values(), *tail], key=lambda s: (s.at, s.node))
