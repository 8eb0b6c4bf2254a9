"""How a playbook run moves through its steps (the engine's step mechanics).

``enter`` moves a run to a step and lists the effects that takes (post it, run its
check, ask diagnose, propose its change, record a note and go on, end the run);
``check_current`` refuses an event that is not for the current step and version;
``completing_answer`` says what an event that completes a step answered and where the
run goes next.  Used by ``bot.core.playbook_engine``; pure, no I/O.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.playbook_run import (
    BOT,
    Abandon,
    AnyEvent,
    AutoDecide,
    CheckDone,
    Choose,
    Continue,
    Done,
    Effect,
    Mirror,
    PostStep,
    ProposeChange,
    RecordNote,
    Resume,
    RunCheck,
    RunState,
    StepRecord,
    StepTaken,
)
from bot.core.playbook_spec import (
    AskStep,
    CheckStep,
    EndStep,
    GuardedStep,
    InstructStep,
    NoteStep,
    Playbook,
    fill,
)


def check_current(book: Playbook, state: RunState, event: AnyEvent) -> None:
    """Raise :class:`StepTaken` unless ``event`` is for the run's current step and version
    and the step takes it."""
    if state.status == "ended":
        raise StepTaken("This run has ended; nothing more to do on it.")
    if event.step != state.step or event.version != state.version:
        done = state.answered(event.step)
        if done is not None and event.step != state.step:
            who = "the bot" if done.by == BOT else f"<@{done.by}>"
            said = f" ({done.answer})" if done.answer else ""
            raise StepTaken(f"Already done by {who}{said}; the run is now at "
                            f"{quote(book.step(state.step).title)}.")
        if event.step != state.step:  # left unanswered: someone chose differently before it
            left = next((s for s in book.steps if s.id == event.step), None)  # None: edited out
            was = quote(left.title) if left is not None else "that step"
            raise StepTaken(f"The run is no longer at {was}; "
                            f"it is now at {quote(book.step(state.step).title)}.")
        raise StepTaken("Someone acted on this run at the same moment; this click was not "
                        "applied. The thread shows where the run is now.")
    step = book.step(state.step)
    if isinstance(event, Abandon | Resume):
        if isinstance(event, Abandon) and state.status == "abandoned":
            raise StepTaken("This run is already abandoned; press Resume to continue it.")
        if isinstance(event, Resume) and state.status == "active" and \
                not isinstance(step, CheckStep):
            raise StepTaken("This run is not abandoned; answer its current step.")
        return
    if state.status == "abandoned":
        raise StepTaken("This run is abandoned; press Resume first.")
    wanted = {"choose": AskStep, "diagnosed": AskStep, "done": InstructStep,
              "continue": GuardedStep, "change-requested": GuardedStep, "check-done": CheckStep}
    if not isinstance(step, wanted[event.event]):
        raise StepTaken(f"The current step ({quote(step.title)}) does not take that answer.")


def completing_answer(book: Playbook, state: RunState, event: AnyEvent
            ) -> tuple[str | None, str | None, str | None, str]:
    """(answer, result, finding, next step) of an event that completes the current step."""
    step = book.step(state.step)
    match event:
        case Choose():
            assert isinstance(step, AskStep)
            hint = state.decision if state.decision and state.decision.step == step.id \
                else None
            for choice in step.choices:
                if choice.id == event.choice:
                    if hint is not None and hint.pick == choice.id:  # diagnose's pick, followed
                        return choice.id, hint.verdict, hint.finding, choice.next
                    return choice.id, None, None, choice.next
            raise StepTaken(f"{quote(step.title)} has no choice {event.choice!r}.")
        case Done():
            assert isinstance(step, InstructStep)
            return "done", None, None, step.next
        case Continue():
            assert isinstance(step, GuardedStep)
            result = state.request_note if state.request_id is None else event.status
            return "continue", result, None, step.next
        case CheckDone():
            assert isinstance(step, CheckStep)
            return "checked", event.result, None, step.next
    raise StepTaken("That event does not complete a step.")


def enter(book: Playbook, state: RunState, step_id: str, at: datetime, *,
           announce_phase: bool = True) -> tuple[RunState, list[Effect]]:
    """Move to ``step_id`` and say what that takes; note steps record and move on."""
    effects: list[Effect] = []
    for _ in range(len(book.steps) + 1):  # a loop of note steps cannot spin forever
        step = book.step(step_id)
        update: dict[str, object] = {"step": step.id, "phase": step.phase, "request_id": None,
                                     "request_note": None}
        if isinstance(step, AskStep) and step.auto:
            update["decision"] = None  # diagnose is asked again
        if announce_phase and step.phase != state.phase:
            update["milestone"] = f"Phase {step.phase}: {quote(step.title)}"
            effects.append(Mirror(text=str(update["milestone"])))
        announce_phase = True
        state = state.model_copy(update=update)
        # An auto-decided ask and a guarded step are posted once their diagnose or guard
        # answer is in (``Diagnosed``, ``ChangeRequested``), so their buttons are current.
        if not isinstance(step, GuardedStep) and not (isinstance(step, AskStep) and step.auto):
            effects.append(PostStep(step=step.id))
        text = _text(book, state, getattr(step, "text", None))
        match step:
            case CheckStep():
                effects.append(RunCheck(step=step.id, command=_command(state, step)))
            case AskStep(auto="diagnose"):
                effects.append(AutoDecide(step=step.id))
            case GuardedStep():
                effects.append(ProposeChange(step=step.id, command=_command(state, step)))
            case NoteStep():
                record = StepRecord(step=step.id, kind="note", phase=step.phase, at=at, by=BOT,
                                    answer="recorded", result=text)
                state = state.model_copy(update={"history": (*state.history, record)})
                effects.append(RecordNote(step=step.id, text=text or ""))
                step_id = step.next
                continue
            case EndStep():
                record = StepRecord(step=step.id, kind="end", phase=step.phase, at=at, by=BOT)
                state = state.model_copy(update={
                    "status": "ended", "history": (*state.history, record),
                    "milestone": f"Run ended: {quote(step.title)}"})
                effects.append(Mirror(text=state.milestone))
        return state, effects
    return state, effects


def _command(state: RunState, step: CheckStep | GuardedStep) -> str:
    reason = step.reason if isinstance(step, GuardedStep) else None
    text = fill(step.command, domain=state.domain, reason=reason, run=state.run_id)
    return f"{text} --incident {state.incident}" if state.incident else text


def _text(book: Playbook, state: RunState, text: str | None) -> str | None:
    if text is None:
        return None
    return fill(text, domain=state.domain, reason=None, run=state.run_id)


def quote(text: str) -> str:
    """``text`` in curly quotes, as milestones and refusals show titles."""
    return f"“{text}”"
