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


class IncidentRow(SQLModel, table=True):
    """One incident (``bot.core.incidents``); its id is ``INC-<day>-<seq>``."""

    __tablename__ = "incidents"
    __table_args__ = (
        sa.UniqueConstraint("day", "seq", name="uq_incidents_day_seq"),
        sa.Index("uq_incidents_open_channel", "channel", unique=True,
                 sqlite_where=sa.text("status = 'open'"),
                 postgresql_where=sa.text("status = 'open'")),
    )

    id: str = Field(primary_key=True, max_length=40)
    day: str = Field(max_length=8)
    seq: int
    title: str = Field(sa_type=sa.Text)
    domains: str = Field(sa_type=sa.Text)  # a JSON list
    channel: str | None = Field(default=None, max_length=40, index=True)
    status: str = Field(max_length=20)
    opened_by: str = Field(max_length=200)
    opened_at: datetime = _utc_column(index=True)
    resolved_by: str | None = Field(default=None, max_length=200)
    resolved_at: datetime | None = _utc_column(default=None, nullable=True)


class IncidentEntryRow(SQLModel, table=True):
    """A timeline entry that is no audit event (a note, an out-of-band hold), as JSON."""

    __tablename__ = "incident_entries"
    __table_args__ = (sa.UniqueConstraint("incident_id", "key", name="uq_incident_entries_key"),)

    id: int | None = Field(default=None, primary_key=True)
    incident_id: str = Field(max_length=40, index=True)
    key: str | None = Field(default=None, max_length=200)
    at: datetime = _utc_column()
    kind: str = Field(max_length=20)
    body: str = Field(sa_type=sa.Text)


INCIDENTS: sa.Table = IncidentRow.__table__  # type: ignore[attr-defined]
INCIDENT_ENTRIES: sa.Table = IncidentEntryRow.__table__  # type: ignore[attr-defined]


class BotLogFilterRow(SQLModel, table=True):
    """A diagnostic log filter the bot set (issue 6): until when, and whether it reverted."""

    __tablename__ = "bot_log_filters"

    request_id: str = Field(primary_key=True, max_length=32)
    filter: str = Field(sa_type=sa.Text)
    baseline: str = Field(sa_type=sa.Text)
    channel: str | None = Field(default=None, max_length=40)
    set_at: datetime = _utc_column(index=True)
    until: datetime = _utc_column()
    reverted_at: datetime | None = _utc_column(default=None, nullable=True)
    outcome: str | None = Field(default=None, max_length=20)


class NodeSightingRow(SQLModel, table=True):
    """The last ``online_since`` the bot saw per kumod node: a change is a restart."""

    __tablename__ = "node_sightings"

    node: str = Field(primary_key=True, max_length=200)
    online_since: str = Field(max_length=64)
    seen_at: datetime = _utc_column()


BOT_LOG_FILTERS: sa.Table = BotLogFilterRow.__table__  # type: ignore[attr-defined]
NODE_SIGHTINGS: sa.Table = NodeSightingRow.__table__  # type: ignore[attr-defined]


class MetricRollupRow(SQLModel, table=True):
    """One node's block of one roll-up tier (``rollups_sql``); an empty node marks a block
    as built."""

    __tablename__ = "metric_rollups"
    __table_args__ = (
        sa.UniqueConstraint("step_s", "start", "node", name="uq_metric_rollups"),
    )

    id: int | None = Field(default=None, primary_key=True)
    node: str = Field(max_length=200)
    step_s: int
    start: datetime = _utc_column()
    data: bytes = Field(sa_type=sa.LargeBinary)


METRIC_ROLLUPS: sa.Table = MetricRollupRow.__table__  # type: ignore[attr-defined]


class PlaybookRunRow(SQLModel, table=True):
    """One playbook run (``bot.core.playbook_engine.RunState`` as JSON in ``body``);
    every transition is ``UPDATE ... WHERE version = :seen``."""

    __tablename__ = "playbook_runs"

    run_id: str = Field(primary_key=True, max_length=40)
    playbook: str = Field(max_length=100)
    domain: str | None = Field(default=None, max_length=300)
    incident_id: str | None = Field(default=None, max_length=100, index=True)
    channel: str | None = Field(default=None, max_length=40)
    status: str = Field(max_length=20, index=True)
    step: str = Field(max_length=60)
    version: int
    body: str = Field(sa_type=sa.Text)
    started_by: str = Field(max_length=200)
    created_at: datetime = _utc_column()
    updated_at: datetime = _utc_column()


PLAYBOOK_RUNS: sa.Table = PlaybookRunRow.__table__  # type: ignore[attr-defined]
