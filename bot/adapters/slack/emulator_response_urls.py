"""``response_url`` endpoints: what Bolt's ``respond()`` posts to.

Slack lets an app use one response_url "up to 5 times within 30 minutes"
(BOLT-NOTES section 2). Past either limit the emulator answers 404 with a short
reason (``used_url`` / ``expired_url``); Slack's exact wording is not documented,
so callers should only rely on the 4xx status. Time comes from the emulator's
injectable clock, so tests check expiry without sleeping.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from bot.adapters.slack.emulator_checks import block_errors
from bot.adapters.slack.emulator_model import EmulatorEvent, JsonDict
from bot.adapters.slack.emulator_state import ApiError, WorkspaceState

MAX_USES = 5
LIFETIME_S = 30 * 60


@dataclass
class _ResponseUrl:
    channel: str
    user: str
    created: float
    message_ts: str | None
    uses: int = 0


class ResponseUrlRegistry:
    """Issued response URLs and what posting to them does."""

    def __init__(self, ws: WorkspaceState) -> None:
        self.ws = ws
        self._urls: dict[str, _ResponseUrl] = {}
        self._serial = 0

    def issue(self, channel: str, user: str, *, message_ts: str | None) -> str:
        """A new response id for ``user`` in ``channel`` (``message_ts``: the message
        a block action came from, which ``replace_original``/``delete_original`` edit)."""
        if channel not in self.ws.channels:
            raise ValueError(f"unknown channel {channel!r}: add_channel() it first")
        self._serial += 1
        key = str(self._serial)
        self._urls[key] = _ResponseUrl(channel, user, self.ws.clock(), message_ts)
        return key

    def post(self, key: str, raw: bytes) -> tuple[int, str, list[EmulatorEvent]]:
        """Handle one POST; returns (HTTP status, body text, visible changes)."""
        url = self._urls.get(key)
        if url is None:
            return 404, "invalid_url", []
        if self.ws.clock() - url.created > LIFETIME_S:
            return 404, "expired_url", []
        if url.uses >= MAX_USES:
            return 404, "used_url", []
        try:
            payload = json.loads(raw.decode("utf-8") or "null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            return 400, "invalid_payload", []
        if not isinstance(payload, dict):
            return 400, "invalid_payload", []
        try:
            events = self._apply(url, payload)
        except ApiError as exc:
            return (400 if exc.error in {"no_text", "invalid_blocks"} else 404), exc.error, []
        url.uses += 1
        return 200, "ok", events

    def _apply(self, url: _ResponseUrl, payload: JsonDict) -> list[EmulatorEvent]:
        """Turn one response payload into a post, an edit, an ephemeral or a deletion."""
        if payload.get("delete_original") is True:
            if url.message_ts and self.ws.find(url.channel, url.message_ts):
                return [self.ws.delete(url.channel, url.message_ts, source="response_url")]
            # The original was an ephemeral the emulator cannot address: report it gone.
            return [self._ephemeral_deleted(url)]
        text = payload.get("text") or ""
        blocks = payload.get("blocks")
        if not isinstance(text, str):
            text = str(text)
        if not text and not blocks:
            raise ApiError("no_text")
        if blocks is not None and block_errors(blocks):
            raise ApiError("invalid_blocks")
        thread_ts = payload.get("thread_ts") or None
        if payload.get("replace_original") is True and url.message_ts:
            _, event = self.ws.update(
                url.channel,
                url.message_ts,
                text=text,
                blocks=blocks,
                replace_blocks=True,
                source="response_url",
            )
            return [event]
        if payload.get("response_type") == "in_channel":
            # A response_url may post where the bot is no member: that is why bots fall back to it.
            _, event = self.ws.post(
                url.channel,
                text=text,
                blocks=blocks,
                thread_ts=thread_ts,
                source="response_url",
                check_membership=False,
            )
            return [event]
        _, event = self.ws.post_ephemeral(
            url.channel,
            url.user,
            text=text,
            blocks=blocks,
            thread_ts=thread_ts,
            source="response_url",
        )
        return [event]

    def _ephemeral_deleted(self, url: _ResponseUrl) -> EmulatorEvent:
        record = self.ws.channel(url.channel)
        return EmulatorEvent(
            kind="delete",
            channel=url.channel,
            channel_name=record.name,
            ts=url.message_ts or "",
            thread_ts=None,
            user=url.user,
            text="",
            blocks=None,
            author_name=self.ws.identity.user,
            source="response_url",
        )
