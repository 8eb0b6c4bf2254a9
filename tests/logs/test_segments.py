"""Segments: names are time, read-only is complete, live is read as far as flushed (4.5)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import zstandard

from bot.adapters.logs.segment import SegmentReader
from bot.core.segments import parse_segment_name, plan_segments
from tests.logs.logfiles import at, lines, record, segment_name, write_segment


def read_all(path: Path, *, live: bool) -> tuple[list[bytes], SegmentReader]:
    reader = SegmentReader(path, live)
    found = [line for buf, start, end in reader.blocks() for line in buf[start:end].splitlines()]
    return found, reader


# --- names --------------------------------------------------------------------------------


def test_a_segment_name_is_its_utc_open_time_at_any_precision() -> None:
    nine = parse_segment_name("20230809-153944.123456789")
    assert nine is not None
    assert nine.opened == datetime(2023, 8, 9, 15, 39, 44, 123456, tzinfo=UTC)
    bare = parse_segment_name("20230311-033705")
    assert bare is not None and bare.opened == datetime(2023, 3, 11, 3, 37, 5, tzinfo=UTC)
    suffixed = parse_segment_name("20230306-022811_recv")
    assert suffixed is not None and suffixed.stream == "_recv"
    assert parse_segment_name("README") is None
    assert parse_segment_name("20231399-000000") is None  # month 13


def test_the_plan_reads_newest_first_and_ignores_dot_files() -> None:
    names = [segment_name(at(m)) for m in (40, 0, 20)] + [".tailer-checkpoint", "notes.txt"]
    plan = plan_segments(names)
    assert [p.segment.opened for p in plan.read] == [at(40), at(20), at(0)]
    assert [p.closes for p in plan.read] == [None, at(40), at(20)]
    assert plan.not_segments == ("notes.txt",)


def test_a_segment_closed_before_since_is_skipped_by_its_name() -> None:
    names = [segment_name(at(m)) for m in (0, 20, 40)]
    plan = plan_segments(names, since=at(25))
    assert [p.segment.opened for p in plan.read] == [at(40), at(20)]
    assert plan.outside_window == (segment_name(at(0)),)
    # the segment whose successor opened exactly at `since` holds nothing after it
    assert len(plan_segments(names, since=at(20)).read) == 2


def test_a_segment_opened_after_until_is_skipped_by_its_name() -> None:
    names = [segment_name(at(m)) for m in (0, 20, 40)]
    plan = plan_segments(names, until=at(30))
    assert [p.segment.opened for p in plan.read] == [at(20), at(0)]
    assert plan.outside_window == (segment_name(at(40)),)


def test_streams_with_a_suffix_close_on_their_own_successor() -> None:
    names = [segment_name(at(0)), segment_name(at(0)) + "_recv", segment_name(at(30))]
    plan = plan_segments(names, since=at(35))
    # the plain stream's first segment closed at 30; the _recv one never closed
    assert [p.segment.name for p in plan.read] == [segment_name(at(30)),
                                                   segment_name(at(0)) + "_recv"]


# --- reading one segment ------------------------------------------------------------------


def test_a_live_segment_is_read_as_far_as_it_was_flushed(tmp_path: Path) -> None:
    records = [record(at(i / 100)) for i in range(3000)]
    path = write_segment(tmp_path, at(0), records, live=True)
    found, reader = read_all(path, live=True)
    assert len(found) == 3000  # every flushed line, the last block included
    assert reader.damage.kind is None
    # the reason we do not use stream_reader().read(n): it stops short of the last block
    with path.open("rb") as fh:
        stream = zstandard.ZstdDecompressor().stream_reader(fh)
        short = b"".join(iter(lambda: stream.read(1 << 16), b""))
    assert len(short) < reader.decoded


def test_a_truncated_live_segment_gives_what_was_flushed_and_no_damage(tmp_path: Path) -> None:
    records = [record(at(i / 100)) for i in range(3000)]
    path = write_segment(tmp_path, at(0), records, live=True, cut=700)
    found, reader = read_all(path, live=True)
    assert 0 < len(found) < 3000 and found[-1].endswith(b"}")
    assert reader.damage.kind is None  # still being written: not damage, not there yet


def test_a_truncated_closed_segment_is_read_up_to_the_cut_and_reported(tmp_path: Path) -> None:
    records = [record(at(i / 100)) for i in range(3000)]
    path = write_segment(tmp_path, at(0), records, cut=500)
    found, reader = read_all(path, live=False)
    assert 0 < len(found) < 3000
    assert reader.damage.kind == "truncated"


def test_a_closed_segment_ending_inside_a_line_is_truncated(tmp_path: Path) -> None:
    path = write_segment(tmp_path, at(0), [], raw=zstandard.ZstdCompressor().compress(
        lines([record(at(1))]) + b'{"type":"Bounce","recip'))
    found, reader = read_all(path, live=False)
    assert len(found) == 1 and reader.damage.kind == "truncated"


def test_a_file_that_is_not_zstd_is_corrupt_and_yields_nothing(tmp_path: Path) -> None:
    path = write_segment(tmp_path, at(0), [], raw=b"this is not zstd\n" * 10)
    found, reader = read_all(path, live=False)
    assert found == [] and reader.damage.kind == "corrupt"


def test_a_corrupt_frame_keeps_the_lines_decoded_before_it(tmp_path: Path) -> None:
    good = zstandard.ZstdCompressor().compress(lines([record(at(1)), record(at(2))]))
    path = write_segment(tmp_path, at(0), [], raw=good + b"\x28\xb5\x2f\xfd garbage" * 50)
    found, reader = read_all(path, live=False)
    assert len(found) == 2 and reader.damage.kind == "corrupt"


def test_concatenated_frames_are_all_read(tmp_path: Path) -> None:
    frame = zstandard.ZstdCompressor().compress(lines([record(at(1))]))
    path = write_segment(tmp_path, at(0), [], raw=frame * 3)
    found, reader = read_all(path, live=False)
    assert len(found) == 3 and reader.damage.kind is None


def test_an_empty_live_segment_is_simply_empty(tmp_path: Path) -> None:
    path = write_segment(tmp_path, at(0), [], raw=b"", live=True)
    assert read_all(path, live=True)[0] == []
