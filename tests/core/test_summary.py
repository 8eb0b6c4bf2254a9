"""kcli queue-summary and provider-summary, checked against hand-computed output.

The expected tables below were worked out by hand from REFERENCE 2.2-2.4 (column
widths counted in display columns: 🛑 and 🗑️ take two), not produced by the code.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client.parser import text_string_to_metric_families

from bot.core.models import (
    BounceEntry,
    MetricSample,
    QueueState,
    ReadyQSuspendEntry,
    ReadyQueueState,
    SuspendEntry,
    TsaOverride,
    TsaReadyQSuspension,
    TsaState,
    TsaSuspensions,
)
from bot.core.scope import Scope
from bot.core.summary import (
    QueueSummary,
    describe_tsa_throttles,
    merge_provider_summaries,
    park_queue_summary,
    provider_summary,
    queue_summary,
    render_kcli_provider_summary,
    render_kcli_queue_summary,
    select_providers,
    select_queues,
    tsa_overrides_for_scope,
)
from bot.core.tabout import chrono_display, display_width, tabout

GMAIL = "(alt1|alt2|alt3|alt4)?.gmail-smtp-in.l.google.com"
YAHOO = "(mta5|mta6|mta7).am0.yahoodns.net"
R1 = f"ip-1->{GMAIL}@smtp_client"
R2 = f"ip-2->{GMAIL}@smtp_client"
R3 = f"ip-2->{YAHOO}@smtp_client"
R4 = f"ip-10->{YAHOO}@smtp_client"
R5 = "unspecified->webhook.internal@lua:make.webhook"
R6 = "unspecified->archive.local@maildir:/var/spool/archive"

METRICS = f"""\
# HELP connection_count number of active connections
# TYPE connection_count gauge
connection_count{{service="esmtp_listener"}} 3
connection_count{{service="smtp_client"}} 9
connection_count{{service="smtp_client:{R1}"}} 5
connection_count{{service="smtp_client:{R2}"}} 2.9
connection_count{{service="smtp_client:{R4}"}} 1
# HELP ready_count number of messages in the ready queue
# TYPE ready_count gauge
ready_count{{service="smtp_client"}} 2241
ready_count{{service="smtp_client:{R1}"}} 995
ready_count{{service="smtp_client:{R2}"}} 12
ready_count{{service="smtp_client:{R3}"}} 0
ready_count{{service="smtp_client:{R4}"}} 1234
ready_count{{service="lua:{R5}"}} 7
ready_count{{service="maildir:{R6}"}} 2
# HELP total_messages_delivered total number of messages delivered
# TYPE total_messages_delivered counter
total_messages_delivered{{service="smtp_client"}} 99999
total_messages_delivered{{service="smtp_client:{R1}"}} 12345
total_messages_delivered{{service="smtp_client:{R2}"}} 678
total_messages_delivered{{service="smtp_client:{R4}"}} 1500
total_messages_delivered{{service="lua:{R5}"}} 40
total_messages_delivered{{service="maildir:{R6}"}} 1000
# HELP total_messages_transfail total number of message delivery attempts that transiently failed
# TYPE total_messages_transfail counter
total_messages_transfail{{service="smtp_client:{R2}"}} 9
total_messages_transfail{{service="smtp_client:{R3}"}} 321
total_messages_transfail{{service="smtp_client:{R4}"}} 2
# HELP total_messages_received total number of messages received
# TYPE total_messages_received counter
total_messages_received{{service="esmtp_listener:0.0.0.0:25"}} 500
# HELP scheduled_count number of messages in the scheduled queue
# TYPE scheduled_count gauge
scheduled_count{{queue="yahoo.com"}} 2500
scheduled_count{{queue="tenant10@example.com"}} 5
scheduled_count{{queue="tenant2@example.com"}} 1234567
scheduled_count{{queue="promo:acme@yahoo.com"}} 3
scheduled_count{{queue="http://127.0.0.1:8008.tsa.kumomta"}} 0
scheduled_count{{queue="hotmail.com!outlook.com"}} 8
scheduled_count{{queue="gmail.com"}} 1200
scheduled_count{{queue="acme@yahoo.com"}} 40
scheduled_count{{queue="acme@gmail.com"}} 15
"""

LEFT = timedelta(minutes=17)
TSA_PATH_REASON = r"automation rule: \[TS?S04\] (rule_hash=5e0d)"
TSA_TENANT_REASON = "automation rule: RL000010 tenant=acme domain=yahoo.com (rule_hash=yh-1)"
BOUNCES = [
    BounceEntry(id="b1", tenant="acme", domain="gmail.com", reason="bad list", remaining=LEFT),
    # kcli ignores routing_domain, so this marks hotmail.com!outlook.com in its table.
    BounceEntry(
        id="b2", domain="hotmail.com", routing_domain="other.net", reason="reroute", remaining=LEFT
    ),
]
SUSPENDS = [
    SuspendEntry(
        id="s1", tenant="acme", domain="yahoo.com", reason=TSA_TENANT_REASON, remaining=LEFT
    ),
    SuspendEntry(id="s2", domain="yahoo.com", reason="ops hold", remaining=LEFT),
    # A --queue rule: kumod does not echo queue_names, so it lists with no criteria.
    SuspendEntry(id="s3", reason="drain q", remaining=timedelta(minutes=3)),
]
READY_SUSPENDS = [ReadyQSuspendEntry(id="r1", name=R3, reason=TSA_PATH_REASON, remaining=LEFT)]
STATES = {
    R1: ReadyQueueState(
        connection_limited=QueueState(
            context="TooManyLeases for shaping-provider-google-ip-1-limit",
            since=datetime(2026, 8, 4, 11, 58, 0, 500_000, tzinfo=UTC),
        )
    ),
    R3: ReadyQueueState(
        connection_rate_throttled=QueueState(
            context="max_connection_rate throttling for 1.5s",
            since=datetime(2026, 8, 4, 11, 59, 0, tzinfo=UTC),
        )
    ),
}
TSA = TsaState(
    suspensions=TsaSuspensions(
        ready_q=[
            TsaReadyQSuspension(
                rule_hash="5e0d",
                site_name=R3,
                reason=r"automation rule: \[TS?S04\]",
                source="ip-2",
                expires=datetime(2026, 8, 4, 14, 0, tzinfo=UTC),
            )
        ]
    )
)

S_R1 = (
    "connection_limited: TooManyLeases for shaping-provider-google-ip-1-limit"
    " @ 2026-08-04 11:58:00.500 UTC"
)  # 102 columns
S_R3 = (
    r"🛑suspend: automation rule: \[TS?S04\] (rule_hash=5e0d), "
    "connection_rate_throttled: max_connection_rate throttling for 1.5s"
    " @ 2026-08-04 11:59:00 UTC"
)  # 149 columns: the status column's width
S_TENANT = "🛑suspend: automation rule: RL000010 tenant=acme domain=yahoo.com (rule_hash=yh-1)"

# SITE 49, SOURCE 11, PROTO 26, D 6, T 3, C 1, Q 5, status 149.
EXPECTED_QUEUE_SUMMARY = (
    "SITE                                              SOURCE      "
    "PROTO                           D   T C     Q " + " " * 149 + "\n"
    f"{GMAIL} ip-1        smtp_client                "
    "12,345   0 5   995 " + S_R1 + " " * 47 + "\n"
    f"{GMAIL} ip-2        smtp_client                "
    "   678   9 2    12 " + " " * 149 + "\n"
    f"{YAHOO}                 ip-2        smtp_client                "
    "     0 321 0     0 " + S_R3 + "\n"
    f"{YAHOO}                 ip-10       smtp_client                "
    " 1,500   2 1 1,234 " + " " * 149 + "\n"
    "archive.local                                     unspecified "
    "maildir:/var/spool/archive  1,000   0 0     2 " + " " * 149 + "\n"
    "webhook.internal                                  unspecified "
    "lua:make.webhook               40   0 0     7 " + " " * 149 + "\n"
    "\n"
    # SCHEDULED QUEUE 33, COUNT 9, status 82.
    "SCHEDULED QUEUE                       COUNT " + " " * 82 + "\n"
    "acme@gmail.com                           15 🗑️ bounce: bad list" + " " * 63 + "\n"
    "acme@yahoo.com                           40 " + S_TENANT + "\n"
    "gmail.com                             1,200 🛑suspend: drain q" + " " * 64 + "\n"
    "hotmail.com!outlook.com                   8 🗑️ bounce: reroute" + " " * 64 + "\n"
    "http://127.0.0.1:8008.tsa.kumomta         0 🛑suspend: drain q" + " " * 64 + "\n"
    "promo:acme@yahoo.com                      3 " + S_TENANT + "\n"
    "tenant2@example.com               1,234,567 🛑suspend: drain q" + " " * 64 + "\n"
    "tenant10@example.com                      5 🛑suspend: drain q" + " " * 64 + "\n"
    "yahoo.com                             2,500 🛑suspend: ops hold" + " " * 63 + "\n"
)


def samples(text: str) -> list[MetricSample]:
    """Parse Prometheus text the way the adapter may: prometheus_client's parser."""
    return [
        MetricSample(s.name, s.labels, s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
    ]


def node_summary(node: str | None = None, text: str = METRICS) -> QueueSummary:
    return queue_summary(
        samples(text),
        suspends=SUSPENDS,
        bounces=BOUNCES,
        ready_suspends=READY_SUSPENDS,
        ready_states=STATES,
        tsa=TSA,
        node=node,
    )


def test_status_widths_in_the_fixture_were_counted_right() -> None:
    assert (display_width(S_R1), display_width(S_R3), display_width(S_TENANT)) == (102, 149, 82)


def test_queue_summary_reproduces_kcli_byte_for_byte() -> None:
    assert render_kcli_queue_summary(select_queues(node_summary())) == EXPECTED_QUEUE_SUMMARY


def test_rows_skip_roll_ups_and_listener_samples() -> None:
    summary = node_summary()
    assert [r.name for r in summary.ready] == [R1, R2, R3, R4, R6, R5]
    assert all(":" not in r.source for r in summary.ready)


def test_ready_markers_carry_time_left_tsa_origin_and_the_tsa_action() -> None:
    row = next(r for r in node_summary("n1").ready if r.name == R3)
    (marker,) = row.markers
    assert (marker.kind, marker.origin, marker.remaining) == ("suspend-path", "tsa", LEFT)
    assert marker.rule == r"\[TS?S04\]"
    assert marker.tsa is not None and marker.tsa.source == "ip-2"
    assert marker.nodes == ("n1",)
    assert [s.key for s in row.states] == ["connection_rate_throttled"]


def test_scheduled_markers_follow_kumod_rules_not_kcli_text() -> None:
    rows = {r.name: r for r in node_summary().scheduled}
    routed = rows["hotmail.com!outlook.com"]
    assert routed.status.startswith("🗑️ bounce: reroute")
    # kumod's bounce needs routing_domain other.net: only the --queue rule marks it.
    assert [(m.kind, m.reason, m.all_queues) for m in routed.markers] == [
        ("suspend", "drain q", True)
    ]
    tenant = rows["acme@yahoo.com"]
    assert (tenant.markers[0].origin, tenant.markers[0].rule) == ("tsa", "RL000010")


def test_by_volume_orders_descending_with_natural_ties_then_limits_each_list() -> None:
    picked = select_queues(node_summary(), by_volume=True, limit=3)
    # Volumes: R1 13345, R4 2737, R6 1002, R2 701, R3 321, R5 47.
    assert [r.name for r in picked.ready] == [R1, R4, R6]
    assert [s.name for s in picked.scheduled] == ["tenant2@example.com", "yahoo.com", "gmail.com"]
    assert (picked.ready_matched, picked.scheduled_matched) == (6, 9)


def test_scope_keeps_the_site_and_every_queue_of_the_domain_before_the_limit() -> None:
    scope = Scope(domain="yahoo.com", site=YAHOO)
    picked = select_queues(node_summary(), scope=scope, limit=2)
    assert [r.name for r in picked.ready] == [R3, R4]
    assert [s.name for s in picked.scheduled] == ["acme@yahoo.com", "promo:acme@yahoo.com"]
    assert picked.scheduled_matched == 3


def test_park_total_sums_rows_and_unites_markers_and_keeps_each_node() -> None:
    second = METRICS.replace("} 995", "} 5").replace('yahoo.com"} 2500', 'yahoo.com"} 10')
    per_node = {"n1": node_summary("n1"), "n2": node_summary("n2", second)}
    scope = Scope(domain="yahoo.com", site=YAHOO)
    park = park_queue_summary(per_node, scope=scope)
    total = {r.name: r for r in park.total.ready}
    assert total[R3].markers[0].nodes == ("n1", "n2")
    assert total[R3].status_parts == tuple(S_R3.split(", ", 1))
    assert [s.count for s in park.total.scheduled if s.name == "yahoo.com"] == [2510]
    assert [r.node for r in park.per_node["n2"].ready] == ["n2", "n2"]
    assert park.scope_sentence == (
        f"yahoo.com → site {YAHOO}: 2 egress paths, 3 scheduled queues (tenant and "
        "campaign queues included; kcli --domain would show only `yahoo.com`)"
    )
    unscoped = park_queue_summary(per_node)
    assert {r.name: r.queued for r in unscoped.total.ready}[R1] == 1000


PROVIDER_METRICS = """\
# TYPE total_messages_delivered_by_provider counter
total_messages_delivered_by_provider{provider="google"} 1500
total_messages_delivered_by_provider{provider="yahoo"} 20
total_messages_delivered_by_provider{provider="(mta5|mta6|mta7).am0.yahoodns.net"} 7
# TYPE total_messages_transfail_by_provider counter
total_messages_transfail_by_provider{provider="yahoo"} 480
# TYPE total_messages_fail_by_provider counter
total_messages_fail_by_provider{provider="google"} 3
# TYPE connection_count_by_provider gauge
connection_count_by_provider{provider="google"} 12
connection_count_by_provider{provider="yahoo"} 40
# TYPE queued_count_by_provider gauge
queued_count_by_provider{provider="google"} 0
queued_count_by_provider{provider="yahoo"} 1003
queued_count_by_provider{provider="outlook"} 1503
# TYPE total_messages_delivered_by_provider_and_source counter
total_messages_delivered_by_provider_and_source{pool="p1", provider="google", source="ip-1"} 700
total_messages_delivered_by_provider_and_source{pool="p1", provider="google", source="ip-2"} 800
total_messages_delivered_by_provider_and_source{pool="p2", provider="google", source="ip-10"} 5
# TYPE queued_count_by_provider_and_pool gauge
queued_count_by_provider_and_pool{pool="p10", provider="yahoo"} 5
# TYPE connection_count_by_provider_and_pool gauge
connection_count_by_provider_and_pool{pool="p1", provider="google"} 1
"""

# Volumes Q+D+T+F: google, outlook and yahoo 1503 each (ties by name), the site 7.
# PROVIDER 33, D 5, T 3, F 1, C 2, Q 5, DOMAINS 20; rows without domains stop at Q.
EXPECTED_PROVIDERS = (
    "PROVIDER                              D   T F  C     Q DOMAINS             \n"
    "google                            1,500   0 3 12     0\n"
    "outlook                               0   0 0  0 1,503\n"
    "yahoo                                20 480 0 40 1,003\n"
    "(mta5|mta6|mta7).am0.yahoodns.net     7   0 0  0     0 yahoo.com, ymail.com\n"
)
EXPECTED_BY_POOL = (
    "PROVIDER POOL     D T F C Q\n"
    "google   p1   1,500 0 0 1 0\n"
    "google   p2       5 0 0 0 0\n"
    "yahoo    p10      0 0 0 0 5\n"
)


def test_provider_summary_reproduces_kcli_with_show_domains() -> None:
    summary = provider_summary(samples(PROVIDER_METRICS))
    domains = {YAHOO: ["ymail.com", "yahoo.com", "yahoo.com"]}
    text = render_kcli_provider_summary(summary, domains_by_site=domains)
    assert text == EXPECTED_PROVIDERS


def test_provider_summary_by_pool_sums_sources_away_and_limits() -> None:
    summary = provider_summary(samples(PROVIDER_METRICS), by_pool=True)
    assert render_kcli_provider_summary(summary) == EXPECTED_BY_POOL
    assert [r.pool for r in select_providers(summary, limit=2).rows] == ["p1", "p2"]


def test_provider_summaries_merge_over_nodes() -> None:
    one = provider_summary(samples(PROVIDER_METRICS), node="n1")
    two = provider_summary(samples(PROVIDER_METRICS), node="n2")
    total = merge_provider_summaries({"n1": one, "n2": two})
    google = next(r for r in total.rows if r.provider == "google")
    assert (google.delivered, google.nodes, google.node) == (3000, ("n1", "n2"), None)


def test_tabout_pads_headers_and_stops_short_rows() -> None:
    assert tabout(["A", "BB"], [["xyz", "1"], ["q"]], ["left", "right"]) == (
        "A   BB\nxyz  1\nq  \n"
    )


def test_chrono_display_uses_0_3_or_6_fraction_digits() -> None:
    base = datetime(2026, 8, 4, 11, 58, 0, tzinfo=UTC)
    assert chrono_display(base) == "2026-08-04 11:58:00 UTC"
    assert chrono_display(base.replace(microsecond=500_000)) == "2026-08-04 11:58:00.500 UTC"
    assert chrono_display(base.replace(microsecond=440_526)) == "2026-08-04 11:58:00.440526 UTC"


def test_tsa_overrides_apply_by_domain_and_by_rolled_up_site() -> None:
    expires = datetime(2026, 8, 4, 13, 30, tzinfo=UTC)

    def override(
        domain: str, source: str, rollup: bool, option: str, ends: datetime
    ) -> TsaOverride:
        name, value = option.split("=")
        return TsaOverride(
            domain=domain, source=source, mx_rollup=rollup, name=name, value=value, expires=ends
        )

    overrides = [
        override("yahoo.com", "ip-1", True, "max_message_rate=1/minute", expires),
        override("yahoo.com", "ip-1", True, "connection_limit=1", expires),
        override("ymail.com", "ip-2", True, "max_message_rate=1/minute", expires),
        override("ymail.com", "ip-2", True, "connection_limit=1", expires + timedelta(hours=1)),
        override("aol.com", "ip-3", False, "connection_limit=2", expires),
        override("gmail.com", "ip-1", True, "connection_limit=3", expires),
    ]
    scope = Scope(domain="yahoo.com", site=YAHOO)
    sites = {"ymail.com": YAHOO, "aol.com": YAHOO, "gmail.com": GMAIL}
    kept = tsa_overrides_for_scope(overrides, scope, site_of=sites)
    assert [(o.domain, o.source) for o in kept] == [("yahoo.com", "ip-1")] * 2 + [
        ("ymail.com", "ip-2")
    ] * 2
    now = expires - timedelta(minutes=17, seconds=30)
    assert describe_tsa_throttles(kept, now) == [
        "TSA throttle: max_message_rate=1/minute, connection_limit=1 on ip-1, ip-2 — 17m left"
    ]
