"""Roll-up blocks of the metric history in SQL (``bot.core.metric_rollups``).

A row of ``metric_rollups`` is one node's block of one tier: for each of the block's
buckets, the time of the node's latest snapshot in it (or none), and for each series,
its value in every bucket, series-major, so a reader of a few series slices them out
without touching the rest.  Layout before zstd: series count and bucket count
(``uint32``), the bucket times as seconds after the block's start (``int32``, -1 for an
empty bucket), the series ids delta-encoded (``uint32``), the values (``int64``,
``ABSENT`` where a snapshot lacked the series).  A row with an empty node marks a block
as built, so an hour with no snapshot is not looked at again.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime, timedelta
from itertools import accumulate

import sqlalchemy as sa
import zstandard
from sqlalchemy.dialects import postgresql, sqlite

from bot.adapters.storage.tables import METRIC_ROLLUPS, METRIC_SNAPSHOTS
from bot.core.errors import StorageError
from bot.core.metric_rollups import (
    Rollup,
    blocks_to_build,
    bucket_of,
    latest_per_bucket,
)

_FORMAT = 1
_LEVEL = 6
ABSENT = -(2**63)
BUILT = ""  # the node of a block's marker row
_CHUNK = 500

Bucket = tuple[datetime, Mapping[int, float]]


def pack_block(start: datetime, buckets: Sequence[Bucket | None]) -> bytes:
    """One node's block: ``buckets[i]`` is (time, series id -> value) or None."""
    ids = sorted({i for b in buckets if b is not None for i in b[1]})
    offsets = array("i", (-1 if b is None else int((b[0] - start).total_seconds())
                          for b in buckets))
    deltas = array("I", (b - a for a, b in zip([0, *ids], ids, strict=False)))
    values = array("q")
    for series_id in ids:
        values.extend(ABSENT if b is None or series_id not in b[1] else round(b[1][series_id])
                      for b in buckets)
    raw = (array("I", [len(ids), len(buckets)]).tobytes() + offsets.tobytes()
           + deltas.tobytes() + values.tobytes())
    return bytes([_FORMAT]) + zstandard.ZstdCompressor(level=_LEVEL).compress(raw)


def unpack_block(start: datetime, data: bytes,
                 wanted: Collection[int] | None = None) -> list[Bucket]:
    """The non-empty buckets of a block, oldest first, with the ``wanted`` series only."""
    if not data or data[0] != _FORMAT:
        raise StorageError("A metric roll-up block is in a format this version cannot read.")
    raw = zstandard.ZstdDecompressor().decompress(data[1:])
    count, width = array("I", raw[:8])
    at = 8
    offsets = array("i", raw[at:at + 4 * width])
    at += 4 * width
    ids = list(accumulate(array("I", raw[at:at + 4 * count])))
    at += 4 * count
    values = array("q", raw[at:])
    rows: Sequence[int] = range(len(ids))
    if wanted is not None:
        found = (bisect_left(ids, i) for i in sorted(wanted))
        rows = [k for k in found if k < len(ids) and ids[k] in wanted]
    out: list[Bucket] = []
    for column, offset in enumerate(offsets):
        if offset < 0:
            continue
        series: dict[int, float] = {}
        for k in rows:
            value = values[k * width + column]
            if value != ABSENT:
                series[ids[k]] = float(value)
        out.append((start + timedelta(seconds=offset), series))
    return out


def build_blocks(conn: sa.Connection, rollup: Rollup, now: datetime,
                 unpack: Callable[[bytes], dict[int, float]]) -> int:
    """Build every closed, unbuilt block of ``rollup`` and drop the expired; returns how
    many blocks were built.  ``unpack`` decodes a stored snapshot."""
    table, step_s = METRIC_ROLLUPS, int(rollup.step.total_seconds())
    conn.execute(table.delete().where(table.c.step_s == step_s,
                                      table.c.start < now - rollup.keep - rollup.block))
    last = conn.execute(sa.select(sa.func.max(table.c.start))
                        .where(table.c.step_s == step_s)).scalar()
    oldest = None
    if last is None:
        oldest = conn.execute(sa.select(sa.func.min(METRIC_SNAPSHOTS.c.at))).scalar()
    starts = blocks_to_build(rollup, built_until=None if last is None else last + rollup.block,
                             oldest=oldest, now=now)
    for start in starts:
        _build_one(conn, rollup, start, unpack)
    return len(starts)


def _build_one(conn: sa.Connection, rollup: Rollup, start: datetime,
               unpack: Callable[[bytes], dict[int, float]]) -> None:
    snaps = METRIC_SNAPSHOTS
    points = conn.execute(sa.select(snaps.c.id, snaps.c.node, snaps.c.at)
                          .where(snaps.c.at >= start, snaps.c.at < start + rollup.block)).all()
    chosen = latest_per_bucket(((p.id, p.node, p.at) for p in points), rollup.step)
    first = bucket_of(start, rollup.step)
    by_node: dict[str, list[Bucket | None]] = {}
    for lo in range(0, len(chosen), _CHUNK):
        rows = conn.execute(sa.select(snaps.c.node, snaps.c.at, snaps.c.data)
                            .where(snaps.c.id.in_(chosen[lo:lo + _CHUNK]))).all()
        for row in rows:
            buckets = by_node.setdefault(row.node, [None] * rollup.buckets)
            buckets[bucket_of(row.at, rollup.step) - first] = (row.at, unpack(row.data))
    step_s = int(rollup.step.total_seconds())
    values = [{"node": node, "step_s": step_s, "start": start,
               "data": pack_block(start, buckets)} for node, buckets in by_node.items()]
    values.append({"node": BUILT, "step_s": step_s, "start": start, "data": b""})
    # Another process that built the same block first wins: its rows are the same.
    insert = sqlite.insert if conn.dialect.name == "sqlite" else postgresql.insert
    conn.execute(insert(METRIC_ROLLUPS).on_conflict_do_nothing(), values)


def covered(conn: sa.Connection, rollup: Rollup, *, since: datetime,
            horizon: datetime | None) -> list[tuple[str, datetime, bytes]]:
    """The built blocks of ``rollup`` from the one holding ``since`` to those ending by
    ``horizon`` (every built block when None): (node, start, data), markers included."""
    table = METRIC_ROLLUPS
    query = sa.select(table.c.node, table.c.start, table.c.data).where(
        table.c.step_s == int(rollup.step.total_seconds()),
        table.c.start > since - rollup.block)
    if horizon is not None:
        query = query.where(table.c.start <= horizon - rollup.block)
    return [(r.node, r.start, r.data) for r in conn.execute(query)]


def spans(starts: Collection[datetime], block: timedelta) -> list[tuple[datetime, datetime]]:
    """Block starts merged into [from, to) spans, oldest first."""
    out: list[tuple[datetime, datetime]] = []
    for start in sorted(starts):
        if out and out[-1][1] == start:
            out[-1] = (out[-1][0], start + block)
        else:
            out.append((start, start + block))
    return out
