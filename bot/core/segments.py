"""Which log segments a time window needs, from their names alone (REFERENCE 4.5).

kumod names a segment by the UTC time it opened (``%Y%m%d-%H%M%S%.f``, optionally
followed by a ``per_record`` suffix such as ``_recv``), so name order is time order
within one stream (one suffix in one directory).  A segment holds records written
between its opening and the opening of the next segment of its stream, so:

* a segment whose successor opened at or before ``since`` is entirely older than
  the window and is skipped without being read;
* a segment opened after ``until`` is entirely newer, give or take the moment a
  record spends between its event and its write (``WRITE_LAG``), and is skipped.

Plans are newest first, so "the last N" can stop early.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_NAME = re.compile(r"^(\d{8})-(\d{6})(?:\.(\d{1,9}))?(.*)$")

# A record's event time precedes its write into the segment by kumod's log queue
# latency (back_pressure buffers up to 128,000 records); a minute covers it.
WRITE_LAG = timedelta(minutes=1)


@dataclass(frozen=True)
class SegmentName:
    """A segment file name read as its open time and its stream (the suffix)."""

    name: str
    opened: datetime
    stream: str = ""


@dataclass(frozen=True)
class PlannedSegment:
    """A segment to read; ``closes`` is when its successor opened (None: the newest)."""

    segment: SegmentName
    closes: datetime | None


@dataclass(frozen=True)
class SegmentPlan:
    """The segments to read, newest first, and what was left out and why."""

    read: tuple[PlannedSegment, ...]
    outside_window: tuple[str, ...] = ()
    not_segments: tuple[str, ...] = ()


def parse_segment_name(name: str) -> SegmentName | None:
    """``20230809-153944.123456789_recv`` -> open time and stream; None if not a segment."""
    match = _NAME.match(name)
    if match is None:
        return None
    day, clock, fraction, suffix = match.groups()
    try:
        opened = datetime.strptime(day + clock, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    except ValueError:
        return None
    if fraction:
        opened += timedelta(microseconds=int(fraction.ljust(9, "0")[:6]))
    return SegmentName(name=name, opened=opened, stream=suffix)


def plan_segments(
    names: Iterable[str], *, since: datetime | None = None, until: datetime | None = None
) -> SegmentPlan:
    """The segments of one directory that may hold records in ``[since, until)``, newest first.

    Dot-files (the tailer's checkpoints) are not segments and are ignored silently;
    other names that are not segment names are listed in ``not_segments``.
    """
    streams: dict[str, list[SegmentName]] = {}
    strangers: list[str] = []
    for name in names:
        if name.startswith("."):
            continue
        parsed = parse_segment_name(name)
        if parsed is None:
            strangers.append(name)
            continue
        streams.setdefault(parsed.stream, []).append(parsed)
    keep: list[PlannedSegment] = []
    skipped: list[str] = []
    for segments in streams.values():
        # Names sort lexically into time order (REFERENCE 4.5); the parsed time agrees.
        segments.sort(key=lambda s: s.name)
        for index, segment in enumerate(segments):
            closes = segments[index + 1].opened if index + 1 < len(segments) else None
            too_old = since is not None and closes is not None and closes <= since
            too_new = until is not None and segment.opened > until + WRITE_LAG
            if too_old or too_new:
                skipped.append(segment.name)
            else:
                keep.append(PlannedSegment(segment=segment, closes=closes))
    keep.sort(key=lambda p: (p.segment.opened, p.segment.name), reverse=True)
    return SegmentPlan(
        read=tuple(keep),
        outside_window=tuple(sorted(skipped)),
        not_segments=tuple(sorted(strangers)),
    )
