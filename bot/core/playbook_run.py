"""A playbook run's values: its state, the events it takes, the effects they ask for.

``RunState`` is saved whole (one row in SQL, compare-and-set on ``version``); an
``Event`` names the step and the version its clicker saw; an ``Effect`` is what the use
case performs once a transition is saved.  The transitions themselves are
``bot.core.playbook_engine``.  Pure values, no I/O.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from bot.core.diagnosis_model import Line
from bot.core.errors import BotError
from bot.core.models import Model
from bot.core.playbook_spec import Phase, Playbook, StepKind

RunStatus = Literal["active", "abandoned", "ended"]
BOT = "kumo-bot"
MAX_EVIDENCE = 10  # evidence lines of diagnose's lead finding kept on a decision


class StepTaken(BotError):
    """The click is for a step the run has already left (or a run that ended)."""


class RunOutdated(StepTaken):
    """The run's playbook changed since it started: its current step (or the playbook
    itself) is gone, so only Abandon applies (``abandonable``: the run is not abandoned
    yet; ``step`` and ``version`` are what an Abandon button must carry)."""

    def __init__(self, message: str, *, run_id: str, step: str, version: int,
                 abandonable: bool) -> None:
        super().__init__(message)
        self.run_id = run_id
        self.step = step
        self.version = version
        self.abandonable = abandonable


class StepRecord(Model):
    """One thing that happened on a run: a step answered, done, checked, recorded."""

    step: str
    kind: StepKind | Literal["abandon", "resume"]
    phase: Phase
    at: datetime
    by: str = Field(description="a Slack user id, or `kumo-bot` for what the bot did")
    answer: str | None = Field(None, description="the choice id, `done`, `continue`, ...")
    result: str | None = Field(None, description="a check's outcome, a change's status, a note")
    finding: str | None = Field(None, description="diagnose's lead finding, for an ask")
    overrode: str | None = Field(None, description="the choice diagnose had taken, when a "
                                 "person chose differently")


class Decision(Model):
    """What diagnose said on an auto ask: the choice it took (or why it took none), and
    the person who chose differently, if one did."""

    step: str
    version: int = Field(description="the run's version once decided: what the "
                         "Choose-differently buttons carry")
    at: datetime
    finding: str | None = None
    verdict: str
    evidence: tuple[Line, ...] = ()
    pick: str | None = Field(None, description="the choice the lead finding matches")
    recorded: int = Field(0, description="where its record is in the run's history")
    decided: bool = Field(False, description="True: the bot took ``pick`` and moved on")
    why_not: str | None = Field(None, description="why nothing was decided")
    overridden_by: str | None = None
    overridden_at: datetime | None = None
    override: str | None = None


class RunState(Model):
    """Everything about one run; saved whole, with ``version`` bumped by each transition."""

    run_id: str
    playbook: str
    title: str
    domain: str | None = None
    incident: str | None = None
    channel: str | None = None
    parent_ts: str | None = Field(None, description="the thread's parent, also the status card")
    card_ts: str | None = None
    status: RunStatus = "active"
    step: str
    phase: Phase
    started_by: str
    started_at: datetime
    updated_at: datetime
    history: tuple[StepRecord, ...] = ()
    request_id: str | None = Field(None, description="the change the guarded step requested")
    request_note: str | None = None
    decision: Decision | None = Field(None, description="diagnose's word on the last auto ask")
    milestone: str = ""
    version: int = 1

    def progress(self, book: Playbook) -> tuple[int, int]:
        """(step n, of m): m counts the shortest way from here to an end."""
        done = len([h for h in self.history if h.kind not in ("abandon", "resume")])
        if self.status == "ended":
            return done, done
        if book.find(self.step) is None:  # edited out of the playbook since: no way on
            return done + 1, done + 1
        return done + 1, done + book.steps_to_end(self.step)

    def answered(self, step: str) -> StepRecord | None:
        """The newest record of ``step`` being answered."""
        for record in reversed(self.history):
            if record.step == step and record.kind not in ("abandon", "resume"):
                return record
        return None


# --- events -----------------------------------------------------------------------------


class Event(Model):
    """Something that happened to a run at ``at``, by ``by``, on ``step`` at ``version``."""

    step: str
    version: int
    by: str
    at: datetime


class Choose(Event):
    """A choice of an ask step was pressed."""

    event: Literal["choose"] = "choose"
    choice: str


class Done(Event):
    """An instruct step's Done was pressed."""

    event: Literal["done"] = "done"


class Continue(Event):
    """A guarded step's Continue was pressed; ``status`` is the request's status then."""

    event: Literal["continue"] = "continue"
    status: str


class Abandon(Event):
    """Abandon was pressed."""

    event: Literal["abandon"] = "abandon"


class Resume(Event):
    """Resume was pressed (an abandoned run, or a check that must run again)."""

    event: Literal["resume"] = "resume"


class CheckDone(Event):
    """A check step's command was answered; ``result`` summarises it."""

    event: Literal["check-done"] = "check-done"
    result: str


class Diagnosed(Event):
    """Diagnose ran for an auto ask: its lead finding, the choice it matches (if any), and
    ``unsure``: why its evidence is not enough to decide (a node down, an error)."""

    event: Literal["diagnosed"] = "diagnosed"
    finding: str | None
    verdict: str
    evidence: tuple[Line, ...] = ()
    choice: str | None
    unsure: str | None = None


class Override(Event):
    """A person chose differently from diagnose; ``step`` is the decided ask and
    ``version`` the decision's."""

    event: Literal["override"] = "override"
    choice: str


class ChangeRequested(Event):
    """A guarded step's change went to the guard: its request id, or why it was refused."""

    event: Literal["change-requested"] = "change-requested"
    request_id: str | None
    note: str = ""


AnyEvent = (Choose | Done | Continue | Abandon | Resume | CheckDone | Diagnosed | Override
            | ChangeRequested)


# --- effects ----------------------------------------------------------------------------


class Effect(Model):
    """Something the use case must do after saving the transition."""


class PostParent(Effect):
    """Post the run's parent message (the status card) in the channel."""


class PostStep(Effect):
    """Post the current step (or the run's state: abandoned, ended) in the thread."""

    step: str


class RunCheck(Effect):
    """Run a read-only command and post its answer in the thread, then ``CheckDone``."""

    step: str
    command: str


class AutoDecide(Effect):
    """Run ``diagnose`` for an ask step, then ``Diagnosed``."""

    step: str


class ProposeChange(Effect):
    """Submit a change through the guard (its card goes in the thread), then
    ``ChangeRequested``."""

    step: str
    command: str


class RecordNote(Effect):
    """Record a note on the run's incident (the run's history has it already)."""

    step: str
    text: str


class Mirror(Effect):
    """Say a milestone in the channel."""

    text: str


class UpdateCard(Effect):
    """Update the status card in place."""


class Transition(Model):
    """The new state and what to do about it."""

    state: RunState
    effects: tuple[Effect, ...] = ()
