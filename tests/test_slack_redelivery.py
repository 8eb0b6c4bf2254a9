"""A slash command Slack delivers twice runs once: Socket Mode, HTTP, and two replicas.

The bot here is the real one (SQL audit log and idempotency keys on SQLite, Bolt,
the local Slack emulator); only the park is a fake.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import BoltRequest
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from bot.adapters.slack.app import SlackBot, make_web_client
from bot.adapters.slack.emulator import SlackEmulator
from bot.adapters.slack.socket import build_socket_handler
from bot.adapters.storage import Storage, open_storage
from bot.core.models import MetricSample
from bot.services import ServiceConfig, Services
from tests.fakes import YAHOO_MX, FakeMta, FakePark, FakeResolver, FixedClock
from tests.slack_helpers import SECRET, form, signed_headers, slash_body

KEY = b"redelivery-test-key-0123456789ab"


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emu:
        yield emu


def _replica(url: str, emulator: SlackEmulator) -> tuple[SlackBot, Storage]:
    """One bot process: its own engine on the shared database, as a replica has."""
    storage = open_storage(url, key=KEY, clock=FixedClock())
    node = FakeMta(name="mta1", samples=[MetricSample("scheduled_count", {"queue": "yahoo.com"},
                                                      5)])
    services = Services(park=FakePark([node]), resolver=FakeResolver({"yahoo.com": YAHOO_MX}),
                        audit=storage.audit, clock=FixedClock(),
                        config=ServiceConfig(log_dirs={}))
    bot = SlackBot(services, client=make_web_client("xoxb-test", emulator.api_url),
                   signing_secret=SECRET, keys=storage.keys)
    return bot, storage


@pytest.fixture
def replicas(tmp_path: Path, emulator: SlackEmulator) -> Iterator[list[SlackBot]]:
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    made = [_replica(url, emulator) for _ in range(2)]
    yield [bot for bot, _ in made]
    for bot, storage in made:
        bot.pool.shutdown()
        storage.close()


class RecordingSocketClient:
    def __init__(self) -> None:
        self.logger = logging.getLogger("test-socket")
        self.responses: list[SocketModeResponse] = []

    def send_socket_mode_response(self, response: SocketModeResponse) -> None:
        self.responses.append(response)


def _envelope(envelope_id: str, payload: dict[str, Any], attempt: int | None = None
              ) -> SocketModeRequest:
    raw: dict[str, Any] = {"envelope_id": envelope_id, "type": "slash_commands",
                           "accepts_response_payload": True, "payload": payload}
    if attempt is not None:
        raw.update(retry_attempt=attempt, retry_reason="timeout")
    return SocketModeRequest.from_dict(raw)


def _audited(bot: SlackBot) -> int:
    return len(bot.services.audit.recent(limit=100))


def test_socket_mode_redelivery_of_the_same_envelope_is_acked_and_runs_once(
    replicas: list[SlackBot], emulator: SlackEmulator
) -> None:
    bot = replicas[0]
    handler, client = build_socket_handler(bot, "xapp-test"), RecordingSocketClient()
    payload = slash_body("queue yahoo.com",
                         response_url=emulator.new_response_url("C0INCIDENT", "U0ALICE"))
    handler.handle(client, _envelope("env-1", payload))
    handler.handle(client, _envelope("env-1", payload, attempt=1))
    assert [r.envelope_id for r in client.responses] == ["env-1", "env-1"]
    assert bot.pool.wait_idle(timeout=10)
    assert len(emulator.messages("C0INCIDENT")) == 1
    assert _audited(bot) == 1


def test_a_new_envelope_carrying_the_same_trigger_id_runs_once(
    replicas: list[SlackBot], emulator: SlackEmulator
) -> None:
    bot = replicas[0]
    handler, client = build_socket_handler(bot, "xapp-test"), RecordingSocketClient()
    payload = slash_body("queue yahoo.com", trigger_id="777.1700000000.abc",
                         response_url=emulator.new_response_url("C0INCIDENT", "U0ALICE"))
    handler.handle(client, _envelope("env-1", payload))
    handler.handle(client, _envelope("env-2", payload, attempt=1))
    assert len(client.responses) == 2 and bot.pool.wait_idle(timeout=10)
    assert len(emulator.messages("C0INCIDENT")) == 1
    assert _audited(bot) == 1


def test_the_same_signed_http_request_twice_is_acked_twice_and_runs_once(
    replicas: list[SlackBot], emulator: SlackEmulator
) -> None:
    bot = replicas[0]
    raw = form(slash_body("queue yahoo.com",
                          response_url=emulator.new_response_url("C0INCIDENT", "U0ALICE")))
    for _ in range(2):
        headers = {k.lower(): v for k, v in signed_headers(raw).items()}
        response = bot.app.dispatch(BoltRequest(body=raw, headers=headers))
        assert response.status == 200 and "Working on" in str(response.body)
    assert bot.pool.wait_idle(timeout=10)
    assert len(emulator.messages("C0INCIDENT")) == 1
    assert _audited(bot) == 1


def test_two_replicas_given_the_same_command_answer_it_once(
    replicas: list[SlackBot], emulator: SlackEmulator
) -> None:
    payload = slash_body("queue yahoo.com",
                         response_url=emulator.new_response_url("C0INCIDENT", "U0ALICE"))
    for bot in replicas:
        assert bot.app.dispatch(BoltRequest(body=dict(payload), mode="socket_mode")).status == 200
    assert all(bot.pool.wait_idle(timeout=10) for bot in replicas)
    assert len(emulator.messages("C0INCIDENT")) == 1
    assert _audited(replicas[1]) == 1


def test_different_commands_each_run(replicas: list[SlackBot], emulator: SlackEmulator) -> None:
    bot = replicas[0]
    for text in ("queue yahoo.com", "queue yahoo.com", "holds"):
        body = slash_body(text, response_url=emulator.new_response_url("C0INCIDENT", "U0ALICE"))
        bot.app.dispatch(BoltRequest(body=body, mode="socket_mode"))
        assert bot.pool.wait_idle(timeout=10)
    assert len(emulator.messages("C0INCIDENT")) == 3 and _audited(bot) == 3
