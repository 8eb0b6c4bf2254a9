"""Delivery log records (REFERENCE 4.1-4.3) as typed values.

kumod writes one JSON object per line; its shape changed over the years (older
records lack ``event_time``, ``source_address``, ``session_id``...), some records in
the docs are partial, and ``recipient`` is one string or, since 2025.12.02, a list.
``parse_log_record`` reads any of them: missing optional keys become None, and only
something that is not a log record at all (no ``type``) is refused.

A record is a plain slotted dataclass, not a pydantic model: a scan builds one for
every candidate line, so it has to be cheap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

INTERNAL_PREFIX = "KumoMTA internal:"


class RecordType(StrEnum):
    """The ``type`` values kumod logs (REFERENCE 4.2)."""

    RECEPTION = "Reception"
    DELIVERY = "Delivery"
    BOUNCE = "Bounce"
    TRANSIENT_FAILURE = "TransientFailure"
    EXPIRATION = "Expiration"
    ADMIN_BOUNCE = "AdminBounce"
    OOB = "OOB"
    FEEDBACK = "Feedback"
    REJECTION = "Rejection"
    ADMIN_REBIND = "AdminRebind"
    DEFERRED_INJECTION_REBIND = "DeferredInjectionRebind"
    DELAYED = "Delayed"
    XFER_OUT = "XferOut"
    XFER_IN = "XferIn"


# The words people type after ``--type``; ``deferral`` is what responders call a
# TransientFailure.  Every exact type name is accepted too, in any case.
TYPE_WORDS: Mapping[str, RecordType] = {
    "deferral": RecordType.TRANSIENT_FAILURE,
    "deferrals": RecordType.TRANSIENT_FAILURE,
    "transient": RecordType.TRANSIENT_FAILURE,
    "bounces": RecordType.BOUNCE,
    "deliveries": RecordType.DELIVERY,
    "delivered": RecordType.DELIVERY,
    "rejections": RecordType.REJECTION,
    "expired": RecordType.EXPIRATION,
    "expirations": RecordType.EXPIRATION,
    **{t.value.lower(): t for t in RecordType},
}

# Records whose response is a receiver (or the engine, for "KumoMTA internal")
# answering a delivery attempt: what ``responses`` counts.
RESPONSE_TYPES = frozenset({RecordType.TRANSIENT_FAILURE, RecordType.BOUNCE, RecordType.OOB})


def type_for_word(word: str) -> RecordType | None:
    """The record type a ``--type`` word names (``deferral`` -> TransientFailure), or None."""
    return TYPE_WORDS.get(word.strip().lower().replace("-", "").replace("_", ""))


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One delivery log record: what the bot needs of REFERENCE 4.1, typed."""

    type: str  # a RecordType value, or a type this version does not know yet
    recipients: tuple[str, ...]
    at: datetime | None  # event_time (full precision) or timestamp; None if neither
    code: int | None = None
    enhanced: tuple[int, int, int] | None = None
    content: str = ""
    command: str | None = None
    id: str | None = None
    sender: str | None = None
    queue: str | None = None
    site: str | None = None
    egress_pool: str | None = None
    egress_source: str | None = None
    provider: str | None = None
    peer_name: str | None = None
    peer_addr: str | None = None
    source_ip: str | None = None  # the egress IP, from ``source_address`` (no port)
    num_attempts: int | None = None
    bounce_classification: str | None = None
    nodeid: str | None = None

    @property
    def is_internal(self) -> bool:
        """True when KumoMTA talks about itself (``KumoMTA internal: ...``), not a receiver."""
        return self.content.startswith(INTERNAL_PREFIX)

    @property
    def code_class(self) -> int | None:
        """The first digit of the SMTP code (2, 4, 5), or None when there is no code."""
        return self.code // 100 if self.code else None

    @property
    def enhanced_text(self) -> str:
        """``4.7.0``, or ``""`` when the reply had no enhanced code."""
        return ".".join(map(str, self.enhanced)) if self.enhanced else ""

    @property
    def recipient_domains(self) -> tuple[str, ...]:
        """The domain of each recipient, lower-cased, without a trailing dot."""
        return tuple(recipient_domain(r) for r in self.recipients)


