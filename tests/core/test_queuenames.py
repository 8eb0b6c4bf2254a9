"""Queue names are read as kumod (scheduled) and kcli (ready) read them (REFERENCE 0.1)."""

from __future__ import annotations

import pytest

from bot.core.queuenames import (
    criteria_match,
    is_tsa_hook_queue,
    is_xfer_queue,
    natural_cmp,
    natural_key,
    parse_scheduled_queue,
    split_ready_queue,
)


@pytest.mark.parametrize(
    ("name", "campaign", "tenant", "domain", "routing"),
    [
        ("example.com", None, None, "example.com", None),
        ("tenant@gmail.com", None, "tenant", "gmail.com", None),
        ("camp:tenant@gmail.com", "camp", "tenant", "gmail.com", None),
        ("camp:@gmail.com", "camp", "", "gmail.com", None),
        ("hotmail.com!outlook.com", None, None, "hotmail.com", "outlook.com"),
        ("c:t@d.com!r.net", "c", "t", "d.com", "r.net"),
        ("a:b:c@x@y!z!w", "a", "b:c", "x@y", "z!w"),
    ],
)
def test_scheduled_names_split_on_the_first_separators(
    name: str, campaign: str | None, tenant: str | None, domain: str, routing: str | None
) -> None:
    queue = parse_scheduled_queue(name)
    assert (queue.campaign, queue.tenant, queue.domain, queue.routing_domain) == (
        campaign,
        tenant,
        domain,
        routing,
    )
    assert queue.kind == "domain"


def test_xfer_and_tsa_hook_queues_are_recognised() -> None:
    xfer = parse_scheduled_queue("http://10.0.0.1:8000/.xfer.kumomta.internal")
    assert xfer.kind == "xfer"
    assert xfer.xfer_target == "http://10.0.0.1:8000/"
    assert is_xfer_queue(xfer.name)
    hook = parse_scheduled_queue("http://127.0.0.1:8008.tsa.kumomta")
    assert hook.kind == "tsa-hook"
    assert is_tsa_hook_queue(hook.name)
    assert hook.xfer_target is None
    assert parse_scheduled_queue("null").kind == "null"


@pytest.mark.parametrize(
    ("name", "source", "site", "proto"),
    [
        (
            "ip-1->(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com@smtp_client",
            "ip-1",
            "(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com",
            "smtp_client",
        ),
        ("u->webhook.internal@lua:make.webhook", "u", "webhook.internal", "lua:make.webhook"),
        ("unspecified->archive@maildir:/var/mail", "unspecified", "archive", "maildir:/var/mail"),
        ("unspecified->@smtp_client", "unspecified", "", "smtp_client"),
        ("u->mx_list:a,10.0.0.1@smtp_client", "u", "mx_list:a,10.0.0.1", "smtp_client"),
        ("src->d.example@xfer", "src", "d.example@xfer", ""),
        ("no-arrow@smtp_client", "", "no-arrow", "smtp_client"),
        ("s->x@maildir:/a@lua:b", "s", "x@maildir:/a", "lua:b"),
        ("s->x@lua:b@maildir:/a", "s", "x", "lua:b@maildir:/a"),
    ],
)
def test_ready_names_split_into_kcli_columns(name: str, source: str, site: str, proto: str) -> None:
    ready = split_ready_queue(name)
    assert (ready.source, ready.site, ready.proto) == (source, site, proto)


def test_null_criteria_match_anything_and_set_ones_must_be_equal() -> None:
    queue = parse_scheduled_queue("camp:acme@gmail.com")
    assert criteria_match(queue, campaign=None, tenant=None, domain=None)
    assert criteria_match(queue, campaign=None, tenant="acme", domain="gmail.com")
    assert not criteria_match(queue, campaign="other", tenant=None, domain=None)
    plain = parse_scheduled_queue("gmail.com")
    assert not criteria_match(plain, campaign=None, tenant="acme", domain="gmail.com")
    routed = parse_scheduled_queue("hotmail.com!outlook.com")
    assert criteria_match(
        routed, campaign=None, tenant=None, domain=None, routing_domain="outlook.com"
    )
    assert not criteria_match(plain, campaign=None, tenant=None, domain=None, routing_domain="x")


@pytest.mark.parametrize(
    ("lower", "higher"),
    [
        ("a2", "a10"),
        ("ip-2->x", "ip-10->x"),
        ("ip-1->x", "ip-10->x"),
        ("tenant2@example.com", "tenant10@example.com"),
        ("aaa", "AAb"),
        ("T-5", "T-27"),
        ("T-27a", "T-27b"),
        ("a09", "a10"),
        ("a9", "a09"),  # a longer digit run is greater, whatever its value
        ("a-b", "ab"),  # punctuation sorts before letters
        ("A", "a"),  # equal when folded: plain code-point order decides
        ("hotmail.com!outlook.com", "http://127.0.0.1:8008.tsa.kumomta"),
        ("äb", "ac"),
    ],
)
def test_natural_order_matches_lexicmp(lower: str, higher: str) -> None:
    assert natural_cmp(lower, higher) == -1
    assert natural_cmp(higher, lower) == 1


def test_natural_key_sorts_names() -> None:
    names = ["ip-10", "ip-2", "ip-1", "b", "A"]
    assert sorted(names, key=natural_key) == ["A", "b", "ip-1", "ip-2", "ip-10"]
    assert natural_cmp("same", "same") == 0
