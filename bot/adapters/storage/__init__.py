"""SQL storage: the audit log, idempotency keys and timed jobs, in SQLite or PostgreSQL.

``open_storage`` opens the engine, runs the migrations (every mode does at start-up)
and hands back the adapters that share it.  Tables live in ``tables``, the schema in
``migrations``; sessions are opened here, at the edge, never in the core.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import SQLAlchemyError

from bot.adapters.storage.anchor import FileAnchor, HeadAnchor
from bot.adapters.storage.audit_key import resolve_audit_key
from bot.adapters.storage.audit_sql import SqlAuditLog
from bot.adapters.storage.engine import make_engine
from bot.adapters.storage.idempotency_sql import SqlIdempotencyKeys
from bot.adapters.storage.incidents_sql import SqlIncidentStore
from bot.adapters.storage.jobs_sql import SqlJobQueue
from bot.adapters.storage.metrics_sql import SqlMetricHistory
from bot.adapters.storage.migrate import current_revision, head_revision, upgrade
from bot.core.audit_chain import VerifyReport, verify_chain
from bot.core.errors import StorageError
from bot.ports import Clock

__all__ = [
    "FileAnchor", "HeadAnchor", "SqlAuditLog", "SqlIdempotencyKeys", "SqlIncidentStore",
    "SqlJobQueue",
    "SqlMetricHistory", "Storage",
    "is_sqlite_url", "open_storage", "resolve_audit_key",
]


def is_sqlite_url(url: str) -> bool:
    """Whether a SQLAlchemy URL names SQLite (else it is PostgreSQL)."""
    return make_url(url).get_backend_name() == "sqlite"


@dataclass
class Storage:
    """The adapters over one database, and what only the database side can do."""

    engine: Engine
    audit: SqlAuditLog
    keys: SqlIdempotencyKeys
    jobs: SqlJobQueue
    key: bytes = field(repr=False)
    metrics: SqlMetricHistory | None = None  # the metric history (issue 7)
    anchors: list[HeadAnchor] = field(default_factory=list)
    incidents: SqlIncidentStore | None = None  # incidents and their notes (issue 8)

    def verify(self) -> VerifyReport:
        """Check the whole chain against its signed head and every anchor that reads back."""
        readable = [a for a in self.anchors if isinstance(a, FileAnchor)]
        return verify_chain(self.audit.stored_rows(), key=self.key, head=self.audit.head(),
                            anchors={a.name: a.read() for a in readable})

    def schema_revisions(self) -> tuple[str | None, str]:
        """(the revision the database is at, the newest this release ships)."""
        return current_revision(self.engine), head_revision()

    def close(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def open_storage(
    url: str,
    *,
    key: bytes,
    clock: Clock,
    anchors: Sequence[HeadAnchor] = (),
    migrate: bool = True,
) -> Storage:
    """Open the database at ``url``, bring its schema up to date, and wire the adapters."""
    where = make_url(url).render_as_string(hide_password=True)
    try:
        engine = make_engine(url)
        if migrate:
            upgrade(engine)
            # Leave no pooled connection behind: `web` forks its gunicorn worker after
            # start-up, and a database connection must never be shared across a fork.
            engine.dispose()
    except (SQLAlchemyError, OSError) as exc:
        reason = (str(getattr(exc, "orig", None) or exc).splitlines() or ["unknown error"])[0]
        raise StorageError(
            f"The database {where} cannot be opened or brought up to date: {reason}",
            hint="Check DATABASE_URL (or KUMO_DATA_DIR for SQLite), then `kumo-bot db upgrade`.",
        ) from exc
    return Storage(
        engine=engine,
        audit=SqlAuditLog(engine, key=key),
        keys=SqlIdempotencyKeys(engine, clock=clock),
        jobs=SqlJobQueue(engine, clock=clock),
        key=key,
        metrics=SqlMetricHistory(engine),
        anchors=list(anchors),
        incidents=SqlIncidentStore(engine),
    )
