"""The bot's own holds: shown from SQL in `holds`, re-applied when a kumod restarts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.adapters.kumomta.writer import KumoHttpWriter
from bot.adapters.slack.views_park import build_holds
from bot.adapters.storage.guarded_sql import SqlGuardedRecords
from bot.bootstrap_demo import Demo, build_demo
from bot.core.answers_guard import GuardAnswer
from bot.core.answers_park import HoldsAnswer
from bot.core.audit import Actor
from bot.core.errors import UpstreamUnavailable
from bot.services import RequestContext, Services
from bot.use_cases import guarded
from bot.use_cases.bot_holds import is_bot_hold, watch_restarts

ALICE, BOB = Actor(id="U0ALICE", name="alice"), Actor(id="U0BOB", name="bob")


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    opened = build_demo("yahoo-tss04", workdir=tmp_path)
    opened.scheduler.stop()  # jobs run only inside `advance`, in this thread
    yield opened
    opened.close()


def handle(services: Services, text: str, actor: Actor = ALICE) -> Any:
    return services.handle(text, RequestContext(actor=actor, transport="test",
                                                channel="C0INCIDENT"))


def suspended(demo: Demo, text: str = "suspend yahoo.com --for 30m --reason test",
              approver: Actor = ALICE) -> GuardAnswer:
    services = demo.local.services
    request = handle(services, text)
    assert isinstance(request, GuardAnswer)
    done = guarded.press(services, request.request_id, by=approver, what="agree")
    assert done.state == "done"
    return done


def listed(demo: Demo, node: str) -> list[dict[str, Any]]:
    url = demo.park.node_urls[node].rstrip("/")
    entries: list[dict[str, Any]] = httpx.get(url + "/api/admin/suspend/v1", timeout=5).json()
    return entries


def reapplied(demo: Demo) -> list[str]:
    return [e.command_text for e in demo.storage.audit.recent(limit=500)
            if e.phase == "intent" and e.command_text.startswith("re-apply")]


def test_holds_shows_the_bots_own_holds_with_who_asked_who_approved_and_until_when(
        demo: Demo) -> None:
    suspended(demo)
    suspended(demo, "suspend yahoo.com --tenant acme --for 5h --reason long", approver=BOB)
    answer = handle(demo.local.services, "holds yahoo.com")
    assert isinstance(answer, HoldsAnswer)
    mine = {info.hold.reason: info for info in answer.bot_holds.values()}
    assert set(mine) == {"test", "long"}
    assert mine["test"].requested_by == "U0ALICE" and mine["test"].approved_by == ()
    assert mine["long"].approved_by == ("U0BOB",)
    text = "\n".join(b["text"]["text"] for b in build_holds(answer) if "text" in b)
    assert "the bot's: test; asked by <@U0ALICE>, confirmed by the requester" in text
    assert "the bot's: long; asked by <@U0ALICE>, approved by <@U0BOB>" in text
    tsa_lines = [h for h in answer.holds if h.origin == "tsa"]
    assert tsa_lines and all(h.hold_id not in answer.bot_holds for h in tsa_lines)


def test_a_bot_hold_that_every_node_forgot_is_still_shown_from_sql(demo: Demo) -> None:
    done = suspended(demo)
    for node in demo.park.node_urls:
        demo.park.restart_node(node)  # no job has run yet: nothing re-applied so far
    answer = handle(demo.local.services, "holds yahoo.com")
    mine = [h for h in answer.holds if h.hold_id in answer.bot_holds]
    assert len(mine) == 1 and mine[0].nodes == {}
    assert set(mine[0].missing_on) == set(demo.park.node_urls)
    assert done.request_id.startswith(answer.bot_holds[mine[0].hold_id].hold.request_id)


def test_a_restarted_node_gets_the_bots_holds_and_log_filter_back_once(demo: Demo) -> None:
    services = demo.local.services
    suspended(demo)
    suspended(demo, "log-filter kumod=debug --for 30m")
    before = services.writes.records.active_holds(services.clock.now())  # type: ignore[union-attr]
    demo.park.restart_node("mta2")
    assert listed(demo, "mta2") == []
    with demo.park.lock:
        assert demo.park.node("mta2").diagnostic_filter is None
    demo.advance(timedelta(minutes=1))  # the restart watch runs
    assert [(e["domain"], e["reason"]) for e in listed(demo, "mta2")] == [("yahoo.com", "test")]
    with demo.park.lock:
        assert demo.park.node("mta2").diagnostic_filter == "kumod=debug"
    assert len(reapplied(demo)) == 2
    after = services.writes.records.active_holds(services.clock.now())  # type: ignore[union-attr]
    assert after[0].node_uuids["mta2"] == listed(demo, "mta2")[0]["id"]
    assert after[0].node_uuids["mta2"] != before[0].node_uuids["mta2"]
    said = [m.text for m in demo.local.emulator.messages("C0INCIDENT")]
    assert any("kumod on mta2 restarted" in t and "re-applied" in t for t in said)
    assert watch_restarts(services) == {}  # nothing restarted since: nothing written again
    demo.advance(timedelta(minutes=2))
    assert len(reapplied(demo)) == 2 and len(listed(demo, "mta2")) == 1


def test_the_watchers_hook_knows_the_bots_holds_from_tsas_and_hand_made_ones(
        demo: Demo) -> None:
    suspended(demo)
    answer = handle(demo.local.services, "holds yahoo.com")
    check = is_bot_hold(SqlGuardedRecords(demo.storage.engine), demo.local.services.clock)
    assert [check(h.hold_id) for h in answer.holds if h.hold_id in answer.bot_holds] == [True]
    assert not any(check(h.hold_id) for h in answer.holds if h.origin == "tsa")
    assert demo.watchers is not None  # the demo's TSA watcher is given the same hook
    wired = demo.watchers.watchers[0].is_bot_hold
    assert [wired(h) for h in answer.bot_holds] == [True]


class _ProbeRefused(httpx.BaseTransport):
    """One node answers reads but not the write probe yet (still starting up)."""

    def __init__(self, refused_on: str) -> None:
        self.inner = httpx.HTTPTransport()
        self.port = httpx.URL(refused_on).port

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "GET" and request.url.port == self.port:
            raise httpx.ConnectError("connection refused", request=request)
        return self.inner.handle_request(request)


def test_a_restarted_node_not_ready_for_writes_is_tried_again_later(demo: Demo) -> None:
    services = demo.local.services
    assert services.writes is not None
    suspended(demo)
    writes = services.writes
    demo.park.restart_node("mta2")
    services.writes = replace(writes, writer=KumoHttpWriter(
        dict(demo.park.node_urls), transport=_ProbeRefused(demo.park.node_urls["mta2"])))
    with pytest.raises(UpstreamUnavailable):
        watch_restarts(services)
    assert listed(demo, "mta2") == [] and reapplied(demo) == []
    services.writes = writes  # the node takes writes now: the next look re-applies
    assert list(watch_restarts(services)) == ["mta2"]
    assert len(listed(demo, "mta2")) == 1 and len(reapplied(demo)) == 1
