"""The state-changing admin API of a simulated kumod (REFERENCE §1.1-§1.11).

Each function validates a request body the way serde would (unknown fields
rejected only for bounces, §0.2), applies the change to the node and returns
the JSON or text kumod answers with. Request errors are `ApiError`s carrying
axum's status and wording.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.simulator.holds import Criteria
from bot.simulator.node import XFER_SUFFIX, NodeState
from bot.simulator.queues import ScheduledQueue
from bot.simulator.records import Delivery, Reply
from bot.simulator.tsa import parse_queue
from bot.simulator.wire import NS_PER_MIN, WireError, parse_duration, parse_rfc3339

DEFAULT_DURATION_NS = 5 * NS_PER_MIN
_DESER = "Failed to deserialize the JSON body into the target type"
BOUNCE_FIELDS = ("campaign", "tenant", "domain", "routing_domain", "reason", "duration",
                 "expires", "suppress_logging", "queue_names")


class ApiError(Exception):
    """An HTTP error with kumod's status and body text."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status
        self.text = text


def fields(body: object, struct: str, required: tuple[str, ...],
           known: tuple[str, ...] | None = None) -> dict[str, Any]:
    """serde-style checks: an object, required fields present, unknown ones refused if `known`."""
    if not isinstance(body, dict):
        raise ApiError(422, f"{_DESER}: invalid type: {_kind(body)}, expected struct {struct}")
    if known is not None:
        for key in body:
            if key not in known:
                expected = ", ".join(f"`{k}`" for k in known)
                raise ApiError(422, f"{_DESER}: unknown field `{key}`, expected one of {expected}")
    for key in required:
        if key not in body:
            raise ApiError(422, f"{_DESER}: missing field `{key}`")
    return body


def _kind(value: object) -> str:
    return {type(None): "null", bool: "boolean", int: "integer", float: "floating point",
            str: "string", list: "sequence"}.get(type(value), "map")


def _str(body: dict[str, Any], key: str, *, optional: bool = True) -> str | None:
    value = body.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ApiError(422, f"{_DESER}: {key}: invalid type: {_kind(value)}, expected a string")
    return value


def _names(body: dict[str, Any], key: str) -> tuple[str, ...]:
    value = body.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ApiError(422, f"{_DESER}: {key}: invalid type, expected a sequence of strings")
    return tuple(value)


def _expiry(body: dict[str, Any], now_ns: int) -> int:
    try:
        if body.get("expires") is not None:
            return max(parse_rfc3339(str(body["expires"])), now_ns)  # in the past means 0
        if body.get("duration") is not None:
            return now_ns + parse_duration(body["duration"])
    except WireError as err:
        raise ApiError(422, f"{_DESER}: {err}") from err
    return now_ns + DEFAULT_DURATION_NS


def _criteria(body: dict[str, Any]) -> Criteria:
    return Criteria(_str(body, "campaign"), _str(body, "tenant"), _str(body, "domain"),
                    _str(body, "routing_domain"), _names(body, "queue_names"))


def _uuid(body: object, struct: str) -> str:
    entry_id = _str(fields(body, struct, ("id",)), "id", optional=False) or ""
    parts = entry_id.split("-")
    if [len(p) for p in parts] != [8, 4, 4, 4, 12] or not all(
            c in "0123456789abcdefABCDEF" for c in "".join(parts)):
        raise ApiError(422, f"{_DESER}: id: UUID parsing failed: invalid character")
    return entry_id.lower()


def bounce(node: NodeState, body: object, now_ns: int) -> dict[str, Any]:
    """POST /api/admin/bounce/v1: register the rule and sweep matching queues now."""
    req = fields(body, "BounceV1Request", ("reason",), BOUNCE_FIELDS)
    reason = _str(req, "reason", optional=False) or ""
    entry = node.holds.add_bounce(_criteria(req), reason, _expiry(req, now_ns),
                                  bool(req.get("suppress_logging", False)))
    if entry.expires_ns > now_ns:
        for rq in node.ready.values():
            for queue, batch, n in rq.take_matching(entry.criteria.matches):
                node.promote(node.scheduled[queue], batch, n, now_ns)
        for sq in list(node.scheduled.values()):
            if entry.criteria.matches(sq.name):
                for batch, n in sq.take_all():
                    node.promote(sq, batch, n, now_ns)
        node.flush()
    return {"id": entry.id, "bounced": {}, "total_bounced": 0}


def suspend(node: NodeState, body: object, now_ns: int) -> dict[str, Any]:
    """POST /api/admin/suspend/v1 (no routing_domain; unknown fields ignored)."""
    req = fields(body, "SuspendV1Request", ("reason",))
    criteria = Criteria(_str(req, "campaign"), _str(req, "tenant"), _str(req, "domain"),
                        None, _names(req, "queue_names"))
    entry = node.holds.add_suspend(criteria, _str(req, "reason", optional=False) or "",
                                   _expiry(req, now_ns))
    return {"id": entry.id}


def suspend_ready(node: NodeState, body: object, now_ns: int) -> dict[str, Any]:
    """POST /api/admin/suspend-ready-q/v1: any name is accepted; the path drains at once."""
    req = fields(body, "SuspendReadyQueueV1Request", ("name", "reason"))
    name = _str(req, "name", optional=False) or ""
    entry = node.holds.add_ready(name, _str(req, "reason", optional=False) or "",
                                 _expiry(req, now_ns))
    node.drain_ready(name)
    return {"id": entry.id}


