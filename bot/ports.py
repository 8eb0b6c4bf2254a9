"""Ports: the capabilities the services need, named for what they do.

Adapters (``bot/adapters``) implement them with a technology; fakes implement them
for tests.  ``bootstrap.build_services`` is the one place that picks which.

Reads and writes to KumoMTA are separate ports: ``MtaReader`` is GET-only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from bot.core.admin_writes import AdminWrite, NodeOutcome
from bot.core.audit import AuditEvent
from bot.core.authorization import Authorization, PendingAction, PendingStatus
from bot.core.bot_holds import BotHold
from bot.core.dns_checks import DnsAnswer
from bot.core.effective_shaping import OverrideEntry
from bot.core.incidents import Incident, TimelineEntry
from bot.core.logquery import LogQuery
from bot.core.logrecords import LogRecord
from bot.core.logscan import LogScan, ProgressFn
from bot.core.logtally import ResponseTally
from bot.core.metric_history import Snapshot as MetricSnapshot
from bot.core.models import (
    BounceEntry,
    Liveness,
    MachineInfo,
    MetricSample,
    MxRecord,
    ParkAnswer,
    ReadyQSuspendEntry,
    ReadyQueueState,
    SuspendEntry,
    TsaState,
)
from bot.core.shaping_files import ShapingText
from bot.core.tsa_history import DiaryEntry, DiaryGap
from bot.core.who import QueueSample

T = TypeVar("T")


class Clock(Protocol):
    """Where time comes from: the wall clock, or the simulator's clock in the demo."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class MtaReader(Protocol):
    """Read-only questions to one kumod node (REFERENCE 1 and 3). GET only."""

    name: str

    async def liveness(self) -> Liveness:
        """``/api/check-liveness/v1``: OK, or why the node refuses mail."""
        ...

    async def machine_info(self) -> MachineInfo:
        """``/api/machine-info``."""
        ...

    async def metrics(self, names: frozenset[str] | None = None) -> list[MetricSample]:
        """``/metrics`` parsed; only the families in ``names`` when given."""
        ...

    async def scheduled_suspensions(self) -> list[SuspendEntry]:
        """``GET /api/admin/suspend/v1``."""
        ...

    async def bounces(self) -> list[BounceEntry]:
        """``GET /api/admin/bounce/v1``."""
        ...

    async def ready_queue_suspensions(self) -> list[ReadyQSuspendEntry]:
        """``GET /api/admin/suspend-ready-q/v1``."""
        ...

    async def ready_queue_states(self) -> dict[str, ReadyQueueState]:
        """``GET /api/admin/ready-q-states/v1`` (never with ``queues``: it is inverted)."""
        ...

    async def api_paths(self) -> set[str]:
        """The paths the node's ``/api-docs/openapi.json`` lists (what this version supports)."""
        ...

    async def scheduled_queue_sample(self, queue: str, limit: int) -> QueueSample:
        """``GET /api/admin/inspect-sched-q/v1``: ``limit`` messages of a queue, no bodies."""
        ...


class TsaReader(Protocol):
    """Read-only questions to one tsa-daemon (REFERENCE 5.2)."""

    name: str

    async def status(self) -> str:
        """``/tsa/status``: ``TSA Daemon OK``."""
        ...

    async def state(self) -> TsaState:
        """Suspensions, bounces and config overrides TSA holds now."""
        ...


class Park(Protocol):
    """Every node at once: bounded concurrency, a per-node timeout, failures named."""

    @property
    def node_names(self) -> list[str]:
        """The configured kumod nodes, in settings order."""
        ...

    @property
    def tsa_names(self) -> list[str]:
        """The configured tsa-daemons."""
        ...

    def ask(
        self,
        question: Callable[[MtaReader], Awaitable[T]],
        *,
        nodes: Sequence[str] | None = None,
    ) -> ParkAnswer[T]:
        """Ask every node (or ``nodes``) the same question and merge what they said."""
        ...

    def ask_tsa(self, question: Callable[[TsaReader], Awaitable[T]]) -> ParkAnswer[T]:
        """Ask every tsa-daemon the same question."""
        ...

    def tsa_serves(self, tsa_name: str) -> list[str]:
        """The kumod nodes one tsa-daemon serves."""
        ...


