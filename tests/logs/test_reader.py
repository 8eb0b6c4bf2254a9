"""The zstd log reader on real segments: newest first, windows, filters, damage counted."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from bot.adapters.logs import ZstdLogReader
from bot.core.logquery import LogQuery
from bot.core.logrecords import RESPONSE_TYPES, LogRecord
from bot.core.logscan import LogScan, ScanProgress
from bot.core.logtally import ResponseTally
from tests.logs.logfiles import INTERNAL, SAMPLES, at, record, write_segment

YAHOO = LogQuery(domain="yahoo.com")
DEFERRALS = LogQuery(domain="yahoo.com", types=frozenset({"TransientFailure"}))


def newest(reader: ZstdLogReader, query: LogQuery, limit: int = 5
           ) -> LogScan[list[tuple[str, LogRecord]]]:
    return reader.newest_records(query, limit=limit)


def minutes(scan: LogScan[list[tuple[str, LogRecord]]]) -> list[float]:
    first = at(0)
    return [((r.at or first) - first).total_seconds() / 60 for _, r in scan.result]


@pytest.fixture
def three_segments(tmp_path: Path) -> ZstdLogReader:
    """mta1: segments opened at 0, 20 and 40 (live), a yahoo deferral every minute."""
    d = tmp_path / "mta1"
    for start in (0, 20):
        write_segment(d, at(start), [record(at(start + m)) for m in range(20)])
    write_segment(d, at(40), [record(at(40 + m)) for m in range(10)], live=True)
    return ZstdLogReader({"mta1": [d]})


def test_the_last_n_come_newest_first_from_the_live_segment_alone(
        three_segments: ZstdLogReader) -> None:
    scan = newest(three_segments, YAHOO, limit=3)
    assert minutes(scan) == [49, 48, 47]
    assert scan.report.segments_read == 1 and scan.report.segments_not_needed == 2


def test_a_limit_beyond_one_segment_reads_the_next_one_and_no_more(
        three_segments: ZstdLogReader) -> None:
    scan = newest(three_segments, YAHOO, limit=12)
    assert minutes(scan) == list(range(49, 37, -1))
    assert scan.report.segments_read == 2 and scan.report.segments_not_needed == 1


def test_nodes_are_merged_by_time(tmp_path: Path) -> None:
    write_segment(tmp_path / "a", at(0), [record(at(m)) for m in (1, 3, 5)])
    write_segment(tmp_path / "b", at(0), [record(at(m)) for m in (2, 4, 6)])
    reader = ZstdLogReader({"mta1": [tmp_path / "a"], "mta2": [tmp_path / "b"]})
    scan = newest(reader, YAHOO, limit=4)
    assert [(n, m) for (n, _), m in zip(scan.result, minutes(scan), strict=True)] == [
        ("mta2", 6), ("mta1", 5), ("mta2", 4), ("mta1", 3)]


def test_a_node_may_have_several_directories(tmp_path: Path) -> None:
    write_segment(tmp_path / "main", at(0), [record(at(1))])
    write_segment(tmp_path / "bounces", at(0), [record(at(2), kind="Bounce", code=550)])
    reader = ZstdLogReader({"mta1": [tmp_path / "main", tmp_path / "bounces"]})
    assert [r.type for _, r in newest(reader, YAHOO).result] == ["Bounce", "TransientFailure"]


def test_since_skips_old_segments_by_name_then_old_records_by_time(
        three_segments: ZstdLogReader) -> None:
    query = LogQuery(domain="yahoo.com", since=at(35))
    scan = newest(three_segments, query, limit=100)
    assert minutes(scan) == list(range(49, 34, -1))
    assert scan.report.segments_skipped == 1 and scan.report.segments_read == 2


def test_until_skips_newer_segments_by_name(three_segments: ZstdLogReader) -> None:
    query = LogQuery(domain="yahoo.com", since=at(10), until=at(25))
    scan = newest(three_segments, query, limit=100)
    assert minutes(scan) == list(range(24, 9, -1))
    assert scan.report.segments_skipped == 1  # the live one opened at 40


def test_only_the_asked_domain_matches_and_case_does_not_matter(tmp_path: Path) -> None:
    write_segment(tmp_path, at(0), [
        record(at(1), recipient="a@YAHOO.com"), record(at(2), recipient="b@gmail.com"),
        record(at(3), recipient="c@mail.yahoo.com"), record(at(4), recipient="yahoo.com@gmail.com"),
        record(at(5), recipient="d@gmail.com", queue="yahoo.com"),
    ])
    scan = newest(ZstdLogReader({"mta1": [tmp_path]}), YAHOO)
    assert [r.recipients for _, r in scan.result] == [("a@YAHOO.com",)]


def test_a_multi_recipient_record_matches_when_any_recipient_is_in_scope(tmp_path: Path) -> None:
    write_segment(tmp_path, at(0), [
        record(at(1), recipient=["x@gmail.com", "y@yahoo.com"]),
        record(at(2), recipient=["x@gmail.com", "z@outlook.com"]),
    ])
    scan = newest(ZstdLogReader({"mta1": [tmp_path]}), YAHOO)
    assert [r.recipients for _, r in scan.result] == [("x@gmail.com", "y@yahoo.com")]


def test_site_widens_to_every_domain_on_the_site(tmp_path: Path) -> None:
    write_segment(tmp_path, at(0), [record(at(1), recipient="a@ymail.com"),
                                    record(at(2), recipient="b@gmail.com"),
                                    record(at(3), recipient="c@yahoo.com")])
    sites = {"yahoo.com": "yahoo-site", "ymail.com": "yahoo-site", "gmail.com": "google"}
    query = LogQuery(domain="yahoo.com", site="yahoo-site", site_of=sites.get)
    scan = newest(ZstdLogReader({"mta1": [tmp_path]}), query)
    assert [r.recipients[0] for _, r in scan.result] == ["c@yahoo.com", "a@ymail.com"]


@pytest.fixture
def mixed(tmp_path: Path) -> ZstdLogReader:
    write_segment(tmp_path / "1", at(0), [
        record(at(1), source="ip-1"),
        record(at(2), source="ip-2", kind="Bounce", code=550, enhanced=(5, 1, 1),
               content="<jane.doe@yahoo.com>: user unknown"),
        record(at(3), kind="Delivery", code=250, enhanced=(2, 0, 0), content="OK id=1"),
        record(at(4), source=None, code=451, enhanced=(4, 4, 4), content=INTERNAL),
    ])
    write_segment(tmp_path / "2", at(0), [record(at(5), source="ip-3")])
    return ZstdLogReader({"mta1": [tmp_path / "1"], "mta2": [tmp_path / "2"]})


@pytest.mark.parametrize(("query", "expected"), [
    (LogQuery(domain="yahoo.com", types=frozenset({"Bounce"})), [2]),
    (LogQuery(domain="yahoo.com", types=frozenset({"Delivery"})), [3]),
    (LogQuery(domain="yahoo.com", sources=frozenset({"ip-1", "ip-3"})), [5, 3, 1]),
    (LogQuery(domain="yahoo.com", code_class=5), [2]),
    (LogQuery(domain="yahoo.com", code_class=4), [5, 1]),
    (LogQuery(domain="yahoo.com", nodes=("mta2",)), [5]),
    (LogQuery(domain="gmail.com"), []),
])
def test_each_filter_keeps_only_its_records(mixed: ZstdLogReader, query: LogQuery,
                                            expected: list[int]) -> None:
    assert minutes(newest(mixed, query)) == expected


def test_internal_responses_are_counted_apart_and_shown_only_when_asked(
        mixed: ZstdLogReader) -> None:
    without = newest(mixed, DEFERRALS)
    assert minutes(without) == [5, 1] and without.report.internal == 1
    with_internal = newest(mixed, LogQuery(domain="yahoo.com", types=frozenset(
        {"TransientFailure"}), internal=True))
    assert minutes(with_internal) == [5, 4, 1]
    assert with_internal.result[1][1].is_internal


def test_the_tally_counts_by_first_digit_and_internal_apart(mixed: ZstdLogReader) -> None:
    query = LogQuery(domain="yahoo.com", types=frozenset(RESPONSE_TYPES))
    scan = mixed.tally_responses(query, ResponseTally())
    summary = scan.result.summary()
    assert (summary.deferrals, summary.bounces, summary.internal) == (2, 1, 1)
    assert scan.report.internal == 1
    assert [g.text for g in summary.groups] == [
        "[TSS04] Messages from <ip> temporarily deferred due to unexpected volume or user "
        "complaints", "<<email>>: user unknown"]
    assert summary.groups[0].sources == ["ip-1", "ip-3"]
    assert summary.groups[0].nodes == ["mta1", "mta2"]
    assert summary.internal_groups == []


def test_damage_is_skipped_counted_and_the_rest_still_answers(tmp_path: Path) -> None:
    d = tmp_path / "mta1"
    write_segment(d, at(0), [record(at(1)), b'{"type":"Bounce","recipient":"x@yahoo.com",',
                             b"x@yahoo.com\" is not json", b'["y@yahoo.com"]', record(at(2))])
    write_segment(d, at(10), [], raw=b"garbage, not zstd: z@yahoo.com\"\n")
    write_segment(d, at(20), [record(at(21)), record(at(22))], cut=40)
    (d / "notes.txt").write_text("hello")
    scan = newest(ZstdLogReader({"mta1": [d]}), YAHOO, limit=10)
    assert minutes(scan)[-2:] == [2, 1]
    kinds = {p.kind: p.count for p in scan.report.problems}
    assert kinds == {"bad-line": 3, "corrupt": 1, "truncated": 1, "not-a-segment": 1}
    assert all(p.node == "mta1" for p in scan.report.problems)


def test_a_missing_directory_is_reported_not_raised(tmp_path: Path) -> None:
    write_segment(tmp_path / "ok", at(0), [record(at(1))])
    reader = ZstdLogReader({"mta1": [tmp_path / "gone"], "mta2": [tmp_path / "ok"]})
    scan = newest(reader, YAHOO)
    assert [n for n, _ in scan.result] == ["mta2"]
    (problem,) = scan.report.problems
    assert (problem.node, problem.kind) == ("mta1", "unreadable")


def test_the_real_samples_in_a_segment_answer_for_yahoo(tmp_path: Path) -> None:
    samples = [orjson.loads(line) for line in SAMPLES.read_bytes().splitlines()]
    write_segment(tmp_path, at(0), samples)
    reader = ZstdLogReader({"mta1": [tmp_path]})
    (found,) = newest(reader, YAHOO).result
    assert found[1].content.startswith("[TSS04]")
    summary = reader.tally_responses(
        LogQuery(domain="yahoo.com", types=frozenset(RESPONSE_TYPES)), ResponseTally()
    ).result.summary()
    assert summary.deferrals == 1
    assert summary.groups[0].sites == ["(mta5|mta6|mta7).am0.yahoodns.net"]


def test_progress_is_reported_until_every_byte_is_read(three_segments: ZstdLogReader) -> None:
    seen: list[ScanProgress] = []
    three_segments.tally_responses(YAHOO, ResponseTally(), progress=seen.append)
    assert seen and [p.done_bytes for p in seen] == sorted(p.done_bytes for p in seen)
    assert seen[-1].fraction == 1.0 and seen[-1].segments_done == seen[-1].segments_total == 3


def test_a_big_tally_split_over_worker_processes_counts_the_same(tmp_path: Path) -> None:
    for node, offset in (("mta1", 0), ("mta2", 30)):
        for start in (0, 10, 20):
            write_segment(tmp_path / node, at(start + offset), [
                record(at(start + offset + m / 10), source=f"ip-{m % 3 + 1}") for m in range(50)
            ] + [record(at(start + offset + 6), kind="Bounce", code=550, enhanced=(5, 1, 1),
                        content=f"<u{start}@yahoo.com>: unknown"), b'{"type":"Bounce","x@yahoo.com"'])
    dirs = {"mta1": [tmp_path / "mta1"], "mta2": [tmp_path / "mta2"]}
    query = LogQuery(domain="yahoo.com", types=frozenset(RESPONSE_TYPES))
    here = ZstdLogReader(dirs, workers=1).tally_responses(query, ResponseTally())
    seen: list[ScanProgress] = []
    pooled = ZstdLogReader(dirs, workers=2, parallel_from=0).tally_responses(
        query, ResponseTally(), progress=seen.append)
    assert pooled.result.summary() == here.result.summary()
    assert pooled.result.summary().deferrals == 300
    assert pooled.report.model_dump(exclude={"problems"}) == here.report.model_dump(
        exclude={"problems"})
    assert sorted(p.path for p in pooled.report.problems) == sorted(
        p.path for p in here.report.problems)
    assert seen[-1].segments_done == 6 and seen[-1].fraction == 1.0
