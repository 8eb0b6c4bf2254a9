"""Block Kit of playbooks: the list, the open runs, a run's card and each step's message.

A run is a parent message (its status card: title, domain, who started it, phase, step
n of m, last milestone; edited in place) and a thread with one message per step.  Each
step's buttons carry ``run|step|version|choice`` in their value, so a click names
exactly what the clicker saw; Abandon is on every open step, Resume on an abandoned
run.  An ask diagnose decided says what it took and why (the lead finding's verdict
and evidence) and offers the other choices as Choose-differently buttons while the run
can still go back.  Playbook texts are operator-written, and still escaped like any
other text.  A run whose step was edited out of its playbook shows the step's id, and
``playbook runs`` says it cannot go on and offers Abandon instead of Resume.
"""

from __future__ import annotations

import re
from typing import Any

from bot.adapters.slack.blocks import Block, context, header, section
from bot.adapters.slack.ids import ActionId
from bot.adapters.slack.text import BUTTON_TEXT_LIMIT, SECTION_TEXT_LIMIT, clip, escape
from bot.adapters.slack.views_diagnose import render_line
from bot.core.answers import AnswerBase
from bot.core.answers_playbook import (
    PlaybookListAnswer,
    PlaybookRunsAnswer,
    PlaybookStartAnswer,
    RunLine,
)
from bot.core.playbook_engine import BOT, Decision, RunState, override_refusal
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

_MENTION = re.compile(r"&lt;@([A-Z0-9]+)&gt;")
_PHASE_ICONS = {"stabilize": ":large_orange_circle:", "diagnose": ":mag:",
                "correct": ":wrench:", "write-up": ":memo:"}
_STATUS = {"active": "in progress", "abandoned": ":double_vertical_bar: abandoned",
           "ended": ":checkered_flag: ended"}


def button_value(run: RunState, step: str, choice: str = "") -> str:
    """What a button of ``step`` carries: run, step, the version seen, the choice."""
    return f"{run.run_id}|{step}|{run.version}|{choice}"


def read_button_value(value: str) -> tuple[str, str, int, str]:
    """``run|step|version|choice`` back into its parts (ValueError when malformed)."""
    run_id, step, version, choice = value.split("|", 3)
    return run_id, step, int(version), choice


def milestone_text(text: str) -> str:
    """A milestone, escaped, keeping the ``<@U…>`` mentions the engine wrote."""
    return _MENTION.sub(r"<@\1>", escape(text))


def _who(user: str) -> str:
    return "the bot" if user == BOT else f"<@{escape(user)}>"


def _button(label: str, action: str, value: str, style: str | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "action_id": action, "value": value,
                              "text": {"type": "plain_text",
                                       "text": clip(label, BUTTON_TEXT_LIMIT)}}
    if style:
        button["style"] = style
    return button


# --- the run -------------------------------------------------------------------------


def build_run_card(run: RunState, book: Playbook) -> tuple[str, list[Block]]:
    """The parent message: what runs, for what, by whom, and where it stands."""
    n, m = run.progress(book)
    domain = f" · `{escape(run.domain)}`" if run.domain else ""
    incident = f" · incident `{escape(run.incident)}`" if run.incident else ""
    status = _STATUS[run.status]
    step = book.find(run.step)
    title = escape(step.title) if step is not None else \
        f"`{escape(run.step)}` (gone from the playbook)"
    lines = [f":clipboard: *Playbook: {escape(book.title)}*{domain}{incident}",
             f"{_PHASE_ICONS.get(run.phase, '')} phase *{run.phase}* · step {n} of {m}: "
             f"{title} · {status}"]
    decided = _decided_line(run, book)
    if decided:
        lines.append(decided)
    if run.milestone:
        lines.append(f"Last: {milestone_text(run.milestone)}")
    blocks = [section("\n".join(lines)),
              context(f"run `{escape(run.run_id)}` · started by {_who(run.started_by)} at "
                      f"{run.started_at:%H:%M} UTC · the steps are in this thread")]
    return f"Playbook {book.title}: {run.phase}, step {n} of {m}", blocks


def _decided_line(run: RunState, book: Playbook) -> str:
    """The card's line on diagnose's decision, and on the person who chose differently."""
    decision = run.decision
    if decision is None or not decision.decided:
        return ""
    step = book.find(decision.step)
    if not isinstance(step, AskStep):  # None: edited out of the playbook since
        return ""
    line = (f":robot_face: {escape(step.title)}: diagnose decided "
            f"*{escape(_label(step, decision.pick))}*")
    if decision.overridden_by is not None:
        line += (f"; {_who(decision.overridden_by)} chose differently: "
                 f"*{escape(_label(step, decision.override))}*")
    return line


