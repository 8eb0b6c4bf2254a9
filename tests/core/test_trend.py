"""``trend``'s arithmetic: the scope's queue over time, rates, and the times to drain."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.metric_history import Snapshot
from bot.core.models import MxRecord
from bot.core.scope import scope_for
from bot.core.trend import (
    PathLimit,
    TrendPoint,
    drain_estimate,
    format_span,
    per_connection_pace,
    scope_trend,
    sparkline,
)

T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
SITE = "(mta5|mta6|mta7).am0.yahoodns.net"
YAHOO = scope_for("yahoo.com", [MxRecord(pref=1, host=f"mta{n}.am0.yahoodns.net")
                                for n in (5, 6, 7)])
PATH = f"ip-1->{SITE}@smtp_client"
GMAIL_PATH = "ip-1->gmail-smtp-in.l.google.com@smtp_client"
RATES = {"100/s": 100.0, "1/minute": 1 / 60}


def _snap(minute: int, node: str = "mta1", **values: float) -> Snapshot:
    keys = {"sched": ("sched", "spring:acme@yahoo.com"), "ready": ("ready", PATH),
            "delivered": ("delivered", PATH), "transfail": ("transfail", PATH),
            "gmail": ("sched", "gmail.com")}
    return Snapshot(node=node, at=T0 + timedelta(minutes=minute),
                    values={keys[k]: v for k, v in values.items()})


def test_the_scope_counts_its_queues_and_paths_and_a_new_path_counts_from_zero() -> None:
    points = scope_trend([_snap(0, sched=100, ready=10, delivered=50, gmail=999),
                          _snap(1, sched=90, ready=5, delivered=70, transfail=3)], YAHOO)
    assert [(p.queued, p.delivered, p.deferred) for p in points] == [(110, 0, 0),
                                                                      (95, 20, 3)]
    assert points[1].minutes == 1.0


def test_nodes_are_summed_and_a_counter_reset_counts_from_zero() -> None:
    points = scope_trend([_snap(0, "mta1", sched=10, delivered=500),
                          _snap(0, "mta2", sched=20, delivered=10),
                          _snap(1, "mta1", sched=10, delivered=30),  # mta1 restarted
                          _snap(1, "mta2", sched=20, delivered=15)], YAHOO)
    assert [(p.queued, p.delivered) for p in points] == [(30, 0), (30, 35)]


def _points(queued: list[int], delivered: int = 0) -> list[TrendPoint]:
    return [TrendPoint(at=T0 + timedelta(minutes=i), queued=q,
                       delivered=delivered if i else 0, minutes=1.0 if i else 0.0)
            for i, q in enumerate(queued)]


def _limits(count: int, *, until: datetime | None = None, rate: str = "100/s",
            conns: int = 10) -> list[PathLimit]:
    return [PathLimit(node=f"mta{i}", path=PATH, source="ip-1", max_message_rate=rate,
                      rate_origin="shaping.toml [default]", connection_limit=conns,
                      limit_origin="shaping.toml [default]", suspended_until=until)
            for i in range(count)]


def test_a_held_queue_drains_after_its_paths_resume_at_the_shaping_then_in_force() -> None:
    now = T0 + timedelta(minutes=5)
    resume = now + timedelta(minutes=17)
    est = drain_estimate(_points([1000, 1260, 1520, 1780, 2040, 2300]),
                         _limits(9, until=resume), now=now, pace=30.0, rate_per_second=RATES)
    assert est.suspended_paths == 9 and est.resume_at == resume
    assert est.draining_per_min == 0 and est.arriving_per_min == 260
    assert est.drain_observed is None  # nothing leaves: never at this rate
    assert est.allowed_per_min == 9 * 10 * 30  # connection_limit x pace beats 100/s
    # 17 min of waiting (2300 + 17 x 260 queued by then), then 2,700 - 260 a minute.
    assert est.drain_allowed == timedelta(minutes=17) + timedelta(
        minutes=(2300 + 17 * 260) / (2700 - 260))
    assert not est.growing_faster_than_allowed


def test_a_queue_growing_faster_than_its_shaping_allows_is_said_so() -> None:
    est = drain_estimate(_points([100, 200, 300], delivered=9), _limits(9, rate="1/minute"),
                         now=T0 + timedelta(minutes=2), pace=None, rate_per_second=RATES)
    assert est.allowed_per_min == 9.0
    assert est.growing_faster_than_allowed and est.drain_allowed is None


def test_without_a_per_connection_pace_the_allowed_rate_is_a_ceiling() -> None:
    est = drain_estimate(_points([600, 600]), _limits(1), now=T0, pace=None,
                         rate_per_second=RATES)
    assert est.allowed_per_min == 6000 and est.allowed_is_ceiling
    assert "most they could do" in est.allowed_basis


def test_one_sample_gives_no_rates_and_says_why() -> None:
    est = drain_estimate(_points([500]), _limits(1), now=T0, pace=30.0,
                         rate_per_second=RATES)
    assert est.draining_per_min is None and "Fewer than two samples" in est.notes[0]


def test_the_pace_of_one_connection_is_read_from_the_whole_park() -> None:
    def snap(minute: int, delivered: float, conns: float) -> Snapshot:
        return Snapshot(node="mta1", at=T0 + timedelta(minutes=minute),
                        values={("delivered", GMAIL_PATH): delivered,
                                ("connections", GMAIL_PATH): conns})

    assert per_connection_pace([snap(0, 0, 0), snap(1, 60, 2), snap(2, 120, 2)]) == 30.0
    assert per_connection_pace([snap(0, 0, 0), snap(1, 60, 0)]) is None


def test_a_sparkline_shows_the_shape_and_a_flat_line_stays_flat() -> None:
    assert sparkline([0, 1, 2, 3, 4, 5, 6, 7]) == "▁▂▃▄▅▆▇█"
    assert sparkline([5, 5, 5]) == "▄▄▄" and sparkline([0, 0]) == "▁▁"
    assert sparkline([]) == ""


def test_spans_read_as_a_person_would_say_them() -> None:
    assert format_span(None) == "never at this rate"
    assert format_span(timedelta(seconds=20)) == "under a minute"
    assert format_span(timedelta(minutes=125)) == "2 h 05 min"
    assert format_span(timedelta(days=3, hours=2)) == "3 d 2 h"


def _latency_snap(minute: int, transactions: float, millis: float,
                  node: str = "mta1") -> Snapshot:
    return Snapshot(node=node, at=T0 + timedelta(minutes=minute),
                    values={("smtp_transactions", ""): transactions, ("smtp_ms", ""): millis,
                            ("delivered", PATH): transactions, ("connections", PATH): 1.0})


def test_the_pace_of_a_busy_connection_comes_from_the_smtp_transaction_time() -> None:
    from bot.core.trend import connection_pace, delivery_pace

    # 8 messages a minute on one mostly idle connection, each taking 2 s: a busy one does 30
    snaps = [_latency_snap(m, 8.0 * m, 16_000.0 * m) for m in range(4)]
    assert delivery_pace(snaps) == 30.0
    assert per_connection_pace(snaps) == 8.0  # what the open connections are seen to do
    assert connection_pace(snaps) == (30.0, "from the mean SMTP transaction time")
    without = [Snapshot(node=s.node, at=s.at, values={k: v for k, v in s.values.items()
                                                      if k[0] not in ("smtp_ms",
                                                                      "smtp_transactions")})
               for s in snaps]
    assert connection_pace(without) == (8.0, "as seen over the open connections")
    assert connection_pace([]) == (None, "")
