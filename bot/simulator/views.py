"""Read-only views of a simulated kumod: metrics, liveness, machine info, queue inspection."""

from __future__ import annotations

from typing import Any

from bot.simulator.metrics import BUCKETS, Registry
from bot.simulator.node import NodeState
from bot.simulator.queues import RETRY_INTERVAL_MIN
from bot.simulator.wire import NS_PER_MIN, NS_PER_S, format_duration, rfc3339, spool_id

VERSION = "2026.06.23-f3af1cd0"
LOG_DIR = "/var/log/kumomta"
SPOOLS = ("/var/spool/kumomta/data", "/var/spool/kumomta/meta")
_DISK_BYTES = 96 * 1024**3


def collect_metrics(node: NodeState) -> Registry:
    """Every family a bot reads, built from the node's counters and gauges."""
    reg = Registry()
    _system(reg, node)
    services = [("ready_count", "gauge"), ("connection_count", "gauge"),
                ("total_connection_count", "counter"), ("total_messages_delivered", "counter"),
                ("total_messages_transfail", "counter"), ("total_messages_fail", "counter"),
                ("ready_full", "counter")]
    fams = {name: reg.family(name, kind) for name, kind in services}
    for rq in node.ready.values():
        values = {"ready_count": rq.count, "connection_count": rq.connections,
                  "total_connection_count": rq.connections_total,
                  "total_messages_delivered": rq.delivered,
                  "total_messages_transfail": rq.transfail, "total_messages_fail": rq.fail,
                  "ready_full": rq.ready_full}
        for name, value in values.items():
            fams[name].add(value, service=f"smtp_client:{rq.name}")
            if name != "ready_full":
                fams[name].add(value, service="smtp_client")  # the per-protocol roll-up
        provider = rq.provider_label
        reg.family("connection_count_by_provider", "gauge").add(rq.connections,
                                                                provider=provider)
        reg.family("connection_count_by_provider_and_pool", "gauge").add(
            rq.connections, provider=provider, pool=rq.pool)
        for key, value in (("delivered", rq.delivered), ("transfail", rq.transfail),
                           ("fail", rq.fail)):
            reg.family(f"total_messages_{key}_by_provider", "counter").add(value,
                                                                           provider=provider)
            reg.family(f"total_messages_{key}_by_provider_and_source", "counter").add(
                value, provider=provider, source=rq.source, pool=rq.pool)
        _queued(reg, rq.provider_label, rq.pool, rq.count)
    fams["connection_count"].add(0, service="esmtp_listener")
    reg.family("total_messages_received", "counter").add(node.received, service="esmtp_listener")
    reg.family("total_messages_received", "counter").add(
        node.received, service="esmtp_listener:0.0.0.0:25")
    reg.family("total_connections_denied", "counter").add(node.denied, service="esmtp_listener")
    reg.family("smtp_server_rejections", "counter").add(0, service="total")
    reg.family("egress_source_health_suspended", "gauge")  # pruned: HELP and TYPE only
    total = reg.family("scheduled_count_total", "gauge")
    total.add(0)
    reg.family("scheduled_queue_count", "gauge").add(len(node.scheduled))
    for sq in node.scheduled.values():
        reg.family("scheduled_count", "gauge").add(sq.count, queue=sq.name)
        reg.family("delayed_due_to_ready_queue_full", "counter").add(sq.delayed_full,
                                                                     queue=sq.name)
        total.add(sq.count)
        reg.family("scheduled_by_domain", "gauge").add(sq.count, domain=sq.domain)
        if sq.tenant is not None:
            reg.family("scheduled_by_tenant", "gauge").add(sq.count, tenant=sq.tenant)
            if sq.campaign is not None:
                reg.family("scheduled_by_tenant_campaign", "gauge").add(
                    sq.count, tenant=sq.tenant, campaign=sq.campaign)
        if not sq.name.endswith(".xfer.kumomta.internal"):
            _queued(reg, sq.provider_label, sq.pool, sq.count)
    return reg


def _queued(reg: Registry, provider: str, pool: str, count: int) -> None:
    reg.family("queued_count_by_provider", "gauge").add(count, provider=provider)
    reg.family("queued_count_by_provider_and_pool", "gauge").add(count, provider=provider,
                                                                 pool=pool)


