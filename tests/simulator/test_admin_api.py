"""The state-changing admin API: shapes, errors and effects (REFERENCE §1.1-§1.14)."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.simulator import SimulatedPark
from tests.simulator.conftest import call
from tests.simulator.test_logs import read_records

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_bounce_refuses_unknown_fields_with_422(healthy_park: SimulatedPark) -> None:
    url = healthy_park.node_urls["mta1"]
    answer = call("POST", f"{url}/api/admin/bounce/v1",
                  {"domain": "gmail.com", "reason": "x", "bogus": True})
    assert answer.status == 422
    assert "unknown field `bogus`" in answer.text
    missing = call("POST", f"{url}/api/admin/bounce/v1", {"domain": "gmail.com"})
    assert (missing.status, "missing field `reason`" in missing.text) == (422, True)
    # suspend does not deny unknown fields
    ok = call("POST", f"{url}/api/admin/suspend/v1", {"domain": "x.example", "reason": "r",
                                                       "bogus": 1})
    assert ok.status == 200


def test_bounce_sweeps_queues_and_logs_admin_bounces(healthy_park: SimulatedPark) -> None:
    url = healthy_park.node_urls["mta1"]
    node = healthy_park.node("mta1")
    node.scheduled["acme@gmail.com"].add(node.minute + 30, (node.minute, 1), 40)
    in_ready = [n for rq in node.ready.values() for (q, _, _), n in rq.items.items()
                if q == "acme@gmail.com"]
    waiting = node.scheduled["acme@gmail.com"].count + sum(in_ready)
    created = call("POST", f"{url}/api/admin/bounce/v1",
                   {"campaign": None, "tenant": "acme", "domain": "gmail.com",
                    "routing_domain": None, "reason": "bad send", "suppress_logging": False})
    assert created.status == 200
    body = created.json()
    assert UUID.match(body["id"]) and body["bounced"] == {} and body["total_bounced"] == 0
    listing = call("GET", f"{url}/api/admin/bounce/v1", None).json()
    assert listing[0]["bounced"] == {"acme@gmail.com": waiting}
    assert listing[0]["total_bounced"] == waiting
    assert node.scheduled["acme@gmail.com"].count == 0
    assert listing[0]["duration"].startswith("4m 59s") or listing[0]["duration"] == "5m"
    bounces = [r for r in read_records(healthy_park.log_dirs["mta1"])
               if r["type"] == "AdminBounce"]
    assert len(bounces) == waiting
    assert bounces[0]["site"] == "localhost"
    assert bounces[0]["response"] == {
        "code": 551, "enhanced_code": {"class": 5, "subject": 7, "detail": 1},
        "content": "Administrator bounced with reason: bad send", "command": None}


def test_cancel_answers_removed_or_404_in_plain_text(healthy_park: SimulatedPark) -> None:
    url = healthy_park.node_urls["mta2"]
    entry = call("POST", f"{url}/api/admin/suspend/v1",
                 {"domain": "gmail.com", "reason": "look", "duration": "10m"}).json()
    removed = call("DELETE", f"{url}/api/admin/suspend/v1", {"id": entry["id"]})
    assert (removed.status, removed.text) == (200, f"removed {entry['id']}")
    again = call("DELETE", f"{url}/api/admin/suspend/v1", {"id": entry["id"]})
    assert (again.status, again.text) == (404, f"suspend entry {entry['id']} not found")
    assert again.content_type.startswith("text/plain")
    missing = "00000000-0000-4000-8000-000000000000"
    gone = call("DELETE", f"{url}/api/admin/bounce/v1", {"id": missing})
    assert (gone.status, gone.text) == (404, f"bounce entry {missing} not found")


def test_identical_criteria_or_name_replace_with_a_new_id(healthy_park: SimulatedPark) -> None:
    url = healthy_park.node_urls["mta1"]
    name = "ip-1->(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com@smtp_client"
    first = call("POST", f"{url}/api/admin/suspend-ready-q/v1",
                 {"name": name, "reason": "one", "duration": "1h"}).json()["id"]
    second = call("POST", f"{url}/api/admin/suspend-ready-q/v1",
                  {"name": name, "reason": "two", "duration": 600}).json()["id"]
    entries = call("GET", f"{url}/api/admin/suspend-ready-q/v1", None).json()
    assert first != second
    assert [(e["id"], e["reason"], e["duration"]) for e in entries] == [(second, "two", "10m")]
    a = call("POST", f"{url}/api/admin/suspend/v1", {"tenant": "acme", "reason": "a"}).json()
    b = call("POST", f"{url}/api/admin/suspend/v1", {"tenant": "acme", "reason": "b"}).json()
    listed = call("GET", f"{url}/api/admin/suspend/v1", None).json()
    assert a["id"] != b["id"] and [e["id"] for e in listed] == [b["id"]]
    assert set(listed[0]) == {"id", "campaign", "tenant", "domain", "reason", "duration"}


def test_scheduled_suspension_logs_internal_transient_failures(
        healthy_park: SimulatedPark) -> None:
    url = healthy_park.node_urls["mta3"]
    call("POST", f"{url}/api/admin/suspend/v1",
         {"domain": "gmail.com", "reason": "checking a block", "duration": "30m"})
    healthy_park.advance(timedelta(minutes=3))
    internal = [r for r in read_records(healthy_park.log_dirs["mta3"])
                if r["response"]["content"].startswith("KumoMTA internal: scheduled queue")]
    assert internal
    record = internal[-1]
    assert record["type"] == "TransientFailure"
    assert record["response"]["code"] == 451
    assert record["response"]["enhanced_code"] == {"class": 4, "subject": 4, "detail": 4}
    assert record["response"]["content"] == (
        "KumoMTA internal: scheduled queue is suspended: checking a block")
    assert record["site"] == record["queue"]
    assert record["queue"].endswith("gmail.com")


def test_ready_queue_suspension_moves_mail_to_other_sources(healthy_park: SimulatedPark) -> None:
    url = healthy_park.node_urls["mta1"]
    node = healthy_park.node("mta1")
    path = "ip-2->(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com@smtp_client"
    before = node.ready[path].delivered
    call("POST", f"{url}/api/admin/suspend-ready-q/v1", {"name": path, "reason": "drain"})
    healthy_park.advance(timedelta(minutes=4))
    assert node.ready[path].delivered == before
    assert node.ready[path].count == 0
    other = node.ready["ip-1->(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com@smtp_client"]
    assert other.connections >= 0 and other.delivered > before


def test_get_carries_a_null_body_and_errors_are_plain_text(healthy_park: SimulatedPark) -> None:
    url = healthy_park.node_urls["mta1"]
    unknown = call("GET", f"{url}/api/admin/inspect-sched-q/v1?queue_name=nope.example", None)
    assert (unknown.status, unknown.text) == (404, "Error: no such queue nope.example")
    found = call("GET", f"{url}/api/admin/inspect-sched-q/v1?queue_name=gmail.com&limit=5", None)
    assert found.status == 200
    assert set(found.json()) >= {"queue_name", "messages", "num_scheduled", "queue_config",
                                 "delayed_metric", "now", "last_changed"}
    wrong_type = call("POST", f"{url}/api/admin/suspend/v1", raw=b'{"reason": "x"}',
                      headers={"Content-Type": "text/plain"})
    assert wrong_type.status == 415
    not_json = call("POST", f"{url}/api/admin/suspend/v1", raw=b"{nope")
    assert not_json.status == 400
    assert call("GET", f"{url}/no/such/path", None).status == 404
    assert call("PATCH", f"{url}/api/admin/bounce/v1", None).status == 405
    docs = call("GET", f"{url}/api-docs/openapi.json", None).json()
    assert docs["info"]["title"] == "kumod"


def test_ready_q_states_skips_the_named_queues(fresh_yahoo: SimulatedPark) -> None:
    # At +70 the suspensions are gone and the retries due at +67 fill the Yahoo paths,
    # which then run at their connection limit.
    fresh_yahoo.advance(timedelta(minutes=70))
    node = fresh_yahoo.node("mta1")
    limited = [rq for rq in node.ready.values() if rq.limited_since_ns is not None]
    assert limited
    url = fresh_yahoo.node_urls["mta1"]
    states = call("GET", f"{url}/api/admin/ready-q-states/v1", None).json()
    assert set(states["states_by_ready_queue"]) == {rq.name for rq in limited}
    name = limited[0].name
    state = states["states_by_ready_queue"][name]["connection_limited"]
    assert state["context"] == f"TooManyLeases for kumomta.connection_limit.{name}"
    skipped = call("GET", f"{url}/api/admin/ready-q-states/v1?queues={name}", None).json()
    assert name not in skipped["states_by_ready_queue"]  # the filter is inverted (§1.14)
    assert len(skipped["states_by_ready_queue"]) == len(limited) - 1


def test_rebind_moves_mail_and_logs_admin_rebind(healthy_park: SimulatedPark) -> None:
    url = healthy_park.node_urls["mta2"]
    node = healthy_park.node("mta2")
    node.scheduled["comcast.net"].add(node.minute + 60, (node.minute, 1), 7)
    answer = call("POST", f"{url}/api/admin/rebind/v1",
                  {"domain": "comcast.net", "reason": "move", "data": {"tenant": "acme"}})
    assert (answer.status, answer.json()) == (200, {})
    assert node.scheduled["comcast.net"].count == 0
    assert node.scheduled["acme@comcast.net"].count == 7
    rebinds = [r for r in read_records(healthy_park.log_dirs["mta2"]) if r["type"] == "AdminRebind"]
    assert len(rebinds) == 7
    assert rebinds[0]["response"]["content"] == "Rebound from comcast.net to acme@comcast.net: move"


def test_xfer_hands_mail_to_another_node(healthy_park: SimulatedPark) -> None:
    source, target = healthy_park.node_urls["mta1"], healthy_park.node_urls["mta3"]
    node = healthy_park.node("mta1")
    node.scheduled["comcast.net"].add(node.minute + 60, (node.minute, 1), 5)
    before = healthy_park.node("mta3").received
    assert call("POST", f"{source}/api/admin/xfer/v1",
                {"domain": "comcast.net", "reason": "scale down", "target": target}).status == 200
    assert healthy_park.node("mta3").received == before + 5
    kinds = [r["type"] for r in read_records(healthy_park.log_dirs["mta3"])]
    assert kinds.count("XferIn") == 5
    bad = call("POST", f"{source}/api/admin/xfer/cancel/v1",
               {"queue_name": "comcast.net", "reason": "oops"})
    assert bad.status == 400
    ok = call("POST", f"{source}/api/admin/xfer/cancel/v1",
              {"queue_name": "http://10.0.0.9:8000/.xfer.kumomta.internal", "reason": "r"})
    assert (ok.status, ok.json()) == (200, {})


def test_diagnostic_log_filter_and_bump_config_epoch(healthy_park: SimulatedPark) -> None:
    url = healthy_park.node_urls["mta1"]
    answer = call("POST", f"{url}/api/admin/set_diagnostic_log_filter/v1",
                  {"filter": "kumod=trace"})
    assert (answer.status, answer.text) == (200, "")
    assert healthy_park.node("mta1").diagnostic_filter == "kumod=trace"
    assert call("POST", f"{url}/api/admin/bump-config-epoch", None).status == 200
