"""Is it draining?  The scope's queue over time, and how long it takes to empty.

``scope_trend`` turns the metric history (``bot.core.metric_history``) into one point
per sampling time for a scope: messages queued (its scheduled queues plus its ready
queues), and delivered, deferred and failed since the point before (counter deltas
of its egress paths, a node restart counted from zero).  ``drain_estimate`` compares
three rates: what arrives (the net growth plus what left), what leaves now, and what
the shaping in force when the paths resume allows (per path: ``max_message_rate``,
and ``connection_limit`` times the pace one connection is seen to deliver).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta

from bot.core.metric_history import Snapshot, counter_delta
from bot.core.models import Model
from bot.core.scope import Scope

SPARK = "▁▂▃▄▅▆▇█"
RATE_WINDOW = 5
"""How many of the newest intervals the rates "now" are measured over."""


class TrendPoint(Model):
    """The scope at one sampling time; counts since the point before."""

    at: datetime
    queued: int
    delivered: int = 0
    deferred: int = 0
    failed: int = 0
    minutes: float = 0.0  # since the point before (0 for the first)


class BotOverride(Model):
    """One of the bot's own shaping overrides (the guard's ``shaping set``) that a path's
    allowed rate counts."""

    key: str
    value: str
    expires: datetime | None = None
    reason: str | None = None


class PathLimit(Model):
    """One egress path on one node, with the shaping that will hold when it can send."""

    node: str
    path: str
    source: str
    max_message_rate: str | None = None
    rate_origin: str | None = None
    connection_limit: int | None = None
    limit_origin: str | None = None
    suspended_until: datetime | None = None
    bot_overrides: tuple[BotOverride, ...] = ()
    """The bot's own overrides in force on this path then (the allowed rate counts them)."""


class DrainEstimate(Model):
    """How fast the scope's queue fills and empties, and when it would be empty."""

    queued: int
    arriving_per_min: float | None = None
    draining_per_min: float | None = None
    allowed_per_min: float | None = None
    allowed_basis: str = ""
    per_connection_pace: float | None = None
    resume_at: datetime | None = None
    paths: int = 0
    suspended_paths: int = 0
    drain_observed: timedelta | None = None
    drain_allowed: timedelta | None = None
    growing_faster_than_allowed: bool = False
    allowed_is_ceiling: bool = False
    """connection_limit also bounds the paths at an unseen pace: the allowed rate is the
    most they could do, and the time to drain the least it could take."""
    notes: tuple[str, ...] = ()


def scope_trend(snapshots: Sequence[Snapshot], scope: Scope) -> list[TrendPoint]:
    """One point per sampling time of the scope's queued, delivered, deferred, failed."""
    times = sorted({s.at for s in snapshots})
    by_time: dict[datetime, list[Snapshot]] = {t: [] for t in times}
    for snap in snapshots:
        by_time[snap.at].append(snap)
    last: dict[str, Snapshot] = {}
    points: list[TrendPoint] = []
    previous_at: datetime | None = None
    for at in times:
        queued = delivered = deferred = failed = 0.0
        for snap in by_time[at]:
            before = last.get(snap.node)
            for (kind, name), value in snap.values.items():
                if kind == "sched" and scope.covers_scheduled(name):
                    queued += value
                elif kind in ("ready", "delivered", "transfail", "fail") \
                        and scope.covers_ready(name):
                    if kind == "ready":
                        queued += value
                        continue
                    delta = counter_delta(before.values.get((kind, name), 0.0)
                                          if before else None, value)
                    if kind == "delivered":
                        delivered += delta
                    elif kind == "transfail":
                        deferred += delta
                    else:
                        failed += delta
            last[snap.node] = snap
        minutes = (at - previous_at).total_seconds() / 60 if previous_at else 0.0
        points.append(TrendPoint(at=at, queued=round(queued), delivered=round(delivered),
                                 deferred=round(deferred), failed=round(failed),
                                 minutes=minutes))
        previous_at = at
    return points


