"""Site names are built exactly as kumod builds them (REFERENCE 0.1a worked examples)."""

from __future__ import annotations

import pytest

from bot.core.models import MxRecord
from bot.core.sitename import factor_names, has_colon_port, site_name


def mx(*records: tuple[int, str]) -> list[MxRecord]:
    return [MxRecord(pref=pref, host=host) for pref, host in records]


GMAIL = mx(
    (5, "gmail-smtp-in.l.google.com."),
    (10, "alt1.gmail-smtp-in.l.google.com."),
    (20, "alt2.gmail-smtp-in.l.google.com."),
    (30, "alt3.gmail-smtp-in.l.google.com."),
    (40, "alt4.gmail-smtp-in.l.google.com."),
)
YAHOO = mx(
    (1, "mta7.am0.yahoodns.net."),
    (1, "mta5.am0.yahoodns.net."),
    (1, "mta6.am0.yahoodns.net."),
)


def test_gmail_gets_the_upstream_lookup_gmail_mx_site_name() -> None:
    assert site_name(GMAIL, "gmail.com") == "(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com"


def test_gmail_hosts_in_any_answer_order_give_the_same_site() -> None:
    assert site_name(list(reversed(GMAIL)), "gmail.com") == site_name(GMAIL, "gmail.com")


def test_yahoo_hosts_of_one_preference_are_sorted_alphabetically() -> None:
    assert site_name(YAHOO, "yahoo.com") == "(mta5|mta6|mta7).am0.yahoodns.net"


def test_a_port_on_the_domain_is_glued_to_the_tld_label() -> None:
    assert site_name(YAHOO, "yahoo.com:2525") == "(mta5|mta6|mta7).am0.yahoodns.net:2525"


def test_a_single_mx_is_the_host_without_its_trailing_dot() -> None:
    assert site_name(mx((10, "mail.example.net.")), "example.org") == "mail.example.net"


@pytest.mark.parametrize(
    ("domain", "host"),
    [
        ("outlook.com", "outlook-com.olc.protection.outlook.com."),
        ("hotmail.com", "hotmail-com.olc.protection.outlook.com."),
        ("contoso.com", "contoso-com.mail.protection.outlook.com."),
    ],
)
def test_each_microsoft_domain_is_its_own_site(domain: str, host: str) -> None:
    # One host: the site is that host without its trailing dot, distinct per domain.
    assert site_name(mx((5, host)), domain) == host.rstrip(".")


def test_mixed_depths_align_from_the_tld_and_mark_missing_labels() -> None:
    hosts = mx((10, "mx1.example.com."), (20, "mx2.mail.example.net."))
    assert site_name(hosts, "example.com") == "mx2?.(mx1|mail).example.(com|net)"


def test_order_across_preference_levels_changes_the_site_name() -> None:
    # Upstream test mx_order_name_factor: alternatives keep first-seen order.
    first = mx((10, "a.example.com."), (20, "b.example.com."))
    second = mx((10, "b.example.com."), (20, "a.example.com."))
    assert site_name(first, "x.test") == "(a|b).example.com"
    assert site_name(second, "x.test") == "(b|a).example.com"


def test_numeric_preferences_matter_only_through_their_order() -> None:
    assert site_name(mx((1, "b.x.com."), (2, "a.x.com.")), "d") == site_name(
        mx((10, "b.x.com."), (500, "a.x.com.")), "d"
    )


def test_google_workspace_aspmx_is_lower_cased_and_a_different_site_from_gmail() -> None:
    workspace = mx(
        (1, "ASPMX.L.GOOGLE.COM."),
        (5, "ALT1.ASPMX.L.GOOGLE.COM."),
        (5, "ALT2.ASPMX.L.GOOGLE.COM."),
        (10, "ALT3.ASPMX.L.GOOGLE.COM."),
        (10, "ALT4.ASPMX.L.GOOGLE.COM."),
    )
    site = site_name(workspace, "example-corp.com")
    assert site == "(alt1|alt2|alt3|alt4)?.aspmx.l.google.com"
    assert site != site_name(GMAIL, "gmail.com")


def test_different_host_sets_can_share_one_key() -> None:
    assert factor_names(["a.x.com.", "b.y.com."]) == "(a|b).(x|y).com"
    assert factor_names(["a.x.com.", "a.y.com.", "b.y.com."]) == "(a|b).(x|y).com"


def test_no_mx_records_make_the_domain_its_own_implicit_mx() -> None:
    assert site_name([], "WWW.Example.com") == "www.example.com"


def test_null_mx_gives_the_empty_site_name() -> None:
    assert site_name(mx((0, ".")), "example.net") == ""


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("[192.0.2.10]", "192.0.2.10"),
        ("[IPv6:2001:db8::25]", "2001:db8::25"),
        ("[ipv6:2001:DB8:0:0::25]", "2001:db8::25"),
        ("[2001:db8::25]", "2001:db8::25"),
        ("[192.0.2.10]:2525", "192.0.2.10:2525"),
        ("[192.0.2.10:2525]", "192.0.2.10:2525"),
    ],
)
def test_ip_literals_need_no_dns_and_ignore_mx(domain: str, expected: str) -> None:
    assert site_name(GMAIL, domain) == expected


def test_a_malformed_literal_fails_as_kumod_resolution_does() -> None:
    with pytest.raises(ValueError, match="trailing"):
        site_name([], "[192.0.2.10")


def test_a_bare_ip_without_brackets_is_a_dns_name() -> None:
    assert site_name([], "192.0.2.10") == "192.0.2.10"


def test_has_colon_port_is_not_fooled_by_ipv6() -> None:
    assert has_colon_port("mx.example.com.:2525") == ("mx.example.com.", 2525)
    assert has_colon_port("::1") is None
    assert has_colon_port("host:99999") is None
    assert has_colon_port("host") is None
