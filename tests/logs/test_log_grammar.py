"""`log` and `responses` as typed: every flag binds, `--type` reads responders' words."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.core.commands import Log, Responses, parse
from bot.core.errors import UserInputError


def test_log_binds_every_flag() -> None:
    assert parse("log Yahoo.com --site --type deferral --limit 5 --since 2h --node mta1 "
                 "--internal --incident INC-1") == Log(
        domain="yahoo.com", site=True, type="TransientFailure", limit=5,
        since=timedelta(hours=2), node="mta1", internal=True, incident="INC-1")


def test_responses_binds_every_flag() -> None:
    assert parse("responses yahoo.com --site --since 30m --node mta2 --internal") == Responses(
        domain="yahoo.com", site=True, since=timedelta(minutes=30), node="mta2", internal=True)


@pytest.mark.parametrize(("word", "kind"), [("bounce", "Bounce"), ("OOB", "OOB"),
                                            ("AdminBounce", "AdminBounce"),
                                            ("expiration", "Expiration")])
def test_type_words_become_kumod_type_names(word: str, kind: str) -> None:
    command = parse(f"log yahoo.com --type {word}")
    assert isinstance(command, Log) and command.type == kind


@pytest.mark.parametrize(("text", "message"), [
    ("log", "`log` needs DOMAIN."),
    ("log yahoo.com --type", "`--type` needs a value"),
    ("log yahoo.com --type deferal", "Did you mean `deferral`?"),
    ("log yahoo.com --limit many", "--limit"),
    ("responses yahoo.com --type bounce", "`responses` has no flag `--type`"),
    ("responses yahoo.com --since forever", "--since"),
])
def test_mistakes_are_named_with_the_usage(text: str, message: str) -> None:
    with pytest.raises(UserInputError) as caught:
        parse(text)
    assert message in caught.value.message
    assert "Usage: `/kumo" in (caught.value.hint or "")
