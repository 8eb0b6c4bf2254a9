"""``inspect-sched-q`` through the reader, against the simulator over loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.adapters.kumomta import HttpPark
from bot.core.models import ParkAnswer
from bot.core.who import QueueSample
from bot.ports import MtaReader
from bot.simulator import SimulatedPark


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimulatedPark]:
    park = SimulatedPark.start("yahoo-tss04", log_root=tmp_path / "logs")
    yield park
    park.stop()


def _ask(sim: SimulatedPark, queue: str) -> ParkAnswer[QueueSample]:
    park = HttpPark(sim.node_urls, {}, timeout=3.0, retries=0)

    async def inspect(reader: MtaReader) -> QueueSample:
        return await reader.scheduled_queue_sample(queue, 3)

    return park.ask(inspect, nodes=["mta1"])


def test_a_queue_sample_has_senders_and_recipients_and_no_body(sim: SimulatedPark) -> None:
    answer = _ask(sim, "spring:acme@yahoo.com")
    sample = answer.results["mta1"]
    assert sample.queue_name == "spring:acme@yahoo.com" and sample.num_scheduled > 0
    assert len(sample.messages) == 3
    assert all(m.recipient.endswith("@yahoo.com") and m.sender for m in sample.messages)
    assert "data" not in sample.model_dump() and "Subject" not in sample.model_dump_json()


def test_an_unknown_queue_is_a_named_failure_not_a_crash(sim: SimulatedPark) -> None:
    answer = _ask(sim, "nobody@nowhere.example")
    assert not answer.results and answer.failures
    assert answer.failures[0].node == "mta1"
