"""Loopback HTTP listeners with failure knobs, shared by kumod and tsa-daemon.

Each listener is a stdlib `ThreadingHTTPServer` on 127.0.0.1 (port 0 picks a
free port) with daemon threads. Knobs: `latency` delays every answer,
`fail_status` answers everything with that status and `Error: simulated
failure`, `down` closes the listening socket (and open keep-alive
connections) so that clients get "connection refused"; clearing it binds the
same port again.
"""

from __future__ import annotations

import contextlib
import email.utils
import gzip
import logging
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson

from bot.simulator.admin import ApiError
from bot.simulator.auth import SimAuth
from bot.simulator.websocket import ServerSocket, accept_key

_log = logging.getLogger(__name__)
JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain; charset=utf-8"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else None

    def json(self) -> Any:
        """The JSON body of a POST/DELETE, rejected the way axum's `Json` extractor does."""
        if not self.headers.get("content-type", "").startswith(JSON_TYPE):
            raise ApiError(415, "Expected request with `Content-Type: application/json`")
        try:
            return orjson.loads(self.body)
        except orjson.JSONDecodeError as err:
            raise ApiError(400, f"Failed to parse the request body as JSON: {err}") from err


@dataclass
class HttpReply:
    status: int = 200
    body: bytes = b""
    content_type: str = TEXT_TYPE

    @classmethod
    def json(cls, value: Any, status: int = 200) -> HttpReply:
        return cls(status, orjson.dumps(value), JSON_TYPE)

    @classmethod
    def text(cls, text: str, status: int = 200) -> HttpReply:
        return cls(status, text.encode(), TEXT_TYPE)


Route = Callable[[Request], HttpReply]
SocketRoute = Callable[[ServerSocket], None]


@dataclass
class Knobs:
    """Failure injection for one listener: `park.knobs("mta2").down = True`."""

    latency: float = 0.0
    fail_status: int | None = None
    _down: bool = False
    _on_down: Callable[[bool], None] = field(default=lambda _: None, repr=False)

    @property
    def down(self) -> bool:
        return self._down

    @down.setter
    def down(self, value: bool) -> None:
        if value != self._down:
            self._down = value
            self._on_down(value)


class SimServer:
    """One simulated HTTP listener."""

    def __init__(self, name: str, route: Route, auth: SimAuth | None,
                 sockets: dict[str, SocketRoute] | None = None,
                 now: Callable[[], float] | None = None) -> None:
        self.name = name
        # Epoch seconds for the HTTP Date header: the simulated clock, as a real
        # kumod's Date follows its host clock (the bot checks clock skew with it).
        self.now = now or time.time
        self.route = route
        self.auth = auth
        self.sockets = sockets or {}
        self.knobs = Knobs(_on_down=self._set_down)
        self.port = 0
        self._httpd: _Httpd | None = None
        self._lock = threading.Lock()
        self._bind()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        with self._lock:
            httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.close_all()

    def _bind(self) -> None:
        httpd = _Httpd(("127.0.0.1", self.port), _Handler, self)
        self.port = httpd.server_address[1]
        self._httpd = httpd
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         name=f"sim-{self.name}", daemon=True).start()

    def _set_down(self, down: bool) -> None:
        with self._lock:
            if down and self._httpd is not None:
                self._httpd.close_all()
                self._httpd = None
            elif not down and self._httpd is None:
                self._bind()


class _Httpd(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler],
                 sim: SimServer) -> None:
        self.sim = sim
        self.open: set[socket.socket] = set()
        super().__init__(address, handler)

    def close_all(self) -> None:
        self.shutdown()
        self.server_close()
        for conn in list(self.open):
            with contextlib.suppress(OSError):  # already closed by the peer
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Httpd

    def setup(self) -> None:
        super().setup()
        self.server.open.add(self.connection)

    def finish(self) -> None:
        self.server.open.discard(self.connection)
        super().finish()

    def date_time_string(self, timestamp: float | None = None) -> str:
        return email.utils.formatdate(self.server.sim.now() if timestamp is None else timestamp,
                                      usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: a test run should not print a line per request."""

    def do_GET(self) -> None:
        self._handle()

    do_POST = do_DELETE = do_PUT = do_PATCH = do_HEAD = do_GET

    def _handle(self) -> None:
        sim = self.server.sim
        parsed = urllib.parse.urlsplit(self.path)
        request = Request(self.command, parsed.path, urllib.parse.parse_qs(parsed.query),
                          {k.lower(): v for k, v in self.headers.items()}, self._body())
        if sim.knobs.latency > 0:
            time.sleep(sim.knobs.latency)
        if sim.knobs.fail_status is not None:
            self._send(HttpReply.text("Error: simulated failure", sim.knobs.fail_status))
            return
        if sim.auth is not None:
            refusal = sim.auth.check(request.method, request.path,
                                     self.headers.get("Authorization"), self.client_address[0],
                                     f"127.0.0.1:{sim.port}")
            if refusal is not None:
                self._send(HttpReply.text(refusal[1], refusal[0]))
                return
        upgrade = self.headers.get("Upgrade", "").lower() == "websocket"
        if upgrade and request.path in sim.sockets:
            self._websocket(sim.sockets[request.path])
            return
        try:
            reply = sim.route(request)
        except ApiError as err:
            reply = HttpReply.text(err.text, err.status)
        except Exception as err:  # noqa: BLE001 - kumod answers unexpected errors with a 500
            _log.exception("simulated %s failed on %s %s", sim.name, request.method, request.path)
            reply = HttpReply.text(f"Error: {err}", 500)
        self._send(reply, gzip_ok="gzip" in request.headers.get("accept-encoding", ""))

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self._chunked()
        if self.headers.get("Content-Encoding", "").lower() == "gzip":
            body = gzip.decompress(body)
        return body

    def _chunked(self) -> bytes:
        body = b""
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return body
            body += self.rfile.read(size)
            self.rfile.readline()

    def _send(self, reply: HttpReply, *, gzip_ok: bool = False) -> None:
        body = reply.body
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        if gzip_ok and len(body) > 1024:
            body = gzip.compress(body, compresslevel=5)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _websocket(self, serve: SocketRoute) -> None:
        key = self.headers.get("Sec-WebSocket-Key", "")
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept_key(key))
        self.end_headers()
        self.wfile.flush()
        ws = ServerSocket(self.connection)
        try:
            serve(ws)
        finally:
            ws.close()
            self.close_connection = True
