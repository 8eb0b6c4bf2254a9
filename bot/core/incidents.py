"""Incidents and their timeline, as values (DESIGN section 7).

An incident has an id and explicit membership: commands typed in its channel, or
carrying ``--incident ID``, belong to it.  Its time window (``opened_at`` to
``resolved_at``) is used only to compute impact numbers from the delivery logs.

The timeline is what happened, in order: audit events filed under the incident
(commands, guard decisions, approvals, changes and their per-node results, playbook
steps), notes, TSA actions from the diary, and holds that appeared in kumod's lists
without a bot record (out-of-band).  ``bot.use_cases.incidents`` assembles it;
``bot.use_cases.postmortem`` renders it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from bot.core.models import Model

IncidentStatus = Literal["open", "resolved"]

TimelineKind = Literal[
    "opened",  # the incident was started
    "command",  # a read command filed under the incident
    "request",  # a change was requested (guard decision: allowed, needs sign-off, refused)
    "approval",  # a second person signed off (or declined)
    "change",  # a change was executed, with its per-node results
    "note",  # a responder's note (``incident note``, a playbook note step)
    "playbook",  # a playbook run started, a step done, an answer given, the run ended
    "tsa",  # what TSA did (from the diary)
    "out-of-band",  # a hold or override that appeared without a bot record
    "resolved",  # the incident was resolved
]


class Incident(Model):
    """One incident: who opened it, for which domains, where it is discussed."""

    id: str = Field(description="short, stable, human-typable: `INC-20261129-1`")
    title: str
    domains: tuple[str, ...] = ()
    channel: str | None = Field(None, description="the Slack channel the incident lives in")
    status: IncidentStatus = "open"
    opened_by: str
    opened_at: datetime
    resolved_by: str | None = None
    resolved_at: datetime | None = None


class TimelineEntry(Model):
    """One line of the timeline.  ``text`` is plain words; untrusted texts go in ``quoted``."""

    at: datetime
    kind: TimelineKind
    actor: str | None = Field(None, description="who did it: a Slack user id, `tsa`, `kumod`")
    text: str
    quoted: str | None = Field(None, description="an untrusted text, shown verbatim")
    approver: str | None = None
    outcome: str | None = Field(None, description="ok / partial / refused / error ...")
    nodes: dict[str, str] = Field(default_factory=dict, description="per-node result of a change")
    correlation_id: str | None = None
