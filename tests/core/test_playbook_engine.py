"""The run engine as pure code: transitions, their effects, and stale clicks refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core import playbook_engine as engine
from bot.core.diagnosis_model import Line, Piece
from bot.core.playbook_engine import RunState, StepTaken
from bot.core.playbook_spec import Playbook, parse_playbook

DRILL_FILE = Path(__file__).resolve().parents[1] / "data" / "playbooks" / "drill.toml"
T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture
def book() -> Playbook:
    return parse_playbook(DRILL_FILE.read_text(), source="drill.toml", stem="drill")


def started(book: Playbook, incident: str | None = None) -> engine.Transition:
    return engine.start(book, run_id="run-1", domain="yahoo.com", incident=incident,
                        channel="C0INCIDENT", by="U0ALICE", at=T0)


def at(state: RunState, *, by: str = engine.BOT, minutes: int = 1) -> dict[str, object]:
    return {"step": state.step, "version": state.version, "by": by,
            "at": T0 + timedelta(minutes=minutes)}


def diagnosed(book: Playbook, choice: str | None = "tsa", *,
              unsure: str | None = None) -> engine.Transition:
    """The run once its check is done and diagnose has answered its auto ask."""
    state = started(book).state
    state = engine.apply(book, state, engine.CheckDone(result="3 holds", **at(state))).state
    finding = {"tsa": "tsa-holding", "block": "reputation-block"}.get(choice or "", "all-clear")
    evidence = (Line(parts=[Piece(text="TSA suspended 3 paths on "),
                            Piece(text="421 [TSS04]", quoted=True)]),)
    return engine.apply(book, state, engine.Diagnosed(
        finding=finding, verdict="TSA is holding it", evidence=evidence, choice=choice,
        unsure=unsure, **at(state)))


def at_the_ask(book: Playbook, choice: str | None = None) -> RunState:
    """The run waiting at its auto ask: diagnose matched no choice (or was not sure)."""
    if choice is None:
        return diagnosed(book, None).state
    return diagnosed(book, choice, unsure="diagnose could not check everything (mta2)").state


def decided(book: Playbook, choice: str = "tsa") -> RunState:
    """The run after diagnose decided its auto ask and moved on."""
    return diagnosed(book, choice).state


def override(state: RunState, choice: str, *, by: str = "U0BOB",
             version: int | None = None) -> engine.Override:
    assert state.decision is not None
    return engine.Override(step=state.decision.step, choice=choice, by=by,
                           version=state.decision.version if version is None else version,
                           at=T0 + timedelta(minutes=5))


def kinds(transition: engine.Transition) -> list[str]:
    return [type(e).__name__ for e in transition.effects]


def test_a_run_starts_at_the_first_step_and_runs_its_check(book: Playbook) -> None:
    first = started(book, incident="INC-1")
    assert (first.state.step, first.state.phase, first.state.status) == \
        ("holds", "stabilize", "active")
    assert first.state.version == 1 and first.state.history == ()
    assert kinds(first) == ["PostParent", "PostStep", "RunCheck", "UpdateCard"]
    check = first.effects[2]
    assert isinstance(check, engine.RunCheck)
    assert check.command == "holds yahoo.com --incident INC-1"  # filed under the run's incident


def test_a_check_result_moves_on_and_the_auto_ask_waits_for_diagnose(book: Playbook) -> None:
    state = started(book).state
    moved = engine.apply(book, state, engine.CheckDone(result="3 holds", **at(state)))
    assert moved.state.step == "why" and moved.state.version == 2
    (record,) = moved.state.history
    assert (record.step, record.by, record.answer, record.result) == \
        ("holds", "kumo-bot", "checked", "3 holds")
    # a phase change is a milestone, mirrored; the auto ask is posted once diagnose is in
    assert kinds(moved) == ["Mirror", "AutoDecide", "UpdateCard"]
    assert moved.state.milestone == "Phase diagnose: “What holds the path?”"


def test_diagnose_decides_the_ask_and_the_run_moves_on_by_itself(book: Playbook) -> None:
    moved = diagnosed(book, "tsa")
    state = moved.state
    assert (state.step, state.status) == ("wait", "active")
    record = state.history[-1]
    # recorded as decided by diagnose: the bot, with the finding's kind and verdict
    assert (record.step, record.by, record.answer, record.finding, record.result) == \
        ("why", engine.BOT, "tsa", "tsa-holding", "TSA is holding it")
    decision = state.decision
    assert decision is not None and decision.decided and decision.pick == "tsa"
    assert decision.version == state.version and decision.evidence[0].parts[1].quoted
    # the decided ask is posted (what and why), mirrored, then the next step
    assert kinds(moved) == ["PostStep", "Mirror", "Mirror", "PostStep", "UpdateCard"]
    assert moved.effects[0] == engine.PostStep(step="why")
    assert state.milestone == \
        "diagnose decided “What holds the path?”: “TSA holds it” (`tsa-holding`)"


def test_no_matching_choice_decides_nothing_and_waits_for_a_person(book: Playbook) -> None:
    waiting = diagnosed(book, None)
    state = waiting.state
    assert state.step == "why" and kinds(waiting) == ["PostStep", "UpdateCard"]
    assert state.decision is not None and not state.decision.decided
    assert state.decision.why_not == "no choice of this step matches its lead finding " \
        "(`all-clear`)"
    assert [h.step for h in state.history] == ["holds"]  # nothing answered the ask
    chosen = engine.apply(book, state, engine.Choose(choice="block", **at(state, by="U0BOB")))
    record = chosen.state.history[-1]
    assert (record.by, record.answer, record.finding) == ("U0BOB", "block", None)
    assert chosen.state.step == "pause"


def test_diagnose_unsure_of_its_evidence_points_but_a_person_decides(book: Playbook) -> None:
    state = at_the_ask(book, "tsa")
    assert state.step == "why" and state.decision is not None
    assert (state.decision.pick, state.decision.decided) == ("tsa", False)
    assert state.decision.why_not == "diagnose could not check everything (mta2)"
    chosen = engine.apply(book, state, engine.Choose(choice="tsa", **at(state, by="U0BOB")))
    record = chosen.state.history[-1]  # the person followed diagnose's pick
    assert (record.by, record.answer, record.finding, record.result) == \
        ("U0BOB", "tsa", "tsa-holding", "TSA is holding it")


def test_a_person_may_choose_differently_and_the_run_rebranches(book: Playbook) -> None:
    state = decided(book)
    assert engine.override_refusal(book, state, "why") is None
    other = engine.apply(book, state, override(state, "block"))
    new = other.state
    assert new.step == "pause" and new.version == state.version + 1
    record = new.history[-1]
    assert (record.step, record.by, record.answer, record.overrode, record.at) == \
        ("why", "U0BOB", "block", "tsa", T0 + timedelta(minutes=5))
    assert new.decision is not None and new.decision.overridden_by == "U0BOB"
    assert new.milestone == ("<@U0BOB> chose differently from diagnose at “What holds the "
                             "path?”: “A block”, not “TSA holds it”")
    assert kinds(other) == ["Mirror", "ProposeChange", "UpdateCard"]
    # the instruct step it left is no longer the run's
    with pytest.raises(StepTaken, match="no longer at “Let it expire”; it is now at"):
        engine.apply(book, new, engine.Done(step="wait", version=state.version, by="U0ALICE",
                                            at=T0))


def test_choosing_differently_uses_the_decisions_version_not_the_runs(book: Playbook) -> None:
    state = decided(book)
    gone = engine.apply(book, state, engine.Abandon(**at(state, by="U0BOB"))).state
    with pytest.raises(StepTaken, match="abandoned; press Resume"):
        engine.apply(book, gone, override(gone, "block"))
    back = engine.apply(book, gone, engine.Resume(**at(gone, by="U0BOB"))).state
    assert back.version == state.version + 2
    assert engine.apply(book, back, override(back, "block")).state.step == "pause"
    with pytest.raises(StepTaken, match="no longer the run's"):
        engine.apply(book, back, override(back, "block", version=state.version - 1))


def test_choosing_differently_applies_once(book: Playbook) -> None:
    state = decided(book)
    first = engine.apply(book, state, override(state, "block", by="U0BOB")).state
    with pytest.raises(StepTaken, match=r"Already chosen differently by <@U0BOB> \(A block\)"):
        engine.apply(book, first, override(state, "block", by="U0CAROL"))
    with pytest.raises(StepTaken, match="the choice diagnose took already"):
        engine.apply(book, state, override(state, "tsa"))


def test_choosing_differently_is_refused_once_a_change_is_requested(book: Playbook) -> None:
    state = decided(book, "block")
    assert state.step == "pause"  # a guarded step: its change is being requested
    with pytest.raises(StepTaken, match="change through the guard"):
        engine.apply(book, state, override(state, "tsa"))
    asked = engine.apply(book, state, engine.ChangeRequested(request_id="req-1",
                                                             **at(state))).state
    assert engine.override_refusal(book, asked, "why") is not None
    on = engine.apply(book, asked, engine.Continue(status="executed", **at(asked))).state
    assert on.status == "ended"
    with pytest.raises(StepTaken, match="has ended"):
        engine.apply(book, on, override(on, "tsa"))


def test_choosing_differently_is_refused_once_the_run_moved_past_the_decision(
        book: Playbook) -> None:
    state = decided(book)
    ended = engine.apply(book, state, engine.Done(**at(state, by="U0ALICE"))).state
    assert engine.override_refusal(book, ended, "why") == \
        "This run has ended; its decisions stand."
    assert engine.override_refusal(book, state, "holds") is not None  # not a decided ask


def test_a_second_click_on_the_same_step_is_told_who_answered(book: Playbook) -> None:
    state = at_the_ask(book)
    seen = at(state, by="U0CAROL")
    after = engine.apply(book, state, engine.Choose(choice="tsa", **at(state, by="U0BOB"))).state
    with pytest.raises(StepTaken, match=r"Already done by <@U0BOB> \(tsa\)"):
        engine.apply(book, after, engine.Choose(choice="block", **seen))


def test_a_click_with_an_old_version_of_the_current_step_is_refused(book: Playbook) -> None:
    state = at_the_ask(book)
    old = {**at(state, by="U0BOB"), "version": state.version - 1}
    with pytest.raises(StepTaken, match="at the same moment"):
        engine.apply(book, state, engine.Choose(choice="tsa", **old))  # type: ignore[arg-type]


def test_a_button_of_another_kind_is_refused(book: Playbook) -> None:
    state = at_the_ask(book)
    with pytest.raises(StepTaken, match="does not take that answer"):
        engine.apply(book, state, engine.Done(**at(state, by="U0BOB")))
    with pytest.raises(StepTaken, match="has no choice"):
        engine.apply(book, state, engine.Choose(choice="nope", **at(state, by="U0BOB")))


def test_abandon_then_resume_continues_from_the_same_step(book: Playbook) -> None:
    state = at_the_ask(book)
    gone = engine.apply(book, state, engine.Abandon(**at(state, by="U0BOB")))
    assert gone.state.status == "abandoned" and gone.state.step == "why"
    assert kinds(gone) == ["PostStep", "Mirror", "UpdateCard"]
    with pytest.raises(StepTaken, match="abandoned; press Resume"):
        engine.apply(book, gone.state, engine.Choose(choice="tsa", **at(gone.state)))
    with pytest.raises(StepTaken, match="already abandoned"):
        engine.apply(book, gone.state, engine.Abandon(**at(gone.state)))
    back = engine.apply(book, gone.state, engine.Resume(**at(gone.state, by="U0ALICE")))
    assert back.state.status == "active" and back.state.step == "why"
    assert "AutoDecide" in kinds(back) and back.state.milestone.startswith("Resumed by <@U0ALICE>")
    assert [h.kind for h in back.state.history][-2:] == ["abandon", "resume"]


def test_resume_on_an_active_run_only_reruns_a_check(book: Playbook) -> None:
    first = started(book).state
    rerun = engine.apply(book, first, engine.Resume(**at(first)))
    assert "RunCheck" in kinds(rerun)
    state = at_the_ask(book)
    with pytest.raises(StepTaken, match="not abandoned"):
        engine.apply(book, state, engine.Resume(**at(state)))


def test_a_guarded_step_records_its_request_and_what_became_of_it(book: Playbook) -> None:
    state = at_the_ask(book, "block")
    state = engine.apply(book, state, engine.Choose(choice="block", **at(state))).state
    asked = engine.apply(book, state, engine.ChangeRequested(request_id="req-1", **at(state)))
    assert asked.state.request_id == "req-1"
    assert kinds(asked) == ["PostStep", "Mirror", "UpdateCard"]
    assert asked.state.milestone == "A change was requested: “Stop the pressure”"
    done = engine.apply(book, asked.state, engine.Continue(status="executed",
                                                          **at(asked.state, by="U0ALICE")))
    guarded = next(h for h in done.state.history if h.step == "pause")
    assert (guarded.answer, guarded.result) == ("continue", "executed")


def test_a_refused_change_is_recorded_with_why(book: Playbook) -> None:
    state = at_the_ask(book, "block")
    state = engine.apply(book, state, engine.Choose(choice="block", **at(state))).state
    refused = engine.apply(book, state, engine.ChangeRequested(
        request_id=None, note="refused: too long", **at(state))).state
    assert refused.milestone.startswith("A change was refused")
    done = engine.apply(book, refused, engine.Continue(status="not requested",
                                                      **at(refused))).state
    assert next(h for h in done.history if h.step == "pause").result == "refused: too long"


def test_a_note_is_recorded_and_the_run_ends(book: Playbook) -> None:
    state = at_the_ask(book)
    state = engine.apply(book, state, engine.Choose(choice="tsa", **at(state))).state
    ended = engine.apply(book, state, engine.Done(**at(state, by="U0ALICE")))
    assert ended.state.status == "ended" and ended.state.step == "done"
    note = next(e for e in ended.effects if isinstance(e, engine.RecordNote))
    assert note.text == "Decision for yahoo.com: as the evidence said (run run-1)."
    assert [h.step for h in ended.state.history] == ["holds", "why", "wait", "record", "done"]
    assert ended.state.milestone == "Run ended: “Done”"
    assert ended.state.progress(book) == (5, 5)
    with pytest.raises(StepTaken, match="has ended"):
        engine.apply(book, ended.state, engine.Abandon(**at(ended.state)))


def test_progress_counts_the_shortest_way_to_an_end(book: Playbook) -> None:
    first = started(book).state
    assert first.progress(book) == (1, 5)
    assert at_the_ask(book).progress(book) == (2, 5)


def test_a_run_state_survives_json(book: Playbook) -> None:
    state = at_the_ask(book)
    assert RunState.model_validate_json(state.model_dump_json()) == state


def test_resuming_a_guarded_step_keeps_its_request_instead_of_asking_again(
        book: Playbook) -> None:
    state = at_the_ask(book, "block")
    state = engine.apply(book, state, engine.Choose(choice="block", **at(state))).state
    state = engine.apply(book, state, engine.ChangeRequested(request_id="req-1",
                                                             **at(state))).state
    gone = engine.apply(book, state, engine.Abandon(**at(state, by="U0BOB"))).state
    back = engine.apply(book, gone, engine.Resume(**at(gone, by="U0BOB")))
    assert back.state.request_id == "req-1"
    assert "ProposeChange" not in kinds(back) and "PostStep" in kinds(back)


def test_a_button_for_a_step_the_playbook_no_longer_has_is_refused_not_a_crash(
        book: Playbook) -> None:
    # an old message's button after the playbook file was edited (or a hand-made value)
    state = at_the_ask(book)
    with pytest.raises(StepTaken, match="no longer at that step; it is now at"):
        engine.apply(book, state, engine.Done(step="renamed-since", version=state.version,
                                              by="U0ALICE", at=T0))


def edited(book: Playbook, *, renamed: str, to: str) -> Playbook:
    """The drill after its file was edited: step ``renamed`` is now ``to``."""
    text = DRILL_FILE.read_text().replace(f'id = "{renamed}"', f'id = "{to}"') \
        .replace(f'next = "{renamed}"', f'next = "{to}"')
    return parse_playbook(text, source="drill.toml", stem="drill")


CHANGED = ("The playbook drill changed since this run started: its step wait is gone. "
           "Abandon this run and start it again.")


def test_a_run_whose_current_step_was_edited_out_can_only_be_abandoned(book: Playbook) -> None:
    state = decided(book)  # at "wait"
    now = edited(book, renamed="wait", to="wait-it-out")
    assert engine.outdated(book, state) is None
    assert engine.outdated(now, state) == CHANGED
    for event in (engine.Done(**at(state, by="U0BOB")), engine.Resume(**at(state, by="U0BOB")),
                  engine.Choose(choice="tsa", **at(state, by="U0BOB"))):
        with pytest.raises(engine.RunOutdated) as raised:
            engine.apply(now, state, event)
        assert raised.value.message == CHANGED
        assert (raised.value.run_id, raised.value.step, raised.value.version) == \
            (state.run_id, "wait", state.version) and raised.value.abandonable
    # what the thread and the card read of it does not raise either
    assert state.progress(now) == (len(state.history) + 1, len(state.history) + 1)
    assert engine.override_refusal(now, state, "why") == CHANGED
    abandoned = engine.apply(now, state, engine.Abandon(**at(state, by="U0BOB")))
    new = abandoned.state
    assert (new.status, new.step, new.version) == ("abandoned", "wait", state.version + 1)
    assert (new.history[-1].step, new.history[-1].kind, new.history[-1].by) == \
        ("wait", "abandon", "U0BOB")
    assert new.milestone == "Abandoned by <@U0BOB> at “wait” (gone from the playbook)"
    assert kinds(abandoned) == ["Mirror", "UpdateCard"]  # no step to post: it is gone
    # once abandoned, it says so; Resume cannot bring the step back
    with pytest.raises(engine.RunOutdated, match="This run is abandoned; start it again") \
            as again:
        engine.apply(now, new, engine.Resume(**at(new, by="U0CAROL")))
    assert not again.value.abandonable
    # a click of a run that ended is refused as before, whatever the playbook became
    ended = engine.apply(book, state, engine.Done(**at(state, by="U0BOB"))).state
    assert ended.status == "ended" and engine.outdated(now, ended) is None
    with pytest.raises(StepTaken, match="This run has ended"):
        engine.apply(None, ended, engine.Abandon(**at(ended, by="U0BOB")))


def test_a_run_whose_playbook_is_gone_can_only_be_abandoned(book: Playbook) -> None:
    state = decided(book)
    gone = ("The playbook drill is gone since this run started (it is no longer loaded). "
            "Abandon this run and start it again.")
    assert engine.outdated(None, state) == gone
    with pytest.raises(engine.RunOutdated, match=r"The playbook drill is gone"):
        engine.apply(None, state, engine.Done(**at(state, by="U0BOB")))
    abandoned = engine.apply(None, state, engine.Abandon(**at(state, by="U0BOB")))
    assert abandoned.state.status == "abandoned" and kinds(abandoned) == ["Mirror", "UpdateCard"]


def test_an_earlier_step_edited_out_leaves_the_run_going_but_closes_choosing_differently(
        book: Playbook) -> None:
    state = decided(book)  # decided at "why", now at "wait"
    now = edited(book, renamed="why", to="why-now")
    assert engine.outdated(now, state) is None
    assert engine.override_refusal(now, state, "why") == (
        "The playbook drill changed since this run started: its step why is gone.")
    done = engine.apply(now, state, engine.Done(**at(state, by="U0BOB")))
    assert done.state.status == "ended"
