"""Building Slack's real request formats for tests: signed slash commands, envelopes."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

SECRET = "test-signing-secret"


def slash_body(
    text: str,
    *,
    response_url: str,
    user: str = "U0ALICE",
    channel: str = "C0INCIDENT",
    trigger_id: str = "1.2.3",
) -> dict[str, str]:
    """The form fields Slack sends for ``/kumo TEXT``."""
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
