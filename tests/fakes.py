"""Fakes for the ports: small, honest stand-ins (no mocks)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from bot.core.audit import AuditEvent
from bot.core.errors import BotError, NotFound
from bot.core.models import (
    BounceEntry,
    Liveness,
    MachineInfo,
    MetricSample,
    MxRecord,
    NodeFailure,
    ParkAnswer,
    ReadyQSuspendEntry,
    ReadyQueueState,
    SuspendEntry,
    TsaState,
)

T = TypeVar("T")


@dataclass
class FakeMta:
    """One kumod node with canned answers; ``delay`` makes every read slow."""

    name: str
    samples: list[MetricSample] = field(default_factory=list)
    suspends: list[SuspendEntry] = field(default_factory=list)
    bounce_list: list[BounceEntry] = field(default_factory=list)
    ready_suspends: list[ReadyQSuspendEntry] = field(default_factory=list)
    states: dict[str, ReadyQueueState] = field(default_factory=dict)
    live: Liveness = field(default_factory=lambda: Liveness(status=200, text="OK"))
    delay: float = 0.0
    fail: BotError | None = None
    gate: threading.Event | None = None  # when set, every read waits for it to open

    async def _answer(self, value: Any) -> Any:
        if self.gate is not None:
            await asyncio.to_thread(self.gate.wait, 30)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        return value

    async def liveness(self) -> Liveness:
        return await self._answer(self.live)

    async def machine_info(self) -> MachineInfo:
        return await self._answer(
            MachineInfo(
                node_id="0" * 8,
                hostname=self.name,
                version="2026.06.23-f3af1cd0",
                online_since=datetime(2026, 11, 1, tzinfo=UTC),
            )
        )

    async def metrics(self, names: frozenset[str] | None = None) -> list[MetricSample]:
        return await self._answer([s for s in self.samples if names is None or s.name in names])

    async def scheduled_suspensions(self) -> list[SuspendEntry]:
        return await self._answer(self.suspends)

    async def bounces(self) -> list[BounceEntry]:
        return await self._answer(self.bounce_list)

    async def ready_queue_suspensions(self) -> list[ReadyQSuspendEntry]:
        return await self._answer(self.ready_suspends)

    async def ready_queue_states(self) -> dict[str, ReadyQueueState]:
        return await self._answer(self.states)

    async def api_paths(self) -> set[str]:
        return await self._answer({"/api/admin/ready-q-states/v1"})


@dataclass
class FakeTsa:
    name: str = "tsa"
    state_value: TsaState = field(default_factory=TsaState)

    async def status(self) -> str:
        return "TSA Daemon OK"

    async def state(self) -> TsaState:
        return self.state_value


class FakePark:
    """Runs questions against fake nodes, with a per-node timeout like the real park."""

    def __init__(
        self, nodes: Sequence[FakeMta], tsas: Sequence[FakeTsa] = (), timeout: float = 2.0
    ) -> None:
        self.nodes = {n.name: n for n in nodes}
        self.tsas = {t.name: t for t in tsas}
        self.timeout = timeout

    @property
    def node_names(self) -> list[str]:
        return list(self.nodes)

    @property
    def tsa_names(self) -> list[str]:
        return list(self.tsas)

    def tsa_serves(self, tsa_name: str) -> list[str]:
        return list(self.nodes)

    def _run(
        self, targets: dict[str, Any], question: Callable[[Any], Awaitable[T]]
    ) -> ParkAnswer[T]:
        async def one(name: str, reader: Any) -> tuple[str, Any]:
            try:
                return name, await asyncio.wait_for(question(reader), self.timeout)
            except TimeoutError:
                return name, NodeFailure(node=name, kind="timeout", detail="no answer in time")
            except BotError as exc:
                return name, NodeFailure(node=name, kind="http", detail=exc.message)

        async def all_() -> list[tuple[str, Any]]:
            return await asyncio.gather(*(one(n, r) for n, r in targets.items()))

        results: dict[str, T] = {}
        failures: list[NodeFailure] = []
        for name, value in asyncio.run(all_()):
            if isinstance(value, NodeFailure):
                failures.append(value)
            else:
                results[name] = value
        return ParkAnswer[T](results=results, failures=failures, asked=list(targets))

    def ask(
        self, question: Callable[[Any], Awaitable[T]], *, nodes: Sequence[str] | None = None
    ) -> ParkAnswer[T]:
        for n in nodes or ():
            if n not in self.nodes:
                raise NotFound(f"no node {n}")
        targets = {n: self.nodes[n] for n in (nodes or self.nodes)}
        return self._run(targets, question)

    def ask_tsa(self, question: Callable[[Any], Awaitable[T]]) -> ParkAnswer[T]:
        return self._run(dict(self.tsas), question)


class FakeResolver:
    def __init__(self, records: dict[str, list[MxRecord]]) -> None:
        self.records = records

    def mx_records(self, domain: str) -> list[MxRecord]:
        if domain not in self.records:
            raise NotFound(f"{domain} is not in the site map")
        return self.records[domain]


class FixedClock:
    def __init__(self, now: datetime | None = None) -> None:
        self.current = now or datetime(2026, 11, 29, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


class BrokenAuditLog:
    """An audit log whose database is gone."""

    def append(self, event: AuditEvent) -> None:
        raise OSError("disk I/O error")

    def recent(self, **_: Any) -> list[AuditEvent]:
        return []


YAHOO_MX = [MxRecord(pref=1, host=f"mta{i}.am0.yahoodns.net") for i in (7, 5, 6)]
