"""The tsa-cycle scenario: a [TSS04] burst, a suspension refreshed by the node whose
TSA subscriber is broken, and its expiry."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.simulator import SimulatedPark
from tests.simulator.conftest import call, frozen_clock

PATH = "ip-1->(mta5|mta6|mta7).am0.yahoodns.net@smtp_client"


@pytest.fixture(scope="module")
def park() -> Iterator[SimulatedPark]:
    started = SimulatedPark.start("tsa-cycle", clock=frozen_clock())
    yield started
    started.stop()


def _ready_q(park: SimulatedPark) -> list[dict[str, object]]:
    body = call("GET", f"{park.tsa_urls['tsa']}/get_suspension_v1/suspended.json", None).json()
    return list(body["ready_q"])


def test_tsa_suspends_the_path_refreshes_it_and_lets_it_expire(park: SimulatedPark) -> None:
    assert _ready_q(park) == []  # all quiet at the start
    park.advance(timedelta(minutes=7))
    [first] = _ready_q(park)
    assert first["site_name"] == PATH and first["reason"] == "automation rule: \\[TS?S04\\]"
    toml = call("GET", f"{park.tsa_urls['tsa']}/get_config_v1/shaping.toml", None).text
    assert "connection_limit = 1" in toml and 'max_message_rate = "1/minute"' in toml
    # mta1 holds it; mta2's subscriber is broken, so it keeps sending and refreshing it
    listed = {name: call("GET", f"{url}/api/admin/suspend-ready-q/v1", None).json()
              for name, url in park.node_urls.items()}
    assert len(listed["mta1"]) == 1 and listed["mta2"] == []
    park.advance(timedelta(minutes=30))
    [later] = _ready_q(park)
    assert str(later["expires"]) > str(first["expires"])  # same key, later expiry
    park.advance(timedelta(hours=3))
    assert _ready_q(park) == []  # expired
