"""Durations as people type them, and as the bot shows them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.durations import format_duration, parse_duration
from bot.core.errors import UserInputError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        ("2 hours", timedelta(hours=2)),
        ("1 hour 30 minutes", timedelta(hours=1, minutes=30)),
        ("1 hour and 30 minutes", timedelta(hours=1, minutes=30)),
        ("1 hour, 30 minutes", timedelta(hours=1, minutes=30)),
        ("45 min", timedelta(minutes=45)),
        ("45 mins", timedelta(minutes=45)),
        ("1d", timedelta(days=1)),
        ("2 days", timedelta(days=2)),
        ("1w", timedelta(days=7)),
        ("1.5h", timedelta(minutes=90)),
        ("  2H  ", timedelta(hours=2)),
        ("30m 1h", timedelta(hours=1, minutes=30)),
        ("30d", timedelta(days=30)),
        ("1s", timedelta(seconds=1)),
    ],
)
def test_accepted_forms_read_as_the_duration_they_say(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("0s", "is zero"),
        ("0h 0m", "is zero"),
        ("0.2s", "is zero"),
        ("-5m", "is negative"),
        ("- 5m", "is negative"),
        ("31d", "longer than 30 days"),
        ("5w", "longer than 30 days"),
        ("721h", "longer than 30 days"),
        ("1" * 400 + "d", "longer than 30 days"),
        ("90", "has no unit"),
        ("2", "has no unit"),
        ("2 fortnights", "not a unit I know"),
        ("1h 2h", "gives `h` twice"),
        ("1h30", "not a duration I understand"),
        ("h", "not a duration I understand"),
        ("soon", "not a duration I understand"),
        ("1h; rm -rf /", "not a duration I understand"),
        ("١h", "not a duration I understand"),  # Arabic-Indic digit: looks like 1, is not ASCII
        ("PT2H", "not a duration I understand"),
    ],
)
def test_bad_durations_are_refused_with_the_accepted_forms(text: str, says: str) -> None:
    with pytest.raises(UserInputError) as caught:
        parse_duration(text)
    assert says in caught.value.message
    assert f"`{text}`" in caught.value.message  # the person's text, verbatim
    assert caught.value.hint  # how to write it instead


def test_an_empty_duration_is_reported_as_missing() -> None:
    with pytest.raises(UserInputError, match="missing"):
        parse_duration("   ")


def test_a_bare_number_hints_at_quoting_words_that_belong_together() -> None:
    with pytest.raises(UserInputError) as caught:
        parse_duration("2")
    assert caught.value.hint is not None
    assert '`--since "2 hours"`' in caught.value.hint


def test_the_accepted_forms_are_named_in_every_garbage_refusal() -> None:
    with pytest.raises(UserInputError) as caught:
        parse_duration("soon")
    assert caught.value.hint is not None
    for form in ("`90s`", "`30m`", "`2h`", "`1h30m`", "`2 hours`", "`1d`", "30 days"):
        assert form in caught.value.hint


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (timedelta(seconds=45), "45s"),
        (timedelta(minutes=47), "47m"),
        (timedelta(minutes=47, seconds=5), "47m 5s"),
        (timedelta(hours=2), "2h"),
        (timedelta(hours=1, minutes=30), "1h 30m"),
        (timedelta(hours=1, minutes=30, seconds=59), "1h 30m"),
        (timedelta(hours=1, seconds=20), "1h"),
        (timedelta(days=2, hours=3), "2d 3h"),
        (timedelta(days=1, minutes=5), "1d 5m"),
        (timedelta(0), "0s"),
        (timedelta(milliseconds=400), "0s"),
        (timedelta(minutes=-5), "-5m"),
    ],
)
def test_durations_show_compactly_without_seconds_past_an_hour(
    value: timedelta, shown: str
) -> None:
    assert format_duration(value) == shown


@pytest.mark.parametrize("text", ["90s", "30m", "2h", "1h30m", "1d", "47m"])
def test_formatting_a_parsed_duration_reads_back_the_same(text: str) -> None:
    assert parse_duration(format_duration(parse_duration(text))) == parse_duration(text)
