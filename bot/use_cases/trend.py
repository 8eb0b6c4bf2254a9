"""``trend DOMAIN [--since DUR]``: is the scope's queue draining, and when will it be empty?

The history comes from SQL (the sampler's snapshots); the holds and TSA's overrides
are read live (what is suspended, until when); the limits are the *effective*
shaping (``bot.core.effective_shaping``: base files, then the bot's overrides, then
TSA's) evaluated at the moment the suspended paths resume, so the time to drain is
the one that will hold when they can send again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.core.answers_trend import TrendAnswer
from bot.core.commands import Trend
from bot.core.effective_shaping import OverrideEntry, Path, effective_value, rate_per_second
from bot.core.errors import BotError, ConfigError, UserInputError
from bot.core.holds import Hold, collect_holds, holds_in_scope
from bot.core.metric_history import Snapshot
from bot.core.metric_rollups import step_for_window
from bot.core.queuenames import split_ready_queue
from bot.core.scope import Scope, scope_for
from bot.core.trend import (
    LATENCY_KINDS,
    PACE_KINDS,
    RATE_WINDOW,
    BotOverride,
    PathLimit,
    connection_pace,
    drain_estimate,
    scope_trend,
)
from bot.use_cases.summaries import _collect, _tsa_failures, resolve_scope

if TYPE_CHECKING:
    from bot.core.models import TsaState
    from bot.ports import MetricHistory
    from bot.services import Services

DEFAULT_SINCE = timedelta(hours=1)
PACE_WINDOW = timedelta(minutes=30)
"""How far back the pace of one connection is measured, over every path of the park."""
TREND_KINDS = frozenset({"sched", "ready", "delivered", "transfail", "fail", "connections"})


def trend_answer(svc: Services, cmd: Trend, base: dict[str, Any]) -> TrendAnswer:
    """The scope's queued / delivered / deferred over time, drain rates and times to empty."""
    if svc.history is None:
        raise ConfigError(
            "There is no metric history here: `trend` needs the sampler's snapshots in SQL.",
            hint="Run `kumo-bot watch` (or `web`) beside the bot; it samples every node each "
                 "minute.")
    scope = resolve_scope(svc, cmd.domain)
    assert scope is not None  # trend's DOMAIN is required by the grammar
    now = svc.clock.now()
    since = cmd.since or DEFAULT_SINCE
    step = step_for_window(since)  # a long window reads the roll-ups, its last minutes whole
    snapshots = svc.history.snapshots(since=now - since, kinds=TREND_KINDS,
                                      where=lambda key: wanted_series(scope, key),
                                      step=step, keep_newest=RATE_WINDOW + 1)
    points = scope_trend(snapshots, scope)
    pace, pace_source = history_pace(svc.history, now - PACE_WINDOW)
    answer, tsa_answer, tsa = _collect(svc, None)
    holds = holds_in_scope(collect_holds(answer.results, tsa, now), scope)
    limits, shaping_at = path_limits(svc, scope, snapshots, holds, tsa, now)
    rates = readable_rates(limits)
    estimate = drain_estimate(points, limits, now=now, pace=pace, rate_per_second=rates,
                              pace_source=pace_source)
    paths = {lim.path for lim in limits}
    queues = {name for s in snapshots for kind, name in s.values
              if kind == "sched" and scope.covers_scheduled(name)}
    return TrendAnswer(
        domain=scope.domain,
        scope_sentence=scope.describe(egress_paths=len(paths), scheduled_queues=len(queues)),
        since=since, step=step, points=points, estimate=estimate, limits=limits,
        first_sample=points[0].at if points else None,
        last_sample=points[-1].at if points else None,
        shaping_at=shaping_at,
        asked=answer.asked + [f"tsa:{n}" for n in tsa_answer.asked],
        failures=answer.failures + _tsa_failures(tsa_answer),
        **base,
    )


def history_pace(history: MetricHistory, since: datetime) -> tuple[float | None, str]:
    """``connection_pace`` since ``since``, reading the two latency series of each node
    first: the every-path series are read only when the history has no latency."""
    pace, source = connection_pace(history.snapshots(since=since, kinds=LATENCY_KINDS))
    if pace is not None:
        return pace, source
    return connection_pace(history.snapshots(since=since, kinds=PACE_KINDS))


