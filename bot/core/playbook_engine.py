"""A playbook run as a pure state machine (DESIGN 6).

``start`` and ``apply`` take a run's state and an event and return the new state plus
the effects the use case must perform (post the step, run a check, propose a change,
record a note, mirror a milestone, update the card).  Nothing here does I/O: the run's
state lives in SQL, and every transition is saved with a compare-and-set on
``version``, so a restart or another replica continues a run, and two clicks on one
step are applied once.  An event carries the step and the version the clicker saw;
anything else is refused with who already answered (:class:`StepTaken`).  The values
(state, events, effects) are ``bot.core.playbook_run``, re-exported here; entering a
step and checking an event against it are ``bot.core.playbook_steps``.

An ask with ``auto = "diagnose"`` is decided by the bot when diagnose's lead finding
matches one of its choices and diagnose checked everything (:class:`Diagnosed`); the
run moves on by itself and the decision is kept on the run (:class:`Decision`).  A
person may choose differently (:class:`Override`) while the run is active and has
neither entered a guarded step nor recorded a note since (:func:`override_refusal`).

A playbook file may be edited (or removed) while a run of it is open.  A run whose
current step, or whose playbook, is gone cannot go on: every event but Abandon is
refused with :class:`RunOutdated`, which says so (:func:`outdated`), and Abandon ends
it without posting the step it can no longer show.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.playbook_run import (
    BOT,
    MAX_EVIDENCE,
    Abandon,
    AnyEvent,
    AutoDecide,
    ChangeRequested,
    CheckDone,
    Choose,
    Continue,
    Decision,
    Diagnosed,
    Done,
    Effect,
    Event,
    Mirror,
    Override,
    PostParent,
    PostStep,
    ProposeChange,
    RecordNote,
    Resume,
    RunCheck,
    RunOutdated,
    RunState,
    RunStatus,
    StepRecord,
    StepTaken,
    Transition,
    UpdateCard,
)
from bot.core.playbook_spec import AskStep, GuardedStep, Playbook
from bot.core.playbook_steps import check_current, completing_answer, enter, quote

__all__ = [
    "BOT",
    "MAX_EVIDENCE",
    "Abandon",
    "AnyEvent",
    "AutoDecide",
    "ChangeRequested",
    "CheckDone",
    "Choose",
    "Continue",
    "Decision",
    "Diagnosed",
    "Done",
    "Effect",
    "Event",
    "Mirror",
    "Override",
    "PostParent",
    "PostStep",
    "ProposeChange",
    "RecordNote",
    "Resume",
    "RunCheck",
    "RunOutdated",
    "RunState",
    "RunStatus",
    "StepRecord",
    "StepTaken",
    "Transition",
    "UpdateCard",
    "apply",
    "outdated",
    "override_refusal",
    "start",
]


# --- transitions ------------------------------------------------------------------------


def start(book: Playbook, *, run_id: str, domain: str | None, incident: str | None,
          channel: str | None, by: str, at: datetime) -> Transition:
    """A new run at the playbook's first step."""
    first = book.step(book.first)
    state = RunState(run_id=run_id, playbook=book.name, title=book.title, domain=domain,
                     incident=incident, channel=channel, step=first.id, phase=first.phase,
                     started_by=by, started_at=at, updated_at=at,
                     milestone=f"Started by <@{by}>; phase {first.phase}")
    state, effects = enter(book, state, first.id, at, announce_phase=False)
    return Transition(state=state, effects=(PostParent(), *effects, UpdateCard()))


def outdated(book: Playbook | None, state: RunState) -> str | None:
    """Why the run cannot go on under its playbook as loaded now (``book``, None when
    no playbook of that name is loaded): the playbook, or the run's current step, is
    gone since the run started.  None when it can; an ended run needs nothing of it."""
    if state.status == "ended":
        return None
    if book is None:
        said = (f"The playbook {state.playbook} is gone since this run started "
                "(it is no longer loaded).")
    elif book.find(state.step) is None:
        said = _changed(state, state.step)
    else:
        return None
    if state.status == "abandoned":
        return f"{said} This run is abandoned; start it again."
    return f"{said} Abandon this run and start it again."


