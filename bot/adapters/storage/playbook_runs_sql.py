"""``SqlPlaybookRuns``: playbook runs in SQL, so a restart or another replica continues one.

Every transition is one compare-and-set: ``UPDATE playbook_runs ... WHERE run_id = :id
AND version = :seen``.  Two clicks on one step (two replicas, a double click) each
compute a transition from the version they read; exactly one UPDATE matches, the
other is told the step was already done.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.adapters.storage.engine import read_connection, write_transaction
from bot.adapters.storage.tables import PLAYBOOK_RUNS
from bot.core.answers_incident import PlaybookRunLine
from bot.core.playbook_engine import RunState


def _values(state: RunState) -> dict[str, Any]:
    return {"playbook": state.playbook, "domain": state.domain, "incident_id": state.incident,
            "channel": state.channel, "status": state.status, "step": state.step,
            "version": state.version, "body": state.model_dump_json(),
            "updated_at": state.updated_at}


class SqlPlaybookRuns:
    """Playbook runs in SQLite or PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def add(self, state: RunState) -> None:
        """Keep a new run."""
        with write_transaction(self.engine) as conn:
            conn.execute(PLAYBOOK_RUNS.insert().values(
                run_id=state.run_id, started_by=state.started_by, created_at=state.started_at,
                **_values(state)))

    def get(self, run_id: str) -> RunState | None:
        """The run as stored now."""
        with read_connection(self.engine) as conn:
            body = conn.execute(sa.select(PLAYBOOK_RUNS.c.body).where(
                PLAYBOOK_RUNS.c.run_id == run_id)).scalar_one_or_none()
        return RunState.model_validate_json(body) if body is not None else None

    def save(self, state: RunState) -> bool:
        """Store ``state`` if the stored run is still at ``state.version - 1``; True when
        this call moved it (False: someone else's transition came first)."""
        with write_transaction(self.engine) as conn:
            result = conn.execute(PLAYBOOK_RUNS.update().where(
                PLAYBOOK_RUNS.c.run_id == state.run_id,
                PLAYBOOK_RUNS.c.version == state.version - 1).values(**_values(state)))
            return bool(result.rowcount)

    def rethread(self, state: RunState) -> bool:
        """Keep a new parent message (its old one was deleted) without bumping the version,
        so the buttons posted under it stay good; False when the run moved on meanwhile."""
        with write_transaction(self.engine) as conn:
            result = conn.execute(PLAYBOOK_RUNS.update().where(
                PLAYBOOK_RUNS.c.run_id == state.run_id,
                PLAYBOOK_RUNS.c.version == state.version).values(body=state.model_dump_json()))
            return bool(result.rowcount)

    def open_runs(self, *, channel: str | None = None, limit: int = 50) -> list[RunState]:
        """Runs not ended (active or abandoned), newest first; only ``channel``'s if given."""
        query = sa.select(PLAYBOOK_RUNS.c.body).where(PLAYBOOK_RUNS.c.status != "ended")
        if channel is not None:
            query = query.where(PLAYBOOK_RUNS.c.channel == channel)
        query = query.order_by(PLAYBOOK_RUNS.c.created_at.desc()).limit(limit)
        with read_connection(self.engine) as conn:
            bodies = conn.execute(query).scalars().all()
        return [RunState.model_validate_json(b) for b in bodies]

    def runs_for_incident(self, incident_id: str) -> list[PlaybookRunLine]:
        """The runs filed under ``incident_id``, oldest first (``incident status``)."""
        with read_connection(self.engine) as conn:
            bodies = conn.execute(sa.select(PLAYBOOK_RUNS.c.body).where(
                PLAYBOOK_RUNS.c.incident_id == incident_id).order_by(
                PLAYBOOK_RUNS.c.created_at)).scalars().all()
        runs = [RunState.model_validate_json(b) for b in bodies]
        return [PlaybookRunLine(run_id=r.run_id, playbook=r.playbook, state=r.status,
                                started_at=r.started_at, started_by=r.started_by,
                                step=f"{r.step} ({r.phase})") for r in runs]
