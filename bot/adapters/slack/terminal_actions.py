"""Pressing a numbered choice in the terminal: a real ``block_actions`` payload.

BOLT-NOTES 8: typing ``1`` synthesises what Slack would send when the acting person
clicks that button: the user, the message's container (channel and ``ts``), the
action's ``action_id``, ``block_id`` and ``value``, a fresh ``action_ts``, a
``response_url`` from the emulator and a ``trigger_id`` from
``emulator.new_trigger_id``.  The terminal dispatches it through the real listeners.
"""

from __future__ import annotations

import time
from typing import Any

from bot.adapters.slack.emulator_model import EmulatorEvent
from bot.adapters.slack.render import Choice


def block_action_payload(choice: Choice, event: EmulatorEvent, *, user_id: str,
                         user_name: str, response_url: str, trigger_id: str) -> dict[str, Any]:
    """The payload Slack sends when ``user_id`` clicks ``choice`` on ``event``'s message."""
    container: dict[str, Any] = {"type": "message", "message_ts": event.ts,
                                 "channel_id": event.channel, "is_ephemeral": False}
    if event.thread_ts:
        container["thread_ts"] = event.thread_ts
    return {
        "type": "block_actions",
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": "T0LOCAL"},
        "api_app_id": "A0KUMOBOT",
        "token": "local",
        "trigger_id": trigger_id,
        "container": container,
        "team": {"id": "T0LOCAL", "domain": "local"},
        "channel": {"id": event.channel, "name": event.channel_name},
        "message": {"ts": event.ts, "text": event.text, "blocks": event.blocks or []},
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [{
            "action_id": choice.action_id, "block_id": choice.block_id,
            "type": choice.element_type or "button", "value": choice.value,
            "text": {"type": "plain_text", "text": choice.label},
            "action_ts": f"{time.time():.6f}",
        }],
    }
