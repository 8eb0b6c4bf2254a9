"""The answer of ``/kumo audit``: the record, newest first."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field

from bot.core.answers import AnswerBase
from bot.core.audit import AuditEvent


class AuditAnswer(AnswerBase):
    """``audit [--user U] [--since DUR] [--incident ID] [--limit N]``."""

    kind: Literal["audit"] = "audit"
    events: list[AuditEvent] = Field(default_factory=list)
    user: str | None = None
    since: timedelta | None = None
    incident: str | None = None
    limit: int
    more: bool = Field(False, description="older events match too; raise --limit to see them")
