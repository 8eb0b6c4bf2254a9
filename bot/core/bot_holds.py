"""Holds the bot created, as it recorded them (DESIGN 5).

kumod lists ``--queue`` rules with every criterion empty and forgets holds when it
restarts, so for the bot's own holds the criteria, the stable id and the per-node
UUIDs come from this record, never from kumod's echo.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import Field

from bot.core.hold_ids import HoldCriteria, HoldKind
from bot.core.holds import Hold
from bot.core.models import Model
from bot.core.queuenames import split_ready_queue


class BotHold(Model):
    """One hold the bot made: its stable id, criteria, expiry and each node's UUID."""

    hold_id: str
    request_id: str
    kind: HoldKind
    criteria: dict[str, str | None]
    reason: str
    node_uuids: dict[str, str] = Field(default_factory=dict)
    created: datetime
    expires: datetime


class BotHoldInfo(Model):
    """One of the bot's holds as ``holds`` shows it: its record, who asked, who approved."""

    hold: BotHold
    requested_by: str
    approved_by: tuple[str, ...] = ()
    """Empty for a change: its requester confirmed it."""


def unlisted_hold(record: BotHold, *, now: datetime, asked: Sequence[str]) -> Hold:
    """One of the bot's holds that no node asked lists (a restart forgot it), as a hold."""
    criteria = HoldCriteria(**record.criteria)
    ready = split_ready_queue(criteria.name) if criteria.name else None
    return Hold(hold_id=record.hold_id, kind=record.kind, name=criteria.name,
                source=ready.source if ready else None, site=ready.site if ready else None,
                campaign=criteria.campaign, tenant=criteria.tenant, domain=criteria.domain,
                routing_domain=criteria.routing_domain, reason=record.reason, origin="manual",
                remaining=max(record.expires - now, timedelta(0)), expires=record.expires,
                missing_on=tuple(asked))
