"""The park's egress IPs, learned from the delivery logs (kumod's metrics name sources,
not addresses): the ``source_address`` of the newest records to the busiest domains."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.core.logquery import LogQuery
from bot.core.models import MetricSample
from bot.core.queuenames import parse_scheduled_queue
from bot.ports import MtaReader

if TYPE_CHECKING:
    from bot.services import Services

DOMAINS = 5
RECORDS = 200
_SENT = frozenset({"Delivery", "TransientFailure", "Bounce"})


async def _queues(reader: MtaReader) -> list[MetricSample]:
    return await reader.metrics(frozenset({"scheduled_count", "total_messages_delivered"}))


def egress_ips(svc: Services, nodes: Sequence[str] | None) -> dict[str, list[str]]:
    """node -> the egress IPs its newest records to the busiest domains came from."""
    wanted = list(nodes) if nodes else svc.park.node_names
    if svc.logs is None:
        return {n: [] for n in wanted}
    answer = svc.park.ask(_queues, nodes=wanted)
    volume: dict[str, float] = {}
    for samples in answer.results.values():
        for s in samples:
            if s.name == "scheduled_count" and "queue" in s.labels:
                domain = parse_scheduled_queue(s.labels["queue"]).domain
                volume[domain] = volume.get(domain, 0) + s.value + 1
    found: dict[str, set[str]] = {n: set() for n in wanted}
    for domain in sorted(volume, key=lambda d: -volume[d])[:DOMAINS]:
        query = LogQuery(domain=domain, types=_SENT, nodes=tuple(wanted))
        scan = svc.logs.newest_records(query, limit=RECORDS)
        for node, record in scan.result:
            if record.source_ip and node in found:
                found[node].add(record.source_ip)
    return {n: sorted(ips) for n, ips in found.items()}
