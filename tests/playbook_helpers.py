"""Driving playbook runs through real signed Slack requests and the local Slack emulator."""

from __future__ import annotations

import itertools
import json
import time
from typing import Any

from slack_bolt import BoltRequest

from bot.adapters.slack.app import SlackBot, local_authorize, make_web_client
from bot.adapters.slack.emulator import SlackEmulator
from bot.adapters.slack.emulator_model import Message
from bot.ports import IdempotencyKeys
from bot.services import Services
from tests.slack_helpers import SECRET, form, signed_headers, slash_body

CHANNEL = "C0INCIDENT"
_ACTION_TS = itertools.count(1)


class SignedSlack:
    """A bot in HTTP mode (signed requests) posting to the emulator, and ways to click."""

    def __init__(self, services: Services, emulator: SlackEmulator,
                 keys: IdempotencyKeys | None = None) -> None:
        self.emulator = emulator
        self.bot = SlackBot(services, client=make_web_client("xoxb-test", emulator.api_url),
                            signing_secret=SECRET, authorize=local_authorize(), keys=keys)

    def close(self) -> None:
        self.wait()
        self.bot.pool.shutdown()

    def wait(self) -> None:
        self.bot.pool.wait_idle(timeout=120)
        self.emulator.wait_idle(quiet_for=0.1, timeout=30)

    def command(self, text: str, *, user: str = "U0ALICE") -> None:
        """``/kumo TEXT`` as Slack sends it: form-encoded and signed."""
        raw = form(slash_body(text, user=user,
                              response_url=self.emulator.new_response_url(CHANNEL, user)))
        response = self.bot.app.dispatch(BoltRequest(body=raw, headers=signed_headers(raw)))
        assert response.status == 200, response.body
        self.wait()

    def click(self, message: Message, label: str, *, user: str = "U0ALICE",
              action_ts: str | None = None, wait: bool = True) -> None:
        """Press the button of ``message`` whose text starts with ``label``, signed."""
        block_id, element = button(message, label)
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": "T0LOCAL"},
            "api_app_id": "A0KUMOBOT", "token": "legacy", "team": {"id": "T0LOCAL"},
            "container": {"type": "message", "message_ts": message.ts, "channel_id": CHANNEL,
                          "thread_ts": message.thread_ts, "is_ephemeral": False},
            "channel": {"id": CHANNEL, "name": "incident"},
            "message": message.as_slack_dict(),
            "trigger_id": f"{next(_ACTION_TS)}.1.t",
            "response_url": self.emulator.new_response_url(CHANNEL, user,
                                                           message_ts=message.ts),
            "actions": [{"action_id": element["action_id"], "block_id": block_id,
                         "value": element["value"], "type": "button",
                         "text": element["text"],
                         "action_ts": action_ts or f"{time.time():.6f}{next(_ACTION_TS)}"}],
        }
        raw = form({"payload": json.dumps(payload)})
        response = self.bot.app.dispatch(BoltRequest(body=raw, headers=signed_headers(raw)))
        assert response.status == 200, response.body
        if wait:
            self.wait()


def button(message: Message, label: str) -> tuple[str, dict[str, Any]]:
    """The (block id, element) of the button whose text starts with ``label``."""
    for block in message.blocks or []:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if str(element["text"]["text"]).lstrip("✓ ").startswith(label):
                return str(block.get("block_id", "")), element
    raise AssertionError(f"no button {label!r} on {message.text!r}")


def labels(message: Message) -> list[str]:
    """Every button's text on ``message``."""
    return [str(e["text"]["text"]) for b in message.blocks or [] if b.get("type") == "actions"
            for e in b.get("elements", [])]


def run_parent(emulator: SlackEmulator) -> Message:
    """The newest run card in the channel (a run's parent message)."""
    cards = [m for m in emulator.messages(CHANNEL) if m.text.startswith("Playbook ")]
    assert cards, "no run card in the channel"
    return cards[-1]


def thread(emulator: SlackEmulator) -> list[Message]:
    """The messages in the newest run's thread, oldest first."""
    parent = run_parent(emulator)
    return [m for m in emulator.replies(CHANNEL, parent.ts) if m.ts != parent.ts]


def step_message(emulator: SlackEmulator, title: str) -> Message:
    """The newest message of the run's thread for the step titled ``title``."""
    found = [m for m in thread(emulator) if f"*{title}*" in json.dumps(m.blocks)]
    assert found, f"no step {title!r} in the thread"
    return found[-1]


def text_of(message: Message) -> str:
    """Everything a message says (its blocks as JSON text)."""
    return json.dumps(message.blocks, ensure_ascii=False)
