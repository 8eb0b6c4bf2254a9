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
from bot.core.answers import AnswerBase
from bot.core.answers_guard import GuardAnswer
from bot.core.answers_incident import PlaybookRunLine
from bot.core.answers_postmortem import RenderedFile
from bot.core.audit import AuditEvent
from bot.core.authorization import Authorization, PendingAction, PendingStatus
from bot.core.bot_holds import BotHold
from bot.core.dns_checks import DnsAnswer
from bot.core.effective_shaping import OverrideEntry
from bot.core.follow_ups import LogFilterSet
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
from bot.core.playbook_engine import RunState
from bot.core.playbook_spec import Playbook
from bot.core.postmortem import PostmortemDoc
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


class GuardNotifier(Protocol):
    """Tells the channel what a timed job did to a guarded write (Slack in production)."""

    def card_changed(self, channel: str, ts: str, answer: GuardAnswer) -> None:
        """Show the request's new state on its card, in place."""
        ...

    def say(self, channel: str, text: str) -> None:
        """Post one plain line (escaped by the adapter) in ``channel``."""
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

    def visit_records(
        self, query: LogQuery, visit: Callable[[str, LogRecord], None], *,
        progress: ProgressFn | None = None,
    ) -> LogScan[int]:
        """Call ``visit(node, record)`` for every record matching ``query``, internal ones
        included, in no set order (the post-mortem's impact); returns how many."""
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


class RunMessenger(Protocol):
    """Where a playbook run is shown: a parent message (its status card) and a thread."""

    def post_parent(self, run: RunState, book: Playbook) -> str | None:
        """Post the run's parent message in its channel; its ts (None: not posted)."""
        ...

    def update_card(self, run: RunState, book: Playbook) -> None:
        """Show the run's phase, progress and last milestone on its parent, in place."""
        ...

    def post_step(self, run: RunState, book: Playbook, step: str) -> None:
        """Post a step (with its buttons) in the run's thread."""
        ...

    def post_answer(self, run: RunState, book: Playbook, answer: AnswerBase, text: str,
                    by: str) -> None:
        """Post a command's answer (a check's result, a guard card) in the run's thread."""
        ...

    def moved(self, run: RunState) -> str | None:
        """The ts of a new parent message, when the run's own was gone and a new card was
        posted to carry the thread (None: the thread is where the run says)."""
        ...

    def mirror(self, run: RunState, text: str) -> None:
        """Say a milestone in the run's channel."""
        ...

    def link(self, channel: str, ts: str) -> str | None:
        """A permalink to a message, when one can be had."""
        ...


class PostmortemRenderer(Protocol):
    """Turns a post-mortem document into files (``bot.adapters.postmortem_files``)."""

    def render(self, doc: PostmortemDoc) -> list[RenderedFile]:
        """The Markdown, the self-contained HTML and the chart's PNG (when there is one)."""
        ...


class DocumentShelf(Protocol):
    """Where rendered documents are kept: a directory today."""

    def save(self, files: Sequence[RenderedFile]) -> str:
        """Store the files; returns where, for people to find them."""
        ...
