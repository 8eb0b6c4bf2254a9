"""A real Bolt App, dispatched in-process, reaches the emulator through say() and respond()."""

from __future__ import annotations

from typing import Any

import pytest
from slack_bolt import Ack, App, BoltRequest, Respond, Say
from slack_bolt.authorization import AuthorizeResult
from slack_sdk import WebClient

from bot.adapters.slack.emulator import SlackEmulator


@pytest.fixture(autouse=True)
def _no_slack_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # App() silently reads these (and switches to OAuth with a client id and secret).
    for name in (
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
    ):
        monkeypatch.delenv(name, raising=False)


def _authorize(**_: Any) -> AuthorizeResult:
    return AuthorizeResult(
        enterprise_id=None,
        team_id="T0LOCAL",
        bot_token="xoxb-test",
        bot_user_id="U0KUMOBOT",
        bot_id="B0KUMOBOT",
    )


def _app(emulator: SlackEmulator) -> App:
    app = App(
        client=WebClient(token="xoxb-test", base_url=emulator.api_url),
        authorize=_authorize,
        process_before_response=True,
    )

    @app.command("/kumo")
    def handle_kumo(ack: Ack, command: dict[str, Any], say: Say, respond: Respond) -> None:
        ack()
        posted = say(text=f"working on `{command['text']}`")
        say(text="step 1 done", thread_ts=posted["ts"])
        respond(text="only you see this")

    return app


def _slash_command(emulator: SlackEmulator, text: str) -> dict[str, Any]:
    return {
        "token": "local",
        "team_id": "T0LOCAL",
        "team_domain": "local",
        "channel_id": "C0INCIDENT",
        "channel_name": "incident",
        "user_id": "U0ALICE",
        "user_name": "alice",
        "command": "/kumo",
        "text": text,
        "api_app_id": "A0KUMOBOT",
        "is_enterprise_install": "false",
        "response_url": emulator.new_response_url("C0INCIDENT", "U0ALICE"),
        "trigger_id": emulator.new_trigger_id("U0ALICE"),
    }


def test_a_slash_command_says_and_responds_through_the_emulator(
    emulator: SlackEmulator,
) -> None:
    response = _app(emulator).dispatch(
        BoltRequest(mode="socket_mode", body=_slash_command(emulator, "queue yahoo.com"))
    )
    assert response.status == 200
    (parent,) = emulator.messages("C0INCIDENT")
    assert parent.text == "working on `queue yahoo.com`"
    assert [m.text for m in emulator.replies("C0INCIDENT", parent.ts)] == ["step 1 done"]
    (private,) = emulator.ephemerals("C0INCIDENT", "U0ALICE")
    assert private.text == "only you see this" and private.source == "response_url"
    # authorize= means Bolt never needed auth.test.
    assert emulator.requests("auth.test") == []
    assert [r.method for r in emulator.requests()] == [
        "chat.postMessage",
        "chat.postMessage",
        "response_url",
    ]