def recipient_domain(address: str) -> str:
    """``Jane@Example.COM.`` -> ``example.com``; an address without ``@`` is all domain."""
    return address.rpartition("@")[2].strip().lower().rstrip(".")


def _text(value: Any) -> str | None:
    return value if type(value) is str else None


def _int(value: Any) -> int | None:
    return value if type(value) is int else None


def _recipients(value: Any) -> tuple[str, ...]:
    if type(value) is str:
        return (value,)
    if type(value) is list:
        return tuple(v for v in value if type(v) is str)
    return ()


def _enhanced(value: Any) -> tuple[int, int, int] | None:
    if type(value) is not dict:
        return None
    parts = (value.get("class"), value.get("subject"), value.get("detail"))
    if type(parts[0]) is int and type(parts[1]) is int and type(parts[2]) is int:
        return parts  # type: ignore[return-value]  # each part was just checked to be an int
    return None


def parse_event_time(text: str) -> datetime | None:
    """RFC 3339 with up to nine fractional digits (Python keeps six), or None."""
    # The shape kumod writes, ``2026-11-29T09:29:07.967925947Z``, takes the fast road.
    if len(text) == 30 and text[19] == "." and text[29] == "Z":
        try:
            return datetime.fromisoformat(text[:26]).replace(tzinfo=UTC)
        except ValueError:
            return None
    text = text.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    head, dot, rest = text.partition(".")
    if dot:
        digits = len(rest) - len(rest.lstrip("0123456789"))
        rest = rest[:digits][:6].ljust(6, "0") + rest[digits:]
        text = f"{head}.{rest}"
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _when(raw: Mapping[str, Any]) -> datetime | None:
    event_time = raw.get("event_time")
    if type(event_time) is str:
        parsed = parse_event_time(event_time)
        if parsed is not None:
            return parsed
    stamp = raw.get("timestamp")
    if type(stamp) is int or type(stamp) is float:
        try:
            return datetime.fromtimestamp(stamp, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    return None


_EMPTY: dict[str, Any] = {}


def parse_log_record(raw: Any) -> LogRecord:
    """A decoded JSON line -> ``LogRecord``; ValueError when it is not a log record.

    Every key but ``type`` may be missing (REFERENCE 4.1: "a reader must tolerate
    missing optional keys"); values of the wrong JSON type are read as missing.
    Exact ``type(...) is`` checks rather than isinstance: this runs for every
    candidate line of a scan, and JSON decoders build exact dicts, lists and strs.
    """
    if type(raw) is not dict:
        raise ValueError("not a JSON object")
    get = raw.get
    kind = get("type")
    if type(kind) is not str or not kind:
        raise ValueError("no record type")
    response = get("response")
    if type(response) is not dict:
        response = _EMPTY
    peer = get("peer_address")
    if type(peer) is not dict:
        peer = _EMPTY
    content = response.get("content")
    return LogRecord(
        type=kind,
        recipients=_recipients(get("recipient")),
        at=_when(raw),
        code=_int(response.get("code")),
        enhanced=_enhanced(response.get("enhanced_code")),
        content=content if type(content) is str else "",
        command=_text(response.get("command")),
        id=_text(get("id")),
        sender=_text(get("sender")),
        queue=_text(get("queue")),
        site=_text(get("site")),
        egress_pool=_text(get("egress_pool")),
        egress_source=_text(get("egress_source")),
        provider=_text(get("provider_name")),
        peer_name=_text(peer.get("name")),
        peer_addr=_text(peer.get("addr")),
        source_ip=_source_ip(get("source_address")),
        num_attempts=_int(get("num_attempts")),
        bounce_classification=_text(get("bounce_classification")),
        nodeid=_text(get("nodeid")),
    )


def _source_ip(value: object) -> str | None:
    """``{"address": "203.0.113.11:40123"}`` -> ``203.0.113.11`` (``[::1]:25`` -> ``::1``)."""
    address = value.get("address") if isinstance(value, dict) else None
    if not isinstance(address, str) or not address:
        return None
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        return address
    return host[1:-1] if host.startswith("[") and host.endswith("]") else host
