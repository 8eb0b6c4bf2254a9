"""TSA's automation rules evaluated as tsa-daemon does (REFERENCE 5.6, 5.7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.models import MxRecord
from bot.core.responses import parse_response
from bot.core.tsa_effects import RecordContext, describe_hit, threshold_reached
from tests.core.shaping_helpers import DEFAULT_FILE, SITE_MAP, automation, fire, labels, shipped

TSS04 = "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to user complaints"
S3150 = ("550 5.7.1 Unfortunately, messages from [192.0.2.98] weren't sent. Please contact your "
         "Internet service provider since part of their network is on our block list (S3150).")
SC002 = ("550 SC-002 (COL004-MC3F47) Unfortunately, messages from 192.0.2.210 weren't sent. "
         "Please contact your Internet service provider since part of their network is on our "
         "block list.")
DEFAULT_TEXT = DEFAULT_FILE.read_text(encoding="utf-8")
MX = [MxRecord(pref=10, host="mx1.example.net"), MxRecord(pref=20, host="mx2.example.net")]


def test_tss04_at_yahoo_fires_the_yahoo_suspension_and_the_default_throttle() -> None:
    hits = fire(shipped(), TSS04, "yahoo.com")
    assert labels(hits) == ["default #1 shaping.toml", "provider:yahoo #1 shaping.toml"]
    default, yahoo = (describe_hit(h, RecordContext(domain="yahoo.com")) for h in hits)
    assert [a.text for a in default.actions] == ["SetConfig max_message_rate=1/minute",
                                                 "SetConfig connection_limit=1"]
    assert default.duration == timedelta(minutes=90) and default.mx_rollup
    assert [a.text for a in yahoo.actions] == ["Suspend"]
    assert yahoo.duration == timedelta(hours=2) and yahoo.trigger == "Immediate"


def test_the_community_file_adds_its_threshold_rule_after_the_default_files_rules() -> None:
    hits = fire(shipped(community=True), TSS04, "yahoo.com")
    assert labels(hits)[-1] == "provider:yahoo #3 community-shaping.toml"
    view = describe_hit(hits[-1], RecordContext(domain="yahoo.com"))
    assert view.threshold == 2
    assert view.fires.startswith("on the 2nd matching reply within 2h on one egress path")


def test_the_bracketed_s3150_escapes_the_default_file_but_not_the_community_outlook_rule() -> None:
    assert fire(shipped(), S3150, "outlook.com") == []
    assert labels(fire(shipped(), SC002, "outlook.com")) == ["default #1 shaping.toml"]
    community = fire(shipped(community=True), S3150, "hotmail.com")
    assert labels(community) == ["provider:outlook #1 community-shaping.toml"]


def test_a_provider_without_a_match_list_never_fires_and_is_reported() -> None:
    engine = shipped(community=True)
    reply = ("421 4.7.0 Our system has detected an unusual rate of unsolicited mail originating "
             "from your IP address. - gsmtp")
    assert fire(engine, reply, "gmail.com") == []
    assert [h.scoped.scope for h in engine.regex_hits(parse_response(reply))] == ["provider:gmail"]
    inert = {i.rule.label: i.why for i in engine.inert_rules()}
    assert inert['provider "gmail" rule 2 in community-shaping.toml'] == \
        'provider "gmail" has no match list, so it never matches a domain'


def test_a_match_suffix_ending_in_a_dot_never_matches_and_is_reported() -> None:
    text = ('[provider."dotted"]\nmatch = [{MXSuffix = ".example.net."}]\n'
            '[[provider."dotted".automation]]\nregex = "Too many"\naction = "Suspend"\n'
            'duration = "30m"\n')
    mx = {"example.org": MX}
    assert fire(automation(("a.toml", text), mx=mx), "421 Too many", "example.org", mx) == []
    fixed = automation(("a.toml", text.replace('.example.net."', '.example.net"')), mx=mx)
    assert labels(fire(fixed, "421 Too many", "example.org", mx)) == ["provider:dotted #1 a.toml"]
    (inert,) = automation(("a.toml", text), mx=mx).inert_rules()
    assert "ending in a dot" in inert.why and inert.kind == "never-fires"


def test_a_double_escaped_regex_is_reported_as_one_that_cannot_match() -> None:
    inert = {i.rule.label: i for i in shipped(community=True).inert_rules()}
    assert inert['provider "apple" rule 3 in community-shaping.toml'].kind == "double-escaped"


def test_a_domain_block_rolls_up_to_its_site_and_covers_domains_sharing_the_mx() -> None:
    mx = {**SITE_MAP, "xfinity.example": SITE_MAP["comcast.net"]}
    hits = fire(shipped(), "421 4.7.0 throttled RL000010", "xfinity.example", mx)
    assert [h.scoped.rule.block for h in hits] == ["domain:comcast.net", "domain:comcast.net"]
    assert hits[0].scoped.scope == "site:(mx1a1|mx2c1).comcast.net"
    assert hits[0].scoped.scope_text.startswith('domain block "comcast.net" (rolled up to site')


def test_a_failed_lookup_at_load_drops_the_whole_block_as_kumod_does() -> None:
    without_comcast = {d: r for d, r in SITE_MAP.items() if d != "comcast.net"}
    engine = automation(("shaping.toml", DEFAULT_TEXT), mx=without_comcast)
    assert fire(engine, "421 RL000010", "comcast.net", without_comcast) == []
    assert "MX lookup failed" in str(engine.ignored_block("comcast.net"))
    assert {i.kind for i in engine.inert_rules()} == {"ignored-block"}


def test_a_null_mx_drops_a_rolled_up_block() -> None:
    text = '["nullmx.example"]\n[["nullmx.example".automation]]\nregex = "x"\naction = "Suspend"\n' \
           'duration = "1h"\n'
    engine = automation(("a.toml", text), mx={"nullmx.example": [MxRecord(pref=0, host=".")]})
    assert "null MX" in str(engine.ignored_block("nullmx.example"))


def test_a_block_with_mx_rollup_false_stays_keyed_by_its_exact_domain() -> None:
    text = ('["example.org"]\nmx_rollup = false\n[["example.org".automation]]\nregex = "busy"\n'
            'action = {SetDomainConfig = {name = "connection_limit", value = 2}}\nduration = "1h"\n')
    mx = {"example.org": MX, "example.com": MX}
    engine = automation(("a.toml", text), mx=mx)
    assert labels(fire(engine, "421 busy", "example.org", mx)) == ["domain:example.org #1 a.toml"]
    assert fire(engine, "421 busy", "example.com", mx) == []
    view = describe_hit(fire(engine, "421 busy", "example.org", mx)[0],
                        RecordContext(domain="example.org"))
    assert "example.org only (mx_rollup=false)" in view.actions[0].effect


def test_kumomtas_own_replies_only_match_rules_that_ask_for_them() -> None:
    internal = "451 4.4.4 KumoMTA internal: scheduled queue is suspended: RL000010"
    assert fire(shipped(), internal, "comcast.net") == []
    text = ('[["example.org".automation]]\nregex = "suspended"\naction = "Suspend"\n'
            'duration = "1h"\nmatch_internal = true\n')
    mx = {"example.org": MX}
    assert len(fire(automation(("a.toml", text), mx=mx), internal, "example.org", mx)) == 1


def test_later_files_append_their_rules_and_replace_base_replaces_them() -> None:
    later = ('[provider."yahoo"]\nreplace_base = true\nmatch = [{MXSuffix = ".yahoodns.net"}]\n'
             '[[provider."yahoo".automation]]\nregex = "never"\naction = "Suspend"\n'
             'duration = "1h"\n')
    engine = automation(("shaping.toml", DEFAULT_TEXT), ("mine.toml", later))
    assert labels(fire(engine, TSS04, "yahoo.com")) == ["default #1 shaping.toml"]


def test_domain_suffix_matches_without_any_lookup_and_mx_suffix_needs_every_host() -> None:
    text = ('[provider."p"]\nmatch = [{DomainSuffix = ".example.org"}, {MXSuffix = ".google.com"}]\n'
            '[[provider."p".automation]]\nregex = "slow"\naction = "Suspend"\nduration = "1h"\n')
    engine = automation(("a.toml", text), mx={})
    assert engine.providers_for("mail.example.org", None) == ["p"]
    assert engine.providers_for("mixed.example", ["a.google.com", "b.other.net"]) == []
    assert engine.providers_for("only.example", ["a.google.com", "b.google.com"]) == ["p"]


def test_a_threshold_counts_over_the_rules_duration_and_ignores_the_period() -> None:
    text = ('[["default".automation]]\nregex = "x"\naction = "Suspend"\nduration = "30m"\n'
            'trigger = {Threshold = "3/hr"}\n')
    (rule,) = [s.rule for s in automation(("a.toml", text), mx={}).all_rules()]
    at = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    close = [at - timedelta(minutes=m) for m in (1, 10, 29)]
    spread = [at - timedelta(minutes=m) for m in (1, 40, 55)]  # within the hour, not 30m
    assert threshold_reached(rule, close, at)
    assert not threshold_reached(rule, spread, at)


def test_bounce_takes_the_tenant_of_the_queue_and_says_it_destroys_mail() -> None:
    text = '[["default".automation]]\nregex = "x"\naction = "Bounce"\nduration = "10m"\n'
    engine = automation(("a.toml", text), mx={})
    (hit,) = fire(engine, "554 x", "example.org", {"example.org": MX})
    with_tenant = describe_hit(hit, RecordContext(domain="example.org", tenant="acme"))
    assert with_tenant.actions[0].destructive
    assert with_tenant.actions[0].effect.startswith("BOUNCES tenant `acme`'s mail for example.org")
    assert "every queued message" in describe_hit(hit, RecordContext(
        domain="example.org")).actions[0].effect


def test_the_reason_text_of_a_multi_regex_rule_finds_its_rule() -> None:
    engine = shipped()
    (default,) = [s for s in engine.all_rules() if s.scope == "default"]
    found = engine.rules_with_reason(default.rule.reason_regex, ["SetConfig"])
    assert found == [default]
    assert default.rule.reason_regex.startswith(r"(Messages from \d+")
