"""`/metrics` and `/metrics.json` of a simulated kumod (REFERENCE §3).

Two parts, as in a real kumod: first the families registered through the
`prometheus` crate (disk, memory, lua, threads, spool, a histogram), written by
its TextEncoder with labels joined by `,`; then kumo's own streaming
registries (queues, providers, listener), written as
`name{label="v", label2="w"} 123` with comma+space and integer values. A family
with no series still prints its HELP and TYPE lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Labels = tuple[tuple[str, str], ...]

HELP = {
    "connection_count": "The number of active outgoing connections in the system,  keyed by the service name.",  # noqa: E501
    "connection_count_by_provider": "number of active connections",
    "connection_count_by_provider_and_pool": "number of active connections",
    "delayed_due_to_ready_queue_full": "Number of times a message was delayed due to the corresponding ready queue being full.",  # noqa: E501
    "deliver_message_latency_rollup": "how long a deliver_message call takes for a given protocol",
    "disk_free_bytes": "number of available bytes in a monitored location",
    "disk_free_inodes": "number of available inodes in a monitored location",
    "disk_free_inodes_percent": "percentage of available inodes in a monitored location",
    "disk_free_percent": "percentage of available bytes in a monitored location",
    "egress_source_health_suspended": "`1` while an egress source is currently auto-suspended, `0` otherwise. Pool selection skips a source whose gauge is `1`, rolling the remaining suspension duration into the per-pool `min_delay`.",  # noqa: E501
    "lua_count": "the number of lua contexts currently alive",
    "lua_spare_count": "the number of lua contexts available for reuse in the pool",
    "memory_limit": "soft memory limit measured in bytes",
    "memory_low_count": "How many times the low memory threshold was exceeded.",
    "memory_low_thresh": "low memory threshold measured in bytes",
    "memory_over_limit_count": "how many times the soft memory limit was exceeded",
    "memory_usage": "number of bytes of used memory (Resident Set Size)",
    "memory_usage_rust": "number of bytes of used memory (allocated by Rust)",
    "message_count": "Total number of Message objects.",
    "message_data_resident_count": "Total number of Message objects with body data loaded.",
    "message_meta_resident_count": "Total number of Message objects with metadata loaded.",
    "message_save_latency": "How many seconds it takes to save a message to spool.",
    "queued_count_by_provider": "number of messages in the scheduled and ready queue",
    "queued_count_by_provider_and_pool": "number of messages in the scheduled and ready queue",
    "ready_count": "number of messages in the ready queue",
    "ready_full": "number of times a message could not fit in the ready queue.",
    "rocks_spool_load_shed_active": "Set to 1 when this spool's load-shedding gate is latched, 0 otherwise.  When set, ingress paths (SMTP, HTTP inject) reject traffic and foreground store/remove operations fail fast rather than stall.",  # noqa: E501
    "rocks_spool_write_stopped": "Set to 1 when the rocksdb instance is currently refusing writes at the WriteController layer (memtable count or L0 file count reached the stop threshold), 0 otherwise.",  # noqa: E501
    "scheduled_by_domain": "number of messages in the scheduled queue for a specific domain",
    "scheduled_by_tenant": "number of messages in the scheduled queue for a specific tenant",
    "scheduled_by_tenant_campaign": "number of messages in the scheduled queue for a specific tenant and campaign combination",  # noqa: E501
    "scheduled_count": "number of messages in the scheduled queue.",
    "scheduled_count_total": "total number of messages across all scheduled queues.",
    "scheduled_queue_count": "how many scheduled queues are tracked by the QueueManager",
    "smtp_server_rejections": "number of Rejection records logged by the smtp server",
    "thread_pool_parked": "number of parked (idle) threads in a thread pool",
    "thread_pool_size": "number of threads in a thread pool",
    "total_connection_count": "total number of active connections ever made",
    "total_connections_denied": "total number of connections rejected due to load shedding or concurrency limits",  # noqa: E501
    "total_messages_delivered": "total number of messages ever delivered",
    "total_messages_delivered_by_provider": "total number of messages ever delivered",
    "total_messages_delivered_by_provider_and_source": "total number of messages ever delivered",
    "total_messages_fail": "total number of message delivery attempts that permanently failed",
    "total_messages_fail_by_provider": "total number of message delivery attempts that permanently failed",  # noqa: E501
    "total_messages_fail_by_provider_and_source": "total number of message delivery attempts that permanently failed",  # noqa: E501
    "total_messages_received": "total number of messages ever received",
    "total_messages_transfail": "total number of message delivery attempts that transiently failed",
    "total_messages_transfail_by_provider": "total number of message delivery attempts that transiently failed",  # noqa: E501
    "total_messages_transfail_by_provider_and_source": "total number of message delivery attempts that transiently failed",  # noqa: E501
}
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
_BOUNDS = (*(f"{b:g}" for b in BUCKETS), "+Inf")  # how the TextEncoder writes `le`


@dataclass
class Family:
    name: str
    type: str  # counter, gauge or histogram
    kumo: bool  # written by kumo's streaming registry (comma+space, integers)
    series: dict[Labels, float] = field(default_factory=dict)
    # histogram only: label set -> (cumulative counts per bucket, sum)
    histograms: dict[Labels, tuple[list[int], float]] = field(default_factory=dict)

    def add(self, value: float, **labels: str) -> None:
        key = tuple(labels.items())
        self.series[key] = self.series.get(key, 0) + value


class Registry:
    """The families of one scrape, in registration order."""

    def __init__(self) -> None:
        self.families: dict[str, Family] = {}

    def family(self, name: str, kind: str, *, kumo: bool = True) -> Family:
        fam = self.families.get(name)
        if fam is None:
            fam = self.families[name] = Family(name, kind, kumo)
        return fam

    def text(self, prefix: str = "") -> str:
        out: list[str] = []
        ordered = sorted(self.families.values(), key=lambda f: (f.kumo, f.name))
        for fam in ordered:
            name = prefix + fam.name
            out.append(f"# HELP {name} {HELP.get(fam.name, fam.name)}")
            out.append(f"# TYPE {name} {fam.type}")
            sep = ", " if fam.kumo else ","
            for labels, value in sorted(fam.series.items()):
                out.append(f"{name}{_labels(labels, sep)} {_value(value, fam.kumo)}")
            for labels, (counts, total) in sorted(fam.histograms.items()):
                for bound, count in zip(_BOUNDS, counts, strict=True):
                    le = (*labels, ("le", bound))
                    out.append(f"{name}_bucket{_labels(le, sep)} {count}")
                out.append(f"{name}_sum{_labels(labels, sep)} {_value(total, False)}")
                out.append(f"{name}_count{_labels(labels, sep)} {counts[-1]}")
        return "\n".join(out) + "\n"

    def json(self) -> dict[str, Any]:
        """The `/metrics.json` object by the rules of §3.4."""
        result: dict[str, Any] = {}
        for fam in sorted(self.families.values(), key=lambda f: f.name):
            entry: dict[str, Any] = {}
            if HELP.get(fam.name):
                entry["help"] = HELP[fam.name]
            entry["type"] = fam.type
            values: dict[Labels, Any] = {k: _number(v) for k, v in fam.series.items()}
            for labels, (counts, total) in fam.histograms.items():
                values[labels] = {
                    "count": counts[-1], "sum": total,
                    "avg": total / counts[-1] if counts[-1] else 0.0,
                    "bucket": [[b, float(c)] for b, c in zip(BUCKETS, counts, strict=False)],
                }
            entry["value"] = _json_value(values)
            result[fam.name] = entry
        return result


def _json_value(values: dict[Labels, Any]) -> Any:
    if not values:
        return None
    widths = {len(k) for k in values}
    if widths == {0}:
        return values[()]
    if widths == {1}:
        label = next(iter(values))[0][0]
        return {label: {k[0][1]: v for k, v in values.items()}}
    return [dict(k) | {"@": v} for k, v in values.items()]


def _labels(labels: Labels, sep: str) -> str:
    if not labels:
        return ""
    body = sep.join(f'{k}="{_escape(v)}"' for k, v in labels)
    return "{" + body + "}"


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _value(value: float, integer: bool) -> str:
    if integer or float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value

