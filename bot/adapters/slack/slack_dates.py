"""Times in Slack: each reader sees them in their own timezone, with the age beside.

``<!date^UNIX^{date_short_pretty} {time}|fallback>`` is Slack's date formatting: the
client renders it in the reader's timezone; older clients (and the terminal) show
the fallback, written in UTC.  The age ("4 min ago") says how fresh a piece of
evidence is, computed against the answer's own time so it does not drift.
"""

from __future__ import annotations

from datetime import datetime


def age_text(at: datetime, now: datetime) -> str:
    """``just now``, ``4 min ago``, ``2 h 05 min ago``, ``3 d ago``, or ``in 12 min``."""
    seconds = (now - at).total_seconds()
    future = seconds < 0
    minutes = int(abs(seconds) // 60)
    if minutes < 1:
        return "just now"
    if minutes < 60:
        span = f"{minutes} min"
    elif minutes < 48 * 60:
        span = f"{minutes // 60} h {minutes % 60:02d} min"
    else:
        span = f"{minutes // 1440} d"
    return f"in {span}" if future else f"{span} ago"


def slack_date(at: datetime, *, now: datetime | None = None, with_age: bool = True) -> str:
    """The time for a reader's timezone, with the UTC fallback and (given ``now``) its age."""
    stamp = int(at.timestamp())
    fallback = f"{at:%Y-%m-%d %H:%M} UTC"
    text = f"<!date^{stamp}^{{date_short_pretty}} {{time}}|{fallback}>"
    if now is not None and with_age:
        text += f" ({age_text(at, now)})"
    return text
