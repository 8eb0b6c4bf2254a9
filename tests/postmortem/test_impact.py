"""The impact tally: receivers' answers per provider and source, KumoMTA's own apart."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.impact import ImpactTally, bucket_minutes_for, bucket_start, provider_of
from bot.core.logrecords import LogRecord

OPEN = datetime(2026, 11, 29, 9, 0, tzinfo=UTC)
END = OPEN + timedelta(hours=1)
YAHOO_SITE = "ip-1->(mta5|mta6|mta7).am0.yahoodns.net@smtp_client"


def record(kind: str, at: datetime, *, to: str = "a@yahoo.com", provider: str | None = "yahoo",
           source: str | None = "ip-1", content: str = "", site: str | None = YAHOO_SITE
           ) -> LogRecord:
    return LogRecord(type=kind, recipients=(to,), at=at, code=250, content=content,
                     provider=provider, egress_source=source, site=site)


def test_records_are_counted_per_provider_and_source_and_internal_ones_apart() -> None:
    tally = ImpactTally(["yahoo.com"], OPEN, END)
    at = OPEN + timedelta(minutes=3)
    for kind in ("TransientFailure", "TransientFailure", "Bounce", "Delivery"):
        tally.add(record(kind, at))
    tally.add(record("Delivery", at, source="ip-2"))
    tally.add(record("TransientFailure", at, content="KumoMTA internal: no sources for ..."))
    tally.add(record("Reception", at))  # not an answer to a delivery attempt
    impact = tally.impact()
    assert [(c.name, c.deferrals, c.bounces, c.deliveries) for c in impact.providers] == [
        ("yahoo", 2, 1, 2)]
    assert [(c.name, c.total) for c in impact.sources] == [("ip-1", 4), ("ip-2", 1)]
    assert impact.totals.total == 5 and impact.internal_total == 1
    assert [(b.provider, b.deferrals, b.internal) for b in impact.buckets] == [("yahoo", 2, 1)]


def test_the_window_is_half_open_and_timeless_records_are_left_out() -> None:
    tally = ImpactTally(["yahoo.com"], OPEN, END)
    tally.add(record("Delivery", OPEN))
    tally.add(record("Delivery", END))  # the resolve's own instant is after the window
    tally.add(record("Delivery", OPEN - timedelta(microseconds=1)))
    tally.add(LogRecord(type="Delivery", recipients=("a@yahoo.com",), at=None))
    assert tally.impact().totals.deliveries == 1


def test_provider_is_the_shaping_name_else_the_ready_queue_site_else_the_domain() -> None:
    at = OPEN
    assert provider_of(record("Delivery", at)) == "yahoo"
    assert provider_of(record("Delivery", at, provider=None)) == "(mta5|mta6|mta7).am0.yahoodns.net"
    assert provider_of(record("Delivery", at, provider=None, site=None)) == "yahoo.com"


def test_a_record_for_two_incident_domains_is_owned_by_the_first_only() -> None:
    tally = ImpactTally(["yahoo.com", "aol.com"], OPEN, END)
    both = LogRecord(type="Delivery", recipients=("a@aol.com", "b@Yahoo.COM"), at=OPEN)
    assert tally.owns(both, "yahoo.com") and not tally.owns(both, "aol.com")


def test_buckets_are_aligned_and_sized_for_at_most_sixty_points() -> None:
    assert bucket_minutes_for(OPEN, OPEN + timedelta(minutes=45)) == 1
    assert bucket_minutes_for(OPEN, OPEN + timedelta(hours=3)) == 5
    assert bucket_minutes_for(OPEN, OPEN + timedelta(days=3)) == 120
    assert bucket_start(OPEN + timedelta(minutes=7, seconds=30), 5) == OPEN + timedelta(minutes=5)


def test_the_same_records_in_another_order_give_the_same_impact() -> None:
    records = [record(k, OPEN + timedelta(minutes=m), source=s, provider=p)
               for k, m, s, p in [("Delivery", 1, "ip-2", "yahoo"), ("Bounce", 9, "ip-1", "aol"),
                                  ("TransientFailure", 4, "ip-3", "yahoo")]]
    first, second = ImpactTally(["yahoo.com"], OPEN, END), ImpactTally(["yahoo.com"], OPEN, END)
    for r in records:
        first.add(r)
    for r in reversed(records):
        second.add(r)
    assert first.impact() == second.impact()
    assert [c.name for c in first.impact().providers] == ["aol", "yahoo"]


def test_a_record_without_a_provider_name_takes_the_one_its_site_or_domain_carries() -> None:
    tally = ImpactTally(["yahoo.com", "aol.com"], OPEN, END)
    at = OPEN + timedelta(minutes=2)
    internal = "KumoMTA internal: path suspended"
    # KumoMTA's own records name no provider; some have no ready queue either
    tally.add(record("TransientFailure", at, provider=None, content=internal))
    tally.add(record("TransientFailure", at, provider=None, site=None, content=internal))
    tally.add(record("TransientFailure", at, provider=None, site=None, to="b@aol.com",
                     content=internal))
    tally.add(record("Delivery", at, provider=None, site=None, to="c@aol.com"))
    # ... while a receiver's answer on the same site and domain names it
    tally.add(record("Delivery", at + timedelta(minutes=30)))
    impact = tally.impact()
    assert [(c.name, c.total) for c in impact.internal] == [("aol.com", 1), ("yahoo", 2)]
    assert [(c.name, c.total) for c in impact.providers] == [("aol.com", 1), ("yahoo", 1)]
    assert {b.provider for b in impact.buckets} == {"yahoo", "aol.com"}
    assert impact.totals.total == 2 and impact.internal_total == 3  # totals unchanged


def test_the_site_wins_over_the_domain_and_the_most_named_provider_is_taken() -> None:
    tally = ImpactTally(["yahoo.com"], OPEN, END)
    other_site = "ip-1->mx.other.example@smtp_client"
    for provider, site in [("yahoo", YAHOO_SITE), ("yahoo", YAHOO_SITE),
                           ("frontier", other_site)]:
        tally.add(record("Delivery", OPEN, provider=provider, site=site))
    tally.add(record("Delivery", OPEN, provider=None, site=other_site))  # its site: frontier
    tally.add(record("Delivery", OPEN, provider=None, site=None))  # its domain: most, yahoo
    assert [(c.name, c.total) for c in tally.impact().providers] == [
        ("frontier", 2), ("yahoo", 3)]


def test_series_with_no_record_are_named_and_not_drawn() -> None:
    tally = ImpactTally(["yahoo.com"], OPEN, END)
    tally.add(record("Delivery", OPEN))
    tally.add(record("TransientFailure", OPEN, content="KumoMTA internal: no sources"))
    impact = tally.impact()
    assert impact.drawn_series == ["deliveries", "internal"]
    assert impact.zero_series == ["deferrals", "bounces"]
