"""Every hold on the park, manual or TSA, under one stable id (DESIGN 5, REFERENCE 5).

A hold is an admin bounce, a scheduled-queue suspension or a ready-queue (egress
path) suspension.  kumod lists each per node under a UUID that changes whenever the
entry is re-created (TSA replays every item with a new UUID on reconnect, REFERENCE
5.1), and kumod appends `` (rule_hash=...)`` to TSA reasons with a hash whose form
differs between TSA's snapshot and its live events (5.3).  So the stable ``hold_id``
hashes only node-independent criteria and the reason without that suffix.

Order of :func:`collect_holds`: by kind (bounces first: they destroy mail; then
scheduled suspensions; then egress-path suspensions), then by time left (soonest
first: what changes next), then by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from pydantic import Field

from bot.core.hold_ids import (
    HoldCriteria,
    HoldKind,
    HoldMarker,
    HoldOrigin,
    hold_id,
    hold_origin,
    split_rule_hash,
    tsa_rule,
)
from bot.core.models import (
    BounceEntry,
    Model,
    ReadyQSuspendEntry,
    SuspendEntry,
    TsaState,
)
from bot.core.queuenames import criteria_match, parse_scheduled_queue, split_ready_queue
from bot.core.scope import Scope, normalize_domain

__all__ = [
    "Hold",
    "HoldCriteria",
    "HoldKind",
    "HoldMarker",
    "HoldOrigin",
    "NodeHolds",
    "collect_holds",
    "hold_id",
    "hold_origin",
    "holds_in_scope",
    "split_rule_hash",
    "tsa_rule",
]

NodeHolds = tuple[list[SuspendEntry], list[BounceEntry], list[ReadyQSuspendEntry]]
"""What one node lists: suspend-list, bounce-list, suspend-ready-q-list."""

_KIND_ORDER: dict[str, int] = {"bounce": 0, "suspend": 1, "suspend-path": 2}


class Hold(Model):
    """One hold across the park; ``nodes`` maps each node that lists it to its UUID."""

    hold_id: str
    kind: HoldKind
    name: str | None = None
    source: str | None = None
    site: str | None = None
    campaign: str | None = None
    tenant: str | None = None
    domain: str | None = None
    routing_domain: str | None = None
    reason: str
    """The reason without kumod's `` (rule_hash=...)`` suffix."""
    origin: HoldOrigin
    rule: str | None = None
    rule_hash: str | None = None
    remaining: timedelta | None = None
    """The smallest time left over the nodes (for a TSA-only item: TSA's)."""
    expires: datetime | None = None
    nodes: dict[str, str] = Field(default_factory=dict)
    missing_on: tuple[str, ...] = ()
    """Nodes asked that do not list this hold."""
    in_tsa: bool = False
    bounced: dict[str, int] = Field(default_factory=dict)
    total_bounced: int = 0

    @property
    def tsa_only(self) -> bool:
        """TSA holds it but no kumod node lists it: not yet pushed, or cancelled on kumod.

        Cancelling a TSA hold on kumod does not clear it in TSA, which re-pushes it on
        reconnect (REFERENCE 5.5).
        """
        return self.in_tsa and not self.nodes

    @property
    def all_queues(self) -> bool:
        """A scheduled-queue hold with no criteria (``everything`` or an unechoed ``--queue``)."""
        return self.kind != "suspend-path" and all(value is None for value in self.criteria)

    @property
    def criteria(self) -> HoldCriteria:
        """What the hold matches, as used in its id."""
        return HoldCriteria(self.name, self.campaign, self.tenant, self.domain, self.routing_domain)

    @property
    def criteria_text(self) -> str:
        """Criteria as kcli's bounce-list prints them, or the ready-queue name."""
        if self.kind == "suspend-path":
            return self.name or ""
        parts = [
            f"{key}={value}"
            for key, value in (
                ("campaign", self.campaign),
                ("tenant", self.tenant),
                ("domain", self.domain),
                ("routing_domain", self.routing_domain),
            )
            if value is not None
        ]
        return ", ".join(parts) if parts else "everything"


@dataclass
class _Draft:
    """A hold while it is being merged over the nodes."""

    kind: HoldKind
    criteria: HoldCriteria
    reason: str
    rule_hash: str | None = None
    remaining: timedelta | None = None
    expires: datetime | None = None
    nodes: dict[str, str] = field(default_factory=dict)
    in_tsa: bool = False
    bounced: dict[str, int] = field(default_factory=dict)

    def seen(self, node: str, uuid: str, remaining: timedelta, expires: datetime) -> None:
        self.nodes[node] = uuid
        if self.remaining is None or remaining < self.remaining:
            self.remaining = remaining
        if self.expires is None or expires < self.expires:
            self.expires = expires

    def build(self, key: str, asked: Iterable[str]) -> Hold:
        name = self.criteria.name
        ready = split_ready_queue(name) if name is not None else None
        origin: HoldOrigin = "tsa" if self.rule_hash is not None or self.in_tsa else "manual"
        return Hold(
            hold_id=key,
            kind=self.kind,
            name=name,
            source=ready.source if ready else None,
            site=ready.site if ready else None,
            campaign=self.criteria.campaign,
            tenant=self.criteria.tenant,
            domain=self.criteria.domain,
            routing_domain=self.criteria.routing_domain,
            reason=self.reason,
            origin=origin,
            rule=tsa_rule(self.reason, self.kind) if origin == "tsa" else None,
            rule_hash=self.rule_hash,
            remaining=self.remaining,
            expires=self.expires,
            nodes=dict(self.nodes),
            missing_on=tuple(node for node in asked if node not in self.nodes),
            in_tsa=self.in_tsa,
            bounced=dict(self.bounced),
            total_bounced=sum(self.bounced.values()),
        )


