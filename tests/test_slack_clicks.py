"""Reading a click's body: the button, the clicker and the message, whatever is missing."""

from __future__ import annotations

from bot.adapters.slack.clicks import clicker, read_click
from bot.core.audit import Actor


def test_a_click_gives_its_action_clicker_channel_and_message() -> None:
    click = read_click({
        "actions": [{"action_id": "kumo_guard_confirm", "value": "req-1"}],
        "user": {"id": "U0BOB", "username": "bob", "name": "Bob"},
        "container": {"channel_id": "C1", "message_ts": "1.2", "thread_ts": "1.0"},
        "channel": {"id": "C2"},
    })
    assert click.action == {"action_id": "kumo_guard_confirm", "value": "req-1"}
    assert click.by == Actor(id="U0BOB", name="bob")
    assert (click.channel, click.message_ts, click.thread_ts) == ("C1", "1.2", "1.0")


def test_a_click_without_a_container_falls_back_to_the_channel() -> None:
    click = read_click({"actions": [{}], "user": {"id": "U0BOB", "name": "Bob"},
                        "channel": {"id": "C2"}})
    assert (click.channel, click.message_ts, click.thread_ts) == ("C2", "", None)
    assert click.by.name == "Bob"


def test_a_click_with_missing_or_malformed_fields_reads_as_empty_not_a_crash() -> None:
    for body in ({}, {"actions": [], "user": None, "container": None, "channel": None},
                 {"actions": [None], "user": "U0BOB", "container": "x", "channel": 3}):
        click = read_click(body)
        assert click.action == {} and click.by == Actor(id="", name="")
        assert (click.channel, click.message_ts, click.thread_ts) == ("", "", None)
    assert clicker({"user": {"id": "U0BOB"}}) == Actor(id="U0BOB", name="")
