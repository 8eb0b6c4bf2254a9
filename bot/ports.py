"""Ports: the capabilities the services need, named for what they do.

Adapters (``bot/adapters``) implement them with a technology; fakes implement them
for tests.  ``bootstrap.build_services`` is the one place that picks which.

Reads and writes to KumoMTA are separate ports: ``MtaReader`` is GET-only.
The storage ports (audit log, guarded records, jobs, incidents, playbook runs...)
live in ``bot.ports_records`` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from bot.core.admin_writes import AdminWrite, NodeOutcome
from bot.core.answers import AnswerBase
from bot.core.answers_guard import GuardAnswer
from bot.core.answers_postmortem import RenderedFile
from bot.core.authorization import Authorization
from bot.core.dns_checks import DnsAnswer
from bot.core.logquery import LogQuery
from bot.core.logrecords import LogRecord
from bot.core.logscan import LogScan, ProgressFn
from bot.core.logtally import ResponseTally
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
from bot.core.who import QueueSample

# The storage ports live in bot.ports_records, re-exported so `from bot.ports import X` works.
from bot.ports_records import (
    AuditLog,
    FollowUpRecords,
    GuardedRecords,
    IdempotencyKeys,
    IncidentStore,
    JobQueue,
    MetricHistory,
    PlaybookRuns,
    PlaybookRunsLookup,
    TsaDiaryReader,
)

__all__ = [
    "AuditLog",
    "Clock",
    "DnsLookup",
    "DocumentShelf",
    "FollowUpRecords",
    "GuardNotifier",
    "GuardedRecords",
    "IdempotencyKeys",
    "IncidentStore",
    "JobQueue",
    "LogReader",
    "MetricHistory",
    "MtaReader",
    "MtaWriter",
    "Park",
    "PlaybookRuns",
    "PlaybookRunsLookup",
    "PostmortemRenderer",
    "RunMessenger",
    "ShapingSource",
    "SiteResolver",
    "TsaDiaryReader",
    "TsaReader",
]

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


class GuardNotifier(Protocol):
    """Tells the channel what a timed job did to a guarded write (Slack in production)."""

    def card_changed(self, channel: str, ts: str, answer: GuardAnswer) -> None:
        """Show the request's new state on its card, in place."""
        ...

    def say(self, channel: str, text: str) -> None:
        """Post one plain line (escaped by the adapter) in ``channel``."""
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


class DnsLookup(Protocol):
    """DNS questions for the standing suspects (blocklists, SPF, DKIM, DMARC)."""

    def lookup(self, name: str, rtype: str) -> DnsAnswer:
        """The records of ``name`` of type ``rtype`` (A, TXT...), or why there are none."""
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
