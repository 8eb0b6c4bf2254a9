"""Durations as people type them in chat (``90s``, ``1h30m``, ``2 hours``) and as we show them.

Every duration the bot accepts is bounded: more than zero, at most 30 days.  The guard
file bounds individual actions more tightly (DESIGN 3); this module only refuses what
no command could mean.
"""

from __future__ import annotations

import math
import re
from datetime import timedelta

from bot.core.errors import UserInputError

MAX_DURATION = timedelta(days=30)

ACCEPTED_FORMS = (
    "Write a duration like `90s`, `30m`, `2h`, `1h30m`, `2 hours`, `1 hour 30 minutes`, "
    "`45 min` or `1d` (more than zero, at most 30 days)."
)

_SECONDS_PER_UNIT: dict[str, int] = {}
for _names, _seconds in (
    (("s", "sec", "secs", "second", "seconds"), 1),
    (("m", "min", "mins", "minute", "minutes"), 60),
    (("h", "hr", "hrs", "hour", "hours"), 3600),
    (("d", "day", "days"), 86400),
    (("w", "wk", "week", "weeks"), 7 * 86400),
):
    for _name in _names:
        _SECONDS_PER_UNIT[_name] = _seconds

# A number (ASCII digits only: int() would also take Arabic-Indic digits) and a unit word.
_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*([a-z]+)")
# What may sit between parts: spaces, commas and "and" ("1 hour and 30 minutes").
_SEPARATOR = re.compile(r"(?:[\s,]|\band\b)*")
_BARE_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def _refuse(text: str, why: str, hint: str = ACCEPTED_FORMS) -> UserInputError:
    return UserInputError(f"`{text}` {why}", hint=hint)


def parse_duration(text: str) -> timedelta:
    """Read ``90s``, ``30m``, ``2h``, ``1h30m``, ``2 hours``, ``1d``... as a bounded timedelta."""
    cleaned = " ".join(text.lower().split())
    if not cleaned:
        raise UserInputError("A duration is missing.", hint=ACCEPTED_FORMS)
    if cleaned.startswith("-"):
        raise _refuse(text, "is negative; a duration must be longer than zero.")
    if _BARE_NUMBER.fullmatch(cleaned):
        # The usual cause is `--since 2 hours` without quotes: the shell split took "2".
        raise _refuse(
            text,
            "has no unit.",
            f"Write `{cleaned}m` or `{cleaned}h`; quote words that belong together: "
            f'`--since "{cleaned} hours"`.',
        )

    total = 0.0
    seen: set[int] = set()
    position = 0
    for part in _PART.finditer(cleaned):
        between = cleaned[position : part.start()]
        if _SEPARATOR.fullmatch(between) is None:
            raise _refuse(text, "is not a duration I understand.")
        number, unit = part.groups()
        seconds = _SECONDS_PER_UNIT.get(unit)
        if seconds is None:
            raise _refuse(text, f"uses `{unit}`, which is not a unit I know.")
        if seconds in seen:
            raise _refuse(text, f"gives `{unit}` twice.")
        seen.add(seconds)
        total += float(number) * seconds
        position = part.end()
    if not seen or _SEPARATOR.fullmatch(cleaned[position:]) is None:
        raise _refuse(text, "is not a duration I understand.")

    # float() of a 400-digit number is inf, not an error; the bound below catches it.
    if not math.isfinite(total) or total > MAX_DURATION.total_seconds():
        raise _refuse(text, "is longer than 30 days.")
    whole = round(total)
    if whole < 1:
        raise _refuse(text, "is zero; a duration must be at least one second.")
    return timedelta(seconds=whole)


def format_duration(value: timedelta) -> str:
    """Show a timedelta compactly: ``45s``, ``47m``, ``1h 30m``, ``2d 3h``; no seconds past 1 h."""
    total = int(value.total_seconds())
    sign = "-" if total < 0 else ""
    total = abs(total)
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
    if seconds and total < 3600:
        parts.append(f"{seconds}s")
    return sign + (" ".join(parts) or "0s")
