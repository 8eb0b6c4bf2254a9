"""Reading a button click's body: which button, who pressed it, and on which message.

Slack puts the clicked message in ``container`` (``channel_id``, ``message_ts`` and,
in a thread, ``thread_ts``); older payloads and the terminal only give ``channel.id``.
Any field may be missing (a button on an old message, a hand-made payload): each
comes back empty rather than raising.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.core.audit import Actor


@dataclass(frozen=True)
class Click:
    """One button press, as the listeners need it."""

    action: dict[str, Any]
    by: Actor
    channel: str
    message_ts: str
    thread_ts: str | None


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def clicker(body: dict[str, Any]) -> Actor:
    """Who clicked (or submitted a modal): ``user.id`` and the best name Slack gave."""
    user = _mapping(body.get("user"))
    return Actor(id=str(user.get("id") or ""),
                 name=str(user.get("username") or user.get("name") or ""))


def read_click(body: dict[str, Any]) -> Click:
    """The first action of a ``block_actions`` body, its clicker and its message."""
    actions = body.get("actions")
    action = _mapping(actions[0]) if isinstance(actions, list) and actions else {}
    container = _mapping(body.get("container"))
    channel = str(container.get("channel_id") or _mapping(body.get("channel")).get("id") or "")
    thread_ts = container.get("thread_ts")
    return Click(action=action, by=clicker(body), channel=channel,
                 message_ts=str(container.get("message_ts") or ""),
                 thread_ts=str(thread_ts) if thread_ts else None)
