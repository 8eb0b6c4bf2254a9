"""What the local Slack emulator shows to its callers: immutable snapshots and events.

The emulator keeps mutable records behind a lock (``emulator_state``); everything
handed out to tests, the terminal demo or subscribers is one of these frozen copies,
so a reader can never race with the server thread that is still changing a message.
Blocks stay plain dicts, exactly as the bot sent them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

JsonDict = dict[str, Any]

EventKind = Literal["message", "reply", "update", "delete", "ephemeral", "file", "view"]
"""Every visible change: a top-level post, a thread reply, an edit, a deletion,
an ephemeral, a shared file, a modal opened/updated/pushed."""

EventSource = Literal["web_api", "response_url"]


@dataclass(frozen=True)
class BotIdentity:
    """Who the emulated workspace says the bot is (``auth.test``)."""

    # The same ids as ``app.local_authorize`` and the terminal's synthesized payloads.
    team_id: str = "T0LOCAL"
    team: str = "kumo-local"
    user_id: str = "U0KUMOBOT"
    user: str = "kumo-bot"
    bot_id: str = "B0KUMOBOT"
    app_id: str = "A0KUMOBOT"


@dataclass(frozen=True)
class Channel:
    """A conversation as the emulator knows it."""

    id: str
    name: str
    is_private: bool
    bot_is_member: bool
    members: frozenset[str]
    created: int
    creator: str

    def as_slack_dict(self) -> JsonDict:
        """The conversation object Slack returns from ``conversations.*``."""
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": True,
            "is_group": False,
            "is_im": False,
            "is_mpim": False,
            "is_private": self.is_private,
            "is_archived": False,
            "is_general": self.name == "general",
            "is_member": self.bot_is_member,
            "created": self.created,
            "creator": self.creator,
            "num_members": len(self.members),
        }


@dataclass(frozen=True)
class MessageVersion:
    """One earlier version of an edited message."""

    text: str
    blocks: list[JsonDict] | None
    replaced_at: str


@dataclass(frozen=True)
class Message:
    """A visible message (top-level or reply), in its current version."""

    channel: str
    ts: str
    text: str
    blocks: list[JsonDict] | None
    user: str
    bot_id: str
    thread_ts: str | None = None
    files: list[JsonDict] = field(default_factory=list)
    history: list[MessageVersion] = field(default_factory=list)
    reply_count: int = 0
    source: EventSource = "web_api"

    @property
    def edited(self) -> bool:
        """True once ``chat.update`` or ``replace_original`` changed it."""
        return bool(self.history)

    def as_slack_dict(self) -> JsonDict:
        """The ``message`` object in Slack's shape (as in ``chat.postMessage``)."""
        out: JsonDict = {
            "type": "message",
            "text": self.text,
            "user": self.user,
            "bot_id": self.bot_id,
            "ts": self.ts,
        }
        if self.blocks is not None:
            out["blocks"] = self.blocks
        if self.thread_ts is not None:
            out["thread_ts"] = self.thread_ts
        if self.files:
            out["files"] = self.files
        if self.history:
            out["edited"] = {"user": self.user, "ts": self.history[-1].replaced_at}
        return out


@dataclass(frozen=True)
class Ephemeral:
    """A message only ``user`` can see (``chat.postEphemeral`` or a response_url)."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[JsonDict] | None
    thread_ts: str | None
    source: EventSource


@dataclass(frozen=True)
class UploadedFile:
    """A file uploaded through the three ``files_upload_v2`` calls."""

    id: str
    name: str
    title: str
    content: bytes | None
    channel: str | None
    thread_ts: str | None
    message_ts: str | None
    initial_comment: str | None

    @property
    def completed(self) -> bool:
        """True once ``files.completeUploadExternal`` shared it."""
        return self.message_ts is not None or self.channel is not None


@dataclass(frozen=True)
class ModalView:
    """A modal as Slack would return it from ``views.*`` (``view`` has the full dict)."""

    id: str
    user: str
    view: JsonDict
    hash: str
    root_view_id: str
    previous_view_id: str | None


@dataclass(frozen=True)
class RequestRecord:
    """One request the emulator answered, for assertions and benchmarks."""

    method: str
    params: JsonDict
    time: float
    status: int
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class EmulatorEvent:
    """A visible change, delivered to subscribers in the order it happened.

    ``user`` is the author for messages, replies, updates and files, and the
    recipient for ephemerals and views (the user who will see them).
    """

    kind: EventKind
    channel: str
    channel_name: str
    ts: str
    thread_ts: str | None
    user: str
    text: str
    blocks: list[JsonDict] | None
    author_name: str
    source: EventSource = "web_api"
    files: list[JsonDict] = field(default_factory=list)
    view: JsonDict | None = None
