"""Holds the bot created, as it recorded them (DESIGN 5).

kumod lists ``--queue`` rules with every criterion empty and forgets holds when it
restarts, so for the bot's own holds the criteria, the stable id and the per-node
UUIDs come from this record, never from kumod's echo.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from bot.core.hold_ids import HoldKind
from bot.core.models import Model


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