def node_steps(snapshots: Sequence[Snapshot]) -> Iterator[tuple[Snapshot, Snapshot]]:
    """Each node's consecutive snapshots, (before, after), in time order."""
    last: dict[str, Snapshot] = {}
    for snap in sorted(snapshots, key=lambda s: (s.at, s.node)):
        before = last.get(snap.node)
        last[snap.node] = snap
        if before is not None:
            yield before, snap


def per_connection_pace(snapshots: Sequence[Snapshot]) -> float | None:
    """Messages one open connection delivers a minute, seen over every path of the park."""
    sent = connection_minutes = 0.0
    for before, snap in node_steps(snapshots):
        minutes = (snap.at - before.at).total_seconds() / 60
        for (kind, name), conns in snap.values.items():
            if kind != "connections" or conns <= 0:
                continue
            sent += counter_delta(before.values.get(("delivered", name)),
                                  snap.values.get(("delivered", name)))
            connection_minutes += conns * minutes
    return sent / connection_minutes if connection_minutes > 0 and sent > 0 else None


def delivery_pace(snapshots: Sequence[Snapshot]) -> float | None:
    """Messages one busy connection delivers a minute: a minute over the mean time an SMTP
    transaction took between the snapshots (kumod's ``deliver_message_latency_rollup``).
    Unlike ``per_connection_pace`` it does not fall when connections idle between
    messages, as they do under light traffic."""
    count = millis = 0.0
    for before, snap in node_steps(snapshots):
        count += counter_delta(before.values.get(("smtp_transactions", "")),
                               snap.values.get(("smtp_transactions", "")))
        millis += counter_delta(before.values.get(("smtp_ms", "")),
                                snap.values.get(("smtp_ms", "")))
    return 60_000 * count / millis if count > 0 and millis > 0 else None


LATENCY_KINDS = frozenset({"smtp_transactions", "smtp_ms"})
"""The series ``delivery_pace`` reads (two a node: cheap to read over a window)."""
PACE_KINDS = frozenset({"delivered", "connections", *LATENCY_KINDS})
"""The series ``connection_pace`` reads."""


def connection_pace(snapshots: Sequence[Snapshot]) -> tuple[float | None, str]:
    """The pace of one busy connection and how it was measured: from the SMTP transaction
    times when the history has them, else as seen over the open connections."""
    pace = delivery_pace(snapshots)
    if pace is not None:
        return pace, "from the mean SMTP transaction time"
    pace = per_connection_pace(snapshots)
    return pace, "as seen over the open connections" if pace is not None else ""


def _path_rate(limit: PathLimit, pace: float | None,
               rate_per_second: Mapping[str, float]) -> float | None:
    """Messages a minute one path may send: the smaller of its two bounds we can read."""
    bounds = []
    if limit.max_message_rate is not None and limit.max_message_rate in rate_per_second:
        bounds.append(rate_per_second[limit.max_message_rate] * 60)
    if limit.connection_limit is not None and pace is not None:
        bounds.append(limit.connection_limit * pace)
    return min(bounds) if bounds else None


def _ceiling_only(limits: Sequence[PathLimit], pace: float | None) -> bool:
    """True when connection_limit also bounds a path but no pace turns it into a rate."""
    return pace is None and any(lim.connection_limit is not None for lim in limits)


