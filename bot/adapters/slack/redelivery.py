"""Absorbing Slack's duplicates: the same request delivered twice runs once.

Slack may deliver one request more than once: Socket Mode redelivers an envelope it
saw no ack for (same ``envelope_id``, and the slash command inside keeps its
``trigger_id``), the Events API retries, and with replicas two processes may each get
a copy.  The first process to claim the delivery's key in SQL runs it; the others ack
and do nothing.  Keys: ``trigger_id`` (slash commands), ``action_ts`` (button clicks),
``envelope_id`` (any Socket Mode envelope).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.adapter.socket_mode import SocketModeHandler
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.core.errors import StorageError
from bot.ports import IdempotencyKeys

log = logging.getLogger(__name__)


def first_delivery(keys: IdempotencyKeys, kind: str, value: str) -> bool:
    """Whether this delivery is the first of its key (a missing key counts as first).

    When the key store itself fails the request still runs: answering a question twice
    is better than not answering it.  Changes carry their own guard (an atomic state
    transition in SQL), so this is never their only protection.
    """
    if not value:
        return True
    try:
        first = keys.claim(kind, value)
    except StorageError:
        log.exception("could not record %s %s; handling the request anyway", kind, value)
        return True
    if not first:
        log.info("%s %s was delivered again; already handled", kind, value)
    return first


class DedupingSocketModeHandler(SocketModeHandler):
    """Bolt's Socket Mode handler that drops a redelivered envelope after acking it."""

    def __init__(self, app: Any, app_token: str, *, keys: IdempotencyKeys, **kwargs: Any) -> None:
        super().__init__(app, app_token=app_token, **kwargs)
        self.keys = keys

    def handle(self, client: Any, req: SocketModeRequest) -> None:
        if first_delivery(self.keys, "envelope_id", req.envelope_id):
            super().handle(client, req)
            return
        # Ack again (the first ack may be what got lost), but run nothing.
        client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
