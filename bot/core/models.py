"""What KumoMTA tells us, as typed values.

These are the client's reading of REFERENCE.md (sections 1, 3 and 5).  The KumoMTA
adapter builds them from the wire; the core computes on them; the simulator never
imports them (it is an independent reading of the same reference).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Generic, NamedTuple, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class Model(BaseModel):
    """Base for core values: immutable, no unknown fields silently kept."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class MetricSample(NamedTuple):
    """One Prometheus sample: ``name{labels} value``."""

    name: str
    labels: Mapping[str, str]
    value: float


class Liveness(Model):
    """``GET /api/check-liveness/v1``: 200 ``OK`` or 503 with the reason."""

    status: int
    text: str
    server_time: datetime | None = None  # the node's clock, from the HTTP Date header

    @property
    def ok(self) -> bool:
        return self.status == 200


class MachineInfo(Model):
    """``GET /api/machine-info`` (``MachineInfoV1``); only the fields we use are required."""

    node_id: str
    hostname: str
    version: str
    online_since: datetime
    process_kind: str = "kumod"
    num_cores: int | None = None
    total_memory_bytes: int | None = None
    platform: str | None = None


class SuspendEntry(Model):
    """A scheduled-queue suspension (``GET /api/admin/suspend/v1`` entry)."""

    id: str
    campaign: str | None = None
    tenant: str | None = None
    domain: str | None = None
    reason: str
    remaining: timedelta


class BounceEntry(Model):
    """An admin bounce (``GET /api/admin/bounce/v1`` entry)."""

    id: str
    campaign: str | None = None
    tenant: str | None = None
    domain: str | None = None
    routing_domain: str | None = None
    reason: str
    remaining: timedelta
    bounced: dict[str, int] = Field(default_factory=dict)
    total_bounced: int = 0


class ReadyQSuspendEntry(Model):
    """A ready-queue (egress path) suspension (``GET /api/admin/suspend-ready-q/v1``)."""

    id: str
    name: str
    reason: str
    remaining: timedelta
    expires: datetime | None = None


class QueueState(Model):
    """One state of a ready queue in ``ready-q-states``."""

    context: str
    since: datetime


class ReadyQueueState(Model):
    """``states_by_ready_queue[name]``: connection_limited and/or connection_rate_throttled."""

    connection_limited: QueueState | None = None
    connection_rate_throttled: QueueState | None = None


class TsaReadyQSuspension(Model):
    """tsa-daemon ``ReadyQSuspension``: ``site_name`` is the full ready-queue name."""

    rule_hash: str
    site_name: str
    reason: str
    source: str
    expires: datetime


class TsaSchedQSuspension(Model):
    """tsa-daemon ``SchedQSuspension`` (SuspendTenant / SuspendCampaign)."""

    rule_hash: str
    tenant: str | None = None
    domain: str | None = None
    campaign: str | None = None
    reason: str
    expires: datetime


class TsaSchedQBounce(Model):
    """tsa-daemon ``SchedQBounce`` (Bounce / BounceTenant / BounceCampaign)."""

    rule_hash: str
    tenant: str | None = None
    domain: str | None = None
    campaign: str | None = None
    reason: str
    expires: datetime


class TsaSuspensions(Model):
    """``GET /get_suspension_v1/suspended.json``."""

    ready_q: list[TsaReadyQSuspension] = Field(default_factory=list)
    sched_q: list[TsaSchedQSuspension] = Field(default_factory=list)


class TsaOverride(Model):
    """One option set by TSA in ``/get_config_v1/shaping.toml`` (REFERENCE 5.4).

    ``domain`` is the recipient domain the entry is keyed on, ``source`` the egress
    source, ``name``/``value`` the egress-path option; ``reason`` and ``expires``
    come from the comments tsa-daemon writes above each option.
    """

    domain: str
    source: str
    mx_rollup: bool | None = None
    name: str
    value: str
    reason: str | None = None
    expires: datetime | None = None


class TsaState(Model):
    """Everything one tsa-daemon holds now."""

    suspensions: TsaSuspensions = Field(default_factory=TsaSuspensions)
    bounces: list[TsaSchedQBounce] = Field(default_factory=list)
    overrides: list[TsaOverride] = Field(default_factory=list)


class MxRecord(Model):
    """One MX record: preference and exchange host."""

    pref: int
    host: str


class NodeFailure(Model):
    """A node (or tsa-daemon) that did not answer a question, and why."""

    node: str
    kind: str  # "down" | "timeout" | "http" | "denied" | "bad-answer"
    detail: str
    status: int | None = None


class ParkAnswer(BaseModel, Generic[T]):
    """What every node said to one question: answers by node, and who failed and why.

    One dead node never hides the others: ``results`` holds every node that answered.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    results: dict[str, T] = Field(default_factory=dict)
    failures: list[NodeFailure] = Field(default_factory=list)
    asked: list[str] = Field(default_factory=list)
