"""The shipped playbooks (playbooks/*.toml): every file valid, every symptom of the method
covered, each one checking, warning and recording, and the two flows of issue 10 leading
where the method says on the simulator's yahoo-tss04 and microsoft-s3150 incidents."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.adapters.playbook_files import DEFAULT_DIR, check_directory, load_playbooks
from bot.core import commands, playbook_engine
from bot.core.commands_write import ShapingSet, Suspend, SuspendPath
from bot.core.playbook_spec import (
    PHASES,
    AskStep,
    CheckStep,
    EndStep,
    GuardedStep,
    InstructStep,
    NoteStep,
    Playbook,
    fill,
)
from tests.diagnose_helpers import bot_on, diagnosed

PLAYBOOKS = Path(__file__).resolve().parents[1] / "playbooks"

# DESIGN 1 and issue 10: the generic incident and one playbook per symptom.
SYMPTOMS = (
    "generic-incident", "gmail-421", "microsoft-s3150", "queue-not-draining", "bounce-storm",
    "mass-5xx", "blocklist-listing", "listeners-refusing", "placement-drop", "complaint-spike",
    "broken-authentication", "new-park", "veteran-park-after-change",
)
AT = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def library() -> dict[str, Playbook]:
    return load_playbooks(PLAYBOOKS)


def lead_kind(scenario: str, domain: str, root: Path) -> str:
    """The kind of diagnose's lead finding for ``domain`` on a simulator scenario."""
    with bot_on(scenario, root) as (_, services, _):
        return diagnosed(services, domain).diagnosis.lead.kind


def picked(step: AskStep, finding: str) -> str:
    """The choice an auto-decided ask takes for a lead finding (as the run does)."""
    (choice,) = [c for c in step.choices if finding in c.findings]
    return choice.next


def auto_ask(book: Playbook) -> AskStep:
    """The first ask step that diagnose decides."""
    return next(s for s in book.steps if isinstance(s, AskStep) and s.auto == "diagnose")


def edges(book: Playbook) -> Iterator[tuple[str, str]]:
    for step in book.steps:
        for target in book.successors(step.id):
            yield step.id, target


def test_the_project_directory_is_the_one_the_bot_loads() -> None:
    assert DEFAULT_DIR.resolve() == PLAYBOOKS


def test_every_playbook_file_passes_the_validator() -> None:
    reports = check_directory(PLAYBOOKS)
    assert [r.errors for r in reports if r.errors] == []
    assert sorted(r.name or "" for r in reports) == sorted(p.stem for p in PLAYBOOKS.glob("*.toml"))


def test_every_symptom_of_the_method_has_a_playbook(library: dict[str, Playbook]) -> None:
    assert set(SYMPTOMS) <= set(library)


@pytest.mark.parametrize("name", SYMPTOMS)
def test_each_playbook_checks_warns_records_and_ends(library: dict[str, Playbook],
                                                     name: str) -> None:
    book = library[name]
    assert any(isinstance(s, CheckStep) for s in book.steps)
    assert any(isinstance(s, NoteStep) and s.phase == "write-up" for s in book.steps)
    ends = [s for s in book.steps if isinstance(s, EndStep)]
    assert ends and all(s.text and "post-mortem" in s.text for s in ends)
    assert any(s.dont for s in book.steps)
    # Every "do not" says why, after a colon.
    assert all(":" in d for s in book.steps for d in s.dont)


@pytest.mark.parametrize("name", SYMPTOMS)
def test_each_playbook_moves_through_the_phases_in_order(library: dict[str, Playbook],
                                                         name: str) -> None:
    book = library[name]
    for here, there in edges(book):
        assert PHASES.index(book.step(there).phase) >= PHASES.index(book.step(here).phase), \
            (here, there)


@pytest.mark.parametrize("name", SYMPTOMS)
def test_every_path_of_each_playbook_reaches_a_note_then_an_end(library: dict[str, Playbook],
                                                                name: str) -> None:
    book = library[name]
    for step in book.steps:
        if isinstance(step, NoteStep | EndStep):
            continue
        seen, todo, noted = {step.id}, [step.id], False
        while todo:
            here = book.step(todo.pop())
            noted = noted or isinstance(here, NoteStep)
            for nxt in book.successors(here.id):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        assert noted and any(isinstance(book.step(s), EndStep) for s in seen), step.id


