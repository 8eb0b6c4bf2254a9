"""kcli ``queue-summary`` (REFERENCE 2.2), per node and over the park.

Each node's summary is built from that node's metrics and hold lists exactly as
kcli builds it; the park total sums rows with the same name over the nodes.  Beside
kcli's status text every row carries structured :class:`HoldMarker` values (kind,
time left, TSA origin, stable hold id) so the bot can say more than kcli does.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Literal

from pydantic import Field

from bot.core.hold_ids import HoldCriteria, HoldKind, HoldMarker, hold_id, hold_origin, tsa_rule
from bot.core.models import (
    BounceEntry,
    MetricSample,
    Model,
    ReadyQSuspendEntry,
    ReadyQueueState,
    SuspendEntry,
    TsaState,
)
from bot.core.queuenames import (
    ScheduledQueueName,
    criteria_match,
    natural_key,
    parse_scheduled_queue,
    split_ready_queue,
)
from bot.core.scope import Scope
from bot.core.tabout import chrono_display

READY_COLUMNS = {
    "total_messages_delivered": "delivered",
    "total_messages_transfail": "transfail",
    "connection_count": "connections",
    "ready_count": "queued",
}

# kumod's counters have no "_total" suffix, but prometheus_client's text parser adds
# one to every counter sample; accept both spellings so either parser can feed us.
_COUNTERS = frozenset(
    {
        "total_messages_delivered",
        "total_messages_transfail",
        "total_messages_fail",
        "total_messages_delivered_by_provider",
        "total_messages_transfail_by_provider",
        "total_messages_fail_by_provider",
        "total_messages_delivered_by_provider_and_source",
        "total_messages_transfail_by_provider_and_source",
        "total_messages_fail_by_provider_and_source",
    }
)


def metric_name(name: str) -> str:
    """kumod's name for a sample, undoing prometheus_client's ``_total`` on counters."""
    if name.endswith("_total") and name[: -len("_total")] in _COUNTERS:
        return name[: -len("_total")]
    return name


def as_count(value: float) -> int:
    """Rust's ``value as usize``: truncate; NaN and negatives saturate to 0."""
    if math.isnan(value) or value <= 0:
        return 0
    return int(value) if math.isfinite(value) else 2**64 - 1


class PathState(Model):
    """One ``ready-q-states`` entry of an egress path, as kcli prints it."""

    key: Literal["connection_limited", "connection_rate_throttled"]
    context: str
    since: datetime
    node: str | None = None

    @property
    def text(self) -> str:
        """``<state_key>: <context> @ <since>`` with chrono's Display timestamp."""
        return f"{self.key}: {self.context} @ {chrono_display(self.since)}"


class ReadyRow(Model):
    """One egress path: kcli's SITE/SOURCE/PROTO, D/T/C/Q and status cell."""

    name: str
    source: str
    site: str
    proto: str
    delivered: int = 0
    transfail: int = 0
    connections: int = 0
    queued: int = 0
    status_parts: tuple[str, ...] = ()
    markers: tuple[HoldMarker, ...] = ()
    states: tuple[PathState, ...] = ()
    node: str | None = None
    """The node this row comes from; None for a park total."""
    nodes: tuple[str, ...] = ()

    @property
    def volume(self) -> int:
        """kcli's ``--by-volume`` key: D+T+C+Q."""
        return self.delivered + self.transfail + self.connections + self.queued

    @property
    def status(self) -> str:
        """kcli's status cell: the parts joined with ``", "``."""
        return ", ".join(self.status_parts)


class ScheduledRow(Model):
    """One scheduled queue: name, message count and kcli's status cell."""

    name: str
    queue: ScheduledQueueName
    count: int = 0
    status: str = ""
    markers: tuple[HoldMarker, ...] = ()
    node: str | None = None
    nodes: tuple[str, ...] = ()


class QueueSummary(Model):
    """Both kcli tables for one node (``node``) or for the park (``node`` is None)."""

    node: str | None = None
    ready: tuple[ReadyRow, ...] = ()
    scheduled: tuple[ScheduledRow, ...] = ()
    ready_matched: int | None = None
    """Rows that passed the scope, before ``--limit`` (None until selected)."""
    scheduled_matched: int | None = None


class ParkQueueSummary(Model):
    """Queue summary of the park: the total and each node's own rows."""

    total: QueueSummary
    per_node: dict[str, QueueSummary] = Field(default_factory=dict)
    scope: Scope | None = None

    @property
    def scope_sentence(self) -> str | None:
        """What the scope covered, with counts taken before ``--limit``."""
        if self.scope is None:
            return None
        return self.scope.describe(
            egress_paths=self.total.ready_matched or 0,
            scheduled_queues=self.total.scheduled_matched or 0,
        )


