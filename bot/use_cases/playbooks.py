"""``/kumo playbook list|start|runs`` and the clicks that drive a run (DESIGN 6).

A run's state lives in SQL (``PlaybookRuns``); each transition comes from the pure
engine (``bot.core.playbook_engine``) and is saved with a compare-and-set before any
of its effects is performed, so exactly one process performs them.  The effects are
shown through a ``RunMessenger`` (Slack, or the terminal through the emulator): the
parent message is the status card, every step goes in its thread.  Checks and
guarded changes go through ``Services.handle``, the one path of every command, so
they are audited and filed under the run's incident like typed ones.

A run is loaded with the playbooks as loaded now: when its playbook, or the step it
is at, was edited out since it started, a click is answered with what changed
(``engine.RunOutdated``) and only Abandon applies; ``playbook runs`` lists such a run
with that warning.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from bot.core import commands
from bot.core import playbook_engine as engine
from bot.core.answers import AnswerBase, ErrorAnswer
from bot.core.answers_diagnose import DiagnoseAnswer
from bot.core.answers_guard import GuardAnswer
from bot.core.answers_playbook import (
    PlaybookInfo,
    PlaybookListAnswer,
    PlaybookRunsAnswer,
    PlaybookStartAnswer,
    RunLine,
)
from bot.core.audit import AuditEvent, Outcome
from bot.core.catalog import closest
from bot.core.command_text import echo
from bot.core.errors import NotFound, UserInputError
from bot.core.incidents import TimelineEntry
from bot.core.playbook_engine import RunState, StepTaken
from bot.core.playbook_spec import AskStep, CheckStep, Playbook
from bot.ports import PlaybookRuns, RunMessenger

if TYPE_CHECKING:
    from bot.services import RequestContext, Services

RUNS_LIMIT = 20
log = logging.getLogger(__name__)
_STATUS_WORDS = {"done": "executed", "executing": "executing", "pending": "pending",
                 "denied": "denied", "cancelled": "cancelled", "expired": "expired",
                 "stopped": "stopped (the evidence changed)"}


@dataclass(frozen=True)
class PlaybookSetup:
    """The playbooks loaded at start-up and where runs are kept (built by bootstrap)."""

    library: Mapping[str, Playbook]
    runs: PlaybookRuns


def _setup(svc: Services) -> PlaybookSetup:
    setup = svc.playbooks
    if setup is None:
        raise UserInputError("Playbooks are not configured in this process.")
    return setup


def _loaded(setup: PlaybookSetup, name: str) -> Playbook | None:
    return setup.library.get(name) or setup.library.get(name.lower())  # names are lower-case


def _book(setup: PlaybookSetup, name: str) -> Playbook:
    book = _loaded(setup, name)
    if book is None:
        nearest = closest(name.lower(), list(setup.library))
        hint = f"Did you mean `{nearest}`? " if nearest else ""
        raise NotFound(f"There is no playbook `{echo(name)}`.",
                       hint=hint + "`/kumo playbook list` shows them all.")
    return book


def playbook_answer(svc: Services, cmd: commands.Playbook, ctx: RequestContext,
                    base: dict[str, Any]) -> AnswerBase:
    """Answer ``playbook list``, ``playbook start NAME [DOMAIN]`` or ``playbook runs``."""
    setup = _setup(svc)
    if cmd.action == "list":
        infos = [PlaybookInfo(name=b.name, title=b.title, symptom=b.symptom,
                              needs_domain=b.needs_domain, steps=len(b.steps))
                 for b in sorted(setup.library.values(), key=lambda b: b.name)]
        return PlaybookListAnswer(playbooks=infos, **base)
    if cmd.action == "runs":
        messenger = ctx.messenger
        runs = setup.runs.open_runs(limit=RUNS_LIMIT)
        return PlaybookRunsAnswer(runs=[_line(setup, r, messenger) for r in runs], **base)
    assert cmd.name is not None  # the command model requires it for `start`
    return start(svc, setup, cmd, ctx, base)


def start(svc: Services, setup: PlaybookSetup, cmd: commands.Playbook, ctx: RequestContext,
          base: dict[str, Any]) -> PlaybookStartAnswer:
    """Start a run: its parent message and card, then its first steps, in the thread."""
    book = _book(setup, cmd.name or "")
    if book.needs_domain and not cmd.domain:
        raise UserInputError(f"`{book.name}` needs a DOMAIN.",
                             hint=f"Usage: `/kumo playbook start {book.name} DOMAIN`")
    messenger = ctx.messenger
    if messenger is None:
        raise UserInputError("A playbook run is a Slack thread driven by buttons; start it "
                             "in Slack or in the terminal (`kumo-bot shell`, the demo).")
    transition = engine.start(book, run_id=f"run-{uuid.uuid4().hex[:10]}", domain=cmd.domain,
                              incident=cmd.incident, channel=ctx.channel, by=ctx.actor.id,
                              at=svc.clock.now())
    state = transition.state
    ts = messenger.post_parent(state, book)
    state = state.model_copy(update={"parent_ts": ts, "card_ts": ts})
    setup.runs.add(state)
    _audit(svc, ctx, state, f"started {book.name}", "ok")
    first = engine.Transition(state=state, effects=tuple(
        e for e in transition.effects if not isinstance(e, engine.PostParent)))
    state = _drive(svc, setup, book, first, ctx, messenger)
    return PlaybookStartAnswer(run=_line(setup, state, messenger), **base)


@dataclass(frozen=True)
class Press:
    """A button on a run's message: which run, step and version, and what it does."""

    run_id: str
    step: str
    version: int
    what: str  # choose | override | done | continue | abandon | resume
    choice: str = ""


