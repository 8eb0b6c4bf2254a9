"""What the bot must do later about a write it made (DESIGN 5 and 8).

- A diagnostic log filter reverts to ``KUMO_LOG_FILTER_BASELINE`` by itself when its
  time is up (a ``LogFilterSet`` and the scheduler's revert job);
- a kumod that restarted forgot every admin hold and its log filter: the bot notices
  it by ``/api/machine-info``'s ``online_since`` changing (``restarted_nodes``) and
  puts back what it had set.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot.core.models import Model


class LogFilterSet(Model):
    """One diagnostic log filter the bot set on the park, and when it reverts."""

    request_id: str
    filter: str
    baseline: str
    channel: str | None = None
    set_at: datetime
    until: datetime
    reverted_at: datetime | None = None
    outcome: str | None = None

    def active(self, now: datetime) -> bool:
        """Set, not reverted, and its time not up."""
        return self.reverted_at is None and now < self.until


def restarted_nodes(seen: Mapping[str, str | None], now: Mapping[str, str]) -> list[str]:
    """Nodes whose ``online_since`` differs from the one last seen (never seen: not a restart)."""
    return sorted(node for node, since in now.items()
                  if seen.get(node) is not None and seen[node] != since)
