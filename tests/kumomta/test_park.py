"""HttpPark: every node at once, bounded, each within its deadline, failures named."""

from __future__ import annotations

import threading
import time

import pytest

from bot.adapters.kumomta import HttpPark, gather_named
from bot.core.errors import ConfigError, NotFound
from bot.ports import MtaReader, TsaReader

from . import recorded
from .fakehttp import FakeServer, Reply, json_reply, refused_url, serve_in_subprocess
from .helpers import load_kumod, load_tsa


async def _bounce_reasons(reader: MtaReader) -> list[str]:
    return [bounce.reason for bounce in await reader.bounces()]


def test_one_dead_node_never_hides_the_others(kumod: FakeServer) -> None:
    with FakeServer() as broken, FakeServer() as slow:
        broken.route("/api/admin/bounce/v1", Reply(500, "Error: spool is on fire"))
        slow.route("/api/admin/bounce/v1", json_reply([], delay=2.0))
        park = HttpPark(
            {"good": kumod.url, "refused": refused_url(), "broken": broken.url, "slow": slow.url},
            timeout=0.5,
        )
        started = time.monotonic()
        answer = park.ask(_bounce_reasons)
        elapsed = time.monotonic() - started
    assert answer.results == {"good": ["purge"]}
    assert answer.asked == ["good", "refused", "broken", "slow"]
    failures = {f.node: f for f in answer.failures}
    assert failures["refused"].kind == "down"
    assert failures["broken"].kind == "http" and failures["broken"].status == 500
    assert "spool is on fire" in failures["broken"].detail
    assert failures["slow"].kind == "timeout"
    assert elapsed < 1.5  # the slow node cost its timeout, not its 2 s


def test_denied_and_bad_answers_are_named(kumod: FakeServer) -> None:
    with FakeServer() as denied, FakeServer() as garbled:
        denied.route("/api/admin/bounce/v1", Reply(401, recorded.DENIED_ADMIN))
        garbled.route("/api/admin/bounce/v1", Reply(200, "<html>", "text/html"))
        park = HttpPark({"denied": denied.url, "garbled": garbled.url})
        answer = park.ask(_bounce_reasons)
    kinds = {f.node: (f.kind, f.status) for f in answer.failures}
    assert kinds == {"denied": ("denied", 401), "garbled": ("bad-answer", None)}
    denied_detail = next(f.detail for f in answer.failures if f.node == "denied")
    assert '[[acl."http_listener/*/api/admin"]]' in denied_detail


def test_ask_only_the_named_nodes(kumod: FakeServer) -> None:
    park = HttpPark({"a": kumod.url, "b": refused_url()})
    answer = park.ask(lambda r: r.liveness(), nodes=["a"])
    assert answer.asked == ["a"] and list(answer.results) == ["a"] and answer.failures == []


def test_unknown_node_names_are_not_found_and_name_the_known_ones(kumod: FakeServer) -> None:
    park = HttpPark({"mta1": kumod.url, "mta2": kumod.url})
    with pytest.raises(NotFound, match=r"mta9.*known nodes: mta1, mta2"):
        park.ask(lambda r: r.liveness(), nodes=["mta1", "mta9"])
    assert kumod.seen == []


def test_concurrency_is_bounded() -> None:
    with FakeServer() as server:
        server.route("/api/check-liveness/v1", Reply(200, "OK", delay=0.1))
        park = HttpPark({f"n{i}": server.url for i in range(10)}, concurrency=3)
        answer = park.ask(lambda r: r.liveness())
    assert len(answer.results) == 10
    assert server.max_in_flight <= 3
    assert len(server.seen) == 10


QUEUE_READS = ("/metrics", "/api/admin/bounce/v1", "/api/admin/suspend/v1",
               "/api/admin/suspend-ready-q/v1", "/api/admin/ready-q-states/v1")


async def _queue(reader: MtaReader) -> int:
    """The five reads ``queue`` needs from every node, asked together."""
    samples, bounces, holds, rq_holds, states = await gather_named(
        reader.metrics(frozenset({"scheduled_count", "ready_count"})),
        reader.bounces(),
        reader.scheduled_suspensions(),
        reader.ready_queue_suspensions(),
        reader.ready_queue_states(),
    )
    return len(samples) + len(bounces) + len(holds) + len(rq_holds) + len(states)


