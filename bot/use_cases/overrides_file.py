"""The bot's shaping overrides as the file kumod loads (``GET /shaping/overrides.toml``)."""

from __future__ import annotations

from collections.abc import Callable

from bot.core.overrides_toml import render_overrides
from bot.ports import Clock, GuardedRecords

OVERRIDES_PATH = "/shaping/overrides.toml"
OVERRIDES_TYPE = "application/toml; charset=utf-8"


def overrides_text(records: GuardedRecords, clock: Clock) -> str:
    """The overrides in force now, in tsa-daemon's layout (expired ones left out)."""
    now = clock.now()
    return render_overrides(records.active_overrides(now), now=now)


def overrides_route(records: GuardedRecords, clock: Clock
                    ) -> dict[str, Callable[[], tuple[str, bytes]]]:
    """The GET route ``web`` and ``watch`` serve."""
    return {OVERRIDES_PATH: lambda: (OVERRIDES_TYPE, overrides_text(records, clock).encode())}
