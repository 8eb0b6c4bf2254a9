"""Clicks on a guarded write's card: Confirm, Cancel, Approve, Deny.

The listener acks at once and hands the click to the worker pool.  A click Slack
delivers twice (same ``action_ts``) runs once; with replicas, the atomic
pending -> executing UPDATE in SQL is the real guarantee.  The card is updated in
place with what became of the request; a refused click (self-approval, an approver
not listed, expired) is told to the clicker only, and the card stays as it was.

An Approve that goes against the evidence needs a typed reason: the click opens a
modal (``views.open`` with the click's ``trigger_id``) and the ``view_submission``
listener approves with what was typed (a blank or too short reason keeps the modal
open with an error; a submission delivered twice runs once).
"""

from __future__ import annotations

import json
import logging
import uuid
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.clicks import clicker, read_click
from bot.adapters.slack.ids import ActionId, CallbackId
from bot.adapters.slack.redelivery import first_delivery
from bot.adapters.slack.text import escape
from bot.adapters.slack.views_guard import (
    OVERRIDE_MIN_CHARS,
    build_guard_card,
    build_override_modal,
)
from bot.core.answers import AnswerBase
from bot.core.answers_guard import GuardAnswer
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

    def handle_override_submission(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        reason = override_reason(body)
        if len(reason) < OVERRIDE_MIN_CHARS:  # Slack shows this under the input; modal stays
            ack(response_action="errors", errors={CallbackId.OVERRIDE_BLOCK.value: (
                f"Say why in a sentence (at least {OVERRIDE_MIN_CHARS} characters).")})
            return
        ack()
        pool.submit(submit_once, services, keys, body, client, reason)

    app.view(CallbackId.GUARD_OVERRIDE.value)(handle_override_submission)


def click_once(services: Services, keys: IdempotencyKeys, body: dict[str, Any],
               client: WebClient) -> None:
    """Apply one click unless Slack already delivered it (same ``action_ts``)."""
    action = (body.get("actions") or [{}])[0]
    if first_delivery(keys, "action_ts", str(action.get("action_ts") or "")):
        apply_click(services, body, client)


def apply_click(services: Services, body: dict[str, Any], client: WebClient) -> None:
    """Press the button for the clicker and show the result on the card."""
    click = read_click(body)
    action, by, channel, ts = click.action, click.by, click.channel, click.message_ts
    request_id, what = str(action.get("value", "")), _PRESSES[str(action.get("action_id"))]
    try:
        card = guarded.override_needed(services, request_id, by=by) if what == "agree" else None
        if card is not None:  # against the evidence: the approver types why, in a modal
            try:
                client.views_open(trigger_id=str(body.get("trigger_id") or ""),
                                  view=build_override_modal(card, channel=channel, ts=ts))
            except SlackApiError as exc:  # e.g. the click's trigger_id expired (3 s)
                log.warning("could not open the override form: %s", exc)
                client.chat_postEphemeral(channel=channel, user=by.id, text=(
                    ":hourglass: Slack did not open the override form in time; press "
                    "Approve again."))
            return
        answer = guarded.press(services, request_id, by=by, what=what)
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


def remember_card(services: Services, answer: AnswerBase, channel: str, ts: str) -> None:
    """Keep where a guarded request's card was posted, so a timed job can update it."""
    if isinstance(answer, GuardAnswer) and answer.state in ("pending", "approved-once"):
        guarded.card_posted(services, answer.request_id, channel=channel, ts=ts)


def override_reason(body: dict[str, Any]) -> str:
    """The reason typed in the override modal (empty when none)."""
    values = ((body.get("view") or {}).get("state") or {}).get("values") or {}
    typed = (values.get(CallbackId.OVERRIDE_BLOCK.value) or {}).get(
        CallbackId.OVERRIDE_REASON.value) or {}
    return str(typed.get("value") or "").strip()


def submit_once(services: Services, keys: IdempotencyKeys, body: dict[str, Any],
                client: WebClient, reason: str) -> None:
    """Approve with the typed override reason, unless Slack delivered this submission before."""
    view = body.get("view") or {}
    if not first_delivery(keys, "view_submission", f"{view.get('id')}:{view.get('hash')}"):
        return
    meta = json.loads(str(view.get("private_metadata") or "{}"))
    by = clicker(body)
    channel, ts = str(meta.get("channel") or ""), str(meta.get("ts") or "")
    try:
        answer = guarded.press(services, str(meta.get("request_id") or ""), by=by, what="agree",
                               override_reason=reason)
    except BotError as exc:
        text = f":x: {escape(exc.message)}" + (f"\n{escape(exc.hint)}" if exc.hint else "")
        client.chat_postEphemeral(channel=channel, user=by.id, text=text)
        return
    update_card(client, channel, ts, answer)


def update_card(client: WebClient, channel: str, ts: str, answer: GuardAnswer) -> None:
    """Show the request's new state on its card (a new message when the card is unknown)."""
    blocks = build_guard_card(answer)
    text = escape(answer.action)  # the fallback is mrkdwn too; the action quotes the reason
    if ts:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks)
    else:
        client.chat_postMessage(channel=channel, text=text, blocks=blocks)