@pytest.mark.parametrize("name", SYMPTOMS)
def test_every_proposed_change_is_bounded_and_no_more_than_a_change(
        library: dict[str, Playbook], name: str) -> None:
    for step in library[name].steps:
        if not isinstance(step, GuardedStep):
            continue
        parsed = commands.parse(fill(step.command, domain="example.com", reason=step.reason,
                                     run="run-1"))
        # A playbook proposes holds and slowdowns that revert by themselves; bouncing,
        # rebinding and raising are for a person to type, with sign-off.
        assert isinstance(parsed, Suspend | SuspendPath | ShapingSet), step.command
        assert parsed.duration is not None, step.command
        if isinstance(parsed, Suspend | SuspendPath):
            assert parsed.duration.total_seconds() <= 4 * 3600, step.command
            assert parsed.reason, step.command


def test_queue_not_draining_on_yahoo_tss04_leads_to_letting_the_tsa_hold_expire(
        library: dict[str, Playbook], tmp_path: Path) -> None:
    book = library["queue-not-draining"]
    finding = lead_kind("yahoo-tss04", "yahoo.com", tmp_path)
    assert finding == "tsa-holding"
    ask = auto_ask(book)
    # The checks before the decision: the holds, what TSA holds, and diagnose.
    before, step = [], book.step(book.first)
    while isinstance(step, CheckStep):
        before.append(step.command.split(" {domain}")[0])
        step = book.step(step.next)
    assert step == ask
    assert {"holds", "tsa", "diagnose"} <= set(before)
    expire = book.step(picked(ask, finding))
    assert isinstance(expire, InstructStep)
    assert expire.title == "Let the suspension expire"
    donts = " ".join(expire.dont).lower()
    assert "do not rebind" in donts and "do not raise rates" in donts
    record = book.step(expire.next)
    assert isinstance(record, NoteStep) and record.phase == "write-up"
    assert record.text == "Decision: let the TSA suspension expire; do not rebind or raise rates."


def test_the_engine_records_the_decision_on_the_yahoo_tss04_run(
        library: dict[str, Playbook]) -> None:
    book = library["queue-not-draining"]
    state = playbook_engine.start(book, run_id="run-1", domain="yahoo.com", incident=None,
                                  channel="C1", by="U0ALICE", at=AT).state
    ran = []
    while isinstance(step := book.step(state.step), CheckStep):
        ran.append(fill(step.command, domain="yahoo.com", reason=None, run="run-1"))
        state = playbook_engine.apply(book, state, playbook_engine.CheckDone(
            step=step.id, version=state.version, by=playbook_engine.BOT, at=AT,
            result="checked")).state
    assert "tsa yahoo.com" in ran and "diagnose yahoo.com" in ran
    ask = book.step(state.step)
    assert isinstance(ask, AskStep) and ask.auto == "diagnose"
    choice = next(c.id for c in ask.choices if "tsa-holding" in c.findings)
    state = playbook_engine.apply(book, state, playbook_engine.Diagnosed(
        step=ask.id, version=state.version, by=playbook_engine.BOT, at=AT,
        finding="tsa-holding", verdict="TSA holds it", choice=choice)).state
    # decided by diagnose: the run went on by itself
    assert book.step(state.step).title == "Let the suspension expire"
    assert (state.history[-1].by, state.history[-1].answer) == (playbook_engine.BOT, "tsa")
    transition = playbook_engine.apply(book, state, playbook_engine.Done(
        step=state.step, version=state.version, by="U0ALICE", at=AT))
    notes = [e.text for e in transition.effects if isinstance(e, playbook_engine.RecordNote)]
    assert notes == ["Decision: let the TSA suspension expire; do not rebind or raise rates."]
    assert transition.state.status == "ended"


def test_microsoft_s3150_proposes_stopping_the_pressure_and_warns_against_bouncing(
        library: dict[str, Playbook], tmp_path: Path) -> None:
    book = library["microsoft-s3150"]
    finding = lead_kind("microsoft-s3150", "outlook.com", tmp_path)
    assert finding == "reputation-block"
    stop = book.step(picked(auto_ask(book), finding))
    assert isinstance(stop, GuardedStep) and stop.phase == "correct"
    parsed = commands.parse(fill(stop.command, domain="outlook.com", reason=stop.reason,
                                 run="run-1"))
    assert isinstance(parsed, Suspend | SuspendPath)
    assert parsed.duration is not None and parsed.duration.total_seconds() <= 4 * 3600
    assert any("do not bounce" in d.lower() and "suppression" in d for d in stop.dont)
