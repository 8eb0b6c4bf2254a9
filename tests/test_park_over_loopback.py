"""The KumoMTA client against the simulator, over real HTTP on loopback.

The simulator is an independent reading of REFERENCE, so these tests catch a
field name or a wire convention the client got wrong.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.adapters.kumomta import HttpPark
from bot.adapters.kumomta.reader import KumoHttpReader
from bot.adapters.resolver import SiteMapResolver
from bot.core.health import assess_node
from bot.core.scope import scope_for
from bot.ports import MtaReader, TsaReader
from bot.simulator import SimulatedPark
from tests.fixtures import KUMOMTA

YAHOO_SITE = "(mta5|mta6|mta7).am0.yahoodns.net"


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimulatedPark]:
    park = SimulatedPark.start("yahoo-tss04", log_root=tmp_path / "logs")
    yield park
    park.stop()


def _park(sim: SimulatedPark, timeout: float = 2.0) -> HttpPark:
    return HttpPark(sim.node_urls, {n: (u, ()) for n, u in sim.tsa_urls.items()},
                    timeout=timeout, retries=0)


def test_every_read_parses_from_the_simulator(sim: SimulatedPark) -> None:
    async def everything(r: MtaReader) -> tuple[object, ...]:
        return (await r.liveness(), await r.machine_info(), await r.metrics(),
                await r.scheduled_suspensions(), await r.bounces(),
                await r.ready_queue_suspensions(), await r.ready_queue_states(),
                await r.api_paths())

    answer = _park(sim).ask(everything)
    assert not answer.failures and set(answer.results) == set(sim.node_urls)
    live, info, samples, suspends, bounces, ready, states, paths = answer.results["mta1"]
    assert suspends == [] and bounces == [] and isinstance(states, dict)
    assert live.ok and info.process_kind == "kumod"
    assert any(s.name == "scheduled_count" for s in samples)
    assert len(ready) == 3
    assert all(e.reason.startswith("automation rule: ") for e in ready)
    assert all(timedelta(minutes=40) < e.remaining < timedelta(minutes=50) for e in ready)
    assert "/api/admin/ready-q-states/v1" in paths


def test_tsa_state_carries_suspensions_and_the_throttle(sim: SimulatedPark) -> None:
    async def state(r: TsaReader) -> object:
        return await r.state()

    (tsa,) = _park(sim).ask_tsa(state).results.values()
    assert len(tsa.suspensions.ready_q) == 3
    options = {(o.source, o.name, o.value) for o in tsa.overrides}
    assert ("ip-1", "max_message_rate", "1/minute") in options
    assert ("ip-1", "connection_limit", "1") in options
    assert all(o.expires is not None for o in tsa.overrides)


def test_the_client_site_name_matches_the_simulated_ready_queues(sim: SimulatedPark) -> None:
    scope = scope_for("yahoo.com", SiteMapResolver(sim.site_map_path).mx_records("yahoo.com"))
    assert scope.site == YAHOO_SITE

    async def metrics(r: MtaReader) -> object:
        return await r.metrics(frozenset({"ready_count"}))

    samples = _park(sim).ask(metrics, nodes=["mta1"]).results["mta1"]
    paths = {s.labels["service"].split(":", 1)[1] for s in samples
             if ":" in s.labels.get("service", "")}
    assert any(scope.covers_ready(p) for p in paths)


def test_a_down_node_a_failing_node_and_a_slow_node_are_each_named(sim: SimulatedPark) -> None:
    sim.knobs("mta2").down = True
    sim.knobs("mta3").fail_status = 500
    sim.knobs("mta1").latency = 0.0

    async def live(r: MtaReader) -> object:
        return await r.bounces()

    answer = _park(sim).ask(live)
    assert set(answer.results) == {"mta1"}
    kinds = {f.node: f.kind for f in answer.failures}
    assert kinds == {"mta2": "down", "mta3": "http"}
    detail = next(f.detail for f in answer.failures if f.node == "mta3")
    assert "500" in detail

    sim.knobs("mta3").fail_status = None
    sim.knobs("mta3").latency = 1.5
    answer = _park(sim, timeout=0.5).ask(live)
    assert {f.node: f.kind for f in answer.failures} == {"mta2": "down", "mta3": "timeout"}
    assert set(answer.results) == {"mta1"}


def test_health_reads_the_real_sample_metrics_file() -> None:
    from bot.adapters.kumomta.prom import parse_metrics
    from bot.core.models import Liveness

    text = (KUMOMTA / "sample-metrics.txt")
    samples = parse_metrics(text.read_text(), None)
    health = assess_node("sample", Liveness(status=200, text="OK"), samples)
    assert health.memory_usage and health.memory_limit and health.headroom is not None
    names = {d.name for d in health.disks}
    assert names == {"data spool", "log dir /var/log/kumomta", "meta spool"}
    assert health.connections_denied == 0 and not health.refusing


def test_load_shedding_node_is_read_as_refusing(tmp_path: Path) -> None:
    with SimulatedPark.start("listeners-refusing", log_root=tmp_path) as sim:
        async def ask(r: MtaReader) -> object:
            return assess_node(r.name, await r.liveness(), await r.metrics())

        answers = _park(sim).ask(ask).results
        refusing = [h for h in answers.values() if h.refusing]
        assert refusing and all(h.headroom == 0 for h in refusing)
        assert any("load shedding" in h.verdict for h in refusing)


def test_reader_sends_json_null_on_get_like_kcli(sim: SimulatedPark) -> None:
    # The simulator accepts it, and a real kumod does too; nothing else to see here
    # but that the request succeeds with the body kcli sends.
    import asyncio

    import httpx

    async def go() -> object:
        async with httpx.AsyncClient() as client:
            return await KumoHttpReader("mta1", sim.node_urls["mta1"], client).bounces()

    assert asyncio.run(go()) == []
