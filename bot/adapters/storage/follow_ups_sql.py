"""``SqlFollowUps``: the bot's log filters and the kumod restarts it noticed (SQL).

Every change here is a compare-and-set, so with several replicas exactly one process
reverts a log filter or re-applies a restarted node's holds:
``finish_log_filter`` only moves a filter that is not reverted yet, and
``see_online_since`` only moves a node's ``online_since`` from the value the caller saw.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.adapters.storage.engine import read_connection, write_transaction
from bot.adapters.storage.tables import BOT_LOG_FILTERS, NODE_SIGHTINGS
from bot.core.follow_ups import LogFilterSet


def _filter(row: Any) -> LogFilterSet:
    return LogFilterSet(request_id=row.request_id, filter=row.filter, baseline=row.baseline,
                        channel=row.channel, set_at=row.set_at, until=row.until,
                        reverted_at=row.reverted_at, outcome=row.outcome)


class SqlFollowUps:
    """Log filters the bot set, and the last ``online_since`` seen per node."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add_log_filter(self, entry: LogFilterSet) -> None:
        """Keep a filter the bot just set."""
        with write_transaction(self.engine) as conn:
            conn.execute(BOT_LOG_FILTERS.insert().values(
                request_id=entry.request_id, filter=entry.filter, baseline=entry.baseline,
                channel=entry.channel, set_at=entry.set_at, until=entry.until))

    def log_filter(self, request_id: str) -> LogFilterSet | None:
        """One filter by the request that set it."""
        with read_connection(self.engine) as conn:
            row = conn.execute(BOT_LOG_FILTERS.select().where(
                BOT_LOG_FILTERS.c.request_id == request_id)).first()
        return _filter(row) if row is not None else None

    def latest_log_filter(self) -> LogFilterSet | None:
        """The filter set last (whatever became of it)."""
        with read_connection(self.engine) as conn:
            row = conn.execute(BOT_LOG_FILTERS.select().order_by(
                BOT_LOG_FILTERS.c.set_at.desc()).limit(1)).first()
        return _filter(row) if row is not None else None

    def finish_log_filter(self, request_id: str, *, outcome: str, now: datetime) -> bool:
        """Mark it reverted (or superseded); False when another process already did."""
        with write_transaction(self.engine) as conn:
            result = conn.execute(BOT_LOG_FILTERS.update().where(
                BOT_LOG_FILTERS.c.request_id == request_id,
                BOT_LOG_FILTERS.c.reverted_at.is_(None)).values(reverted_at=now, outcome=outcome))
            return bool(result.rowcount)

    def online_since(self) -> dict[str, str]:
        """The last ``online_since`` seen, per node."""
        with read_connection(self.engine) as conn:
            return {r.node: r.online_since for r in conn.execute(NODE_SIGHTINGS.select())}

    def see_online_since(self, node: str, *, seen: str | None, now_value: str,
                         now: datetime) -> bool:
        """Move ``node`` from ``seen`` to ``now_value``; False when another process moved it."""
        if seen is None:  # first sighting: one INSERT wins, a racing one hits the key
            try:
                with write_transaction(self.engine) as conn:
                    conn.execute(NODE_SIGHTINGS.insert().values(
                        node=node, online_since=now_value, seen_at=now))
            except IntegrityError:
                return False
            return True
        with write_transaction(self.engine) as conn:
            result = conn.execute(NODE_SIGHTINGS.update().where(
                NODE_SIGHTINGS.c.node == node, NODE_SIGHTINGS.c.online_since == seen)
                .values(online_since=now_value, seen_at=now))
            return bool(result.rowcount)