def press(svc: Services, press: Press, ctx: RequestContext) -> RunState:
    """Apply one click; a stale one raises ``StepTaken`` saying who already answered."""
    setup = _setup(svc)
    state = setup.runs.get(press.run_id)
    if state is None:
        raise NotFound("That playbook run no longer exists.")
    book = _loaded(setup, state.playbook)  # None: removed since (only Abandon applies)
    messenger = ctx.messenger
    assert messenger is not None  # clicks always come from a surface that shows the run
    ctx = replace(ctx, channel=state.channel, thread_ts=state.parent_ts)
    common = {"step": press.step, "version": press.version, "by": ctx.actor.id,
              "at": svc.clock.now()}
    event: engine.AnyEvent
    if press.what == "choose":
        event = engine.Choose(choice=press.choice, **common)
    elif press.what == "override":
        event = engine.Override(choice=press.choice, **common)
    elif press.what == "done":
        event = engine.Done(**common)
    elif press.what == "continue":
        event = engine.Continue(status=_request_status(svc, state), **common)
    elif press.what == "abandon":
        event = engine.Abandon(**common)
    elif press.what == "resume":
        event = engine.Resume(**common)
    else:
        raise UserInputError(f"Unknown playbook button {press.what!r}.")
    try:
        transition = engine.apply(book, state, event)
        if not setup.runs.save(transition.state):
            raise StepTaken("Someone acted on this step at the same moment; their click "
                            "was applied and this one was not.")
    except StepTaken as exc:
        _audit(svc, ctx, state, f"{press.what} {press.step}: refused", "refused", exc.message)
        raise
    _audit(svc, ctx, transition.state, f"{press.what} {press.step}"
           + (f" {press.choice}" if press.choice else ""), "ok")
    if book is None:  # a run of a removed playbook, abandoned: no card or step to draw
        for effect in transition.effects:
            if isinstance(effect, engine.Mirror):
                messenger.mirror(transition.state, effect.text)
        return transition.state
    return _drive(svc, setup, book, transition, ctx, messenger)


def _request_status(svc: Services, state: RunState) -> str:
    if state.request_id is None or svc.writes is None:
        return "not requested"
    pending = svc.writes.records.get(state.request_id)
    if pending is None:
        return "unknown"
    return _STATUS_WORDS.get(pending.status, pending.status)


# --- performing effects ----------------------------------------------------------------


