"""Fixtures for the simulator tests: frozen-clock parks and a plain urllib client."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from bot.simulator import SimClock, SimulatedPark
from bot.simulator.scenario import load_scenario

START = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)


@dataclass
class Answer:
    status: int
    content_type: str
    text: str

    def json(self) -> Any:
        return orjson.loads(self.text)


def call(method: str, url: str, body: object = None, *, headers: dict[str, str] | None = None,
         raw: bytes | None = None, timeout: float = 5) -> Answer:
    """One request the way kcli makes it: JSON content type and a JSON body, GETs included."""
    data = raw if raw is not None else orjson.dumps(body)
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={"Content-Type": "application/json",
                                              **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return Answer(reply.status, reply.headers.get("Content-Type", ""),
                          reply.read().decode())
    except urllib.error.HTTPError as err:
        return Answer(err.code, err.headers.get("Content-Type", ""), err.read().decode())


def frozen_clock() -> SimClock:
    """A clock that only moves when a test advances it, so counts are exact."""
    return SimClock(start=START, scale=0)


@pytest.fixture(scope="package")
def yahoo_park() -> Iterator[SimulatedPark]:
    """The seed scenario, shared by the read-only tests. Do not change its state."""
    park = SimulatedPark.start("yahoo-tss04", clock=frozen_clock())
    yield park
    park.stop()


@pytest.fixture
def fresh_yahoo() -> Iterator[SimulatedPark]:
    """A private yahoo-tss04 park that a test may advance, restart or write to."""
    park = SimulatedPark.start("yahoo-tss04", clock=frozen_clock())
    yield park
    park.stop()


@pytest.fixture
def healthy_park() -> Iterator[SimulatedPark]:
    """A private healthy park for writes and knobs, with a short history to start fast."""
    scenario = replace(load_scenario("healthy"), history_minutes=30)
    park = SimulatedPark(scenario, clock=frozen_clock())
    yield park
    park.stop()
