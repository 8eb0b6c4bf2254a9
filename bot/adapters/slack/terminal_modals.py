"""Modals in the terminal: each input is asked for on its own line (BOLT-NOTES 8.5).

When the bot opens a modal (``views.open``), the terminal prints it and reads the
next lines as the answers to its input blocks, in order; then it synthesises the
``view_submission`` payload Slack would send and dispatches it through the real
listeners.  A listener that answers ``response_action="errors"`` keeps the modal
open: the error is shown and the answer asked for again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.adapters.slack.emulator_model import JsonDict


@dataclass(frozen=True)
class ModalInput:
    """One text input of a modal: where its value goes, and what it asks."""

    block_id: str
    action_id: str
    label: str


def modal_inputs(view: JsonDict) -> list[ModalInput]:
    """The modal's text inputs, in order."""
    found: list[ModalInput] = []
    for block in view.get("blocks") or []:
        element = block.get("element") or {}
        if block.get("type") == "input" and element.get("type") == "plain_text_input":
            label = block.get("label") or {}
            found.append(ModalInput(str(block.get("block_id", "")),
                                    str(element.get("action_id", "")),
                                    str(label.get("text", "")) if isinstance(label, dict)
                                    else ""))
    return found


def view_submission_payload(view: JsonDict, answers: dict[ModalInput, str], *, user_id: str,
                            user_name: str, trigger_id: str) -> dict[str, Any]:
    """What Slack sends when ``user_id`` submits ``view`` with ``answers``."""
    values: dict[str, dict[str, Any]] = {}
    for field, value in answers.items():
        values.setdefault(field.block_id, {})[field.action_id] = {"type": "plain_text_input",
                                                                  "value": value}
    return {
        "type": "view_submission",
        "team": {"id": "T0LOCAL", "domain": "local"},
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": "T0LOCAL"},
        "api_app_id": "A0KUMOBOT",
        "token": "local",
        "trigger_id": trigger_id,
        "view": {**view, "state": {"values": values}},
    }


def submission_errors(body: str) -> dict[str, str]:
    """The per-block errors a listener acked with (empty: the modal was accepted)."""
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except ValueError:
        return {}
    errors = data.get("errors") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in errors.items()} if isinstance(errors, dict) else {}
