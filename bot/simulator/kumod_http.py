"""The HTTP routes of a simulated kumod (REFERENCE §1 and §10.1).

GET ignores any body (kcli sends `null`); unknown paths are 404 and a known
path with the wrong method is 405, both with an empty body as axum answers;
handler errors are text/plain `Error: ...`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from bot.simulator import admin, views
from bot.simulator.admin import ApiError
from bot.simulator.httpbase import HttpReply, Request, Route
from bot.simulator.node import NodeState

OPENAPI_DIR = Path(__file__).parent / "openapi"


class ParkAccess(Protocol):
    """What the routes need from the park: its lock, its catch-up and its nodes."""

    lock: threading.RLock

    def sync(self) -> int: ...

    def node(self, name: str) -> NodeState: ...

    def xfer_deliver(self, source: str, target: str, queue: str, count: int,
                     now_ns: int) -> bool: ...


Handler = Callable[[Request, NodeState, int], HttpReply]


def openapi(process: str) -> HttpReply:
    """The OpenAPI document shipped with KumoMTA (copied unchanged into `openapi/`)."""
    document = (OPENAPI_DIR / f"{process}.openapi.json").read_bytes()
    return HttpReply(200, document, "application/json")


def kumod_route(park: ParkAccess, name: str) -> Route:
    """The request router of node `name`."""
    metrics_cache: dict[str, tuple[int, bytes]] = {}

    def metrics(req: Request, node: NodeState, now: int) -> HttpReply:
        prefix = req.param("prefix") or ""
        cached = metrics_cache.get(prefix)
        if cached is None or cached[0] != node.version:
            cached = metrics_cache[prefix] = (
                node.version, views.collect_metrics(node).text(prefix).encode())
        return HttpReply(200, cached[1], "text/plain; version=0.0.4")

    def xfer(req: Request, node: NodeState, now: int) -> HttpReply:
        def deliver(target: str, queue: str, count: int, when: int) -> bool:
            return park.xfer_deliver(node.name, target, queue, count, when)
        return HttpReply.json(admin.xfer(node, req.json(), now, deliver))

    table: dict[str, dict[str, Handler]] = dict(_TABLE)
    table["/metrics"] = {"GET": metrics}
    table["/api/admin/xfer/v1"] = {"POST": xfer}

    def route(req: Request) -> HttpReply:
        methods = table.get(req.path)
        if methods is None:
            return HttpReply(404)
        handler = methods.get(req.method)
        if handler is None:
            return HttpReply(405)
        with park.lock:
            now = park.sync()
            return handler(req, park.node(name), now)

    return route


def _liveness(req: Request, node: NodeState, now: int) -> HttpReply:
    status, text = views.liveness(node)
    return HttpReply.text(text, status)


def _lists(kind: str) -> dict[str, Handler]:
    def listing(req: Request, node: NodeState, now: int) -> HttpReply:
        node.holds.prune(now)
        entries: list[object]
        if kind == "bounce":
            entries = [b.listing(now) for b in node.holds.bounces]
        elif kind == "suspend":
            entries = [s.listing(now) for s in node.holds.suspends]
        else:
            entries = [r.listing(now) for r in node.holds.ready.values()]
        return HttpReply.json(entries)

    def create(req: Request, node: NodeState, now: int) -> HttpReply:
        creators = {"bounce": admin.bounce, "suspend": admin.suspend,
                    "suspend-ready-q": admin.suspend_ready}
        return HttpReply.json(creators[kind](node, req.json(), now))

    def delete(req: Request, node: NodeState, now: int) -> HttpReply:
        node.holds.prune(now)
        return HttpReply.text(admin.cancel(node, kind, req.json()))

    return {"GET": listing, "POST": create, "DELETE": delete}


def _ready_q_states(req: Request, node: NodeState, now: int) -> HttpReply:
    skip = {q for value in req.query.get("queues", []) for q in value.split(",") if q}
    return HttpReply.json(views.ready_q_states(node, skip))


def _inspect_sched_q(req: Request, node: NodeState, now: int) -> HttpReply:
    name = req.param("queue_name")
    if name is None:
        raise ApiError(400, "Failed to deserialize query string: missing field `queue_name`")
    limit_text = req.param("limit")
    if limit_text is not None and not limit_text.isdigit():
        raise ApiError(400, "Failed to deserialize query string: limit: invalid digit found "
                            "in string")
    found = views.inspect_sched_q(node, name, int(limit_text) if limit_text else None,
                                  req.param("want_body") == "true", now)
    if found is None:
        raise ApiError(404, f"Error: no such queue {name}")
    for entry in found["messages"]:
        message = entry["message"]
        node.remember(entry["id"], message["sender"], message["recipient"], name)
    return HttpReply.json(found)


def _inspect_message(req: Request, node: NodeState, now: int) -> HttpReply:
    msg_id = req.param("id")
    if msg_id is None:
        raise ApiError(400, "Failed to deserialize query string: missing field `id`")
    known = node.known.get(msg_id)
    if known is None:
        raise ApiError(500, f"Error: failed to load {msg_id}: message not found in spool")
    data = "Subject: hello\r\n\r\nHello\r\n" if req.param("want_body") == "true" else None
    meta = {"queue": known["queue"], "received_from": "10.0.0.20:51234",
            "received_via": "0.0.0.0:25", "reception_protocol": "ESMTP", "hostname": node.name}
    return HttpReply.json({"id": msg_id, "message": {"sender": known["sender"],
                                                 "recipient": known["recipient"],
                                                 "meta": meta, "data": data}})


def _post(action: Callable[[NodeState, object, int], object]) -> dict[str, Handler]:
    def handler(req: Request, node: NodeState, now: int) -> HttpReply:
        return HttpReply.json(action(node, req.json(), now))
    return {"POST": handler}


def _empty_ok(req: Request, node: NodeState, now: int) -> HttpReply:
    return HttpReply(200)


def _set_filter(req: Request, node: NodeState, now: int) -> HttpReply:
    admin.set_log_filter(node, req.json())
    return HttpReply(200)


_TABLE: dict[str, dict[str, Handler]] = {
    "/api/check-liveness/v1": {"GET": _liveness},
    "/api/machine-info": {"GET": lambda r, n, t: HttpReply.json(views.machine_info(n))},
    "/metrics.json": {"GET": lambda r, n, t: HttpReply.json(views.collect_metrics(n).json())},
    "/api/admin/memory/stats": {"GET": lambda r, n, t: HttpReply.text(views.memory_stats(n))},
    "/api/admin/bump-config-epoch": {"POST": _empty_ok},
    "/api/admin/set_diagnostic_log_filter/v1": {"POST": _set_filter},
    "/api/admin/bounce/v1": _lists("bounce"),
    "/api/admin/suspend/v1": _lists("suspend"),
    "/api/admin/suspend-ready-q/v1": _lists("suspend-ready-q"),
    "/api/admin/rebind/v1": _post(admin.rebind),
    "/api/admin/xfer/cancel/v1": _post(admin.xfer_cancel),
    "/api/admin/ready-q-states/v1": {"GET": _ready_q_states},
    "/api/admin/inspect-sched-q/v1": {"GET": _inspect_sched_q},
    "/api/admin/inspect-message/v1": {"GET": _inspect_message},
    "/api-docs/openapi.json": {"GET": lambda r, n, t: openapi("kumod")},
}
