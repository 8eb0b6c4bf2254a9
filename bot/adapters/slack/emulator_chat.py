"""``auth.*``, ``chat.*`` and ``conversations.*`` of the emulated Web API.

Each function takes the workspace and the request's ``Params`` and returns
Slack's response body (without ``ok``) and the visible changes, or raises
``ApiError`` with the error code Slack documents for that method.
"""

from __future__ import annotations

import re

from bot.adapters.slack.emulator_checks import MAX_MESSAGE_TEXT, block_errors
from bot.adapters.slack.emulator_model import JsonDict
from bot.adapters.slack.emulator_params import ApiOutcome, Params
from bot.adapters.slack.emulator_state import ApiError, ChannelRecord, WorkspaceState

PERMALINK_HOST = "local.slack.invalid"
_CHANNEL_NAME = re.compile(r"^[a-z0-9_-]{1,80}$")


def _check_blocks(blocks: list[JsonDict] | None) -> None:
    """Refuse blocks Slack would refuse, with Slack's ``invalid_blocks`` shape."""
    if blocks is None:
        return
    errors = block_errors(blocks)
    if errors:
        raise ApiError("invalid_blocks", errors=errors, response_metadata={"messages": errors})


def _content(p: Params) -> tuple[str, list[JsonDict] | None]:
    """The text and blocks of a message; ``no_text`` when there is nothing to show."""
    text = p.opt_text("text") or ""
    blocks = p.blocks()
    if not text and not blocks and not p.json_value("attachments"):
        raise ApiError("no_text")
    if len(text) > MAX_MESSAGE_TEXT:
        raise ApiError("msg_too_long")
    _check_blocks(blocks)
    return text, blocks


def _resolve_channel(ws: WorkspaceState, p: Params) -> str:
    """The channel id; ``chat.postMessage`` also accepts ``#name`` as Slack does."""
    ref = p.text("channel", error="channel_not_found")
    if ref in ws.channels:
        return ref
    named = ws.channel_by_name(ref)
    return named.id if named else ref


def auth_test(ws: WorkspaceState, p: Params) -> ApiOutcome:
    """``auth.test``: the bot's identity."""
    me = ws.identity
    body: JsonDict = {
        "url": f"https://{PERMALINK_HOST}/",
        "team": me.team,
        "user": me.user,
        "team_id": me.team_id,
        "user_id": me.user_id,
        "bot_id": me.bot_id,
        "is_enterprise_install": False,
    }
    return body, []


def apps_connections_open(ws: WorkspaceState, p: Params) -> ApiOutcome:
    """``apps.connections.open``: Socket Mode needs a WebSocket server we do not run."""
    raise ApiError("not_supported_by_emulator")


def chat_post_message(ws: WorkspaceState, p: Params) -> ApiOutcome:
    """``chat.postMessage``: a top-level message, or a reply when ``thread_ts`` is set."""
    channel = _resolve_channel(ws, p)
    text, blocks = _content(p)
    message, event = ws.post(
        channel, text=text, blocks=blocks, thread_ts=p.opt_text("thread_ts"), source="web_api"
    )
    body: JsonDict = {
        "channel": channel,
        "ts": message.ts,
        "message": ws.snapshot(message).as_slack_dict(),
    }
    return body, [event]


def chat_update(ws: WorkspaceState, p: Params) -> ApiOutcome:
    """``chat.update``: edit a message the bot posted; unchanged parts are kept."""
    channel = p.text("channel", error="channel_not_found")
    ts = p.text("ts", error="message_not_found")
    text = p.opt_text("text")
    blocks = p.blocks()
    if text is None and not p.has("blocks") and not p.json_value("attachments"):
        raise ApiError("no_text")
    if text is not None and len(text) > MAX_MESSAGE_TEXT:
        raise ApiError("msg_too_long")
    _check_blocks(blocks)
    message, event = ws.update(
        channel, ts, text=text, blocks=blocks, replace_blocks=p.has("blocks"), source="web_api"
    )
    body: JsonDict = {
        "channel": channel,
        "ts": ts,
        "text": message.text,
        "message": ws.snapshot(message).as_slack_dict(),
    }
    return body, [event]


def chat_delete(ws: WorkspaceState, p: Params) -> ApiOutcome:
    """``chat.delete``: remove a bot message."""
    channel = p.text("channel", error="channel_not_found")
    ts = p.text("ts", error="message_not_found")
    event = ws.delete(channel, ts, source="web_api")
    return {"channel": channel, "ts": ts}, [event]


