"""Is a node refusing mail, and why? (REFERENCE 8.6)

The order of the check is kumod's own: liveness first (its 503 text names the
cause), then memory headroom (``memory_limit - memory_usage``; there is no headroom
metric), disk free space of every monitored path, the RocksDB spool latch, and the
listener's denied-connection counter.  Refusing mail under pressure is protection,
not a crash: the answer says so.
"""

from __future__ import annotations

from collections.abc import Iterable

from pydantic import Field

from bot.core.models import Liveness, MetricSample, Model

HEALTH_METRICS = frozenset(
    {
        "memory_usage",
        "memory_limit",
        "memory_low_thresh",
        "memory_over_limit_count",
        "disk_free_percent",
        "disk_free_inodes_percent",
        "disk_free_bytes",
        "rocks_spool_load_shed_active",
        "total_connections_denied",
        "connection_count",
        "scheduled_count_total",
        "message_count",
    }
)

# kumod's default min_free_space / min_free_inodes (REFERENCE 8.4).
DISK_MIN_FREE_PERCENT = 10


class DiskState(Model):
    """One monitored path: a spool or a log directory."""

    name: str
    free_percent: int | None = None
    free_inodes_percent: int | None = None
    free_bytes: int | None = None

    @property
    def too_full(self) -> bool:
        return any(
            v is not None and v < DISK_MIN_FREE_PERCENT
            for v in (self.free_percent, self.free_inodes_percent)
        )


class NodeHealth(Model):
    """What one node says about its capacity to take and send mail."""

    node: str
    liveness: Liveness
    memory_usage: int | None = None
    memory_limit: int | None = None
    memory_low_thresh: int | None = None
    memory_over_limit_count: int | None = None
    disks: list[DiskState] = Field(default_factory=list)
    spool_load_shed: bool = False
    connections_denied: int | None = None
    listener_connections: int | None = None
    scheduled_total: int | None = None
    refusing: bool
    verdict: str
    notes: list[str] = Field(default_factory=list)

    @property
    def headroom(self) -> int | None:
        if self.memory_usage is None or self.memory_limit is None:
            return None
        return max(self.memory_limit - self.memory_usage, 0)


def _value(samples: Iterable[MetricSample], name: str) -> int | None:
    total: float | None = None
    for s in samples:
        if s.name == name:
            total = (total or 0.0) + s.value
    return None if total is None else int(total)


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):,.0f} MiB"


def assess_node(node: str, liveness: Liveness, samples: list[MetricSample]) -> NodeHealth:
    """Read one node's liveness and metrics as an operator would, in kumod's order."""
    usage = _value(samples, "memory_usage")
    limit = _value(samples, "memory_limit")
    disks: dict[str, dict[str, int]] = {}
    for s in samples:
        if s.name in ("disk_free_percent", "disk_free_inodes_percent", "disk_free_bytes"):
            disks.setdefault(s.labels.get("name", "?"), {})[s.name] = int(s.value)
    disk_states = [
        DiskState(
            name=name,
            free_percent=v.get("disk_free_percent"),
            free_inodes_percent=v.get("disk_free_inodes_percent"),
            free_bytes=v.get("disk_free_bytes"),
        )
        for name, v in sorted(disks.items())
    ]
    shed = any(s.name == "rocks_spool_load_shed_active" and s.value >= 1 for s in samples)
    denied = sum(
        int(s.value)
        for s in samples
        if s.name == "total_connections_denied" and s.labels.get("service") == "esmtp_listener"
    )
    has_denied = any(s.name == "total_connections_denied" for s in samples)
    listener = [
        int(s.value)
        for s in samples
        if s.name == "connection_count" and s.labels.get("service") == "esmtp_listener"
    ]

    notes: list[str] = []
    headroom = None if usage is None or limit is None else max(limit - usage, 0)
    if headroom is not None and limit:
        notes.append(
            f"memory headroom {_mib(headroom)} of a {_mib(limit)} soft limit "
            f"({headroom * 100 // limit}% free)"
        )
    elif usage is None or limit is None:
        notes.append("memory_usage / memory_limit not exported: headroom unknown")
    full = [d for d in disk_states if d.too_full]
    for d in full:
        notes.append(f"{d.name} below {DISK_MIN_FREE_PERCENT}% free")
    if shed:
        notes.append("RocksDB spool latched load shedding (rocks_spool_load_shed_active=1)")

    refusing = not liveness.ok or headroom == 0 or bool(full) or shed
    if not liveness.ok:
        cause = liveness.text.strip() or f"HTTP {liveness.status}"
        verdict = f"refusing mail: {cause}"
        if cause == "load shedding":
            verdict += " (memory headroom is 0: kumod is protecting itself, not crashed)"
    elif headroom == 0:
        verdict = "refusing mail: memory headroom is 0 (load shedding)"
    elif full:
        verdict = "refusing mail: storage is too full"
    elif shed:
        verdict = "refusing mail: the spool is not accepting writes"
    else:
        verdict = "accepting mail"
    return NodeHealth(
        node=node,
        liveness=liveness,
        memory_usage=usage,
        memory_limit=limit,
        memory_low_thresh=_value(samples, "memory_low_thresh"),
        memory_over_limit_count=_value(samples, "memory_over_limit_count"),
        disks=disk_states,
        spool_load_shed=shed,
        connections_denied=denied if has_denied else None,
        listener_connections=sum(listener) if listener else None,
        scheduled_total=_value(samples, "scheduled_count_total"),
        refusing=refusing,
        verdict=verdict,
        notes=notes,
    )
