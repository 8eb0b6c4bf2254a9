"""kcli ``provider-summary`` (REFERENCE 2.3), per node and over the park.

"Provider" is the metrics ``provider`` label: a shaping provider name (``google``,
``yahoo``...) when a provider block matched, else the MX site name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cmp_to_key

from bot.core.models import MetricSample, Model
from bot.core.queuenames import natural_cmp, parse_scheduled_queue
from bot.core.summary_queue import as_count, metric_name
from bot.core.tabout import Align, format_count, tabout

PROVIDER_COLUMNS = {
    "total_messages_delivered_by_provider": "delivered",
    "total_messages_transfail_by_provider": "transfail",
    "total_messages_fail_by_provider": "failed",
    "connection_count_by_provider": "connections",
    "queued_count_by_provider": "queued",
}
POOL_COLUMNS = {
    # The "_and_source" counters also carry a source label, summed away here.
    "total_messages_delivered_by_provider_and_source": "delivered",
    "total_messages_transfail_by_provider_and_source": "transfail",
    "total_messages_fail_by_provider_and_source": "failed",
    "connection_count_by_provider_and_pool": "connections",
    "queued_count_by_provider_and_pool": "queued",
}


class ProviderRow(Model):
    """One provider (or provider × pool with ``--by-pool``): D/T/F/C/Q."""

    provider: str
    pool: str | None = None
    delivered: int = 0
    transfail: int = 0
    failed: int = 0
    connections: int = 0
    queued: int = 0
    """Ready plus scheduled messages."""
    node: str | None = None
    nodes: tuple[str, ...] = ()

    @property
    def volume(self) -> int:
        """kcli's sort key: Q+D+T+F (connections are not counted)."""
        return self.queued + self.delivered + self.transfail + self.failed


class ProviderSummary(Model):
    """kcli provider-summary rows for one node (``node``) or the park (None)."""

    by_pool: bool = False
    node: str | None = None
    rows: tuple[ProviderRow, ...] = ()


def _compare(a: ProviderRow, b: ProviderRow) -> int:
    if a.volume != b.volume:
        return -1 if a.volume > b.volume else 1
    return natural_cmp(a.provider, b.provider) or natural_cmp(a.pool or "", b.pool or "")


def _sorted(rows: Iterable[ProviderRow]) -> tuple[ProviderRow, ...]:
    """Descending volume, ties by natural order of provider, then pool."""
    return tuple(sorted(rows, key=cmp_to_key(_compare)))


def provider_summary(
    samples: Iterable[MetricSample], *, by_pool: bool = False, node: str | None = None
) -> ProviderSummary:
    """kcli provider-summary for one node, every row, sorted as kcli sorts it."""
    columns = POOL_COLUMNS if by_pool else PROVIDER_COLUMNS
    rows: dict[tuple[str, str | None], dict[str, int]] = {}
    for sample in samples:
        name = metric_name(sample.name)
        if name not in columns:
            continue
        key = (
            sample.labels.get("provider", ""),
            sample.labels.get("pool", "") if by_pool else None,
        )
        counts = rows.setdefault(key, dict.fromkeys(PROVIDER_COLUMNS.values(), 0))
        counts[columns[name]] += as_count(sample.value)
    nodes = (node,) if node else ()
    built = (
        ProviderRow(provider=provider, pool=pool, **counts, node=node, nodes=nodes)
        for (provider, pool), counts in rows.items()
    )
    return ProviderSummary(by_pool=by_pool, node=node, rows=_sorted(built))


def merge_provider_summaries(per_node: Mapping[str, ProviderSummary]) -> ProviderSummary:
    """The park total: rows with the same provider (and pool) summed over the nodes."""
    groups: dict[tuple[str, str | None], list[ProviderRow]] = {}
    by_pool = False
    for summary in per_node.values():
        by_pool = by_pool or summary.by_pool
        for row in summary.rows:
            groups.setdefault((row.provider, row.pool), []).append(row)
    merged = (
        rows[0].model_copy(
            update={
                "delivered": sum(r.delivered for r in rows),
                "transfail": sum(r.transfail for r in rows),
                "failed": sum(r.failed for r in rows),
                "connections": sum(r.connections for r in rows),
                "queued": sum(r.queued for r in rows),
                "node": None,
                "nodes": tuple(dict.fromkeys(n for r in rows for n in r.nodes)),
            }
        )
        for rows in groups.values()
    )
    return ProviderSummary(by_pool=by_pool, node=None, rows=_sorted(merged))


def select_providers(summary: ProviderSummary, *, limit: int | None = None) -> ProviderSummary:
    """Apply ``--limit``: keep the first N rows."""
    if limit is None:
        return summary
    return summary.model_copy(update={"rows": summary.rows[:limit]})


def show_domains_candidates(scheduled_queues: Iterable[str]) -> list[str]:
    """The domains kcli resolves for ``--show-domains``: routing domain, else domain."""
    domains = []
    for name in scheduled_queues:
        queue = parse_scheduled_queue(name)
        domains.append(queue.routing_domain if queue.routing_domain is not None else queue.domain)
    return list(dict.fromkeys(domains))


def render_kcli_provider_summary(
    summary: ProviderSummary,
    *,
    domains_by_site: Mapping[str, Iterable[str]] | None = None,
) -> str:
    """kcli provider-summary's table, byte for byte.

    ``domains_by_site`` (site name -> domains, resolved by the caller from
    :func:`show_domains_candidates`) adds kcli's ``--show-domains`` DOMAINS column
    when it is not empty; a row whose provider is not a key gets no cell at all.
    """
    headers = ["PROVIDER", "POOL"] if summary.by_pool else ["PROVIDER"]
    headers += ["D", "T", "F", "C", "Q"]
    left: list[Align] = ["left"]
    right: list[Align] = ["right"]
    aligns = left * (len(headers) - 5) + right * 5
    groups = {site: sorted(set(domains)) for site, domains in (domains_by_site or {}).items()}
    if groups:
        headers.append("DOMAINS")
        aligns.append("left")
    rows = []
    for r in summary.rows:
        cells = [r.provider, r.pool or ""] if summary.by_pool else [r.provider]
        cells += [
            format_count(value)
            for value in (r.delivered, r.transfail, r.failed, r.connections, r.queued)
        ]
        if r.provider in groups:
            cells.append(", ".join(groups[r.provider]))
        rows.append(cells)
    return tabout(headers, rows, aligns)
