"""HTTP mode: ``POST /slack/events`` and ``GET /healthz`` under gunicorn (threads).

Bolt's WSGI handler verifies the signature and acks within Slack's 3 seconds;
the answer itself is computed on the bot's worker pool.  Each gunicorn thread
blocks only until the ack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.adapters.slack.app import SlackBot

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def build_wsgi_app(bot: SlackBot, *, extra_routes: dict[str, Callable[[], tuple[str, bytes]]]
                   | None = None) -> WsgiApp:
    """The web process: Slack events, a health check, and any extra GET routes."""
    slack = SlackRequestHandler(bot.app, path="/slack/events")
    routes = dict(extra_routes or {})

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        if path == "/healthz" and method in ("GET", "HEAD"):
            start_response("200 OK", [("Content-Type", "text/plain; charset=utf-8")])
            return [b"ok\n"]
        if path in routes and method == "GET":
            content_type, body = routes[path]()
            start_response("200 OK", [("Content-Type", content_type)])
            return [body]
        return slack(environ, start_response)

    return app


class _Gunicorn(BaseApplication):  # type: ignore[misc]  # gunicorn ships no type hints
    """gunicorn driven from code, so ``kumo-bot web`` is one command."""

    def __init__(self, app: WsgiApp, options: dict[str, Any]) -> None:
        self._app = app
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        return self._app


def serve(app: WsgiApp, *, port: int, host: str = "0.0.0.0", threads: int = 16,  # noqa: S104  # a web process listens on every interface
          on_worker_start: Callable[[], object] | None = None) -> None:
    """Run ``app`` under gunicorn: one worker, several threads (Bolt's own advice);
    ``on_worker_start`` runs in the worker once it is up (threads do not cross a fork)."""
    hooks: dict[str, Any] = {}
    if on_worker_start is not None:
        hooks["post_worker_init"] = lambda worker: on_worker_start()
    _Gunicorn(
        app,
        {
            **hooks,
            "bind": f"{host}:{port}",
            "workers": 1,
            "worker_class": "gthread",
            "threads": threads,
            "timeout": 0,
            "accesslog": "-",
            "loglevel": "info",
        },
    ).run()
