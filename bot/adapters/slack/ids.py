"""Slack identifiers in one place: the slash command and every action id."""

from __future__ import annotations

from enum import StrEnum

COMMAND = "/kumo"


class ActionId(StrEnum):
    """action_id values of the bot's buttons."""

    RUN_COMMAND = "kumo_run_command"
    GUARD_CONFIRM = "kumo_guard_confirm"  # a change: its requester confirms
    GUARD_CANCEL = "kumo_guard_cancel"  # a change: its requester cancels
    GUARD_APPROVE = "kumo_guard_approve"  # dangerous: another listed person approves
    GUARD_DENY = "kumo_guard_deny"  # dangerous: an approver denies
