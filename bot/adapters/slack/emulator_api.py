"""The emulated Web API's front desk: method table, tokens, injected 429s, request log.

The caller (``SlackEmulator``) holds its lock around every call here. Slack answers
API errors with HTTP 200 and ``{"ok": false, "error": ...}``, unknown methods
included; only rate limiting changes the status (429 with ``Retry-After``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from functools import partial

from bot.adapters.slack import emulator_chat as chat
from bot.adapters.slack.emulator_files import FileRegistry
from bot.adapters.slack.emulator_model import EmulatorEvent, JsonDict, RequestRecord
from bot.adapters.slack.emulator_params import ApiOutcome, Params
from bot.adapters.slack.emulator_state import ApiError, WorkspaceState
from bot.adapters.slack.emulator_views import ViewRegistry

ApiMethod = Callable[[Params], ApiOutcome]
TOKEN_PREFIXES = ("xoxb-", "xoxp-", "xapp-")
SCOPES = "chat:write,chat:write.public,commands,channels:manage,groups:write,files:write"


class ApiAnswer:
    """One answered call: HTTP status, JSON body, extra headers, visible changes."""

    __slots__ = ("body", "events", "headers", "status")

    def __init__(
        self, status: int, body: JsonDict, headers: dict[str, str], events: list[EmulatorEvent]
    ) -> None:
        self.status = status
        self.body = body
        self.headers = headers
        self.events = events


class WebApi:
    """Routes ``/api/<method>`` calls to their implementations."""

    def __init__(
        self,
        ws: WorkspaceState,
        *,
        views: ViewRegistry,
        files: FileRegistry,
        tokens: Iterable[str] | None,
    ) -> None:
        self.ws = ws
        self.log: list[RequestRecord] = []
        self._tokens = frozenset(tokens) if tokens is not None else None
        self._rate_limits: dict[str, deque[int]] = {}
        self._methods: dict[str, ApiMethod] = {
            "auth.test": partial(chat.auth_test, ws),
            "apps.connections.open": partial(chat.apps_connections_open, ws),
            "chat.postMessage": partial(chat.chat_post_message, ws),
            "chat.update": partial(chat.chat_update, ws),
            "chat.delete": partial(chat.chat_delete, ws),
            "chat.postEphemeral": partial(chat.chat_post_ephemeral, ws),
            "chat.getPermalink": partial(chat.chat_get_permalink, ws),
            "conversations.create": partial(chat.conversations_create, ws),
            "conversations.invite": partial(chat.conversations_invite, ws),
            "conversations.info": partial(chat.conversations_info, ws),
            "conversations.join": partial(chat.conversations_join, ws),
            "conversations.list": partial(chat.conversations_list, ws),
            "conversations.history": partial(chat.conversations_history, ws),
            "conversations.replies": partial(chat.conversations_replies, ws),
            "views.open": views.open,
            "views.push": views.push,
            "views.update": views.update,
            "files.getUploadURLExternal": files.get_upload_url,
            "files.completeUploadExternal": files.complete,
        }

    @property
    def methods(self) -> list[str]:
        """The Web API methods the emulator implements."""
        return sorted(self._methods)

    def inject_rate_limit(self, method: str, retry_after: int, times: int) -> None:
        """Queue ``times`` 429 answers for ``method``."""
        self._rate_limits.setdefault(method, deque()).extend([retry_after] * times)

    def record(self, method: str, params: JsonDict, status: int, error: str | None) -> None:
        """Append to the request log."""
        now = self.ws.clock()
        self.log.append(RequestRecord(method, params, now, status, error is None, error))

    def call(self, method: str, params: JsonDict, token: str | None) -> ApiAnswer:
        """Answer one call and log it."""
        pending = self._rate_limits.get(method)
        if pending:
            retry_after = pending.popleft()
            self.record(method, params, 429, "ratelimited")
            body: JsonDict = {"ok": False, "error": "ratelimited"}
            return ApiAnswer(429, body, {"Retry-After": str(retry_after)}, [])
        body, events = self._dispatch(method, params, token)
        self.record(method, params, 200, None if body["ok"] else str(body["error"]))
        return ApiAnswer(200, body, {"x-oauth-scopes": SCOPES}, events)

    def _dispatch(
        self, method: str, params: JsonDict, token: str | None
    ) -> tuple[JsonDict, list[EmulatorEvent]]:
        """Unknown method, then auth, then the method; ``ApiError`` becomes ``ok: false``."""
        implementation = self._methods.get(method)
        if implementation is None:
            return {"ok": False, "error": "unknown_method", "req_method": method}, []
        if token is None:
            return {"ok": False, "error": "not_authed"}, []
        if self._tokens is not None:
            valid = token in self._tokens
        else:
            valid = token.startswith(TOKEN_PREFIXES)
        if not valid:
            return {"ok": False, "error": "invalid_auth"}, []
        try:
            body, events = implementation(Params(params))
        except ApiError as exc:
            return {"ok": False, "error": exc.error, **exc.extra}, []
        return {"ok": True, **body}, events
