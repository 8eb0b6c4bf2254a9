"""The park's timeline: every node and the tsa-daemon, minute by minute.

A minute is processed once it is complete on the simulator clock, so every
record is in the past when a reader sees it. Within a minute the nodes run
their delivery rounds side by side; after each 10-second round the records
that match an automation rule reach the tsa-daemon, and the actions it takes
reach every node (kumod applies a subscription batch every few seconds), which
is why a Yahoo path collects a handful of `[TSS04]` deferrals before its
suspension lands.
"""

from __future__ import annotations

from typing import Any

from bot.simulator.delivery import deliver_round
from bot.simulator.holds import Criteria
from bot.simulator.node import ROUNDS, NodeState, World
from bot.simulator.tsa import Event
from bot.simulator.wire import NS_PER_MIN, parse_rfc3339


class Engine:
    """Runs the simulated minutes of a park in order."""

    def __init__(self, world: World, nodes: list[NodeState]) -> None:
        self.world = world
        self.nodes = nodes
        self.next_minute = -world.scenario.history_minutes
        for node in nodes:
            if node.spec.tsa_subscribed:
                world.tsa.subscribe(_Subscription(node).apply)

    def minute_start(self, minute: int) -> int:
        return self.world.anchor_ns + minute * NS_PER_MIN

    def run_until(self, now_ns: int) -> None:
        """Process every minute that has completed by `now_ns`."""
        while self.minute_start(self.next_minute + 1) <= now_ns:
            self.step(self.next_minute)
            self.next_minute += 1

    def step(self, minute: int) -> None:
        t0 = self.minute_start(minute)
        self.world.tsa.prune(t0)
        for node in self.nodes:
            node.begin_minute(minute, t0)
        for rnd in range(ROUNDS):
            published: list[tuple[int, dict[str, Any]]] = []
            for node in self.nodes:
                published.extend(deliver_round(node, rnd, t0))
            published.sort(key=lambda p: p[0])
            for when, record in published:
                self.world.tsa.publish(record, when)
        for node in self.nodes:
            node.end_minute(t0 + NS_PER_MIN)

    def replay_to(self, node: NodeState, now_ns: int) -> None:
        """A (re)connected subscriber gets TSA's snapshot first (§5.1)."""
        if not node.spec.tsa_subscribed:
            return
        apply = _Subscription(node).apply
        for event in self.world.tsa.snapshot(now_ns):
            apply(event)


class _Subscription:
    """kumod's `kumo.tsa.suspension.subscriber`: applies TSA items as admin holds (§5.1)."""

    def __init__(self, node: NodeState) -> None:
        self.node = node

    def apply(self, event: Event) -> None:
        kind, body = event
        holds = self.node.holds
        reason = f"{body['reason']} (rule_hash={body['rule_hash']})"
        expires = parse_rfc3339(body["expires"])
        if kind == "ReadyQSuspension":
            holds.add_ready(body["site_name"], reason, expires)
            self.node.drain_ready(body["site_name"])
            return
        criteria = Criteria(campaign=body.get("campaign"), tenant=body.get("tenant"),
                            domain=body.get("domain"))
        if kind == "SchedQSuspension":
            holds.add_suspend(criteria, reason, expires)
        elif kind == "SchedQBounce":
            # The Lua API only registers the rule; messages bounce as they next
            # pass a bounce check (no immediate sweep, unlike the HTTP API).
            holds.add_bounce(criteria, reason, expires, suppress_logging=False)