def cancel(node: NodeState, kind: str, body: object) -> str:
    """DELETE on the three lists: `removed <id>`, or 404 `<kind> entry <id> not found`."""
    struct = "SuspendV1CancelRequest" if kind != "bounce" else "BounceV1CancelRequest"
    entry_id = _uuid(body, struct)
    removers: dict[str, Callable[[str], bool]] = {
        "bounce": node.holds.cancel_bounce, "suspend": node.holds.cancel_suspend,
        "suspend-ready-q": node.holds.cancel_ready,
    }
    if not removers[kind](entry_id):
        raise ApiError(404, f"{kind} entry {entry_id} not found")
    return f"removed {entry_id}"


def rebind(node: NodeState, body: object, now_ns: int) -> dict[str, Any]:
    """POST /api/admin/rebind/v1: set meta on matching messages; a new queue means due now."""
    req = fields(body, "RebindV1Request", ("reason", "data"))
    data = req["data"]
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ApiError(422, f"{_DESER}: data: invalid type, expected a map of strings")
    criteria = Criteria(_str(req, "campaign"), _str(req, "tenant"), _str(req, "domain"),
                        _str(req, "routing_domain"))
    reason = _str(req, "reason", optional=False) or ""
    for sq in [q for q in node.scheduled.values() if criteria.matches(q.name)]:
        target = data.get("queue") or _requeue_name(sq.name, data)
        if target == sq.name:
            if req.get("always_flush"):
                for batch, n in sq.take_all():
                    sq.add(node.minute, batch, n)
            continue
        _move(node, sq, target, reason, now_ns, log=not req.get("suppress_logging"))
    node.flush()
    return {}


def xfer(node: NodeState, body: object, now_ns: int,
         deliver: Callable[[str, str, int, int], bool]) -> dict[str, Any]:
    """POST /api/admin/xfer/v1: rebind into `<target>/.xfer.kumomta.internal` and hand over.

    `deliver(target, queue, count, now)` moves mail to another node of the park
    and says whether the target took it; mail for an unknown target stays in
    the xfer queue.
    """
    req = fields(body, "XferV1Request", ("reason", "target"))
    target = _str(req, "target", optional=False) or ""
    xfer_queue = target.rstrip("/") + "/" + XFER_SUFFIX
    criteria = _criteria(req)
    reason = _str(req, "reason", optional=False) or ""
    for sq in [q for q in node.scheduled.values()
               if criteria.matches(q.name) and not q.name.endswith(XFER_SUFFIX)]:
        batches = [(b, n) for due in sq.buckets.values() for b, n in due.items()]
        moved = _move(node, sq, xfer_queue, reason, now_ns, log=True, keep_origin=True)
        if batches and deliver(target, sq.name, sum(n for _, n in batches), now_ns):
            moved.take_all()
            node.xfer_origin.pop(xfer_queue, None)
            for batch, n in batches:
                for _ in range(n):
                    node.record("XferOut", sq, batch[0], batch[1],
                                Reply(250, None, f"Transferred to {target}", None), Delivery(),
                                now_ns)
    node.flush()
    return {}


def xfer_cancel(node: NodeState, body: object, now_ns: int) -> dict[str, Any]:
    """POST /api/admin/xfer/cancel/v1: put the xfer queue's messages back where they were."""
    req = fields(body, "XferCancelV1Request", ("queue_name", "reason"))
    name = _str(req, "queue_name", optional=False) or ""
    if not name.endswith(XFER_SUFFIX):
        raise ApiError(400, f"Error: {name} is not an xfer queue")
    sq = node.scheduled.get(name)
    origins = node.xfer_origin.pop(name, {})
    if sq is not None:
        for batch, n in sq.take_all():
            for origin, count in list(origins.items()):
                take = min(n, count)
                node.scheduled[origin].add(node.minute, batch, take)
                origins[origin] -= take
                n -= take
    return {}


def set_log_filter(node: NodeState, body: object) -> None:
    req = fields(body, "SetDiagnosticFilterRequest", ("filter",))
    node.diagnostic_filter = _str(req, "filter", optional=False)


def _requeue_name(name: str, data: dict[str, str]) -> str:
    campaign, tenant, domain, routing = parse_queue(name)
    campaign = data.get("campaign", campaign or "") or None
    tenant = data.get("tenant", tenant or "") or None
    routing = data.get("routing_domain", routing or "") or None
    prefix = f"{campaign}:{tenant or ''}@" if campaign else (f"{tenant}@" if tenant else "")
    return f"{prefix}{domain}" + (f"!{routing}" if routing else "")


def _move(node: NodeState, sq: ScheduledQueue, target: str, reason: str, now_ns: int, *,
          log: bool, keep_origin: bool = False) -> ScheduledQueue:
    dest = node.scheduled.get(target)
    if dest is None:
        _, _, domain, routing = parse_queue(target)
        if (routing or domain) in node.world.scenario.domains:
            dest = node.queue(target, sq.pool, sq.sender)
        else:
            # Not in the park's site map (an xfer queue, or an unknown domain): the
            # messages keep the site they had, since the simulator cannot resolve MX.
            dest = ScheduledQueue(target, sq.pool, sq.site, sq.provider, sq.sender)
            node.scheduled[target] = dest
    content = f"Rebound from {sq.name} to {target}: {reason}"
    for batch, n in sq.take_all():
        dest.add(node.minute, batch, n)
        if keep_origin:
            origins = node.xfer_origin.setdefault(target, {})
            origins[sq.name] = origins.get(sq.name, 0) + n
        for _ in range(n if log else 0):
            node.record("AdminRebind", sq, batch[0], batch[1],
                        Reply(250, None, content, None), Delivery(), now_ns)
    return dest