def _drive(svc: Services, setup: PlaybookSetup, book: Playbook, transition: engine.Transition,
           ctx: RequestContext, messenger: RunMessenger) -> RunState:
    """Perform a saved transition's effects; follow-up events (a check's result, diagnose's
    pick, the guard's request) become new transitions, each saved before it is performed."""
    card = False
    answers: dict[str, AnswerBase] = {}  # this drive's check answers: diagnose runs once
    while True:
        state = transition.state
        follow: engine.AnyEvent | None = None
        for effect in transition.effects:
            if isinstance(effect, engine.UpdateCard):
                card = True  # once, at the end: one edit of the card per click
                continue
            found = _perform(svc, book, state, effect, ctx, messenger, answers)
            follow = found or follow
        moved = follow is not None
        if follow is not None:
            try:
                transition = engine.apply(book, state, follow)
            except StepTaken:
                moved = False
            # False: another process moved the run on; it performs what follows.
            moved = moved and setup.runs.save(transition.state)
        if not moved:
            if card:
                messenger.update_card(state, book)
            return _rethread(setup, state, messenger)
        assert follow is not None
        decision = transition.state.decision
        decided = (f": decided {decision.pick} ({decision.finding})"
                   if isinstance(follow, engine.Diagnosed) and decision and decision.decided
                   else "")
        _audit(svc, ctx, transition.state, f"{follow.event} {follow.step}{decided}", "ok",
               getattr(follow, "result", "") or getattr(follow, "verdict", ""))


def _rethread(setup: PlaybookSetup, state: RunState, messenger: RunMessenger) -> RunState:
    """Keep the new parent message when the run's own was gone (deleted in Slack)."""
    parent = messenger.moved(state)
    if parent is None or parent == state.parent_ts or state.status == "ended":
        return state
    moved = state.model_copy(update={"parent_ts": parent, "card_ts": parent})
    # Not a transition: the version stays, so the buttons just posted still work.
    return moved if setup.runs.rethread(moved) else state


def _perform(svc: Services, book: Playbook, state: RunState, effect: engine.Effect,
             ctx: RequestContext, messenger: RunMessenger, answers: dict[str, AnswerBase]
             ) -> engine.AnyEvent | None:
    at = {"step": state.step, "version": state.version, "by": engine.BOT,
          "at": svc.clock.now()}
    thread = replace(ctx, channel=state.channel, thread_ts=state.parent_ts)
    match effect:
        case engine.PostStep():
            messenger.post_step(state, book, effect.step)
        case engine.UpdateCard():
            messenger.update_card(state, book)
        case engine.Mirror():
            messenger.mirror(state, effect.text)
        case engine.RecordNote():
            _record_note(svc, ctx, state, effect.text)
        case engine.RunCheck():
            answer = svc.handle(effect.command, thread)
            answers[effect.command] = answer
            messenger.post_answer(state, book, answer, effect.command, ctx.actor.id)
            return engine.CheckDone(result=summary(answer), **at)
        case engine.AutoDecide():
            text = f"diagnose {state.domain}" + (f" --incident {state.incident}"
                                                 if state.incident else "")
            if text in answers:  # a check of this drive just ran it: its answer is shown
                return _diagnosed(book, state, answers[text], at)
            answer = svc.handle(text, thread)
            messenger.post_answer(state, book, answer, text, ctx.actor.id)
            return _diagnosed(book, state, answer, at)
        case engine.ProposeChange():
            answer = svc.handle(effect.command, thread)
            messenger.post_answer(state, book, answer, effect.command, ctx.actor.id)
            if isinstance(answer, GuardAnswer):
                return engine.ChangeRequested(request_id=answer.request_id, **at)
            note = answer.message if isinstance(answer, ErrorAnswer) else "not requested"
            return engine.ChangeRequested(request_id=None, note=f"refused: {note}", **at)
    return None


