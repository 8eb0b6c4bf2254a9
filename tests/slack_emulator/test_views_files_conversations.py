"""views.*, files_upload_v2 end to end, and conversations.* through a real WebClient."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.adapters.slack.emulator import SlackEmulator
from bot.adapters.slack.emulator_model import EmulatorEvent

from .fake_clock import FakeClock

MODAL = {
    "type": "modal",
    "callback_id": "approve_reason",
    "title": {"type": "plain_text", "text": "Approve"},
    "submit": {"type": "plain_text", "text": "Send"},
    "private_metadata": "run-7",
    "blocks": [
        {
            "type": "input",
            "block_id": "reason",
            "label": {"type": "plain_text", "text": "Reason"},
            "element": {"type": "plain_text_input", "action_id": "text"},
        }
    ],
}


def _error(exc: pytest.ExceptionInfo[SlackApiError]) -> str:
    return str(exc.value.response["error"])


def test_views_open_returns_the_view_with_id_state_and_hash(
    client: WebClient, emulator: SlackEmulator
) -> None:
    seen: list[EmulatorEvent] = []
    emulator.subscribe(seen.append)
    view = client.views_open(trigger_id=emulator.new_trigger_id("U0ALICE"), view=MODAL)["view"]
    assert view["id"].startswith("V") and view["hash"]
    assert view["state"] == {"values": {}}
    assert view["callback_id"] == "approve_reason" and view["private_metadata"] == "run-7"
    assert view["root_view_id"] == view["id"] and view["previous_view_id"] is None
    assert [(e.kind, e.user, e.text) for e in seen] == [("view", "U0ALICE", "Approve")]
    assert emulator.views[0].user == "U0ALICE"


def test_views_update_and_push(client: WebClient, emulator: SlackEmulator) -> None:
    first = client.views_open(trigger_id=emulator.new_trigger_id("U0ALICE"), view=MODAL)["view"]
    changed = {**MODAL, "title": {"type": "plain_text", "text": "Approved"}}
    updated = client.views_update(view_id=first["id"], hash=first["hash"], view=changed)["view"]
    assert updated["id"] == first["id"] and updated["title"]["text"] == "Approved"
    with pytest.raises(SlackApiError) as exc:
        client.views_update(view_id=first["id"], hash=first["hash"], view=changed)
    assert _error(exc) == "hash_conflict"
    pushed = client.views_push(trigger_id=emulator.new_trigger_id("U0ALICE"), view=MODAL)["view"]
    assert pushed["previous_view_id"] == first["id"] and pushed["root_view_id"] == first["id"]


def test_trigger_ids_are_single_use_short_lived_and_issued_by_us(
    client: WebClient, emulator: SlackEmulator, clock: FakeClock
) -> None:
    trigger = emulator.new_trigger_id("U0ALICE")
    client.views_open(trigger_id=trigger, view=MODAL)
    cases = {"exchanged_trigger_id": trigger, "invalid_trigger_id": "123.456.abc"}
    stale = emulator.new_trigger_id("U0ALICE")
    clock.advance(3.5)
    cases["expired_trigger_id"] = stale
    for error, trigger_id in cases.items():
        with pytest.raises(SlackApiError) as exc:
            client.views_open(trigger_id=trigger_id, view=MODAL)
        assert _error(exc) == error


def test_a_modal_title_over_24_characters_is_refused(
    client: WebClient, emulator: SlackEmulator
) -> None:
    long_title = {**MODAL, "title": {"type": "plain_text", "text": "x" * 25}}
    with pytest.raises(SlackApiError) as exc:
        client.views_open(trigger_id=emulator.new_trigger_id("U0ALICE"), view=long_title)
    assert _error(exc) == "invalid_arguments"


def test_files_upload_v2_from_content_lands_in_the_channel(
    client: WebClient, emulator: SlackEmulator
) -> None:
    seen: list[EmulatorEvent] = []
    emulator.subscribe(seen.append)
    answer = client.files_upload_v2(
        channel="C0INCIDENT",
        content=b"# Post-mortem\n",
        filename="postmortem.md",
        title="Post-mortem",
        initial_comment="Here is the draft",
    )
    assert answer["file"]["name"] == "postmortem.md"
    assert answer["file"]["title"] == "Post-mortem"
    (uploaded,) = emulator.files
    assert uploaded.content == b"# Post-mortem\n" and uploaded.channel == "C0INCIDENT"
    (message,) = emulator.messages("C0INCIDENT")
    assert message.text == "Here is the draft"
    assert message.files[0]["id"] == uploaded.id
    assert [e.kind for e in seen] == ["file"]
    with urllib.request.urlopen(message.files[0]["url_private"], timeout=5) as response:
        assert response.read() == b"# Post-mortem\n"


def test_files_upload_v2_from_a_path_into_a_thread(
    client: WebClient, emulator: SlackEmulator, tmp_path: Path
) -> None:
    report = tmp_path / "audit.csv"
    report.write_bytes(b"when,who\n")
    parent = client.chat_postMessage(channel="C0INCIDENT", text="incident")["ts"]
    client.files_upload_v2(
        channel="C0INCIDENT",
        file=str(report),
        filename="audit.csv",
        title="Audit",
        thread_ts=parent,
    )
    (reply,) = emulator.replies("C0INCIDENT", parent)
    assert reply.files[0]["title"] == "Audit"
    assert emulator.files[0].content == b"when,who\n"
    assert [r.method for r in emulator.requests()][-3:] == [
        "files.getUploadURLExternal",
        "file_upload",
        "files.completeUploadExternal",
    ]


def test_conversations_create_and_invite(client: WebClient, emulator: SlackEmulator) -> None:
    channel = client.conversations_create(name="inc-42-yahoo", is_private=True)["channel"]
    assert channel["is_private"] is True and channel["name"] == "inc-42-yahoo"
    with pytest.raises(SlackApiError) as exc:
        client.conversations_create(name="inc-42-yahoo")
    assert _error(exc) == "name_taken"
    invited = client.conversations_invite(channel=channel["id"], users=["U0ALICE", "U0BOB"])
    assert invited["channel"]["id"] == channel["id"]
    found = emulator.channel("inc-42-yahoo")
    assert found is not None and {"U0ALICE", "U0BOB"} <= found.members
    with pytest.raises(SlackApiError) as exc:
        client.conversations_invite(channel=channel["id"], users="U0ALICE")
    assert _error(exc) == "already_in_channel"
    client.chat_postEphemeral(channel=channel["id"], user="U0BOB", text="welcome")
    with pytest.raises(SlackApiError) as exc:
        client.chat_postEphemeral(channel=channel["id"], user="U0CAROL", text="who?")
    assert _error(exc) == "user_not_in_channel"


def test_conversations_info_and_join(client: WebClient, emulator: SlackEmulator) -> None:
    emulator.add_channel("C0OPS", "ops", bot_is_member=False)
    assert client.conversations_info(channel="C0OPS")["channel"]["is_member"] is False
    client.conversations_join(channel="C0OPS")
    assert client.conversations_info(channel="C0OPS")["channel"]["is_member"] is True


def test_apps_connections_open_says_it_is_not_supported(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as exc:
        client.apps_connections_open(app_token="xapp-1-test")
    assert _error(exc) == "not_supported_by_emulator"


def test_history_replies_and_delete(client: WebClient, emulator: SlackEmulator) -> None:
    parent = client.chat_postMessage(channel="C0INCIDENT", text="parent")["ts"]
    client.chat_postMessage(channel="C0INCIDENT", text="later")
    client.chat_postMessage(channel="C0INCIDENT", text="reply", thread_ts=parent)
    history = client.conversations_history(channel="C0INCIDENT")["messages"]
    assert [m["text"] for m in history] == ["later", "parent"]
    thread = client.conversations_replies(channel="C0INCIDENT", ts=parent)["messages"]
    assert [m["text"] for m in thread] == ["parent", "reply"]
    client.chat_delete(channel="C0INCIDENT", ts=parent)
    assert [m.text for m in emulator.messages("C0INCIDENT")] == ["later"]
    assert emulator.replies("C0INCIDENT", parent) == []
