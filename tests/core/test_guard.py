"""Each guard rule, with the evidence it cites (DESIGN 5, issue 6)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.adapters.guard_toml import load_guard_file
from bot.core.effective_shaping import OverrideEntry, Path, effective_value
from bot.core.guard import GUARD_TABLE, ReplyEvidence, Situation, judge
from bot.core.holds import Hold
from tests.fixtures import KUMOMTA

NOW = datetime(2026, 8, 4, 12, 0, tzinfo=UTC)
RULES = load_guard_file(None).guard
SHAPING = KUMOMTA / "shaping.toml"
YAHOO = Path("yahoo.com", "(alt1|alt2).mta.am0.yahoodns.net", "ip-1", ("mta5.am0.yahoodns.net",))
TSS04 = ReplyEvidence("rate_limit_brake", 42, "421 4.7.0 [TSS04] Messages from 10.0.0.1 "
                      "temporarily deferred")
DEAD = ReplyEvidence("invalid_recipient", 9, "554 delivery error: dd This user doesn't have "
                     "a yahoo.com account")


def tsa_hold(hold_id: str = "h-tsa1") -> Hold:
    return Hold(hold_id=hold_id, kind="suspend-path", name="ip-1->yahoo-site@smtp_client",
                reason="automation rule [TSS04]", origin="tsa", rule="[TS?S04]",
                remaining=timedelta(minutes=17))


def manual_hold() -> Hold:
    return Hold(hold_id="h-man1", kind="suspend", domain="yahoo.com", reason="test",
                origin="manual", remaining=timedelta(minutes=20))


def situation(**kwargs: object) -> Situation:
    return Situation(now=NOW, **kwargs)  # type: ignore[arg-type]  # test shorthand


def shaping_situation(*, tsa: bool, replies: tuple[ReplyEvidence, ...] = ()) -> Situation:
    overrides = [OverrideEntry("yahoo.com", "ip-1", "max_message_rate", "1/minute",
                               mx_rollup=False, expires=NOW + timedelta(minutes=17))] if tsa else []
    effective = effective_value("max_message_rate", YAHOO, now=NOW, tsa=overrides,
                                base_texts=[("shaping.toml", SHAPING.read_text())])
    holds = (tsa_hold(),) if tsa else ()
    return Situation(now=NOW, effective=effective, holds=holds, replies=replies)


def shaping_args(value: str) -> dict[str, object]:
    return {"domain": "yahoo.com", "setting": ("max_message_rate", value),
            "duration": timedelta(hours=1)}


def test_a_short_suspension_is_a_change_to_confirm() -> None:
    verdict = judge("suspend", {"domain": "yahoo.com", "duration": timedelta(minutes=30),
                                "reason": "test"}, situation(), RULES)
    assert (verdict.decision, verdict.action_class) == ("confirm", "change")


def test_a_suspension_beyond_four_hours_needs_sign_off() -> None:
    verdict = judge("suspend", {"domain": "yahoo.com", "duration": timedelta(hours=5),
                                "reason": "test"}, situation(), RULES)
    assert verdict.decision == "sign-off"
    assert "long-suspension" in verdict.rules


def test_a_suspension_without_for_or_beyond_the_limit_is_refused_with_what_to_write() -> None:
    unbounded = judge("suspend", {"domain": "yahoo.com", "reason": "x"}, situation(), RULES)
    too_long = judge("suspend", {"domain": "yahoo.com", "reason": "x",
                                 "duration": timedelta(days=20)}, situation(), RULES)
    assert unbounded.decision == too_long.decision == "refuse"
    assert unbounded.instead is not None and "--for 30m" in unbounded.instead


def test_a_log_filter_beyond_sixty_minutes_is_dangerous() -> None:
    short = judge("log-filter", {"filter": "kumod=debug", "duration": timedelta(minutes=60)},
                  situation(), RULES)
    long = judge("log-filter", {"filter": "kumod=debug", "duration": timedelta(minutes=61)},
                 situation(), RULES)
    assert (short.decision, long.decision) == ("confirm", "sign-off")


def test_cancelling_a_tsa_hold_is_dangerous_and_says_tsa_reapplies_it() -> None:
    verdict = judge("cancel", {"hold": "h-tsa1"}, situation(target_hold=tsa_hold()), RULES)
    assert verdict.decision == "sign-off"
    reason = next(r for r in verdict.reasons if r.rule == "cancel-tsa-hold")
    assert "re-applies" in reason.text and "17m left" in reason.evidence[0]


def test_cancelling_a_manual_hold_is_a_change() -> None:
    verdict = judge("cancel", {"hold": "h-man1"}, situation(target_hold=manual_hold()), RULES)
    assert verdict.decision == "confirm"


def test_lowering_the_effective_rate_is_a_change() -> None:
    verdict = judge("shaping", shaping_args("10/s"), shaping_situation(tsa=False), RULES)
    assert verdict.decision == "confirm"


def test_raising_over_a_tsa_throttle_is_against_the_evidence_and_has_no_effect_until_it_ends(
) -> None:
    verdict = judge("shaping", shaping_args("10000/h"),
                    shaping_situation(tsa=True, replies=(TSS04,)), RULES)
    assert verdict.decision == "sign-off" and verdict.override_reason_required
    lead = verdict.reasons[0]
    assert lead.rule == "against-evidence" and "wrong reflex" in lead.text
    assert any("[TSS04]" in line for line in lead.evidence)
    assert any("h-tsa1" in line for line in lead.evidence)
    assert any("outranks" in w and "17m" in w for w in verdict.warnings)


def test_raising_without_evidence_is_dangerous_but_needs_no_override_reason() -> None:
    verdict = judge("shaping", shaping_args("200/s"), shaping_situation(tsa=False), RULES)
    assert verdict.decision == "sign-off" and not verdict.override_reason_required


def test_bouncing_blocked_mail_carries_the_suppression_list_warning() -> None:
    verdict = judge("bounce", {"domain": "yahoo.com", "reason": "x"},
                    situation(replies=(TSS04, DEAD)), RULES)
    assert verdict.decision == "sign-off"
    assert any("suppression list" in w for w in verdict.warnings)


def test_a_bounce_of_dead_addresses_has_no_suppression_warning() -> None:
    verdict = judge("bounce", {"domain": "yahoo.com", "reason": "x"}, situation(replies=(DEAD,)),
                    RULES)
    assert verdict.decision == "sign-off" and not verdict.warnings


def test_a_bounce_without_criteria_is_refused_with_what_to_write_instead() -> None:
    verdict = judge("bounce", {"reason": "x"}, situation(), RULES)
    assert verdict.decision == "refuse"
    assert verdict.instead is not None and "/kumo bounce DOMAIN" in verdict.instead


def test_bouncing_everything_needs_two_approvers() -> None:
    verdict = judge("bounce", {"everything": True, "reason": "x"}, situation(), RULES)
    assert (verdict.decision, verdict.approvers_needed) == ("sign-off", 2)


def test_rebinding_a_path_tsa_holds_fights_the_safety_system() -> None:
    for verb in ("rebind", "xfer"):
        args = {"domain": "yahoo.com", "reason": "x", "settings": ("queue=other.example",),
                "target": "http://10.0.0.9:8000"}
        verdict = judge(verb, args, situation(holds=(tsa_hold(),)), RULES)
        assert verdict.decision == "sign-off" and "fights-tsa" in verdict.rules
        assert any("fights the safety system" in r.text for r in verdict.reasons)


def test_a_rebind_without_set_or_an_xfer_without_target_is_refused() -> None:
    rebind = judge("rebind", {"domain": "yahoo.com", "reason": "x"}, situation(), RULES)
    xfer = judge("xfer", {"domain": "yahoo.com", "reason": "x"}, situation(), RULES)
    assert rebind.decision == xfer.decision == "refuse"
    assert xfer.instead is not None and "--target http://" in xfer.instead


def test_a_third_change_on_one_scope_within_fifteen_minutes_is_dangerous() -> None:
    args = {"domain": "yahoo.com", "duration": timedelta(minutes=30), "reason": "x"}
    second = judge("suspend", args, situation(recent_changes=1), RULES)
    third = judge("suspend", args, situation(recent_changes=2), RULES)
    assert (second.decision, third.decision) == ("confirm", "sign-off")
    assert "third-change" in third.rules


def test_the_fingerprint_changes_when_a_hold_appears_but_not_when_time_passes() -> None:
    args = {"domain": "yahoo.com", "reason": "x"}
    before = judge("bounce", args, situation(holds=(tsa_hold(),)), RULES)
    later = judge("bounce", args, Situation(now=NOW + timedelta(minutes=5),
                                            holds=(tsa_hold(),)), RULES)
    appeared = judge("bounce", args, situation(holds=(tsa_hold(), tsa_hold("h-new"))), RULES)
    assert before.fingerprint == later.fingerprint != appeared.fingerprint


def test_reads_just_run_and_the_table_covers_every_write_verb() -> None:
    assert judge("queue", {}, situation(), RULES).decision == "run"
    assert {row.verb for row in GUARD_TABLE} >= {"suspend", "suspend-path", "cancel", "bounce",
                                                  "shaping set", "log-filter", "rebind", "xfer"}
