"""Delivery log segments: zstd JSON Lines, kumod's names, read-only when done (§4)."""

from __future__ import annotations

import os
import re
import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import zstandard

from bot.simulator import SimulatedPark

FIELDS = {"type", "id", "sender", "recipient", "queue", "site", "size", "response",
          "peer_address", "timestamp", "event_time", "created", "created_time", "num_attempts",
          "bounce_classification", "egress_pool", "egress_source", "source_address",
          "feedback_report", "meta", "headers", "delivery_protocol", "reception_protocol",
          "nodeid"}
SEGMENT = re.compile(r"^\d{8}-\d{6}(\.\d{3}|\.\d{6}|\.\d{9})?$")


def read_segment(path: Path) -> list[dict[str, Any]]:
    """Decompress what zstd has flushed so far (the live segment has no frame end yet).

    Only complete lines count: a reader of the live segment keeps a partial
    last line until more data arrives.
    """
    data = zstandard.ZstdDecompressor().decompressobj().decompress(path.read_bytes())
    complete = data[: data.rfind(b"\n") + 1]
    return [orjson.loads(line) for line in complete.splitlines() if line]


def read_records(directory: Path) -> list[dict[str, Any]]:
    return [r for p in sorted(directory.iterdir()) if not p.name.startswith(".")
            for r in read_segment(p)]


def writable(path: Path) -> bool:
    return bool(path.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))


def test_segments_are_named_read_only_when_closed_and_one_is_live(
        yahoo_park: SimulatedPark) -> None:
    for directory in yahoo_park.log_dirs.values():
        segments = sorted(directory.iterdir())
        assert len(segments) >= 5  # 120 minutes of history, 20-minute segments
        assert all(SEGMENT.match(p.name) for p in segments)
        assert [writable(p) for p in segments] == [False] * (len(segments) - 1) + [True]
        assert os.access(segments[0], os.R_OK)
        with segments[0].open("rb") as fh:  # a closed segment is one complete zstd frame
            frame = zstandard.ZstdDecompressor().stream_reader(fh).read()
        assert frame.endswith(b"\n") and frame.count(b"\n") > 10


def test_records_carry_every_field_and_the_tss04_story(yahoo_park: SimulatedPark) -> None:
    records = read_records(yahoo_park.log_dirs["mta1"])
    assert all(set(r) >= FIELDS for r in records)
    times = [r["event_time"] for r in records]
    assert times == sorted(times)
    tss04 = [r for r in records if "[TSS04]" in r["response"]["content"]]
    assert len(tss04) == 30  # ten per path, three paths
    sample = tss04[0]
    assert sample["type"] == "TransientFailure"
    site = "(mta5|mta6|mta7).am0.yahoodns.net"
    assert sample["site"] == f"{sample['egress_source']}->{site}@smtp_client"
    assert sample["egress_pool"] == "bulk"
    assert sample["provider_name"] == "yahoo"
    assert sample["recipient"].endswith("@yahoo.com")
    assert sample["response"]["code"] == 421
    assert sample["response"]["enhanced_code"] == {"class": 4, "subject": 7, "detail": 0}
    assert sample["response"]["content"] == (
        "[TSS04] Messages from 203.0.113.1{} temporarily deferred due to unexpected volume or "
        "user complaints".format(sample["egress_source"][-1]))
    assert re.fullmatch(r"[0-9a-f]{32}", sample["id"])
    assert sample["peer_address"]["name"].endswith(".am0.yahoodns.net.")
    nodeid = sample["nodeid"]
    assert all(r["nodeid"] == nodeid for r in records)


def test_no_sources_records_follow_the_suspension(yahoo_park: SimulatedPark) -> None:
    records = read_records(yahoo_park.log_dirs["mta2"])
    internal = [r for r in records if r["response"]["content"].startswith(
        "KumoMTA internal: no sources for")]
    assert internal
    first = internal[0]
    assert first["response"]["content"] == (
        f"KumoMTA internal: no sources for {first['queue']} pool=`bulk` are eligible for "
        "selection at this time")
    assert first["response"]["command"] is None
    assert (first["site"], first["egress_source"], first["egress_pool"]) == ("", None, "bulk")
    tss04 = [r for r in records if "[TSS04]" in r["response"]["content"]]
    assert first["timestamp"] >= tss04[-1]["timestamp"]


def test_transfail_counters_match_the_logged_failures(yahoo_park: SimulatedPark) -> None:
    node = yahoo_park.node("mta3")
    records = read_records(yahoo_park.log_dirs["mta3"])
    for rq in node.ready.values():
        logged = [r for r in records if r["site"] == rq.name]
        assert rq.transfail == sum(r["type"] == "TransientFailure" for r in logged)
        assert rq.delivered == sum(r["type"] == "Delivery" for r in logged)


def test_new_records_are_appended_as_time_advances(healthy_park: SimulatedPark) -> None:
    directory = healthy_park.log_dirs["mta1"]
    before = len(read_records(directory))
    healthy_park.advance(timedelta(minutes=25))
    segments = sorted(directory.iterdir())
    assert len(read_records(directory)) > before
    assert [writable(p) for p in segments][-1] is True
    assert not any(writable(p) for p in segments[:-1])
