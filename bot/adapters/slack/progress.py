"""Progress of a long scan, shown in Slack by editing one message in place.

A scan reports progress as often as it likes (``RequestContext.progress``); this
adapter decides what Slack sees: nothing for a scan that ends within
``SHOW_AFTER_S``; after that a placeholder message with a bar, edited at most every
``UPDATE_EVERY_S`` (``chat.update`` is a Tier 3 method: about 50 calls a minute);
at the end the answer replaces the placeholder, so the channel keeps one message.
The terminal prints each edit, so it shows the bar too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.text import escape
from bot.core.logscan import ScanProgress, progress_bar

log = logging.getLogger(__name__)

SHOW_AFTER_S = 2.0
UPDATE_EVERY_S = 1.2


class SlackProgress:
    """A placeholder message for one request: posted late, edited rarely, replaced at the end."""

    def __init__(
        self,
        client: WebClient,
        channel: str,
        *,
        what: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.channel = channel
        self.what = what
        self.clock = clock
        self.started = clock()
        self.ts: str | None = None
        self._last = 0.0
        self._broken = False

    def report(self, progress: ScanProgress) -> None:
        """Show ``progress`` if the scan has run long enough and the last edit is old enough."""
        now = self.clock()
        if self._broken or now - self.started < SHOW_AFTER_S:
            return
        if self.ts is not None and now - self._last < UPDATE_EVERY_S:
            return
        self._last = now
        text = f"⏳ {self.what}\n`{progress_bar(progress)}`"
        blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}]
        try:
            if self.ts is None:
                reply = self.client.chat_postMessage(
                    channel=self.channel, text=text, blocks=blocks,
                    unfurl_links=False, unfurl_media=False,
                )
                self.ts = str(reply["ts"])
            else:
                self.client.chat_update(channel=self.channel, ts=self.ts, text=text,
                                        blocks=blocks)
        except (SlackApiError, OSError) as exc:
            # Progress is a courtesy: a channel we cannot post to (or a Slack we cannot
            # reach) gets the answer the usual way, and the scan goes on.
            self._broken = True
            log.info("progress message in %s failed: %s", self.channel, exc)

    def finish(self, text: str, blocks: list[dict[str, object]]) -> bool:
        """Replace the placeholder with the answer; False when there is none to replace."""
        if self.ts is None:
            return False
        try:
            self.client.chat_update(channel=self.channel, ts=self.ts, text=text, blocks=blocks)
        except (SlackApiError, OSError) as exc:
            log.info("replacing the progress message failed: %s", exc)
            return False
        return True


def progress_title(text: str) -> str:
    """``Working on `/kumo responses yahoo.com`…`` (escaped: it is what someone typed)."""
    return "Working on `" + escape(("/kumo " + " ".join(text.split()))[:200]).replace(
        "`", "ʼ") + "`…"