def _slow_kumod(server: FakeServer, delay: float) -> None:
    load_kumod(server)
    for path in QUEUE_READS:
        server.routes[path][0].delay = delay


def test_a_nodes_reads_run_together_not_one_after_another() -> None:
    with FakeServer() as server:
        _slow_kumod(server, 0.3)
        park = HttpPark({"mta1": server.url})
        answer = park.ask(_queue)
    assert answer.results == {"mta1": 4}  # no queue series, one of each hold, one state
    assert server.max_in_flight == 5  # all five reads were in flight at once


def test_queue_over_a_hundred_slow_nodes_answers_for_every_node() -> None:
    # Speed is measured by benchmarks/fanout.py; this checks the fan-out is complete.
    delays = "; ".join(f"server.routes[{p!r}][0].delay = 0.1" for p in QUEUE_READS)
    proc, url = serve_in_subprocess(f"load_kumod(server); {delays}")
    try:
        park = HttpPark({f"mta{i:03}": url for i in range(100)}, timeout=30)
        answer = park.ask(_queue)
    finally:
        proc.communicate("", timeout=10)
    assert answer.failures == [] and len(answer.results) == 100


def test_a_failing_read_stops_its_siblings(kumod: FakeServer) -> None:
    kumod.route("/api/admin/bounce/v1", Reply(500, "Error: nope"))
    kumod.route("/metrics", Reply(200, recorded.SAMPLE_METRICS, delay=1.0))
    park = HttpPark({"mta1": kumod.url}, timeout=3.0)

    async def both(reader: MtaReader) -> object:
        return await gather_named(reader.metrics(), reader.bounces())

    started = time.monotonic()
    answer = park.ask(both)
    assert answer.failures[0].kind == "http"
    assert time.monotonic() - started < 0.9


def test_each_call_and_each_thread_gets_its_own_loop_and_client(kumod: FakeServer) -> None:
    park = HttpPark({"mta1": kumod.url})
    assert park.ask(lambda r: r.liveness()).results["mta1"].ok
    assert park.ask(lambda r: r.liveness()).results["mta1"].ok
    outcomes: list[bool] = []

    def worker() -> None:
        outcomes.append(park.ask(lambda r: r.liveness()).results["mta1"].ok)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == [True] * 4


def test_ask_tsa_asks_every_daemon_and_names_failures() -> None:
    with FakeServer() as tsa:
        load_tsa(tsa)
        park = HttpPark({"mta1": "http://127.0.0.1:1", "mta2": "http://127.0.0.1:2"},
                        {"tsa-a": (tsa.url, ["mta1"]), "tsa-b": (refused_url(), [])})

        async def state_size(reader: TsaReader) -> int:
            state = await reader.state()
            return len(state.overrides)

        answer = park.ask_tsa(state_size)
    assert answer.results == {"tsa-a": 2}
    assert [(f.node, f.kind) for f in answer.failures] == [("tsa-b", "down")]
    assert park.tsa_names == ["tsa-a", "tsa-b"]
    assert park.tsa_serves("tsa-a") == ["mta1"]
    assert park.tsa_serves("tsa-b") == ["mta1", "mta2"]  # empty means all nodes
    with pytest.raises(NotFound):
        park.tsa_serves("tsa-z")


def test_a_tsa_serving_an_unknown_node_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="mta9"):
        HttpPark({"mta1": "http://127.0.0.1:1"}, {"tsa": ("http://127.0.0.1:2", ["mta9"])})


@pytest.mark.parametrize("url", ["ftp://u:hunter2@host", "not a url", "http://"])
def test_an_unusable_url_is_a_config_error_at_start_up(url: str) -> None:
    with pytest.raises(ConfigError, match="mta1") as caught:
        HttpPark({"mta1": url})
    assert "hunter2" not in str(caught.value)


def test_node_names_keep_settings_order() -> None:
    park = HttpPark({"b": "http://127.0.0.1:1", "a": "http://127.0.0.1:2"})
    assert park.node_names == ["b", "a"] and park.tsa_names == []
