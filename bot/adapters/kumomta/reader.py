"""``KumoHttpReader``: the ``MtaReader`` port over kumod's HTTP API (REFERENCE 1, 3).

GET only.  Lists come back as JSON arrays whose ``duration`` is the humantime time
remaining; optional fields may be missing and unknown ones are ignored, so an
older or newer kumod still reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from bot.adapters.kumomta.credentials import Credentials
from bot.adapters.kumomta.prom import parse_metrics
from bot.adapters.kumomta.wire import RetryPolicy, Wire, validation_summary
from bot.core.humantime import parse_humantime
from bot.core.models import (
    BounceEntry,
    Liveness,
    MachineInfo,
    MetricSample,
    ReadyQSuspendEntry,
    ReadyQueueState,
    SuspendEntry,
)
from bot.core.who import QueueSample

M = TypeVar("M", bound=BaseModel)

LIVENESS = "/api/check-liveness/v1"
MACHINE_INFO = "/api/machine-info"
METRICS = "/metrics"
SUSPENSIONS = "/api/admin/suspend/v1"
BOUNCES = "/api/admin/bounce/v1"
READY_Q_SUSPENSIONS = "/api/admin/suspend-ready-q/v1"
READY_Q_STATES = "/api/admin/ready-q-states/v1"
OPENAPI = "/api-docs/openapi.json"
INSPECT_SCHED_Q = "/api/admin/inspect-sched-q/v1"


class KumoHttpReader:
    """Read-only questions to one kumod node, asked as kcli asks them."""

    def __init__(
        self,
        name: str,
        base_url: str,
        client: httpx.AsyncClient,
        *,
        credentials: Credentials | None = None,
        retry: RetryPolicy | None = None,
        deadline: float | None = None,
    ) -> None:
        """``deadline`` is a ``time.monotonic()`` instant retries must not sleep past."""
        self.name = name
        self._wire = Wire(
            name, base_url, client, credentials=credentials, retry=retry, deadline=deadline
        )

    def __repr__(self) -> str:
        return f"KumoHttpReader({self.name!r}, {self._wire.display!r})"

    async def liveness(self) -> Liveness:
        """``/api/check-liveness/v1``: 200 ``OK`` or 503 with why; both are answers."""
        # A 503 here is the node telling us it refuses mail (load shedding, full
        # disk...): an answer to report, never a failure to retry.
        response = await self._wire.get(
            LIVENESS, accept=frozenset({503}), retry_statuses=frozenset()
        )
        return Liveness(
            status=response.status_code,
            text=response.text.strip(),
            server_time=_http_date(response.headers.get("date")),
        )

    async def machine_info(self) -> MachineInfo:
        """``/api/machine-info`` (``MachineInfoV1``)."""
        return self._model(MACHINE_INFO, MachineInfo, await self._wire.get_json(MACHINE_INFO))

    async def metrics(self, names: frozenset[str] | None = None) -> list[MetricSample]:
        """``/metrics`` parsed; only the families in ``names`` when given."""
        text = await self._wire.get_text(METRICS)
        try:
            return parse_metrics(text, names)
        except ValueError as exc:
            raise self._wire.bad_answer(METRICS, f"not Prometheus text ({exc})") from exc

    async def scheduled_suspensions(self) -> list[SuspendEntry]:
        """``GET /api/admin/suspend/v1``."""
        return await self._hold_list(SUSPENSIONS, SuspendEntry)

    async def bounces(self) -> list[BounceEntry]:
        """``GET /api/admin/bounce/v1``."""
        return await self._hold_list(BOUNCES, BounceEntry)

    async def ready_queue_suspensions(self) -> list[ReadyQSuspendEntry]:
        """``GET /api/admin/suspend-ready-q/v1``."""
        return await self._hold_list(READY_Q_SUSPENSIONS, ReadyQSuspendEntry)

    async def ready_queue_states(self) -> dict[str, ReadyQueueState]:
        """``GET /api/admin/ready-q-states/v1``, never with ``queues`` (it is inverted)."""
        body = await self._wire.get_json(READY_Q_STATES)
        states = body.get("states_by_ready_queue") if isinstance(body, dict) else None
        if states is None and isinstance(body, dict):
            return {}  # no ready queue is limited or throttled right now
        if not isinstance(states, dict):
            raise self._wire.bad_answer(READY_Q_STATES, "no states_by_ready_queue object")
        return {
            str(queue): self._model(READY_Q_STATES, ReadyQueueState, state)
            for queue, state in states.items()
        }

    async def api_paths(self) -> set[str]:
        """The paths ``/api-docs/openapi.json`` lists: what this kumod version serves."""
        body = await self._wire.get_json(OPENAPI)
        paths = body.get("paths") if isinstance(body, dict) else None
        if not isinstance(paths, dict):
            raise self._wire.bad_answer(OPENAPI, "no paths object")
        return {str(path) for path in paths}

    async def scheduled_queue_sample(self, queue: str, limit: int) -> QueueSample:
        """``inspect-sched-q`` of one queue, ``limit`` messages, never their bodies."""
        body = await self._wire.get_json(INSPECT_SCHED_Q, params={
            "queue_name": queue, "limit": str(limit), "want_body": "false"})
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
            raise self._wire.bad_answer(INSPECT_SCHED_Q, "no messages list")
        messages = [
            {"id": entry.get("id"), **{k: v for k, v in entry.get("message", {}).items()
                                       if k != "data"}}  # a body is never kept
            for entry in body["messages"] if isinstance(entry, dict)
        ]
        return self._model(INSPECT_SCHED_Q, QueueSample, {
            "queue_name": body.get("queue_name", queue),
            "num_scheduled": body.get("num_scheduled"), "messages": messages})

    async def _hold_list(self, path: str, model: type[M]) -> list[M]:
        body = await self._wire.get_json(path)
        # OpenAPI documents these bodies as one object; kumod sends arrays. Take both.
        entries = [body] if isinstance(body, dict) else body
        if not isinstance(entries, list):
            raise self._wire.bad_answer(path, "expected a JSON array")
        return [self._model(path, model, self._with_remaining(path, entry)) for entry in entries]

    def _with_remaining(self, path: str, entry: object) -> Mapping[str, object]:
        """The entry with kumod's humantime ``duration`` read into ``remaining``."""
        if not isinstance(entry, dict):
            raise self._wire.bad_answer(path, f"list entry is not an object: {entry!r:.80}")
        duration = entry.get("duration")
        if duration is None:
            raise self._wire.bad_answer(path, f"entry {entry.get('id')!r} has no duration")
        try:
            remaining = parse_humantime(str(duration))
        except ValueError as exc:
            raise self._wire.bad_answer(path, str(exc)) from exc
        return {**entry, "remaining": remaining}

    def _model(self, path: str, model: type[M], data: object) -> M:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise self._wire.bad_answer(
                path, f"{model.__name__}: {validation_summary(exc)}"
            ) from exc


def _http_date(value: str | None) -> datetime | None:
    """The server's clock from its ``Date`` header (hyper sets it), for the skew check."""
    if not value:
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
