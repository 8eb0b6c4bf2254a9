"""A tiny programmable HTTP server on loopback: recorded kumod/tsa-daemon answers.

Each path maps to a list of replies served in turn (the last one repeats), so a
test can say "503, then 503, then the list".  Every request is recorded with its
headers and body, and the server counts how many requests are in flight at once.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    """One canned answer."""

    status: int = 200
    body: str | bytes = ""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


def json_reply(value: object, status: int = 200, *, delay: float = 0.0) -> Reply:
    """A JSON answer, as kumod sends its lists and objects."""
    return Reply(status, json.dumps(value), "application/json", delay=delay)


@dataclass
class Seen:
    """One request the server received."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a slow reply must not hold up teardown
    request_queue_size = 1024  # a park opens many connections at once

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # a client closing a kept-alive connection is not news


class FakeServer:
    """Start with ``with FakeServer() as srv:``; ``srv.url`` is its base URL."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.seen: list[Seen] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler_for(self))
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, path: str, *replies: Reply) -> None:
        """Serve ``replies`` in turn at ``path``; the last one repeats."""
        self.routes[path] = list(replies)

    def requests_to(self, path: str) -> list[Seen]:
        """What was asked of ``path``."""
        return [seen for seen in self.seen if seen.path == path]

    def __enter__(self) -> FakeServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next_reply(self, path: str) -> Reply:
        with self._lock:
            replies = self.routes.get(path)
            if not replies:
                return Reply(404, f"Error: no route {path}")
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def _enter(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1


def _handler_for(fake: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as kumod (hyper) does
        def do_GET(self) -> None:
            split = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            fake._enter(Seen("GET", split.path, parse_qs(split.query),
                             {k.lower(): v for k, v in self.headers.items()}, body))
            try:
                reply = fake._next_reply(split.path)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test): nothing to answer
            finally:
                fake._leave()

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep test output quiet

    return Handler


def refused_url() -> str:
    """A loopback URL where nothing listens: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def serve_in_subprocess(setup: str) -> tuple[subprocess.Popen[str], str]:
    """Run a FakeServer in another process (as real nodes are), set up by ``setup``.

    ``setup`` is a statement run with ``server`` bound; returns the process and its URL.
    A benchmark measured in-process would also be measuring this server's own CPU.
    """
    root = Path(__file__).resolve().parents[2]
    code = (
        f"import sys, time; sys.path.insert(0, {str(root)!r})\n"
        "from tests.kumomta.fakehttp import FakeServer\n"
        "from tests.kumomta.helpers import load_kumod, load_tsa\n"
        "with FakeServer() as server:\n"
        f"    {setup}\n"
        "    print(server.url, flush=True)\n"
        "    sys.stdin.read()\n"  # serve until the test closes our stdin
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url:
        proc.kill()
        raise RuntimeError("the fake server process did not start")
    return proc, url
