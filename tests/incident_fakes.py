"""An in-memory ``IncidentStore`` for tests that need incidents but no database."""

from __future__ import annotations

from datetime import datetime

from bot.core.incidents import Incident, TimelineEntry


class InMemoryIncidentStore:
    """Incidents and their entries in dicts; ids ``INC-YYYYMMDD-N`` as the SQL store makes."""

    def __init__(self) -> None:
        self._incidents: dict[str, Incident] = {}
        self._entries: dict[str, list[TimelineEntry]] = {}

    def create(self, incident: Incident) -> Incident:
        if not incident.id:
            day = incident.opened_at.strftime("%Y%m%d")
            n = 1 + sum(i.startswith(f"INC-{day}-") for i in self._incidents)
            incident = incident.model_copy(update={"id": f"INC-{day}-{n}"})
        self._incidents[incident.id] = incident
        return incident

    def get(self, incident_id: str) -> Incident | None:
        return self._incidents.get(incident_id)

    def by_channel(self, channel: str) -> Incident | None:
        found = [i for i in self._incidents.values() if i.channel == channel and i.status == "open"]
        return found[-1] if found else None

    def recent(self, *, include_resolved: bool = True, limit: int = 50) -> list[Incident]:
        every = [i for i in self._incidents.values() if include_resolved or i.status == "open"]
        return sorted(every, key=lambda i: (i.opened_at, i.id), reverse=True)[:limit]

    def resolve(self, incident_id: str, *, by: str, at: datetime) -> Incident:
        incident = self._incidents[incident_id]
        if incident.status == "open":
            incident = incident.model_copy(
                update={"status": "resolved", "resolved_by": by, "resolved_at": at})
            self._incidents[incident_id] = incident
        return incident

    def add_entry(self, incident_id: str, entry: TimelineEntry) -> None:
        self._entries.setdefault(incident_id, []).append(entry)

    def entries(self, incident_id: str) -> list[TimelineEntry]:
        return sorted(self._entries.get(incident_id, []), key=lambda e: e.at)
