"""The TSA diary's vocabulary: one sighting of an automation action, and its key.

tsa-daemon tells what it holds now (REFERENCE 5.2-5.4); the diary remembers what it
did.  Every way of looking (a websocket frame, a snapshot, a poll of the JSON lists,
the override TOML) is turned into the same :class:`TsaSighting`, keyed on the
action's scope and the hex part of the rule hash, which is bare in snapshots and
``<site>-<hex>`` in live events (5.3): so the snapshot replayed on every reconnect
and the live event for the same action land on one diary entry.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import ValidationError

from bot.core.hold_ids import TSA_REASON_PREFIX, tsa_rule
from bot.core.models import (
    Model,
    TsaOverride,
    TsaReadyQSuspension,
    TsaSchedQBounce,
    TsaSchedQSuspension,
    TsaState,
)
from bot.core.queuenames import split_ready_queue

DiaryKind = Literal["suspend-path", "suspend", "bounce", "throttle"]
EndReason = Literal["expired", "cancelled", "vanished"]
DiaryOrigin = Literal["tsa", "out-of-band"]

# Frame tags of ``/subscribe_event_v1`` and of the legacy ``/subscribe_suspension_v1``.
_FRAME_KINDS: dict[str, DiaryKind] = {
    "ReadyQSuspension": "suspend-path", "ReadyQ": "suspend-path",
    "SchedQSuspension": "suspend", "SchedQ": "suspend",
    "SchedQBounce": "bounce",
}
# tsa-daemon prunes expired items every 60 s: an entry that leaves the lists this soon
# after its expiry simply expired.
EXPIRY_SLACK = timedelta(seconds=90)
# Refreshes closer together than this are one moment (a 421 storm: one event per record).
COALESCE = timedelta(minutes=1)


class DiaryScope(Model):
    """What one TSA action covers: a path (source x site), a domain's queues, or a throttle."""

    path: str | None = None
    source: str | None = None
    site: str | None = None
    domain: str | None = None
    tenant: str | None = None
    campaign: str | None = None
    option: str | None = None
    value: str | None = None


class TsaSighting(DiaryScope):
    """One TSA action as one look saw it."""

    key: str
    """Stable across snapshots, live events and reconnects: kind, scope, rule hex."""
    kind: DiaryKind
    rule_hex: str | None = None
    rule: str
    """The rule's regex text (``automation rule:`` and the criteria tail removed)."""
    reason: str
    expires: datetime


def rule_hex(rule_hash: str) -> str:
    """The hex part of a rule hash: ``<site>-<hex>`` and bare ``<hex>`` give the same."""
    return rule_hash.rpartition("-")[2]


def diary_key(tsa: str, kind: DiaryKind, *parts: str | None) -> str:
    """A 32-hex key over the tsa-daemon, the kind and the node-independent scope."""
    material = json.dumps([tsa, kind, *parts], ensure_ascii=False)
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def _rule_text(reason: str, kind: DiaryKind) -> str:
    rule = tsa_rule(reason, "suspend-path" if kind == "throttle" else kind)
    if rule is not None:
        return rule
    return reason.removeprefix(TSA_REASON_PREFIX)


def sighting_of_path(tsa: str, item: TsaReadyQSuspension) -> TsaSighting:
    """A ready-queue suspension: one egress path (source x site)."""
    hex_ = rule_hex(item.rule_hash)
    parts = split_ready_queue(item.site_name)
    return TsaSighting(
        key=diary_key(tsa, "suspend-path", item.site_name, hex_), kind="suspend-path",
        rule_hex=hex_, rule=_rule_text(item.reason, "suspend-path"), reason=item.reason,
        path=item.site_name, source=item.source or parts.source or None,
        site=parts.site or None, expires=item.expires,
    )


def sighting_of_sched(tsa: str, item: TsaSchedQSuspension | TsaSchedQBounce) -> TsaSighting:
    """A scheduled-queue suspension or a bounce: domain, tenant, campaign."""
    kind: DiaryKind = "bounce" if isinstance(item, TsaSchedQBounce) else "suspend"
    hex_ = rule_hex(item.rule_hash)
    site = item.rule_hash[: -len(hex_) - 1] if item.rule_hash != hex_ else None
    domain = item.domain.lower() if item.domain else None
    return TsaSighting(
        key=diary_key(tsa, kind, domain, item.tenant, item.campaign, hex_), kind=kind,
        rule_hex=hex_, rule=_rule_text(item.reason, kind), reason=item.reason,
        site=split_ready_queue(site).site if site else None, domain=domain,
        tenant=item.tenant, campaign=item.campaign, expires=item.expires,
    )


def sighting_of_override(tsa: str, item: TsaOverride) -> TsaSighting | None:
    """A throttle from the override TOML; None when it carries no expiry (unknowable)."""
    if item.expires is None:
        return None
    reason = item.reason or f"{TSA_REASON_PREFIX}(reason not written)"
    rule = _rule_text(reason, "throttle")
    domain = item.domain.lower()
    return TsaSighting(
        key=diary_key(tsa, "throttle", domain, item.source, item.name, rule), kind="throttle",
        rule=rule, reason=reason, source=item.source, domain=domain, option=item.name,
        value=item.value, expires=item.expires,
    )


def sightings_of_state(tsa: str, state: TsaState) -> list[TsaSighting]:
    """Everything one poll of a tsa-daemon saw, as sightings."""
    out = [sighting_of_path(tsa, i) for i in state.suspensions.ready_q]
    out += [sighting_of_sched(tsa, i) for i in state.suspensions.sched_q]
    out += [sighting_of_sched(tsa, i) for i in state.bounces]
    out += [s for s in (sighting_of_override(tsa, o) for o in state.overrides) if s]
    return out


def sighting_of_frame(tsa: str, frame: Any) -> TsaSighting:
    """One websocket frame (externally tagged JSON); ``ValueError`` when it is not one."""
    if not isinstance(frame, dict) or len(frame) != 1:
        raise ValueError("expected one tagged TSA item")
    tag, body = next(iter(frame.items()))
    kind = _FRAME_KINDS.get(tag)
    if kind is None:
        raise ValueError(f"unknown TSA item {tag!r}")
    try:
        if kind == "suspend-path":
            return sighting_of_path(tsa, TsaReadyQSuspension.model_validate(body))
        if kind == "suspend":
            return sighting_of_sched(tsa, TsaSchedQSuspension.model_validate(body))
        return sighting_of_sched(tsa, TsaSchedQBounce.model_validate(body))
    except ValidationError as exc:
        raise ValueError(f"{tag}: {exc.error_count()} invalid field(s)") from exc


def end_reason(expires: datetime, now: datetime) -> EndReason:
    """Why an entry left TSA's lists: it expired, or it vanished before its time."""
    return "expired" if expires <= now + EXPIRY_SLACK else "vanished"


def describe_scope(
    *, kind: DiaryKind, path: str | None, domain: str | None, tenant: str | None,
    campaign: str | None, source: str | None, option: str | None, value: str | None,
) -> str:
    """The scope an action covered, as a responder would say it."""
    if kind == "suspend-path":
        return f"egress path {path}"
    if kind == "throttle":
        return f"{option}={value} for {domain} from source {source}"
    what = f"{domain}" + (f" tenant {tenant}" if tenant else "") + (
        f" campaign {campaign}" if campaign else "")
    return what
