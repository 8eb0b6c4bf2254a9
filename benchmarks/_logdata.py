"""Realistic kumod delivery logs for the log-scan benchmark, generated once and cached.

Two nodes, each a directory of zstd JSON Lines segments rotated at 100 MB of
uncompressed records (kumod's ``max_file_size``), named by their UTC open time,
read-only when closed; the newest segment of each node is live (flushed, its frame
not ended).  About 30% of the records go to ``yahoo.com``; the types, sources,
sites and response texts (with their IPs, ids and addresses) are shaped like a
busy sender's: receptions and deliveries, deferrals (a few of them KumoMTA's own),
some bounces, the odd expiration and OOB.
"""

from __future__ import annotations

import json
import os
import random
import stat
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import zstandard

NODES = ("mta1", "mta2")
SEGMENT_BYTES = 100_000_000
SPAN = timedelta(hours=20)
VERSION = 3  # bump when the shape of the data changes, to regenerate the cache

DOMAINS: dict[str, tuple[float, str]] = {  # domain -> (share of records, site)
    "yahoo.com": (0.30, "(mta5|mta6|mta7).am0.yahoodns.net"),
    "gmail.com": (0.25, "(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com"),
    "outlook.com": (0.10, "outlook-com.olc.protection.outlook.com"),
    "hotmail.com": (0.08, "hotmail-com.olc.protection.outlook.com"),
    "comcast.net": (0.06, "(mx1a1|mx2c1).comcast.net"),
    "icloud.com": (0.05, "mx01.mail.icloud.com"),
    "aol.com": (0.04, "(mta5|mta6|mta7).am0.yahoodns.net"),
}
TAIL = [f"customer{i:03d}.example" for i in range(300)]  # the remaining 12%
SOURCES = [f"ip-{i}" for i in range(1, 9)]

DEFERRALS = {
    "yahoo.com": [(421, "4.7.0", "[TSS04] Messages from {ip} temporarily deferred due to "
                   "unexpected volume or user complaints - {ip2}; see "
                   "https://postmaster.yahooinc.com/error-codes"),
                  (421, "4.7.0", "[TSS09] All messages from {ip} will be permanently deferred; "
                   "Retrying will NOT succeed. See https://postmaster.yahooinc.com/error-codes")],
    "gmail.com": [(421, "4.7.28", "Gmail has detected an unusual rate of unsolicited mail from "
                   "{ip}. To protect our users, mail from your IP has been temporarily rate "
                   "limited. {gid} - gsmtp"),
                  (452, "4.2.2", "The email account that you tried to reach is over quota. "
                   "{gid} - gsmtp")],
    "*": [(451, "4.7.500", "Server busy. Please try again later from [{ip}]. (AS77712344) "
           "[{hex}.prod.protection.outlook.com]"),
          (421, "", "Too many concurrent SMTP connections from this IP address; please try "
           "again later.")],
}
BOUNCES = {
    "yahoo.com": [(554, "5.7.9", "Message not accepted for policy reasons. See "
                   "https://senders.yahooinc.com/error-codes"),
                  (554, "", "delivery error: dd This user doesn't have a yahoo.com account "
                   "({email}) [0] - mta{n}.mail.ne1.yahoo.com")],
    "*": [(550, "5.1.1", "<{email}>: Recipient address rejected: User unknown"),
          (550, "5.7.1", "Unfortunately, messages from [{ip}] weren't sent. Please contact your "
           "Internet service provider since part of their network is on our block list "
           "(S3150). [{hex}.namprd04.prod.outlook.com {when}]")],
}
INTERNAL = ("KumoMTA internal: no sources for {queue} pool=`bulk` are eligible for selection "
            "at this time")


@dataclass
class Manifest:
    """What is in the cache: per node, the segments and their uncompressed bytes."""

    version: int
    start: str
    end: str
    bytes: int
    records: int
    segments: dict[str, list[str]]

    @property
    def end_time(self) -> datetime:
        return datetime.fromisoformat(self.end)