def build_step_message(run: RunState, book: Playbook, step_id: str) -> tuple[str, list[Block]]:
    """One step in the thread, with its buttons while it is the run's current step."""
    step = book.step(step_id)
    n, m = run.progress(book)
    current = run.step == step_id and run.status == "active"
    blocks: list[Block] = [section(f"{_PHASE_ICONS.get(step.phase, '')} *{escape(step.title)}*"
                                   f"  _({step.phase}, step {n} of {m})_")]
    if step.say:
        blocks.append(section(escape(step.say)))
    body = _step_body(run, book, step)
    if body:
        blocks.append(section(body))
    if step.dont:
        blocks.append(section("*Don't*\n" + "\n".join(f":no_entry_sign: {escape(d)}"
                                                      for d in step.dont)))
    if run.status == "abandoned" and run.step == step_id:
        blocks.append(section(f":double_vertical_bar: {milestone_text(run.milestone)}. "
                              "Press Resume to continue from this step."))
        blocks.append(_actions(run, [_button("Resume", ActionId.PLAYBOOK_RESUME,
                                             button_value(run, step_id), "primary")]))
    elif current and not isinstance(step, CheckStep):  # a check goes on by itself
        blocks.append(_actions(run, [*_step_buttons(run, step),
                                     _button("Abandon", ActionId.PLAYBOOK_ABANDON,
                                             button_value(run, step_id))]))
    elif isinstance(step, AskStep):
        blocks.extend(_choose_differently(run, book, step))
    return f"{book.title}: {step.title}", blocks


def _decision(run: RunState, step: AskStep) -> Decision | None:
    found = run.decision
    return found if found is not None and found.step == step.id else None


def _label(step: AskStep, choice: str | None) -> str:
    return next((c.label for c in step.choices if c.id == choice), choice or "")


def _said_by_diagnose(decision: Decision, step: AskStep) -> str:
    """What diagnose decided (or why it could not) and why: its verdict and evidence."""
    finding = f" (`{escape(decision.finding)}`)" if decision.finding else ""
    if decision.decided:
        text = (f":robot_face: *Decided by diagnose:* *{escape(_label(step, decision.pick))}*"
                f"\n*Why*{finding}: {escape(decision.verdict)}")
    else:
        text = (f":robot_face: *diagnose could not decide:* {escape(decision.why_not or '')}."
                f"\n*Its lead finding*{finding}: {escape(decision.verdict)}")
    if decision.evidence:
        text += "\n*Evidence:*"
    budget = SECTION_TEXT_LIMIT - 400  # room for the question and the override line
    for shown, line in enumerate(decision.evidence):
        bullet = f"\n• {render_line(line)}"
        if len(text) + len(bullet) > budget:
            text += f"\n• … {len(decision.evidence) - shown} more"
            break
        text += bullet
    if decision.overridden_by is not None:
        when = f" at {decision.overridden_at:%H:%M} UTC" if decision.overridden_at else ""
        text += (f"\n:bust_in_silhouette: {_who(decision.overridden_by)} chose differently"
                 f"{when}: *{escape(_label(step, decision.override))}*")
    elif not decision.decided:
        text += (f"\n→ it points to *{escape(_label(step, decision.pick))}*; press it, or "
                 "pick another." if decision.pick else "\nPick the choice the evidence shows.")
    return text


def _choose_differently(run: RunState, book: Playbook, step: AskStep) -> list[Block]:
    """The other choices of a decided ask, while the run can still go back to it."""
    decision = _decision(run, step)
    if decision is None or not decision.decided or decision.overridden_by is not None:
        return []
    refusal = override_refusal(book, run, step.id)
    if refusal is not None:
        return [context(f"Choosing differently is closed. {milestone_text(refusal)}")]
    value = f"{run.run_id}|{step.id}|{decision.version}|"
    return [section("*Choose differently?* Pressing one takes the run down that branch "
                    "instead, until a change is requested or the decision is recorded."),
            {"type": "actions", "block_id": f"playbook-{run.run_id}-{decision.version}-other",
             "elements": [_button(c.label, f"{ActionId.PLAYBOOK_OVERRIDE}-{j}", value + c.id)
                          for j, c in enumerate(step.choices) if c.id != decision.pick][:25]}]


def _step_body(run: RunState, book: Playbook, step: Any) -> str:
    def filled(text: str) -> str:
        return escape(fill(text, domain=run.domain, reason=None, run=run.run_id))

    match step:
        case CheckStep():
            return f"Running `{filled(step.command)}`; its answer follows."
        case AskStep():
            decision = _decision(run, step)
            said = f"\n{_said_by_diagnose(decision, step)}" if decision is not None else ""
            return clip(escape(step.question), 300) + said
        case InstructStep():
            return filled(step.text) + "\nPress *Done* when it is done."
        case GuardedStep():
            if run.step != step.id:
                return "A change through the guard."
            if run.request_id:
                return ("The change above went to the guard: Confirm it on its card (or get "
                        "sign-off), then press *Continue*; Continue records what became of it.")
            note = escape(run.request_note or "")
            return f"The guard did not take the change: {note}. Press *Continue* to go on."
        case NoteStep():
            return ":memo: Recorded: " + filled(step.text)
        case EndStep():
            return (filled(step.text) if step.text else "") + \
                f"\n:checkered_flag: {milestone_text(run.milestone)}"
    return ""


