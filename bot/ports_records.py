"""Ports for what the bot keeps: the audit log, guarded requests, jobs, incidents, runs.

Split from ``bot.ports`` (which re-exports every name here) so that each module reads
as one idea: ``bot.ports`` faces KumoMTA, Slack and the files; this one faces storage.
SQL adapters live in ``bot.adapters.storage``; fakes in the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.core.answers_incident import PlaybookRunLine
from bot.core.audit import AuditEvent
from bot.core.authorization import Authorization, PendingAction, PendingStatus
from bot.core.bot_holds import BotHold
from bot.core.effective_shaping import OverrideEntry
from bot.core.follow_ups import LogFilterSet
from bot.core.incidents import Incident, TimelineEntry
from bot.core.metric_history import Snapshot as MetricSnapshot
from bot.core.playbook_engine import RunState
from bot.core.tsa_history import DiaryEntry, DiaryGap


class AuditLog(Protocol):
    """The record of everything done. Append and read; nothing edits or deletes."""

    def append(self, event: AuditEvent) -> None:
        """Add one event. Raises if it could not be written."""
        ...

    def recent(self, *, limit: int = 50, actor: str | None = None,
               since: datetime | None = None, incident_id: str | None = None
               ) -> list[AuditEvent]:
        """The newest events first, filtered."""
        ...


class IdempotencyKeys(Protocol):
    """Deliveries already taken (``trigger_id``, ``action_ts``, ``envelope_id``), shared by
    every process, so a request Slack delivers twice runs once."""

    def claim(self, kind: str, value: str) -> bool:
        """True the first time ``kind``/``value`` is claimed anywhere, False for each repeat."""
        ...


class GuardedRecords(Protocol):
    """Guarded requests awaiting Confirm or sign-off, and the holds the bot made (SQL)."""

    def add(self, pending: PendingAction, *, scope: str) -> None:
        """Keep a new request."""
        ...

    def get(self, request_id: str) -> PendingAction | None:
        """The request as stored now."""
        ...

    def set_approvals(self, request_id: str, *, seen: tuple[str, ...],
                      approvals: tuple[str, ...], now: datetime) -> bool:
        """Record approvals unless someone changed them since ``seen``."""
        ...

    def transition(self, request_id: str, *, old: PendingStatus, new: PendingStatus,
                   now: datetime, body: PendingAction | None = None) -> bool:
        """``old`` -> ``new`` atomically; True only for the one process that moved it."""
        ...

    def changes_since(self, scope: str, since: datetime, *, besides: str = "") -> int:
        """Changes on ``scope`` that ran since ``since``, not counting request ``besides``."""
        ...

    def set_card(self, request_id: str, *, channel: str, ts: str) -> None:
        """Remember where the request's card was posted."""
        ...

    def add_hold(self, hold: BotHold) -> None:
        """Keep a hold the bot made."""
        ...

    def active_holds(self, now: datetime) -> list[BotHold]:
        """The bot's holds still in force."""
        ...

    def set_hold_uuid(self, hold_id: str, node: str, uuid: str) -> None:
        """Record the UUID a node gave a re-applied hold."""
        ...

    def cancel_hold(self, hold_id: str, now: datetime) -> None:
        """Mark one of the bot's holds cancelled."""
        ...

    def add_override(self, authorization: Authorization, entry: OverrideEntry, *,
                     now: datetime) -> None:
        """Keep one shaping override the guard authorized."""
        ...

    def active_overrides(self, now: datetime) -> list[OverrideEntry]:
        """The bot's shaping overrides still in force, oldest first."""
        ...


class JobQueue(Protocol):
    """Timed work kept in SQL: each job runs once across replicas and survives restarts."""

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
        ...

    def cancel(self, key: str) -> bool:
        """Drop the pending job with ``key``; False when there is none."""
        ...


class FollowUpRecords(Protocol):
    """What the bot must do later about its writes: log filters to revert, restarts to notice."""

    def add_log_filter(self, entry: LogFilterSet) -> None:
        """Keep a log filter the bot just set."""
        ...

    def log_filter(self, request_id: str) -> LogFilterSet | None:
        """One log filter, by the request that set it."""
        ...

    def latest_log_filter(self) -> LogFilterSet | None:
        """The log filter set last."""
        ...

    def finish_log_filter(self, request_id: str, *, outcome: str, now: datetime) -> bool:
        """Mark it reverted or superseded; False when another process already did."""
        ...

    def online_since(self) -> dict[str, str]:
        """The last ``online_since`` seen, per node."""
        ...

    def see_online_since(self, node: str, *, seen: str | None, now_value: str,
                         now: datetime) -> bool:
        """Move ``node``'s ``online_since`` from ``seen``; False when another process did."""
        ...


