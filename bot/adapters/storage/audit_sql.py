"""``SqlAuditLog``: the audit log in SQL, sealed row by row, with a signed head.

Appending is one transaction: take the chain's lock (PostgreSQL: a transaction-level
advisory lock; SQLite: the write lock, from ``BEGIN IMMEDIATE``), seal the new row onto
the head's seal, insert it, move the head and sign it.  So the chain stays one line
however many processes append at once.  There is no method that edits or deletes a row, and the
migration's triggers refuse UPDATE and DELETE on the table.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.adapters.storage.engine import is_sqlite, read_connection, write_transaction
from bot.adapters.storage.tables import AUDIT, HEAD
from bot.core.audit import AuditEvent
from bot.core.audit_chain import (
    AuditRecord,
    SignedHead,
    StoredRow,
    canonical_body,
    index_columns,
    seal,
    sign_head,
)
from bot.core.errors import StorageError

log = logging.getLogger(__name__)

_INDEX_COLUMNS = ("at", "actor_id", "actor_name", "transport", "phase", "outcome",
                  "incident_id", "correlation_id")
_HEAD_ID = 1
# The chain's own advisory lock, 0x6B756D6F61756469 ("kumoaudi"): every appender takes
# it, nothing else does.  READ COMMITTED: the head is read once the lock is granted.
_PG_RESERVE = (
    "BEGIN ISOLATION LEVEL READ COMMITTED; "
    "SELECT pg_advisory_xact_lock(7743215459477316713); "
    "SELECT seq, hash FROM audit_head WHERE id = 1"
)
# Prepared once per connection: its plan is made outside the lock, not inside each append.
_PG_PREPARE = """
PREPARE kumo_audit_append(integer, text, text, text, timestamp, text, text, text, text, text,
                          text, text, text) AS
WITH sealed AS (
    INSERT INTO audit_log (seq, prev_hash, hash, body, at, actor_id, actor_name, transport,
                           phase, outcome, incident_id, correlation_id)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
    RETURNING seq
)
UPDATE audit_head SET seq = $1, hash = $3, signature = $13, at = $5
WHERE id = 1 AND EXISTS (SELECT 1 FROM sealed)
"""
_PG_WRITE = (
    "EXECUTE kumo_audit_append(%(seq)s, %(prev_hash)s, %(hash)s, %(body)s, %(at)s, "
    "%(actor_id)s, %(actor_name)s, %(transport)s, %(phase)s, %(outcome)s, %(incident_id)s, "
    "%(correlation_id)s, %(signature)s); COMMIT"
)
_PREPARED = "kumo_audit_append"


def _utc_naive(value: datetime) -> datetime:
    return value if value.tzinfo is None else value.astimezone(UTC).replace(tzinfo=None)


@contextmanager
def _storage_errors(doing: str) -> Iterator[None]:
    """Turn a database failure into the bot's ``StorageError``, saying what failed."""
    try:
        yield
    except sa.exc.SQLAlchemyError as exc:
        raise StorageError(f"The audit log could not {doing}: {type(exc).__name__}.") from exc


