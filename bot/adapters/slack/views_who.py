"""Block Kit for ``who``: tenants and campaigns by mail held, their change, samples.

Tenant, campaign, queue and sender names come from the senders: untrusted text, so
each is quoted with ``code``.  Recipients show only their domain.  Due times use
Slack's date formatting with their distance from now.
"""

from __future__ import annotations

from typing import Any

from bot.adapters.slack.blocks import context as _context
from bot.adapters.slack.blocks import section as _section
from bot.adapters.slack.slack_dates import slack_date
from bot.adapters.slack.text import clip, code, escape
from bot.core.answers import AnswerBase
from bot.core.answers_who import WhoAnswer
from bot.core.durations import format_duration
from bot.core.trend import format_span

Block = dict[str, Any]
MAX_HOLDERS = 15
MAX_SAMPLES = 9


def _change(value: int | None) -> str:
    if value is None:
        return ""
    return " (no change)" if value == 0 else f" ({value:+,})"


def build_who(answer: WhoAnswer) -> list[Block]:
    """The blocks of a who answer."""
    now = answer.generated_at
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text",
                                    "text": clip(f"Who holds {answer.domain}", 150)}},
        _context(escape(answer.scope_sentence)),
    ]
    if not answer.holders:
        blocks.append(_section(f"Nothing is queued for {escape(answer.domain)}."))
        return blocks
    total = sum(h.count for h in answer.holders)
    lines = [f"*{total:,}* messages queued"
             + (f"; change over the last {escape(format_duration(answer.window))} in brackets"
                if answer.window else " (no metric history yet: no change shown)")]
    for h in answer.holders[:MAX_HOLDERS]:
        who = (f"tenant {code(h.tenant)}" if h.tenant else "no tenant")
        if h.campaign:
            who += f", campaign {code(h.campaign)}"
        queues = ", ".join(code(q) for q in h.queues[:3])
        share = h.count * 100 // total if total else 0
        lines.append(f"• {who}: *{h.count:,}* ({share}%){_change(h.change)} in {queues}")
    if len(answer.holders) > MAX_HOLDERS:
        lines.append(f"… and {len(answer.holders) - MAX_HOLDERS} more")
    blocks.append(_section("\n".join(lines)))
    if answer.samples:
        rows = ["*Samples* (inspect-sched-q, no bodies, recipients by domain only):"]
        for s in answer.samples[:MAX_SAMPLES]:
            age = (f"age {escape(format_span(s.age))}" if s.age is not None
                   else "age unknown (spool id not time-based)")
            due = f", next try {slack_date(s.due, now=now)}" if s.due else ""
            rows.append(f"• {escape(s.node)} {code(s.queue)}: from {code(s.sender)} to "
                        f"{code('@' + s.recipient_domain)}, {age}, "
                        f"{s.num_attempts} attempt{'s' if s.num_attempts != 1 else ''}{due}")
        blocks.append(_section("\n".join(rows)))
    if answer.sample_problems:
        blocks.append(_context("Samples not read from: "
                               + "; ".join(escape(p) for p in answer.sample_problems[:5])))
    return blocks


def build_who_answer(answer: AnswerBase) -> tuple[list[Block], str] | None:
    """The blocks and title of a who answer; None for any other answer."""
    if not isinstance(answer, WhoAnswer):
        return None
    return build_who(answer), f"Who holds {answer.domain}"
