"""Block Kit builders: pure functions from answers to messages.

Builders take core answers and return plain dicts; tests assert on them.  Every
untrusted string is escaped here (``text.escape``/``code``/``code_block``), every
limit applied before the block is built (BOLT-NOTES 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.adapters.slack.blocks import Block, context, header, section
from bot.adapters.slack.text import (
    FALLBACK_TEXT_LIMIT,
    MESSAGE_BLOCKS_LIMIT,
    SECTION_TEXT_LIMIT,
    clip,
    code,
    escape,
)
from bot.adapters.slack.views_audit import build_audit
from bot.adapters.slack.views_diagnose import build_diagnose_answer
from bot.adapters.slack.views_dns import build_dns_answer
from bot.adapters.slack.views_explain import build_explain_answer
from bot.adapters.slack.views_guard import build_guard_answer
from bot.adapters.slack.views_incident import build_incident_answer
from bot.adapters.slack.views_logs import build_logs_answer
from bot.adapters.slack.views_park import build_park_answer
from bot.adapters.slack.views_playbook import build_playbook_answer
from bot.adapters.slack.views_postmortem import build_postmortem_answer
from bot.adapters.slack.views_trend import build_trend_answer
from bot.adapters.slack.views_tsa_history import build_tsa_history_answer
from bot.adapters.slack.views_who import build_who_answer
from bot.core.answers import AnswerBase, DoctorAnswer, ErrorAnswer, HealthAnswer, HelpAnswer
from bot.core.answers_audit import AuditAnswer
from bot.core.models import NodeFailure


@dataclass
class Message:
    """A Slack message: notification text plus blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)


def build_failures(failures: list[NodeFailure]) -> list[Block]:
    """Name every node that did not answer, and why."""
    if not failures:
        return []
    lines = [
        f"• *{escape(f.node)}*: {escape(f.kind)}, {escape(clip(f.detail, 300))}" for f in failures
    ]
    return [
        section(
            ":warning: *Not every node answered* (the figures above leave them out):\n"
            + "\n".join(lines)
        )
    ]


def _frame(answer: AnswerBase, asked_by: str, text: str, body: list[Block], title: str) -> Message:
    who = f"<@{escape(asked_by)}>" if asked_by else "someone"
    # only failures of what was asked count (a `dns:D` failure is not a node that was asked)
    answered = len(answer.asked) - len({f.node for f in answer.failures} & set(answer.asked))
    meta = [f"{who} asked {code(('/kumo ' + ' '.join(text.split())).strip())}"]
    if answer.asked:
        meta.append(f"{answered} of {len(answer.asked)} answered")
    if not answer.recorded:
        meta.append(":warning: not recorded in the audit log")
    blocks = [context(*meta), *body, *build_failures(answer.failures)]
    if len(blocks) > MESSAGE_BLOCKS_LIMIT:
        blocks = [*blocks[: MESSAGE_BLOCKS_LIMIT - 1], context("… more omitted (50-block limit)")]
    return Message(text=clip(escape(title), FALLBACK_TEXT_LIMIT), blocks=blocks)


def build_help(answer: HelpAnswer) -> list[Block]:
    blocks: list[Block] = [header(answer.title)]
    for sec in answer.sections:
        text = f"*{escape(sec.title)}*"
        for line in (escape(line) for line in sec.lines):
            if len(text) + 1 + len(line) > SECTION_TEXT_LIMIT:  # carry on in a new section
                blocks.append(section(text))
                text = ""
            text = f"{text}\n{line}" if text else line
        blocks.append(section(text))
    return blocks


def build_error(answer: ErrorAnswer) -> list[Block]:
    text = f":x: {escape(answer.message)}"
    if answer.hint:
        text += f"\n{escape(answer.hint)}"
    return [section(text)]


def _mib(n: int | None) -> str:
    return "?" if n is None else f"{n / 1048576:,.0f} MiB"


