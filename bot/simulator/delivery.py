"""Delivery rounds: messages leave a node's ready queues at the shaping in force.

A path (source x site) gets `min(max_message_rate, connection_limit x
per-connection throughput)` attempts a minute, spread over six 10-second
rounds and over its connections. Each attempt is answered by the scenario's
receivers; a reply with `session_close` ends that connection for the round.
Messages whose scheduled queue is bounced or suspended meanwhile are caught
when the batch is built (§1.1, §1.4).
"""

from __future__ import annotations

import math
import uuid
from typing import Any

from bot.simulator.node import ROUND_NS, ROUNDS, NodeState
from bot.simulator.queues import ReadyQueue, retry_delay
from bot.simulator.receivers import delivered, render
from bot.simulator.records import Delivery, internal_reply

Published = list[tuple[int, dict[str, Any]]]


def deliver_round(node: NodeState, rnd: int, t0: int) -> Published:
    """One 10-second round over every egress path of `node`; returns the records for TSA."""
    published: Published = []
    per_conn = node.world.scenario.per_connection_per_minute
    for rq in sorted(node.ready.values(), key=lambda q: q.name):
        if rq.count == 0 or node.holds.ready_suspended(rq.name, t0):
            continue
        limits = node.limits(rq)
        cap = min(limits.messages_per_minute, limits.connection_limit * per_conn)
        budget = min(math.floor(cap * (rnd + 1) / ROUNDS) - math.floor(cap * rnd / ROUNDS),
                     rq.count)
        if budget <= 0:
            continue
        conns = min(limits.connection_limit, max(1, math.ceil(min(rq.count, cap) / per_conn)))
        if rq.connections == 0:
            rq.connections_total += conns
        rq.connections = conns
        rq.busy_connections = max(rq.busy_connections, conns)
        slots = math.ceil(budget / conns)
        start = t0 + rnd * ROUND_NS
        for conn in range(conns):
            session = str(uuid.UUID(int=node.rng.getrandbits(128), version=4))
            for slot in range(slots):
                if budget == 0:
                    break
                budget -= 1
                # Spread the attempts over the round, with jitter, never past its end.
                spot = ((conn * slots + slot) << 20) + node.rng.getrandbits(20)
                when = start + spot * ROUND_NS // ((conns * slots) << 20)
                if _attempt(node, rq, when, session, published):
                    break
    return published


def _attempt(node: NodeState, rq: ReadyQueue, when: int, session: str,
             published: Published) -> bool:
    """Deliver one message; True when the session ended (a closing reply)."""
    item = rq.pop()
    if item is None:
        return True
    queue, batch = item
    sq = node.scheduled[queue]
    bounce = node.holds.bounce_for(queue, when)
    if bounce is not None:
        bounce.bounced[queue] = bounce.bounced.get(queue, 0) + 1
        if not bounce.suppress_logging:
            node.admin_bounce(sq, batch, 1, bounce.reason, when)
        return False
    suspend = node.holds.suspend_for(queue, when)
    if suspend is not None:
        reply = internal_reply(f"scheduled queue is suspended: {suspend.reason}")
        node.internal(sq, batch, 1, reply, Delivery(site=queue), when)
        return False
    source_ip = node.spec.sources[rq.source]
    domain = node.world.scenario.domains[rq.domain]
    mx = domain.mx[node.rng.randrange(len(domain.mx))]
    ctx = Delivery(rq.name, rq.pool, rq.source, source_ip, (f"{mx.host}.", mx.ip),
                   rq.provider, session, tls=True)
    node.smtp_attempts += 1  # one SMTP transaction on the session, whatever its answer
    rule = node.world.receivers.pick(rq, node=node.name, domain=sq.domain, tenant=sq.tenant,
                                     minute=node.minute)
    if rule is None:
        rq.delivered += 1
        node.record("Delivery", sq, batch[0], batch[1],
                    delivered(rq.site, when // 1_000_000_000, node.rng), ctx, when)
        return False
    recipient = node.recipient(sq.domain)
    reply = render(rule, source_ip=source_ip, recipient=recipient, rng=node.rng)
    if rule.type == "Bounce":
        rq.fail += 1
        rec = node.record("Bounce", sq, batch[0], batch[1], reply, ctx, when, recipient)
    else:
        rq.transfail += 1
        rec = node.record("TransientFailure", sq, batch[0], batch[1] + 1, reply, ctx, when,
                          recipient)
        sq.add(node.minute + retry_delay(batch[1] + 1), (batch[0], batch[1] + 1), 1)
    if node.world.tsa.wants(rec):  # kumod's pre_filter for the TSA log hook
        published.append((when, rec))
    return rule.session_close
