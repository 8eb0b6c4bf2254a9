"""Stable hold ids, hold origins and markers (REFERENCE 5.1, 5.3).

kumod applies a TSA action with the reason ``<tsa reason> (rule_hash=<hash>)``; the
hash is the bare hex in TSA's snapshot but ``<site>-<hex>`` in live events, and TSA
replays items with new kumod UUIDs on every reconnect.  The id therefore hashes the
kind, the node-independent criteria and the reason without that suffix.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from typing import Literal, NamedTuple

from bot.core.models import Model, TsaReadyQSuspension

HoldKind = Literal["suspend-path", "suspend", "bounce"]
HoldOrigin = Literal["tsa", "manual"]

TSA_REASON_PREFIX = "automation rule: "
_HASH_OPEN = " (rule_hash="
# TSA appends the criteria it acted on to tenant, campaign and bounce reasons.
_CRITERIA_TAIL = re.compile(r"(?: (?:tenant|domain|campaign)=\S*)+\Z")
_ID_LENGTH = 10


class HoldCriteria(NamedTuple):
    """What a hold matches: a ready-queue ``name``, or scheduled-queue criteria."""

    name: str | None = None
    campaign: str | None = None
    tenant: str | None = None
    domain: str | None = None
    routing_domain: str | None = None


class HoldMarker(Model):
    """A hold shown beside a queue-summary row, for the bot (not part of kcli's text)."""

    hold_id: str
    kind: HoldKind
    reason: str
    """The reason as kumod lists it (a TSA reason keeps its rule-hash suffix)."""
    remaining: timedelta
    origin: HoldOrigin
    rule: str | None = None
    nodes: tuple[str, ...] = ()
    all_queues: bool = False
    """Every criterion is empty: ``everything``, or a ``--queue`` rule kumod does not echo."""
    tsa: TsaReadyQSuspension | None = None


def split_rule_hash(reason: str) -> tuple[str, str | None]:
    """Split kumod's `` (rule_hash=...)`` suffix off a reason: ``(reason, hash)``.

    The hash may itself hold parentheses (``(alt1|alt2)?.gmail...-<hex>``), so the
    suffix is found from its last opening, and must close the reason.
    """
    position = reason.rfind(_HASH_OPEN)
    if position < 0 or not reason.endswith(")"):
        return reason, None
    return reason[:position], reason[position + len(_HASH_OPEN) : -1]


def hold_origin(reason: str) -> HoldOrigin:
    """``tsa`` when kumod's reason starts with ``automation rule:`` and carries a rule hash."""
    if reason.startswith(TSA_REASON_PREFIX.rstrip()) and "(rule_hash=" in reason:
        return "tsa"
    return "manual"


def tsa_rule(reason: str, kind: HoldKind) -> str | None:
    """The rule's regex text from a TSA reason, or None if it is not one.

    ``automation rule: <regex>`` with the rule-hash suffix removed and, for
    scheduled-queue holds, the `` tenant=... domain=... campaign=...`` TSA appends.
    """
    base, _ = split_rule_hash(reason)
    if not base.startswith(TSA_REASON_PREFIX):
        return None
    rule = base[len(TSA_REASON_PREFIX) :]
    if kind != "suspend-path":
        rule = _CRITERIA_TAIL.sub("", rule)
    return rule


def hold_id(kind: HoldKind, criteria: HoldCriteria, reason: str) -> str:
    """A short, node-independent id: 10 hex digits of a SHA-256 over kind, criteria, reason.

    ``reason`` may carry kumod's rule-hash suffix; it is removed first, so the same
    TSA action gets the same id on every node, before and after a reconnect.
    """
    base, _ = split_rule_hash(reason)
    material = json.dumps([kind, *criteria, base], ensure_ascii=False)
    return hashlib.sha256(material.encode()).hexdigest()[:_ID_LENGTH]
