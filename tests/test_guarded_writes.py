"""Guarded writes end to end: the simulator over loopback, SQLite, the real writer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from slack_bolt import BoltRequest

from bot.adapters.kumomta.writer import KumoHttpWriter
from bot.bootstrap_demo import Demo, build_demo
from bot.core.admin_writes import NIL_UUID
from bot.core.answers import ErrorAnswer
from bot.core.answers_guard import GuardAnswer
from bot.core.audit import Actor
from bot.core.errors import GuardRefused
from bot.services import RequestContext, Services
from bot.use_cases import guarded

ALICE, BOB = Actor(id="U0ALICE", name="alice"), Actor(id="U0BOB", name="bob")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    opened = build_demo("yahoo-tss04", workdir=tmp_path)
    yield opened
    opened.close()


def ask(services: Services, text: str, actor: Actor = ALICE) -> GuardAnswer:
    answer = services.handle(text, RequestContext(actor=actor, transport="test",
                                                  channel="C0INCIDENT"))
    assert isinstance(answer, GuardAnswer), answer
    return answer


def listed(demo: Demo, path: str) -> dict[str, list[dict[str, Any]]]:
    return {node: httpx.get(url.rstrip("/") + path, timeout=5).json()
            for node, url in demo.park.node_urls.items()}


def test_a_suspension_runs_on_every_node_after_its_requester_confirms(demo: Demo) -> None:
    services = demo.local.services
    request = ask(services, "suspend yahoo.com --for 30m --reason test")
    assert (request.decision, request.state) == ("confirm", "pending")
    assert all(not entries for entries in listed(demo, "/api/admin/suspend/v1").values())
    done = guarded.press(services, request.request_id, by=ALICE, what="agree")
    assert done.state == "done" and [o.status for o in done.outcomes] == ["done"] * 3
    for entries in listed(demo, "/api/admin/suspend/v1").values():
        assert [(e["domain"], e["reason"]) for e in entries] == [("yahoo.com", "test")]
    kept = services.writes.records.active_holds(services.clock.now())  # type: ignore[union-attr]
    assert len(kept) == 1 and set(kept[0].node_uuids) == set(demo.park.node_urls)


def test_a_double_click_on_approve_runs_the_bounce_once(demo: Demo) -> None:
    services = demo.local.services
    request = ask(services, "bounce yahoo.com --reason x")
    click = {"type": "block_actions", "user": {"id": "U0BOB", "username": "bob"},
             "container": {"channel_id": "C0INCIDENT", "message_ts": ""},
             "actions": [{"action_id": "kumo_guard_approve", "value": request.request_id,
                          "action_ts": "1700000000.000100"}]}
    for _ in range(2):  # Slack delivered the same click twice
        demo.local.bot.app.dispatch(BoltRequest(body=click, mode="socket_mode"))
    demo.local.bot.pool.wait_idle(timeout=60)
    intents = [e for e in demo.storage.audit.recent(limit=200)
               if e.phase == "intent" and e.correlation_id == request.request_id]
    assert len(intents) == 1
    with pytest.raises(GuardRefused, match="already done"):
        guarded.press(services, request.request_id, by=BOB, what="agree")  # a second click
    assert all(len(entries) == 1 for entries in listed(demo, "/api/admin/bounce/v1").values())


def test_a_new_hold_between_request_and_approval_stops_the_run(demo: Demo) -> None:
    services = demo.local.services
    request = ask(services, "bounce yahoo.com --reason x")
    first = next(iter(demo.park.node_urls.values())).rstrip("/")
    httpx.post(first + "/api/admin/suspend/v1", timeout=5,
               json={"domain": "yahoo.com", "tenant": "acme", "reason": "out of band"})
    stopped = guarded.press(services, request.request_id, by=BOB, what="agree")
    assert stopped.state == "stopped" and "changed" in stopped.note
    assert all(not entries for entries in listed(demo, "/api/admin/bounce/v1").values())


def test_an_expired_approval_is_refused(demo: Demo) -> None:
    services = demo.local.services
    request = ask(services, "bounce yahoo.com --reason x")
    demo.park.advance(timedelta(minutes=15))
    with pytest.raises(GuardRefused, match="expired"):
        guarded.press(services, request.request_id, by=BOB, what="agree")
    assert all(not entries for entries in listed(demo, "/api/admin/bounce/v1").values())


def test_the_scheduler_expires_a_request_nobody_approved(demo: Demo) -> None:
    services = demo.local.services
    request = ask(services, "bounce yahoo.com --reason x")
    demo.advance(timedelta(minutes=16))  # the scheduler runs the expiry job on the way
    with pytest.raises(GuardRefused, match="already expired"):
        guarded.press(services, request.request_id, by=BOB, what="agree")
    expired = [e for e in demo.storage.audit.recent(limit=200)
               if e.correlation_id == request.request_id and e.detail == "expired"]
    assert len(expired) == 1
    assert all(not entries for entries in listed(demo, "/api/admin/bounce/v1").values())


class _AnswerLost(httpx.BaseTransport):
    """The write reaches the node, but its answer never comes back (a read timeout)."""

    def __init__(self, lost_on: str) -> None:
        self.inner = httpx.HTTPTransport()
        self.lost_on = lost_on

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if request.method == "POST" and request.url.port == httpx.URL(self.lost_on).port:
            response.read()
            raise httpx.ReadTimeout("no answer", request=request)
        return response


def test_a_node_that_times_out_is_reported_unknown_then_reconciled(demo: Demo) -> None:
    services = demo.local.services
    assert services.writes is not None
    lost = demo.park.node_urls["mta2"]
    services.writes = replace(services.writes, writer=KumoHttpWriter(
        dict(demo.park.node_urls), transport=_AnswerLost(lost)))
    request = ask(services, "suspend yahoo.com --for 30m --reason test")
    done = guarded.press(services, request.request_id, by=ALICE, what="agree")
    by_node = {o.node: o for o in done.outcomes}
    assert by_node["mta2"].status == "done" and "its list shows" in by_node["mta2"].detail
    outcomes = [e for e in demo.storage.audit.recent(limit=200)
                if e.phase == "outcome" and e.correlation_id == request.request_id
                and e.nodes == ["mta2"]]
    assert [e.outcome for e in reversed(outcomes)] == ["unknown", "ok"]


YAHOO_SITE = "(mta5|mta6|mta7).am0.yahoodns.net"


def test_suspend_path_on_a_path_in_the_metrics_waits_for_confirm(demo: Demo) -> None:
    request = ask(demo.local.services, f"suspend-path ip-1 '{YAHOO_SITE}' --for 30m "
                  "--reason test")
    assert (request.decision, request.state) == ("confirm", "pending")
    assert f"`ip-1->{YAHOO_SITE}@smtp_client`" in request.action


@pytest.mark.parametrize(("words", "says"), [
    (f"ip-9 '{YAHOO_SITE}'", "is reached from source(s) `ip-1`, `ip-2`, `ip-3`, not `ip-9`"),
    ("ip-1 gmail-smtp-in.l.google.com", "has paths to `(alt1|alt2|alt3|alt4)?.gmail-smtp-in"),
    ("ip-9 nowhere.example", "No node's metrics show source `ip-9` or site `nowhere.example`"),
])
def test_suspend_path_on_a_path_no_node_has_is_refused_saying_what_exists(
        demo: Demo, words: str, says: str) -> None:
    services = demo.local.services
    answer = services.handle(f"suspend-path {words} --for 30m --reason test",
                             RequestContext(actor=ALICE, transport="test", channel="C0INCIDENT"))
    assert isinstance(answer, ErrorAnswer), answer
    assert "No node's current metrics show the egress path" in answer.message
    assert says in answer.message
    decisions = [e for e in demo.storage.audit.recent(limit=200) if e.phase == "decision"]
    assert decisions == []  # refused before the guard judged anything


class _CancelAnswerLost(httpx.BaseTransport):
    """A cancel reaches the node, but its answer never comes back (the write probe does)."""

    def __init__(self, lost_on: str) -> None:
        self.inner = httpx.HTTPTransport()
        self.lost_on = lost_on

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if (request.method == "DELETE" and request.url.port == httpx.URL(self.lost_on).port
                and NIL_UUID not in request.content.decode()):
            response.read()
            raise httpx.ReadTimeout("no answer", request=request)
        return response


def test_a_cancel_whose_answer_is_lost_is_read_back_from_the_nodes_list(demo: Demo) -> None:
    services = demo.local.services
    assert services.writes is not None
    for url in demo.park.node_urls.values():  # a hold made by hand on every node
        httpx.post(url.rstrip("/") + "/api/admin/suspend/v1", timeout=5,
                   json={"domain": "yahoo.com", "tenant": "acme", "reason": "by hand",
                         "duration": "1h"})
    holds = services.handle("holds yahoo.com", RequestContext(actor=ALICE, transport="test"))
    hold = next(h for h in holds.holds if h.reason == "by hand")  # type: ignore[attr-defined]
    services.writes = replace(services.writes, writer=KumoHttpWriter(
        dict(demo.park.node_urls), transport=_CancelAnswerLost(demo.park.node_urls["mta2"])))
    request = ask(services, f"cancel {hold.hold_id}")
    done = guarded.press(services, request.request_id, by=ALICE, what="agree")
    by_node = {o.node: o for o in done.outcomes}
    assert by_node["mta2"].status == "done"
    assert by_node["mta2"].detail == "its list no longer shows the entry: cancelled"
    assert all(not [e for e in entries if e["reason"] == "by hand"]
               for entries in listed(demo, "/api/admin/suspend/v1").values())
    outcomes = [e for e in demo.storage.audit.recent(limit=200)
                if e.phase == "outcome" and e.correlation_id == request.request_id
                and e.nodes == ["mta2"]]
    assert [e.outcome for e in reversed(outcomes)] == ["unknown", "ok"]
