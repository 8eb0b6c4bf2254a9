"""The audit record: one row per command, decision, approval, execution or step.

Every service call writes one (DESIGN 7).  A change writes an ``intent`` row before
it acts and ``outcome`` rows after, linked by ``correlation_id``.  Secrets never go
in here: the command text is what the person typed, and the parsed form holds
arguments, never credentials.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from bot.core.models import Model

Phase = Literal["command", "intent", "outcome", "decision", "approval", "step", "note"]
Outcome = Literal["ok", "error", "refused", "partial", "rejected-input", "unknown"]


class Actor(Model):
    """Who acted: a Slack user (id and name) or the terminal user."""

    id: str
    name: str = ""


class AuditEvent(Model):
    """One row of the audit log."""

    at: datetime
    actor: Actor
    transport: str  # "slack-http" | "slack-socket" | "terminal" | "cli" | "watch"
    channel: str | None = None
    thread_ts: str | None = None
    command_text: str = ""
    parsed: dict[str, Any] = Field(default_factory=dict)
    action_class: str = "read"  # "read" | "change" | "dangerous"
    phase: Phase = "command"
    decision: str | None = None
    reasons: list[str] = Field(default_factory=list)
    outcome: Outcome = "ok"
    detail: str = ""
    nodes: list[str] = Field(default_factory=list)
    duration_ms: int = 0
    incident_id: str | None = None
    correlation_id: str
