"""``SlackGuardNotifier``: the ``GuardNotifier`` port over the bot's Web API client.

Timed jobs (an expired request, a log filter's revert, holds re-applied after a kumod
restart) tell the channel through it: a card is updated in place with
``chat.update``, a line is posted with ``chat.postMessage``.  Text is escaped here.
A refusal from Slack is logged, never raised: the job's own work is done and audited.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.blocks import section
from bot.adapters.slack.text import escape
from bot.adapters.slack.views_guard import build_guard_card
from bot.core.answers_guard import GuardAnswer

log = logging.getLogger(__name__)


class SlackGuardNotifier:
    """Updates guarded requests' cards and posts what timed jobs did."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def card_changed(self, channel: str, ts: str, answer: GuardAnswer) -> None:
        """Show the request's new state on its card, in place."""
        try:
            self.client.chat_update(channel=channel, ts=ts, text=escape(answer.action),
                                    blocks=build_guard_card(answer))
        except SlackApiError as exc:
            log.error("could not update the card %s in %s: %s", ts, channel, _error(exc))

    def say(self, channel: str, text: str) -> None:
        """Post one line in ``channel``."""
        safe = escape(text)
        try:
            self.client.chat_postMessage(channel=channel, text=safe, blocks=[section(safe)],
                                         unfurl_links=False, unfurl_media=False)
        except SlackApiError as exc:
            log.error("could not post to %s: %s", channel, _error(exc))


def _error(exc: SlackApiError) -> str:
    return str(exc.response.get("error")) if exc.response is not None else "unknown"
