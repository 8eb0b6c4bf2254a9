"""Log records as kumod writes them (REFERENCE 4.1-4.3): real samples, old shapes, lists."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from bot.core.logrecords import (
    LogRecord,
    RecordType,
    parse_event_time,
    parse_log_record,
    recipient_domain,
    type_for_word,
)
from tests.logs.logfiles import SAMPLES, record


def samples() -> list[LogRecord]:
    return [parse_log_record(orjson.loads(line)) for line in SAMPLES.read_bytes().splitlines()]


def test_every_real_sample_record_is_read_whatever_keys_it_lacks() -> None:
    found = samples()
    assert [r.type for r in found] == [
        "Reception", "Reception", "Reception", "Reception", "Delivery", "TransientFailure",
        "Delayed", "TransientFailure", "Delayed", "Feedback",
    ]


def test_the_tss04_sample_reads_as_a_receivers_421_on_the_yahoo_site() -> None:
    tss04 = samples()[5]
    assert (tss04.code, tss04.enhanced, tss04.enhanced_text) == (421, (4, 7, 0), "4.7.0")
    assert tss04.content.startswith("[TSS04] Messages from a.b.c.d")
    assert tss04.recipient_domains == ("yahoo.com",)
    assert tss04.site == "unspecified->(mta5|mta6|mta7).am0.yahoodns.net"
    assert tss04.at == datetime.fromtimestamp(1757675281, tz=UTC)  # no event_time: timestamp
    assert tss04.egress_source is None and not tss04.is_internal


def test_the_delivery_sample_keeps_event_time_to_the_microsecond() -> None:
    delivery = samples()[4]
    assert delivery.at == datetime(2025, 9, 12, 11, 8, 1, 440526, tzinfo=UTC)
    assert delivery.egress_source == "source2" and delivery.provider is None
    assert delivery.code_class == 2


def test_an_older_record_without_nodeid_or_protocols_is_read() -> None:
    old = samples()[1]
    assert old.nodeid is None and old.recipients == ("recipient@example.com",)


def test_partial_records_from_the_docs_are_read_with_what_they_have() -> None:
    spool, error, watchdog, feedback = samples()[6:]
    assert spool.is_internal and spool.at is None and spool.recipients == ()
    assert (error.code, error.enhanced, error.is_internal) == (400, None, True)
    assert watchdog.recipient_domains == ("wedge.example.com",)
    assert feedback.type == "Feedback" and feedback.code is None and feedback.content == ""


def test_a_multi_recipient_record_has_every_recipient() -> None:
    multi = parse_log_record(record(datetime.now(UTC),
                                    recipient=["a@Gmail.com", "B@yahoo.com.", 7]))  # type: ignore[list-item]
    assert multi.recipients == ("a@Gmail.com", "B@yahoo.com.")
    assert multi.recipient_domains == ("gmail.com", "yahoo.com")


@pytest.mark.parametrize("raw", [[1, 2], "text", 42, None, {"no": "type"}, {"type": 3},
                                 {"type": ""}])
def test_anything_that_is_not_a_record_is_refused_plainly(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_log_record(raw)


def test_values_of_the_wrong_json_type_are_read_as_missing() -> None:
    odd = parse_log_record({"type": "Bounce", "response": "550 no", "recipient": {"a": 1},
                            "timestamp": "yesterday", "egress_source": 5})
    assert odd.code is None and odd.content == "" and odd.recipients == ()
    assert odd.at is None and odd.egress_source is None


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-11-29T09:29:07.967925947Z", datetime(2026, 11, 29, 9, 29, 7, 967925, tzinfo=UTC)),
    ("2026-11-29T09:29:07Z", datetime(2026, 11, 29, 9, 29, 7, tzinfo=UTC)),
    ("2026-11-29T10:29:07.5+01:00", datetime(2026, 11, 29, 9, 29, 7, 500000, tzinfo=UTC)),
    ("not a time", None),
])
def test_event_times_are_read_at_any_precision(text: str, expected: datetime | None) -> None:
    assert parse_event_time(text) == expected


@pytest.mark.parametrize(("word", "kind"), [
    ("deferral", RecordType.TRANSIENT_FAILURE), ("TransientFailure", RecordType.TRANSIENT_FAILURE),
    ("bounce", RecordType.BOUNCE), ("delivery", RecordType.DELIVERY),
    ("rejection", RecordType.REJECTION), ("expiration", RecordType.EXPIRATION),
    ("adminbounce", RecordType.ADMIN_BOUNCE), ("admin-bounce", RecordType.ADMIN_BOUNCE),
    ("OOB", RecordType.OOB), ("feedback", RecordType.FEEDBACK), ("sometimes", None),
])
def test_type_words_name_kumod_record_types(word: str, kind: RecordType | None) -> None:
    assert type_for_word(word) == kind


def test_a_recipient_domain_ignores_case_and_a_trailing_dot() -> None:
    assert recipient_domain("Jane@Example.COM.") == "example.com"
    assert recipient_domain('"odd@local"@yahoo.com') == "yahoo.com"
