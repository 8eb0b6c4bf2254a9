"""The admin writes the bot sends to kumod, as data (REFERENCE 1.1-1.11).

An :class:`AdminWrite` is one request body for one endpoint; the write port sends it
to each node once.  A :class:`NodeOutcome` is what came of it on one node: ``done``
(with the entry's UUID when kumod returns one), ``failed`` (kumod said no: nothing
changed) or ``unknown`` (timeout, dropped connection: reconciled by reading lists).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal

from bot.core.hold_ids import HoldCriteria
from bot.core.models import Model

WriteKind = Literal["suspend", "suspend-path", "bounce", "cancel-suspend",
                    "cancel-suspend-path", "cancel-bounce", "rebind", "xfer", "log-filter"]
OutcomeStatus = Literal["done", "failed", "unknown", "not-applied"]

ENDPOINTS: dict[str, tuple[str, str]] = {
    "suspend": ("POST", "/api/admin/suspend/v1"),
    "suspend-path": ("POST", "/api/admin/suspend-ready-q/v1"),
    "bounce": ("POST", "/api/admin/bounce/v1"),
    "cancel-suspend": ("DELETE", "/api/admin/suspend/v1"),
    "cancel-suspend-path": ("DELETE", "/api/admin/suspend-ready-q/v1"),
    "cancel-bounce": ("DELETE", "/api/admin/bounce/v1"),
    "rebind": ("POST", "/api/admin/rebind/v1"),
    "xfer": ("POST", "/api/admin/xfer/v1"),
    "log-filter": ("POST", "/api/admin/set_diagnostic_log_filter/v1"),
}
"""Method and path of each write."""

NIL_UUID = "00000000-0000-0000-0000-000000000000"
PROBE = ("DELETE", "/api/admin/suspend/v1")
"""A harmless write: cancelling the nil UUID; 404 proves the write is permitted."""


class AdminWrite(Model):
    """One write request: what it is and its JSON body."""

    kind: WriteKind
    body: dict[str, Any]

    @property
    def method(self) -> str:
        """The HTTP method."""
        return ENDPOINTS[self.kind][0]

    @property
    def path(self) -> str:
        """The endpoint path."""
        return ENDPOINTS[self.kind][1]


class NodeOutcome(Model):
    """What one write did on one node."""

    node: str
    status: OutcomeStatus
    uuid: str | None = None
    detail: str = ""


def _seconds(duration: timedelta) -> str:
    return f"{int(duration.total_seconds())}s"


def suspend_write(criteria: HoldCriteria, *, duration: timedelta, reason: str) -> AdminWrite:
    """``POST /api/admin/suspend/v1`` for a domain (and tenant / campaign)."""
    body: dict[str, Any] = {"reason": reason, "duration": _seconds(duration)}
    for key in ("domain", "tenant", "campaign"):
        value = getattr(criteria, key)
        if value is not None:
            body[key] = value
    return AdminWrite(kind="suspend", body=body)


def suspend_path_write(name: str, *, duration: timedelta, reason: str) -> AdminWrite:
    """``POST /api/admin/suspend-ready-q/v1`` for one egress path (ready-queue name)."""
    return AdminWrite(kind="suspend-path",
                      body={"name": name, "reason": reason, "duration": _seconds(duration)})


def bounce_write(criteria: HoldCriteria | None, *, reason: str,
                 queues: tuple[str, ...] = ()) -> AdminWrite:
    """``POST /api/admin/bounce/v1``; ``criteria`` None with no queues bounces everything."""
    body: dict[str, Any] = {"reason": reason, "duration": "5m"}
    if queues:
        body["queue_names"] = list(queues)
    elif criteria is not None:
        for key in ("domain", "tenant", "campaign"):
            value = getattr(criteria, key)
            if value is not None:
                body[key] = value
    return AdminWrite(kind="bounce", body=body)


def cancel_write(kind: str, uuid: str) -> AdminWrite:
    """``DELETE`` on one of the three lists, by the node's UUID."""
    mapping: dict[str, WriteKind] = {"suspend": "cancel-suspend",
                                     "suspend-path": "cancel-suspend-path",
                                     "bounce": "cancel-bounce"}
    return AdminWrite(kind=mapping[kind], body={"id": uuid})


def log_filter_write(text: str) -> AdminWrite:
    """``POST /api/admin/set_diagnostic_log_filter/v1``."""
    return AdminWrite(kind="log-filter", body={"filter": text})


def rebind_write(domain: str, data: dict[str, str], *, reason: str) -> AdminWrite:
    """``POST /api/admin/rebind/v1``: set meta (``queue``, ...) on the domain's messages."""
    return AdminWrite(kind="rebind", body={"domain": domain, "reason": reason, "data": data})


def xfer_write(domain: str, target: str, *, reason: str) -> AdminWrite:
    """``POST /api/admin/xfer/v1``: hand the domain's messages to another node."""
    return AdminWrite(kind="xfer", body={"domain": domain, "reason": reason, "target": target})
