"""Building Slack's real request formats for tests: signed slash commands, envelopes."""

from __future__ import annotations

import itertools
import time
import uuid
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

SECRET = "test-signing-secret"
_TRIGGERS = itertools.count(1)


def slash_body(
    text: str,
    *,
    response_url: str,
    user: str = "U0ALICE",
    channel: str = "C0INCIDENT",
    trigger_id: str | None = None,
) -> dict[str, str]:
    """The form fields Slack sends for ``/kumo TEXT``; like Slack, a new ``trigger_id`` each
    time unless one is given (the bot runs a ``trigger_id`` once: a repeat is a redelivery)."""
    if trigger_id is None:
        trigger_id = f"{next(_TRIGGERS)}.{int(time.time())}.{uuid.uuid4().hex[:12]}"
    return {
        "token": "legacy-verification-token",
        "team_id": "T0LOCAL",
        "team_domain": "local",
        "channel_id": channel,
        "channel_name": "incident",
        "user_id": user,
        "user_name": "alice",
        "command": "/kumo",
        "text": text,
        "api_app_id": "A0KUMOBOT",
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def signed_headers(
    raw: str, *, secret: str = SECRET, timestamp: int | None = None
) -> dict[str, str]:
    """Headers Slack would send with ``raw``, signed with ``secret``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": SignatureVerifier(secret).generate_signature(timestamp=ts, body=raw),
    }


def form(body: dict[str, Any]) -> str:
    return urlencode(body)
