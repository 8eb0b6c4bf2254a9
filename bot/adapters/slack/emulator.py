"""A stateful loopback stand-in for Slack's Web API, for tests, the demo and benchmarks.

The bot talks to it with its real client, ``WebClient(token=..., base_url=emulator.api_url)``;
Bolt copies ``base_url`` into every per-request client, so ``say``, ``client`` and lazy
listeners all land here (BOLT-NOTES fact 1). ``respond()`` ignores ``base_url``: put
``emulator.new_response_url(channel, user)`` into the synthesized payload instead.

Example::

    with SlackEmulator() as slack:
        client = WebClient(token="xoxb-test", base_url=slack.api_url)
        client.chat_postMessage(channel="C0INCIDENT", text="hi")
        assert slack.messages("C0INCIDENT")[-1].text == "hi"
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from types import TracebackType

from bot.adapters.slack.emulator_api import WebApi
from bot.adapters.slack.emulator_events import DELIVERY_WAIT_S, EventPump, Subscriber
from bot.adapters.slack.emulator_files import FileRegistry
from bot.adapters.slack.emulator_http import ActivityMonitor, EmulatorServer
from bot.adapters.slack.emulator_model import (
    BotIdentity,
    Channel,
    Ephemeral,
    JsonDict,
    Message,
    ModalView,
    RequestRecord,
    UploadedFile,
)
from bot.adapters.slack.emulator_response_urls import ResponseUrlRegistry
from bot.adapters.slack.emulator_state import WorkspaceState
from bot.adapters.slack.emulator_views import ViewRegistry


class SlackEmulator:
    """Slack's Web API on 127.0.0.1 (port chosen by the OS), with a workspace in memory.

    ``clock`` (epoch seconds) drives message ts, trigger-id and response_url expiry;
    inject a fake one to test the 30-minute limit without sleeping. ``tokens``
    restricts the accepted tokens (default: any ``xoxb-``/``xoxp-``/``xapp-`` token).
    """

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.time,
        identity: BotIdentity | None = None,
        tokens: Iterable[str] | None = None,
        chat_write_public: bool = True,
    ) -> None:
        self.identity = identity or BotIdentity()
        self._lock = threading.Lock()
        self._ws = WorkspaceState(self.identity, clock)
        self._ws.chat_write_public = chat_write_public
        self._files = FileRegistry(self._ws, lambda: self.base_url)
        self._views = ViewRegistry(self._ws)
        self._response_urls = ResponseUrlRegistry(self._ws)
        self._api = WebApi(self._ws, views=self._views, files=self._files, tokens=tokens)
        self._events = EventPump()
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None
        self._activity = ActivityMonitor()
        self.add_channel("C0INCIDENT", "incident")
        self.add_channel("C0GENERAL", "general")

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> SlackEmulator:
        """Bind 127.0.0.1 on a free port and serve in a background thread."""
        if self._server is not None:
            return self
        self._server = EmulatorServer(("127.0.0.1", 0), self)
        self._events.start()
        # A short poll interval keeps stop() fast (tests start and stop one per test).
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="slack-emulator", daemon=True
        )
        self._thread.start()
        self._activity.reset()
        return self

    def stop(self) -> None:
        """Stop serving and deliver any events still queued."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._events.stop()
        self._server = None
        self._thread = None

    def __enter__(self) -> SlackEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:50123/``."""
        if self._server is None:
            raise RuntimeError("SlackEmulator is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def api_url(self) -> str:
        """What to pass as ``WebClient(base_url=...)``: ``<base_url>api/``."""
        return f"{self.base_url}api/"

    # -- setup and switches --------------------------------------------------------

    def add_channel(
        self,
        channel_id: str,
        name: str,
        *,
        is_private: bool = False,
        bot_is_member: bool = True,
        members: Iterable[str] = (),
    ) -> Channel:
        """Create or replace a channel (no event: it is set-up, not something Slack shows)."""
        with self._lock:
            record = self._ws.add_channel(
                channel_id,
                name,
                is_private=is_private,
                bot_is_member=bot_is_member,
                members=members,
            )
            return record.snapshot()

    def set_bot_membership(self, channel_id: str, member: bool) -> None:
        """Add the bot to, or remove it from, a channel."""
        with self._lock:
            record = self._ws.channel(channel_id)
            record.bot_is_member = member
            if member:
                record.members.add(self.identity.user_id)
            else:
                record.members.discard(self.identity.user_id)

    @property
    def chat_write_public(self) -> bool:
        """Whether the bot may post to public channels it has not joined."""
        return self._ws.chat_write_public

    @chat_write_public.setter
    def chat_write_public(self, allowed: bool) -> None:
        with self._lock:
            self._ws.chat_write_public = allowed

    def inject_rate_limit(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` answer 429 with ``Retry-After``."""
        with self._lock:
            self._api.inject_rate_limit(method, retry_after, times)

    def new_response_url(self, channel: str, user: str, *, message_ts: str | None = None) -> str:
        """A loopback response_url for ``user`` in ``channel``; ``message_ts`` names the
        message a block action came from (target of replace/delete_original)."""
        with self._lock:
            key = self._response_urls.issue(channel, user, message_ts=message_ts)
        return f"{self.base_url}response/{key}"

    def new_trigger_id(self, user: str) -> str:
        """A trigger id for ``user`` that ``views.open``/``push`` accept once, within 3 s."""
        with self._lock:
            return self._views.new_trigger_id(user)

    def close_views(self, user: str) -> None:
        """Forget ``user``'s modal stack (the modal was submitted or closed)."""
        with self._lock:
            self._views.close(user)

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` for every visible change; returns an unsubscribe function."""
        return self._events.subscribe(callback)

    # -- bookkeeping for assertions and the terminal ---------------------------------

    def messages(self, channel: str) -> list[Message]:
        """Top-level messages of ``channel``, oldest first, in their current version."""
        with self._lock:
            return [self._ws.snapshot(m) for m in self._ws.channel(channel).messages]

    def replies(self, channel: str, ts: str) -> list[Message]:
        """Replies in the thread under ``ts``, oldest first."""
        with self._lock:
            return [self._ws.snapshot(m) for m in self._ws.channel(channel).replies.get(ts, [])]

    def message(self, channel: str, ts: str) -> Message | None:
        """One message (top-level or reply) by ts, or None."""
        with self._lock:
            found = self._ws.find(channel, ts)
            return self._ws.snapshot(found) if found else None

    def ephemerals(self, channel: str, user: str | None = None) -> list[Ephemeral]:
        """Ephemeral messages in ``channel`` (only those for ``user`` if given)."""
        with self._lock:
            found = self._ws.channel(channel).ephemerals
            return [e for e in found if user is None or e.user == user]

    def channel(self, channel: str) -> Channel | None:
        """A channel by id or by name, or None."""
        with self._lock:
            record = self._ws.channels.get(channel) or self._ws.channel_by_name(channel)
            return record.snapshot() if record else None

    @property
    def channels(self) -> list[Channel]:
        """Every channel, in creation order."""
        with self._lock:
            return [c.snapshot() for c in self._ws.channels.values()]

    @property
    def files(self) -> list[UploadedFile]:
        """Every file reserved through ``files.getUploadURLExternal``."""
        with self._lock:
            return self._files.all()

    @property
    def views(self) -> list[ModalView]:
        """Every modal opened, pushed or updated (current version), oldest first."""
        with self._lock:
            return self._views.all()

    def requests(self, method: str | None = None) -> list[RequestRecord]:
        """The request log (``method`` filters, e.g. ``"chat.postMessage"``,
        ``"response_url"``, ``"file_upload"``)."""
        with self._lock:
            return [r for r in self._api.log if method is None or r.method == method]

    def wait_idle(self, quiet_for: float = 0.3, timeout: float = 30.0) -> bool:
        """Block until no request has arrived or been in flight for ``quiet_for`` seconds.

        Returns False if that did not happen within ``timeout`` seconds.
        """
        return self._activity.wait_idle(quiet_for, timeout)

    # -- Backend for the HTTP layer --------------------------------------------------

    def begin_request(self) -> None:
        """Mark a request in flight (``wait_idle``)."""
        self._activity.begin()

    def end_request(self) -> None:
        """Mark a request answered (``wait_idle``)."""
        self._activity.end()

    def handle_api(
        self, method: str, params: JsonDict, token: str | None
    ) -> tuple[int, JsonDict, dict[str, str]]:
        """Run one Web API call; answer only after subscribers saw its events."""
        with self._lock:
            answer = self._api.call(method, params, token)
            delivered = self._events.enqueue(answer.events)
        delivered.wait(DELIVERY_WAIT_S)
        return answer.status, answer.body, answer.headers

    def handle_response_url(self, key: str, body: bytes) -> tuple[int, str]:
        """A POST to a response_url."""
        with self._lock:
            status, text, events = self._response_urls.post(key, body)
            self._api.record(
                "response_url",
                {"id": key, "body": body.decode("utf-8", "replace")},
                status,
                None if status == 200 else text,
            )
            delivered = self._events.enqueue(events)
        delivered.wait(DELIVERY_WAIT_S)
        return status, text

    def handle_upload(self, file_id: str, data: bytes) -> tuple[int, str]:
        """Step 2 of ``files_upload_v2``: the raw bytes."""
        with self._lock:
            status, text = self._files.receive_upload(file_id, data)
            self._api.record(
                "file_upload",
                {"file_id": file_id, "bytes": len(data)},
                status,
                None if status == 200 else text,
            )
        return status, text

    def handle_download(self, file_id: str) -> bytes | None:
        """The bytes of an uploaded file."""
        with self._lock:
            return self._files.download(file_id)
