"""``watch`` serving the shaping overrides on ``KUMO_OVERRIDES_LISTEN`` (host:port).

A small threaded HTTP server with one GET route; kumod (or anything) fetches the
file from it.  Everything else is a 404.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger(__name__)

Route = Callable[[], tuple[str, bytes]]


def start_overrides_server(listen: str, routes: dict[str, Route]) -> ThreadingHTTPServer:
    """Serve ``routes`` on ``listen`` (``host:port``) from a daemon thread."""
    host, _, port = listen.rpartition(":")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = routes.get(self.path.split("?", 1)[0])
            if route is None:
                self.send_error(404)
                return
            content_type, body = route()
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            log.debug("overrides: " + format, *args)

    server = ThreadingHTTPServer((host or "127.0.0.1", int(port)), Handler)
    threading.Thread(target=server.serve_forever, name="kumo-overrides", daemon=True).start()
    log.info("watch: serving the shaping overrides on %s", listen)
    return server
