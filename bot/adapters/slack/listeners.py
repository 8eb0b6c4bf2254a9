"""Thin listeners, registered in one place.

A listener acks, then hands the request to the bot's worker pool; the worker
calls one service, builds a view and posts it for the channel to see.  Posting
falls back to the command's ``response_url`` (in channel) when the bot is not a
member of the channel.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot.adapters.slack.chart_upload import upload_answer_chart
from bot.adapters.slack.ids import COMMAND
from bot.adapters.slack.incident_channel import open_incident_channel
from bot.adapters.slack.listeners_guard import register_guard_listeners, remember_card
from bot.adapters.slack.listeners_playbook import SlackRunMessenger, register_playbook_listeners
from bot.adapters.slack.postmortem_upload import upload_postmortem_files
from bot.adapters.slack.progress import SlackProgress, progress_title
from bot.adapters.slack.redelivery import first_delivery
from bot.adapters.slack.text import clip, code
from bot.adapters.slack.views import Message, build_answer_message, build_crash_message
from bot.core.answers import AnswerBase
from bot.core.answers_incident import IncidentAnswer
from bot.core.audit import Actor
from bot.ports import IdempotencyKeys
from bot.services import RequestContext, Services

if TYPE_CHECKING:
    from bot.adapters.slack.app import WorkPool

log = logging.getLogger(__name__)

# Posting to a channel the bot cannot write to: fall back to the response_url.
_FALLBACK_ERRORS = {"not_in_channel", "channel_not_found", "is_archived", "restricted_action"}


def transport_of(request: BoltRequest) -> str:
    """Which road a request came by: the terminal, Socket Mode or HTTP."""
    if request.context.get("kumo_transport"):
        return str(request.context["kumo_transport"])
    return "slack-socket" if request.mode == "socket_mode" else "slack-http"


def register_listeners(
    app: App, *, services: Services, pool: WorkPool, keys: IdempotencyKeys
) -> None:
    """Attach every listener of the bot to ``app``."""

    def handle_kumo_command(
        ack: Ack, body: dict[str, Any], client: WebClient, request: BoltRequest
    ) -> None:
        text = str(body.get("text") or "")
        shown = clip(" ".join(text.split()), 200)
        # The ack goes first and touches nothing slow; the redelivery check (a SQL
        # write) runs on the worker, before anything is answered or audited.
        ack(text=f"⏳ Working on {code(f'{COMMAND} {shown}'.strip())}…")
        pool.submit(answer_once, services, keys, body, client, transport_of(request))

    app.command(COMMAND)(handle_kumo_command)
    register_guard_listeners(app, services=services, pool=pool, keys=keys)
    register_playbook_listeners(app, services=services, pool=pool, keys=keys)


def answer_once(
    services: Services,
    keys: IdempotencyKeys,
    body: dict[str, Any],
    client: WebClient,
    transport: str,
) -> None:
    """Answer a slash command unless Slack already delivered it (same ``trigger_id``)."""
    if first_delivery(keys, "trigger_id", str(body.get("trigger_id") or "")):
        answer_command(services, body, client, transport)


def answer_command(
    services: Services, body: dict[str, Any], client: WebClient, transport: str
) -> None:
    """Run one slash command on a worker and post the answer where it was asked."""
    text = str(body.get("text") or "")
    progress = SlackProgress(client, str(body.get("channel_id") or ""), what=progress_title(text))
    ctx = RequestContext(
        actor=Actor(id=str(body.get("user_id", "")), name=str(body.get("user_name", ""))),
        transport=transport,
        channel=body.get("channel_id"),
        thread_ts=None,
        progress=progress.report,
        messenger=SlackRunMessenger(client, services),  # `playbook start` shows its run here
    )
    answer: AnswerBase | None = None
    try:
        answer = services.handle(text, ctx)
        if isinstance(answer, IncidentAnswer) and answer.wants_channel:
            answer = open_incident_channel(services, client, answer, requester=ctx.actor.id,
                                           text=text)
        message = build_answer_message(answer, asked_by=ctx.actor.id, text=text)
    except Exception:  # the one edge where a bug becomes a message with an id to quote
        incident = uuid.uuid4().hex[:12]
        log.exception("unexpected error answering %r (id %s)", clip(text, 200), incident)
        message = build_crash_message(incident, asked_by=ctx.actor.id, text=text)
    if not progress.finish(message.text, message.blocks):  # a long scan's placeholder
        posted = post_message(client, body, message)
        if posted is not None and answer is not None:  # a guarded write's card: where it is
            remember_card(services, answer, str(body.get("channel_id") or ""), posted)
    if answer is not None:
        upload_answer_chart(client, str(body.get("channel_id") or ""), answer)
        upload_postmortem_files(client, str(body.get("channel_id") or ""), answer)


def post_message(client: WebClient, body: dict[str, Any], message: Message) -> str | None:
    """Post in the channel; if the bot is not a member, reply in channel via response_url.

    Returns the message's ``ts`` when it was posted in the channel (None by response_url)."""
    channel = str(body.get("channel_id") or "")
    try:
        posted = client.chat_postMessage(
            channel=channel,
            text=message.text,
            blocks=message.blocks,
            unfurl_links=False,
            unfurl_media=False,
        )
        return str(posted.get("ts") or "") or None
    except SlackApiError as exc:
        error = exc.response.get("error") if exc.response is not None else None
        if error not in _FALLBACK_ERRORS or not body.get("response_url"):
            raise
        log.info("chat.postMessage to %s failed (%s); using response_url", channel, error)
    WebhookClient(url=str(body["response_url"])).send(
        response_type="in_channel",
        text=message.text,
        blocks=message.blocks,
        unfurl_links=False,
        unfurl_media=False,
    )
    return None
