"""`trend`'s pace of a busy connection: the latency series first, the open connections
only when the history has no latency (a kumod that does not export it)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.core.metric_history import Snapshot
from bot.use_cases.trend import history_pace

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
PATH = "ip-1->gmail-smtp-in.l.google.com@smtp_client"


class History:
    """Snapshots in memory; records which kinds each read asked for."""

    def __init__(self, snaps: list[Snapshot]) -> None:
        self.snaps = snaps
        self.asked: list[frozenset[str]] = []

    def snapshots(self, *, since: datetime, kinds: Collection[str] | None = None,
                  **_: Any) -> list[Snapshot]:
        self.asked.append(frozenset(kinds or ()))
        return [Snapshot(node=s.node, at=s.at, values={
            k: v for k, v in s.values.items() if kinds is None or k[0] in kinds})
            for s in self.snaps if s.at >= since]


def _snaps(latency: bool) -> list[Snapshot]:
    out = []
    for m in range(4):
        values = {("delivered", PATH): 8.0 * m, ("connections", PATH): 1.0}
        if latency:
            values |= {("smtp_transactions", ""): 8.0 * m, ("smtp_ms", ""): 16_000.0 * m}
        out.append(Snapshot(node="mta1", at=T0 + timedelta(minutes=m), values=values))
    return out


def test_the_latency_series_alone_give_the_pace_when_present() -> None:
    history = History(_snaps(latency=True))
    assert history_pace(history, T0) == (30.0, "from the mean SMTP transaction time")  # type: ignore[arg-type]
    assert history.asked == [frozenset({"smtp_transactions", "smtp_ms"})]


def test_without_latency_the_open_connections_give_it() -> None:
    history = History(_snaps(latency=False))
    assert history_pace(history, T0) == (8.0, "as seen over the open connections")  # type: ignore[arg-type]
    assert len(history.asked) == 2 and "connections" in history.asked[1]
