"""``SqlIncidentStore``: incidents and their non-audit timeline entries, in SQL.

Ids are ``INC-<yyyymmdd>-<n>``, numbered per UTC day.  Two replicas starting an
incident at the same moment must not share an id: the pair (day, n) is unique, and
an insert that loses the race (PostgreSQL raises a unique violation; SQLite's
``BEGIN IMMEDIATE`` serialises writers so it cannot lose) reads the day's highest
number again and retries.  Entries with a ``key`` (an out-of-band hold's id) are
recorded once per incident, whichever replica saw them first.  A channel holds one open
incident at most (a partial unique index), even when two replicas start one there at once.
Every method turns a database failure into ``StorageError`` (saying what failed), so an
outage answers `incident status` or ``--incident ID`` with a clear message, not a crash.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from bot.adapters.storage.engine import read_connection, write_transaction
from bot.adapters.storage.tables import INCIDENT_ENTRIES, INCIDENTS
from bot.core.errors import NotFound, StorageError, UserInputError
from bot.core.incidents import Incident, TimelineEntry

ID_PREFIX = "INC"
_ATTEMPTS = 50
_HINT = ("The bot's database is not answering: check DATABASE_URL (or KUMO_DATA_DIR for "
         "SQLite) and that the database is up, then try again.")


def _incident(row: Any) -> Incident:
    return Incident(
        id=row.id, title=row.title, domains=tuple(json.loads(row.domains)),
        channel=row.channel, status=row.status, opened_by=row.opened_by,
        opened_at=row.opened_at, resolved_by=row.resolved_by, resolved_at=row.resolved_at,
    )


def _entry(row: Any) -> TimelineEntry:
    return TimelineEntry.model_validate_json(row.body)


@contextmanager
def _storage_errors(doing: str, *, refusals: bool = False) -> Iterator[None]:
    """Turn a database failure into the bot's ``StorageError``, saying what failed;
    ``refusals``: a constraint's refusal (``IntegrityError``) is the caller's to handle."""
    try:
        yield
    except IntegrityError as exc:
        if refusals:
            raise
        raise StorageError(f"The incidents could not {doing}: a constraint refused it.") from exc
    except SQLAlchemyError as exc:
        raise StorageError(f"The incidents could not {doing}: {type(exc).__name__}.",
                           hint=_HINT) from exc


class SqlIncidentStore:
    """Incidents and their notes (the ``IncidentStore`` port), in SQLite or PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, incident: Incident) -> Incident:
        """Store a new incident; the id is allocated here if ``incident.id`` is empty."""
        day = incident.opened_at.astimezone(UTC).strftime("%Y%m%d")
        for _ in range(_ATTEMPTS):
            try:
                with _storage_errors("be written to the database", refusals=True), \
                        write_transaction(self.engine) as conn:
                    highest = conn.execute(sa.select(sa.func.max(INCIDENTS.c.seq)).where(
                        INCIDENTS.c.day == day)).scalar_one_or_none()
                    seq = int(highest or 0) + 1
                    made = incident.model_copy(update={
                        "id": incident.id or f"{ID_PREFIX}-{day}-{seq}"})
                    conn.execute(INCIDENTS.insert().values(
                        id=made.id, day=day, seq=seq, title=made.title,
                        domains=json.dumps(list(made.domains)), channel=made.channel,
                        status=made.status, opened_by=made.opened_by,
                        opened_at=made.opened_at, resolved_by=made.resolved_by,
                        resolved_at=made.resolved_at))
                return made
            except IntegrityError:
                if incident.channel and (here := self.by_channel(incident.channel)):
                    raise UserInputError(
                        f"An open incident already lives in this channel: {here.id}.",
                        hint="Resolve it first, or start the new one with `--channel`.",
                    ) from None
                if incident.id:
                    raise StorageError(f"An incident {incident.id} exists already.") from None
                continue  # another replica took this number between our read and insert
        raise StorageError("No incident id could be allocated; try again.")

    def get(self, incident_id: str) -> Incident | None:
        """The incident, or None (ids are matched without regard to case)."""
        with _storage_errors("be read from the database"), read_connection(self.engine) as conn:
            row = conn.execute(INCIDENTS.select().where(
                INCIDENTS.c.id == incident_id.upper())).first()
        return _incident(row) if row is not None else None

    def by_channel(self, channel: str) -> Incident | None:
        """The open incident that lives in ``channel``, or None (the newest, if several).

        Asked before every command: a database that cannot answer is a ``StorageError``."""
        with _storage_errors("be read from the database"), read_connection(self.engine) as conn:
            row = conn.execute(INCIDENTS.select().where(
                INCIDENTS.c.channel == channel, INCIDENTS.c.status == "open",
            ).order_by(INCIDENTS.c.opened_at.desc(), INCIDENTS.c.seq.desc())).first()
        return _incident(row) if row is not None else None

    def recent(self, *, include_resolved: bool = True, limit: int = 50) -> list[Incident]:
        """Newest first."""
        query = INCIDENTS.select()
        if not include_resolved:
            query = query.where(INCIDENTS.c.status == "open")
        query = query.order_by(INCIDENTS.c.opened_at.desc(), INCIDENTS.c.day.desc(),
                               INCIDENTS.c.seq.desc()).limit(limit)
        with _storage_errors("be read from the database"), read_connection(self.engine) as conn:
            return [_incident(row) for row in conn.execute(query)]

    def resolve(self, incident_id: str, *, by: str, at: datetime) -> Incident:
        """Mark it resolved; resolving twice keeps the first resolve."""
        with _storage_errors("be written to the database"), \
                write_transaction(self.engine) as conn:
            conn.execute(INCIDENTS.update().where(
                INCIDENTS.c.id == incident_id.upper(), INCIDENTS.c.status == "open",
            ).values(status="resolved", resolved_by=by, resolved_at=at))
        found = self.get(incident_id)
        if found is None:
            raise NotFound(f"There is no incident {incident_id}.")
        return found

    def set_channel(self, incident_id: str, channel: str) -> Incident:
        """Record the channel the incident lives in (after Slack created it)."""
        with _storage_errors("be written to the database"), \
                write_transaction(self.engine) as conn:
            conn.execute(INCIDENTS.update().where(INCIDENTS.c.id == incident_id.upper())
                         .values(channel=channel))
        found = self.get(incident_id)
        if found is None:
            raise NotFound(f"There is no incident {incident_id}.")
        return found

    def add_entry(self, incident_id: str, entry: TimelineEntry) -> None:
        """Record a timeline entry that is not an audit event (a note, an out-of-band hold)."""
        self.add_entry_once(incident_id, entry, key=None)

    def add_entry_once(self, incident_id: str, entry: TimelineEntry, *, key: str | None
                       ) -> bool:
        """Record ``entry`` unless one with the same ``key`` is recorded for the incident
        (``key`` None: always).  True when this call recorded it."""
        try:
            with _storage_errors("be written to the database", refusals=True), \
                    write_transaction(self.engine) as conn:
                conn.execute(INCIDENT_ENTRIES.insert().values(
                    incident_id=incident_id.upper(), key=key, at=entry.at, kind=entry.kind,
                    body=entry.model_dump_json()))
        except IntegrityError:
            return False  # recorded already, by this process or another
        return True

    def entries(self, incident_id: str) -> list[TimelineEntry]:
        """The entries recorded with ``add_entry``, oldest first."""
        with _storage_errors("be read from the database"), read_connection(self.engine) as conn:
            rows = conn.execute(INCIDENT_ENTRIES.select().where(
                INCIDENT_ENTRIES.c.incident_id == incident_id.upper(),
            ).order_by(INCIDENT_ENTRIES.c.at, INCIDENT_ENTRIES.c.id))
            return [_entry(row) for row in rows]
