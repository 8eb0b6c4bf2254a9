"""Timed jobs: what the scheduler hands to a job handler.

A job has a name (which handler runs it), a payload, a due time and, when it repeats,
an interval.  The scheduler (``bot.adapters.scheduler``) claims due jobs with a lease
so that each runs once across replicas; handlers are registered by name.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pydantic import Field

from bot.core.models import Model


class Job(Model):
    """One claimed run of a job."""

    id: int
    name: str
    key: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    due_at: datetime
    every: timedelta | None = None
    attempts: int = 1


def retry_delay(attempts: int) -> timedelta:
    """How long to wait before trying a failed job again: 30 s, 1 min, 2 min, ... up to 1 h."""
    return min(timedelta(seconds=30 * 2 ** max(attempts - 1, 0)), timedelta(hours=1))