class _Maker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        weights = [share for share, _ in DOMAINS.values()]
        names = list(DOMAINS)
        tail_share = 1.0 - sum(weights)
        self.domains = names + TAIL
        self.weights = weights + [tail_share / len(TAIL)] * len(TAIL)

    def _fill(self, template: str, domain: str, source_ip: str, recipient: str, queue: str,
              when: str) -> str:
        rng = self.rng
        return template.format(
            ip=source_ip, ip2=f"198.51.100.{rng.randrange(1, 255)}",
            hex=f"{rng.getrandbits(64):016X}",
            gid=f"{rng.getrandbits(40):x}si{rng.randrange(10**9)}pgw.{rng.randrange(999)}",
            email=recipient, n=rng.randrange(1000, 9999), queue=queue, when=when,
            domain=domain)

    def record(self, when: datetime, node_index: int) -> dict[str, Any]:
        rng = self.rng
        domain = rng.choices(self.domains, self.weights)[0]
        site = DOMAINS.get(domain, (0.0, f"mx.{domain}"))[1]
        source = rng.choice(SOURCES)
        source_ip = f"203.0.113.{node_index * 10 + int(source[3:])}"
        recipient = f"user{rng.randrange(10**7)}@{domain}"
        queue = rng.choice([domain, f"acme@{domain}", f"spring:acme@{domain}"])
        stamp = when.strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"
        roll = rng.random()
        kind, code, enhanced, content, command = "Delivery", 250, "2.0.0", "OK id={hex}", "."
        if roll < 0.44:
            kind, code, enhanced, content, command = "Reception", 250, "", "", None
        elif roll < 0.86:
            pass
        elif roll < 0.965:
            kind, command = "TransientFailure", "MAIL FROM"
            if rng.random() < 0.3:
                code, enhanced, content, command = 451, "4.4.4", INTERNAL, None
            else:
                code, enhanced, content = rng.choice(DEFERRALS.get(domain, DEFERRALS["*"]))
        elif roll < 0.99:
            kind, command = "Bounce", "RCPT TO"
            code, enhanced, content = rng.choice(BOUNCES.get(domain, BOUNCES["*"]))
        elif roll < 0.995:
            kind, code, enhanced, command = "Delayed", 451, "4.4.4", None
            content = "Context: ReadyQueueWasFull. Next due in 1m 2s"
        else:
            kind, code, enhanced, command = "Expiration", 551, "5.4.7", None
            content = "Next delivery time would be 1day 2h after creation, which exceeds max_age"
        text = self._fill(content, domain, source_ip, recipient, queue, stamp)
        ec = None
        if enhanced:
            c, s, d = (int(x) for x in enhanced.split("."))
            ec = {"class": c, "subject": s, "detail": d}
        delivery_side = kind not in ("Reception",) and not text.startswith("KumoMTA internal")
        return {
            "type": kind, "id": f"{rng.getrandbits(128):032x}",
            "sender": "bounces@mail.acme.example", "recipient": recipient, "queue": queue,
            "site": f"{source}->{site}@smtp_client" if delivery_side else "",
            "size": rng.randrange(2000, 90000),
            "response": {"code": code, "enhanced_code": ec, "content": text, "command": command},
            "peer_address": {"name": f"mx.{domain}.", "addr": f"198.51.100.{rng.randrange(255)}"},
            "timestamp": int(when.timestamp()), "event_time": stamp,
            "created": int(when.timestamp()) - 300, "created_time": stamp, "num_attempts": 1,
            "bounce_classification": "Uncategorized", "egress_pool": "bulk",
            "egress_source": source if delivery_side else None,
            "source_address": {"address": f"{source_ip}:{rng.randrange(40000, 60000)}"},
            "feedback_report": None, "meta": {"tenant": "acme"}, "headers": {},
            "delivery_protocol": "ESMTP", "reception_protocol": "ESMTP",
            "nodeid": f"0bad13b9-ed08-5a6a-b552-6733e423d00{node_index}",
            "tls_cipher": "TLS_AES_256_GCM_SHA384", "tls_protocol_version": "TLSv1.3",
            "provider_name": domain.split(".")[0],
            "session_id": "9bcd689e-23d9-41b7-a015-63a1382f8b57",
        }


