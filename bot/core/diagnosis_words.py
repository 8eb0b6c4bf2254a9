"""Small wording helpers for ``diagnose``: ages, counts, names, quoted replies.

Evidence is written with its numbers and their ages ("90 × `421 4.7.0 [TSS04] ...`
from Yahoo between 73 and 72 min ago on ip-1, ip-2, ip-3"), so a responder can check
every claim against ``queue``, ``holds`` and ``responses``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.core.diagnosis_model import Line, Piece
from bot.core.durations import format_duration
from bot.core.logtally import ResponseGroup
from bot.core.queuenames import natural_key

QUOTE_LIMIT = 220
"""A reply is quoted up to this many characters: enough to recognise it."""

# The tally keeps replies with their variable parts replaced (``logtally``).  For the
# classifier and TSA's regexes each placeholder is filled with a documentation value
# of the same shape: what the rules key on (brackets around an IP, `S3150`, `[TSS04]`)
# is kept, only what varies from one reply to the next is made up.
_FILLERS = {
    "<ip>": "192.0.2.1", "<email>": "user@example.com", "<id>": "0A1B2C3D4E5F",
    "<n>": "123456", "<host>": "mx1", "<time>": "2026-01-01T00:00:00Z",
}
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in _FILLERS))


def t(text: str) -> Piece:
    """Plain words of an evidence line."""
    return Piece(text=text)


def q(text: str) -> Piece:
    """A quoted part: untrusted text (a reply, a reason, a queue name), shown verbatim."""
    return Piece(text=text, quoted=True)


def line(*parts: Piece | str) -> Line:
    """An evidence line from plain strings and pieces."""
    return Line(parts=[t(p) if isinstance(p, str) else p for p in parts])


def plural(count: int, one: str, many: str | None = None) -> str:
    """``1 path``, ``3 paths``, ``28,140 messages``."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def names(items: Iterable[str], *, limit: int = 6) -> str:
    """``ip-1, ip-2, ip-3`` in natural order, ``… (+4)`` beyond ``limit``."""
    unique = sorted(set(items), key=natural_key)
    shown = ", ".join(unique[:limit])
    return shown + (f" … (+{len(unique) - limit})" if len(unique) > limit else "")


def minutes_ago(at: datetime, now: datetime) -> int:
    """Minutes from ``at`` to ``now``, to the nearest minute (never negative)."""
    return max(round((now - at).total_seconds() / 60), 0)


def ago(at: datetime, now: datetime) -> str:
    """``just now``, ``73 min ago``, ``3h 5m ago``."""
    minutes = minutes_ago(at, now)
    if minutes < 1:
        return "just now"
    if minutes < 120:
        return f"{minutes} min ago"
    return f"{format_duration(timedelta(minutes=minutes))} ago"


def span(first: datetime | None, last: datetime | None, now: datetime) -> str:
    """``between 73 and 72 min ago``, or one age when both fall in the same minute."""
    if first is None or last is None:
        return "at times unknown"
    a, b = ago(first, now), ago(last, now)
    if a == b:
        return a
    if a.endswith(" min ago") and b.endswith(" min ago"):
        return f"between {a.removesuffix(' min ago')} and {b}"
    return f"between {a.removesuffix(' ago')} and {b}"


def left(remaining: timedelta | None) -> str:
    """``47m left``."""
    if remaining is None:
        return "time left unknown"
    if remaining.total_seconds() < 60:
        return "ending now"
    return f"{format_duration(timedelta(minutes=int(remaining.total_seconds() // 60)))} left"


def clock(at: datetime) -> str:
    """``12:12 UTC``."""
    return f"{at:%H:%M} UTC"


def reply_line(group: ResponseGroup) -> str:
    """The reply as it reads in the tally: ``421 4.7.0 [TSS04] Messages from <ip> ...``."""
    return " ".join(x for x in (str(group.code or ""), group.enhanced, group.text) if x)


def quoted_reply(group: ResponseGroup) -> Piece:
    """The reply, cut to a recognisable length."""
    text = reply_line(group)
    return q(text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…")


def representative_reply(group: ResponseGroup) -> str:
    """One reply of the group, placeholders filled, for the classifier and TSA's regexes."""
    return _PLACEHOLDER.sub(lambda m: _FILLERS[m.group(0)], reply_line(group))


def where(group: ResponseGroup) -> str:
    """``on ip-1, ip-2 (mta1)``: the sources and nodes a group of replies came on."""
    more = " …" if group.more_names else ""
    bits = []
    if group.sources:
        bits.append("on " + names(group.sources) + more)
    if group.nodes:
        bits.append(f"({names(group.nodes)}{more})")
    return " ".join(bits)


def per_hour(count: int, window: timedelta) -> float:
    """A count over a window as a rate an hour."""
    hours = window.total_seconds() / 3600
    return count / hours if hours > 0 else 0.0


def rate(count: int, window: timedelta) -> str:
    """``560/h`` or ``0.4/h``."""
    value = per_hour(count, window)
    return f"{value:,.0f}/h" if value >= 10 else f"{value:.1f}/h"