def _system(reg: Registry, node: NodeState) -> None:
    health, spec = node.health, node.spec
    for name in ("data spool", "meta spool", f"log dir {LOG_DIR}"):
        pct = health.disk_free_percent
        reg.family("disk_free_bytes", "gauge", kumo=False).add(_DISK_BYTES * pct // 100, name=name)
        reg.family("disk_free_percent", "gauge", kumo=False).add(pct, name=name)
        reg.family("disk_free_inodes", "gauge", kumo=False).add(6_291_456 * 94 // 100, name=name)
        reg.family("disk_free_inodes_percent", "gauge", kumo=False).add(94, name=name)
    messages = sum(q.count for q in node.scheduled.values()) + sum(
        q.count for q in node.ready.values())
    gauges = {
        "memory_usage": node.memory_usage, "memory_limit": spec.memory_limit,
        "memory_low_thresh": spec.memory_limit * 8 // 10,
        "memory_usage_rust": node.memory_usage * 7 // 10,
        "message_count": messages,
        "message_data_resident_count": sum(q.count for q in node.ready.values()),
        "message_meta_resident_count": messages, "lua_count": 4, "lua_spare_count": 2,
    }
    for name, value in gauges.items():
        reg.family(name, "gauge", kumo=False).add(value)
    reg.family("memory_over_limit_count", "counter", kumo=False).add(node.over_limit_count)
    reg.family("memory_low_count", "counter", kumo=False).add(node.low_count)
    for path in SPOOLS:
        reg.family("rocks_spool_load_shed_active", "gauge", kumo=False).add(
            int(health.spool_unhealthy), path=path)
        reg.family("rocks_spool_write_stopped", "gauge", kumo=False).add(0, path=path)
    for pool, size in (("localset", 8), ("logging", 1)):
        reg.family("thread_pool_size", "gauge", kumo=False).add(size, pool=pool)
        reg.family("thread_pool_parked", "gauge", kumo=False).add(size // 2, pool=pool)
    # One SMTP transaction occupies its connection 60 / per_connection_per_minute seconds:
    # the pace a busy connection keeps (delivery.py), as kumod's latency histogram shows it.
    attempts = node.smtp_attempts
    each = 60 / node.world.scenario.per_connection_per_minute
    hist = reg.family("deliver_message_latency_rollup", "histogram", kumo=False)
    hist.histograms[(("service", "smtp_client"),)] = (
        [attempts if each <= bound else 0 for bound in BUCKETS] + [attempts],
        round(attempts * each, 6))
    saves = node.received
    hist = reg.family("message_save_latency", "histogram", kumo=False)
    shares = (0.41, 0.72, 0.9, 0.97, 0.99, 1, 1, 1, 1, 1, 1, 1)
    hist.histograms[()] = ([int(saves * s) for s in shares], round(saves * 0.0041, 6))


def liveness(node: NodeState) -> tuple[int, str]:
    """`/api/check-liveness/v1` in the priority order of §1.19."""
    if node.memory_usage >= node.spec.memory_limit:
        return 503, "load shedding"
    if node.health.spool_unhealthy:
        return 503, "the spool is not accepting writes"
    if node.health.disk_free_percent < 10:
        return 503, "storage is too full"
    return 200, "OK"


def machine_info(node: NodeState) -> dict[str, Any]:
    """`MachineInfoV1`."""
    return {
        "node_id": node.nodeid, "hostname": f"{node.name}.example.net",
        "mac_address": f"02:00:00:00:00:{sum(map(ord, node.name)) % 256:02x}",
        "num_cores": 16, "kernel_version": "6.8.0-1016-aws", "platform": "linux/x86_64",
        "distribution": "ubuntu", "os_version": "Linux (Ubuntu 24.04)",
        "total_memory_bytes": node.spec.memory_limit * 4 // 3, "container_runtime": None,
        "cpu_brand": "Intel(R) Xeon(R) CPU E5-2686 v4 @ 2.30GHz",
        "fingerprint": f"machine_uid={node.nodeid.replace('-', '')}",
        "online_since": rfc3339(node.online_since_ns), "process_kind": "kumod",
        "version": VERSION,
    }


def ready_q_states(node: NodeState, skip: set[str]) -> dict[str, Any]:
    """`/api/admin/ready-q-states/v1`; the names in `queues` are skipped (§1.14 quirk)."""
    states: dict[str, Any] = {}
    for rq in node.ready.values():
        if rq.limited_since_ns is None or rq.name in skip:
            continue
        label = f"kumomta.connection_limit.{rq.name}"
        states[rq.name] = {"connection_limited": {"context": f"TooManyLeases for {label}",
                                                  "since": rfc3339(rq.limited_since_ns)}}
    return {"states_by_ready_queue": states}


def inspect_sched_q(node: NodeState, name: str, limit: int | None, want_body: bool,
                    now_ns: int) -> dict[str, Any] | None:
    """`/api/admin/inspect-sched-q/v1`, or None for an unknown queue."""
    sq = node.scheduled.get(name)
    if sq is None:
        return None
    anchor = node.world.anchor_ns
    messages: list[dict[str, Any]] = []
    for due, (created, attempts) in sq.sample(sq.count if limit is None else limit):
        created_ns = anchor + created * NS_PER_MIN + 17 * NS_PER_S
        recipient = f"user{len(messages) + 1}@{sq.domain}"
        messages.append({"id": spool_id(created_ns, node.rng.getrandbits(80)), "message": {
            "sender": sq.sender, "recipient": recipient,
            "meta": {"queue": sq.name, "received_from": "10.0.0.20:51234",
                     "received_via": "0.0.0.0:25", "reception_protocol": "ESMTP",
                     "hostname": node.name},
            "data": f"Subject: spring sale\r\nTo: <{recipient}>\r\n\r\nHello\r\n"
            if want_body else None,
            "due": rfc3339(max(anchor + due * NS_PER_MIN, now_ns)), "num_attempts": attempts}})
    return {
        "queue_name": name, "messages": messages, "num_scheduled": sq.count,
        "queue_config": {"retry_interval": format_duration(RETRY_INTERVAL_MIN * NS_PER_MIN),
                         "max_retry_interval": None, "max_age": "7days",
                         "egress_pool": sq.pool, "protocol": {"Smtp": {"mx_list": []}},
                         "provider_name": sq.provider, "reap_interval": "10m",
                         "refresh_interval": "1m", "strategy": "SingletonTimerWheel",
                         "timerwheel_tick_interval": None, "shrink_policy": []},
        "delayed_metric": sq.count, "now": rfc3339(now_ns),
        "last_changed": rfc3339(node.t0),
    }


def memory_stats(node: NodeState) -> str:
    """`/api/admin/memory/stats`: human text, not meant to be parsed."""
    limit = node.spec.memory_limit
    return (f"RSS = {node.memory_usage}\nsoft limit = {limit}\n"
            f"hard limit = {limit * 4 // 3}\nlive = {node.memory_usage * 7 // 10}\n")
