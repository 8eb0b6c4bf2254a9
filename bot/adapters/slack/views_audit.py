"""Block Kit for ``/kumo audit``: one line per event, newest first, everything escaped.

Each line: time (UTC), who (name and Slack id), by which road, the command (or the
phase and detail of a non-command row), the outcome, the nodes contacted and how long
it took.  Mentions are never rendered as mentions: reading the record pings nobody.
"""

from __future__ import annotations

from typing import Any

from bot.adapters.slack.blocks import section as _section
from bot.adapters.slack.text import SECTION_TEXT_LIMIT, clip, code, escape
from bot.core.answers_audit import AuditAnswer
from bot.core.audit import AuditEvent
from bot.core.durations import format_duration

Block = dict[str, Any]

_OUTCOME_ICON = {
    "ok": ":white_check_mark:", "error": ":x:", "refused": ":no_entry:",
    "partial": ":warning:", "rejected-input": ":pencil2:", "unknown": ":grey_question:",
}
_NODES_SHOWN = 6


def _who(event: AuditEvent) -> str:
    name, ident = event.actor.name, event.actor.id
    if name and name != ident:
        return f"{escape(clip(name, 60))} ({code(clip(ident, 60))})"
    return code(clip(ident, 60))


def _what(event: AuditEvent) -> str:
    if event.phase == "command":
        text = " ".join(event.command_text.split())
        return code(clip(f"/kumo {text}".strip(), 200))
    what = f"_{escape(event.phase)}_"
    if event.command_text:
        what += " " + code(clip(" ".join(event.command_text.split()), 200))
    return what


def _nodes(event: AuditEvent) -> str:
    if not event.nodes:
        return "no nodes"
    shown = ", ".join(escape(n) for n in event.nodes[:_NODES_SHOWN])
    more = len(event.nodes) - _NODES_SHOWN
    return shown + (f" +{more} more" if more > 0 else "")


def audit_line(event: AuditEvent) -> str:
    """One event as one line of mrkdwn (two when it carries a detail)."""
    icon = _OUTCOME_ICON.get(event.outcome, "")
    parts = [
        f"*{event.at:%Y-%m-%d %H:%M:%S}Z*", _who(event), escape(event.transport), _what(event),
        f"{icon} {escape(event.outcome)}", _nodes(event), f"{event.duration_ms:,} ms",
    ]
    if event.incident_id:
        parts.append(f"incident {code(event.incident_id)}")
    line = " · ".join(parts)
    if event.detail and event.outcome != "ok":
        line += f"\n    ↳ {escape(clip(' '.join(event.detail.split()), 300))}"
    return line


def _title(answer: AuditAnswer) -> str:
    filters = []
    if answer.user:
        filters.append(f"by {code(answer.user)}")
    if answer.since:
        filters.append(f"in the last {format_duration(answer.since)}")
    if answer.incident:
        filters.append(f"for incident {code(answer.incident)}")
    scope = (" " + ", ".join(filters)) if filters else ""
    return f"*Audit log{scope}*: {len(answer.events)} event(s), newest first"


def build_audit(answer: AuditAnswer) -> tuple[list[Block], str]:
    """The blocks of an audit answer, and its notification text."""
    blocks = [_section(_title(answer))]
    if not answer.events:
        blocks.append(_section("Nothing in the record matches."))
    chunk: list[str] = []
    size = 0
    for event in answer.events:
        line = audit_line(event)
        if chunk and size + len(line) + 1 > SECTION_TEXT_LIMIT - 100:
            blocks.append(_section("\n".join(chunk)))
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        blocks.append(_section("\n".join(chunk)))
    if answer.more:
        blocks.append({"type": "context", "elements": [{
            "type": "mrkdwn", "verbatim": True,
            "text": f"Older events match too: raise `--limit` (now {answer.limit}, at most 1000).",
        }]})
    return blocks, "Audit log"
