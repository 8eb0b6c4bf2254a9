"""Scheduled and ready queues, counted in aggregate.

Tens of thousands of messages are held as counts per (due minute, creation
minute, attempts) rather than as objects, so a park with 28,140 deferred
Yahoo messages starts in well under a second. Message ids in log records are
drawn fresh for each record; counts and timings are exact.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from bot.simulator.tsa import parse_queue

Batch = tuple[int, int]  # (created minute, attempts so far)
RETRY_INTERVAL_MIN = 20  # kumod's default retry_interval


def retry_delay(attempts: int) -> int:
    """Minutes until the next attempt: retry_interval doubling per attempt (no max by default)."""
    doublings: int = max(min(attempts, 12) - 1, 0)
    return RETRY_INTERVAL_MIN * (1 << doublings)


@dataclass
class ScheduledQueue:
    name: str
    pool: str
    site: str
    provider: str | None
    sender: str
    buckets: dict[int, dict[Batch, int]] = field(default_factory=dict)
    count: int = 0
    delayed_full: int = 0

    def __post_init__(self) -> None:
        self.campaign, self.tenant, self.domain, self.routing_domain = parse_queue(self.name)

    @property
    def provider_label(self) -> str:
        """The metrics `provider` label: provider_name, else the site name (§2.3)."""
        return self.provider or self.site

    def add(self, due: int, batch: Batch, n: int) -> None:
        if n <= 0:
            return
        slot = self.buckets.setdefault(due, {})
        slot[batch] = slot.get(batch, 0) + n
        self.count += n

    def take_due(self, minute: int) -> list[tuple[Batch, int]]:
        taken: list[tuple[Batch, int]] = []
        for due in sorted(d for d in self.buckets if d <= minute):
            taken.extend(self.buckets.pop(due).items())
        self.count -= sum(n for _, n in taken)
        return taken

    def take_all(self) -> list[tuple[Batch, int]]:
        return self.take_due(max(self.buckets, default=0))

    def sample(self, limit: int) -> list[tuple[int, Batch]]:
        """Up to `limit` (due minute, batch) pairs, soonest first, for inspect-sched-q."""
        found: list[tuple[int, Batch]] = []
        for due in sorted(self.buckets):
            for batch, n in self.buckets[due].items():
                found.extend([(due, batch)] * min(n, limit - len(found)))
                if len(found) >= limit:
                    return found
        return found


@dataclass
class ReadyQueue:
    """One egress path: `<source>-><site>@smtp_client`."""

    name: str
    source: str
    site: str
    domain: str  # the domain of the scheduled queue that created it (its MX list)
    pool: str
    provider: str | None
    items: dict[tuple[str, int, int], int] = field(default_factory=dict)
    count: int = 0
    delivered: int = 0
    transfail: int = 0
    fail: int = 0
    connections_total: int = 0
    ready_full: int = 0
    connections: int = 0  # the `connection_count` gauge: open now
    busy_connections: int = 0  # the most that carried mail this minute (see end_minute)
    limited_since_ns: int | None = None
    accumulators: dict[int, float] = field(default_factory=lambda: defaultdict(float))

    @property
    def provider_label(self) -> str:
        return self.provider or self.site

    def add(self, queue: str, batch: Batch, n: int) -> None:
        key = (queue, batch[0], batch[1])
        self.items[key] = self.items.get(key, 0) + n
        self.count += n

    def pop(self) -> tuple[str, Batch] | None:
        """Take the oldest message (FIFO over insertion order)."""
        for key, n in self.items.items():
            if n <= 1:
                del self.items[key]
            else:
                self.items[key] = n - 1
            self.count -= 1
            return key[0], (key[1], key[2])
        return None

    def drain(self) -> list[tuple[str, Batch, int]]:
        """Empty the queue (a suspension or restart puts the messages back in scheduled)."""
        drained = [(q, (c, a), n) for (q, c, a), n in self.items.items()]
        self.items.clear()
        self.count = 0
        return drained

    def take_matching(self, wanted: Callable[[str], bool]) -> list[tuple[str, Batch, int]]:
        """Remove and return the messages whose scheduled queue satisfies `wanted`."""
        taken = [(q, (c, a), n) for (q, c, a), n in self.items.items() if wanted(q)]
        for q, (c, a), n in taken:
            del self.items[(q, c, a)]
            self.count -= n
        return taken

    def reset_counters(self) -> None:
        self.delivered = self.transfail = self.fail = self.connections_total = 0
        self.ready_full = self.connections = self.busy_connections = 0
        self.limited_since_ns = None


def ready_queue_name(source: str, site: str) -> str:
    """`compute_queue_name` for SMTP (§0.1)."""
    return f"{source}->{site}@smtp_client"