class TsaDiaryReader(Protocol):
    """The TSA diary kept by the watcher: what the automation did, and the gaps."""

    def entries(self, *, since: datetime) -> list[DiaryEntry]:
        """Every action active at some point since ``since``, oldest first."""
        ...

    def gaps(self, *, since: datetime) -> list[DiaryGap]:
        """The times a watcher had no live stream, since ``since``."""
        ...


class MetricHistory(Protocol):
    """Each node's queue metrics over time, sampled every minute and thinned with age."""

    def record(self, snapshot: MetricSnapshot) -> None:
        """Store one node's snapshot."""
        ...

    def snapshots(self, *, since: datetime, until: datetime | None = None,
                  kinds: Collection[str] | None = None,
                  where: Callable[[tuple[str, str]], bool] | None = None,
                  step: timedelta | None = None, keep_newest: int = 0
                  ) -> list[MetricSnapshot]:
        """Every node's snapshots from ``since`` (to ``until``), oldest first; only the
        series of ``kinds`` that ``where`` accepts, when given.  With ``step``, the
        latest of each node in each ``step`` bucket, the ``keep_newest`` newest sampling
        times whole (``bot.core.metric_rollups.downsample``), from the roll-ups."""
        ...

    def compact(self, now: datetime) -> int:
        """Thin and drop old snapshots; returns how many were dropped."""
        ...


class IncidentStore(Protocol):
    """Incidents and their notes, in SQL (``bot.adapters.storage.incidents_sql``)."""

    def create(self, incident: Incident) -> Incident:
        """Store a new incident; the id is allocated here if ``incident.id`` is empty."""
        ...

    def get(self, incident_id: str) -> Incident | None:
        """The incident, or None."""
        ...

    def by_channel(self, channel: str) -> Incident | None:
        """The open incident that lives in ``channel``, or None."""
        ...

    def recent(self, *, include_resolved: bool = True, limit: int = 50) -> list[Incident]:
        """Newest first."""
        ...

    def resolve(self, incident_id: str, *, by: str, at: datetime) -> Incident:
        """Mark it resolved (idempotent: resolving twice keeps the first resolve)."""
        ...

    def add_entry(self, incident_id: str, entry: TimelineEntry) -> None:
        """Record a timeline entry that is not an audit event (a note, an out-of-band hold)."""
        ...

    def entries(self, incident_id: str) -> list[TimelineEntry]:
        """The entries recorded with ``add_entry``, oldest first."""
        ...

    def set_channel(self, incident_id: str, channel: str) -> Incident:
        """Record the channel the incident lives in (after the Slack side created it)."""
        ...

    def add_entry_once(self, incident_id: str, entry: TimelineEntry, *, key: str | None
                       ) -> bool:
        """Like ``add_entry``, but an entry whose ``key`` is recorded already (an
        out-of-band hold's id) is not recorded again; True when this call recorded it."""
        ...


class PlaybookRunsLookup(Protocol):
    """The playbook runs filed under an incident (the playbooks side answers it)."""

    def runs_for_incident(self, incident_id: str) -> list[PlaybookRunLine]:
        """The runs, oldest first."""
        ...


class PlaybookRuns(Protocol):
    """Playbook runs, kept so that a restart or another replica continues one."""

    def add(self, state: RunState) -> None:
        """Keep a new run."""
        ...

    def get(self, run_id: str) -> RunState | None:
        """The run as stored now."""
        ...

    def save(self, state: RunState) -> bool:
        """Store ``state`` only over ``state.version - 1`` (compare-and-set); True when
        this call moved the run, False when another transition came first."""
        ...

    def open_runs(self, *, channel: str | None = None, limit: int = 50) -> list[RunState]:
        """Runs not ended, newest first (only ``channel``'s when given)."""
        ...

    def rethread(self, state: RunState) -> bool:
        """Store a new parent message (``parent_ts``, ``card_ts``) over the same version;
        False when the run moved on meanwhile."""
        ...

    def runs_for_incident(self, incident_id: str) -> list[PlaybookRunLine]:
        """The runs filed under an incident, oldest first."""
        ...