class _TsaItem(NamedTuple):
    kind: HoldKind
    criteria: HoldCriteria
    reason: str
    rule_hash: str
    expires: datetime


def _tsa_items(tsa: TsaState) -> list[_TsaItem]:
    """TSA's actions with the criteria kumod applies them with (REFERENCE 5.1)."""
    items = [
        _TsaItem("suspend-path", HoldCriteria(name=r.site_name), r.reason, r.rule_hash, r.expires)
        for r in tsa.suspensions.ready_q
    ]
    items += [
        _TsaItem(
            "suspend",
            HoldCriteria(campaign=s.campaign, tenant=s.tenant, domain=s.domain),
            s.reason,
            s.rule_hash,
            s.expires,
        )
        for s in tsa.suspensions.sched_q
    ]
    items += [
        _TsaItem(
            "bounce",
            HoldCriteria(campaign=b.campaign, tenant=b.tenant, domain=b.domain),
            b.reason,
            b.rule_hash,
            b.expires,
        )
        for b in tsa.bounces
    ]
    return items


def collect_holds(
    per_node: Mapping[str, NodeHolds],
    tsa: TsaState | None,
    now: datetime,
) -> list[Hold]:
    """Merge every node's hold lists and TSA's state into one list of :class:`Hold`.

    Entries with the same ``hold_id`` on several nodes become one hold; TSA items that
    no node lists are kept and flagged (``tsa_only``); expired TSA items are dropped.
    """
    drafts: dict[str, _Draft] = {}

    def draft_for(kind: HoldKind, criteria: HoldCriteria, full_reason: str) -> _Draft:
        reason, rule_hash = split_rule_hash(full_reason)
        key = hold_id(kind, criteria, reason)
        draft = drafts.setdefault(key, _Draft(kind=kind, criteria=criteria, reason=reason))
        if draft.rule_hash is None and hold_origin(full_reason) == "tsa":
            draft.rule_hash = rule_hash
        return draft

    for node, (suspends, bounces, ready) in per_node.items():
        for r in ready:
            draft = draft_for("suspend-path", HoldCriteria(name=r.name), r.reason)
            draft.seen(node, r.id, r.remaining, r.expires or now + r.remaining)
        for s in suspends:
            criteria = HoldCriteria(campaign=s.campaign, tenant=s.tenant, domain=s.domain)
            draft = draft_for("suspend", criteria, s.reason)
            draft.seen(node, s.id, s.remaining, now + s.remaining)
        for b in bounces:
            criteria = HoldCriteria(
                campaign=b.campaign,
                tenant=b.tenant,
                domain=b.domain,
                routing_domain=b.routing_domain,
            )
            draft = draft_for("bounce", criteria, b.reason)
            draft.seen(node, b.id, b.remaining, now + b.remaining)
            for queue, count in b.bounced.items():
                draft.bounced[queue] = draft.bounced.get(queue, 0) + count

    for item in _tsa_items(tsa) if tsa is not None else []:
        if hold_id(item.kind, item.criteria, item.reason) not in drafts and item.expires <= now:
            continue
        draft = draft_for(item.kind, item.criteria, item.reason)
        draft.in_tsa = True
        draft.rule_hash = draft.rule_hash or item.rule_hash
        if not draft.nodes:
            draft.remaining = max(item.expires - now, timedelta(0))
            draft.expires = item.expires

    holds = [draft.build(key, per_node.keys()) for key, draft in drafts.items()]
    holds.sort(
        key=lambda h: (
            _KIND_ORDER[h.kind],
            h.remaining is None,
            h.remaining or timedelta(0),
            h.hold_id,
        )
    )
    return holds


def holds_in_scope(
    holds: Iterable[Hold],
    scope: Scope,
    *,
    scheduled_queues: Iterable[str] | None = None,
) -> list[Hold]:
    """The holds that touch ``scope``, in the order given.

    Egress-path holds: the path's site is the scope's site.  Scheduled-queue holds:
    the rule names the domain (as domain or routing domain); or, when the park's
    ``scheduled_queues`` are given, the rule matches one of the scope's queues
    (kumod's null-means-any rule); without them, a rule with no domain and no routing
    domain (tenant- or campaign-wide, ``everything``, or an unechoed ``--queue`` rule)
    is kept because it may hold the domain's mail.
    """
    in_scope = (
        [parse_scheduled_queue(q) for q in scheduled_queues if scope.covers_scheduled(q)]
        if scheduled_queues is not None
        else None
    )
    kept: list[Hold] = []
    for hold in holds:
        if hold.kind == "suspend-path":
            if hold.name is not None and scope.covers_ready(hold.name):
                kept.append(hold)
            continue
        named = {normalize_domain(d) for d in (hold.domain, hold.routing_domain) if d}
        if scope.domain in named:
            kept.append(hold)
        elif in_scope is not None:
            if any(
                criteria_match(
                    queue,
                    campaign=hold.campaign,
                    tenant=hold.tenant,
                    domain=hold.domain,
                    routing_domain=hold.routing_domain,
                )
                for queue in in_scope
            ):
                kept.append(hold)
        elif hold.domain is None and hold.routing_domain is None:
            kept.append(hold)
    return kept
