"""Notices: when the automation acts, one short message to the notice channels.

One notice per action (a throttle's options together), posted by exactly one
process even when several watchers saw the action: the diary's SQL claim decides.
Open incidents on the action's domain get the notice too, once incidents exist:
``IncidentChannels`` is the hook (today nothing answers it, so no incident gets one).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Protocol

from bot.core.tsa_history import DiaryEntry
from bot.core.tsa_notice import notice_group, render_tsa_notice
from bot.ports import Clock

log = logging.getLogger(__name__)


class NoticePoster(Protocol):
    """Where notices go: a chat channel."""

    def post(self, channel: str, text: str) -> bool:
        """Post ``text`` to ``channel``; False when it could not be posted (logged)."""
        ...


class NoticeClaims(Protocol):
    """The diary's one-poster-per-action claim."""

    def claim_notice(self, entry_id: int, *, worker: str, at: datetime) -> bool:
        """True for exactly one caller per entry."""
        ...


IncidentChannels = Callable[[str], list[str]]
"""Channels of the open incidents on a domain (the incidents issue plugs in here)."""


def no_incidents(_domain: str) -> list[str]:
    """Until incidents exist: no incident channel gets notices."""
    return []


class TsaNotifier:
    """Posts the notice for newly started actions, once across processes."""

    def __init__(self, *, claims: NoticeClaims, poster: NoticePoster, clock: Clock,
                 channels: Sequence[str], worker: str, escape: Callable[[str], str],
                 incidents: IncidentChannels = no_incidents) -> None:
        self.claims = claims
        self.poster = poster
        self.clock = clock
        self.channels = tuple(channels)
        self.worker = worker
        self.escape = escape
        self.incidents = incidents
        self.posted = 0

    def __call__(self, started: list[DiaryEntry]) -> None:
        """Notice every action in ``started`` that nobody noticed yet."""
        groups: dict[tuple[str | None, ...], list[DiaryEntry]] = {}
        for entry in (e for e in started if e.origin == "tsa"):  # out-of-band: no notice
            groups.setdefault(notice_group(entry), []).append(entry)
        now = self.clock.now()
        for entries in groups.values():
            claimed = [e for e in entries
                       if self.claims.claim_notice(e.id, worker=self.worker, at=now)]
            if not claimed:
                continue  # another watcher posted it
            channels = [*self.channels, *self._incident_channels(claimed[0])]
            text = render_tsa_notice(claimed, now=now, escape=self.escape)
            for channel in dict.fromkeys(channels):
                if self.poster.post(channel, text):
                    self.posted += 1

    def _incident_channels(self, entry: DiaryEntry) -> list[str]:
        return self.incidents(entry.domain) if entry.domain else []
