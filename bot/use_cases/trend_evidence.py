"""``diagnose``'s use of the metric history: does the queue grow faster than it can drain?

The same arithmetic as ``trend`` (``bot.core.trend``), over the last half hour, with the
holds and TSA state ``diagnose`` has already read: one evidence line on the lead
finding, and "queue history" among what was checked.  Without history (no sampler, or
fewer than two samples) the diagnosis is left as it was.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.diagnosis_model import Diagnosis, Line, Piece
from bot.core.holds import Hold
from bot.core.scope import Scope
from bot.core.trend import (
    counted_overrides,
    drain_estimate,
    format_span,
    override_words,
    scope_trend,
)
from bot.use_cases.trend import (
    TREND_KINDS,
    history_pace,
    path_limits,
    readable_rates,
    wanted_series,
)

if TYPE_CHECKING:
    from bot.core.models import TsaState
    from bot.services import Services

WINDOW = timedelta(minutes=30)


def with_drain_evidence(svc: Services, diagnosis: Diagnosis, scope: Scope,
                        holds: Sequence[Hold], tsa: TsaState, now: datetime) -> Diagnosis:
    """The diagnosis with the queue's growth against its legal drain rate, when known."""
    history = getattr(svc, "history", None)
    if history is None or not diagnosis.findings:
        return diagnosis
    snapshots = history.snapshots(since=now - WINDOW, kinds=TREND_KINDS,
                                  where=lambda key: wanted_series(scope, key))
    points = scope_trend(snapshots, scope)
    if len(points) < 2:
        return diagnosis
    limits, _ = path_limits(svc, scope, snapshots, holds, tsa, now)
    pace, pace_source = history_pace(history, now - WINDOW)
    est = drain_estimate(points, limits, now=now, pace=pace,
                         rate_per_second=readable_rates(limits), pace_source=pace_source)
    arriving, draining = est.arriving_per_min or 0.0, est.draining_per_min or 0.0
    words = (f"Queue history (last {int(WINDOW.total_seconds() // 60)} min): "
             f"{est.queued:,} queued, arriving {arriving:,.0f}/min, leaving {draining:,.0f}/min")
    if est.growing_faster_than_allowed:
        words += (f"; the shaping allows {est.allowed_per_min or 0:,.0f}/min: it is growing "
                  "faster than it can legally drain")
    elif est.allowed_per_min is not None:
        bound = "at least " if est.allowed_is_ceiling and est.drain_allowed else ""
        words += (f"; at the rate the shaping allows"
                  f"{' once the paths resume' if est.resume_at else ''}, it drains in "
                  f"{bound}{format_span(est.drain_allowed)}")
    counted = counted_overrides(limits)
    if counted and est.allowed_per_min is not None:
        words += ("; counting the bot's own override" + ("s " if len(counted) > 1 else " ")
                  + ", ".join(override_words(o, sources) for o, sources in counted))
    lead = diagnosis.findings[0]
    lead = lead.model_copy(update={"evidence": [*lead.evidence, Line(parts=[Piece(text=words)])]})
    return diagnosis.model_copy(update={
        "findings": [lead, *diagnosis.findings[1:]],
        "checked": [*diagnosis.checked, "queue history (metric sampler)"],
    })
