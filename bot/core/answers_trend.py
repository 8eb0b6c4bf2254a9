"""The answer of ``trend DOMAIN``: the scope's queue over time and when it will be empty."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from bot.core.answers import AnswerBase
from bot.core.trend import DrainEstimate, PathLimit, TrendPoint


class TrendAnswer(AnswerBase):
    """Queued / delivered / deferred over time for a scope, with the drain estimate."""

    kind: Literal["trend"] = "trend"
    domain: str
    scope_sentence: str
    since: timedelta
    step: timedelta | None = None
    """The points' spacing before the newest few (None: every sample, one a minute)."""
    points: list[TrendPoint]
    estimate: DrainEstimate
    limits: list[PathLimit]
    first_sample: datetime | None = None
    last_sample: datetime | None = None
    shaping_at: datetime | None = None
    """When the limits shown hold: when the paths resume, or now."""