def apply(book: Playbook | None, state: RunState, event: AnyEvent) -> Transition:
    """The run after ``event``; raises :class:`StepTaken` when the event is stale, and
    :class:`RunOutdated` for anything but Abandon when the run is :func:`outdated`."""
    why = outdated(book, state)
    if why is not None:
        return _abandon_outdated(state, event, why)
    if book is None:  # only an ended run gets here
        raise StepTaken("This run has ended; nothing more to do on it.")
    if isinstance(event, Override):
        return _override(book, state, event)
    check_current(book, state, event)
    at = event.at
    step = book.step(state.step)
    bumped = state.model_copy(update={"version": state.version + 1, "updated_at": at})
    match event:
        case Abandon():
            record = StepRecord(step=step.id, kind="abandon", phase=step.phase, at=at,
                                by=event.by)
            new = bumped.model_copy(update={
                "status": "abandoned", "history": (*state.history, record),
                "milestone": f"Abandoned by <@{event.by}> at {quote(step.title)}"})
            return Transition(state=new, effects=(PostStep(step=step.id),
                                                  Mirror(text=new.milestone), UpdateCard()))
        case Resume():
            record = StepRecord(step=step.id, kind="resume", phase=step.phase, at=at,
                                by=event.by)
            new = bumped.model_copy(update={
                "status": "active", "history": (*state.history, record),
                "milestone": f"Resumed by <@{event.by}> at {quote(step.title)}"})
            if isinstance(step, GuardedStep) and state.request_id:
                more: list[Effect] = [PostStep(step=step.id)]  # its change is asked already
            else:
                new, more = enter(book, new, step.id, at, announce_phase=False)
            mirror = [Mirror(text=new.milestone)] if state.status == "abandoned" else []
            return Transition(state=new, effects=(*mirror, *more, UpdateCard()))
        case Diagnosed():
            assert isinstance(step, AskStep)
            return _diagnosed(book, bumped, step, event)
        case ChangeRequested():
            new = bumped.model_copy(update={"request_id": event.request_id,
                                            "request_note": event.note or None})
            what = ("A change was requested" if event.request_id else "A change was refused")
            new = new.model_copy(update={"milestone": f"{what}: {quote(step.title)}"})
            return Transition(state=new, effects=(PostStep(step=step.id),
                                                  Mirror(text=new.milestone), UpdateCard()))
    answer, result, finding, target = completing_answer(book, state, event)
    record = StepRecord(step=step.id, kind=step.kind, phase=step.phase, at=at, by=event.by,
                        answer=answer, result=result, finding=finding)
    new = bumped.model_copy(update={"history": (*state.history, record)})
    new, effects = enter(book, new, target, at)
    return Transition(state=new, effects=(*effects, UpdateCard()))


def override_refusal(book: Playbook, state: RunState, step_id: str,
                     version: int | None = None) -> str | None:
    """Why a person can no longer choose differently from diagnose's decision on
    ``step_id`` (taken at ``version``, when given); None when they still can."""
    why = outdated(book, state)
    if why is not None:
        return why
    found = state.decision
    if found is None or found.step != step_id or not found.decided or \
            (version is not None and version != found.version):
        return ("That decision of diagnose is no longer the run's; the thread shows where "
                "the run is now.")
    step = book.find(step_id)
    if step is None:  # the decided ask was edited out of the playbook since
        return _changed(state, step_id)
    if found.overridden_by is not None:
        label = _label(step, found.override)
        when = f" at {found.overridden_at:%H:%M} UTC" if found.overridden_at else ""
        return f"Already chosen differently by <@{found.overridden_by}> ({label}){when}."
    if state.status == "ended":
        return "This run has ended; its decisions stand."
    if state.status == "abandoned":
        return "This run is abandoned; press Resume first."
    for record in state.history[found.recorded + 1:]:
        title = _title(book, record.step)
        if record.kind == "guarded":
            return (f"A change was requested since diagnose decided ({title}): the run "
                    "cannot go back past it.")
        if record.kind == "note":
            return (f"The decision was recorded since ({title}): the run cannot go back "
                    "past it.")
    if isinstance(book.step(state.step), GuardedStep):
        return (f"The run went on to a change through the guard "
                f"({quote(book.step(state.step).title)}): it cannot go back past it.")
    return None


