"""Delivery log records in the JSON shape of REFERENCE §4.1.

Every record carries every field of `JsonLogRecord`; the optional ones
(`tls_*`, `provider_name`, `session_id`) are left out when absent, as serde
does. `bounce_classification` comes from the shipped IANA rule file
(`scenarios/iana-bounces.toml`, REFERENCE §6), first matching pattern wins.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from typing import Any

from bot.simulator.scenario import SCENARIO_DIR
from bot.simulator.shaping import response_line
from bot.simulator.wire import NS_PER_S, rfc3339

CLASSIFIABLE = frozenset({"Bounce", "TransientFailure", "Expiration", "AdminBounce", "OOB",
                          "Feedback", "Rejection"})


class Classifier:
    """kumod's bounce classifier loaded with the IANA rules only."""

    def __init__(self) -> None:
        with (SCENARIO_DIR / "iana-bounces.toml").open("rb") as fh:
            rules = tomllib.load(fh)["rules"]
        self._patterns = [(name, re.compile(rx)) for name, rxs in rules.items() for rx in rxs]
        self._cache: dict[str, str] = {}

    def classify(self, kind: str, line: str) -> str:
        if kind not in CLASSIFIABLE:
            return "Uncategorized"
        # The IANA rules only look at the code and enhanced code, so the start
        # of the line is a good cache key even when the text carries ids.
        key = line[:16]
        found = self._cache.get(key)
        if found is None:
            found = next((n for n, rx in self._patterns if rx.search(line)), "Uncategorized")
            self._cache[key] = found
        return found


@dataclass(frozen=True)
class Reply:
    """An SMTP reply as kumod logs it (§4.3)."""

    code: int
    enhanced: tuple[int, int, int] | None
    content: str
    command: str | None = "."

    def as_json(self) -> dict[str, Any]:
        enhanced = None
        if self.enhanced is not None:
            c, s, d = self.enhanced
            enhanced = {"class": c, "subject": s, "detail": d}
        return {"code": self.code, "enhanced_code": enhanced, "content": self.content,
                "command": self.command}

    def line(self) -> str:
        return response_line(self.code, self.as_json()["enhanced_code"], self.content)


@dataclass(frozen=True)
class Message:
    """What a record says about the message itself."""

    id: str
    sender: str
    recipient: str
    queue: str
    created_ns: int
    size: int
    num_attempts: int


@dataclass(frozen=True)
class Delivery:
    """The delivery-side context of a record; all None for internal records."""

    site: str = ""
    pool: str | None = None
    source: str | None = None
    source_ip: str | None = None
    peer: tuple[str, str] | None = None
    provider: str | None = None
    session_id: str | None = None
    tls: bool = False


def make_record(kind: str, msg: Message, reply: Reply, when_ns: int, ctx: Delivery,
                nodeid: str, classifier: Classifier) -> dict[str, Any]:
    """One JSON log record with every field of §4.1."""
    smtp = ctx.peer is not None
    record: dict[str, Any] = {
        "type": kind,
        "id": msg.id,
        "sender": msg.sender,
        "recipient": msg.recipient,
        "queue": msg.queue,
        "site": ctx.site,
        "size": msg.size,
        "response": reply.as_json(),
        "peer_address": {"name": ctx.peer[0], "addr": ctx.peer[1]} if ctx.peer else None,
        "timestamp": when_ns // NS_PER_S,
        "event_time": rfc3339(when_ns),
        "created": msg.created_ns // NS_PER_S,
        "created_time": rfc3339(msg.created_ns),
        "num_attempts": msg.num_attempts,
        "bounce_classification": classifier.classify(kind, reply.line()),
        "egress_pool": ctx.pool,
        "egress_source": ctx.source,
        "source_address": {"address": f"{ctx.source_ip}:{40000 + msg.created_ns % 20000}"}
        if smtp and ctx.source_ip else None,
        "feedback_report": None,
        "meta": {"tenant": _tenant(msg.queue)} if _tenant(msg.queue) else {},
        "headers": {},
        "delivery_protocol": "ESMTP" if smtp else None,
        "reception_protocol": "ESMTP",
        "nodeid": nodeid,
    }
    if smtp and ctx.tls:
        record["tls_cipher"] = "TLS_AES_256_GCM_SHA384"
        record["tls_protocol_version"] = "TLSv1.3"
    if ctx.provider is not None:
        record["provider_name"] = ctx.provider
    if ctx.session_id is not None:
        record["session_id"] = ctx.session_id
    return record


def _tenant(queue: str) -> str | None:
    prefix, at, _ = queue.partition("@")
    if not at or not prefix:
        return None
    return prefix.partition(":")[2] if ":" in prefix else prefix


def internal_reply(content: str) -> Reply:
    """KumoMTA talking about itself: 451 4.4.4 `KumoMTA internal: ...`, no command."""
    return Reply(451, (4, 4, 4), f"KumoMTA internal: {content}", None)


ADMIN_BOUNCE_SITE = "localhost"


def admin_bounce_reply(reason: str) -> Reply:
    """The AdminBounce response of §1.1."""
    return Reply(551, (5, 7, 1), f"Administrator bounced with reason: {reason}", None)
