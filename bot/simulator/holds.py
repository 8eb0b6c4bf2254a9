"""kumod's in-memory admin holds: bounces, scheduled and ready-queue suspensions.

REFERENCE §1.1-§1.9 and §10.1: uuid4 ids; a new bounce or suspension with
identical criteria replaces the old one and gets a new id; at most one
ready-queue suspension per name; expired entries are pruned; list entries
report the remaining time as a humantime string. Everything here is lost when
the node restarts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.simulator.tsa import parse_queue
from bot.simulator.wire import format_duration, new_uuid, rfc3339


@dataclass(frozen=True)
class Criteria:
    """Queue-matching criteria; None matches anything (§1.1 `Criteria::matches`)."""

    campaign: str | None = None
    tenant: str | None = None
    domain: str | None = None
    routing_domain: str | None = None
    queue_names: tuple[str, ...] = ()

    def matches(self, queue: str) -> bool:
        if self.queue_names:
            return queue in self.queue_names
        campaign, tenant, domain, routing = parse_queue(queue)
        pairs = ((self.campaign, campaign), (self.tenant, tenant), (self.domain, domain),
                 (self.routing_domain, routing))
        return all(want is None or want == have for want, have in pairs)


@dataclass
class BounceEntry:
    id: str
    criteria: Criteria
    reason: str
    expires_ns: int
    suppress_logging: bool = False
    bounced: dict[str, int] = field(default_factory=dict)

    def listing(self, now_ns: int) -> dict[str, Any]:
        c = self.criteria  # queue_names is not echoed (§1.2 quirk)
        return {"id": self.id, "campaign": c.campaign, "tenant": c.tenant, "domain": c.domain,
                "routing_domain": c.routing_domain, "reason": self.reason,
                "duration": format_duration(self.expires_ns - now_ns),
                "bounced": dict(self.bounced), "total_bounced": sum(self.bounced.values())}


@dataclass
class SuspendEntry:
    id: str
    criteria: Criteria
    reason: str
    expires_ns: int

    def listing(self, now_ns: int) -> dict[str, Any]:
        c = self.criteria
        return {"id": self.id, "campaign": c.campaign, "tenant": c.tenant, "domain": c.domain,
                "reason": self.reason, "duration": format_duration(self.expires_ns - now_ns)}


@dataclass
class ReadyQSuspendEntry:
    id: str
    name: str
    reason: str
    expires_ns: int

    def listing(self, now_ns: int) -> dict[str, Any]:
        remaining = max(self.expires_ns - now_ns, 0)
        # `expires` is recomputed as now plus the remaining time (§1.8).
        return {"id": self.id, "name": self.name, "reason": self.reason,
                "duration": format_duration(remaining), "expires": rfc3339(now_ns + remaining)}


class AdminHolds:
    """The three in-memory maps of one kumod."""

    def __init__(self) -> None:
        self.bounces: list[BounceEntry] = []
        self.suspends: list[SuspendEntry] = []
        self.ready: dict[str, ReadyQSuspendEntry] = {}

    def prune(self, now_ns: int) -> None:
        self.bounces = [b for b in self.bounces if b.expires_ns > now_ns]
        self.suspends = [s for s in self.suspends if s.expires_ns > now_ns]
        self.ready = {n: e for n, e in self.ready.items() if e.expires_ns > now_ns}

    def add_bounce(self, criteria: Criteria, reason: str, expires_ns: int,
                   suppress_logging: bool) -> BounceEntry:
        self.bounces = [b for b in self.bounces if b.criteria != criteria]
        entry = BounceEntry(new_uuid(), criteria, reason, expires_ns, suppress_logging)
        self.bounces.append(entry)
        return entry

    def add_suspend(self, criteria: Criteria, reason: str, expires_ns: int) -> SuspendEntry:
        self.suspends = [s for s in self.suspends if s.criteria != criteria]
        entry = SuspendEntry(new_uuid(), criteria, reason, expires_ns)
        self.suspends.append(entry)
        return entry

    def add_ready(self, name: str, reason: str, expires_ns: int) -> ReadyQSuspendEntry:
        entry = ReadyQSuspendEntry(new_uuid(), name, reason, expires_ns)
        self.ready[name] = entry
        return entry

    def cancel_bounce(self, entry_id: str) -> bool:
        kept = [b for b in self.bounces if b.id != entry_id]
        found = len(kept) != len(self.bounces)
        self.bounces = kept
        return found

    def cancel_suspend(self, entry_id: str) -> bool:
        kept = [s for s in self.suspends if s.id != entry_id]
        found = len(kept) != len(self.suspends)
        self.suspends = kept
        return found

    def cancel_ready(self, entry_id: str) -> bool:
        for name, entry in list(self.ready.items()):
            if entry.id == entry_id:
                del self.ready[name]
                return True
        return False

    def bounce_for(self, queue: str, now_ns: int) -> BounceEntry | None:
        return next((b for b in self.bounces
                     if b.expires_ns > now_ns and b.criteria.matches(queue)), None)

    def suspend_for(self, queue: str, now_ns: int) -> SuspendEntry | None:
        return next((s for s in self.suspends
                     if s.expires_ns > now_ns and s.criteria.matches(queue)), None)

    def ready_suspended(self, name: str, now_ns: int) -> bool:
        entry = self.ready.get(name)
        return entry is not None and entry.expires_ns > now_ns

    def clear(self) -> None:
        """A restart forgets every hold (§1.1: rules live only in memory)."""
        self.bounces, self.suspends, self.ready = [], [], {}
