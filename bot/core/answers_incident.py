"""The answers of ``/kumo incident ...``: the incident card, its status, the list.

``IncidentAnswer`` is the card (started, noted, resolved); with ``wants_channel`` the
Slack side creates the incident's channel, invites the requester and posts the card
there (``bot.adapters.slack.incident_channel``), then records the channel.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from bot.core.answers import AnswerBase
from bot.core.holds import Hold
from bot.core.incidents import Incident, TimelineEntry
from bot.core.models import Model

IncidentEvent = Literal["started", "noted", "resolved", "already-resolved"]
HoldSide = Literal["tsa", "bot", "out-of-band"]


class IncidentAnswer(AnswerBase):
    """``incident start`` / ``note`` / ``resolve``: the incident card and what just happened."""

    kind: Literal["incident"] = "incident"
    incident: Incident
    event: IncidentEvent
    note: str | None = Field(None, description="the note just recorded (untrusted text)")
    wants_channel: bool = Field(False, description="start --channel: the Slack side makes it")
    channel_name: str | None = Field(None, description="the name the new channel should get")
    out_of_band: list[TimelineEntry] = Field(
        default_factory=list, description="holds made outside the bot, first seen now")
    channel_problem: str | None = Field(None, description="why the channel could not be made")


class IncidentHold(Model):
    """A hold now on one of the incident's domains, and who made it."""

    hold: Hold
    side: HoldSide


class PendingLine(Model):
    """A guarded request filed under the incident that still waits for Confirm or sign-off."""

    request_id: str
    verb: str
    command_text: str
    requester: str
    decision: str
    approvals: list[str] = Field(default_factory=list)
    approvals_needed: int = 1
    expires: datetime


class FindingLine(Model):
    """One finding of ``diagnose`` for one of the incident's domains."""

    domain: str
    severity: str
    verdict: str
    first_step: str


class PlaybookRunLine(Model):
    """One playbook run filed under the incident (filled by the playbooks side)."""

    run_id: str
    playbook: str
    state: str
    started_at: datetime
    started_by: str | None = None
    step: str | None = Field(None, description="the step it is at, in words")


class IncidentStatusAnswer(AnswerBase):
    """``incident status``: domains, holds now, last findings, pending approvals, playbooks."""

    kind: Literal["incident-status"] = "incident-status"
    incident: Incident
    holds: list[IncidentHold] = Field(default_factory=list)
    findings: list[FindingLine] = Field(default_factory=list)
    findings_source: str = Field("", description="where the findings come from, in words")
    findings_problems: list[str] = Field(default_factory=list)
    pending: list[PendingLine] = Field(default_factory=list)
    playbook_runs: list[PlaybookRunLine] | None = Field(
        None, description="None: playbook runs are not available in this process")
    out_of_band: list[TimelineEntry] = Field(default_factory=list)
    timeline_size: int = 0
    recent: list[TimelineEntry] = Field(default_factory=list, description="the last entries")


class IncidentListAnswer(AnswerBase):
    """``incident list``: open incidents first, then recently resolved ones."""

    kind: Literal["incident-list"] = "incident-list"
    incidents: list[Incident] = Field(default_factory=list)
