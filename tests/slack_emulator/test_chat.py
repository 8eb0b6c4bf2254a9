"""chat.* and auth through a real slack_sdk WebClient."""

from __future__ import annotations

import json
import threading
import time
import urllib.request

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.emulator import SlackEmulator
from bot.adapters.slack.emulator_model import EmulatorEvent

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*queue* is fine"}}


def _error(exc: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(exc.value.response["error"])


def test_auth_test_names_the_bot(client: WebClient) -> None:
    answer = client.auth_test()
    assert answer["user_id"] == "U0KUMOBOT"
    assert answer["bot_id"] == "B0KUMOBOT"
    assert answer["is_enterprise_install"] is False


def test_post_message_returns_slacks_shape_and_is_stored(
    client: WebClient, emulator: SlackEmulator
) -> None:
    answer = client.chat_postMessage(channel="C0INCIDENT", text="queue is fine", blocks=[SECTION])
    assert answer["channel"] == "C0INCIDENT"
    message = answer["message"]
    assert message["type"] == "message"
    assert message["user"] == "U0KUMOBOT" and message["bot_id"] == "B0KUMOBOT"
    assert message["ts"] == answer["ts"] and message["blocks"] == [SECTION]
    stored = emulator.messages("C0INCIDENT")
    assert [m.text for m in stored] == ["queue is fine"]
    assert stored[0].blocks == [SECTION]


def test_ts_is_strictly_increasing_even_when_the_clock_stands_still(
    client: WebClient,
) -> None:
    stamps = [client.chat_postMessage(channel="C0GENERAL", text=str(n))["ts"] for n in range(5)]
    assert stamps == sorted(stamps, key=float)
    assert len(set(stamps)) == 5
    assert all(len(ts.split(".")[1]) == 6 for ts in stamps)


def test_thread_reply_goes_under_its_parent(client: WebClient, emulator: SlackEmulator) -> None:
    parent = client.chat_postMessage(channel="C0INCIDENT", text="incident opened")["ts"]
    reply = client.chat_postMessage(channel="C0INCIDENT", text="step 1", thread_ts=parent)
    assert reply["message"]["thread_ts"] == parent
    assert [m.text for m in emulator.messages("C0INCIDENT")] == ["incident opened"]
    assert [m.text for m in emulator.replies("C0INCIDENT", parent)] == ["step 1"]
    assert emulator.messages("C0INCIDENT")[0].reply_count == 1


def test_replying_to_a_reply_or_an_unknown_ts_is_thread_not_found(client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C0INCIDENT", text="parent")["ts"]
    reply = client.chat_postMessage(channel="C0INCIDENT", text="r", thread_ts=parent)["ts"]
    for bad in (reply, "1.000001"):
        with pytest.raises(SlackApiError) as exc:
            client.chat_postMessage(channel="C0INCIDENT", text="x", thread_ts=bad)
        assert _error(exc) == "thread_not_found"


def test_update_keeps_an_edit_history(client: WebClient, emulator: SlackEmulator) -> None:
    ts = client.chat_postMessage(channel="C0INCIDENT", text="pending", blocks=[SECTION])["ts"]
    answer = client.chat_update(channel="C0INCIDENT", ts=ts, text="approved", blocks=[])
    assert (answer["channel"], answer["ts"], answer["text"]) == ("C0INCIDENT", ts, "approved")
    message = emulator.message("C0INCIDENT", ts)
    assert message is not None and message.edited
    assert (message.text, message.blocks) == ("approved", [])
    assert [(v.text, v.blocks) for v in message.history] == [("pending", [SECTION])]


def test_update_of_an_unknown_message_is_message_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_update(channel="C0INCIDENT", ts="1.000000", text="x")
    assert _error(exc) == "message_not_found"


def test_ephemeral_is_stored_for_its_user_only(client: WebClient, emulator: SlackEmulator) -> None:
    answer = client.chat_postEphemeral(channel="C0INCIDENT", user="U0ALICE", text="only you")
    assert answer["message_ts"]
    assert emulator.messages("C0INCIDENT") == []
    assert [e.text for e in emulator.ephemerals("C0INCIDENT", "U0ALICE")] == ["only you"]
    assert emulator.ephemerals("C0INCIDENT", "U0BOB") == []


def test_permalink_has_slacks_format(client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C0INCIDENT", text="x")["ts"]
    link = client.chat_getPermalink(channel="C0INCIDENT", message_ts=ts)["permalink"]
    assert link == f"https://local.slack.invalid/archives/C0INCIDENT/p{ts.replace('.', '')}"


def test_unknown_channel_is_channel_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0NOPE", text="x")
    assert _error(exc) == "channel_not_found"


def test_private_channel_without_the_bot_is_not_in_channel(
    client: WebClient, emulator: SlackEmulator
) -> None:
    emulator.add_channel("C0SECRET", "secret", is_private=True, bot_is_member=False)
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0SECRET", text="x")
    assert _error(exc) == "not_in_channel"


def test_public_non_member_channel_depends_on_chat_write_public(
    client: WebClient, emulator: SlackEmulator
) -> None:
    emulator.add_channel("C0OPS", "ops", bot_is_member=False)
    client.chat_postMessage(channel="C0OPS", text="allowed by chat:write.public")
    emulator.chat_write_public = False
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0OPS", text="refused")
    assert _error(exc) == "not_in_channel"


def test_too_many_blocks_are_invalid_blocks(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.chat_postMessage(channel="C0INCIDENT", text="x", blocks=[{"type": "divider"}] * 51)
    assert _error(exc) == "invalid_blocks"


def test_tokens_and_methods_are_checked(emulator: SlackEmulator) -> None:
    with pytest.raises(SlackApiError) as exc:
        WebClient(token="bogus", base_url=emulator.api_url).auth_test()
    assert _error(exc) == "invalid_auth"
    with pytest.raises(SlackApiError) as exc:
        WebClient(base_url=emulator.api_url).auth_test()
    assert _error(exc) == "not_authed"
    with pytest.raises(SlackApiError) as exc:
        WebClient(token="xoxb-test", base_url=emulator.api_url).api_call("no.suchMethod")
    assert exc.value.response.status_code == 200
    assert _error(exc) == "unknown_method"


def test_form_encoded_token_and_arguments_are_accepted(emulator: SlackEmulator) -> None:
    data = b"token=xoxb-raw&channel=C0GENERAL&text=hello"
    request = urllib.request.Request(emulator.api_url + "chat.postMessage", data=data)
    with urllib.request.urlopen(request, timeout=5) as response:
        assert json.loads(response.read())["ok"] is True
    assert emulator.messages("C0GENERAL")[-1].text == "hello"


def test_subscribers_see_every_change_before_the_call_returns(
    client: WebClient, emulator: SlackEmulator
) -> None:
    seen: list[EmulatorEvent] = []
    emulator.subscribe(seen.append)
    ts = client.chat_postMessage(channel="C0INCIDENT", text="a")["ts"]
    assert [e.kind for e in seen] == ["message"]
    client.chat_postMessage(channel="C0INCIDENT", text="b", thread_ts=ts)
    client.chat_update(channel="C0INCIDENT", ts=ts, text="a2")
    client.chat_postEphemeral(channel="C0INCIDENT", user="U0ALICE", text="psst")
    assert [e.kind for e in seen] == ["message", "reply", "update", "ephemeral"]
    assert seen[1].thread_ts == ts and seen[1].channel_name == "incident"
    assert seen[3].user == "U0ALICE"


def test_the_request_log_records_calls(client: WebClient, emulator: SlackEmulator) -> None:
    client.chat_postMessage(channel="C0INCIDENT", text="logged")
    (record,) = emulator.requests("chat.postMessage")
    assert record.params["text"] == "logged" and record.ok and record.status == 200


def test_wait_idle_returns_once_requests_stop(client: WebClient, emulator: SlackEmulator) -> None:
    client.chat_postMessage(channel="C0GENERAL", text="first")

    def chatter() -> None:
        for n in range(5):
            time.sleep(0.05)
            client.chat_postMessage(channel="C0GENERAL", text=str(n))

    worker = threading.Thread(target=chatter)
    worker.start()
    assert emulator.wait_idle(quiet_for=0.2, timeout=5)
    # Quiet means the chatter is over: every post has landed before wait_idle returned.
    assert len(emulator.messages("C0GENERAL")) == 6
    worker.join()


def test_wait_idle_gives_up_after_its_timeout(client: WebClient, emulator: SlackEmulator) -> None:
    client.chat_postMessage(channel="C0GENERAL", text="just now")
    assert emulator.wait_idle(quiet_for=5, timeout=0.1) is False
