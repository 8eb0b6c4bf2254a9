"""KumoHttpReader against a loopback kumod serving the shapes REFERENCE records."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.adapters.kumomta import BadAnswer, BasicAuth, BearerToken
from bot.core.errors import ConfigError, UpstreamError
from bot.core.models import QueueState

from . import recorded
from .fakehttp import FakeServer, Reply, json_reply
from .helpers import ask_node


def test_liveness_ok_is_an_answer(kumod: FakeServer) -> None:
    liveness = ask_node(kumod.url, lambda r: r.liveness())
    assert liveness.ok and liveness.status == 200 and liveness.text == "OK"


def test_liveness_503_is_an_answer_with_the_reason(kumod: FakeServer) -> None:
    kumod.route("/api/check-liveness/v1", Reply(503, "load shedding"))
    liveness = ask_node(kumod.url, lambda r: r.liveness())
    assert not liveness.ok and liveness.status == 503 and liveness.text == "load shedding"


def test_machine_info_reads_machine_info_v1(kumod: FakeServer) -> None:
    info = ask_node(kumod.url, lambda r: r.machine_info())
    assert info.node_id == recorded.MACHINE_INFO["node_id"]
    assert info.version == "2026.06.23-f3af1cd0"
    assert info.online_since == datetime(2026, 8, 4, 10, 0, 0, 123456, tzinfo=UTC)
    assert info.num_cores == 8 and info.process_kind == "kumod"


def test_bounces_read_durations_as_time_remaining(kumod: FakeServer) -> None:
    [bounce] = ask_node(kumod.url, lambda r: r.bounces())
    assert bounce.id == "169c3dc0-6518-41ef-bfbb-1f0ae426cb32"
    assert bounce.reason == "purge" and bounce.domain is None
    assert bounce.remaining == timedelta(minutes=4, seconds=50, milliseconds=207, microseconds=320)
    assert bounce.bounced == {"wezfurlong.org": 1} and bounce.total_bounced == 1


def test_scheduled_suspensions_read(kumod: FakeServer) -> None:
    [hold] = ask_node(kumod.url, lambda r: r.scheduled_suspensions())
    assert (hold.tenant, hold.domain, hold.campaign) == ("acme", "gmail.com", None)
    assert hold.remaining == timedelta(hours=2, minutes=59, seconds=58, milliseconds=1,
                                       microseconds=2)


def test_ready_queue_suspensions_read(kumod: FakeServer) -> None:
    [hold] = ask_node(kumod.url, lambda r: r.ready_queue_suspensions())
    assert hold.name == "unspecified->localhost@smtp_client"
    assert hold.remaining == timedelta(minutes=59, seconds=58, milliseconds=880, microseconds=1)
    assert hold.expires == datetime(2026, 8, 4, 13, 0, 0, 123456, tzinfo=UTC)


def test_hold_lists_tolerate_missing_optional_and_unknown_extra_fields(kumod: FakeServer) -> None:
    kumod.route("/api/admin/bounce/v1", json_reply([
        {"id": "b1", "reason": "old kumod", "duration": "1day 2h"},
        {"id": "b2", "reason": "new kumod", "duration": "0s", "queue_names": ["x"],
         "some_future_field": {"a": 1}, "routing_domain": "r.example"},
    ]))
    old, new = ask_node(kumod.url, lambda r: r.bounces())
    assert old.remaining == timedelta(days=1, hours=2) and old.bounced == {}
    assert new.remaining == timedelta(0) and new.routing_domain == "r.example"


def test_an_empty_hold_list_is_empty(kumod: FakeServer) -> None:
    kumod.route("/api/admin/suspend/v1", json_reply([]))
    assert ask_node(kumod.url, lambda r: r.scheduled_suspensions()) == []


def test_ready_queue_states_read_and_never_send_queues(kumod: FakeServer) -> None:
    states = ask_node(kumod.url, lambda r: r.ready_queue_states())
    state = states[recorded.GMAIL_RQ]
    assert state.connection_limited == QueueState(
        context="TooManyLeases for kumomta.connection_limit.ip-1->...@smtp_client",
        since=datetime(2026, 8, 4, 11, 58, 0, 500000, tzinfo=UTC),
    )
    assert state.connection_rate_throttled is not None
    assert state.connection_rate_throttled.context == "max_connection_rate throttling for 1.5s"
    [seen] = kumod.requests_to("/api/admin/ready-q-states/v1")
    assert seen.query == {}  # the queues filter is inverted (REFERENCE 1.14): omit it


def test_ready_queue_states_with_only_one_state(kumod: FakeServer) -> None:
    kumod.route("/api/admin/ready-q-states/v1", json_reply({"states_by_ready_queue": {
        "q": {"connection_limited": {"context": "acquiring connection lease x",
                                     "since": "2026-08-04T11:58:00Z"}}}}))
    states = ask_node(kumod.url, lambda r: r.ready_queue_states())
    assert states["q"].connection_rate_throttled is None


def test_api_paths_come_from_the_openapi_document(kumod: FakeServer) -> None:
    paths = ask_node(kumod.url, lambda r: r.api_paths())
    assert paths == set(json.loads(recorded.KUMOD_OPENAPI)["paths"])
    assert "/api/admin/ready-q-states/v1" in paths


def test_every_get_carries_a_null_json_body_as_kcli_does(kumod: FakeServer) -> None:
    async def every_read(reader):  # type: ignore[no-untyped-def]
        await reader.liveness()
        await reader.machine_info()
        await reader.metrics()
        await reader.bounces()
        await reader.scheduled_suspensions()
        await reader.ready_queue_suspensions()
        await reader.ready_queue_states()
        await reader.api_paths()

    ask_node(kumod.url, every_read)
    assert len(kumod.seen) == 8
    for seen in kumod.seen:
        assert seen.method == "GET"
        assert seen.body == b"null"
        assert seen.headers["content-type"] == "application/json"


def test_a_path_prefix_in_the_endpoint_is_replaced(kumod: FakeServer) -> None:
    ask_node(kumod.url + "/some/prefix/?x=1", lambda r: r.bounces())
    assert [seen.path for seen in kumod.seen] == ["/api/admin/bounce/v1"]
    assert kumod.seen[0].query == {}


def test_no_credentials_send_no_authorization(kumod: FakeServer) -> None:
    ask_node(kumod.url, lambda r: r.bounces())
    assert "authorization" not in kumod.seen[0].headers


def test_basic_credentials_from_settings(kumod: FakeServer) -> None:
    ask_node(kumod.url, lambda r: r.bounces(), credentials=BasicAuth("slackbot", "s3cret"))
    expected = "Basic " + base64.b64encode(b"slackbot:s3cret").decode()
    assert kumod.seen[0].headers["authorization"] == expected


def test_bearer_credentials_from_settings(kumod: FakeServer) -> None:
    ask_node(kumod.url, lambda r: r.bounces(), credentials=BearerToken("tok-123"))
    assert kumod.seen[0].headers["authorization"] == "Bearer tok-123"


def test_credentials_in_the_url_become_basic_auth_and_win(kumod: FakeServer) -> None:
    url = kumod.url.replace("http://", "http://bob:pa%3Ass@")
    ask_node(url, lambda r: r.bounces(), credentials=BearerToken("ignored"))
    expected = "Basic " + base64.b64encode(b"bob:pa:ss").decode()
    assert kumod.seen[0].headers["authorization"] == expected


def test_credentials_never_show_in_the_reader_repr() -> None:
    assert "s3cret" not in repr(BasicAuth("u", "s3cret"))
    assert "tok" not in repr(BearerToken("tok"))


def test_a_node_url_that_is_not_http_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="mta1"):
        ask_node("ftp://u:secret@host", lambda r: r.liveness())


@pytest.mark.parametrize(
    ("path", "reply"),
    [
        ("/api/admin/bounce/v1", Reply(200, "not json", "application/json")),
        ("/api/admin/bounce/v1", json_reply({"oops": True})),
        ("/api/admin/bounce/v1", json_reply([{"id": "x", "duration": "5m"}])),
        ("/api/admin/bounce/v1", json_reply([{"id": "x", "reason": "r", "duration": "soon"}])),
        ("/api/admin/bounce/v1", json_reply(["not an object"])),
        ("/api/admin/bounce/v1", json_reply({"id": "x", "reason": "r"})),
        ("/api/machine-info", json_reply({"hostname": "h"})),
        ("/api/admin/ready-q-states/v1", json_reply([1, 2])),
        ("/api-docs/openapi.json", json_reply({"openapi": "3.1"})),
    ],
)
def test_malformed_answers_are_bad_answers(kumod: FakeServer, path: str, reply: Reply) -> None:
    kumod.route(path, reply)
    readers = {
        "/api/admin/bounce/v1": lambda r: r.bounces(),
        "/api/machine-info": lambda r: r.machine_info(),
        "/api/admin/ready-q-states/v1": lambda r: r.ready_queue_states(),
        "/api-docs/openapi.json": lambda r: r.api_paths(),
    }
    with pytest.raises(BadAnswer, match="bad answer") as caught:
        ask_node(kumod.url, readers[path])
    assert isinstance(caught.value, UpstreamError) and caught.value.node == "mta1"
