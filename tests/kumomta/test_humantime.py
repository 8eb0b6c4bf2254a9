"""kumod's durations read and written as Rust humantime does."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.humantime import format_humantime, parse_humantime

YEAR = timedelta(days=365.25)
MONTH = timedelta(days=30.44)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4m 50s 207ms 320us 231ns", timedelta(minutes=4, seconds=50, milliseconds=207,
                                               microseconds=320)),
        ("2h 59m 58s 1ms 2us 3ns", timedelta(hours=2, minutes=59, seconds=58, milliseconds=1,
                                             microseconds=2)),
        ("59m 58s 880ms 1us 2ns", timedelta(minutes=59, seconds=58, milliseconds=880,
                                            microseconds=1)),
        ("1day 2h", timedelta(days=1, hours=2)),
        ("2days", timedelta(days=2)),
        ("1year", YEAR),
        ("2years 1month", 2 * YEAR + MONTH),
        ("1month", MONTH),
        ("3months", 3 * MONTH),
        ("12M", 12 * MONTH),
        ("0s", timedelta(0)),
        ("5m", timedelta(minutes=5)),
        ("1 hour", timedelta(hours=1)),
        ("90m", timedelta(minutes=90)),
        ("2h 30m", timedelta(hours=2, minutes=30)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("20 min 17 nsec ", timedelta(minutes=20)),
        ("7hrs", timedelta(hours=7)),
        ("2wks", timedelta(weeks=2)),
        ("10yr", 10 * YEAR),
        ("300secs", timedelta(seconds=300)),
        ("31millis", timedelta(milliseconds=31)),
        ("163µs", timedelta(microseconds=163)),
        ("300", timedelta(seconds=300)),
        ("1.5", timedelta(seconds=1.5)),
        ("0", timedelta(0)),
    ],
)
def test_parse_humantime_reads_kumods_durations(text: str, expected: timedelta) -> None:
    assert parse_humantime(text) == expected


@pytest.mark.parametrize(
    "garbage", ["", "   ", "5 parsecs", "h", "2h 30", "-5m", "1.5h", "5m;", "abc", "1e999"]
)
def test_parse_humantime_refuses_garbage(garbage: str) -> None:
    with pytest.raises(ValueError):
        parse_humantime(garbage)


def test_a_huge_duration_is_a_value_error_not_an_overflow() -> None:
    with pytest.raises(ValueError, match="too large"):
        parse_humantime("99999999999years")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=9420), "2h 37m"),
        (timedelta(milliseconds=32), "32ms"),
        (timedelta(days=1, hours=2), "1day 2h"),
        (timedelta(days=2), "2days"),
        (YEAR, "1year"),
        (2 * YEAR + 3 * MONTH + timedelta(days=1), "2years 3months 1day"),
        (timedelta(minutes=4, seconds=50, milliseconds=207, microseconds=320),
         "4m 50s 207ms 320us"),
        (timedelta(hours=1, seconds=1), "1h 1s"),
    ],
)
def test_format_humantime_writes_like_format_duration(value: timedelta, expected: str) -> None:
    assert format_humantime(value) == expected


@pytest.mark.parametrize("seconds", [0, 1, 59, 61, 3599, 86399, 86400, 2_630_016, 31_557_600,
                                     123_456_789])
def test_format_then_parse_round_trips(seconds: int) -> None:
    value = timedelta(seconds=seconds, microseconds=seconds % 1_000_000)
    assert parse_humantime(format_humantime(value)) == value


def test_format_humantime_refuses_negative_durations() -> None:
    with pytest.raises(ValueError):
        format_humantime(timedelta(seconds=-1))
