"""The override reason typed in a Slack modal: views.open on Approve, then view_submission."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import BoltRequest

from bot.adapters.slack.terminal_modals import modal_inputs, view_submission_payload
from bot.bootstrap_demo import Demo, build_demo
from bot.core.answers_guard import GuardAnswer
from bot.core.audit import Actor
from bot.services import RequestContext

RAISE = "shaping set yahoo.com max_message_rate=10000/h --for 1h"


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    opened = build_demo("yahoo-tss04", workdir=tmp_path)
    yield opened
    opened.close()


def requested(demo: Demo) -> GuardAnswer:
    answer = demo.local.services.handle(RAISE, RequestContext(
        actor=Actor(id="U0ALICE", name="alice"), transport="test", channel="C0INCIDENT"))
    assert isinstance(answer, GuardAnswer) and answer.override_required
    return answer


def click_approve(demo: Demo, request_id: str, user: str, ts: str = "1.000100") -> None:
    body = {"type": "block_actions", "user": {"id": user, "username": user},
            "trigger_id": demo.local.emulator.new_trigger_id(user),
            "container": {"channel_id": "C0INCIDENT", "message_ts": "1700000000.000100"},
            "actions": [{"action_id": "kumo_guard_approve", "value": request_id,
                         "action_ts": ts}]}
    demo.local.bot.app.dispatch(BoltRequest(body=body, mode="socket_mode"))
    demo.local.bot.pool.wait_idle(timeout=60)
    demo.local.emulator.wait_idle(quiet_for=0.2, timeout=30)


def submit(demo: Demo, view: dict[str, Any], user: str, reason: str) -> Any:
    field = modal_inputs(view)[0]
    body = view_submission_payload(view, {field: reason}, user_id=user, user_name=user,
                                   trigger_id=demo.local.emulator.new_trigger_id(user))
    response = demo.local.bot.app.dispatch(BoltRequest(body=body, mode="socket_mode"))
    demo.local.bot.pool.wait_idle(timeout=60)
    return response


def approvals(demo: Demo, request_id: str) -> list[str]:
    return [e.detail for e in demo.storage.audit.recent(limit=300)
            if e.correlation_id == request_id and e.phase == "approval"]


def test_approve_opens_a_modal_and_its_submission_runs_the_request_once(demo: Demo) -> None:
    request = requested(demo)
    click_approve(demo, request.request_id, "U0BOB")
    views = demo.local.emulator.views
    assert len(views) == 1 and views[0].user == "U0BOB"
    assert views[0].view["callback_id"] == "kumo_guard_override"
    assert approvals(demo, request.request_id) == []  # nothing agreed before the reason
    response = submit(demo, views[0].view, "U0BOB", "the receiver lifted the brake")
    assert response.status == 200
    submit(demo, views[0].view, "U0BOB", "the receiver lifted the brake")  # delivered twice
    assert approvals(demo, request.request_id) == [
        "approved by U0BOB; override: the receiver lifted the brake"]
    stored = demo.local.services.writes.records.get(request.request_id)  # type: ignore[union-attr]
    assert stored is not None and stored.status == "done"


def test_a_blank_reason_keeps_the_modal_open_with_an_error(demo: Demo) -> None:
    request = requested(demo)
    click_approve(demo, request.request_id, "U0BOB")
    response = submit(demo, demo.local.emulator.views[0].view, "U0BOB", "   ")
    assert response.status == 200 and '"response_action": "errors"' in str(response.body)
    assert approvals(demo, request.request_id) == []


def test_the_requester_gets_no_modal_only_the_refusal(demo: Demo) -> None:
    request = requested(demo)
    click_approve(demo, request.request_id, "U0ALICE")
    assert demo.local.emulator.views == []
    told = [e.text for e in demo.local.emulator.ephemerals("C0INCIDENT", "U0ALICE")]
    assert any("You cannot approve your own request" in t for t in told)


def test_a_click_whose_trigger_slack_no_longer_honours_says_to_press_again(demo: Demo) -> None:
    request = requested(demo)
    body = {"type": "block_actions", "user": {"id": "U0BOB", "username": "bob"},
            "trigger_id": "1.1.not-issued-by-slack",
            "container": {"channel_id": "C0INCIDENT", "message_ts": "1700000000.000100"},
            "actions": [{"action_id": "kumo_guard_approve", "value": request.request_id,
                         "action_ts": "2.000100"}]}
    demo.local.bot.app.dispatch(BoltRequest(body=body, mode="socket_mode"))
    demo.local.bot.pool.wait_idle(timeout=60)
    demo.local.emulator.wait_idle(quiet_for=0.2, timeout=30)
    assert demo.local.emulator.views == []
    told = [e.text for e in demo.local.emulator.ephemerals("C0INCIDENT", "U0BOB")]
    assert any("press Approve again" in t for t in told)
    assert approvals(demo, request.request_id) == []
