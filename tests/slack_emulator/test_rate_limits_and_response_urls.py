"""Injected 429s against slack_sdk's retry handler, and response_url rules via WebhookClient."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.webhook import WebhookClient

from bot.adapters.slack.emulator import SlackEmulator
from bot.adapters.slack.emulator_model import EmulatorEvent

from .fake_clock import FakeClock


def test_a_429_is_retried_by_the_rate_limit_handler(emulator: SlackEmulator) -> None:
    client = WebClient(
        token="xoxb-test",
        base_url=emulator.api_url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    emulator.inject_rate_limit("chat.postMessage", retry_after=1, times=1)
    started = time.monotonic()
    assert client.chat_postMessage(channel="C0INCIDENT", text="eventually")["ok"]
    assert time.monotonic() - started >= 1.0
    statuses = [r.status for r in emulator.requests("chat.postMessage")]
    assert statuses == [429, 200]
    assert [m.text for m in emulator.messages("C0INCIDENT")] == ["eventually"]


def test_without_a_retry_handler_the_429_surfaces(
    client: WebClient, emulator: SlackEmulator
) -> None:
    emulator.inject_rate_limit("chat.update", retry_after=7)
    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel="C0INCIDENT", ts="1.0", text="x")
    assert exc.value.response.status_code == 429
    assert exc.value.response["error"] == "ratelimited"
    assert exc.value.response.headers["retry-after"] == "7"


def test_respond_in_channel_posts_a_visible_message(emulator: SlackEmulator) -> None:
    url = emulator.new_response_url("C0INCIDENT", "U0ALICE")
    answer = WebhookClient(url).send(text="done", response_type="in_channel")
    assert (answer.status_code, answer.body) == (200, "ok")
    (message,) = emulator.messages("C0INCIDENT")
    assert message.text == "done" and message.source == "response_url"


def test_respond_by_default_is_ephemeral_to_the_user(emulator: SlackEmulator) -> None:
    url = emulator.new_response_url("C0INCIDENT", "U0ALICE")
    WebhookClient(url).send(text="only for alice", blocks=[{"type": "divider"}])
    assert emulator.messages("C0INCIDENT") == []
    (ephemeral,) = emulator.ephemerals("C0INCIDENT", "U0ALICE")
    assert ephemeral.text == "only for alice" and ephemeral.source == "response_url"


def test_respond_works_where_the_bot_may_not_post(emulator: SlackEmulator) -> None:
    emulator.add_channel("C0SECRET", "secret", is_private=True, bot_is_member=False)
    url = emulator.new_response_url("C0SECRET", "U0ALICE")
    assert WebhookClient(url).send(text="fallback", response_type="in_channel").status_code == 200
    assert [m.text for m in emulator.messages("C0SECRET")] == ["fallback"]


def test_replace_and_delete_original_edit_the_source_message(
    client: WebClient, emulator: SlackEmulator
) -> None:
    seen: list[EmulatorEvent] = []
    ts = client.chat_postMessage(channel="C0INCIDENT", text="Approve?")["ts"]
    emulator.subscribe(seen.append)
    url = emulator.new_response_url("C0INCIDENT", "U0BOB", message_ts=ts)
    WebhookClient(url).send(text="Approved by bob", replace_original=True)
    message = emulator.message("C0INCIDENT", ts)
    assert message is not None and message.text == "Approved by bob" and message.edited
    WebhookClient(url).send(delete_original=True)
    assert emulator.messages("C0INCIDENT") == []
    assert [e.kind for e in seen] == ["update", "delete"]


def test_a_response_url_works_five_times_only(emulator: SlackEmulator) -> None:
    webhook = WebhookClient(emulator.new_response_url("C0INCIDENT", "U0ALICE"))
    statuses = [webhook.send(text=f"progress {n}").status_code for n in range(6)]
    assert statuses == [200] * 5 + [404]
    assert len(emulator.ephemerals("C0INCIDENT")) == 5
    assert emulator.requests("response_url")[-1].error == "used_url"


def test_a_response_url_expires_after_30_minutes(emulator: SlackEmulator, clock: FakeClock) -> None:
    webhook = WebhookClient(emulator.new_response_url("C0INCIDENT", "U0ALICE"))
    assert webhook.send(text="early").status_code == 200
    clock.advance(30 * 60 + 1)
    late = webhook.send(text="late")
    assert (late.status_code, late.body) == (404, "expired_url")


def test_a_response_url_needs_text_or_blocks(emulator: SlackEmulator) -> None:
    webhook = WebhookClient(emulator.new_response_url("C0INCIDENT", "U0ALICE"))
    assert webhook.send_dict({"response_type": "in_channel"}).status_code == 400


def test_response_urls_are_only_issued_for_known_channels(emulator: SlackEmulator) -> None:
    with pytest.raises(ValueError, match="add_channel"):
        emulator.new_response_url("D0NOWHERE", "U0ALICE")
