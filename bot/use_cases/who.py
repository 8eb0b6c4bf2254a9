"""``who DOMAIN``: which tenants and campaigns hold the scope's mail, with a few samples.

Every node's ``scheduled_count`` now (live), the same queues half an hour ago (the
metric history, when there is one), then ``inspect-sched-q`` of the biggest queues on
the node that holds most of each: a handful of messages, never their bodies.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.core.answers_who import WhoAnswer
from bot.core.commands import Who
from bot.core.models import MetricSample
from bot.core.who import QueueSample, Sample, holders, sample_rows
from bot.ports import MtaReader
from bot.use_cases.summaries import resolve_scope

if TYPE_CHECKING:
    from bot.services import Services

WINDOW = timedelta(minutes=30)
SAMPLED_QUEUES = 3
PER_QUEUE = 3


async def _scheduled_counts(reader: MtaReader) -> list[MetricSample]:
    return await reader.metrics(frozenset({"scheduled_count"}))


def who_answer(svc: Services, cmd: Who, base: dict[str, Any]) -> WhoAnswer:
    """The tenants and campaigns holding the scope's mail, their change, and samples."""
    scope = resolve_scope(svc, cmd.domain)
    assert scope is not None  # who's DOMAIN is required by the grammar
    now = svc.clock.now()
    answer = svc.park.ask(_scheduled_counts)
    per_node: dict[str, dict[str, int]] = {}
    for node, metrics in answer.results.items():
        for s in metrics:
            queue = s.labels.get("queue", "")
            if s.name == "scheduled_count" and queue and scope.covers_scheduled(queue):
                per_node.setdefault(queue, {})[node] = int(s.value)
    counts = {q: sum(nodes.values()) for q, nodes in per_node.items()}
    before = _counts_before(svc, scope_covers=scope.covers_scheduled, now=now)
    samples, sample_failures = _samples(svc, per_node, counts, now)
    return WhoAnswer(
        domain=scope.domain,
        scope_sentence=scope.describe(egress_paths=0, scheduled_queues=len(counts))
        .replace("0 egress paths, ", ""),
        holders=holders(counts, before),
        window=WINDOW if before is not None else None,
        samples=samples,
        sample_problems=tuple(sample_failures),
        asked=answer.asked,
        failures=answer.failures,
        **base,
    )


def _counts_before(svc: Services, *, scope_covers: Any, now: Any) -> dict[str, int] | None:
    """Each scope queue's park-wide count at the start of the window (None: no history)."""
    history = getattr(svc, "history", None)
    if history is None:
        return None
    snaps = history.snapshots(since=now - WINDOW, until=now - WINDOW + timedelta(minutes=2),
                              kinds={"sched"}, where=lambda key: scope_covers(key[1]))
    if not snaps:
        return None
    first = snaps[0].at
    out: dict[str, int] = {}
    for snap in snaps:
        if snap.at - first < timedelta(seconds=59):
            for (_, queue), value in snap.values.items():
                out[queue] = out.get(queue, 0) + int(value)
    return out


def _samples(svc: Services, per_node: dict[str, dict[str, int]], counts: dict[str, int],
             now: Any) -> tuple[list[Sample], list[str]]:
    """A few messages of the biggest queues, each from the node holding most of it."""
    rows: list[Sample] = []
    problems: list[str] = []
    biggest = sorted((q for q in counts if counts[q] > 0), key=lambda q: -counts[q])
    for queue in biggest[:SAMPLED_QUEUES]:
        node = max(per_node[queue], key=lambda n: per_node[queue][n])

        async def inspect(reader: MtaReader, queue: str = queue) -> QueueSample:
            return await reader.scheduled_queue_sample(queue, PER_QUEUE)

        got = svc.park.ask(inspect, nodes=[node])
        if node in got.results:
            rows.extend(sample_rows(node, got.results[node], now))
        problems.extend(f"{f.node}: {f.detail}" for f in got.failures)
    return rows, problems