def _diagnosed(book: Playbook, state: RunState, answer: AnswerBase,
               at: dict[str, Any]) -> engine.Diagnosed:
    """What diagnose's answer says to an auto ask: its lead finding, the choice that
    finding picks, and why it is not enough to decide on (an error, a source unchecked)."""
    step = book.step(state.step)
    assert isinstance(step, AskStep)
    if not isinstance(answer, DiagnoseAnswer) or not answer.diagnosis.findings:
        why = answer.message if isinstance(answer, ErrorAnswer) else "no finding"
        return engine.Diagnosed(finding=None, verdict=f"diagnose failed: {why}", choice=None,
                                unsure="diagnose did not answer", **at)
    diagnosis = answer.diagnosis
    lead = diagnosis.lead
    pick = next((c.id for c in step.choices if lead.kind in c.findings), None)
    missing = [f"{u.source}: {u.consequence}" for u in diagnosis.unchecked] or \
        [f"{f.node}: {f.kind}" for f in answer.failures]
    unsure = ("diagnose could not check everything (" + "; ".join(missing) + ")"
              if missing else None)
    return engine.Diagnosed(finding=lead.kind, verdict=lead.verdict,
                            evidence=tuple(lead.evidence[:engine.MAX_EVIDENCE]), choice=pick,
                            unsure=unsure, **at)


def summary(answer: AnswerBase) -> str:
    """A check's result in a line, for the run's history."""
    if isinstance(answer, ErrorAnswer):
        return f"error: {answer.message}"
    if isinstance(answer, DiagnoseAnswer) and answer.diagnosis.findings:
        lead = answer.diagnosis.lead
        return f"{lead.kind}: {lead.verdict}"
    parts = [f"{getattr(answer, 'kind', 'answer')} answered"]
    holds = getattr(answer, "holds", None)
    if isinstance(holds, list):
        parts.append(f"{len(holds)} hold(s)")
    if answer.failures:
        parts.append(f"{len(answer.failures)} node(s) failed")
    return ", ".join(parts)


def _record_note(svc: Services, ctx: RequestContext, state: RunState, text: str) -> None:
    _audit(svc, ctx, state, f"note: {text}", "ok")
    store = svc.incidents
    if store is not None and state.incident:
        store.add_entry(state.incident, TimelineEntry(
            at=svc.clock.now(), kind="note", actor=engine.BOT,
            text=f"Playbook {state.playbook} ({state.run_id}): note", quoted=text))


def _audit(svc: Services, ctx: RequestContext, state: RunState, what: str, outcome: Outcome,
           detail: str = "") -> None:
    try:
        svc.audit.append(AuditEvent(
            at=svc.clock.now(), actor=ctx.actor, transport=ctx.transport, channel=state.channel,
            thread_ts=state.parent_ts, command_text=f"playbook {state.playbook}: {what}"[:4000],
            parsed={"verb": "playbook", "run": state.run_id, "step": state.step,
                    "version": state.version, "status": state.status},
            action_class="change", phase="step", outcome=outcome,
            detail=detail[:2000], incident_id=state.incident,
            correlation_id=f"{state.run_id}-{state.version}"))
    except Exception:  # the run goes on, like a read whose audit row could not be written
        log.exception("audit append failed for playbook run %s", state.run_id)


def _line(setup: PlaybookSetup, state: RunState, messenger: RunMessenger | None) -> RunLine:
    book = _loaded(setup, state.playbook)
    n, m = state.progress(book) if book else (len(state.history), len(state.history))
    step = book.find(state.step) if book else None
    warning = engine.outdated(book, state)  # its playbook or its step is gone since
    link = (messenger.link(state.channel, state.parent_ts)
            if messenger is not None and state.channel and state.parent_ts else None)
    stuck = state.status == "active" and isinstance(step, CheckStep)
    return RunLine(run_id=state.run_id, playbook=state.playbook, title=state.title,
                   domain=state.domain, incident=state.incident, status=state.status,
                   phase=state.phase, step=state.step, version=state.version,
                   resumable=warning is None and (state.status == "abandoned" or stuck),
                   warning=warning,
                   abandonable=warning is not None and state.status == "active",
                   step_title=step.title if step else state.step, step_n=n, step_m=m,
                   started_by=state.started_by, started_at=state.started_at,
                   milestone=state.milestone, channel=state.channel, ts=state.parent_ts,
                   link=link)

