"""``ZstdLogReader``: the ``LogReader`` port over kumod's log directories.

Each node has one or more directories (``KUMO_LOG_DIRS``, a node may repeat).  A
scan plans the segments from their names first (``core.segments``: the time window
skips whole files unread), reads them newest first, pre-filters raw lines
(``lines.LineFilter``), decodes the candidates with orjson, and judges each record
with ``LogQuery.matches``.

* ``newest_records`` has to decompress a segment from its start, but it decodes
  lazily: candidate lines are held raw, a few thousand at a time, and decoded from
  the newest backwards only until N matches are found.  It stops reading segments
  as soon as no unread one can hold anything newer than the N it has.
* ``tally_responses`` streams every match into a ``ResponseTally``; a big one is
  split by segment over a process pool (``parallel``) and the tallies merged.

Memory stays flat: one decompressed block, a bounded batch of raw lines, N records,
one bounded tally.
"""

from __future__ import annotations

import dataclasses
import heapq
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson

from bot.adapters.logs.lines import LineFilter, recipient_pattern
from bot.adapters.logs.parallel import MIN_PARALLEL_BYTES, default_workers, shared_pool
from bot.adapters.logs.segment import SegmentReader, is_live
from bot.core.logquery import LogQuery
from bot.core.logrecords import LogRecord, parse_log_record
from bot.core.logscan import LogProblem, LogScan, ProblemKind, ProgressFn, ScanProgress, ScanReport
from bot.core.logtally import ResponseTally
from bot.core.segments import PlannedSegment, plan_segments

log = logging.getLogger(__name__)
Found = tuple[str, LogRecord]
Visitor = Callable[[str, LogRecord], None]
RAW_BATCH = 4096  # raw candidate lines held before the newest of them are decoded


@dataclass(frozen=True)
class _Segment:
    node: str
    path: Path
    plan: PlannedSegment
    size: int
    live: bool


class _Scan:
    """The bookkeeping of one scan: report counters, problems, progress."""

    def __init__(self, query: LogQuery, progress: ProgressFn | None) -> None:
        self.query = query
        self.progress = progress
        self.nodes: list[str] = []
        self.segments_read = self.segments_skipped = self.segments_not_needed = 0
        self.bytes_read = self.records_seen = self.internal = self.bad = 0
        self.problems: dict[tuple[str, str, ProblemKind], LogProblem] = {}
        self.done = self.total = self.segments_done = self.segments_total = self.matched = 0
        pattern = None if query.widened else recipient_pattern([query.domain])
        self.filter = LineFilter(pattern, query.types)

    def problem(self, node: str, path: str, kind: ProblemKind, detail: str = "",
                count: int = 1) -> None:
        key = (node, path, kind)
        old = self.problems.get(key)
        count += old.count if old is not None else 0
        self.problems[key] = LogProblem(node=node, path=path, kind=kind, count=count,
                                        detail=detail or (old.detail if old else ""))

    def read(self, size: int) -> None:
        self.done += size
        self.tell()

    def tell(self) -> None:
        if self.progress is not None:
            self.progress(ScanProgress(self.done, self.total, self.segments_done,
                                       self.segments_total, self.matched))

    def lines(self, seg: _Segment, reader: SegmentReader) -> Iterator[bytes]:
        """The raw candidate lines of one segment; read errors become problems."""
        candidates = self.filter.candidates
        try:
            for buf, start, end in reader.blocks():
                yield from candidates(buf, start, end)
        except OSError as exc:
            self.problem(seg.node, str(seg.path), "unreadable", exc.strerror or str(exc))

    def decode(self, line: bytes) -> LogRecord | None:
        """The record on a line if it matches the query (internal or not), else None."""
        try:
            record = parse_log_record(orjson.loads(line))
        except ValueError:  # orjson.JSONDecodeError is a ValueError
            self.bad += 1
            return None
        self.records_seen += 1
        return record if self.query.matches(record) else None

    def close(self, seg: _Segment, reader: SegmentReader) -> None:
        """Count a segment done and name what could not be read in it."""
        self.segments_read += 1
        self.segments_done += 1
        self.bytes_read += reader.decoded
        bad, self.bad = self.bad + reader.damage.long_lines, 0
        if bad:
            self.problem(seg.node, str(seg.path), "bad-line", count=bad)
        if reader.damage.kind is not None:
            self.problem(seg.node, str(seg.path), reader.damage.kind, reader.damage.detail)
        self.tell()

    def absorb(self, part: ScanReport) -> None:
        """Count what another process read, with what it could not read."""
        self.segments_read += part.segments_read
        self.bytes_read += part.bytes_read
        self.records_seen += part.records_seen
        for p in part.problems:
            self.problem(p.node, p.path, p.kind, p.detail, p.count)

    def finish(self) -> ScanReport:
        return ScanReport(
            nodes=self.nodes, segments_read=self.segments_read,
            segments_skipped=self.segments_skipped, segments_not_needed=self.segments_not_needed,
            bytes_read=self.bytes_read, records_seen=self.records_seen, internal=self.internal,
            problems=list(self.problems.values()),
        )