def _name(when: datetime) -> str:
    return when.strftime("%Y%m%d-%H%M%S.%f") + "000"


def _write_node(directory: Path, maker: _Maker, node_index: int, start: datetime,
                total: int) -> tuple[list[str], int, int]:
    """Segments of one node until ``total`` uncompressed bytes; returns names, bytes, records."""
    directory.mkdir(parents=True, exist_ok=True)
    compressor = zstandard.ZstdCompressor(level=3)
    names: list[str] = []
    written = records = 0
    per_record = SPAN / (total / 1000)  # about 1 kB a record
    when = start
    while written < total:
        path = directory / _name(when)
        names.append(path.name)
        size = 0
        obj = compressor.compressobj()
        with path.open("wb") as fh:
            while size < SEGMENT_BYTES and written + size < total:
                batch = b"".join(orjson.dumps(maker.record(when + per_record * i, node_index))
                                 + b"\n" for i in range(1000))
                when += per_record * 1000
                size += len(batch)
                records += 1000
                fh.write(obj.compress(batch))
            last = written + size >= total
            # The newest segment is live: flushed block by block, its frame never ended.
            fh.write(obj.flush(zstandard.COMPRESSOBJ_FLUSH_BLOCK if last else
                               zstandard.COMPRESSOBJ_FLUSH_FINISH))
        written += size
        if not last:
            os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return names, written, records


def ensure_logs(cache: Path, total_bytes: int) -> Manifest:
    """The cached logs (generated on first use, about a minute): at least ``total_bytes``."""
    manifest_path = cache / "manifest.json"
    if manifest_path.exists():
        manifest = Manifest(**json.loads(manifest_path.read_text()))
        if manifest.version == VERSION and manifest.bytes >= total_bytes:
            return manifest
    for node in NODES:
        for old in (cache / node).glob("*") if (cache / node).exists() else []:
            os.chmod(old, stat.S_IWUSR | stat.S_IRUSR)
            old.unlink()
    end = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    start = end - SPAN
    segments: dict[str, list[str]] = {}
    total = records = 0
    for index, node in enumerate(NODES, start=1):
        names, written, count = _write_node(cache / node, _Maker(index), index, start,
                                            -(-total_bytes // len(NODES)))
        segments[node] = names
        total += written
        records += count
    manifest = Manifest(version=VERSION, start=start.isoformat(), end=end.isoformat(),
                        bytes=total, records=records, segments=segments)
    manifest_path.write_text(json.dumps(manifest.__dict__, indent=1))
    return manifest


def ensure_big_segment(cache: Path, manifest: Manifest) -> Path:
    """One 1 GB segment (kumod's default max_file_size): mta1's records and mta2's, joined."""
    target = cache / "big" / _name(datetime.fromisoformat(manifest.start))
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    sources = [cache / node / name for node in NODES for name in manifest.segments[node]]
    compressor = zstandard.ZstdCompressor(level=3)
    written = 0
    with target.open("wb") as out, compressor.stream_writer(out, closefd=False) as writer:
        for path in sources:
            obj = zstandard.ZstdDecompressor().decompressobj()
            with path.open("rb") as fh:
                while (raw := fh.read(1 << 20)) and written < 1_000_000_000:
                    data = obj.decompress(raw)
                    data = data[: data.rfind(b"\n") + 1] if written + len(data) >= 1e9 else data
                    writer.write(data)
                    written += len(data)
    os.chmod(target, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return target