def drain_estimate(points: Sequence[TrendPoint], limits: Sequence[PathLimit], *,
                   now: datetime, pace: float | None,
                   rate_per_second: Mapping[str, float], pace_source: str = ""
                   ) -> DrainEstimate:
    """Arriving, draining and allowed rates of the scope, and the times to empty it."""
    queued = points[-1].queued if points else 0
    recent = list(points[1:])[-RATE_WINDOW:]
    minutes = sum(p.minutes for p in recent)
    notes: list[str] = []
    draining = arriving = None
    drain_observed = None
    if minutes > 0:
        left = sum(p.delivered + p.failed for p in recent)
        growth = points[-1].queued - points[-1 - len(recent)].queued
        draining = left / minutes
        arriving = max((growth + left) / minutes, 0.0)
        if queued == 0:
            drain_observed = timedelta(0)
        elif draining - arriving > 0:
            drain_observed = timedelta(minutes=queued / (draining - arriving))
        elif draining > 0 and queued <= draining * RATE_WINDOW:
            # Steady: the queue is a few minutes of flow and leaves as fast as it comes.
            drain_observed = timedelta(minutes=queued / draining)
    else:
        notes.append("Fewer than two samples in the window: no rates yet "
                     "(the sampler takes one a minute).")
    suspended = [lim.suspended_until for lim in limits
                 if lim.suspended_until is not None and lim.suspended_until > now]
    resume_at = max(suspended) if suspended else None
    rates = [_path_rate(lim, pace, rate_per_second) for lim in limits]
    allowed = sum(r for r in rates if r is not None) if limits and None not in rates else None
    if limits and allowed is None:
        notes.append("The allowed rate is unknown: no max_message_rate and no observed "
                     "per-connection pace to turn connection_limit into a rate.")
    drain_allowed = None
    growing = False
    if allowed is not None:
        wait = (resume_at - now) if resume_at else timedelta(0)
        backlog = queued + (arriving or 0.0) * wait.total_seconds() / 60
        spare = allowed - (arriving or 0.0)
        growing = spare <= 0 and (arriving or 0.0) > 0
        if spare > 0:
            drain_allowed = wait + timedelta(minutes=backlog / spare)
    return DrainEstimate(
        queued=queued, arriving_per_min=arriving, draining_per_min=draining,
        allowed_per_min=allowed,
        allowed_basis=_basis(limits, pace, pace_source) if allowed is not None else "",
        per_connection_pace=pace, resume_at=resume_at, paths=len(limits),
        suspended_paths=len(suspended), drain_observed=drain_observed,
        drain_allowed=drain_allowed, growing_faster_than_allowed=growing, notes=tuple(notes),
        allowed_is_ceiling=allowed is not None and _ceiling_only(limits, pace),
    )


def _basis(limits: Sequence[PathLimit], pace: float | None, pace_source: str = "") -> str:
    first = limits[0]
    same = all((lim.max_message_rate, lim.connection_limit)
               == (first.max_message_rate, first.connection_limit) for lim in limits)
    parts = []
    if same:
        if first.max_message_rate:
            parts.append(f"max_message_rate {first.max_message_rate} ({first.rate_origin})")
        if first.connection_limit is not None:
            parts.append(f"connection_limit {first.connection_limit} ({first.limit_origin})")
        text = f"{len(limits)} paths, each " + " and ".join(parts)
    else:
        text = f"{len(limits)} paths with their own limits"
    if pace is not None:
        text += f"; one connection delivers about {pace:,.0f}/min here"
        if pace_source:
            text += f" ({pace_source})"
    elif _ceiling_only(limits, pace):
        text += ("; connection_limit bounds them too, at a pace per connection not seen in "
                 "the history, so this is the most they could do")
    return text


def counted_overrides(limits: Sequence[PathLimit]) -> list[tuple[BotOverride, list[str]]]:
    """The bot's own overrides the allowed rate counts, each with the sources it sets."""
    found: dict[BotOverride, set[str]] = {}
    for lim in limits:
        for override in lim.bot_overrides:
            found.setdefault(override, set()).add(lim.source)
    return [(o, sorted(found[o])) for o in sorted(found, key=lambda o: (o.key, o.value))]


def override_words(override: BotOverride, sources: Sequence[str]) -> str:
    """``max_message_rate=30/min on ip-1``: one counted override, without its time."""
    return f"{override.key}={override.value} on {', '.join(sources)}"


def sparkline(values: Sequence[float]) -> str:
    """``▁▂▄█``: the shape of a series in one line of text (flat stays at the middle)."""
    if not values:
        return ""
    low, high = min(values), max(values)
    if high == low:
        return (SPARK[3] if high else SPARK[0]) * len(values)
    span = high - low
    return "".join(SPARK[min(int((v - low) / span * len(SPARK)), len(SPARK) - 1)]
                   for v in values)


def format_span(span: timedelta | None) -> str:
    """``2 h 05 min``, ``12 min``, ``under a minute``; None is ``never at this rate``."""
    if span is None:
        return "never at this rate"
    minutes = int(span.total_seconds() // 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest:02d} min"
    return f"{hours // 24} d {hours % 24} h"
