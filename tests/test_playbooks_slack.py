"""Playbook runs end to end: signed Slack requests, the emulator, the simulator, SQLite.

The done-when flows of issue 10: on `yahoo-tss04` the queue-not-draining playbook
runs its checks, finds the TSA suspension and leads to "let it expire", recording the
decision; a bot restarted mid-run continues from the same step; on `microsoft-s3150`
the correct phase proposes stopping the pressure through the guard and warns against
bouncing.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.adapters.dns_lookup import FixtureDns
from bot.adapters.playbook_files import load_playbooks
from bot.adapters.slack.app import make_web_client
from bot.adapters.slack.emulator_model import Ephemeral, Message
from bot.adapters.slack.listeners_playbook import SlackRunMessenger
from bot.bootstrap import build_services, build_storage
from bot.bootstrap_demo import DEMO_DNS, Demo, build_demo
from bot.core import playbook_engine as engine
from bot.core.playbook_engine import RunState
from bot.core.playbook_spec import parse_playbook
from bot.services import Services
from tests.playbook_helpers import (
    CHANNEL,
    SignedSlack,
    labels,
    run_parent,
    step_message,
    text_of,
    thread,
)


@pytest.fixture
def yahoo(tmp_path: Path) -> Iterator[tuple[Demo, SignedSlack]]:
    demo = build_demo("yahoo-tss04", workdir=tmp_path)
    slack = SignedSlack(demo.local.services, demo.local.emulator, keys=demo.storage.keys)
    yield demo, slack
    slack.close()
    demo.close()


DRILL = Path(__file__).resolve().parent / "data" / "playbooks" / "drill.toml"


def only_run(services: Services) -> RunState:
    assert services.playbooks is not None
    (run,) = services.playbooks.runs.open_runs() or [None]
    assert run is not None
    return services.playbooks.runs.get(run.run_id) or run


def the_run(services: Services, run_id: str) -> RunState:
    assert services.playbooks is not None
    found = services.playbooks.runs.get(run_id)
    assert found is not None
    return found


def test_queue_not_draining_finds_the_tsa_suspension_and_records_let_it_expire(
        yahoo: tuple[Demo, SignedSlack]) -> None:
    demo, slack = yahoo
    services, emulator = demo.local.services, demo.local.emulator
    slack.command("playbook start queue-not-draining yahoo.com")
    run = only_run(services)
    # diagnose decided the ask by itself: the run waits at "Let the suspension expire"
    assert (run.step, run.status) == ("let-it-expire", "active")
    # the checks ran through the one command path, and their answers are in the thread
    replies = "\n".join(text_of(m) for m in thread(emulator))
    assert "TSA path suspended" in replies and "Diagnosis: yahoo.com" in replies
    assert [h.step for h in run.history] == ["holds", "tsa-now", "queue", "diagnose", "history",
                                             "trend", "why"]
    decision = run.history[-1]  # decided by diagnose: the bot, with the finding and verdict
    assert (decision.answer, decision.by, decision.finding) == ("tsa", "kumo-bot", "tsa-holding")
    assert decision.result and decision.result.startswith("TSA is already holding yahoo.com")
    # the ask's message says what was decided and why, and offers the other choices
    ask = step_message(emulator, "What holds the queue?")
    said = text_of(ask)
    assert "*Decided by diagnose:* *TSA suspended or throttled the path on purpose*" in said
    assert "*Why* (`tsa-holding`): TSA is already holding yahoo.com on purpose" in said
    assert "*Evidence:*" in said and "[TSS04]" in said
    assert labels(ask)[0] == "A person's suspension holds it" and len(labels(ask)) == 6
    assert "TSA suspended or throttled the path on purpose" not in labels(ask)
    instruct = step_message(emulator, "Let the suspension expire")
    assert "Do not rebind the queue" in text_of(instruct)
    assert "Do not raise rates" in text_of(instruct)
    assert labels(instruct) == ["Done", "Abandon"]
    slack.click(instruct, "Done")
    run = the_run(services, run.run_id)
    assert run.status == "ended"
    note = next(h for h in run.history if h.kind == "note")
    assert note.result == "Decision: let the TSA suspension expire; do not rebind or raise rates."
    # the card was edited in place, and milestones went to the channel
    card = run_parent(emulator)
    assert card.edited and "ended" in text_of(card) and "Write it up" in text_of(card)
    channel = "\n".join(m.text for m in emulator.messages(CHANNEL))
    assert "diagnose decided “What holds the queue?”" in channel
    assert "Phase correct" in channel and "Run ended" in channel
    # every step is in the audit log, filed as playbook steps
    steps = [e for e in demo.storage.audit.recent(limit=200) if e.phase in ("step", "note")]
    assert any("diagnosed why: decided tsa (tsa-holding)" in e.command_text for e in steps)
    assert any("note: Decision: let the TSA suspension expire" in e.command_text
               for e in steps)
    # once the run ended, choosing differently is refused, and said to the clicker
    slack.click(ask, "A person's suspension", user="U0BOB")
    assert the_run(services, run.run_id).status == "ended"
    told = [e.text for e in emulator.ephemerals(CHANNEL, "U0BOB")]
    assert told and "This run has ended; its decisions stand." in told[-1]


def test_choosing_differently_rebranches_the_run_and_the_card_and_thread_show_it(
        yahoo: tuple[Demo, SignedSlack]) -> None:
    demo, slack = yahoo
    emulator = demo.local.emulator
    slack.command("playbook start queue-not-draining yahoo.com")
    ask = step_message(emulator, "What holds the queue?")
    instruct = step_message(emulator, "Let the suspension expire")
    slack.click(ask, "A person's suspension", user="U0CAROL")
    run = only_run(demo.local.services)
    # re-branched: the audit check ran by itself, and the run waits at the manual branch
    assert run.step == "who-set-it"
    override = next(h for h in run.history if h.by == "U0CAROL")
    assert (override.step, override.answer, override.overrode) == ("why", "manual", "tsa")
    assert [h.step for h in run.history][-3:] == ["why", "why", "audit"]
    # the clicked message loses its buttons and says who chose what, instead of diagnose
    closed = emulator.message(CHANNEL, ask.ts)
    assert closed is not None and closed.edited and labels(closed) == []
    assert "A person's suspension holds it by <@U0CAROL>" in text_of(closed)
    assert "chose differently from diagnose" in text_of(closed)
    assert labels(step_message(emulator, "Ask the owner of the hold")) == ["Done", "Abandon"]
    card = run_parent(emulator)
    assert ("diagnose decided *TSA suspended or throttled the path on purpose*; <@U0CAROL> "
            "chose differently: *A person's suspension holds it*") in text_of(card)
    assert "chose differently from diagnose" in "\n".join(
        m.text for m in emulator.messages(CHANNEL))
    assert any("override why manual" in e.command_text and e.actor.id == "U0CAROL"
               for e in demo.storage.audit.recent(limit=200))
    # the step it left is not the run's any more: its Done is refused, saying where it is
    slack.click(instruct, "Done", user="U0BOB")
    told = [e.text for e in emulator.ephemerals(CHANNEL, "U0BOB")]
    assert told and "The run is no longer at “Let the suspension expire”" in told[-1]
    assert only_run(demo.local.services).step == "who-set-it"


def test_two_people_choosing_differently_at_once_apply_it_once(
        yahoo: tuple[Demo, SignedSlack]) -> None:
    demo, slack = yahoo
    slack.command("playbook start queue-not-draining yahoo.com")
    ask = step_message(demo.local.emulator, "What holds the queue?")
    clicks = [threading.Thread(target=slack.click, args=(ask, label),
                               kwargs={"user": user, "wait": False})
              for label, user in (("A person's", "U0BOB"), ("Nothing holds it", "U0CAROL"))]
    for t in clicks:
        t.start()
    for t in clicks:
        t.join()
    slack.wait()
    run = only_run(demo.local.services)
    answers = [h for h in run.history if h.step == "why" and h.by != "kumo-bot"]
    assert len(answers) == 1
    loser = "U0CAROL" if answers[0].by == "U0BOB" else "U0BOB"
    told = [e.text for e in demo.local.emulator.ephemerals(CHANNEL, loser)]
    assert told and ("Already chosen differently by" in told[-1] or "same moment" in told[-1])


def test_a_click_slack_delivers_twice_is_applied_once(yahoo: tuple[Demo, SignedSlack]) -> None:
    demo, slack = yahoo
    slack.command("playbook start queue-not-draining yahoo.com")
    ask = step_message(demo.local.emulator, "What holds the queue?")
    for _ in range(2):  # the same action_ts: a redelivery, not a second click
        slack.click(ask, "A person's suspension", action_ts="1795000000.000100")
    run = only_run(demo.local.services)
    assert [h.step for h in run.history].count("why") == 2  # diagnose's, then the override
    assert demo.local.emulator.ephemerals(CHANNEL, "U0ALICE") == []


def test_choosing_differently_is_refused_once_a_change_was_requested(
        microsoft: tuple[Demo, SignedSlack]) -> None:
    demo, slack = microsoft
    emulator = demo.local.emulator
    slack.command("playbook start microsoft-s3150 outlook.com")
    run = only_run(demo.local.services)
    assert run.step == "stop-pressure" and run.request_id is not None
    ask = step_message(emulator, "Is it Microsoft's IP block?")
    # the decision led straight to a guarded change: no Choose-differently buttons
    assert labels(ask) == []
    assert "Choosing differently is closed" in text_of(ask)
    # and a click naming the decision (an old or forged button) is refused by the engine
    assert run.decision is not None
    forged = replace(ask, blocks=[{"type": "actions", "block_id": "forged", "elements": [{
        "type": "button", "action_id": "kumo_playbook_override-0",
        "text": {"type": "plain_text", "text": "A 4xx throttle"},
        "value": f"{run.run_id}|is-it-a-block|{run.decision.version}|brake"}]}])
    slack.click(forged, "A 4xx throttle", user="U0BOB")
    told = [e.text for e in emulator.ephemerals(CHANNEL, "U0BOB")]
    assert told and "change through the guard" in told[-1]
    assert only_run(demo.local.services).step == "stop-pressure"


def test_when_diagnose_cannot_check_everything_nothing_is_decided(
        yahoo: tuple[Demo, SignedSlack]) -> None:
    demo, slack = yahoo
    demo.park.knobs("mta2").down = True
    slack.command("playbook start queue-not-draining yahoo.com")
    run = only_run(demo.local.services)
    assert run.step == "why" and run.decision is not None and not run.decision.decided
    ask = step_message(demo.local.emulator, "What holds the queue?")
    said = text_of(ask)
    assert "*diagnose could not decide:* diagnose could not check everything (mta2" in said
    assert "→ it points to *TSA suspended or throttled the path on purpose*" in said
    assert labels(ask)[0] == "✓ TSA suspended or throttled the path on purpose"
    slack.click(ask, "TSA suspended", user="U0BOB")
    run = only_run(demo.local.services)
    decision = next(h for h in run.history if h.step == "why")
    assert (decision.answer, decision.by, decision.finding) == ("tsa", "U0BOB", "tsa-holding")
    assert run.step == "let-it-expire"


def test_when_no_choice_matches_the_lead_finding_the_step_waits_for_a_person(
        yahoo: tuple[Demo, SignedSlack]) -> None:
    demo, slack = yahoo
    services = demo.local.services
    assert services.playbooks is not None and isinstance(services.playbooks.library, dict)
    drill = DRILL.read_text().replace('findings = ["tsa-holding"]', 'findings = ["manual-hold"]')
    services.playbooks.library["drill"] = parse_playbook(drill, source="drill.toml")
    slack.command("playbook start drill yahoo.com")
    run = only_run(services)
    assert run.step == "why" and [h.step for h in run.history] == ["holds"]
    ask = step_message(demo.local.emulator, "What holds the path?")
    assert "no choice of this step matches its lead finding (`tsa-holding`)" in text_of(ask)
    assert "Pick the choice the evidence shows." in text_of(ask)
    assert labels(ask) == ["TSA holds it", "A block", "Abandon"]


def test_a_restarted_bot_continues_the_run_from_the_same_step(
        yahoo: tuple[Demo, SignedSlack]) -> None:
    demo, slack = yahoo
    slack.command("playbook start queue-not-draining yahoo.com")
    ask = step_message(demo.local.emulator, "What holds the queue?")
    run_id = only_run(demo.local.services).run_id
    slack.close()  # the bot stops; Slack (the emulator) and the database stay
    storage = build_storage(demo.settings, clock=demo.local.services.clock)
    try:
        services = build_services(demo.settings, clock=demo.local.services.clock,
                                  storage=storage, dns=FixtureDns(DEMO_DNS))
        restarted = SignedSlack(services, demo.local.emulator, keys=storage.keys)
        assert the_run(services, run_id).step == "let-it-expire"  # read back from SQL
        # a button posted by the bot before it stopped
        restarted.click(ask, "A person's suspension")
        instruct = step_message(demo.local.emulator, "Ask the owner of the hold")
        restarted.click(instruct, "Done")
        run = the_run(services, run_id)
        assert run.status == "ended"
        assert [h.step for h in run.history][-5:] == ["why", "audit", "who-set-it",
                                                       "record-manual", "done"]
        restarted.close()
    finally:
        storage.close()


def test_abandon_and_resume_are_buttons_in_the_thread(yahoo: tuple[Demo, SignedSlack]) -> None:
    demo, slack = yahoo
    emulator = demo.local.emulator
    slack.command("playbook start queue-not-draining yahoo.com")
    slack.click(step_message(emulator, "Let the suspension expire"), "Abandon")
    run = only_run(demo.local.services)
    assert run.status == "abandoned" and run.step == "let-it-expire"
    resume = step_message(emulator, "Let the suspension expire")
    assert labels(resume) == ["Resume"]
    # while abandoned, diagnose's decision cannot be changed either
    slack.click(step_message(emulator, "What holds the queue?"), "A person's", user="U0CAROL")
    told = [e.text for e in emulator.ephemerals(CHANNEL, "U0CAROL")]
    assert told and "abandoned; press Resume first" in told[-1]
    slack.command("playbook runs")
    listed = text_of(emulator.messages(CHANNEL)[-1])
    assert run.run_id in listed and "abandoned" in listed
    assert "https://local.slack.invalid/archives/C0INCIDENT/p" in listed  # the thread's link
    slack.click(resume, "Resume", user="U0BOB")
    run = only_run(demo.local.services)
    assert run.status == "active" and run.step == "let-it-expire"
    again = step_message(emulator, "Let the suspension expire")
    assert labels(again) == ["Done", "Abandon"]
    assert "Resumed by" in "\n".join(m.text for m in emulator.messages(CHANNEL))


def test_starting_needs_a_known_name_and_a_domain(yahoo: tuple[Demo, SignedSlack]) -> None:
    demo, slack = yahoo
    slack.command("playbook start queue-not-drainig yahoo.com")
    said = text_of(demo.local.emulator.messages(CHANNEL)[-1])
    assert "There is no playbook" in said and "Did you mean `queue-not-draining`?" in said
    slack.command("playbook start queue-not-draining")
    said = text_of(demo.local.emulator.messages(CHANNEL)[-1])
    assert "`queue-not-draining` needs a DOMAIN" in said
    assert demo.local.services.playbooks is not None
    assert demo.local.services.playbooks.runs.open_runs() == []  # nothing half-started


def test_playbook_list_names_every_playbook(yahoo: tuple[Demo, SignedSlack]) -> None:
    demo, slack = yahoo
    slack.command("playbook list")
    said = text_of(demo.local.emulator.messages(CHANNEL)[-1])
    assert "`queue-not-draining`" in said and "`microsoft-s3150`" in said


@pytest.fixture
def microsoft(tmp_path: Path) -> Iterator[tuple[Demo, SignedSlack]]:
    demo = build_demo("microsoft-s3150", workdir=tmp_path)
    slack = SignedSlack(demo.local.services, demo.local.emulator, keys=demo.storage.keys)
    yield demo, slack
    slack.close()
    demo.close()


def test_s3150_proposes_stopping_the_pressure_through_the_guard_and_warns_against_bouncing(
        microsoft: tuple[Demo, SignedSlack]) -> None:
    demo, slack = microsoft
    emulator = demo.local.emulator
    slack.command("playbook start microsoft-s3150 outlook.com")
    ask = step_message(emulator, "Is it Microsoft's IP block?")
    assert "*Decided by diagnose:* *A block" in text_of(ask)  # no press needed
    assert "`reputation-block`" in text_of(ask)
    run = only_run(demo.local.services)
    assert run.phase == "correct" and run.request_id is not None
    # the guard's card is in the thread, with Confirm for the requester
    card = next(m for m in thread(emulator) if "A change: press Confirm" in text_of(m))
    assert "Suspend the scheduled queues of outlook.com" in text_of(card)
    step = step_message(emulator, "Stop the pressure on the path")
    assert "Do not bounce the queued mail" in text_of(step)
    assert labels(step) == ["Continue", "Abandon"]
    assert "A change was requested" in "\n".join(m.text for m in emulator.messages(CHANNEL))
    slack.click(card, "Confirm")  # the guard's own button, in the thread
    slack.click(step, "Continue")
    run = only_run(demo.local.services)
    stopped = next(h for h in run.history if h.step == "stop-pressure")
    assert (stopped.answer, stopped.result) == ("continue", "executed")
    holds = demo.local.services.writes.records.active_holds(  # type: ignore[union-attr]
        demo.local.services.clock.now())
    assert len(holds) == 1 and holds[0].criteria.get("domain") == "outlook.com"


def test_a_run_in_an_incident_channel_files_its_checks_and_its_note_under_the_incident(
        yahoo: tuple[Demo, SignedSlack]) -> None:
    demo, slack = yahoo
    services = demo.local.services
    if services.incidents is None:
        pytest.skip("incidents are not wired in this build")
    slack.command('incident start "Yahoo stalled" --domain yahoo.com')
    (incident,) = services.incidents.recent()
    slack.command("playbook start queue-not-draining yahoo.com")
    run = only_run(services)
    assert run.incident == incident.id
    assert f"holds yahoo.com --incident {incident.id}" in "\n".join(
        e.command_text for e in demo.storage.audit.recent(limit=200))
    slack.click(step_message(demo.local.emulator, "Let the suspension expire"), "Done")
    notes = [e for e in services.incidents.entries(incident.id) if e.kind == "note"]
    assert [n.quoted for n in notes] == [
        "Decision: let the TSA suspension expire; do not rebind or raise rates."]
    assert services.playbooks is not None
    assert [r.run_id for r in services.playbooks.runs.runs_for_incident(incident.id)] == \
        [run.run_id]


def test_a_run_cut_short_during_a_check_is_resumed_from_playbook_runs(
        yahoo: tuple[Demo, SignedSlack]) -> None:
    demo, slack = yahoo
    services, emulator = demo.local.services, demo.local.emulator
    assert services.playbooks is not None
    book = services.playbooks.library["queue-not-draining"]
    # What a crash leaves: the run and its card, at its first check, never answered.
    state = engine.start(book, run_id="run-cut", domain="yahoo.com", incident=None,
                         channel=CHANNEL, by="U0ALICE", at=services.clock.now()).state
    ts = SlackRunMessenger(make_web_client("xoxb-test", emulator.api_url)).post_parent(
        state, book)
    services.playbooks.runs.add(state.model_copy(update={"parent_ts": ts, "card_ts": ts}))
    slack.command("playbook runs")
    listing = emulator.messages(CHANNEL)[-1]
    assert "Resume run-cut" in labels(listing)
    slack.click(listing, "Resume run-cut", user="U0BOB")
    run = the_run(services, "run-cut")
    assert run.step == "let-it-expire"  # the checks ran again, and diagnose decided
    assert [(h.step, h.kind, h.by) for h in run.history][:2] == [
        ("holds", "resume", "U0BOB"), ("holds", "check", "kumo-bot")]
    assert "What holds the queue?" in text_of(step_message(emulator, "What holds the queue?"))
    assert not emulator.message(CHANNEL, listing.ts).edited  # the list itself is left alone


def test_a_run_whose_parent_message_was_deleted_goes_on_under_a_new_card(
        yahoo: tuple[Demo, SignedSlack]) -> None:
    demo, slack = yahoo
    services, emulator = demo.local.services, demo.local.emulator
    slack.command("playbook start queue-not-draining yahoo.com")
    ask = step_message(emulator, "What holds the queue?")
    old = only_run(services).parent_ts
    assert old is not None
    make_web_client("xoxb-test", emulator.api_url).chat_delete(channel=CHANNEL, ts=old)
    slack.click(ask, "A person's suspension")
    run = only_run(services)
    assert run.parent_ts not in (None, old) and run.card_ts == run.parent_ts
    assert run.step == "who-set-it"
    instruct = step_message(emulator, "Ask the owner of the hold")  # under the new card
    assert instruct.thread_ts == run.parent_ts
    slack.click(instruct, "Done")  # its buttons still name the version it was posted at
    assert the_run(services, run.run_id).status == "ended"


def test_a_channel_the_bot_cannot_post_in_starts_nothing_and_says_why(
        yahoo: tuple[Demo, SignedSlack]) -> None:
    demo, slack = yahoo
    demo.local.emulator.set_bot_membership(CHANNEL, False)
    demo.local.emulator.chat_write_public = False  # and no `chat:write.public` scope
    slack.command("playbook start queue-not-draining yahoo.com")
    said = "\n".join(text_of(m) for m in demo.local.emulator.messages(CHANNEL))
    assert "I cannot post the run's card in this channel (not_in_channel)" in said
    assert demo.local.services.playbooks is not None
    assert demo.local.services.playbooks.runs.open_runs() == []


def test_a_playbook_named_in_another_case_is_the_same_playbook(
        yahoo: tuple[Demo, SignedSlack]) -> None:
    demo, slack = yahoo
    slack.command("playbook start Queue-Not-Draining yahoo.com")
    assert only_run(demo.local.services).playbook == "queue-not-draining"


def test_a_button_naming_a_step_the_playbook_no_longer_has_is_told_not_crashed(
        yahoo: tuple[Demo, SignedSlack]) -> None:
    # an old message's button, after the playbook file was edited and the step renamed
    import copy

    demo, slack = yahoo
    services, emulator = demo.local.services, demo.local.emulator
    slack.command("playbook start queue-not-draining yahoo.com")
    run = only_run(services)
    instruct = step_message(emulator, "Let the suspension expire")
    blocks = copy.deepcopy(instruct.blocks or [])
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            element["value"] = f"{run.run_id}|renamed-since|{run.version}|"
    slack.click(replace(instruct, blocks=blocks), "Done", user="U0BOB")
    told = [e.text for e in emulator.ephemerals(CHANNEL, "U0BOB")]
    assert told and "no longer at that step" in told[-1] and ":boom:" not in told[-1]
    assert the_run(services, run.run_id).version == run.version


def _as_message(told: Ephemeral) -> Message:
    """An ephemeral, as the click helper presses buttons on it."""
    return Message(channel=told.channel, ts=told.ts, text=told.text, blocks=told.blocks,
                   user="", bot_id="B0KUMOBOT", thread_ts=told.thread_ts)


def _drill_copy(services: Services, folder: Path) -> Path:
    """A copy of the drill in its own playbook folder, loaded as start-up would."""
    folder.mkdir()
    copy = folder / "drill.toml"
    copy.write_text(DRILL.read_text())
    assert services.playbooks is not None and isinstance(services.playbooks.library, dict)
    services.playbooks.library.update(load_playbooks(folder))
    return copy


def test_a_run_whose_step_was_edited_out_of_its_playbook_says_so_and_can_be_abandoned(
        yahoo: tuple[Demo, SignedSlack], tmp_path: Path) -> None:
    demo, slack = yahoo
    services, emulator = demo.local.services, demo.local.emulator
    copy = _drill_copy(services, tmp_path / "books")
    slack.command("playbook start drill yahoo.com")
    run = only_run(services)
    assert run.step == "wait"  # diagnose decided: TSA holds it
    instruct = step_message(emulator, "Let it expire")
    # the file is edited while the run is open (the step renamed), and loaded again
    copy.write_text(copy.read_text().replace('id = "wait"', 'id = "wait-it-out"')
                    .replace('next = "wait"', 'next = "wait-it-out"'))
    assert services.playbooks is not None and isinstance(services.playbooks.library, dict)
    services.playbooks.library.update(load_playbooks(copy.parent))
    changed = ("The playbook drill changed since this run started: its step wait is gone. "
               "Abandon this run and start it again.")
    slack.click(instruct, "Done", user="U0BOB")
    told = emulator.ephemerals(CHANNEL, "U0BOB")[-1]
    assert changed in told.text and ":boom:" not in told.text
    assert labels(_as_message(told)) == ["Abandon"]
    assert the_run(services, run.run_id).version == run.version  # nothing was applied
    slack.command("playbook runs")
    listing = emulator.messages(CHANNEL)[-1]
    assert run.run_id in text_of(listing) and changed in text_of(listing)
    assert labels(listing) == [f"Abandon {run.run_id}"]  # not Resume: it cannot go on
    slack.click(_as_message(told), "Abandon", user="U0BOB")
    abandoned = the_run(services, run.run_id)
    assert (abandoned.status, abandoned.step) == ("abandoned", "wait")
    assert (abandoned.history[-1].kind, abandoned.history[-1].by) == ("abandon", "U0BOB")
    card = run_parent(emulator)
    assert card.edited and "abandoned" in text_of(card) and "wait" in text_of(card)
    assert "Abandoned by <@U0BOB> at “wait” (gone from the playbook)" in \
        "\n".join(m.text for m in emulator.messages(CHANNEL))
    slack.command("playbook runs")
    listing = emulator.messages(CHANNEL)[-1]
    assert "This run is abandoned; start it again." in text_of(listing)
    assert labels(listing) == []


def test_a_run_whose_playbook_was_removed_says_so_and_abandon_from_the_list_works(
        yahoo: tuple[Demo, SignedSlack], tmp_path: Path) -> None:
    demo, slack = yahoo
    services, emulator = demo.local.services, demo.local.emulator
    _drill_copy(services, tmp_path / "books")
    slack.command("playbook start drill yahoo.com")
    run = only_run(services)
    instruct = step_message(emulator, "Let it expire")
    assert services.playbooks is not None and isinstance(services.playbooks.library, dict)
    del services.playbooks.library["drill"]  # the file was removed, and the bot restarted
    slack.click(instruct, "Done", user="U0BOB")
    told = emulator.ephemerals(CHANNEL, "U0BOB")[-1]
    assert "The playbook drill is gone since this run started" in told.text
    assert ":boom:" not in told.text and labels(_as_message(told)) == ["Abandon"]
    slack.command("playbook runs")
    listing = emulator.messages(CHANNEL)[-1]
    assert "The playbook drill is gone since this run started" in text_of(listing)
    slack.click(listing, f"Abandon {run.run_id}", user="U0CAROL")
    abandoned = the_run(services, run.run_id)
    assert (abandoned.status, abandoned.history[-1].by) == ("abandoned", "U0CAROL")
    assert "Abandoned by <@U0CAROL>" in "\n".join(m.text for m in emulator.messages(CHANNEL))
