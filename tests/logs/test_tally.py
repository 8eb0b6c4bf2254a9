"""Receivers' responses: variable parts normalised, grouped, counted by first digit."""

from __future__ import annotations

import orjson
import pytest

from bot.core import logtally
from bot.core.logrecords import parse_log_record
from bot.core.logtally import ResponseTally, normalise_response, site_of_ready_queue
from bot.core.redact import queue_address, redact_addresses
from tests.logs.logfiles import INTERNAL, RESPONSES_DEV, at, record


def real_responses() -> list[str]:
    return [orjson.loads(line)["response"] for line in RESPONSES_DEV.read_bytes().splitlines()]


def test_the_same_real_response_from_other_ips_and_ids_is_one_text() -> None:
    tss04 = next(r for r in real_responses() if "[TSS04]" in r and "help.yahoo" in r)
    other = tss04.replace("192.0.2.", "198.51.100.")
    assert other != tss04 and normalise_response(other) == normalise_response(tss04)
    gmail = next(r for r in real_responses() if "37si3479471pgw.590" in r)
    assert normalise_response(gmail.replace("37si3479471pgw.590", "r128si5261221lfr.351")) == (
        normalise_response(gmail))
    assert "<id> - gsmtp" in normalise_response(gmail)


def test_microsoft_block_codes_stay_apart() -> None:
    texts = [r for r in real_responses() if "(S3150)" in r or "(S3140)" in r]
    normalised = {normalise_response(t) for t in texts}
    assert any("(S3150)" in n for n in normalised) and any("(S3140)" in n for n in normalised)
    stamp = next(t for t in texts if "2025-11-25T08:06:40.951Z" in t)
    assert "2025-11-25" not in normalise_response(stamp)
    assert "08DE2A19D02BF789" not in normalise_response(stamp)


@pytest.mark.parametrize(("text", "expected"), [
    ("421 from 203.0.113.7:25 now", "421 from <ip> now"),
    ("blocked 2001:db8::25 today", "blocked <ip> today"),
    ("<Jane.Doe@Example.com>: no such user", "<<email>>: no such user"),
    ("session 9bcd689e-23d9-41b7-a015-63a1382f8b57 closed", "session <id> closed"),
    ("at 2026-11-29 09:29:07 +0000 or 09:29:07", "at <time> or <time>"),
    ("Mon, 30 Nov 2026 10:00:00 -0500 try later", "<time> try later"),
    ("queued as 1234567", "queued as <n>"),
    ("[0] - mta1061.mail.ne1.yahoo.com", "[0] - <host>.mail.ne1.yahoo.com"),
    ("resimta-po-18v.sys.comcast.net said", "<host>.sys.comcast.net said"),
    ("see SLN3434.html or RFC5322", "see SLN3434.html or RFC5322"),
    ("[TSS04] ok (S3150) RL000002 4.7.0", "[TSS04] ok (S3150) RL000002 4.7.0"),
    ("spaces    collapse  ", "spaces collapse"),
])
def test_variable_parts_are_replaced_and_codes_kept(text: str, expected: str) -> None:
    assert normalise_response(text) == expected


def test_the_tally_leads_with_the_first_digit_and_keeps_internal_apart() -> None:
    tally = ResponseTally()
    for minute, source in enumerate(("ip-1", "ip-2", "ip-3")):
        tally.add(parse_log_record(record(at(minute), source=source)), "mta1")
    tally.add(parse_log_record(record(at(9), kind="Bounce", code=550, enhanced=(5, 1, 1),
                                      content="<a@yahoo.com>: unknown")), "mta2")
    tally.add(parse_log_record(record(at(5), code=451, enhanced=(4, 4, 4), content=INTERNAL,
                                      source=None)), "mta2")
    summary = tally.summary()
    assert (summary.deferrals, summary.bounces, summary.internal) == (3, 1, 1)
    tss04, bounce = summary.groups
    assert (tss04.count, tss04.code, tss04.enhanced) == (3, 421, "4.7.0")
    assert (tss04.first_seen, tss04.last_seen) == (record_time(0), record_time(2))
    assert tss04.sources == ["ip-1", "ip-2", "ip-3"] and tss04.nodes == ["mta1"]
    assert tss04.sites == ["(mta5|mta6|mta7).am0.yahoodns.net"]
    assert bounce.text == "<<email>>: unknown"
    assert summary.internal_groups == []  # counted, not grouped, unless asked


def record_time(minute: int) -> object:
    return parse_log_record(record(at(minute))).at


def test_internal_groups_are_kept_when_asked() -> None:
    tally = ResponseTally(group_internal=True)
    tally.add(parse_log_record(record(at(1), code=451, enhanced=(4, 4, 4), content=INTERNAL,
                                      source=None)), "mta1")
    (group,) = tally.summary().internal_groups
    assert group.internal and group.count == 1 and group.sites == []


def test_the_tally_stays_bounded_however_many_texts_it_sees(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logtally, "MAX_GROUPS", 5)
    monkeypatch.setattr(logtally, "MAX_NAMES_PER_GROUP", 2)
    tally = ResponseTally()
    for i in range(20):
        tally.add(parse_log_record(record(at(i), content=f"error kind {chr(65 + i)}",
                                          source=f"ip-{i}")), "mta1")
    summary = tally.summary()
    assert summary.deferrals == 20 and summary.groups_capped
    assert summary.groups_total == 6  # five kept, one "other" holding the rest
    other = summary.groups[0]
    assert other.count == 15 and other.more_names and len(other.sources) == 2


def test_a_ready_queue_name_gives_its_site_and_other_names_none() -> None:
    assert site_of_ready_queue("ip-1->(mta5|mta6|mta7).am0.yahoodns.net@smtp_client") == (
        "(mta5|mta6|mta7).am0.yahoodns.net")
    assert site_of_ready_queue("unspecified->mx.example.com") == "mx.example.com"
    assert site_of_ready_queue("acme@yahoo.com") is None
    assert site_of_ready_queue("") is None


def test_redaction_masks_addresses_but_keeps_queue_names() -> None:
    text = "<jane.doe@yahoo.com> full; queue acme@yahoo.com; BOB@Example.org too"
    assert redact_addresses(text, keep=["acme@yahoo.com"]) == (
        "<j***@yahoo.com> full; queue acme@yahoo.com; B***@Example.org too")
    assert redact_addresses("no address here") == "no address here"
    assert queue_address("spring:acme@yahoo.com!relay.example") == "acme@yahoo.com"
    assert queue_address("yahoo.com") is None
