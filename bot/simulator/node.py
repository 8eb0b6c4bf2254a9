"""One simulated kumod: its queues, counters, holds, health and log.

Each simulated minute runs in three parts (driven by `engine.Engine`):
`begin_minute` injects the scenario's traffic and promotes due messages from
scheduled to ready queues (or fails them with KumoMTA's internal 451s when a
scheduled queue is suspended or no source of the pool is eligible, §1.4 and
§1.7); `delivery.deliver_round` runs one of six 10-second delivery rounds over
the egress paths at the shaping in force; `end_minute` updates the gauges and
writes the minute's records to the log.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from typing import Any

from bot.simulator.health import Health, health_at
from bot.simulator.holds import AdminHolds
from bot.simulator.logs import SegmentLog
from bot.simulator.queues import Batch, ReadyQueue, ScheduledQueue, ready_queue_name, retry_delay
from bot.simulator.receivers import Receivers
from bot.simulator.records import (
    ADMIN_BOUNCE_SITE,
    Classifier,
    Delivery,
    Message,
    Reply,
    admin_bounce_reply,
    internal_reply,
    make_record,
)
from bot.simulator.scenario import Node, Scenario, active
from bot.simulator.shaping import PathLimits, Shaping
from bot.simulator.tsa import TsaState, parse_queue
from bot.simulator.wire import NS_PER_MIN, NS_PER_S, spool_id

ROUNDS = 6
XFER_SUFFIX = ".xfer.kumomta.internal"
ROUND_NS = NS_PER_MIN // ROUNDS
_LOCALS = ("ana", "ben", "chloe", "dev", "emil", "fatima", "gus", "hana", "ivan", "jo",
           "kai", "lena", "mo", "nina", "omar", "pia", "quinn", "raj", "sara", "tom")


@dataclass(frozen=True)
class World:
    """What every node of a park shares."""

    scenario: Scenario
    shaping: Shaping
    tsa: TsaState
    receivers: Receivers
    classifier: Classifier
    anchor_ns: int  # the scenario's minute 0


class NodeState:
    """State and per-minute behaviour of one kumod."""

    def __init__(self, spec: Node, world: World, log: SegmentLog, online_since_ns: int) -> None:
        self.spec = spec
        self.name = spec.name
        self.world = world
        self.log = log
        self.nodeid = str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{spec.name}.{world.scenario.name}.sim"))
        self.online_since_ns = online_since_ns
        # Seeded for repeatable timestamps and ids, not for secrecy.
        self.rng = random.Random(f"{world.scenario.seed}:{spec.name}")  # noqa: S311
        self.holds = AdminHolds()
        self.scheduled: dict[str, ScheduledQueue] = {}
        self.ready: dict[str, ReadyQueue] = {}
        self.minute = 0
        self.t0 = online_since_ns
        self.received = self.denied = self.over_limit_count = self.low_count = 0
        self.smtp_attempts = 0  # deliver_message calls (deliver_message_latency_rollup)
        self.health = Health(spec.memory_ratio, spec.disk_free_percent, False, 0)
        self.memory_usage = int(spec.memory_limit * spec.memory_ratio)
        self.pending: list[tuple[int, dict[str, Any]]] = []
        self.internal_logged: dict[str, int] = {}
        self.diagnostic_filter: str | None = None
        self.xfer_origin: dict[str, dict[str, int]] = {}  # xfer queue -> original queue -> n
        self.known: dict[str, dict[str, Any]] = {}  # recent message ids, for inspect-message
        self._limits: dict[str, tuple[tuple[int, int], PathLimits]] = {}
        self.version = 0

    # -- per-minute phases -------------------------------------------------------------

    def begin_minute(self, minute: int, t0: int) -> None:
        self.minute, self.t0 = minute, t0
        self.internal_logged.clear()
        self.holds.prune(t0)
        self._update_health(minute)
        if self.accepting:
            self._inject(minute)
        else:
            self.denied += self.health.denied_per_minute
        for sq in sorted(self.scheduled.values(), key=lambda q: q.name):
            if sq.name.endswith(XFER_SUFFIX):
                continue  # xfer queues are drained by the xfer protocol, not by SMTP
            for batch, n in sq.take_due(minute):
                self.promote(sq, batch, n, t0)

    def end_minute(self, t_end: int) -> None:
        for rq in self.ready.values():
            suspended = self.holds.ready_suspended(rq.name, t_end)
            if rq.count == 0 or suspended:
                rq.limited_since_ns = None
            elif rq.connections >= self.limits(rq).connection_limit:
                rq.limited_since_ns = rq.limited_since_ns or self.t0
            # What a scrape between two minutes sees: a connection that carried mail this
            # minute waits out its idle timeout (60 s) for more, so it is still open even
            # when the ready queue emptied; a suspended path closes its connections, and
            # one that sent nothing all minute has none left.
            rq.connections = 0 if suspended else rq.busy_connections
            rq.busy_connections = 0
        jitter = 1 + self.rng.uniform(-0.01, 0.01)
        self.memory_usage = int(self.spec.memory_limit * self.health.memory_ratio * jitter)
        if self.health.memory_ratio >= 1:
            self.memory_usage = max(self.memory_usage, self.spec.memory_limit)
        self.flush()

    def flush(self) -> None:
        self.pending.sort(key=lambda p: p[0])
        self.log.write(self.pending)
        self.log.flush()
        self.pending = []
        self.version += 1

    def restart(self, now_ns: int) -> None:
        """A kumod restart: holds and the admin log filter forgotten, counters back to zero,
        a new log segment.

        Spooled messages survive: whatever sat in ready queues is enumerated
        back into its scheduled queue. TSA's replay (the caller's job) then
        re-creates TSA's holds with new ids.
        """
        self.holds.clear()
        self.diagnostic_filter = None  # back to the configured filter: the admin one is gone
        for rq in self.ready.values():
            self.drain_ready(rq.name)
            rq.reset_counters()
        for sq in self.scheduled.values():
            sq.delayed_full = 0
        self.received = self.denied = self.over_limit_count = self.low_count = 0
        self.smtp_attempts = 0
        self.online_since_ns = now_ns
        self.log.close()
        self.log.mark_all_read_only()
        self.version += 1

    # -- the parts ---------------------------------------------------------------------

    @property
    def accepting(self) -> bool:
        return (self.health.memory_ratio < 1 and not self.health.spool_unhealthy
                and self.health.disk_free_percent >= 10)

    def limits(self, rq: ReadyQueue) -> PathLimits:
        tsa = self.world.tsa
        shaping = self.world.shaping
        revision = (tsa.revision, shaping.policy_revision)
        cached = self._limits.get(rq.name)
        if cached is None or cached[0] != revision:
            # Policy order: the operator's extra files (the bot's overrides) load before
            # TSA's, so TSA's overrides come later and win.
            found = shaping.limits(rq.domain, rq.site, rq.source,
                                   shaping.policy_overrides(self.t0) + tsa.overrides(self.t0))
            cached = self._limits[rq.name] = (revision, found)
        return cached[1]

    def queue(self, name: str, pool: str, sender: str) -> ScheduledQueue:
        sq = self.scheduled.get(name)
        if sq is None:
            domain = parse_queue(name)[3] or parse_queue(name)[2]
            site = self.world.scenario.domains[domain].site
            sq = ScheduledQueue(name, pool, site, self.world.shaping.provider_for(domain), sender)
            self.scheduled[name] = sq
        return sq

    def promote(self, sq: ScheduledQueue, batch: Batch, n: int, when: int) -> None:
        """Move `n` due messages towards the ready queues (§1.1, §1.4, §1.7)."""
        bounce = self.holds.bounce_for(sq.name, when)
        if bounce is not None:
            bounce.bounced[sq.name] = bounce.bounced.get(sq.name, 0) + n
            if not bounce.suppress_logging:
                self.admin_bounce(sq, batch, n, bounce.reason, when)
            return
        suspend = self.holds.suspend_for(sq.name, when)
        if suspend is not None:
            reply = internal_reply(f"scheduled queue is suspended: {suspend.reason}")
            self.internal(sq, batch, n, reply, Delivery(site=sq.name), when)
            return
        pool = self.world.scenario.pools[sq.pool]
        eligible = [s for s in pool.sources if s in self.spec.sources
                    and not self.holds.ready_suspended(ready_queue_name(s, sq.site), when)]
        if not eligible:
            reply = internal_reply(f"no sources for {sq.name} pool=`{sq.pool}` "
                                   "are eligible for selection at this time")
            self.internal(sq, batch, n, reply, Delivery(pool=sq.pool, provider=sq.provider), when)
            return
        shift = self.minute % len(eligible)
        for i, source in enumerate(eligible[shift:] + eligible[:shift]):
            share = n // len(eligible) + (1 if i < n % len(eligible) else 0)
            rq = self._ready_for(source, sq)
            room = max(self.limits(rq).max_ready - rq.count, 0)
            fits = min(share, room)
            if fits:
                rq.add(sq.name, batch, fits)
            if share > fits:  # ReadyQueueWasFull: back to scheduled for the next minute
                rq.ready_full += 1
                sq.delayed_full += 1
                sq.add(self.minute + 1, batch, share - fits)

    def internal(self, sq: ScheduledQueue, batch: Batch, n: int, reply: Reply, ctx: Delivery,
                 when: int) -> None:
        """KumoMTA's own TransientFailure for `n` messages, then requeue with a retry delay.

        Only `internal_log_cap` such records per queue and minute are written:
        a 28,000-message backlog retried every few minutes would otherwise
        dwarf every receiver's record in the log.
        """
        created, attempts = batch
        logged = self.internal_logged.get(sq.name, 0)
        for _ in range(min(n, self.world.scenario.internal_log_cap - logged)):
            self.record("TransientFailure", sq, created, attempts + 1, reply, ctx,
                        when + self.rng.randrange(9 * NS_PER_S))
            logged += 1
        self.internal_logged[sq.name] = logged
        sq.add(self.minute + retry_delay(attempts + 1), (created, attempts + 1), n)

    def admin_bounce(self, sq: ScheduledQueue, batch: Batch, n: int, reason: str,
                     when: int) -> None:
        for _ in range(n):
            self.record("AdminBounce", sq, batch[0], batch[1], admin_bounce_reply(reason),
                        Delivery(site=ADMIN_BOUNCE_SITE), when)

    def recipient(self, domain: str) -> str:
        """A plausible envelope recipient at `domain`."""
        bits = self.rng.getrandbits(32)
        return f"{_LOCALS[bits % len(_LOCALS)]}.{(bits >> 8) % 99999 + 1}@{domain}"

    def record(self, kind: str, sq: ScheduledQueue, created_min: int, attempts: int,
               reply: Reply, ctx: Delivery, when: int,
               recipient: str | None = None) -> dict[str, Any]:
        created_ns = self.world.anchor_ns + created_min * NS_PER_MIN + 17 * NS_PER_S
        bits = self.rng.getrandbits(96)
        msg = Message(spool_id(created_ns, bits), sq.sender,
                      recipient or self.recipient(sq.domain), sq.name, created_ns,
                      6000 + (bits >> 80) % 54000, attempts)
        rec = make_record(kind, msg, reply, when, ctx, self.nodeid, self.world.classifier)
        self.pending.append((when, rec))
        if kind == "TransientFailure":
            self.remember(msg.id, rec["sender"], rec["recipient"], sq.name)
        return rec

    def remember(self, msg_id: str, sender: str, recipient: str, queue: str) -> None:
        """Keep the newest few thousand still-queued message ids for inspect-message."""
        self.known[msg_id] = {"sender": sender, "recipient": recipient, "queue": queue}
        if len(self.known) > 4000:
            del self.known[next(iter(self.known))]

    def drain_ready(self, name: str) -> None:
        """A suspended ready queue gives its messages back to their scheduled queues."""
        rq = self.ready.get(name)
        if rq is None:
            return
        for queue, batch, n in rq.drain():
            self.scheduled[queue].add(self.minute + 1, batch, n)

    def _ready_for(self, source: str, sq: ScheduledQueue) -> ReadyQueue:
        name = ready_queue_name(source, sq.site)
        rq = self.ready.get(name)
        if rq is None:
            rq = ReadyQueue(name, source, sq.site, sq.routing_domain or sq.domain, sq.pool,
                            sq.provider)
            self.ready[name] = rq
        return rq

    def _inject(self, minute: int) -> None:
        for flow in self.world.scenario.flows:
            n = flow.per_node.get(self.name, 0) if active(flow.start, flow.end, minute) else 0
            n += sum(b.count for b in flow.bursts if b.at == minute)
            if n <= 0:
                continue
            self.received += n
            self.queue(flow.queue, flow.pool, flow.sender).add(minute, (minute, 0), n)

    def _update_health(self, minute: int) -> None:
        health = health_at(self.spec, self.world.scenario, minute)
        if health.memory_ratio >= 1 > self.health.memory_ratio:
            self.over_limit_count += 1  # a transition into over-limit: load shedding starts
        if health.memory_ratio > 0.8 >= self.health.memory_ratio:
            self.low_count += 1  # memory_low_thresh is 80% of the soft limit by default
        self.health = health
