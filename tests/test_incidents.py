"""Incidents through ``Services.handle``: the yahoo-tss04 simulator over loopback, SQLite.

Membership is explicit (the incident's channel, or ``--incident ID``); bad input is a
clear error and changes nothing; the timeline merges the audit record, notes, TSA's
diary and holds made outside the bot.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from bot.adapters.slack.views import build_answer_message
from bot.bootstrap_demo import Demo, build_demo
from bot.core.answers import AnswerBase, ErrorAnswer
from bot.core.answers_guard import GuardAnswer
from bot.core.answers_incident import IncidentAnswer, IncidentListAnswer, IncidentStatusAnswer
from bot.core.audit import Actor
from bot.services import RequestContext, Services
from bot.use_cases import guarded
from bot.use_cases.incidents import build_timeline

ALICE, BOB = Actor(id="U0ALICE", name="alice"), Actor(id="U0BOB", name="bob")
HERE, ELSEWHERE = "C0INCIDENT", "C0GENERAL"


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    opened = build_demo("yahoo-tss04", workdir=tmp_path)
    yield opened
    opened.close()


def ask(services: Services, text: str, *, channel: str | None = HERE,
        actor: Actor = ALICE) -> AnswerBase:
    return services.handle(text, RequestContext(actor=actor, transport="test", channel=channel))


def start(services: Services, text: str = 'incident start "Yahoo deferrals" --domain yahoo.com',
          **kw: object) -> IncidentAnswer:
    answer = ask(services, text, **kw)  # type: ignore[arg-type]
    assert isinstance(answer, IncidentAnswer), answer
    return answer


def error(answer: AnswerBase) -> str:
    assert isinstance(answer, ErrorAnswer), answer
    return answer.message


def suspend_by_hand(demo: Demo, node: str) -> None:
    """A hold made outside the bot: kcli on one node, straight to kumod."""
    url = demo.park.node_urls[node].rstrip("/")
    response = httpx.post(url + "/api/admin/suspend/v1", timeout=5, json={
        "domain": "yahoo.com", "tenant": "acme", "reason": "ops: <!channel> by hand"})
    response.raise_for_status()


def test_start_opens_the_incident_in_this_channel_and_files_later_commands_under_it(
        demo: Demo) -> None:
    services = demo.local.services
    started = start(services)
    incident = started.incident
    assert incident.id == f"INC-{incident.opened_at:%Y%m%d}-1"
    assert (incident.channel, incident.domains, incident.status) == (HERE, ("yahoo.com",), "open")
    ask(services, "queue yahoo.com")
    ask(services, "queue yahoo.com", channel=ELSEWHERE)  # not in the incident's channel
    ask(services, f"holds yahoo.com --incident {incident.id.lower()}", channel=ELSEWHERE)
    filed = demo.storage.audit.recent(limit=50, incident_id=incident.id)
    assert sorted(e.command_text for e in filed) == sorted([
        'incident start "Yahoo deferrals" --domain yahoo.com', "queue yahoo.com",
        f"holds yahoo.com --incident {incident.id.lower()}"])


def test_a_second_start_in_the_same_channel_is_refused_and_opens_nothing(demo: Demo) -> None:
    services = demo.local.services
    first = start(services)
    message = error(ask(services, 'incident start "Again" --domain yahoo.com'))
    assert f"An open incident already lives in this channel: {first.incident.id}" in message
    assert [i.id for i in services.incidents.recent()] == [first.incident.id]  # type: ignore[union-attr]


def test_an_unknown_incident_id_is_an_error_and_nothing_runs(demo: Demo) -> None:
    services = demo.local.services
    message = error(ask(services, "suspend yahoo.com --for 30m --reason x --incident INC-1-9"))
    assert "There is no incident `INC-1-9`; nothing was run." in message
    assert services.writes is not None
    decisions = [e for e in demo.storage.audit.recent(limit=50) if e.phase == "decision"]
    assert decisions == []  # the guard never saw it
    last = demo.storage.audit.recent(limit=1)[0]
    assert (last.outcome, last.incident_id) == ("error", None)


def test_note_status_and_resolve_outside_an_incident_say_how_to_name_one(demo: Demo) -> None:
    services = demo.local.services
    start(services)
    for verb in ("note it is TSA", "status", "resolve"):
        message = error(ask(services, f"incident {verb}", channel=ELSEWHERE))
        assert "needs an incident: type it in the incident's channel, or add `--incident ID`" \
            in message
    assert [e.kind for e in build_timeline(services, services.incidents.recent()[0])  # type: ignore[union-attr]
            if e.kind == "note"] == []


def test_resolving_twice_is_refused_with_who_resolved_it(demo: Demo) -> None:
    services = demo.local.services
    incident = start(services).incident
    resolved = ask(services, "incident resolve", actor=BOB)
    assert isinstance(resolved, IncidentAnswer) and resolved.incident.status == "resolved"
    assert resolved.incident.resolved_by == BOB.id
    in_channel = error(ask(services, "incident resolve"))
    assert f"{incident.id}, this channel's incident, is already resolved (by U0BOB" in in_channel
    by_id = error(ask(services, f"incident resolve --incident {incident.id}", channel=None))
    assert f"{incident.id} is already resolved (by U0BOB" in by_id
    kinds = [e.kind for e in build_timeline(services, resolved.incident)]
    assert kinds.count("resolved") == 1
    # The channel is free again: a new incident can live there.
    assert start(services, 'incident start "Round two"').incident.id.endswith("-2")


def test_a_hostile_title_and_note_are_escaped_on_the_card(demo: Demo) -> None:
    services = demo.local.services
    started = start(services, 'incident start "<!channel> *pwn* <https://evil|click>" '
                              "--domain yahoo.com")
    noted = ask(services, "incident note <@U0BOB> look <!here>")
    for answer in (started, noted):
        blocks = json.dumps(build_answer_message(answer, asked_by="U0ALICE", text="x").blocks)
        assert "<!channel>" not in blocks and "<!here>" not in blocks
        assert "<https://evil" not in blocks and "<@U0BOB>" not in blocks
    card = json.dumps(build_answer_message(started, asked_by="U0ALICE", text="x").blocks)
    assert "&lt;!channel&gt;" in card


def test_the_timeline_tells_commands_changes_with_node_results_notes_tsa_and_out_of_band(
        demo: Demo) -> None:
    services = demo.local.services
    start(services)
    ask(services, "queue yahoo.com")
    request = ask(services, "suspend yahoo.com --tenant acme --for 30m --reason brake")
    assert isinstance(request, GuardAnswer)
    guarded.press(services, request.request_id, by=ALICE, what="agree")
    suspend_by_hand(demo, "mta2")
    noted = ask(services, "incident note TSA is braking <!channel>")
    assert isinstance(noted, IncidentAnswer)  # the note's look is the first to see it
    assert len(noted.out_of_band) == 1 and list(noted.out_of_band[0].nodes) == ["mta2"]
    status = ask(services, "incident status")
    assert isinstance(status, IncidentStatusAnswer) and status.out_of_band == []
    sides = {h.hold.reason: h.side for h in status.holds}
    assert sides["brake"] == "bot" and sides["ops: <!channel> by hand"] == "out-of-band"
    assert "tsa" in sides.values()
    shown = json.dumps(build_answer_message(status, asked_by="U0ALICE", text="x").blocks)
    assert "made outside the bot" in shown and "Pending approvals" in shown
    # TSA's per-source actions are one line each, and the full record is pointed to once
    assert "from sources ip-1, ip-2, ip-3" in shown and shown.count("/kumo tsa history") == 1
    assert "Confirmed by the requester" in shown and "approved by" not in shown
    assert "<!channel>" not in shown and "ops: &lt;!channel&gt; by hand" in shown
    resolved = ask(services, "incident resolve")
    assert isinstance(resolved, IncidentAnswer) and resolved.out_of_band == []  # seen already

    timeline = build_timeline(services, resolved.incident)
    assert timeline == sorted(timeline, key=lambda e: e.at)
    assert timeline == build_timeline(services, resolved.incident)  # deterministic
    kinds = [e.kind for e in timeline]
    assert kinds.count("opened") == 1 and kinds[-1] == "resolved"
    assert "tsa" in kinds and kinds.count("out-of-band") == 1
    request_entry = next(e for e in timeline if e.kind == "request")
    assert "Confirm" in request_entry.text and request_entry.correlation_id == request.request_id
    approval = next(e for e in timeline if e.kind == "approval")
    # the requester's own Confirm is not a second person's approval
    assert approval.approver is None and approval.outcome == "confirmed"
    assert approval.text == "Confirmed by the requester" and approval.actor == ALICE.id
    change = next(e for e in timeline if e.kind == "change")
    assert change.actor == ALICE.id and change.approver is None
    assert set(change.nodes) == set(demo.park.node_urls) and change.outcome == "ok"
    assert all(result.startswith("ok") for result in change.nodes.values())
    note = next(e for e in timeline if e.kind == "note")
    assert note.quoted == "TSA is braking <!channel>" and note.actor == ALICE.id
    commands = [e.quoted for e in timeline if e.kind == "command"]
    assert "queue yahoo.com" in commands and "incident status" not in commands


def test_status_shows_a_request_that_waits_for_sign_off_and_the_findings(demo: Demo) -> None:
    services = demo.local.services
    start(services)
    request = ask(services, "bounce yahoo.com --reason x")
    assert isinstance(request, GuardAnswer) and request.decision == "sign-off"
    status = ask(services, "incident status")
    assert isinstance(status, IncidentStatusAnswer)
    assert [p.request_id for p in status.pending] == [request.request_id]
    assert status.findings and status.findings[0].domain == "yahoo.com"
    assert "`diagnose` run now" in status.findings_source
    assert status.playbook_runs in (None, [])  # none started (None: no playbooks here)
    guarded.press(services, request.request_id, by=BOB, what="deny")
    again = ask(services, "incident status")
    assert isinstance(again, IncidentStatusAnswer) and again.pending == []


def test_list_shows_open_incidents_first(demo: Demo) -> None:
    services = demo.local.services
    first = start(services).incident
    ask(services, "incident resolve")
    second = start(services, 'incident start "Gmail" --domain gmail.com',
                   channel=ELSEWHERE).incident
    listed = ask(services, "incident list", channel=None)
    assert isinstance(listed, IncidentListAnswer)
    assert [i.id for i in listed.incidents] == [second.id, first.id]


def test_the_watch_loop_records_a_hold_made_outside_the_bot_without_any_command(
        demo: Demo) -> None:
    services = demo.local.services
    incident = start(services).incident
    assert services.incidents is not None
    assert [e.kind for e in services.incidents.entries(incident.id)] == ["opened"]
    suspend_by_hand(demo, "mta1")
    demo.advance(timedelta(minutes=2))  # the scheduler's minute look runs on the way
    recorded = [e for e in services.incidents.entries(incident.id) if e.kind == "out-of-band"]
    assert len(recorded) == 1 and list(recorded[0].nodes) == ["mta1"]
    assert recorded[0].quoted == "ops: <!channel> by hand"