class ZstdLogReader:
    """kumod's zstd JSON Lines segments, read straight from its log directories."""

    def __init__(
        self,
        dirs: Mapping[str, Sequence[str | Path]],
        *,
        workers: int | None = None,
        parallel_from: int = MIN_PARALLEL_BYTES,
    ) -> None:
        self.dirs = {node: tuple(Path(p) for p in paths) for node, paths in dirs.items()}
        self.workers = workers if workers is not None else default_workers()
        self.parallel_from = parallel_from  # compressed bytes from which a tally uses the pool

    @property
    def node_names(self) -> list[str]:
        return list(self.dirs)

    def _plan(self, scan: _Scan, query: LogQuery) -> list[_Segment]:
        """Every segment the window may need, over the asked nodes, newest first."""
        nodes = [n for n in self.dirs if query.nodes is None or n in query.nodes]
        segments: list[_Segment] = []
        for node in nodes:
            for directory in self.dirs[node]:
                try:
                    names = os.listdir(directory)
                except OSError as exc:
                    scan.problem(node, str(directory), "unreadable", exc.strerror or str(exc))
                    continue
                plan = plan_segments(names, since=query.since, until=query.until)
                scan.segments_skipped += len(plan.outside_window)
                for name in plan.not_segments:
                    scan.problem(node, str(directory / name), "not-a-segment")
                for planned in plan.read:
                    path = directory / planned.segment.name
                    try:
                        info = path.stat()
                    except OSError as exc:
                        scan.problem(node, str(path), "unreadable", exc.strerror or str(exc))
                        continue
                    segments.append(_Segment(node, path, planned, info.st_size,
                                             is_live(info.st_mode)))
        segments.sort(key=lambda s: (s.plan.segment.opened, s.node, s.path.name), reverse=True)
        scan.total = sum(s.size for s in segments)
        scan.segments_total = len(segments)
        scan.nodes = nodes
        return segments

    def newest_records(
        self, query: LogQuery, *, limit: int, progress: ProgressFn | None = None
    ) -> LogScan[list[Found]]:
        """The ``limit`` newest matches, newest first; stops once older segments cannot help."""
        scan = _Scan(query, progress)
        segments = self._plan(scan, query)
        best: list[tuple[tuple[datetime, int, int], str, LogRecord]] = []  # a min-heap
        for index, seg in enumerate(segments):
            full = len(best) >= limit
            if full and seg.plan.closes is not None and seg.plan.closes <= best[0][0][0]:
                scan.segments_not_needed += 1
                scan.segments_done += 1
                continue
            rank = len(segments) - index  # orders records of one time: newer segment first
            for position, record in enumerate(self._last_matches(scan, seg, limit)):
                item = ((record.at or seg.plan.segment.opened, rank, position), seg.node, record)
                if len(best) < limit:
                    heapq.heappush(best, item)
                elif item[0] > best[0][0]:
                    heapq.heapreplace(best, item)
        ordered = sorted(best, key=lambda item: item[0], reverse=True)
        return LogScan([(node, record) for _, node, record in ordered], scan.finish())

    def _last_matches(self, scan: _Scan, seg: _Segment, limit: int) -> list[LogRecord]:
        """The last ``limit`` matches of one segment, oldest first, decoding as few as can be."""
        reader = SegmentReader(seg.path, seg.live, on_read=scan.read)
        kept: list[LogRecord] = []
        raw: list[bytes] = []
        for line in scan.lines(seg, reader):
            raw.append(line)
            if len(raw) >= RAW_BATCH:
                kept = self._settle(scan, raw, kept, limit)
                raw = []
        kept = self._settle(scan, raw, kept, limit)
        scan.close(seg, reader)
        return kept

    @staticmethod
    def _settle(scan: _Scan, raw: list[bytes], kept: list[LogRecord],
                limit: int) -> list[LogRecord]:
        """Decode a batch from its newest line back until ``limit`` matches are found."""
        found: list[LogRecord] = []
        for line in reversed(raw):
            record = scan.decode(line)
            if record is None:
                continue
            if record.is_internal and not scan.query.internal:
                scan.internal += 1  # counted among the records decoded on the way
                continue
            found.append(record)
            scan.matched += 1
            if len(found) >= limit:
                break
        found.reverse()
        return (kept + found)[-limit:]

    def tally_responses(
        self, query: LogQuery, tally: ResponseTally, *, progress: ProgressFn | None = None
    ) -> LogScan[ResponseTally]:
        """Stream every match of ``query`` into ``tally``, over every planned segment."""
        scan = _Scan(query, progress)
        segments = self._plan(scan, query)
        # --site resolves domains through the resolver, which lives in this process.
        parallel = (self.workers > 1 and len(segments) > 1 and not query.widened
                    and scan.total >= self.parallel_from)
        if not (parallel and self._tally_in_pool(scan, segments, tally)):
            for seg in segments:
                _tally_segment(scan, seg, tally)
        scan.internal = tally.internal
        return LogScan(tally, scan.finish())

    def visit_records(
        self, query: LogQuery, visit: Visitor, *, progress: ProgressFn | None = None
    ) -> LogScan[int]:
        """Call ``visit(node, record)`` for every match of ``query`` (internal ones too),
        segment by segment in this process; the result is how many were visited."""
        scan = _Scan(query, progress)
        for seg in self._plan(scan, query):
            reader = SegmentReader(seg.path, seg.live, on_read=scan.read)
            for line in scan.lines(seg, reader):
                record = scan.decode(line)
                if record is not None:
                    scan.internal += record.is_internal
                    visit(seg.node, record)
                    scan.matched += 1
            scan.close(seg, reader)
        return LogScan(scan.matched, scan.finish())

    def _tally_in_pool(self, scan: _Scan, segments: list[_Segment], tally: ResponseTally) -> bool:
        """Tally the segments on the worker processes; False (nothing counted) if the pool
        failed, and the caller reads them here instead."""
        portable = dataclasses.replace(scan.query, site_of=None)  # a closure cannot travel
        staged = ResponseTally(group_internal=tally.group_internal)  # merged as parts arrive
        reports: list[ScanReport] = []
        try:
            pool = shared_pool(self.workers)
            futures = {pool.submit(_tally_worker, portable, seg, tally.group_internal): seg
                       for seg in segments}
            for future in as_completed(futures):
                part, report = future.result()
                staged.merge(part)
                reports.append(report)
                scan.done += futures[future].size
                scan.segments_done += 1
                scan.tell()
        except (BrokenProcessPool, OSError, RuntimeError) as exc:
            log.warning("log scan: the worker pool failed (%s); reading in this process", exc)
            scan.done = scan.segments_done = 0
            return False
        tally.merge(staged)
        for report in reports:
            scan.absorb(report)
        return True


def _tally_segment(scan: _Scan, seg: _Segment, tally: ResponseTally) -> None:
    reader = SegmentReader(seg.path, seg.live, on_read=scan.read)
    add, decode = tally.add, scan.decode
    for line in scan.lines(seg, reader):
        record = decode(line)
        if record is not None:
            add(record, seg.node)
            scan.matched += 1
    scan.close(seg, reader)


def _tally_worker(query: LogQuery, seg: _Segment,
                  group_internal: bool) -> tuple[ResponseTally, ScanReport]:
    """One segment's tally, in a worker process."""
    scan = _Scan(query, None)
    tally = ResponseTally(group_internal=group_internal)
    _tally_segment(scan, seg, tally)
    return tally, scan.finish()