def wanted_series(scope: Scope, key: tuple[str, str]) -> bool:
    """The scope's own series: its scheduled queues and its egress paths."""
    kind, name = key
    if kind == "sched":
        return scope.covers_scheduled(name)
    return scope.covers_ready(name)


def readable_rates(limits: Sequence[PathLimit]) -> dict[str, float]:
    """Messages per second of each distinct ``max_message_rate`` text that reads as a rate."""
    out = {}
    for text in {lim.max_message_rate for lim in limits if lim.max_message_rate}:
        try:
            out[text] = rate_per_second(text)
        except UserInputError:
            continue  # a rate we cannot read leaves that bound unknown (and said so)
    return out


def _resume(source: str, holds: Sequence[Hold]) -> datetime | None:
    ends = [h.expires for h in holds
            if h.kind == "suspend-path" and h.source in (source, None) and h.expires]
    return max(ends) if ends else None


def tsa_entries(svc: Services, tsa: TsaState) -> list[OverrideEntry]:
    """TSA's active overrides in the effective-shaping layout (rollups keyed on their site)."""
    entries = []
    for o in tsa.overrides:
        site = None
        if o.mx_rollup:
            try:
                site = scope_for(o.domain, svc.resolver.mx_records(o.domain)).site
            except BotError:
                site = None
        entries.append(OverrideEntry(domain=o.domain, source=o.source, name=o.name,
                                     value=o.value, mx_rollup=bool(o.mx_rollup),
                                     expires=o.expires, reason=o.reason, site=site))
    return entries


def path_limits(svc: Services, scope: Scope, snapshots: Sequence[Snapshot],
                holds: Sequence[Hold], tsa: TsaState, now: datetime
                ) -> tuple[list[PathLimit], datetime]:
    """Each egress path of the scope (newest snapshot of each node) with its effective
    limits at the time it can send again (its suspension's end, or now)."""
    newest: dict[str, Snapshot] = {}
    for snap in snapshots:
        newest[snap.node] = snap
    texts = []
    if svc.knowledge is not None:
        texts = [(t.name, t.text) for t in svc.knowledge.shaping.texts() if t.text is not None]
    entries = tsa_entries(svc, tsa)
    mine = svc.writes.records.active_overrides(now) if svc.writes is not None else []
    hosts = tuple(r.host for r in scope.mx)
    limits: list[PathLimit] = []
    resumes: list[datetime] = []
    for node, snap in sorted(newest.items()):
        for kind, name in sorted(snap.values):
            if kind != "ready" or not scope.covers_ready(name):
                continue
            source = split_ready_queue(name).source
            resume = _resume(source, holds)
            at = max(resume, now) if resume else now
            resumes.append(at)
            path = Path(domain=scope.domain, site=scope.site, source=source, mx_hosts=hosts)
            rate_effective = effective_value("max_message_rate", path, base_texts=texts,
                                             bot=mine, tsa=entries, now=at)
            conns_effective = effective_value("connection_limit", path, base_texts=texts,
                                              bot=mine, tsa=entries, now=at)
            rate, conns = rate_effective.value, conns_effective.value
            limits.append(PathLimit(
                node=node, path=name, source=source,
                max_message_rate=str(rate.value) if rate else None,
                rate_origin=rate.origin if rate else None,
                connection_limit=_count(conns.value) if conns else None,
                limit_origin=conns.origin if conns else None,
                suspended_until=resume,
                bot_overrides=tuple(
                    BotOverride(key=lv.key, value=str(lv.value.value),
                                expires=lv.value.expires, reason=lv.value.reason)
                    for lv in (rate_effective, conns_effective)
                    if lv.value is not None and lv.value.layer == "bot"),
            ))
    return limits, max(resumes) if resumes else now


def _count(value: object) -> int | None:
    try:
        return int(str(value).removeprefix("local:"))
    except ValueError:
        return None
