"""``SlackNoticePoster``: notices posted through the bot's Web API client."""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


class SlackNoticePoster:
    """Posts a notice as a plain mrkdwn message (no unfurls)."""

    def __init__(self, client: WebClient) -> None:
        self.client = client

    def post(self, channel: str, text: str) -> bool:
        """Post ``text`` to ``channel``; False (logged) when Slack refuses."""
        try:
            self.client.chat_postMessage(channel=channel, text=text, unfurl_links=False,
                                         unfurl_media=False)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else "unknown"
            log.error("could not post a TSA notice to %s: %s", channel, error)
            return False
        return True