def build_health(answer: HealthAnswer) -> list[Block]:
    blocks: list[Block] = []
    for n in answer.nodes:
        icon = ":red_circle:" if n.refusing else ":large_green_circle:"
        lines = [f"{icon} *{escape(n.node)}*: {escape(n.verdict)}"]
        lines.append(
            f"liveness: {n.liveness.status} {code(n.liveness.text.strip() or '-')}"
            f" · memory {_mib(n.memory_usage)} used of {_mib(n.memory_limit)} soft limit,"
            f" headroom {_mib(n.headroom)}"
        )
        if n.disks:
            lines.append(
                "disk free: "
                + ", ".join(
                    f"{escape(d.name)} {d.free_percent if d.free_percent is not None else '?'}%"
                    + (" :warning:" if d.too_full else "")
                    for d in n.disks
                )
            )
        extra = []
        if n.connections_denied is not None:
            extra.append(f"connections denied (listener, since start): {n.connections_denied:,}")
        if n.scheduled_total is not None:
            extra.append(f"scheduled messages: {n.scheduled_total:,}")
        if extra:
            lines.append(" · ".join(extra))
        lines.extend(f"_{escape(note)}_" for note in n.notes)
        blocks.append(section("\n".join(lines)))
    if any(n.refusing for n in answer.nodes):
        blocks.append(
            context(
                "Refusing mail under memory, disk or spool pressure is kumod protecting itself, "
                "not a crash: relieve the pressure rather than restarting."
            )
        )
    return blocks


def build_doctor(answer: DoctorAnswer) -> list[Block]:
    blocks: list[Block] = []
    for nd in answer.nodes:
        lines = [f"*{escape(nd.node)}* ({nd.role})"]
        for c in nd.checks:
            icon = {True: ":white_check_mark:", False: ":x:", None: ":grey_question:"}[c.ok]
            line = f"{icon} {escape(c.name)}: {escape(c.detail)}"
            if c.fix and not c.ok:
                fix = c.fix
                line += ("\n```\n" + escape(fix) + "\n```") if "\n" in fix else f" → {escape(fix)}"
            lines.append(line)
        blocks.append(section("\n".join(lines)))
    return blocks


def build_answer_message(answer: AnswerBase, *, asked_by: str, text: str) -> Message:
    """The message that answers one command, for the channel to see."""
    body: list[Block]
    if isinstance(answer, HelpAnswer):
        body, title = build_help(answer), answer.title
    elif isinstance(answer, ErrorAnswer):
        body, title = build_error(answer), answer.message
    elif isinstance(answer, HealthAnswer):
        body, title = build_health(answer), "Node health"
    elif isinstance(answer, DoctorAnswer):
        body, title = build_doctor(answer), "Doctor"
    elif isinstance(answer, AuditAnswer):
        body, title = build_audit(answer)
    elif (logs := build_logs_answer(answer)) is not None:
        body, title = logs
    elif (explained := build_explain_answer(answer)) is not None:
        body, title = explained
    elif (diagnosed := build_diagnose_answer(answer)) is not None:
        body, title = diagnosed
    elif (guarded := build_guard_answer(answer)) is not None:
        body, title = guarded
    elif (playbook := build_playbook_answer(answer)) is not None:
        body, title = playbook
    elif (trended := build_trend_answer(answer)) is not None:
        body, title = trended
    elif (holding := build_who_answer(answer)) is not None:
        body, title = holding
    elif (checked := build_dns_answer(answer)) is not None:
        body, title = checked
    elif (history := build_tsa_history_answer(answer)) is not None:
        body, title = history
    elif (written := build_postmortem_answer(answer)) is not None:
        body, title = written
    elif (incident := build_incident_answer(answer)) is not None:
        body, title = incident
    else:
        body, title = build_park_answer(answer)
    return _frame(answer, asked_by, text, body, title)


def build_crash_message(incident: str, *, asked_by: str, text: str) -> Message:
    """What a responder sees when the bot itself failed: an id to quote, nothing more."""
    who = f"<@{escape(asked_by)}>" if asked_by else "someone"
    body = (
        f":boom: Something went wrong inside kumo-bot while answering "
        f"{code(' '.join(text.split()))} for {who}. Nothing was changed. "
        f"Quote id {code(incident)} to whoever runs the bot; the details are in its log."
    )
    return Message(text="kumo-bot failed to answer", blocks=[section(body)])
