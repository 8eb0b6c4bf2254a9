"""Who agreed to a write, and the one object that lets the write port act (DESIGN 5).

A guarded request waits as a :class:`PendingAction`: the verb, its exact arguments
and their digest, the guard's verdict and fingerprint, and who asked.  ``agree``
applies one person's Confirm or Approve to it, checking every sign-off rule:

- a change is confirmed by its requester; a dangerous action is approved by
  **another** person listed in ``KUMO_APPROVERS`` (two of them for ``--everything``);
- the approval is bound to the exact arguments (their digest must still match);
- it expires; only a ``pending`` request can be agreed to.

When enough people agreed, ``agree`` hands back an :class:`Authorization`; for what
a request that ran implies later (a log filter's revert, a hold re-applied after a
restart), ``follow_up`` does.  Those are the only ways to make one: its constructor
checks a seal private to this module, and every ``MtaWriter`` method requires it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import orjson

from bot.core.answers_guard import GuardReason
from bot.core.errors import GuardRefused
from bot.core.models import Model

PendingStatus = Literal["pending", "executing", "done", "denied", "expired", "stopped",
                        "cancelled"]
_SEAL = object()


def args_digest(verb: str, args: Mapping[str, Any]) -> str:
    """A hash of the verb and its exact arguments (JSON, keys sorted)."""
    blob = orjson.dumps({"verb": verb, "args": args}, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(blob).hexdigest()


class PendingAction(Model):
    """A guarded write waiting for Confirm or sign-off (kept in SQL, shared by replicas)."""

    request_id: str
    verb: str
    args: dict[str, Any]
    digest: str
    command_text: str
    requester: str
    decision: Literal["confirm", "sign-off"]
    action_class: str
    fingerprint: str
    approvals_needed: int
    approvals: tuple[str, ...] = ()
    override_required: bool = False
    override_reason: str | None = None
    status: PendingStatus = "pending"
    created: datetime
    expires: datetime
    channel: str | None = None
    message_ts: str | None = None
    reasons: tuple[GuardReason, ...] = ()
    """The guard's reasons when it was asked (the card keeps them after it ran or expired)."""
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Authorization:
    """Proof that the guard's confirm or sign-off path agreed to one exact request."""

    request_id: str
    verb: str
    digest: str
    requested_by: str
    agreed_by: tuple[str, ...]
    _seal: object = field(repr=False, compare=False, default=None)

    def __post_init__(self) -> None:
        if self._seal is not _SEAL:
            raise GuardRefused("A write needs the guard's authorization; it cannot be made "
                               "by hand.")


@dataclass(frozen=True)
class Agreement:
    """What one Confirm/Approve did: the new approvals, and the authorization once enough."""

    approvals: tuple[str, ...]
    authorization: Authorization | None


def agree(pending: PendingAction, *, by: str, approvers: Collection[str], now: datetime,
          override_reason: str | None = None) -> Agreement:
    """Apply ``by``'s Confirm (a change) or Approve (dangerous); refuse what breaks a rule."""
    if pending.status != "pending":
        raise GuardRefused(f"This request is already {pending.status}; nothing was run.")
    if now >= pending.expires:
        raise GuardRefused("This request expired; nothing was run.",
                           hint="Ask again with the same command if it is still needed.")
    if args_digest(pending.verb, pending.args) != pending.digest:
        raise GuardRefused("The request's arguments changed after it was asked; nothing "
                           "was run.")
    if pending.decision == "confirm":
        if by != pending.requester:
            raise GuardRefused("Only the person who asked for a change can confirm it.")
        return Agreement((by,), _authorize(pending, (by,)))
    if by == pending.requester:
        raise GuardRefused("You cannot approve your own request: a second person must.",
                           hint="Ask someone listed in KUMO_APPROVERS to approve it.")
    if by not in approvers:
        raise GuardRefused("You are not listed in KUMO_APPROVERS, so you cannot approve this.",
                           hint="Ask someone listed there to approve it.")
    if by in pending.approvals:
        raise GuardRefused("You already approved this; it needs another approver.")
    if pending.override_required and not (override_reason or "").strip():
        raise GuardRefused("This goes against the evidence: approving it needs an explicit "
                           "override with a typed reason.")
    approvals = (*pending.approvals, by)
    if len(approvals) < pending.approvals_needed:
        return Agreement(approvals, None)
    return Agreement(approvals, _authorize(pending, approvals))


def follow_up(pending: PendingAction) -> Authorization:
    """The authority for what an agreed request implies later (a log filter's revert, a hold
    re-applied after a kumod restart): only a request that ran carries it."""
    if pending.status != "done":
        raise GuardRefused(f"Request {pending.request_id[:12]} is {pending.status}, not done: "
                           "nothing follows from it.")
    return _authorize(pending, pending.approvals or (pending.requester,))


def _authorize(pending: PendingAction, agreed: tuple[str, ...]) -> Authorization:
    return Authorization(pending.request_id, pending.verb, pending.digest, pending.requester,
                         agreed, _SEAL)