class SiteResolver(Protocol):
    """MX records for a domain: DNS in production, a site-map file in the demo and tests."""

    def mx_records(self, domain: str) -> list[MxRecord]:
        """The MX records of ``domain``; [] means the domain itself is the implicit MX.

        Raises ``NotFound`` for NXDOMAIN and ``UpstreamUnavailable`` when DNS fails.
        """
        ...


class ShapingSource(Protocol):
    """The shaping files (paths or URLs) in load order, as text: what TSA evaluates."""

    def texts(self) -> list[ShapingText]:
        """Every configured source, read now; a source that failed carries its problem."""
        ...


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


class MtaWriter(Protocol):
    """Writes to the park's kumod nodes, with the write credentials (least privilege).

    Every write needs an ``Authorization``, which only the guard's confirm or sign-off
    path can produce.  Each call goes to one node once: never retried.
    """

    @property
    def node_names(self) -> list[str]:
        """The nodes this writer can reach."""
        ...

    def preflight(self, node: str) -> str | None:
        """None when ``node`` is reachable and permits writes, else why not (a harmless probe)."""
        ...

    def write(self, authorization: Authorization, node: str, request: AdminWrite) -> NodeOutcome:
        """Send ``request`` to ``node`` once: ``done``, ``failed`` or ``unknown`` (timeout)."""
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

    def add_hold(self, hold: BotHold) -> None:
        """Keep a hold the bot made."""
        ...

    def active_holds(self, now: datetime) -> list[BotHold]:
        """The bot's holds still in force."""
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


class TsaDiaryReader(Protocol):
    """The TSA diary kept by the watcher: what the automation did, and the gaps."""

    def entries(self, *, since: datetime) -> list[DiaryEntry]:
        """Every action active at some point since ``since``, oldest first."""
        ...

    def gaps(self, *, since: datetime) -> list[DiaryGap]:
        """The times a watcher had no live stream, since ``since``."""
        ...


class LogReader(Protocol):
    """The delivery logs of the park (REFERENCE 4): the zstd JSONL files kumod writes
    today, a columnar engine over the same records tomorrow.  Memory stays flat
    whatever the size of the logs; damage is skipped, counted and reported.
    """

    @property
    def node_names(self) -> list[str]:
        """The nodes whose logs this reader can see."""
        ...

    def newest_records(
        self, query: LogQuery, *, limit: int, progress: ProgressFn | None = None
    ) -> LogScan[list[tuple[str, LogRecord]]]:
        """The ``limit`` newest records matching ``query``, newest first, with their node."""
        ...

    def tally_responses(
        self, query: LogQuery, tally: ResponseTally, *, progress: ProgressFn | None = None
    ) -> LogScan[ResponseTally]:
        """Stream every record matching ``query`` into ``tally`` (internal ones included:
        the tally counts them apart)."""
        ...


class MetricHistory(Protocol):
    """Each node's queue metrics over time, sampled every minute and thinned with age."""

    def record(self, snapshot: MetricSnapshot) -> None:
        """Store one node's snapshot."""
        ...

    def snapshots(self, *, since: datetime, until: datetime | None = None,
                  kinds: Collection[str] | None = None,
                  where: Callable[[tuple[str, str]], bool] | None = None
                  ) -> list[MetricSnapshot]:
        """Every node's snapshots from ``since`` (to ``until``), oldest first; only the
        series of ``kinds`` that ``where`` accepts, when given."""
        ...

    def compact(self, now: datetime) -> int:
        """Thin and drop old snapshots; returns how many were dropped."""
        ...


class DnsLookup(Protocol):
    """DNS questions for the standing suspects (blocklists, SPF, DKIM, DMARC)."""

    def lookup(self, name: str, rtype: str) -> DnsAnswer:
        """The records of ``name`` of type ``rtype`` (A, TXT...), or why there are none."""
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
