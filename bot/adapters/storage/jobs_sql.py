"""``SqlJobQueue``: timed jobs in SQL, claimed under a lease so each runs once.

A worker claims due jobs with one atomic UPDATE (PostgreSQL picks the rows with
``FOR UPDATE SKIP LOCKED``; SQLite runs the UPDATE under ``BEGIN IMMEDIATE``), which
marks them running and leased to it.  A job whose worker died is claimable again once
its lease has expired.  Finishing checks the lease is still ours.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from bot.adapters.storage.engine import is_sqlite, read_connection, write_transaction
from bot.adapters.storage.tables import JOBS
from bot.core.jobs import Job
from bot.ports import Clock

PENDING, RUNNING, DONE, FAILED, CANCELLED = "pending", "running", "done", "failed", "cancelled"


def _job(row: Any) -> Job:
    return Job(
        id=row.id, name=row.name, key=row.key, payload=json.loads(row.payload or "{}"),
        due_at=row.due_at, every=timedelta(seconds=row.every_s) if row.every_s else None,
        attempts=row.attempts,
    )


class SqlJobQueue:
    """Jobs in SQLite or PostgreSQL."""

    def __init__(self, engine: Engine, *, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock
        self._sqlite = is_sqlite(engine)

    def schedule(
        self,
        name: str,
        *,
        due: datetime,
        payload: dict[str, Any] | None = None,
        key: str | None = None,
        every: timedelta | None = None,
    ) -> bool:
        """Queue job ``name`` for ``due``; with ``key``, only once (False: already queued)."""
        insert = sqlite.insert if self._sqlite else postgresql.insert
        statement = insert(JOBS).values(
            name=name, key=key, payload=json.dumps(payload or {}, sort_keys=True), due_at=due,
            every_s=int(every.total_seconds()) if every else None, state=PENDING, attempts=0,
            created_at=self.clock.now(),
        ).on_conflict_do_nothing(index_elements=[JOBS.c.key]).returning(JOBS.c.id)
        with write_transaction(self.engine) as conn:
            return conn.execute(statement).first() is not None

    def cancel(self, key: str) -> bool:
        """Drop the pending job with ``key``; False when there is none."""
        with write_transaction(self.engine) as conn:
            result = conn.execute(
                JOBS.update().where(JOBS.c.key == key, JOBS.c.state == PENDING)
                .values(state=CANCELLED, finished_at=self.clock.now()))
            return bool(result.rowcount)

    def claim_due(
        self, *, worker: str, names: Sequence[str], lease: timedelta, limit: int = 20
    ) -> list[Job]:
        """Lease up to ``limit`` due jobs (or jobs whose lease expired) to ``worker``."""
        now = self.clock.now()
        due = sa.or_(
            sa.and_(JOBS.c.state == PENDING, JOBS.c.due_at <= now),
            sa.and_(JOBS.c.state == RUNNING, JOBS.c.lease_until < now),
        )
        pick = (sa.select(JOBS.c.id).where(due, JOBS.c.name.in_(list(names)))
                .order_by(JOBS.c.due_at, JOBS.c.id).limit(limit))
        if not self._sqlite:
            pick = pick.with_for_update(skip_locked=True)
        statement = (
            JOBS.update().where(JOBS.c.id.in_(pick.scalar_subquery()))
            .values(state=RUNNING, lease_owner=worker, lease_until=now + lease,
                    attempts=JOBS.c.attempts + 1)
            .returning(*JOBS.c)
        )
        with write_transaction(self.engine) as conn:
            rows = conn.execute(statement).all()
        return sorted((_job(row) for row in rows), key=lambda job: (job.due_at, job.id))

    def finish(self, job: Job, *, worker: str) -> bool:
        """The run succeeded: done, or (repeating job) due again one interval later."""
        now = self.clock.now()
        if job.every is not None:
            # The first period boundary after now: missed periods (the process was down)
            # are skipped rather than run back to back, and the job keeps its rhythm.
            periods = (now - job.due_at) // job.every + 1
            next_due = job.due_at + periods * job.every
            values: dict[str, Any] = {"state": PENDING, "due_at": next_due, "attempts": 0,
                                      "last_error": None}
        else:
            values = {"state": DONE, "finished_at": now}
        return self._release(job, worker, {**values, "lease_owner": None, "lease_until": None})

    def fail(self, job: Job, *, worker: str, error: str, retry_at: datetime | None) -> bool:
        """The run failed: try again at ``retry_at``, or give up (``retry_at`` None)."""
        values: dict[str, Any] = {"last_error": error[:2000], "lease_owner": None,
                                  "lease_until": None}
        if retry_at is not None:
            values.update(state=PENDING, due_at=retry_at)
        elif job.every is not None:
            values.update(state=PENDING, due_at=self.clock.now() + job.every, attempts=0)
        else:
            values.update(state=FAILED, finished_at=self.clock.now())
        return self._release(job, worker, values)

    def _release(self, job: Job, worker: str, values: dict[str, Any]) -> bool:
        with write_transaction(self.engine) as conn:
            result = conn.execute(
                JOBS.update()
                .where(JOBS.c.id == job.id, JOBS.c.state == RUNNING,
                       JOBS.c.lease_owner == worker)
                .values(**values))
            return bool(result.rowcount)

    def states(self, name: str | None = None) -> list[dict[str, Any]]:
        """Every job's row (for ``watch --status`` and tests), oldest first."""
        query = sa.select(JOBS).order_by(JOBS.c.id)
        if name is not None:
            query = query.where(JOBS.c.name == name)
        with read_connection(self.engine) as conn:
            return [dict(row._mapping) for row in conn.execute(query)]