def _diagnosed(book: Playbook, state: RunState, step: AskStep, event: Diagnosed) -> Transition:
    """Take the choice diagnose's lead finding matches, or say why none is taken."""
    pick = next((c for c in step.choices if c.id == event.choice), None)
    why_not = event.unsure
    if why_not is None and pick is None:
        why_not = (f"no choice of this step matches its lead finding (`{event.finding}`)"
                   if event.finding else "it has no finding to go on")
    decision = Decision(step=step.id, version=state.version, at=event.at,
                        finding=event.finding, verdict=event.verdict,
                        evidence=event.evidence[:MAX_EVIDENCE],
                        pick=pick.id if pick else None, decided=why_not is None,
                        why_not=why_not, recorded=len(state.history))
    state = state.model_copy(update={"decision": decision})
    if why_not is not None or pick is None:  # a person answers, as without `auto`
        return Transition(state=state, effects=(PostStep(step=step.id), UpdateCard()))
    record = StepRecord(step=step.id, kind="ask", phase=step.phase, at=event.at, by=BOT,
                        answer=pick.id, result=event.verdict, finding=event.finding)
    said = (f"diagnose decided {quote(step.title)}: {quote(pick.label)}"
            + (f" (`{event.finding}`)" if event.finding else ""))
    state = state.model_copy(update={"history": (*state.history, record), "milestone": said})
    state, effects = enter(book, state, pick.next, event.at)
    if state.status != "ended":
        state = state.model_copy(update={"milestone": said})
    return Transition(state=state, effects=(PostStep(step=step.id), Mirror(text=said),
                                            *effects, UpdateCard()))


def _override(book: Playbook, state: RunState, event: Override) -> Transition:
    """A person's choice instead of diagnose's: the run re-branches from the decided ask."""
    refusal = override_refusal(book, state, event.step, event.version)
    if refusal is not None:
        raise StepTaken(refusal)
    step = book.step(event.step)
    decision = state.decision
    assert isinstance(step, AskStep) and decision is not None
    choice = next((c for c in step.choices if c.id == event.choice), None)
    if choice is None:
        raise StepTaken(f"{quote(step.title)} has no choice {event.choice!r}.")
    if choice.id == decision.pick:
        raise StepTaken("That is the choice diagnose took already.")
    taken = _label(step, decision.pick)
    record = StepRecord(step=step.id, kind="ask", phase=step.phase, at=event.at, by=event.by,
                        answer=choice.id, result=f"chose differently from diagnose "
                        f"({quote(taken)})", overrode=decision.pick)
    said = (f"<@{event.by}> chose differently from diagnose at {quote(step.title)}: "
            f"{quote(choice.label)}, not {quote(taken)}")
    new = state.model_copy(update={
        "version": state.version + 1, "updated_at": event.at,
        "history": (*state.history, record), "milestone": said,
        "decision": decision.model_copy(update={"overridden_by": event.by,
                                                "overridden_at": event.at,
                                                "override": choice.id})})
    new, effects = enter(book, new, choice.next, event.at)
    if new.status != "ended":
        new = new.model_copy(update={"milestone": said})
    return Transition(state=new, effects=(Mirror(text=said), *effects, UpdateCard()))


def _abandon_outdated(state: RunState, event: AnyEvent, why: str) -> Transition:
    """Abandon a run its playbook no longer fits; any other event is refused with ``why``."""
    active = state.status == "active"
    current = event.step == state.step and event.version == state.version
    if not (isinstance(event, Abandon) and current and active):
        raise RunOutdated(why, run_id=state.run_id, step=state.step, version=state.version,
                          abandonable=active)
    record = StepRecord(step=state.step, kind="abandon", phase=state.phase, at=event.at,
                        by=event.by)
    new = state.model_copy(update={
        "version": state.version + 1, "updated_at": event.at, "status": "abandoned",
        "history": (*state.history, record),
        "milestone": f"Abandoned by <@{event.by}> at {quote(state.step)} "
                     "(gone from the playbook)"})
    return Transition(state=new, effects=(Mirror(text=new.milestone), UpdateCard()))


def _changed(state: RunState, step_id: str) -> str:
    return (f"The playbook {state.playbook} changed since this run started: its step "
            f"{step_id} is gone.")


def _title(book: Playbook, step_id: str) -> str:
    """A step's title, quoted; its id when it was edited out of the playbook since."""
    found = book.find(step_id)
    return quote(found.title if found is not None else step_id)


def _label(step: object, choice: str | None) -> str:
    choices = step.choices if isinstance(step, AskStep) else ()
    return next((c.label for c in choices if c.id == choice), choice or "")
