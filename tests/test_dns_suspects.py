"""`blocklists` and `auth` through the DNS port, with DNS fixtures (no real network)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.adapters.dns_lookup import FixtureDns
from bot.bootstrap_demo import DEMO_DNS
from bot.core.auth_checks import check_dkim, check_dmarc, check_spf
from bot.core.blocklists import query_name, read_listing
from bot.core.dns_checks import DnsAnswer
from bot.use_cases.dns_suspects import BlocklistCache, auth_checks, blocklist_listings
from tests.fakes import FixedClock

DNS = FixtureDns(DEMO_DNS)
ZONES = ("zen.spamhaus.org", "dbl.spamhaus.org")


def test_a_listed_ip_names_the_list_the_code_means_and_the_delisting_page() -> None:
    (listing,) = blocklist_listings(DNS, BlocklistCache(FixedClock()), ["203.0.113.12"], ZONES)
    assert listing.verdict == "problem" and listing.codes == ("127.0.0.3",)
    assert listing.meanings == ("SBL CSS: a snowshoe / low-reputation sending IP",)
    assert listing.delist == "https://check.spamhaus.org/" and listing.ttl == 900


def test_an_unlisted_ip_is_not_listed_and_domain_lists_are_not_asked_about_ips() -> None:
    listings = blocklist_listings(DNS, BlocklistCache(FixedClock()), ["203.0.113.11"], ZONES)
    assert [(item.zone, item.verdict) for item in listings] == [("zen.spamhaus.org", "ok")]


def test_a_blocklist_timeout_or_refusal_is_could_not_check_never_not_listed() -> None:
    listings = blocklist_listings(DNS, BlocklistCache(FixedClock()),
                                  ["203.0.113.33", "203.0.113.99"], ZONES)
    assert [item.verdict for item in listings] == ["could not check", "could not check"]
    assert "refused the query" in listings[1].detail


def test_blocklist_answers_are_cached_for_their_ttl_but_timeouts_are_asked_again() -> None:
    asked: list[str] = []

    class Counting:
        def lookup(self, name: str, rtype: str) -> DnsAnswer:
            asked.append(name)
            return DNS.lookup(name, rtype)

    clock = FixedClock()
    cache = BlocklistCache(clock)
    for _ in range(2):
        blocklist_listings(Counting(), cache, ["203.0.113.12", "203.0.113.33"], ZONES)
    assert asked.count(query_name("203.0.113.12", "zen.spamhaus.org")) == 1
    assert asked.count(query_name("203.0.113.33", "zen.spamhaus.org")) == 2
    clock.advance(timedelta(seconds=901))
    blocklist_listings(Counting(), cache, ["203.0.113.12"], ZONES)
    assert asked.count(query_name("203.0.113.12", "zen.spamhaus.org")) == 2


def test_spf_over_the_lookup_limit_is_a_problem_with_the_includes_resolved() -> None:
    spf = check_spf("bulk.example", DNS.lookup)
    assert spf.verdict == "problem" and spf.summary.startswith("13 DNS lookups, over the limit")
    assert "include:l2.bulk.example → 4 lookups" in spf.details


def test_spf_within_the_limit_is_ok() -> None:
    spf = check_spf("mail.acme.example", DNS.lookup)
    assert spf.verdict == "ok" and spf.summary == "5 of 10 DNS lookups"


def test_a_missing_dkim_key_is_a_problem_and_a_present_one_parses() -> None:
    dkim = check_dkim("mail.acme.example", ("s1", "s2"), DNS.lookup)
    assert dkim.verdict == "problem"
    assert dkim.details[0].startswith("s1: rsa key present and parseable")
    assert dkim.details[1].startswith("s2: no key published at s2._domainkey.mail.acme.example")


def test_a_dkim_key_that_is_not_base64_cannot_be_parsed(tmp_path: Path) -> None:
    fixture = tmp_path / "dns.toml"
    fixture.write_text('["k._domainkey.x.example"]\nTXT = ["v=DKIM1; p=@@@"]\n')
    dkim = check_dkim("x.example", ("k",), FixtureDns(fixture).lookup)
    assert dkim.verdict == "problem" and "not valid base64" in dkim.details[0]


def test_dmarc_reject_with_strict_alignment_is_read_and_warned_about() -> None:
    dmarc = check_dmarc("mail.acme.example", DNS.lookup)
    assert dmarc.verdict == "warning" and dmarc.summary.startswith("p=reject with strict")
    assert "alignment: DKIM strict, SPF strict" in dmarc.details
    assert "aggregate reports (rua): mailto:dmarc@acme.example" in dmarc.details
    assert "failure reports (ruf): mailto:forensic@acme.example" in dmarc.details


def test_dns_timeouts_give_could_not_check_rather_than_a_verdict() -> None:
    checks = auth_checks(DNS, "slow.example", ("s1",))
    assert [c.verdict for c in checks] == ["could not check"] * 3


def test_a_listing_is_read_the_same_whatever_adapter_answered() -> None:
    answer = DnsAnswer(name="x", rtype="A", status="ok", records=("127.0.0.4",), ttl=60)
    listing = read_listing("192.0.2.1", "zen.spamhaus.org", answer)
    assert listing.meanings == ("XBL: a compromised or infected host (CBL)",)
