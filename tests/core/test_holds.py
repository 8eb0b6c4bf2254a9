"""Every hold on the park under one stable id, manual or TSA (REFERENCE 1, 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.hold_ids import HoldCriteria, hold_id, hold_origin, split_rule_hash, tsa_rule
from bot.core.holds import NodeHolds, collect_holds, holds_in_scope
from bot.core.models import (
    BounceEntry,
    ReadyQSuspendEntry,
    SuspendEntry,
    TsaReadyQSuspension,
    TsaSchedQBounce,
    TsaSchedQSuspension,
    TsaState,
    TsaSuspensions,
)
from bot.core.scope import Scope

NOW = datetime(2026, 8, 4, 12, 0, tzinfo=UTC)
YAHOO = "(mta5|mta6|mta7).am0.yahoodns.net"
PATH = f"ip-1->{YAHOO}@smtp_client"
TSA_REASON = r"automation rule: \[TS?S04\]"


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def node(
    suspends: list[SuspendEntry] | None = None,
    bounces: list[BounceEntry] | None = None,
    ready: list[ReadyQSuspendEntry] | None = None,
) -> NodeHolds:
    return (suspends or [], bounces or [], ready or [])


def tsa_path(uuid: str, rule_hash: str, left: float) -> ReadyQSuspendEntry:
    return ReadyQSuspendEntry(
        id=uuid, name=PATH, reason=f"{TSA_REASON} (rule_hash={rule_hash})", remaining=minutes(left)
    )


def test_one_tsa_path_hold_on_two_nodes_is_one_hold_with_each_uuid() -> None:
    # The snapshot gives a bare hash, live events "<site>-<hex>": same hold regardless.
    holds = collect_holds(
        {
            "n1": node(ready=[tsa_path("u1", "5e0d", 10)]),
            "n2": node(ready=[tsa_path("u2", f"{YAHOO}-5e0d", 12)]),
        },
        None,
        NOW,
    )
    (hold,) = holds
    assert hold.nodes == {"n1": "u1", "n2": "u2"}
    assert hold.remaining == minutes(10)
    assert hold.expires == NOW + minutes(10)
    assert (hold.kind, hold.origin, hold.rule, hold.rule_hash) == (
        "suspend-path",
        "tsa",
        r"\[TS?S04\]",
        "5e0d",
    )
    assert (hold.source, hold.site, hold.reason) == ("ip-1", YAHOO, TSA_REASON)
    assert hold.missing_on == ()
    assert not hold.tsa_only


def test_the_stable_id_survives_new_uuids_and_new_rule_hash_forms() -> None:
    before = collect_holds({"n1": node(ready=[tsa_path("u1", "5e0d", 10)])}, None, NOW)
    after = collect_holds({"n1": node(ready=[tsa_path("u9", f"{YAHOO}-5e0d", 9)])}, None, NOW)
    assert before[0].hold_id == after[0].hold_id
    assert len(before[0].hold_id) == 10
    assert before[0].hold_id == hold_id("suspend-path", HoldCriteria(name=PATH), TSA_REASON)


def test_origin_is_tsa_only_with_the_prefix_and_a_rule_hash() -> None:
    assert hold_origin("automation rule: x (rule_hash=abc)") == "tsa"
    assert hold_origin("automation rule: typed by hand") == "manual"
    assert hold_origin("ops: yahoo is angry (rule_hash=abc)") == "manual"
    assert split_rule_hash("r (rule_hash=(alt1|alt2)?.g.com-ff)") == ("r", "(alt1|alt2)?.g.com-ff")
    assert split_rule_hash("plain") == ("plain", None)
    tenant_reason = "automation rule: RL0 tenant=acme domain=d.com (rule_hash=h)"
    assert tsa_rule(tenant_reason, "suspend") == "RL0"
    assert tsa_rule("manual", "bounce") is None


def test_manual_holds_merge_by_criteria_and_reason_and_bounce_counts_add_up() -> None:
    def bounce(uuid: str, left: float, count: int) -> BounceEntry:
        return BounceEntry(
            id=uuid,
            tenant="acme",
            domain="gmail.com",
            reason="bad list",
            remaining=minutes(left),
            bounced={"acme@gmail.com": count},
        )

    ops = SuspendEntry(id="s1", domain="yahoo.com", reason="ops", remaining=minutes(30))
    holds = collect_holds(
        {
            "n1": node(bounces=[bounce("b1", 4, 3)], suspends=[ops]),
            "n2": node(bounces=[bounce("b2", 5, 4)]),
        },
        None,
        NOW,
    )
    assert [h.kind for h in holds] == ["bounce", "suspend"]
    bounced, suspended = holds
    assert (bounced.origin, bounced.rule, bounced.total_bounced) == ("manual", None, 7)
    assert bounced.bounced == {"acme@gmail.com": 7}
    assert bounced.nodes == {"n1": "b1", "n2": "b2"}
    assert bounced.remaining == minutes(4)
    assert bounced.criteria_text == "tenant=acme, domain=gmail.com"
    assert suspended.missing_on == ("n2",)


def test_holds_sort_by_kind_then_time_left() -> None:
    holds = collect_holds(
        {
            "n1": node(
                suspends=[
                    SuspendEntry(id="s1", domain="a.com", reason="x", remaining=minutes(50)),
                    SuspendEntry(id="s2", domain="b.com", reason="x", remaining=minutes(5)),
                ],
                ready=[tsa_path("r1", "h", 1)],
                bounces=[BounceEntry(id="b1", domain="c.com", reason="y", remaining=minutes(60))],
            )
        },
        None,
        NOW,
    )
    assert [(h.kind, h.domain) for h in holds] == [
        ("bounce", "c.com"),
        ("suspend", "b.com"),
        ("suspend", "a.com"),
        ("suspend-path", None),
    ]


def test_tsa_items_no_node_lists_are_reported_as_tsa_only() -> None:
    tenant_reason = "automation rule: RL000010 tenant=acme domain=comcast.net"
    tsa = TsaState(
        suspensions=TsaSuspensions(
            ready_q=[
                TsaReadyQSuspension(
                    rule_hash="5e0d",
                    site_name=PATH,
                    reason=TSA_REASON,
                    source="ip-1",
                    expires=NOW + minutes(40),
                ),
            ],
            sched_q=[
                TsaSchedQSuspension(
                    rule_hash=f"{YAHOO}-aa",
                    tenant="acme",
                    domain="comcast.net",
                    reason=tenant_reason,
                    expires=NOW + minutes(20),
                ),
                TsaSchedQSuspension(
                    rule_hash="old",
                    domain="expired.net",
                    reason="automation rule: z",
                    expires=NOW - minutes(1),
                ),
            ],
        ),
        bounces=[
            TsaSchedQBounce(
                rule_hash="bb",
                domain="example.com",
                reason="automation rule: q domain=example.com",
                expires=NOW + minutes(90),
            ),
        ],
    )
    holds = collect_holds({"n1": node(ready=[tsa_path("u1", "5e0d", 39)]), "n2": node()}, tsa, NOW)
    by_kind = {h.kind: h for h in holds}
    assert len(holds) == 3
    path = by_kind["suspend-path"]
    assert (path.in_tsa, path.tsa_only, path.missing_on) == (True, False, ("n2",))
    tenant = by_kind["suspend"]
    assert (tenant.tsa_only, tenant.origin, tenant.rule) == (True, "tsa", "RL000010")
    assert tenant.remaining == minutes(20)
    assert tenant.expires == NOW + minutes(20)
    assert tenant.missing_on == ("n1", "n2")
    # Once kumod lists it (reason plus the rule-hash suffix), it is the same hold.
    pushed = SuspendEntry(
        id="k1",
        tenant="acme",
        domain="comcast.net",
        remaining=minutes(19),
        reason=f"{tenant_reason} (rule_hash={YAHOO}-aa)",
    )
    again = collect_holds({"n1": node(suspends=[pushed])}, tsa, NOW)
    same = next(h for h in again if h.kind == "suspend")
    assert same.hold_id == tenant.hold_id
    assert (same.tsa_only, same.nodes) == (False, {"n1": "k1"})


def test_a_queue_names_only_rule_lists_as_everything_and_touches_every_scope() -> None:
    quirk = SuspendEntry(id="q1", reason="drain one queue", remaining=minutes(3))
    (hold,) = collect_holds({"n1": node(suspends=[quirk])}, None, NOW)
    assert hold.all_queues
    assert hold.criteria_text == "everything"
    scope = Scope(domain="yahoo.com", site=YAHOO)
    assert holds_in_scope([hold], scope) == [hold]
    assert holds_in_scope([hold], scope, scheduled_queues=["acme@yahoo.com"]) == [hold]
    assert holds_in_scope([hold], scope, scheduled_queues=["gmail.com"]) == []


def test_scope_keeps_its_paths_its_domain_and_rules_that_match_its_queues() -> None:
    entries = node(
        suspends=[
            SuspendEntry(id="s1", domain="Yahoo.com", reason="ours", remaining=minutes(9)),
            SuspendEntry(id="s2", domain="gmail.com", reason="theirs", remaining=minutes(9)),
            SuspendEntry(id="s3", tenant="acme", reason="tenant-wide", remaining=minutes(9)),
            SuspendEntry(id="s4", domain="ymail.com", reason="routed", remaining=minutes(9)),
        ],
        bounces=[
            BounceEntry(id="b1", routing_domain="yahoo.com", reason="via", remaining=minutes(9)),
        ],
        ready=[
            tsa_path("r1", "h", 9),
            ReadyQSuspendEntry(
                id="r2",
                name="ip-1->gmail-smtp-in.l.google.com@smtp_client",
                reason="x",
                remaining=minutes(9),
            ),
        ],
    )
    holds = collect_holds({"n1": entries}, None, NOW)
    scope = Scope(domain="yahoo.com", site=YAHOO)
    reasons = {h.reason for h in holds_in_scope(holds, scope)}
    assert reasons == {"ours", "tenant-wide", "via", TSA_REASON}
    queues = ["yahoo.com", "ymail.com!yahoo.com", "gmail.com"]
    precise = {h.reason for h in holds_in_scope(holds, scope, scheduled_queues=queues)}
    # ymail.com!yahoo.com is routed through yahoo.com, so the ymail.com rule holds it;
    # no acme@ queue exists in the scope, so the tenant-wide rule touches nothing here.
    assert precise == {"ours", "routed", "via", TSA_REASON}
