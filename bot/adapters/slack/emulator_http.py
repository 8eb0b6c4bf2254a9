"""HTTP plumbing of the emulator: parse what slack_sdk sends, write what Slack answers.

Routes (all on 127.0.0.1):
- ``POST /api/<method>``: the Web API. Bodies are JSON (``chat.*``, ``views.*``) or
  form-encoded (the rest); query parameters are merged in; the token comes from
  ``Authorization: Bearer`` or a ``token`` argument.
- ``POST /response/<id>``: response_url posts (JSON), answered with text.
- ``POST /upload/<file_id>``: raw file bytes (step 2 of ``files_upload_v2``).
- ``GET /files/<file_id>/<name>``: the bytes behind a file's ``url_private``.

The handler knows no Slack rules; it calls a ``Backend`` (the ``SlackEmulator``).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from bot.adapters.slack.emulator_model import JsonDict

log = logging.getLogger(__name__)


class Backend(Protocol):
    """What the HTTP layer needs from the emulator."""

    def begin_request(self) -> None:
        """A request arrived (for ``wait_idle``)."""

    def end_request(self) -> None:
        """A request was answered."""

    def handle_api(
        self, method: str, params: JsonDict, token: str | None
    ) -> tuple[int, JsonDict, dict[str, str]]:
        """A Web API call: (HTTP status, JSON body, extra headers)."""
        ...

    def handle_response_url(self, key: str, body: bytes) -> tuple[int, str]:
        """A response_url post: (HTTP status, text body)."""
        ...

    def handle_upload(self, file_id: str, data: bytes) -> tuple[int, str]:
        """Raw bytes for a reserved file: (HTTP status, text body)."""
        ...

    def handle_download(self, file_id: str) -> bytes | None:
        """A file's bytes, or None."""
        ...


class ActivityMonitor:
    """Counts requests in flight and when the last one started or ended (``wait_idle``).

    Uses real monotonic time, not the emulator's injectable clock: it measures how
    long the bot has really been quiet.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._in_flight = 0
        self._last_activity = time.monotonic()

    def reset(self) -> None:
        """Count quiet time from now (the server just started)."""
        with self._changed:
            self._last_activity = time.monotonic()

    def begin(self) -> None:
        """A request arrived."""
        with self._changed:
            self._in_flight += 1
            self._last_activity = time.monotonic()

    def end(self) -> None:
        """A request was answered."""
        with self._changed:
            self._in_flight -= 1
            self._last_activity = time.monotonic()
            self._changed.notify_all()

    def wait_idle(self, quiet_for: float, timeout: float) -> bool:
        """True once nothing was in flight for ``quiet_for`` s; False after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                now = time.monotonic()
                quiet = now - self._last_activity
                if self._in_flight == 0 and quiet >= quiet_for:
                    return True
                if now >= deadline:
                    return False
                pause = quiet_for - quiet if self._in_flight == 0 else quiet_for
                self._changed.wait(max(0.01, min(pause, deadline - now)))


class EmulatorServer(ThreadingHTTPServer):
    """A threading HTTP server that carries its backend for the handlers."""

    daemon_threads = True
    # Many short connections from urllib in benchmarks; a larger backlog avoids resets.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], backend: Backend) -> None:
        super().__init__(address, _Handler)
        self.backend = backend


def parse_api_body(content_type: str, raw: bytes) -> JsonDict | None:
    """Arguments from a JSON or form body; None when the encoding is not supported."""
    if not raw:
        return {}
    kind = content_type.split(";", 1)[0].strip().lower()
    text = raw.decode("utf-8", errors="replace")
    if kind == "application/json" or (not kind and text.lstrip().startswith("{")):
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, dict) else None
    if kind in {"", "application/x-www-form-urlencoded"}:
        return dict(parse_qsl(text, keep_blank_values=True))
    return None  # multipart: only the retired files.upload used it


def bearer_token(header: str | None) -> str | None:
    """The token from an ``Authorization: Bearer ...`` header."""
    if header and header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


class _Handler(BaseHTTPRequestHandler):
    server: EmulatorServer

    def log_message(self, format: str, *args: object) -> None:
        # http.server writes every request to stderr; the emulator keeps its own log.
        log.debug("emulator: " + format, *args)

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _send_text(self, status: int, text: str) -> None:
        self._send(status, text.encode("utf-8"), "text/plain; charset=utf-8")

    def do_POST(self) -> None:
        backend = self.server.backend
        backend.begin_request()
        try:
            self._route_post(backend)
        finally:
            backend.end_request()

    def do_GET(self) -> None:
        backend = self.server.backend
        backend.begin_request()
        try:
            path = urlsplit(self.path).path
            if path.startswith("/api/"):
                self._api(backend, path, b"")
                return
            parts = path.strip("/").split("/")
            if len(parts) >= 2 and parts[0] == "files":
                data = backend.handle_download(parts[1])
                if data is not None:
                    self._send(200, data, "application/octet-stream")
                    return
            self._send_text(404, "not_found")
        finally:
            backend.end_request()

    def _route_post(self, backend: Backend) -> None:
        path = urlsplit(self.path).path
        body = self._read_body()
        if path.startswith("/api/"):
            self._api(backend, path, body)
        elif path.startswith("/response/"):
            status, text = backend.handle_response_url(path[len("/response/") :], body)
            self._send_text(status, text)
        elif path.startswith("/upload/"):
            status, text = backend.handle_upload(path[len("/upload/") :], body)
            self._send_text(status, text)
        else:
            self._send_text(404, "not_found")

    def _api(self, backend: Backend, path: str, body: bytes) -> None:
        method = unquote(path[len("/api/") :]).strip("/")
        params = parse_api_body(self.headers.get("Content-Type", ""), body)
        headers: dict[str, str] = {}
        if params is None:
            status, answer = 200, {"ok": False, "error": "invalid_form_data"}
        else:
            query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
            merged: JsonDict = {**query, **params}
            token = bearer_token(self.headers.get("Authorization"))
            form_token = merged.pop("token", None)
            token = token or (str(form_token) if form_token else None)
            status, answer, headers = backend.handle_api(method, merged, token)
        self._send(
            status,
            json.dumps(answer).encode("utf-8"),
            "application/json; charset=utf-8",
            headers,
        )
