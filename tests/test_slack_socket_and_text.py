"""Socket Mode envelopes, and odd command text in Slack's real request format."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import BoltRequest
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.adapters.audit_memory import InMemoryAuditLog
from bot.adapters.slack.app import SlackBot, make_web_client
from bot.adapters.slack.emulator import SlackEmulator
from bot.adapters.slack.socket import build_socket_handler
from bot.core.models import MetricSample
from bot.services import ServiceConfig, Services
from tests.fakes import YAHOO_MX, FakeMta, FakePark, FakeResolver, FixedClock
from tests.slack_helpers import SECRET, form, signed_headers, slash_body


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emu:
        yield emu


@pytest.fixture
def bot(emulator: SlackEmulator) -> Iterator[tuple[SlackBot, InMemoryAuditLog]]:
    audit = InMemoryAuditLog()
    node = FakeMta(name="mta1", samples=[MetricSample("scheduled_count", {"queue": "yahoo.com"}, 5)])
    services = Services(park=FakePark([node]), resolver=FakeResolver({"yahoo.com": YAHOO_MX}),
                        audit=audit, clock=FixedClock(), config=ServiceConfig(log_dirs={}))
    slack_bot = SlackBot(services, client=make_web_client("xoxb-test", emulator.api_url),
                         signing_secret=SECRET)
    yield slack_bot, audit
    slack_bot.pool.shutdown()


class RecordingSocketClient:
    """What SocketModeHandler needs from its client: a logger and a way to reply."""

    def __init__(self) -> None:
        self.logger = logging.getLogger("test-socket")
        self.responses: list[SocketModeResponse] = []

    def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        self.responses.append(response)


def test_socket_mode_envelope_is_acked_and_answered(
    bot: tuple[SlackBot, InMemoryAuditLog], emulator: SlackEmulator
) -> None:
    slack_bot, audit = bot
    handler = build_socket_handler(slack_bot, "xapp-test")
    client = RecordingSocketClient()
    envelope: dict[str, Any] = {
        "envelope_id": "env-1",
        "type": "slash_commands",
        "accepts_response_payload": True,
        "payload": slash_body("queue yahoo.com",
                              response_url=emulator.new_response_url("C0INCIDENT", "U0ALICE")),
    }
    handler.handle(client, SocketModeRequest.from_dict(envelope))
    (reply,) = client.responses
    assert reply.envelope_id == "env-1"
    assert slack_bot.pool.wait_idle(timeout=10)
    (message,) = emulator.messages("C0INCIDENT")
    assert "yahoo.com" in str(message.blocks)
    assert audit.recent()[0].transport == "slack-socket"


def _dispatch(slack_bot: SlackBot, text: str, emulator: SlackEmulator) -> str:
    raw = form(slash_body(text, response_url=emulator.new_response_url("C0INCIDENT", "U0ALICE")))
    headers = {k.lower(): v for k, v in signed_headers(raw).items()}
    response = slack_bot.app.dispatch(BoltRequest(body=raw, headers=headers))
    assert response.status == 200
    assert slack_bot.pool.wait_idle(timeout=10)
    return str(emulator.messages("C0INCIDENT")[-1].blocks)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("queue “yahoo.com”", "Queue summary: yahoo.com"),         # curly quotes
        ("queue <http://yahoo.com|yahoo.com>", "Queue summary: yahoo.com"),  # Slack auto-link
        ("holds yahoo.com --node mta1", "Holds on yahoo.com"),
        ("queue yahoo.com &amp;&amp; rm -rf /", "one argument too many"),
        ("queue " + "a" * 10_000, "too long"),
        ("queue \"yahoo.com", "Unclosed quote"),
        ("queue \x00\x07yahoo.com", "Queue summary: yahoo.com"),
    ],
)
def test_odd_text_gets_a_clear_answer_never_a_crash(
    bot: tuple[SlackBot, InMemoryAuditLog], emulator: SlackEmulator, text: str, expected: str
) -> None:
    slack_bot, _ = bot
    assert expected in _dispatch(slack_bot, text, emulator)


def test_hostile_text_reaches_slack_escaped(
    bot: tuple[SlackBot, InMemoryAuditLog], emulator: SlackEmulator
) -> None:
    slack_bot, _ = bot
    posted = _dispatch(slack_bot, "queue <!channel> <https://evil.example|yahoo.com>", emulator)
    assert "<!channel>" not in posted and "&lt;!channel&gt;" in posted
    assert "<https://evil" not in posted


def test_html_escaped_command_text_is_undone_once(
    bot: tuple[SlackBot, InMemoryAuditLog], emulator: SlackEmulator
) -> None:
    slack_bot, audit = bot
    _dispatch(slack_bot, "holds yahoo.com --node &quot;mta1&quot;", emulator)
    assert audit.recent()[0].parsed["node"] == "mta1"
