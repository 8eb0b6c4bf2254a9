"""Socket Mode: the same listeners over Slack's websocket, for installs with no public URL."""

from __future__ import annotations

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.adapters.slack.app import SlackBot
from bot.adapters.slack.redelivery import DedupingSocketModeHandler


def run_socket_mode(bot: SlackBot, app_token: str) -> None:
    """Connect and block; Bolt reconnects by itself."""
    build_socket_handler(bot, app_token).start()  # type: ignore[no-untyped-call]


def build_socket_handler(bot: SlackBot, app_token: str) -> SocketModeHandler:
    """A handler that is not yet connected (tests feed it envelopes directly).

    It drops an envelope Slack redelivers (same ``envelope_id``) after acking it again.
    """
    return DedupingSocketModeHandler(bot.app, app_token, keys=bot.keys)
