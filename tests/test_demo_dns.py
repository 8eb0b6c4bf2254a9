"""`blocklists` and `auth` in the demo, answered from the DNS fixture."""

from __future__ import annotations

from tests.test_demo import run_demo


def test_the_demo_checks_the_parks_egress_ips_and_the_sending_domain() -> None:
    out = run_demo("/kumo blocklists\n/kumo auth mail.acme.example\n/kumo blocklists bogus\n")
    assert "Blocklists: every node" in out
    assert "`203.0.113.12` in `zen.spamhaus.org`: `127.0.0.3` SBL CSS" in out
    assert "delisting: https://check.spamhaus.org/" in out
    assert "`203.0.113.33` in `zen.spamhaus.org`: could not check" in out
    assert "mta2: 203.0.113.21, 203.0.113.22, 203.0.113.23" in out
    assert "Authentication of mail.acme.example: problem" in out
    assert "s2: no key published" in out
    assert "is neither an IP address nor a node of the park" in out


def test_diagnose_checks_the_blocklists_when_replies_name_spamhaus() -> None:
    out = run_demo("/kumo diagnose outlook.com\n", "--scenario", "bounce-storm")
    assert "Replies name a blocklist (`Service unavailable, Client host [<ip>] blocked using " \
        "Spamhaus" in out
    assert "checked: listed: 203.0.113.12 in zen.spamhaus.org (SBL CSS" in out
    assert "egress IPs against the DNS blocklists" in out
