"""Test databases: a fresh SQLite file, or a fresh schema in the PostgreSQL of the CI.

``KUMO_TEST_DATABASE_URL`` (exported by ``.ci/run``) names a PostgreSQL database; each
test gets its own schema in it (``search_path`` in the URL), named after this session,
and the session drops its schemas at the end.  So parallel and repeated runs never see
each other's rows.  Without the variable the PostgreSQL half of each test skips.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from bot.adapters.storage import Storage, open_storage
from bot.core.audit import Actor, AuditEvent
from bot.ports import Clock

PG_URL_VARIABLE = "KUMO_TEST_DATABASE_URL"
SKIP_REASON = (f"{PG_URL_VARIABLE} is not set, so the PostgreSQL run of this test skips "
               "(`.ci/run` provisions a database and sets it)")
KEY = b"test-audit-key-0123456789abcdef!"
T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def postgres_url() -> str | None:
    """The PostgreSQL the CI provisioned, if any."""
    return os.environ.get(PG_URL_VARIABLE) or None


class PostgresSchemas:
    """Hands out fresh schemas for one test session and drops them all at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.admin = sa.create_engine(url)
        self.prefix = f"kumo_t{uuid.uuid4().hex[:8]}"
        self._numbers = itertools.count(1)
        self.created: list[str] = []

    def new_url(self) -> str:
        """A URL whose connections see only a new, empty schema."""
        schema = f"{self.prefix}_{next(self._numbers)}"
        with self.admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        self.created.append(schema)
        return sa.engine.make_url(self.url).update_query_dict(
            {"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        # One transaction per schema: dropping them all at once takes a lock per table
        # of every schema and runs PostgreSQL out of shared memory (max_locks_per_transaction).
        for schema in self.created:
            with self.admin.begin() as conn:
                conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        self.admin.dispose()


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / 'kumo-bot.sqlite3'}"


def event(n: int, *, actor: str = "U0ALICE", name: str = "alice", at: datetime | None = None,
          incident: str | None = None, text: str | None = None) -> AuditEvent:
    """A plausible command event, the ``n``-th of a test."""
    return AuditEvent(
        at=at or T0, actor=Actor(id=actor, name=name), transport="slack-socket",
        channel="C0INCIDENT", command_text=text or f"queue yahoo.com --limit {n}",
        parsed={"verb": "queue", "domain": "yahoo.com", "limit": n}, outcome="ok",
        nodes=["mta1", "mta2"], duration_ms=100 + n, incident_id=incident,
        correlation_id=f"corr-{n:04d}",
    )


def open_test_storage(url: str, clock: Clock, **kw: Any) -> Storage:
    return open_storage(url, key=KEY, clock=clock, **kw)


@contextmanager
def tampering(storage: Storage) -> Iterator[Connection]:
    """A connection that can change audit rows, as the table's owner could: the triggers
    that refuse UPDATE and DELETE are switched off for the length of the block."""
    sqlite = storage.engine.dialect.name == "sqlite"
    with storage.engine.begin() as conn:
        if sqlite:
            triggers = conn.execute(sa.text(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'audit_log'")).scalars().all()
            for name in ("audit_log_no_update", "audit_log_no_delete"):
                conn.execute(sa.text(f"DROP TRIGGER {name}"))
        else:
            conn.execute(sa.text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        yield conn
        if sqlite:
            for sql in triggers:
                conn.execute(sa.text(sql))
        else:
            conn.execute(sa.text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
