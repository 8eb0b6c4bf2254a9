"""Ports: the capabilities the services need, named for what they do.

Adapters (``bot/adapters``) implement them with a technology; fakes implement them
for tests.  ``bootstrap.build_services`` is the one place that picks which.

Reads and writes to KumoMTA are separate ports: ``MtaReader`` is GET-only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol, TypeVar

from bot.core.audit import AuditEvent
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
from bot.core.shaping_files import ShapingText

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