def _marker(
    kind: HoldKind,
    criteria: HoldCriteria,
    reason: str,
    entry: SuspendEntry | BounceEntry | ReadyQSuspendEntry,
    node: str | None,
    tsa: TsaState | None = None,
) -> HoldMarker:
    origin = hold_origin(reason)
    tsa_item = None
    if origin == "tsa" and tsa is not None and criteria.name is not None:
        tsa_item = next((r for r in tsa.suspensions.ready_q if r.site_name == criteria.name), None)
    return HoldMarker(
        hold_id=hold_id(kind, criteria, reason),
        kind=kind,
        reason=reason,
        remaining=entry.remaining,
        origin=origin,
        rule=tsa_rule(reason, kind) if origin == "tsa" else None,
        nodes=(node,) if node else (),
        all_queues=kind != "suspend-path" and all(value is None for value in criteria),
        tsa=tsa_item,
    )


def _ready_row(
    name: str,
    counts: Mapping[str, int],
    ready_suspends: Sequence[ReadyQSuspendEntry],
    state: ReadyQueueState | None,
    tsa: TsaState | None,
    node: str | None,
) -> ReadyRow:
    parts: list[str] = []
    markers: list[HoldMarker] = []
    for entry in ready_suspends:
        if entry.name == name:
            if not markers:
                parts.append(f"🛑suspend: {entry.reason}")
            criteria = HoldCriteria(name=name)
            markers.append(_marker("suspend-path", criteria, entry.reason, entry, node, tsa))
    states: list[PathState] = []
    if state is not None:
        for key in ("connection_limited", "connection_rate_throttled"):
            value = getattr(state, key)
            if value is not None:
                states.append(
                    PathState(key=key, context=value.context, since=value.since, node=node)
                )
    parts.extend(s.text for s in states)
    split = split_ready_queue(name)
    return ReadyRow(
        **split.model_dump(),
        **counts,
        status_parts=tuple(parts),
        markers=tuple(markers),
        states=tuple(states),
        node=node,
        nodes=(node,) if node else (),
    )


def _scheduled_row(
    name: str,
    count: int,
    suspends: Sequence[SuspendEntry],
    bounces: Sequence[BounceEntry],
    node: str | None,
) -> ScheduledRow:
    queue = parse_scheduled_queue(name)
    status = ""
    markers: list[HoldMarker] = []
    for b in bounces:
        # kcli's status ignores routing_domain; the marker applies kumod's full rule.
        loose = criteria_match(queue, campaign=b.campaign, tenant=b.tenant, domain=b.domain)
        if loose and not status:
            status = f"🗑️ bounce: {b.reason}"
        if loose and criteria_match(
            queue,
            campaign=b.campaign,
            tenant=b.tenant,
            domain=b.domain,
            routing_domain=b.routing_domain,
        ):
            criteria = HoldCriteria(None, b.campaign, b.tenant, b.domain, b.routing_domain)
            markers.append(_marker("bounce", criteria, b.reason, b, node))
    for s in suspends:
        if criteria_match(queue, campaign=s.campaign, tenant=s.tenant, domain=s.domain):
            if not status:
                status = f"🛑suspend: {s.reason}"
            criteria = HoldCriteria(None, s.campaign, s.tenant, s.domain)
            markers.append(_marker("suspend", criteria, s.reason, s, node))
    return ScheduledRow(
        name=name,
        queue=queue,
        count=count,
        status=status,
        markers=tuple(markers),
        node=node,
        nodes=(node,) if node else (),
    )


def queue_summary(
    samples: Iterable[MetricSample],
    *,
    suspends: Sequence[SuspendEntry] = (),
    bounces: Sequence[BounceEntry] = (),
    ready_suspends: Sequence[ReadyQSuspendEntry] = (),
    ready_states: Mapping[str, ReadyQueueState] | None = None,
    tsa: TsaState | None = None,
    node: str | None = None,
) -> QueueSummary:
    """kcli queue-summary for one node, every row, in natural name order.

    Ready rows come from the four per-path metrics whose ``service`` label holds a
    ``:`` (split at the first one); scheduled rows from ``scheduled_count{queue}``.
    Apply :func:`select_queues` for ``--domain``/scope, ``--by-volume`` and ``--limit``.
    """
    ready: dict[str, dict[str, int]] = {}
    scheduled: dict[str, int] = {}
    for sample in samples:
        name = metric_name(sample.name)
        if name in READY_COLUMNS:
            _protocol, colon, queue_name = sample.labels.get("service", "").partition(":")
            if colon:
                row = ready.setdefault(queue_name, dict.fromkeys(READY_COLUMNS.values(), 0))
                row[READY_COLUMNS[name]] += as_count(sample.value)
        elif name == "scheduled_count" and "queue" in sample.labels:
            queue = sample.labels["queue"]
            scheduled[queue] = scheduled.get(queue, 0) + as_count(sample.value)
    states = ready_states or {}
    ready_rows = [
        _ready_row(name, counts, ready_suspends, states.get(name), tsa, node)
        for name, counts in ready.items()
    ]
    scheduled_rows = [
        _scheduled_row(name, count, suspends, bounces, node) for name, count in scheduled.items()
    ]
    ready_rows.sort(key=lambda r: natural_key(r.name))
    scheduled_rows.sort(key=lambda r: natural_key(r.name))
    return QueueSummary(node=node, ready=tuple(ready_rows), scheduled=tuple(scheduled_rows))
