"""Slack identifiers in one place: the slash command and every action id."""

from __future__ import annotations

from enum import StrEnum

COMMAND = "/kumo"


class ActionId(StrEnum):
    """action_id values of the bot's buttons."""

    RUN_COMMAND = "kumo_run_command"
