"""Clicks on a guarded write's card: Confirm, Cancel, Approve, Deny.

The listener acks at once and hands the click to the worker pool.  A click Slack
delivers twice (same ``action_ts``) runs once; with replicas, the atomic
pending -> executing UPDATE in SQL is the real guarantee.  The card is updated in
place with what became of the request; a refused click (self-approval, an approver
not listed, expired) is told to the clicker only, and the card stays as it was.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.adapters.slack.ids import ActionId
from bot.adapters.slack.redelivery import first_delivery
from bot.adapters.slack.text import escape
from bot.adapters.slack.views_guard import build_guard_card
from bot.core.answers_guard import GuardAnswer
from bot.core.audit import Actor
from bot.core.errors import BotError
from bot.ports import IdempotencyKeys
from bot.services import Services
from bot.use_cases import guarded

if TYPE_CHECKING:
    from bot.adapters.slack.app import WorkPool

log = logging.getLogger(__name__)

_PRESSES: dict[str, guarded.Press] = {
    ActionId.GUARD_CONFIRM.value: "agree", ActionId.GUARD_APPROVE.value: "agree",
    ActionId.GUARD_CANCEL.value: "cancel", ActionId.GUARD_DENY.value: "deny",
}


def register_guard_listeners(app: App, *, services: Services, pool: WorkPool,
                             keys: IdempotencyKeys) -> None:
    """Attach the card's button listeners to ``app``."""

    def handle_guard_click(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        pool.submit(click_once, services, keys, body, client)

    for action in _PRESSES:
        app.action(action)(handle_guard_click)


def click_once(services: Services, keys: IdempotencyKeys, body: dict[str, Any],
               client: WebClient) -> None:
    """Apply one click unless Slack already delivered it (same ``action_ts``)."""
    action = (body.get("actions") or [{}])[0]
    if first_delivery(keys, "action_ts", str(action.get("action_ts") or "")):
        apply_click(services, body, client)


def apply_click(services: Services, body: dict[str, Any], client: WebClient) -> None:
    """Press the button for the clicker and show the result on the card."""
    action = (body.get("actions") or [{}])[0]
    user = body.get("user") or {}
    by = Actor(id=str(user.get("id", "")), name=str(user.get("username") or user.get("name")
                                                    or ""))
    container = body.get("container") or {}
    channel = str(container.get("channel_id") or (body.get("channel") or {}).get("id") or "")
    ts = str(container.get("message_ts") or "")
    try:
        answer = guarded.press(services, str(action.get("value", "")), by=by,
                               what=_PRESSES[str(action.get("action_id"))])
    except BotError as exc:
        text = f":x: {escape(exc.message)}" + (f"\n{escape(exc.hint)}" if exc.hint else "")
        client.chat_postEphemeral(channel=channel, user=by.id, text=text)
        return
    except Exception:  # the one edge where a bug becomes a message with an id to quote
        incident = uuid.uuid4().hex[:12]
        log.exception("unexpected error on a guard click (id %s)", incident)
        client.chat_postEphemeral(channel=channel, user=by.id,
                                  text=f":boom: Something went wrong; quote id `{incident}`.")
        return
    update_card(client, channel, ts, answer)


def update_card(client: WebClient, channel: str, ts: str, answer: GuardAnswer) -> None:
    """Show the request's new state on its card (a new message when the card is unknown)."""
    blocks = build_guard_card(answer)
    if ts:
        client.chat_update(channel=channel, ts=ts, text=answer.action, blocks=blocks)
    else:
        client.chat_postMessage(channel=channel, text=answer.action, blocks=blocks)
