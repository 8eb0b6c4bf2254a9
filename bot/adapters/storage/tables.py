"""Every table of kumo-bot, in one module (SQLModel over SQLAlchemy).

The schema itself is made by the Alembic migrations in ``migrations/versions``; these
classes describe the same tables for queries.  Times are stored as UTC without a zone
(``UtcDateTime``) so SQLite and PostgreSQL compare them the same way.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel


class UtcDateTime(sa.types.TypeDecorator[datetime]):
    """A timezone-aware UTC datetime in Python, a zone-less UTC timestamp in the database."""

    impl = sa.DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value  # already UTC by the bot's own rule: every clock answers in UTC
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # SQLite hands back text when a raw SQL wrote it
            value = datetime.fromisoformat(value)
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _utc_column(**kw: Any) -> Any:
    return Field(sa_type=UtcDateTime, **kw)


class AuditRow(SQLModel, table=True):
    """One sealed audit event (``bot.core.audit_chain``). Rows are only ever inserted."""

    __tablename__ = "audit_log"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64)
    body: str = Field(sa_type=sa.Text)
    at: datetime = _utc_column(index=True)
    actor_id: str = Field(max_length=200, index=True)
    actor_name: str = Field(max_length=200)
    transport: str = Field(max_length=40)
    phase: str = Field(max_length=20)
    outcome: str = Field(max_length=20)
    incident_id: str | None = Field(default=None, max_length=100, index=True)
    correlation_id: str = Field(max_length=64, index=True)


class AuditHeadRow(SQLModel, table=True):
    """The chain's head: one row (id 1), rewritten with each append, signed."""

    __tablename__ = "audit_head"

    id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    seq: int
    hash: str = Field(max_length=64)
    signature: str | None = Field(default=None, max_length=64)
    at: datetime | None = _utc_column(default=None, nullable=True)


class IdempotencyKeyRow(SQLModel, table=True):
    """A delivery the bot has already taken (``trigger_id``, ``action_ts``, ``envelope_id``)."""

    __tablename__ = "idempotency_keys"

    key: str = Field(primary_key=True, max_length=300)
    kind: str = Field(max_length=40)
    claimed_at: datetime = _utc_column(index=True)


class JobRow(SQLModel, table=True):
    """A timed job: due at a time, leased by one worker while it runs."""

    __tablename__ = "jobs"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    key: str | None = Field(default=None, max_length=200, unique=True)
    payload: str = Field(default="{}", sa_type=sa.Text)
    due_at: datetime = _utc_column(index=True)
    every_s: int | None = None
    state: str = Field(default="pending", max_length=20, index=True)
    lease_owner: str | None = Field(default=None, max_length=100)
    lease_until: datetime | None = _utc_column(default=None, nullable=True)
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = _utc_column()
    finished_at: datetime | None = _utc_column(default=None, nullable=True)


class MetricSeriesRow(SQLModel, table=True):
    """One metric series of one node (``bot.core.metric_history``): kind and name."""

    __tablename__ = "metric_series"
    __table_args__ = (sa.UniqueConstraint("node", "kind", "name", name="uq_metric_series"),)

    id: int | None = Field(default=None, primary_key=True)
    node: str = Field(max_length=200)
    kind: str = Field(max_length=40)
    name: str = Field(max_length=500)


class MetricSnapshotRow(SQLModel, table=True):
    """One node's series at one sampling time, packed (``metrics_sql``); thinned with age."""

    __tablename__ = "metric_snapshots"

    id: int | None = Field(default=None, primary_key=True)
    node: str = Field(max_length=200, index=True)
    at: datetime = _utc_column(index=True)
    step_s: int
    data: bytes = Field(sa_type=sa.LargeBinary)


METADATA = SQLModel.metadata
AUDIT: sa.Table = AuditRow.__table__  # type: ignore[attr-defined]  # SQLModel adds it at class creation
HEAD: sa.Table = AuditHeadRow.__table__  # type: ignore[attr-defined]
KEYS: sa.Table = IdempotencyKeyRow.__table__  # type: ignore[attr-defined]
JOBS: sa.Table = JobRow.__table__  # type: ignore[attr-defined]
METRIC_SERIES: sa.Table = MetricSeriesRow.__table__  # type: ignore[attr-defined]
METRIC_SNAPSHOTS: sa.Table = MetricSnapshotRow.__table__  # type: ignore[attr-defined]
