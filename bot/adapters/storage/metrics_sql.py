"""``SqlMetricHistory``: each node's metric snapshots in SQL, packed small.

A series (node, kind, name) gets an id once, in ``metric_series``; a snapshot is one
row of ``metric_snapshots`` whose ``data`` holds every (series id, value) pair of
that node at that time: ids sorted and delta-encoded as unsigned 32-bit integers,
values as signed 64-bit integers (every history series is a count, a byte size or a
whole percent), the whole zstd-compressed.  So a snapshot of 1,300 series takes a
few kilobytes, and a week of a large park fits in SQLite (README: the figure).
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

import sqlalchemy as sa
import zstandard
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from bot.adapters.storage.engine import is_sqlite, read_connection, write_transaction
from bot.adapters.storage.rollups_sql import BUILT, build_blocks, covered, spans, unpack_block
from bot.adapters.storage.tables import METRIC_SERIES, METRIC_SNAPSHOTS
from bot.core.errors import StorageError
from bot.core.metric_history import (
    SAMPLE_EVERY,
    SeriesKey,
    Snapshot,
    StoredPoint,
    compaction_plan,
)
from bot.core.metric_rollups import ROLLUPS, latest_per_bucket, rollup_for

_FORMAT = 1  # the first byte of every packed snapshot
_MAX_NAME = 500
_LEVEL = 6


def pack(values: Mapping[int, float]) -> bytes:
    """(series id -> value) as bytes: format byte, count, delta ids, values; zstd."""
    ids = sorted(values)
    deltas = array("I", (b - a for a, b in zip([0, *ids], ids, strict=False)))
    numbers = array("q", (round(values[i]) for i in ids))
    raw = array("I", [len(ids)]).tobytes() + deltas.tobytes() + numbers.tobytes()
    return bytes([_FORMAT]) + zstandard.ZstdCompressor(level=_LEVEL).compress(raw)


def unpack(data: bytes, wanted: Collection[int] | None = None) -> dict[int, float]:
    """The inverse of ``pack`` (only the series ids in ``wanted``, when given)."""
    if not data or data[0] != _FORMAT:
        raise StorageError("A metric snapshot is in a format this version cannot read.")
    raw = zstandard.ZstdDecompressor().decompress(data[1:])
    count = array("I", raw[:4])[0]
    ids = list(accumulate(array("I", raw[4:4 + 4 * count])))
    numbers = array("q", raw[4 + 4 * count:])
    if wanted is None:
        return dict(zip(ids, map(float, numbers), strict=True))
    if len(wanted) * 8 < len(ids):  # a few series of many: find each (ids are sorted)
        out = {}
        for series_id in wanted:
            at = bisect_left(ids, series_id)
            if at < len(ids) and ids[at] == series_id:
                out[series_id] = float(numbers[at])
        return out
    return {i: float(n) for i, n in zip(ids, numbers, strict=True) if i in wanted}


def _wanted(names: Mapping[int, tuple[str, str, str]], kinds: Collection[str] | None,
            where: Callable[[SeriesKey], bool] | None) -> dict[str, set[int]] | None:
    """Series ids to decode, by node (None: every series)."""
    if kinds is None and where is None:
        return None
    wanted: dict[str, set[int]] = {}
    for i, (node, kind, name) in names.items():
        if (kinds is None or kind in kinds) and (where is None or where((kind, name))):
            wanted.setdefault(node, set()).add(i)
    return wanted


class SqlMetricHistory:
    """Record, read and thin metric snapshots; series ids are cached per process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._insert = sqlite.insert if is_sqlite(engine) else postgresql.insert
        self._ids: dict[tuple[str, str, str], int] = {}
        self._names: dict[int, tuple[str, str, str]] = {}
        self._lock = threading.Lock()

    # -- series ids ------------------------------------------------------------------

    def _load(self, conn: sa.Connection, ids: Collection[int] | None = None,
              node: str | None = None, after: int | None = None) -> None:
        query = sa.select(METRIC_SERIES.c.id, METRIC_SERIES.c.node, METRIC_SERIES.c.kind,
                          METRIC_SERIES.c.name)
        if after is not None:
            query = query.where(METRIC_SERIES.c.id > after)
        if node is not None:
            query = query.where(METRIC_SERIES.c.node == node)
        if ids is not None:
            query = query.where(METRIC_SERIES.c.id.in_(list(ids)))
        for row in conn.execute(query):
            key = (row.node, row.kind, row.name)
            self._ids[key] = row.id
            self._names[row.id] = key

    def _series_ids(self, node: str, keys: Iterable[SeriesKey]) -> dict[SeriesKey, int]:
        wanted = {(kind, name[:_MAX_NAME]) for kind, name in keys}
        with self._lock:
            missing = [k for k in wanted if (node, *k) not in self._ids]
            if missing:
                with write_transaction(self.engine) as conn:
                    rows = [{"node": node, "kind": k, "name": n} for k, n in missing]
                    conn.execute(self._insert(METRIC_SERIES).values(rows)
                                 .on_conflict_do_nothing())
                    self._load(conn, node=node)
            return {k: self._ids[(node, *k)] for k in wanted}

    # -- the history -------------------------------------------------------------------

    def record(self, snapshot: Snapshot) -> None:
        """Store one node's snapshot."""
        trimmed = {(k, n[:_MAX_NAME]): v for (k, n), v in snapshot.values.items()}
        try:
            ids = self._series_ids(snapshot.node, trimmed)
            data = pack({ids[key]: value for key, value in trimmed.items()})
            with write_transaction(self.engine) as conn:
                conn.execute(METRIC_SNAPSHOTS.insert().values(
                    node=snapshot.node, at=snapshot.at,
                    step_s=int(SAMPLE_EVERY.total_seconds()), data=data))
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(
                f"The metric snapshot of {snapshot.node} could not be stored: "
                f"{type(exc).__name__}.") from exc

    def snapshots(self, *, since: datetime, until: datetime | None = None,
                  kinds: Collection[str] | None = None,
                  where: Callable[[SeriesKey], bool] | None = None,
                  step: timedelta | None = None, keep_newest: int = 0) -> list[Snapshot]:
        """Every node's snapshots from ``since`` (to ``until``), oldest first; only the
        series of ``kinds`` that ``where`` accepts, when given (decoding is the cost).
        With ``step``: the latest snapshot of each node in each ``step`` bucket, but the
        ``keep_newest`` newest sampling times whole (``metric_rollups.downsample``),
        read from the roll-up blocks where they are built."""
        if step is not None:
            return self._downsampled(since, until, kinds, where, step, keep_newest)
        query = (sa.select(METRIC_SNAPSHOTS.c.node, METRIC_SNAPSHOTS.c.at,
                           METRIC_SNAPSHOTS.c.data)
                 .where(METRIC_SNAPSHOTS.c.at >= since)
                 .order_by(METRIC_SNAPSHOTS.c.at, METRIC_SNAPSHOTS.c.node))
        if until is not None:
            query = query.where(METRIC_SNAPSHOTS.c.at <= until)
        with read_connection(self.engine) as conn:
            rows = conn.execute(query).all()
            names = self._all_names(conn)
        wanted = _wanted(names, kinds, where)
        return [self._decoded(row.node, row.at, row.data, names, wanted) for row in rows]

    def _all_names(self, conn: sa.Connection) -> dict[int, tuple[str, str, str]]:
        with self._lock:
            # Every series id, to filter on the names: a series is never renamed or
            # removed and ids only grow, so only the ones newer than those known are read.
            self._load(conn, after=max(self._names, default=0))
            return dict(self._names)

    @staticmethod
    def _decoded(node: str, at: datetime, data: bytes, names: Mapping[int, tuple[str, str, str]],
                 wanted: Mapping[str, set[int]] | None) -> Snapshot:
        values = unpack(data, None if wanted is None else wanted.get(node, set()))
        return Snapshot(node=node, at=at,
                        values={names[i][1:]: value for i, value in values.items()})

    def _downsampled(self, since: datetime, until: datetime | None,
                     kinds: Collection[str] | None, where: Callable[[SeriesKey], bool] | None,
                     step: timedelta, keep_newest: int) -> list[Snapshot]:
        snaps = METRIC_SNAPSHOTS
        window = [snaps.c.at >= since] + ([snaps.c.at <= until] if until is not None else [])
        rollup = rollup_for(step)
        with read_connection(self.engine) as conn:
            tail_start = None
            if keep_newest > 0:
                newest = conn.execute(sa.select(snaps.c.at).where(*window).distinct()
                                      .order_by(snaps.c.at.desc()).limit(keep_newest)).all()
                tail_start = newest[-1].at if newest else None
            horizon = min((t for t in (tail_start, until) if t is not None), default=None)
            blocks = [] if rollup is None else covered(conn, rollup, since=since,
                                                       horizon=horizon)
            done = [] if rollup is None else spans({b[1] for b in blocks}, rollup.block)
            outside = [sa.not_(sa.and_(snaps.c.at >= lo, snaps.c.at < hi)) for lo, hi in done]
            points = conn.execute(sa.select(snaps.c.id, snaps.c.node, snaps.c.at)
                                  .where(*window, *outside)).all()
            tail = [p.id for p in points if tail_start is not None and p.at >= tail_start]
            chosen = sorted({*tail, *latest_per_bucket(
                ((p.id, p.node, p.at) for p in points
                 if tail_start is None or p.at < tail_start), step)})
            rows: list[Any] = []
            for lo in range(0, len(chosen), 500):
                rows.extend(conn.execute(sa.select(snaps.c.node, snaps.c.at, snaps.c.data)
                                         .where(snaps.c.id.in_(chosen[lo:lo + 500]))).all())
            names = self._all_names(conn)
        wanted = _wanted(names, kinds, where)
        out = [self._decoded(row.node, row.at, row.data, names, wanted) for row in rows]
        for node, start, data in blocks:
            if node == BUILT:
                continue
            for at, values in unpack_block(start, data,
                                           None if wanted is None else wanted.get(node, set())):
                if at >= since and (horizon is None or at < horizon):
                    out.append(Snapshot(node=node, at=at, values={
                        names[i][1:]: value for i, value in values.items()}))
        return sorted(out, key=lambda s: (s.at, s.node))

    def compact(self, now: datetime) -> int:
        """Thin and drop old snapshots (``compaction_plan``), build the roll-up blocks that
        closed and drop the expired ones; returns how many snapshots were dropped."""
        older = now - timedelta(hours=6)
        with write_transaction(self.engine) as conn:
            rows = conn.execute(
                sa.select(METRIC_SNAPSHOTS.c.id, METRIC_SNAPSHOTS.c.node,
                          METRIC_SNAPSHOTS.c.at, METRIC_SNAPSHOTS.c.step_s)
                .where(METRIC_SNAPSHOTS.c.at < older)).all()
            plan = compaction_plan([StoredPoint(r.id, r.node, r.at, timedelta(seconds=r.step_s))
                                    for r in rows], now)
            for start in range(0, len(plan.drop), 500):
                chunk = list(plan.drop[start:start + 500])
                conn.execute(METRIC_SNAPSHOTS.delete().where(METRIC_SNAPSHOTS.c.id.in_(chunk)))
            for point_id, step in plan.restep.items():
                conn.execute(METRIC_SNAPSHOTS.update().where(METRIC_SNAPSHOTS.c.id == point_id)
                             .values(step_s=int(step.total_seconds())))
        for rollup in ROLLUPS:  # each bucket's latest snapshot survives the thinning
            with write_transaction(self.engine) as conn:
                build_blocks(conn, rollup, now, unpack)
        return len(plan.drop)

    def latest_at(self) -> datetime | None:
        """When the newest snapshot was taken (None: nothing sampled yet)."""
        with read_connection(self.engine) as conn:
            at = conn.execute(sa.select(sa.func.max(METRIC_SNAPSHOTS.c.at))).scalar()
        return at if isinstance(at, datetime) else None
