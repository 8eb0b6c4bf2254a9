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
    # A playbook run's step buttons; a choice's id is PLAYBOOK_CHOOSE-<n> (unique per block).
    PLAYBOOK_CHOOSE = "kumo_playbook_choose"
    # "Choose differently" from diagnose's decision: PLAYBOOK_OVERRIDE-<n>, like a choice.
    PLAYBOOK_OVERRIDE = "kumo_playbook_override"
    PLAYBOOK_DONE = "kumo_playbook_done"
    PLAYBOOK_CONTINUE = "kumo_playbook_continue"
    PLAYBOOK_ABANDON = "kumo_playbook_abandon"
    PLAYBOOK_RESUME = "kumo_playbook_resume"


class CallbackId(StrEnum):
    """callback_id values of the bot's modals, and the ids of their inputs."""

    GUARD_OVERRIDE = "kumo_guard_override"  # the approver types why the evidence is overridden
    OVERRIDE_BLOCK = "override"
    OVERRIDE_REASON = "reason"