def chat_post_ephemeral(ws: WorkspaceState, p: Params) -> ApiOutcome:
    """``chat.postEphemeral``: a message only ``user`` sees."""
    channel = p.text("channel", error="channel_not_found")
    user = p.text("user", error="user_not_found")
    record = ws.channel(channel)
    ws.require_postable(record)
    # Membership of humans is only known for private channels (invites go through us).
    if record.is_private and user not in record.members:
        raise ApiError("user_not_in_channel")
    text, blocks = _content(p)
    ephemeral, event = ws.post_ephemeral(
        channel,
        user,
        text=text,
        blocks=blocks,
        thread_ts=p.opt_text("thread_ts"),
        source="web_api",
    )
    return {"message_ts": ephemeral.ts}, [event]


def chat_get_permalink(ws: WorkspaceState, p: Params) -> ApiOutcome:
    """``chat.getPermalink``: a link in Slack's format on a host that cannot resolve."""
    channel = p.text("channel", error="channel_not_found")
    ts = p.text("message_ts", error="message_not_found")
    ws.channel(channel)
    message = ws.find(channel, ts)
    if message is None:
        raise ApiError("message_not_found")
    link = f"https://{PERMALINK_HOST}/archives/{channel}/p{ts.replace('.', '')}"
    if message.thread_ts:
        link += f"?thread_ts={message.thread_ts}&cid={channel}"
    return {"channel": channel, "permalink": link}, []


def conversations_create(ws: WorkspaceState, p: Params) -> ApiOutcome:
    """``conversations.create``: a new channel with the bot as creator and member."""
    name = p.text("name", error="invalid_name_required")
    if not _CHANNEL_NAME.match(name):
        raise ApiError("invalid_name_maxlength" if len(name) > 80 else "invalid_name_specials")
    if not name.strip("-_"):
        raise ApiError("invalid_name_punctuation")
    if ws.channel_by_name(name) is not None:
        raise ApiError("name_taken")
    record = ws.add_channel(
        ws.new_id("C"), name, is_private=p.flag("is_private"), bot_is_member=True, members=()
    )
    return {"channel": record.snapshot().as_slack_dict()}, []


def _member_channel(ws: WorkspaceState, p: Params) -> ChannelRecord:
    """The channel named in ``channel``, which the bot must have joined."""
    record = ws.channel(p.text("channel", error="channel_not_found"))
    if not record.bot_is_member:
        raise ApiError("not_in_channel")
    return record


def conversations_invite(ws: WorkspaceState, p: Params) -> ApiOutcome:
    """``conversations.invite``: add users (comma-separated ids) to a channel."""
    record = _member_channel(ws, p)
    users = p.csv("users")
    if not users:
        raise ApiError("no_user")
    for user in users:
        if user == ws.identity.user_id:
            raise ApiError("cant_invite_self")
        if user[:1] not in {"U", "W"}:
            raise ApiError("user_not_found")
    if all(user in record.members for user in users):
        raise ApiError("already_in_channel")
    record.members.update(users)
    return {"channel": record.snapshot().as_slack_dict()}, []


def conversations_info(ws: WorkspaceState, p: Params) -> ApiOutcome:
    """``conversations.info``."""
    record = ws.channel(p.text("channel", error="channel_not_found"))
    return {"channel": record.snapshot().as_slack_dict()}, []


def conversations_join(ws: WorkspaceState, p: Params) -> ApiOutcome:
    """``conversations.join``: the bot joins a public channel."""
    record = ws.channel(p.text("channel", error="channel_not_found"))
    if record.is_private:
        raise ApiError("method_not_supported_for_channel_type")
    already = record.bot_is_member
    record.bot_is_member = True
    record.members.add(ws.identity.user_id)
    body: JsonDict = {"channel": record.snapshot().as_slack_dict()}
    if already:
        body["warning"] = "already_in_channel"
    return body, []


def conversations_list(ws: WorkspaceState, p: Params) -> ApiOutcome:
    """``conversations.list``: every channel, in one page."""
    channels = [c.snapshot().as_slack_dict() for c in ws.channels.values()]
    return {"channels": channels, "response_metadata": {"next_cursor": ""}}, []


def conversations_history(ws: WorkspaceState, p: Params) -> ApiOutcome:
    """``conversations.history``: top-level messages, newest first."""
    record = _member_channel(ws, p)
    limit = p.integer("limit") or 100
    newest_first = [ws.snapshot(m).as_slack_dict() for m in reversed(record.messages)]
    body: JsonDict = {
        "messages": newest_first[:limit],
        "has_more": len(newest_first) > limit,
        "response_metadata": {"next_cursor": ""},
    }
    return body, []


def conversations_replies(ws: WorkspaceState, p: Params) -> ApiOutcome:
    """``conversations.replies``: the parent followed by its replies, oldest first."""
    record = _member_channel(ws, p)
    ts = p.text("ts", error="thread_not_found")
    parent = next((m for m in record.messages if m.ts == ts), None)
    if parent is None:
        raise ApiError("thread_not_found")
    thread = [parent, *record.replies.get(ts, [])]
    messages = [ws.snapshot(m).as_slack_dict() for m in thread]
    return {"messages": messages, "has_more": False}, []
