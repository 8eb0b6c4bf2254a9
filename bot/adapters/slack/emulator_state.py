"""The emulated workspace: channels, messages, threads, ephemerals and their rules.

Not thread-safe on its own: ``SlackEmulator`` holds one lock around every call.
Operations raise ``ApiError`` with Slack's error code, and return the
``EmulatorEvent`` that describes what became visible, so the server can hand
events to subscribers after it has released the lock.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from bot.adapters.slack.emulator_model import (
    BotIdentity,
    Channel,
    EmulatorEvent,
    Ephemeral,
    EventKind,
    EventSource,
    JsonDict,
    Message,
    MessageVersion,
)


class ApiError(Exception):
    """A Slack error code (``{"ok": false, "error": code}``) plus optional extra fields."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra


@dataclass
class MessageRecord:
    """The mutable, stored form of a message; snapshots are taken under the lock."""

    channel: str
    ts: str
    text: str
    blocks: list[JsonDict] | None
    user: str
    bot_id: str
    thread_ts: str | None
    source: EventSource
    files: list[JsonDict] = field(default_factory=list)
    history: list[MessageVersion] = field(default_factory=list)


@dataclass
class ChannelRecord:
    """A channel with its top-level messages in order and replies per parent ts."""

    id: str
    name: str
    is_private: bool
    bot_is_member: bool
    members: set[str]
    created: int
    creator: str
    messages: list[MessageRecord] = field(default_factory=list)
    replies: dict[str, list[MessageRecord]] = field(default_factory=dict)
    ephemerals: list[Ephemeral] = field(default_factory=list)
    # Every message and reply by ts: chat.update in a long benchmark stays O(1).
    by_ts: dict[str, MessageRecord] = field(default_factory=dict)

    def snapshot(self) -> Channel:
        """An immutable copy for callers outside the lock."""
        return Channel(
            id=self.id,
            name=self.name,
            is_private=self.is_private,
            bot_is_member=self.bot_is_member,
            members=frozenset(self.members),
            created=self.created,
            creator=self.creator,
        )


