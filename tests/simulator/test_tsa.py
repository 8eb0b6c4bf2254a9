"""The tsa-daemon: publishing records, its lists, and the event stream (REFERENCE §5)."""

from __future__ import annotations

import re

import orjson
from websockets.sync.client import connect

from bot.simulator import SimulatedPark
from tests.simulator.conftest import call

YAHOO = "(mta5|mta6|mta7).am0.yahoodns.net"


def tss04_record(park: SimulatedPark, source: str) -> dict[str, object]:
    now = park.clock.now_ns() // 1_000_000_000
    return {
        "type": "TransientFailure", "id": "1d98076abbbc11ed940250ebf67f93bd",
        "sender": "user@example.com", "recipient": "user@yahoo.com", "queue": "yahoo.com",
        "site": f"{source}->{YAHOO}@smtp_client", "size": 1024,
        "response": {"code": 421, "enhanced_code": {"class": 4, "subject": 7, "detail": 0},
                     "content": "[TSS04] Messages from 203.0.113.99 temporarily deferred "
                                "due to user complaints", "command": "."},
        "timestamp": now, "created": now, "num_attempts": 1,
        "bounce_classification": "Uncategorized", "egress_source": source, "meta": {},
        "headers": {}, "nodeid": "557f3ad4-2c8c-11ee-976e-782d7e12e173",
    }


def test_event_stream_sends_the_snapshot_then_live_events(fresh_yahoo: SimulatedPark) -> None:
    assert fresh_yahoo.tsa_ws_url.startswith(fresh_yahoo.tsa_urls["tsa"].replace("http", "ws"))
    with connect(fresh_yahoo.tsa_ws_url, open_timeout=3) as ws:
        snapshot = [orjson.loads(ws.recv(timeout=3)) for _ in range(3)]
        assert [list(frame) for frame in snapshot] == [["ReadyQSuspension"]] * 3
        body = snapshot[0]["ReadyQSuspension"]
        assert set(body) == {"rule_hash", "site_name", "reason", "source", "expires"}
        assert re.fullmatch(r"[0-9a-f]{64}", body["rule_hash"])
        published = call("POST", f"{fresh_yahoo.tsa_urls['tsa']}/publish_log_v1",
                         tss04_record(fresh_yahoo, "ip-9"))
        assert (published.status, published.text) == (200, "")
        live = {}
        for _ in range(3):  # the live ReadyQSuspension arrives among the frames
            frame = orjson.loads(ws.recv(timeout=3))
            live.update(frame)
            if "ReadyQSuspension" in frame:
                break
        item = live["ReadyQSuspension"]
        assert item["site_name"] == f"ip-9->{YAHOO}@smtp_client"
        assert item["rule_hash"].startswith(f"ip-9->{YAHOO}@smtp_client-")
    # every kumod applied it (they all subscribe to the one daemon)
    for url in fresh_yahoo.node_urls.values():
        names = [e["name"] for e in call("GET", f"{url}/api/admin/suspend-ready-q/v1").json()]
        assert f"ip-9->{YAHOO}@smtp_client" in names
    toml = call("GET", f"{fresh_yahoo.tsa_urls['tsa']}/get_config_v1/shaping.toml").text
    assert '["yahoo.com".sources."ip-9"]' in toml and "# Number of entries: 8" in toml


def test_legacy_stream_has_only_suspensions(yahoo_park: SimulatedPark) -> None:
    url = yahoo_park.tsa_ws_url.replace("subscribe_event_v1", "subscribe_suspension_v1")
    with connect(url, open_timeout=3) as ws:
        frame = orjson.loads(ws.recv(timeout=3))
    assert list(frame) == ["ReadyQ"]


def test_postmaster_and_internal_records_trigger_nothing(yahoo_park: SimulatedPark) -> None:
    tsa = yahoo_park.tsa_urls["tsa"]
    record = tss04_record(yahoo_park, "ip-8")
    record["recipient"] = "postmaster"
    call("POST", f"{tsa}/publish_log_v1", record)
    internal = tss04_record(yahoo_park, "ip-7")
    internal["response"] = {"code": 451, "enhanced_code": None, "command": None,
                            "content": "KumoMTA internal: [TSS04] Messages from 1.2.3.4 "
                                       "temporarily deferred"}
    call("POST", f"{tsa}/publish_log_v1", internal)
    sources = [s["source"] for s in
               call("GET", f"{tsa}/get_suspension_v1/suspended.json").json()["ready_q"]]
    assert sources == ["ip-1", "ip-2", "ip-3"]
    bad = call("POST", f"{tsa}/publish_log_v1", {"type": "Delivery"})
    assert bad.status == 422


def test_tsa_machine_info_and_openapi(yahoo_park: SimulatedPark) -> None:
    tsa = yahoo_park.tsa_urls["tsa"]
    assert call("GET", f"{tsa}/api/machine-info").json()["process_kind"] == "tsa-daemon"
    assert call("GET", f"{tsa}/api-docs/openapi.json").json()["info"]["title"] == "tsa-daemon"
    assert call("GET", f"{tsa}/nope").status == 404
