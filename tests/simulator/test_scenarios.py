"""Every bundled scenario starts and tells its story; the site map agrees with it."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.simulator import SimulatedPark
from bot.simulator.scenario import SCENARIO_DIR, load_scenario
from tests.simulator.conftest import call, frozen_clock
from tests.simulator.test_logs import read_records
from tests.simulator.test_yahoo_tss04 import metric_lines

OTHER_SCENARIOS = ["healthy", "gmail-421-brake", "microsoft-s3150", "bounce-storm",
                   "listeners-refusing"]


def factor_names(mx: list[dict[str, object]]) -> str:
    """A transcription of kumod's `factor_names` (REFERENCE §0.1a), for the cross-check."""
    prefs = sorted({int(str(m["pref"])) for m in mx})
    hosts = [h for p in prefs for h in sorted(str(m["host"]).lower().rstrip(".")
                                              for m in mx if m["pref"] == p)]
    labels = [list(reversed(h.split("."))) for h in hosts]
    parts = []
    for i in range(max(len(ls) for ls in labels)):
        alts: list[str] = []
        for ls in labels:
            if len(ls) > i and ls[i] not in alts:
                alts.append(ls[i])
        text = alts[0] if len(alts) == 1 else "(" + "|".join(alts) + ")"
        parts.append(text + ("?" if any(len(ls) <= i for ls in labels) else ""))
    return ".".join(reversed(parts))


def test_the_site_map_and_the_scenarios_agree_on_site_names() -> None:
    with (SCENARIO_DIR / "sitemap.toml").open("rb") as fh:
        site_map = tomllib.load(fh)
    gmail = "(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com"
    assert factor_names(site_map["gmail.com"]) == gmail
    assert factor_names(site_map["yahoo.com"]) == "(mta5|mta6|mta7).am0.yahoodns.net"
    for name in SimulatedPark.scenario_names():
        for domain, info in load_scenario(name).domains.items():
            assert factor_names(site_map[domain]) == info.site, (name, domain)
            mapped = {str(m["host"]) for m in site_map[domain]}
            assert {m.host for m in info.mx} <= mapped, (name, domain)


def test_scenario_names_lists_the_bundled_scenarios() -> None:
    # tsa-cycle's story is told in tests/simulator/test_tsa_cycle.py
    assert SimulatedPark.scenario_names() == sorted(["yahoo-tss04", "tsa-cycle",
                                                     *OTHER_SCENARIOS])


@pytest.fixture(scope="module", params=OTHER_SCENARIOS)
def park(request: pytest.FixtureRequest) -> Iterator[SimulatedPark]:
    started = SimulatedPark.start(request.param, clock=frozen_clock())
    yield started
    started.stop()


def counters(park: SimulatedPark, node: str, name: str) -> dict[str, int]:
    text = call("GET", f"{park.node_urls[node]}/metrics").text
    return {labels.get("service", ""): value for metric, labels, value in metric_lines(text)
            if metric == name}


def tsa_is_idle(park: SimulatedPark) -> bool:
    tsa = park.tsa_urls["tsa"]
    return (call("GET", f"{tsa}/get_suspension_v1/suspended.json").json()
            == {"ready_q": [], "sched_q": []}
            and call("GET", f"{tsa}/get_config_v1/shaping.toml").text.endswith("entries: 0\n"))


def test_each_scenario_tells_its_story(park: SimulatedPark) -> None:
    story = {"healthy": _healthy, "gmail-421-brake": _gmail, "microsoft-s3150": _microsoft,
             "bounce-storm": _bounce_storm, "listeners-refusing": _refusing}
    story[park.scenario.name](park)


def _healthy(park: SimulatedPark) -> None:
    assert tsa_is_idle(park)
    for node, url in park.node_urls.items():
        assert call("GET", f"{url}/api/check-liveness/v1").text == "OK"
        assert call("GET", f"{url}/api/admin/suspend-ready-q/v1").json() == []
        assert counters(park, node, "total_messages_delivered")["smtp_client"] > 1000


def _gmail(park: SimulatedPark) -> None:
    assert tsa_is_idle(park)  # no active Google automation in the shipped shaping.toml
    records = read_records(park.log_dirs["mta2"])
    brakes = [r for r in records if r["response"]["enhanced_code"] == {
        "class": 4, "subject": 7, "detail": 28}]
    assert brakes and all(r["provider_name"] == "google" for r in brakes)
    assert "unusual rate of unsolicited mail" in brakes[0]["response"]["content"]
    node = park.node("mta2")
    before = sum(q.count for q in node.scheduled.values() if q.domain == "gmail.com")
    park.advance(timedelta(minutes=10))
    assert sum(q.count for q in node.scheduled.values() if q.domain == "gmail.com") > before


def _microsoft(park: SimulatedPark) -> None:
    assert tsa_is_idle(park)  # the default regex needs a bare dotted IP
    fails = counters(park, "mta1", "total_messages_fail")
    for source in ("ip-1", "ip-2"):
        assert fails[f"smtp_client:{source}->outlook-com.olc.protection.outlook.com@smtp_client"]
        assert fails[f"smtp_client:{source}->hotmail-com.olc.protection.outlook.com@smtp_client"]
    assert fails["smtp_client:ip-3->outlook-com.olc.protection.outlook.com@smtp_client"] == 0
    assert counters(park, "mta2", "total_messages_fail")["smtp_client"] == 0
    bounce = next(r for r in read_records(park.log_dirs["mta1"]) if r["type"] == "Bounce")
    assert bounce["response"]["content"].startswith(
        "Unfortunately, messages from [203.0.113.1")
    assert "(S3150)" in bounce["response"]["content"]
    assert "[Name=Protocol Filter Agent][AGT=PFA][MxId=" in bounce["response"]["content"]


def _bounce_storm(park: SimulatedPark) -> None:
    assert tsa_is_idle(park)
    records = read_records(park.log_dirs["mta3"])
    bounces = [r for r in records if r["type"] == "Bounce"]
    assert all(r["queue"].startswith("globex@") for r in bounces)
    kinds = {(r["response"]["code"], r["bounce_classification"]) for r in bounces}
    assert len(kinds) >= 4
    assert (550, "InvalidRecipient") in kinds and (552, "QuotaIssues") in kinds
    assert any("Spamhaus" in r["response"]["content"] for r in bounces)


def _refusing(park: SimulatedPark) -> None:
    mta2 = park.node_urls["mta2"]
    live = call("GET", f"{mta2}/api/check-liveness/v1")
    assert (live.status, live.text) == (503, "load shedding")
    series = {m: v for m, labels, v in metric_lines(call("GET", f"{mta2}/metrics").text)
              if not labels or labels.get("service") == "esmtp_listener"}
    assert series["memory_usage"] >= series["memory_limit"]
    assert series["memory_over_limit_count"] >= 1
    denied = series["total_connections_denied"]
    assert denied > 0
    park.advance(timedelta(minutes=2))
    assert counters(park, "mta2", "total_connections_denied")["esmtp_listener"] > denied
    assert call("GET", f"{park.node_urls['mta1']}/api/check-liveness/v1").text == "OK"
    mta3 = dict((m, v) for m, _, v in metric_lines(call("GET", f"{park.node_urls['mta3']}"
                                                        "/metrics").text))
    assert mta3["memory_low_count"] == 1
