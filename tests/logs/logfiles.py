"""Writing kumod-style log segments for tests: real zstd, real names, real modes.

This writer is the tests' own (it does not use the reader's code): segments named
by their UTC open time, one zstd frame each, read-only when closed; a live segment
is a frame that was flushed block by block and never ended.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import zstandard

from tests.fixtures import KUMOMTA

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
SHARED = KUMOMTA
SAMPLES = SHARED / "sample-log-records.jsonl"
RESPONSES_DEV = SHARED / "responses-dev.jsonl"
YAHOO_SITE = "(mta5|mta6|mta7).am0.yahoodns.net"
TSS04 = "[TSS04] Messages from {ip} temporarily deferred due to unexpected volume or user complaints"
INTERNAL = ("KumoMTA internal: no sources for acme@yahoo.com pool=`bulk` are eligible for "
            "selection at this time")


def at(minutes: float) -> datetime:
    """Minutes after T0."""
    return T0 + timedelta(minutes=minutes)


def segment_name(opened: datetime) -> str:
    """``%Y%m%d-%H%M%S.%f`` with nine fractional digits, as kumod names segments."""
    return opened.strftime("%Y%m%d-%H%M%S.") + f"{opened.microsecond:06d}000"


def record(
    when: datetime,
    *,
    kind: str = "TransientFailure",
    recipient: str | list[str] = "jane.doe@yahoo.com",
    code: int = 421,
    enhanced: tuple[int, int, int] | None = (4, 7, 0),
    content: str | None = None,
    source: str | None = "ip-1",
    site: str | None = None,
    queue: str = "acme@yahoo.com",
    **extra: Any,
) -> dict[str, Any]:
    """A complete JSON log record of REFERENCE 4.1, with the given parts."""
    ip = {"ip-1": "203.0.113.11", "ip-2": "203.0.113.12", "ip-3": "203.0.113.13"}.get(
        source or "", "203.0.113.99")
    text = TSS04.format(ip=ip) if content is None else content
    internal = text.startswith("KumoMTA internal:")
    return {
        "type": kind, "id": "1d98076abbbc11ed940250ebf67f93bd",
        "sender": "bounces@mail.acme.example", "recipient": recipient, "queue": queue,
        "site": "" if internal else (site or f"{source}->{YAHOO_SITE}@smtp_client"),
        "size": 1024,
        "response": {"code": code,
                     "enhanced_code": None if enhanced is None else dict(
                         zip(("class", "subject", "detail"), enhanced, strict=True)),
                     "content": text, "command": None if internal else "MAIL FROM"},
        "peer_address": None if internal else {"name": "mta5.am0.yahoodns.net.",
                                               "addr": "198.51.100.55"},
        "timestamp": int(when.timestamp()),
        "event_time": when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond:06d}123Z",
        "created": int(when.timestamp()) - 60, "num_attempts": 1,
        "bounce_classification": "Uncategorized", "egress_pool": "bulk",
        "egress_source": None if internal else source, "feedback_report": None,
        "meta": {}, "headers": {}, "delivery_protocol": "ESMTP",
        "reception_protocol": "ESMTP", "nodeid": "557f3ad4-2c8c-11ee-976e-782d7e12e173",
        **extra,
    }


def lines(records: Iterable[dict[str, Any] | bytes]) -> bytes:
    """JSON Lines; a ``bytes`` item is written as it is (a broken line, say)."""
    return b"".join((r if isinstance(r, bytes) else orjson.dumps(r)) + b"\n" for r in records)


def write_segment(
    directory: Path,
    opened: datetime,
    records: Iterable[dict[str, Any] | bytes],
    *,
    live: bool = False,
    cut: int = 0,
    raw: bytes | None = None,
) -> Path:
    """One segment: a finished frame made read-only, or (``live``) a frame flushed and open.

    ``cut`` drops that many bytes from the end of the file, as a crash or a copy
    taken mid-write would; ``raw`` writes those bytes instead of a zstd frame.
    """
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / segment_name(opened)
    if raw is not None:
        data = raw
    else:
        body = lines(records)
        obj = zstandard.ZstdCompressor(level=3).compressobj()
        if live:
            half = len(body) // 2
            data = (obj.compress(body[:half]) + obj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK)
                    + obj.compress(body[half:]) + obj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK))
        else:
            data = obj.compress(body) + obj.flush()
    if cut:
        data = data[:-cut]
    path.write_bytes(data)
    if not live:
        os.chmod(path, path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    return path
