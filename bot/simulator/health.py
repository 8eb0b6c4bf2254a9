"""A node's condition minute by minute: memory, disk and spool, per the scenario."""

from __future__ import annotations

from dataclasses import dataclass

from bot.simulator.scenario import Node, Scenario, active


@dataclass
class Health:
    memory_ratio: float  # memory_usage / memory_limit; >= 1 means no headroom: load shedding
    disk_free_percent: int
    spool_unhealthy: bool
    denied_per_minute: int  # SMTP connections refused per minute while shedding load


def health_at(spec: Node, scenario: Scenario, minute: int) -> Health:
    """The node's baseline, overridden by every `[[conditions]]` entry active at `minute`."""
    health = Health(spec.memory_ratio, spec.disk_free_percent, False, 0)
    for cond in scenario.conditions:
        if cond.node != spec.name or not active(cond.start, cond.end, minute):
            continue
        if cond.memory_ratio is not None:
            health.memory_ratio = cond.memory_ratio
        if cond.disk_free_percent is not None:
            health.disk_free_percent = cond.disk_free_percent
        if cond.spool_unhealthy is not None:
            health.spool_unhealthy = cond.spool_unhealthy
        if cond.denied_per_minute is not None:
            health.denied_per_minute = cond.denied_per_minute
    return health
