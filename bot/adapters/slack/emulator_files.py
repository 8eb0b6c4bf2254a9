"""The three steps of ``WebClient.files_upload_v2``, as Slack runs them.

1. ``files.getUploadURLExternal(filename, length)`` reserves a file id and hands
   out an upload URL (here: ``<emulator>/upload/<file_id>``).
2. The SDK POSTs the raw bytes there and only checks for HTTP 200
   (``slack_sdk.web.internal_utils._upload_file_via_v2_url``); Slack answers
   ``OK - <length>``.
3. ``files.completeUploadExternal(files=[{id, title}], channel_id, ...)`` shares
   the files, which appear in the channel as one message carrying ``files``.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from dataclasses import dataclass

from bot.adapters.slack.emulator_model import JsonDict, UploadedFile
from bot.adapters.slack.emulator_params import ApiOutcome, Params
from bot.adapters.slack.emulator_state import ApiError, WorkspaceState


@dataclass
class _FileRecord:
    id: str
    name: str
    length: int
    created: int
    content: bytes | None = None
    title: str = ""
    channel: str | None = None
    thread_ts: str | None = None
    message_ts: str | None = None
    initial_comment: str | None = None

    def snapshot(self) -> UploadedFile:
        return UploadedFile(
            id=self.id,
            name=self.name,
            title=self.title,
            content=self.content,
            channel=self.channel,
            thread_ts=self.thread_ts,
            message_ts=self.message_ts,
            initial_comment=self.initial_comment,
        )


class FileRegistry:
    """Files reserved, uploaded and shared through the emulator."""

    def __init__(self, ws: WorkspaceState, base_url: Callable[[], str]) -> None:
        self.ws = ws
        self._base_url = base_url
        self._files: dict[str, _FileRecord] = {}

    def all(self) -> list[UploadedFile]:
        """Every file reserved so far, oldest first."""
        return [record.snapshot() for record in self._files.values()]

    def get_upload_url(self, p: Params) -> ApiOutcome:
        """``files.getUploadURLExternal``: reserve an id and hand out a loopback URL."""
        name = p.text("filename")
        length = p.integer("length")
        if length is None or length < 0:
            raise ApiError("invalid_arguments")
        file_id = self.ws.new_id("F")
        self._files[file_id] = _FileRecord(
            id=file_id, name=name, length=length, created=int(self.ws.clock())
        )
        return {"upload_url": f"{self._base_url()}upload/{file_id}", "file_id": file_id}, []

    def receive_upload(self, file_id: str, data: bytes) -> tuple[int, str]:
        """Step 2: the raw bytes; answers (HTTP status, body) like files.slack.com."""
        record = self._files.get(file_id)
        if record is None:
            return 404, "file_not_found"
        record.content = data
        return 200, f"OK - {len(data)}"

    def download(self, file_id: str) -> bytes | None:
        """The bytes behind ``url_private``, or None when unknown or not uploaded."""
        record = self._files.get(file_id)
        return record.content if record else None

    def _file_object(self, record: _FileRecord, channel: str | None) -> JsonDict:
        """The file object Slack returns and attaches to the message."""
        mimetype = mimetypes.guess_type(record.name)[0] or "text/plain"
        filetype = record.name.rsplit(".", 1)[-1].lower() if "." in record.name else "text"
        private_url = f"{self._base_url()}files/{record.id}/{record.name}"
        return {
            "id": record.id,
            "created": record.created,
            "timestamp": record.created,
            "name": record.name,
            "title": record.title,
            "mimetype": mimetype,
            "filetype": filetype,
            "pretty_type": filetype.upper(),
            "user": self.ws.identity.user_id,
            "user_team": self.ws.identity.team_id,
            "mode": "hosted",
            "is_external": False,
            "size": len(record.content or b""),
            "url_private": private_url,
            "url_private_download": private_url,
            "permalink": f"https://local.slack.invalid/files/{self.ws.identity.user_id}/{record.id}",
            "channels": [channel] if channel else [],
        }

    def complete(self, p: Params) -> ApiOutcome:
        """``files.completeUploadExternal``: title the files and share them in a channel."""
        items = p.json_value("files")
        if not isinstance(items, list) or not items:
            raise ApiError("invalid_arguments")
        records: list[_FileRecord] = []
        for item in items:
            record = self._files.get(str(item.get("id"))) if isinstance(item, dict) else None
            if record is None or record.content is None:
                raise ApiError("file_not_found")
            record.title = str(item.get("title") or record.name)
            records.append(record)
        channel = p.opt_text("channel_id") or next(iter(p.csv("channels")), None)
        comment = p.opt_text("initial_comment")
        thread_ts = p.opt_text("thread_ts")
        objects = [self._file_object(record, channel) for record in records]
        if channel is None:
            # Slack keeps unshared files private to the uploader; nothing becomes visible.
            return {"files": objects}, []
        message, event = self.ws.post(
            channel,
            text=comment or "",
            blocks=None,
            thread_ts=thread_ts,
            source="web_api",
            files=objects,
        )
        for record in records:
            record.channel = channel
            record.thread_ts = message.thread_ts
            record.message_ts = message.ts
            record.initial_comment = comment
        return {"files": objects}, [event]
