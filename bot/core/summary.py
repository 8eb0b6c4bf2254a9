"""Queue summary over the park: scope, order, limit, merge, kcli text, TSA throttles.

The per-node rows are built in :mod:`bot.core.summary_queue` (kcli queue-summary)
and :mod:`bot.core.summary_provider` (kcli provider-summary); this module selects
and merges them and renders kcli's tables byte for byte (REFERENCE 2.2, 2.4).

Deviation from kcli, on purpose: with a scope, the scheduled table keeps every
queue whose domain or routing domain is the scope's domain (what kcli intends), not
only the queue named exactly D (what kcli does); the answer says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from bot.core.hold_ids import HoldMarker
from bot.core.models import TsaOverride
from bot.core.queuenames import natural_key
from bot.core.scope import Scope, normalize_domain
from bot.core.summary_provider import (
    ProviderRow,
    ProviderSummary,
    merge_provider_summaries,
    provider_summary,
    render_kcli_provider_summary,
    select_providers,
    show_domains_candidates,
)
from bot.core.summary_queue import (
    ParkQueueSummary,
    PathState,
    QueueSummary,
    ReadyRow,
    ScheduledRow,
    queue_summary,
)
from bot.core.tabout import format_count, tabout

__all__ = [
    "HoldMarker",
    "ParkQueueSummary",
    "PathState",
    "ProviderRow",
    "ProviderSummary",
    "QueueSummary",
    "ReadyRow",
    "ScheduledRow",
    "describe_tsa_throttles",
    "merge_provider_summaries",
    "merge_queue_summaries",
    "park_queue_summary",
    "provider_summary",
    "queue_summary",
    "render_kcli_provider_summary",
    "render_kcli_queue_summary",
    "select_providers",
    "select_queues",
    "show_domains_candidates",
    "tsa_overrides_for_scope",
]


def select_queues(
    summary: QueueSummary,
    *,
    scope: Scope | None = None,
    by_volume: bool = False,
    limit: int | None = None,
) -> QueueSummary:
    """Filter to ``scope``, order (natural, or ``--by-volume``), then apply ``--limit``.

    ``--by-volume`` orders ready rows by descending D+T+C+Q and scheduled rows by
    descending count, ties in natural name order; ``--limit`` cuts each list.
    """
    ready = [r for r in summary.ready if scope is None or scope.covers_ready(r.name)]
    scheduled = [s for s in summary.scheduled if scope is None or scope.covers_scheduled(s.name)]
    ready.sort(key=lambda r: natural_key(r.name))
    scheduled.sort(key=lambda s: natural_key(s.name))
    if by_volume:
        # Python's sort is stable, so the natural order stays as the tie-break.
        ready.sort(key=lambda r: r.volume, reverse=True)
        scheduled.sort(key=lambda s: s.count, reverse=True)
    return summary.model_copy(
        update={
            "ready": tuple(ready[:limit] if limit is not None else ready),
            "scheduled": tuple(scheduled[:limit] if limit is not None else scheduled),
            "ready_matched": len(ready),
            "scheduled_matched": len(scheduled),
        }
    )


def _merge_markers(groups: Iterable[Iterable[HoldMarker]]) -> tuple[HoldMarker, ...]:
    """Union of markers by hold id: smallest time left, every node that lists it."""
    merged: dict[str, HoldMarker] = {}
    for markers in groups:
        for marker in markers:
            seen = merged.get(marker.hold_id)
            if seen is None:
                merged[marker.hold_id] = marker
                continue
            nodes = seen.nodes + tuple(n for n in marker.nodes if n not in seen.nodes)
            merged[marker.hold_id] = seen.model_copy(
                update={
                    "remaining": min(seen.remaining, marker.remaining),
                    "nodes": nodes,
                    "tsa": seen.tsa or marker.tsa,
                }
            )
    return tuple(merged.values())


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def merge_queue_summaries(per_node: Mapping[str, QueueSummary]) -> QueueSummary:
    """The park total: rows with the same name summed over the nodes, markers united.

    A scheduled row's status is the first bounce status any node shows, else the
    first suspension status, so the total reads like kcli's precedence.
    """
    ready: dict[str, list[ReadyRow]] = {}
    scheduled: dict[str, list[ScheduledRow]] = {}
    for summary in per_node.values():
        for row in summary.ready:
            ready.setdefault(row.name, []).append(row)
        for srow in summary.scheduled:
            scheduled.setdefault(srow.name, []).append(srow)
    ready_rows = [
        rows[0].model_copy(
            update={
                "delivered": sum(r.delivered for r in rows),
                "transfail": sum(r.transfail for r in rows),
                "connections": sum(r.connections for r in rows),
                "queued": sum(r.queued for r in rows),
                "status_parts": _unique(p for r in rows for p in r.status_parts),
                "markers": _merge_markers(r.markers for r in rows),
                "states": tuple(s for r in rows for s in r.states),
                "node": None,
                "nodes": _unique(n for r in rows for n in r.nodes),
            }
        )
        for rows in ready.values()
    ]
    scheduled_rows = []
    for rows in scheduled.values():
        statuses = [r.status for r in rows if r.status]
        bounce = [s for s in statuses if s.startswith("🗑️")]
        scheduled_rows.append(
            rows[0].model_copy(
                update={
                    "count": sum(r.count for r in rows),
                    "status": (bounce or statuses or [""])[0],
                    "markers": _merge_markers(r.markers for r in rows),
                    "node": None,
                    "nodes": _unique(n for r in rows for n in r.nodes),
                }
            )
        )
    ready_rows.sort(key=lambda r: natural_key(r.name))
    scheduled_rows.sort(key=lambda r: natural_key(r.name))
    return QueueSummary(node=None, ready=tuple(ready_rows), scheduled=tuple(scheduled_rows))


def park_queue_summary(
    per_node: Mapping[str, QueueSummary],
    *,
    scope: Scope | None = None,
    by_volume: bool = False,
    limit: int | None = None,
) -> ParkQueueSummary:
    """Queue summary per node and in total; the scope is applied before ``--limit``."""

    def select(summary: QueueSummary) -> QueueSummary:
        return select_queues(summary, scope=scope, by_volume=by_volume, limit=limit)

    return ParkQueueSummary(
        total=select(merge_queue_summaries(per_node)),
        per_node={node: select(summary) for node, summary in per_node.items()},
        scope=scope,
    )


def render_kcli_queue_summary(summary: QueueSummary) -> str:
    """kcli queue-summary's output: the ready table, an empty line, the scheduled table."""
    ready = tabout(
        ["SITE", "SOURCE", "PROTO", "D", "T", "C", "Q", ""],
        [
            [
                r.site,
                r.source,
                r.proto,
                format_count(r.delivered),
                format_count(r.transfail),
                format_count(r.connections),
                format_count(r.queued),
                r.status,
            ]
            for r in summary.ready
        ],
        ["left", "left", "left", "right", "right", "right", "right", "left"],
    )
    scheduled = tabout(
        ["SCHEDULED QUEUE", "COUNT", ""],
        [[s.name, format_count(s.count), s.status] for s in summary.scheduled],
        ["left", "right", "left"],
    )
    return ready + "\n" + scheduled


