"""The audit channel as an anchor: the signed head posted where people can see it.

A post cannot be read back as a proof here (``read`` returns None); the channel is a
public, timestamped copy that a rewritten database cannot take back.  A head is posted
only when it moved since the last post of this process.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.audit_chain import SignedHead

log = logging.getLogger(__name__)


class SlackChannelAnchor:
    """Posts the signed head to one channel through the bot's Web API client."""

    def __init__(self, client: WebClient, channel: str) -> None:
        self.client = client
        self.channel = channel
        self._posted: tuple[int, str] | None = None

    @property
    def name(self) -> str:
        return f"Slack channel {self.channel}"

    def read(self) -> SignedHead | None:
        return None

    def write(self, head: SignedHead) -> bool:
        if self._posted == (head.seq, head.hash):
            return True
        text = (f":lock: kumo-bot audit head: row {head.seq}, seal `{head.hash}`, "
                f"signature `{head.signature}`")
        try:
            self.client.chat_postMessage(channel=self.channel, text=text, unfurl_links=False)
        except SlackApiError as exc:
            error = exc.response.get("error") if exc.response is not None else "unknown"
            log.error("could not post the audit head to %s: %s", self.channel, error)
            return False
        self._posted = (head.seq, head.hash)
        return True
