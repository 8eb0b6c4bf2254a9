"""The fast path for kumod's plain metric lines gives what prometheus_client gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from bot.adapters.kumomta.prom import parse_metrics
from bot.simulator import SimulatedPark
from tests.fixtures import KUMOMTA

SAMPLE = KUMOMTA / "sample-metrics.txt"


def _library(text: str) -> list[tuple[str, dict[str, str], float]]:
    out = []
    for family in text_string_to_metric_families(text):
        if family.type in ("histogram", "summary", "gaugehistogram"):
            continue
        for s in family.samples:
            name = s.name
            if family.type == "counter" and name == family.name + "_total" and not family.name.endswith("_total"):
                name = family.name
            out.append((name, dict(s.labels), float(s.value)))
    return sorted(out, key=repr)


def _ours(text: str) -> list[tuple[str, dict[str, str], float]]:
    return sorted(((s.name, dict(s.labels), s.value) for s in parse_metrics(text)), key=repr)


def test_the_real_sample_file_parses_the_same_both_ways() -> None:
    text = SAMPLE.read_text()
    assert _ours(text) == _library(text)


@pytest.mark.parametrize("scenario", ["yahoo-tss04", "listeners-refusing"])
def test_simulated_nodes_parse_the_same_both_ways(scenario: str, tmp_path: Path) -> None:
    import httpx

    with SimulatedPark.start(scenario, log_root=tmp_path) as park:
        text = httpx.get(park.node_urls["mta1"] + "/metrics").text
    assert _ours(text) == _library(text)


def test_lines_outside_the_plain_shape_go_to_the_library() -> None:
    text = (
        "# TYPE odd gauge\n"
        'odd{a="with \\"quote\\"", b="x"} 1\n'
        'odd{a="comma,inside"} 2.5\n'
        "# TYPE weird gauge\n"
        'weird{a="x",b="no space"} 3\n'
        "weird NaN\n"
    )
    ours = _ours(text)
    assert ("odd", {"a": 'with "quote"', "b": "x"}, 1.0) in ours
    assert ("weird", {"a": "x", "b": "no space"}, 3.0) in ours
    assert len(ours) == 4
