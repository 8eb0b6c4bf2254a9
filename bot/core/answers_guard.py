"""What guarded writes answer: the request card, and what came of running it (DESIGN 5)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from bot.core.admin_writes import NodeOutcome
from bot.core.answers import AnswerBase
from bot.core.models import Model

RequestState = Literal["pending", "approved-once", "executing", "done", "denied", "expired",
                       "stopped", "cancelled", "partial"]


class GuardReason(Model):
    """One rule the guard applied, in words, with the evidence it cites."""

    rule: str
    text: str
    evidence: list[str] = Field(default_factory=list)


class GuardAnswer(AnswerBase):
    """A guarded write: what will happen, why it is judged so, and where it stands."""

    kind: Literal["guarded"] = "guarded"
    request_id: str
    verb: str
    action: str = Field(description="what will happen, in one sentence")
    decision: Literal["confirm", "sign-off"]
    action_class: str
    requester: str
    state: RequestState = "pending"
    reasons: list[GuardReason] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    blast_radius: list[str] = Field(default_factory=list)
    approvals_needed: int = 0
    approvals: list[str] = Field(default_factory=list)
    override_required: bool = False
    override_reason: str | None = Field(default=None, description="the approver's typed reason")
    expires: datetime
    outcomes: list[NodeOutcome] = Field(default_factory=list)
    note: str = ""