class WorkspaceState:
    """Channels and messages of one emulated workspace, and Slack's rules about them."""

    def __init__(self, identity: BotIdentity, clock: Callable[[], float]) -> None:
        self.identity = identity
        self.clock = clock
        self.channels: dict[str, ChannelRecord] = {}
        # Models the chat:write.public scope: the bot may post to public channels
        # it has not joined. Turn off to exercise the bot's not_in_channel fallback.
        self.chat_write_public = True
        self._last_ts_micros = 0
        self._ids = itertools.count(1)

    # -- identifiers -------------------------------------------------------------

    def next_ts(self) -> str:
        """A message ts like Slack's: epoch seconds with 6 decimals, strictly increasing."""
        micros = max(self._last_ts_micros + 100, int(self.clock() * 1_000_000))
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def new_id(self, prefix: str) -> str:
        """A fresh Slack-looking id such as ``C000000007`` or ``V000000012``."""
        return f"{prefix}{next(self._ids):09d}"

    # -- channels ----------------------------------------------------------------

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_private: bool,
        bot_is_member: bool,
        members: Iterable[str],
        creator: str = "",
    ) -> ChannelRecord:
        """Create (or replace) a channel; a bot member is also listed in ``members``."""
        member_set = set(members)
        if bot_is_member:
            member_set.add(self.identity.user_id)
        record = ChannelRecord(
            id=channel_id,
            name=name,
            is_private=is_private,
            bot_is_member=bot_is_member,
            members=member_set,
            created=int(self.clock()),
            creator=creator or self.identity.user_id,
        )
        self.channels[channel_id] = record
        return record

    def channel(self, channel_id: str) -> ChannelRecord:
        """The channel, or ``channel_not_found`` as Slack answers."""
        record = self.channels.get(channel_id)
        if record is None:
            raise ApiError("channel_not_found")
        return record

    def channel_by_name(self, name: str) -> ChannelRecord | None:
        """Find a channel by its name (without ``#``)."""
        wanted = name.lstrip("#")
        return next((c for c in self.channels.values() if c.name == wanted), None)

    def require_postable(self, record: ChannelRecord) -> None:
        """Raise ``not_in_channel`` when the bot may not post here."""
        if record.bot_is_member:
            return
        if record.is_private or not self.chat_write_public:
            raise ApiError("not_in_channel")

    # -- messages ----------------------------------------------------------------

    def find(self, channel_id: str, ts: str) -> MessageRecord | None:
        """A top-level message or a reply by its ts."""
        record = self.channels.get(channel_id)
        return record.by_ts.get(ts) if record else None

    def post(
        self,
        channel_id: str,
        *,
        text: str,
        blocks: list[JsonDict] | None,
        thread_ts: str | None,
        source: EventSource,
        files: list[JsonDict] | None = None,
        check_membership: bool = True,
    ) -> tuple[MessageRecord, EmulatorEvent]:
        """Store a bot message (top-level, or a reply when ``thread_ts`` is given)."""
        record = self.channel(channel_id)
        if check_membership:
            self.require_postable(record)
        parent = record.by_ts.get(thread_ts) if thread_ts else None
        if thread_ts and (parent is None or parent.thread_ts is not None):
            # Slack threads hang off a top-level message; a reply's ts is not a parent.
            raise ApiError("thread_not_found")
        message = MessageRecord(
            channel=channel_id,
            ts=self.next_ts(),
            text=text,
            blocks=copy.deepcopy(blocks),
            user=self.identity.user_id,
            bot_id=self.identity.bot_id,
            thread_ts=thread_ts or None,
            source=source,
            files=list(files or []),
        )
        if message.thread_ts:
            record.replies.setdefault(message.thread_ts, []).append(message)
        else:
            record.messages.append(message)
        record.by_ts[message.ts] = message
        kind: EventKind = "message"
        if files:
            kind = "file"
        elif message.thread_ts:
            kind = "reply"
        return message, self.event_for(message, kind)

    def update(
        self,
        channel_id: str,
        ts: str,
        *,
        text: str | None,
        blocks: list[JsonDict] | None,
        replace_blocks: bool,
        source: EventSource,
    ) -> tuple[MessageRecord, EmulatorEvent]:
        """Edit a message, keeping the previous version in its history."""
        self.channel(channel_id)
        message = self.find(channel_id, ts)
        if message is None:
            raise ApiError("message_not_found")
        if message.user != self.identity.user_id:
            raise ApiError("cant_update_message")
        message.history.append(MessageVersion(message.text, message.blocks, self.next_ts()))
        if text is not None:
            message.text = text
        if replace_blocks:
            message.blocks = copy.deepcopy(blocks)
        return message, self.event_for(message, "update", source=source)

    def delete(self, channel_id: str, ts: str, *, source: EventSource) -> EmulatorEvent:
        """Remove a message (and, for a parent, its thread) as ``chat.delete`` does."""
        record = self.channel(channel_id)
        message = self.find(channel_id, ts)
        if message is None:
            raise ApiError("message_not_found")
        if message.thread_ts:
            record.replies[message.thread_ts].remove(message)
        else:
            record.messages.remove(message)
            for reply in record.replies.pop(ts, []):
                del record.by_ts[reply.ts]
        del record.by_ts[ts]
        return self.event_for(message, "delete", source=source)

    def post_ephemeral(
        self,
        channel_id: str,
        user: str,
        *,
        text: str,
        blocks: list[JsonDict] | None,
        thread_ts: str | None,
        source: EventSource,
    ) -> tuple[Ephemeral, EmulatorEvent]:
        """Store a message only ``user`` sees in ``channel_id``."""
        record = self.channel(channel_id)
        ephemeral = Ephemeral(
            channel=channel_id,
            user=user,
            ts=self.next_ts(),
            text=text,
            blocks=copy.deepcopy(blocks),
            thread_ts=thread_ts or None,
            source=source,
        )
        record.ephemerals.append(ephemeral)
        event = EmulatorEvent(
            kind="ephemeral",
            channel=channel_id,
            channel_name=record.name,
            ts=ephemeral.ts,
            thread_ts=ephemeral.thread_ts,
            user=user,
            text=text,
            blocks=copy.deepcopy(blocks),
            author_name=self.identity.user,
            source=source,
        )
        return ephemeral, event

    # -- snapshots ---------------------------------------------------------------

    def event_for(
        self, message: MessageRecord, kind: EventKind, *, source: EventSource | None = None
    ) -> EmulatorEvent:
        """The subscriber event for a message that just changed."""
        record = self.channels.get(message.channel)
        return EmulatorEvent(
            kind=kind,
            channel=message.channel,
            channel_name=record.name if record else message.channel,
            ts=message.ts,
            thread_ts=message.thread_ts,
            user=message.user,
            text=message.text,
            blocks=copy.deepcopy(message.blocks),
            author_name=self.identity.user,
            source=source or message.source,
            files=copy.deepcopy(message.files),
        )

    def snapshot(self, message: MessageRecord) -> Message:
        """An immutable, deep-copied view of a stored message."""
        record = self.channels.get(message.channel)
        replies = record.replies.get(message.ts, []) if record and not message.thread_ts else []
        return Message(
            channel=message.channel,
            ts=message.ts,
            text=message.text,
            blocks=copy.deepcopy(message.blocks),
            user=message.user,
            bot_id=message.bot_id,
            thread_ts=message.thread_ts,
            files=copy.deepcopy(message.files),
            history=copy.deepcopy(message.history),
            reply_count=len(replies),
            source=message.source,
        )