def _step_buttons(run: RunState, step: Any) -> list[dict[str, Any]]:
    if isinstance(step, AskStep):
        decision = _decision(run, step)
        pick = decision.pick if decision is not None else None
        return [_button(("✓ " if c.id == pick else "") + c.label,
                        f"{ActionId.PLAYBOOK_CHOOSE}-{j}", button_value(run, step.id, c.id),
                        "primary" if c.id == pick else None)
                for j, c in enumerate(step.choices)]
    if isinstance(step, InstructStep):
        return [_button("Done", ActionId.PLAYBOOK_DONE, button_value(run, step.id), "primary")]
    if isinstance(step, GuardedStep):
        return [_button("Continue", ActionId.PLAYBOOK_CONTINUE, button_value(run, step.id),
                        "primary")]
    return []


def _actions(run: RunState, elements: list[dict[str, Any]]) -> Block:
    return {"type": "actions", "block_id": f"playbook-{run.run_id}-{run.version}",
            "elements": elements[:25]}


def build_outdated(said: str, *, run_id: str, step: str, version: int) -> list[Block]:
    """What a click on a run its playbook no longer fits is told: ``said``, and Abandon
    (carrying the run's current step and version, the one event it still takes)."""
    return [section(said), {"type": "actions", "block_id": f"playbook-{run_id}-{version}-gone",
                            "elements": [_button("Abandon", ActionId.PLAYBOOK_ABANDON,
                                                 f"{run_id}|{step}|{version}|")]}]


def build_closed_step(run: RunState, book: Playbook, step_id: str) -> tuple[str, list[Block]]:
    """A step message once it was answered: its title and who did what (no buttons)."""
    text, blocks = build_step_message(run, book, step_id)
    blocks = blocks[:1]  # the title: the rest was read while it was open
    record = run.answered(step_id)
    if record is not None:
        step = book.step(step_id)
        answer = record.answer or ""
        if isinstance(step, AskStep):
            answer = next((c.label for c in step.choices if c.id == record.answer), answer)
        result = f" · {escape(clip(record.result, 300))}" if record.result else ""
        blocks.append(context(f":white_check_mark: {escape(answer)} by {_who(record.by)} at "
                              f"{record.at:%H:%M} UTC{result}"))
    elif run.status == "abandoned":
        blocks.append(context(milestone_text(run.milestone)))
    return text, blocks


# --- answers ---------------------------------------------------------------------------


def _run_line(run: RunLine) -> str:
    where = (f"<{run.link}|thread>" if run.link else
             f"#{escape(run.channel or '?')} ts {escape(run.ts or '?')}")
    domain = f" `{escape(run.domain)}`" if run.domain else ""
    warning = f"\n   :warning: {escape(run.warning)}" if run.warning else ""
    return (f"• *{escape(run.title)}*{domain} · `{escape(run.run_id)}` · {run.phase}, step "
            f"{run.step_n} of {run.step_m}: {escape(run.step_title)} · "
            f"{_STATUS.get(run.status, run.status)} · started by {_who(run.started_by)} · "
            f"{where}{warning}")


def build_playbook_answer(answer: AnswerBase) -> tuple[list[Block], str] | None:
    """Blocks and fallback text for the answers of ``playbook list|start|runs``."""
    if isinstance(answer, PlaybookListAnswer):
        lines = [f"• `{escape(b.name)}`: *{escape(b.title)}*: {escape(b.symptom)}"
                 + (" _(needs a domain)_" if b.needs_domain else "") for b in answer.playbooks]
        body = "\n".join(lines) or "No playbooks are loaded."
        return [header("Playbooks"), section(body),
                context("Start one with `/kumo playbook start NAME [DOMAIN]`.")], "Playbooks"
    if isinstance(answer, PlaybookRunsAnswer):
        body = "\n".join(_run_line(r) for r in answer.runs) or "No open playbook runs."
        blocks = [header("Open playbook runs"), section(body)]
        resumable = [r for r in answer.runs if r.resumable][:25]
        outdated = [r for r in answer.runs if r.abandonable][:25 - len(resumable)]
        if resumable or outdated:  # abandoned, a check a restart may have cut short, or
            # a run whose step is gone from its playbook (it can only be abandoned)
            blocks.append({"type": "actions", "block_id": "playbook-runs", "elements": [
                *(_button(f"Resume {r.run_id}", f"{ActionId.PLAYBOOK_RESUME}-{j}",
                          f"{r.run_id}|{r.step}|{r.version}|") for j, r in enumerate(resumable)),
                *(_button(f"Abandon {r.run_id}", f"{ActionId.PLAYBOOK_ABANDON}-{j}",
                          f"{r.run_id}|{r.step}|{r.version}|") for j, r in enumerate(outdated)),
            ]})
        return blocks, "Open playbook runs"
    if isinstance(answer, PlaybookStartAnswer):
        run = answer.run
        text = (f":arrow_forward: Started *{escape(run.title)}* (`{escape(run.run_id)}`); now at "
                f"step {run.step_n} of {run.step_m}: *{escape(run.step_title)}* "
                f"({_STATUS.get(run.status, run.status)}). Follow it in the "
                + (f"<{run.link}|run's thread>." if run.link else "run's thread."))
        return [section(text)], f"Started {run.title}"
    return None
