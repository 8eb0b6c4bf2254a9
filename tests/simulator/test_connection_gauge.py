"""`connection_count` as a scrape between two minutes sees it, and the SMTP latency
histogram: what `trend` needs to turn connection_limit into a rate (REFERENCE 3.2)."""

from __future__ import annotations

from datetime import timedelta

from bot.simulator import SimulatedPark
from tests.simulator.conftest import call
from tests.simulator.test_yahoo_tss04 import metric_lines

PATH = "ip-2->(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com@smtp_client"
SERVICE = f"smtp_client:{PATH}"


def _gauges(park: SimulatedPark) -> dict[str, int]:
    text = call("GET", f"{park.node_urls['mta1']}/metrics", None).text
    return {name: value for name, labels, value in metric_lines(text)
            if labels.get("service") == SERVICE}


def _latency(park: SimulatedPark) -> tuple[float, float]:
    text = call("GET", f"{park.node_urls['mta1']}/metrics", None).text
    found = {}
    for line in text.splitlines():
        for part in ("sum", "count"):
            head = f'deliver_message_latency_rollup_{part}{{service="smtp_client"}} '
            if line.startswith(head):
                found[part] = float(line[len(head):])
    return found["sum"], found["count"]


def test_a_path_that_sent_mail_this_minute_still_counts_its_connection_when_empty(
        healthy_park: SimulatedPark) -> None:
    healthy_park.advance(timedelta(minutes=1))
    seen = _gauges(healthy_park)
    # light traffic: the ready queue empties within the minute, yet the connection that
    # carried it waits out its idle timeout, so a scrape between minutes sees it open
    assert seen["ready_count"] == 0
    assert seen["connection_count"] >= 1
    assert seen["total_connection_count"] >= 1


def test_a_suspended_path_has_no_connection(healthy_park: SimulatedPark) -> None:
    url = healthy_park.node_urls["mta1"]
    call("POST", f"{url}/api/admin/suspend-ready-q/v1", {"name": PATH, "reason": "drain"})
    healthy_park.advance(timedelta(minutes=1))
    assert _gauges(healthy_park)["connection_count"] == 0


def test_the_latency_histogram_gives_the_pace_of_one_busy_connection(
        healthy_park: SimulatedPark) -> None:
    total, count = _latency(healthy_park)
    healthy_park.advance(timedelta(minutes=3))
    later_total, later_count = _latency(healthy_park)
    assert later_count > count > 0
    per_minute = healthy_park.scenario.per_connection_per_minute
    assert (later_total - total) / (later_count - count) == 60 / per_minute
