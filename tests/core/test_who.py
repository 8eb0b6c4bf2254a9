"""``who``: tenants and campaigns from queue names, change, and samples without bodies."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from bot.core.who import QueuedMessage, QueueSample, holders, sample_rows, spool_id_created

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_mail_is_grouped_by_tenant_and_campaign_largest_first_with_its_change() -> None:
    found = holders({"spring:acme@yahoo.com": 27_000, "acme@yahoo.com": 5_000,
                     "yahoo.com": 3_000, "acme@yahoo.com!relay.example": 100},
                    {"spring:acme@yahoo.com": 22_000, "acme@yahoo.com": 5_000})
    assert [(h.tenant, h.campaign, h.count, h.change) for h in found] == [
        ("acme", "spring", 27_000, 5_000),
        ("acme", None, 5_100, 100),
        (None, None, 3_000, 3_000),
    ]
    assert found[1].queues == ["acme@yahoo.com", "acme@yahoo.com!relay.example"]


def test_without_history_no_change_is_claimed() -> None:
    (only,) = holders({"yahoo.com": 10}, None)
    assert only.change is None


def test_a_uuid_v1_spool_id_tells_when_the_message_was_created() -> None:
    created = datetime(2026, 11, 29, 11, 12, 13, tzinfo=UTC)
    ticks = int((created - datetime(1582, 10, 15, tzinfo=UTC)).total_seconds() * 10_000_000)
    spool_id = uuid.UUID(fields=(ticks & 0xFFFFFFFF, (ticks >> 32) & 0xFFFF,
                                 0x1000 | (ticks >> 48), 0x80, 0, 0x0C29C33806)).hex
    assert spool_id_created(spool_id) == created
    assert spool_id_created("d7ef132b5d7711eea8c8000c29c33806") is not None


def test_a_spool_id_that_is_not_time_based_gives_no_age_rather_than_a_wrong_one() -> None:
    assert spool_id_created(uuid.uuid4().hex) is None
    assert spool_id_created("not-an-id") is None


def test_samples_show_the_recipient_domain_never_the_local_part() -> None:
    sample = QueueSample(queue_name="spring:acme@yahoo.com", num_scheduled=9, messages=(
        QueuedMessage(id=uuid.uuid4().hex, sender="bounces@mail.acme.example",
                      recipient="Jane.Doe@Yahoo.com", num_attempts=2,
                      due=NOW + timedelta(minutes=5)),))
    (row,) = sample_rows("mta1", sample, NOW)
    assert row.recipient_domain == "yahoo.com" and "jane" not in row.model_dump_json().lower()
    assert row.age is None and row.num_attempts == 2
