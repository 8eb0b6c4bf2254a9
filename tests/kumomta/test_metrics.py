"""/metrics text: the real sample file, kumod's own layout, and the cheap pre-filter."""

from __future__ import annotations

import time

import pytest

from bot.adapters.kumomta.prom import parse_metrics

from .fakehttp import FakeServer, Reply
from .helpers import ask_node


def _by_name(samples: list) -> dict[str, list]:  # type: ignore[type-arg]
    out: dict[str, list] = {}  # type: ignore[type-arg]
    for sample in samples:
        out.setdefault(sample.name, []).append(sample)
    return out


def test_the_real_sample_metrics_file_parses(kumod: FakeServer) -> None:
    samples = ask_node(kumod.url, lambda r: r.metrics())
    names = _by_name(samples)
    assert names["memory_usage"][0].value == 320516096.0
    assert names["memory_limit"][0].value == 1538067456.0
    assert {s.labels["name"] for s in names["disk_free_percent"]} == {
        "data spool", "log dir /var/log/kumomta", "meta spool"}
    # Counters keep kumod's names: no OpenMetrics "_total" added by the parser.
    assert "total_connections_denied" in names and "total_connections_denied_total" not in names
    assert names["tokio_elapsed"][0].value == pytest.approx(1057.312763632)
    # The sample comes from an idle node: it has no queue series at all.
    assert not any(n.startswith(("scheduled_count", "ready_count")) for n in names)
    # Histograms are skipped unless asked for by name.
    assert not any(n.startswith("lua_event_latency") for n in names)


def test_metrics_keeps_only_the_named_families(kumod: FakeServer) -> None:
    wanted = frozenset({"memory_usage", "disk_free_percent"})
    samples = ask_node(kumod.url, lambda r: r.metrics(wanted))
    assert {s.name for s in samples} == {"memory_usage", "disk_free_percent"}
    assert len(samples) == 4


def test_a_histogram_is_parsed_when_asked_for(kumod: FakeServer) -> None:
    samples = ask_node(kumod.url, lambda r: r.metrics(frozenset({"lua_event_latency"})))
    names = {s.name for s in samples}
    assert names == {"lua_event_latency_bucket", "lua_event_latency_sum",
                     "lua_event_latency_count"}


GMAIL_SERVICE = "smtp_client:ip-1->(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com@smtp_client"
KUMOD_STREAMED = f"""\
# HELP ready_count number of messages in the ready queue
# TYPE ready_count gauge
ready_count{{service="smtp_client"}} 198
ready_count{{service="{GMAIL_SERVICE}"}} 46
# HELP total_messages_delivered_by_provider_and_source total delivered
# TYPE total_messages_delivered_by_provider_and_source counter
total_messages_delivered_by_provider_and_source{{provider="google", source="ip-1", pool="pool0"}} 12
# HELP scheduled_count number of messages in the scheduled queue
# TYPE scheduled_count gauge
# HELP scheduled_count_total sum over all scheduled queues
# TYPE scheduled_count_total gauge
scheduled_count_total 7
# HELP already_total a counter kumod names with _total
# TYPE already_total counter
already_total 3
untyped_thing{{a="b"}} 1
"""


def test_kumods_streamed_layout_with_comma_space_labels() -> None:
    samples = parse_metrics(KUMOD_STREAMED)
    names = _by_name(samples)
    [delivered] = names["total_messages_delivered_by_provider_and_source"]
    assert dict(delivered.labels) == {"provider": "google", "source": "ip-1", "pool": "pool0"}
    assert delivered.value == 12.0
    assert [s.labels["service"] for s in names["ready_count"]][1].startswith("smtp_client:ip-1->")
    assert "scheduled_count" not in names  # pruned family: HELP/TYPE and no series
    assert names["scheduled_count_total"][0].value == 7.0
    assert names["already_total"][0].value == 3.0
    assert names["untyped_thing"][0].labels == {"a": "b"}


def test_prefix_families_are_not_confused() -> None:
    only_total = parse_metrics(KUMOD_STREAMED, frozenset({"scheduled_count_total"}))
    assert [s.name for s in only_total] == ["scheduled_count_total"]
    assert parse_metrics(KUMOD_STREAMED, frozenset({"scheduled_count"})) == []
    assert [s.name for s in parse_metrics(KUMOD_STREAMED, frozenset({"untyped_thing"}))] == [
        "untyped_thing"]


def test_garbage_metrics_are_a_bad_answer(kumod: FakeServer) -> None:
    from bot.adapters.kumomta import BadAnswer

    kumod.route("/metrics", Reply(200, "# TYPE x gauge\nx{a=b 1 2 3\n"))
    with pytest.raises(BadAnswer, match="Prometheus"):
        ask_node(kumod.url, lambda r: r.metrics())


def _big_node(series: int) -> str:
    lines = ["# HELP scheduled_count messages in one scheduled queue",
             "# TYPE scheduled_count gauge"]
    lines += [f'scheduled_count{{queue="t{i}@campaign{i}:d{i}.example.com"}} {i}'
              for i in range(series)]
    lines += ["# HELP ready_count ready", "# TYPE ready_count gauge"]
    lines += [f'ready_count{{service="smtp_client:ip-{i % 50}->mx{i}.example@smtp_client"}} {i}'
              for i in range(series)]
    lines += ["# HELP memory_usage bytes", "# TYPE memory_usage gauge", "memory_usage 123"]
    return "\n".join(lines) + "\n"


def test_prefilter_makes_a_narrow_read_of_a_big_node_cheap() -> None:
    text = _big_node(20_000)
    started = time.perf_counter()
    narrow = parse_metrics(text, frozenset({"memory_usage"}))
    narrow_time = time.perf_counter() - started
    started = time.perf_counter()
    everything = parse_metrics(text)
    full_time = time.perf_counter() - started
    assert [s.value for s in narrow] == [123.0]
    assert len(everything) == 40_001
    assert narrow_time < full_time / 5
