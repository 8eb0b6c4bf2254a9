"""The HTTP routes and websocket streams of the simulated tsa-daemon (REFERENCE §5.2).

The event streams are served on the same port as the REST endpoints, as the
real daemon does: `ws://127.0.0.1:<port>/subscribe_event_v1` sends the
snapshot of active items, then each new item live, as externally tagged JSON
text frames. The legacy `/subscribe_suspension_v1` sends `{"ReadyQ": ...}` and
`{"SchedQ": ...}` frames and no bounces.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any, Protocol

import orjson

from bot.simulator.admin import ApiError
from bot.simulator.httpbase import HttpReply, Request, Route, SocketRoute
from bot.simulator.kumod_http import openapi
from bot.simulator.metrics import Registry
from bot.simulator.tsa import Event, TsaState
from bot.simulator.views import VERSION
from bot.simulator.websocket import ServerSocket
from bot.simulator.wire import rfc3339

_LEGACY = {"ReadyQSuspension": "ReadyQ", "SchedQSuspension": "SchedQ"}


class TsaAccess(Protocol):
    lock: threading.RLock
    tsa: TsaState
    online_since_ns: int
    stopping: threading.Event

    def sync(self) -> int: ...


def tsa_route(park: TsaAccess) -> Route:
    """The request router of the park's tsa-daemon."""

    def route(req: Request) -> HttpReply:
        if req.path == "/api-docs/openapi.json" and req.method == "GET":
            return openapi("tsa-daemon")
        handlers: dict[tuple[str, str], Callable[[Request, int], HttpReply]] = {
            ("GET", "/get_suspension_v1/suspended.json"):
                lambda r, now: HttpReply.json(park.tsa.suspended_json(now)),
            ("GET", "/get_bounce_v1/bounced.json"):
                lambda r, now: HttpReply.json(park.tsa.bounced_json(now)),
            ("GET", "/get_config_v1/shaping.toml"):
                lambda r, now: HttpReply.text(park.tsa.config_toml(now)),
            ("GET", "/tsa/status"): lambda r, now: HttpReply.text("TSA Daemon OK"),
            ("POST", "/publish_log_v1"): publish,
            ("GET", "/api/machine-info"): lambda r, now: HttpReply.json(machine_info(park)),
            ("GET", "/metrics"): lambda r, now: HttpReply.text(_registry(park).text()),
            ("GET", "/metrics.json"): lambda r, now: HttpReply.json(_registry(park).json()),
        }
        handler = handlers.get((req.method, req.path))
        if handler is None:
            known = {path for _, path in handlers}
            return HttpReply(405 if req.path in known else 404)
        with park.lock:
            return handler(req, park.sync())

    def publish(req: Request, now: int) -> HttpReply:
        record = req.json()
        if not isinstance(record, dict) or not isinstance(record.get("response"), dict):
            raise ApiError(422, "Failed to deserialize the JSON body into the target type: "
                                "missing field `response`")
        park.tsa.publish(record, now)
        return HttpReply(200)

    return route


def tsa_sockets(park: TsaAccess) -> dict[str, SocketRoute]:
    """The two websocket streams, keyed by path."""
    return {"/subscribe_event_v1": lambda ws: _stream(park, ws, legacy=False),
            "/subscribe_suspension_v1": lambda ws: _stream(park, ws, legacy=True)}


def _stream(park: TsaAccess, ws: ServerSocket, *, legacy: bool) -> None:
    pending: queue.Queue[Event] = queue.Queue()
    with park.lock:
        snapshot = park.tsa.snapshot(park.sync())
        park.tsa.subscribe(pending.put)
    try:
        for event in snapshot:
            _send(ws, event, legacy)
        while not ws.closed and not park.stopping.is_set():
            try:
                _send(ws, pending.get(timeout=0.1), legacy)
            except queue.Empty:
                ws.poll(0)
    except OSError:
        pass  # the subscriber went away
    finally:
        with park.lock:
            park.tsa.unsubscribe(pending.put)


def _send(ws: ServerSocket, event: Event, legacy: bool) -> None:
    kind, body = event
    if legacy:
        if kind not in _LEGACY:
            return
        kind = _LEGACY[kind]
    ws.send_text(orjson.dumps({kind: body}).decode())


def machine_info(park: TsaAccess) -> dict[str, Any]:
    return {
        "node_id": "5d0e3c1a-6f5b-4b8e-9d7a-7a3f0c2b9e11", "hostname": "tsa.example.net",
        "mac_address": "02:00:00:00:00:fe", "num_cores": 4, "kernel_version": "6.8.0-1016-aws",
        "platform": "linux/x86_64", "distribution": "ubuntu", "os_version": "Linux (Ubuntu 24.04)",
        "total_memory_bytes": 8 * 1024**3, "container_runtime": None,
        "cpu_brand": "Intel(R) Xeon(R) CPU E5-2686 v4 @ 2.30GHz",
        "fingerprint": "machine_uid=5d0e3c1a6f5b4b8e9d7a7a3f0c2b9e11",
        "online_since": rfc3339(park.online_since_ns), "process_kind": "tsa-daemon",
        "version": VERSION,
    }


def _registry(park: TsaAccess) -> Registry:
    reg = Registry()
    for name, value in (("memory_usage", 210_000_000), ("memory_limit", 6 * 1024**3 * 3 // 4),
                        ("lua_count", 1)):
        reg.family(name, "gauge", kumo=False).add(value)
    return reg