class SqlAuditLog:
    """The audit log in SQLite or PostgreSQL. Append and read; nothing edits or deletes."""

    def __init__(self, engine: Engine, *, key: bytes) -> None:
        self.engine = engine
        self._key = key

    # -- writing ---------------------------------------------------------------------

    def append(self, event: AuditEvent) -> None:
        """Seal ``event`` onto the chain; raises ``StorageError`` if it was not written."""
        body = canonical_body(event)
        with _storage_errors("record the event"):
            if is_sqlite(self.engine):
                self._append_sqlite(event, body)
            else:
                self._append_postgres(event, body)

    def _append_sqlite(self, event: AuditEvent, body: str) -> None:
        # BEGIN IMMEDIATE (write_transaction) already excludes every other writer.
        with write_transaction(self.engine) as conn:
            head = conn.execute(
                sa.select(HEAD.c.seq, HEAD.c.hash).where(HEAD.c.id == _HEAD_ID)).one()
            seq, sealed = head.seq + 1, seal(self._key, head.hash, body)
            conn.execute(AUDIT.insert().values(
                seq=seq, prev_hash=head.hash, hash=sealed, body=body, **index_columns(event)))
            conn.execute(HEAD.update().where(HEAD.c.id == _HEAD_ID).values(
                seq=seq, hash=sealed, signature=sign_head(self._key, seq, sealed), at=event.at))

    def _append_postgres(self, event: AuditEvent, body: str) -> None:
        # The chain's lock is what keeps it one line, so the time it is held bounds the
        # whole log's throughput.  Two round trips in all, straight on the driver
        # connection: "BEGIN; lock; read the head" and "insert and move the head (a
        # prepared statement); COMMIT" (a client-side-bound cursor lets one message carry
        # several statements).
        try:
            pooled = self.engine.raw_connection()
        except psycopg.Error as exc:  # the pool hands the driver's connect error out as is
            raise StorageError("The audit log could not record the event: the database "
                               "cannot be reached.") from exc
        driver = pooled.driver_connection
        assert isinstance(driver, psycopg.Connection)
        driver.autocommit = True  # the transaction is spelled out in the statements
        try:
            if not pooled.info.get(_PREPARED):
                driver.execute(_PG_PREPARE)
                pooled.info[_PREPARED] = True
            with psycopg.ClientCursor(driver) as cursor:
                cursor.execute(_PG_RESERVE)
                cursor.nextset()  # past BEGIN and the lock's results, to the head's row
                cursor.nextset()
                head = cursor.fetchone()
                if head is None:
                    raise StorageError("The audit head row is missing; run `kumo-bot db upgrade`.")
                seq, prev = int(head[0]) + 1, str(head[1])
                sealed = seal(self._key, prev, body)
                params = {**index_columns(event), "seq": seq, "prev_hash": prev, "hash": sealed,
                          "body": body, "signature": sign_head(self._key, seq, sealed),
                          "at": _utc_naive(event.at)}
                cursor.execute(_PG_WRITE, params)
        except psycopg.OperationalError as exc:
            pooled.invalidate()  # the connection is gone: the pool must not hand it out again
            reason = exc.sqlstate or "connection lost"
            raise StorageError(f"The audit log could not record the event: {reason}.") from exc
        except BaseException as exc:
            try:
                if driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    driver.execute("ROLLBACK")  # releases the chain lock for the next writer
            except psycopg.Error:
                pooled.invalidate()
            if isinstance(exc, psycopg.Error):
                raise StorageError("The audit log could not record the event: "
                                   f"{type(exc).__name__}.") from exc
            raise
        finally:
            if pooled.is_valid:
                driver.autocommit = False  # back to how the pool hands connections out
            pooled.close()

    # -- reading ---------------------------------------------------------------------

    def recent(
        self,
        *,
        limit: int = 50,
        actor: str | None = None,
        since: datetime | None = None,
        incident_id: str | None = None,
    ) -> list[AuditEvent]:
        """The newest events first; ``actor`` matches a user id or (any case) a name."""
        query = sa.select(AUDIT.c.body).order_by(AUDIT.c.seq.desc()).limit(limit)
        if actor is not None:
            query = query.where(sa.or_(AUDIT.c.actor_id == actor,
                                       sa.func.lower(AUDIT.c.actor_name) == actor.lower()))
        if since is not None:
            query = query.where(AUDIT.c.at >= since)
        if incident_id is not None:
            query = query.where(AUDIT.c.incident_id == incident_id)
        with _storage_errors("be read"), read_connection(self.engine) as conn:
            bodies = conn.execute(query).scalars().all()
        return [AuditEvent.model_validate_json(body) for body in bodies]

    def head(self) -> SignedHead | None:
        """The signed head as the database holds it (None: the head row is gone)."""
        with _storage_errors("be read"), read_connection(self.engine) as conn:
            row = conn.execute(
                sa.select(HEAD.c.seq, HEAD.c.hash, HEAD.c.signature, HEAD.c.at)
                .where(HEAD.c.id == _HEAD_ID)
            ).one_or_none()
        if row is None:
            return None
        return SignedHead(seq=row.seq, hash=row.hash, signature=row.signature, at=row.at)

    def stored_rows(self, *, batch: int = 2000) -> Iterator[StoredRow]:
        """Every row in sequence order, as stored (for ``verify``); memory stays flat."""
        columns = [AUDIT.c.seq, AUDIT.c.prev_hash, AUDIT.c.hash, AUDIT.c.body,
                   *(AUDIT.c[name] for name in _INDEX_COLUMNS)]
        query = sa.select(*columns).order_by(AUDIT.c.seq)
        with _storage_errors("be read"), self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=batch).execute(query)
            for row in result:
                yield StoredRow(
                    seq=row.seq, prev_hash=row.prev_hash, hash=row.hash, body=row.body,
                    columns={name: row._mapping[name] for name in _INDEX_COLUMNS},
                )

    def records(self, *, since: datetime | None = None, batch: int = 2000
                ) -> Iterator[AuditRecord]:
        """Events with their place in the chain, oldest first (for ``audit export``)."""
        query = sa.select(AUDIT.c.seq, AUDIT.c.prev_hash, AUDIT.c.hash, AUDIT.c.body)
        if since is not None:
            query = query.where(AUDIT.c.at >= since)
        with _storage_errors("be read"), self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=batch).execute(
                query.order_by(AUDIT.c.seq))
            for row in result:
                event = AuditEvent.model_validate_json(row.body)
                yield AuditRecord(**event.model_dump(), seq=row.seq, prev_hash=row.prev_hash,
                                  hash=row.hash)
