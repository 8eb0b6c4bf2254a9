"""An in-memory audit log: the fake for tests (the bot itself records in SQL: ``SqlAuditLog``)."""

from __future__ import annotations

import threading
from datetime import datetime

from bot.core.audit import AuditEvent


class InMemoryAuditLog:
    """Append-only list of events, newest read first. Nothing edits or deletes."""

    def __init__(self) -> None:
        self._events: list[AuditEvent] = []
        self._lock = threading.Lock()

    def append(self, event: AuditEvent) -> None:
        with self._lock:
            self._events.append(event)

    def recent(
        self,
        *,
        limit: int = 50,
        actor: str | None = None,
        since: datetime | None = None,
        incident_id: str | None = None,
    ) -> list[AuditEvent]:
        with self._lock:
            events = list(reversed(self._events))
        out = [
            e
            for e in events
            if (actor is None or e.actor.id == actor or e.actor.name == actor)
            and (since is None or e.at >= since)
            and (incident_id is None or e.incident_id == incident_id)
        ]
        return out[:limit]