def tsa_overrides_for_scope(
    overrides: Iterable[TsaOverride],
    scope: Scope,
    *,
    site_of: Mapping[str, str] | None = None,
) -> list[TsaOverride]:
    """TSA config overrides (REFERENCE 5.4) that apply to ``scope``.

    An entry keyed on the scope's domain applies; an ``mx_rollup`` entry (true, or
    unset: kumod's default) keyed on another domain applies to that domain's whole
    site, so it applies when ``site_of`` (domain -> site name, resolved by the
    caller) puts that domain on the scope's site.
    """
    sites = {normalize_domain(d): s for d, s in (site_of or {}).items()}
    kept = []
    for override in overrides:
        domain = normalize_domain(override.domain)
        if domain == scope.domain or (
            override.mx_rollup is not False and sites.get(domain) == scope.site
        ):
            kept.append(override)
    return kept


def _left(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return "expired"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes}m left" if minutes else f"{hours}h left"
    return f"{minutes}m left" if minutes else f"{secs}s left"


def describe_tsa_throttles(overrides: Iterable[TsaOverride], now: datetime) -> list[str]:
    """One line per set of sources sharing the same TSA overrides, with time left.

    ``TSA throttle: max_message_rate=1/minute, connection_limit=1 on ip-1, ip-2 — 17m left``
    """
    by_source: dict[str, dict[str, str]] = {}
    expiry: dict[str, datetime] = {}
    for o in overrides:
        by_source.setdefault(o.source, {}).setdefault(o.name, o.value)
        if o.expires is not None and (o.source not in expiry or o.expires < expiry[o.source]):
            expiry[o.source] = o.expires
    groups: dict[tuple[str, ...], list[str]] = {}
    for source in sorted(by_source, key=natural_key):
        options = tuple(f"{k}={v}" for k, v in by_source[source].items())
        groups.setdefault(options, []).append(source)
    lines = []
    for options, sources in groups.items():
        line = f"TSA throttle: {', '.join(options)} on {', '.join(sources)}"
        ends = [expiry[s] for s in sources if s in expiry]
        if ends:
            line += f" — {_left(min(ends) - now)}"
        lines.append(line)
    return lines
