"""Ports: the capabilities the services need, named for what they do.

Adapters (``bot/adapters``) implement them with a technology; fakes implement them
for tests.  ``bootstrap.build_services`` is the one place that picks which.

Reads and writes to KumoMTA are separate ports: ``MtaReader`` is GET-only.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Protocol, TypeVar

from bot.core.audit import AuditEvent
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
