"""``SqlIdempotencyKeys``: the deliveries already taken, shared by every process.

Slack delivers some requests more than once (Socket Mode redelivery, Events API retries,
replicas behind a load balancer).  The first process to insert a key owns the request;
the insert is the test, so two processes can never both win.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from bot.adapters.storage.engine import is_sqlite, write_transaction
from bot.adapters.storage.tables import KEYS
from bot.core.errors import StorageError
from bot.ports import Clock

MAX_KEY_CHARS = 300


class SqlIdempotencyKeys:
    """Insert-or-fail keys in SQL: ``claim`` is True exactly once per key, across processes."""

    def __init__(self, engine: Engine, *, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self._insert = sqlite.insert if is_sqlite(engine) else postgresql.insert

    def claim(self, kind: str, value: str) -> bool:
        """True the first time ``kind``/``value`` is seen, False for every repeat."""
        key = f"{kind}:{value}"[:MAX_KEY_CHARS]
        statement = (
            self._insert(KEYS)
            .values(key=key, kind=kind, claimed_at=self.clock.now())
            .on_conflict_do_nothing(index_elements=[KEYS.c.key])
            .returning(KEYS.c.key)
        )
        try:
            with write_transaction(self.engine) as conn:
                return conn.execute(statement).first() is not None
        except sa.exc.SQLAlchemyError as exc:
            raise StorageError(
                f"The delivery key could not be recorded: {type(exc).__name__}.") from exc

    def forget_before(self, cutoff: datetime) -> int:
        """Drop keys claimed before ``cutoff`` (Slack never redelivers that late)."""
        with write_transaction(self.engine) as conn:
            result = conn.execute(KEYS.delete().where(KEYS.c.claimed_at < cutoff))
            return int(result.rowcount or 0)
