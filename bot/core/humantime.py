"""Durations the way kumod writes and reads them (Rust ``humantime``, REFERENCE 0.2).

kumod prints remaining times with ``humantime::format_duration``, e.g.
``"4m 50s 207ms 320us 231ns"`` or ``"1year 2months 3days"``, and accepts a
humantime string or a bare number of seconds.  A year is 365.25 days and a month
30.44 days, as humantime defines them; ``m`` is a minute and ``M`` a month.

Python's ``timedelta`` stops at microseconds, so nanoseconds are dropped on parse.
"""

from __future__ import annotations

import re
from datetime import timedelta

_NS_PER_SECOND = 1_000_000_000
_YEAR_SECONDS = 31_557_600  # 365.25 days, humantime's year
_MONTH_SECONDS = 2_630_016  # 30.44 days, humantime's month

# Every suffix humantime's parser knows (humantime 2.x ``parse_unit``), in nanoseconds.
# Matching is case-sensitive on purpose: ``M`` is a month, ``m`` a minute.
_UNIT_NS: dict[str, int] = {
    **dict.fromkeys(("nanos", "nsec", "ns"), 1),
    **dict.fromkeys(("usec", "us", "µs"), 1_000),
    **dict.fromkeys(("millis", "msec", "ms"), 1_000_000),
    **dict.fromkeys(("seconds", "second", "secs", "sec", "s"), _NS_PER_SECOND),
    **dict.fromkeys(("minutes", "minute", "mins", "min", "m"), 60 * _NS_PER_SECOND),
    **dict.fromkeys(("hours", "hour", "hrs", "hr", "h"), 3_600 * _NS_PER_SECOND),
    **dict.fromkeys(("days", "day", "d"), 86_400 * _NS_PER_SECOND),
    **dict.fromkeys(("weeks", "week", "wks", "wk", "w"), 7 * 86_400 * _NS_PER_SECOND),
    **dict.fromkeys(("months", "month", "M"), _MONTH_SECONDS * _NS_PER_SECOND),
    **dict.fromkeys(("years", "year", "yrs", "yr", "y"), _YEAR_SECONDS * _NS_PER_SECOND),
}

# One span: digits, optional spaces, a unit made of letters (humantime allows "5 min").
_SPAN = re.compile(r"\s*(\d+)\s*([A-Za-zµ]+)")
_BARE_SECONDS = re.compile(r"\s*\d+(?:\.\d+)?\s*")


def parse_humantime(text: str) -> timedelta:
    """Parse a humantime duration (``"2h 59m 58s 1ms"``) or a bare number of seconds.

    Raises ``ValueError`` for anything else (empty text, unknown unit, junk).
    """
    if _BARE_SECONDS.fullmatch(text):
        try:
            return timedelta(seconds=float(text))
        except OverflowError as exc:
            raise ValueError(f"duration too large: {text!r}") from exc
    total_ns = 0
    pos = 0
    while pos < len(text):
        if text[pos:].isspace():
            break
        match = _SPAN.match(text, pos)
        if match is None:
            raise ValueError(f"not a duration: {text!r} (expected e.g. '5m' or '2h 30m')")
        number, unit = match.groups()
        factor = _UNIT_NS.get(unit)
        if factor is None:
            raise ValueError(f"unknown time unit {unit!r} in duration {text!r}")
        total_ns += int(number) * factor
        pos = match.end()
    if pos == 0:
        raise ValueError(f"not a duration: {text!r}")
    try:
        return timedelta(microseconds=total_ns // 1_000)
    except OverflowError as exc:
        raise ValueError(f"duration too large: {text!r}") from exc


def format_humantime(value: timedelta) -> str:
    """Write ``value`` as ``humantime::format_duration`` does: ``"1day 2h 3m"``, ``"0s"``.

    Negative durations are refused (humantime has none): ``ValueError``.
    """
    if value < timedelta(0):
        raise ValueError(f"negative duration: {value!r}")
    total_us = (value.days * 86_400 + value.seconds) * 1_000_000 + value.microseconds
    secs, micros = divmod(total_us, 1_000_000)
    if secs == 0 and micros == 0:
        return "0s"
    years, rest = divmod(secs, _YEAR_SECONDS)
    months, rest = divmod(rest, _MONTH_SECONDS)
    days, rest = divmod(rest, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    millis, micros = divmod(micros, 1_000)
    parts: list[str] = []
    # Only years, months and days take a plural "s" in humantime's output.
    for amount, unit in ((years, "year"), (months, "month"), (days, "day")):
        if amount:
            parts.append(f"{amount}{unit}{'s' if amount > 1 else ''}")
    for amount, unit in ((hours, "h"), (minutes, "m"), (seconds, "s"),
                         (millis, "ms"), (micros, "us")):
        if amount:
            parts.append(f"{amount}{unit}")
    return " ".join(parts)
