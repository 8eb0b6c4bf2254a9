"""The short channel notice posted when the automation acts (DESIGN 1.2, 1.4).

What happened, why (the rule, verbatim), until when, and the wrong reflex to avoid,
so nobody mistakes the safety system for the fault.  Plain text with the few
mrkdwn marks Slack reads; every untrusted piece is escaped by the caller's
``escape`` (the rule and scope come from tsa-daemon).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from bot.core.tsa_history import DiaryEntry

_WHAT = {
    "suspend-path": "suspended",
    "suspend": "suspended the scheduled queues of",
    "bounce": "is bouncing the mail of",
    "throttle": "throttled",
}
_DONT = {
    "suspend-path": "Do not cancel it or rebind the mail elsewhere to get around it: the "
                    "receiver asked for less; fix the cause and let it expire.",
    "suspend": "Do not cancel it or raise rates: the receiver asked for less; fix the cause "
               "and let it expire.",
    "bounce": "Do not cancel it blindly, and do not feed these bounces to the suppression "
              "list before reading why they happen: blocked is not dead.",
    "throttle": "Do not raise the limits to \"clear the queue\": TSA's file loads last and "
                "wins, and the receiver would brake harder.",
}


def notice_group(entry: DiaryEntry) -> tuple[str | None, ...]:
    """Entries that one notice covers: the throttle options one rule set on one path."""
    if entry.kind != "throttle":
        return (str(entry.id),)
    return (entry.tsa, entry.kind, entry.rule, entry.domain, entry.source)


def render_tsa_notice(entries: list[DiaryEntry], *, now: datetime,
                      escape: Callable[[str], str]) -> str:
    """One notice for one action (a throttle's options together); ``entries`` non-empty."""
    first = entries[0]
    if first.kind == "throttle":
        options = ", ".join(f"{e.option}={e.value}" for e in entries)
        scope = f"{first.domain} from source {first.source} ({options})"
    else:
        scope = first.scope_text
    until = max(e.expires for e in entries)
    left = until - now
    minutes = max(0, int(left.total_seconds() // 60))
    command = "/kumo tsa history" + (f" {first.domain}" if first.domain else "")
    left_text = f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
    return (
        f":robot_face: *Traffic Shaping Automation {_WHAT[first.kind]}* {escape(scope)}\n"
        f"*Why:* the receiver's responses matched the rule `{escape(first.rule)}`\n"
        f"*Until:* {until:%Y-%m-%d %H:%M} UTC ({left_text} from now; a new matching "
        f"response extends it)\n"
        f"*Do not:* {_DONT[first.kind]}\n"
        f"`{escape(command)}` shows what it did."
    )
