"""Auth and ACL refusals (REFERENCE §7), wire formats (§0.2), the clock, the synthetic park."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from bot.simulator import SimAuth, SimClock, SimulatedPark
from bot.simulator.scenario import ScenarioError, load_scenario
from bot.simulator.wire import format_duration, parse_duration, parse_rfc3339, rfc3339
from tests.simulator.conftest import START, call, frozen_clock
from tests.simulator.test_yahoo_tss04 import metric_lines


def basic(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
def guarded_park() -> Iterator[SimulatedPark]:
    auth = SimAuth(basic={"viewer": "pw", "ops": "secret"}, bearer={"tok-1": "slackbot"},
                   readers=frozenset({"viewer"}), admin_writers=frozenset({"ops", "slackbot"}))
    park = SimulatedPark(replace(load_scenario("healthy"), history_minutes=5),
                         clock=frozen_clock(), auth=auth)
    yield park
    park.stop()


def test_a_read_only_user_may_read_metrics_but_not_the_admin_api(
        guarded_park: SimulatedPark) -> None:
    url = guarded_park.node_urls["mta1"]
    assert call("GET", f"{url}/metrics", headers=basic("viewer", "pw")).status == 200
    refused = call("GET", f"{url}/api/admin/bounce/v1", headers=basic("viewer", "pw"))
    port = url.rsplit(":", 1)[1]
    assert refused.status == 401
    assert refused.text == (f"id=[viewer]@ ip=127.0.0.1 not permitted GET on "
                            f"http_listener/127.0.0.1:{port}/api/admin/bounce/v1")
    anonymous = call("GET", f"{url}/metrics")
    assert anonymous.status == 401 and anonymous.text.startswith("<Unauthenticated>@ ip=")
    assert call("GET", f"{url}/api/check-liveness/v1").status == 200  # open to anyone


def test_bad_password_and_bearer_tokens(guarded_park: SimulatedPark) -> None:
    url = guarded_park.node_urls["mta2"]
    wrong = call("GET", f"{url}/metrics", headers=basic("ops", "nope"))
    assert (wrong.status, wrong.text) == (401, "HttpBasicAuth Authentication Failed for ops")
    ok = call("POST", f"{url}/api/admin/suspend/v1", {"domain": "x.example", "reason": "r"},
              headers={"Authorization": "Bearer tok-1"})
    assert ok.status == 200
    assert call("GET", f"{url}/metrics", headers={"Authorization": "Bearer bad"}).status == 401
    odd = call("GET", f"{url}/metrics", headers={"Authorization": "Digest abc"})
    assert (odd.status, odd.text) == (400, "Malformed or unsupported Authorization header")
    tsa = guarded_park.tsa_urls["tsa"]
    assert call("GET", f"{tsa}/tsa/status").status == 200
    assert call("GET", f"{tsa}/get_suspension_v1/suspended.json").status == 401


def test_humantime_and_timestamps_follow_the_wire_conventions() -> None:
    assert format_duration(0) == "0s"
    assert format_duration(2_819_207_320_231) == "46m 59s 207ms 320us 231ns"
    assert format_duration(90 * 60 * 10**9) == "1h 30m"
    assert format_duration(86_400 * 10**9) == "1day"
    assert format_duration(3 * 86_400 * 10**9) == "3days"
    for text, seconds in (("5m", 300), ("1 hour", 3600), ("2h 30m", 9000), ("90m", 5400),
                          ("7days", 604_800), (90, 90), (1.5, 1.5)):
        assert parse_duration(text) == seconds * 10**9
    assert rfc3339(1_757_675_281_440_526_026) == "2025-09-12T11:08:01.440526026Z"
    assert rfc3339(1_757_675_281_500_000_000) == "2025-09-12T11:08:01.500Z"
    assert rfc3339(1_757_675_281_000_000_000) == "2025-09-12T11:08:01Z"
    assert parse_rfc3339("2025-09-12T11:08:01.440526026Z") == 1_757_675_281_440_526_026
    assert parse_rfc3339("2025-09-12T13:08:01+02:00") == 1_757_675_281 * 10**9


def test_the_clock_scales_advances_and_never_goes_back() -> None:
    clock = SimClock(start=START, scale=0)
    assert clock.now() == START
    assert clock.advance(timedelta(minutes=50)) == START + timedelta(minutes=50)
    clock.set_scale(60)
    assert clock.now() > START + timedelta(minutes=50)
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))


def test_a_bad_scenario_names_the_file_and_field(tmp_path: object) -> None:
    with pytest.raises(ScenarioError, match="no such scenario"):
        load_scenario("no-such-scenario")
    from pathlib import Path
    bad = Path(str(tmp_path)) / "bad.toml"
    bad.write_text('[scenario]\nname = "x"\ntitle = "t"\ncolour = 1\n')
    with pytest.raises(ScenarioError, match=r"bad\.toml: scenario: unknown field"):
        load_scenario(bad)


def test_synthetic_park_has_about_the_requested_queue_series() -> None:
    park = SimulatedPark.synthetic(nodes=3, series_per_node=300, latency=0.05,
                                   clock=frozen_clock())
    try:
        assert len(park.node_urls) == 3 and park.site_map_path.is_file()
        text = call("GET", park.node_urls["mta002"] + "/metrics").text
        queue_series = [s for s in metric_lines(text)
                        if ":" in s[1].get("service", "") or "queue" in s[1]
                        or "domain" in s[1]]
        assert 270 <= len(queue_series) <= 330
        assert park.knobs("mta003").latency == 0.05
        assert re.search(r'"customer001\.example" = \[\{pref = 10, host = ',
                         park.site_map_path.read_text())
    finally:
        park.stop()
