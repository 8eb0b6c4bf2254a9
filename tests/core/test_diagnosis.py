"""The verdicts of `diagnose`, from hand-built evidence: the method of DESIGN 1, finding by finding."""

from __future__ import annotations

from bot.core.diagnosis import diagnose, unchecked
from bot.core.diagnosis_model import Diagnosis, Finding
from bot.core.holds import Hold
from tests.core.diagnosis_helpers import (
    CONTENT,
    GMAIL_BRAKE,
    NO_SUCH_USER,
    S3150,
    SPAMHAUS,
    TSS04,
    evidence,
    group,
    healthy,
    park,
    queues,
    replies,
    shedding,
    thresholds,
    throttle,
    tsa_path_holds,
)

TH = thresholds()


def text(finding: Finding) -> str:
    return "\n".join([finding.verdict, *(e.text for e in finding.evidence), finding.first_step,
                      *finding.donts])


def kinds(d: Diagnosis) -> list[str]:
    return [f.kind for f in d.findings]


def seed_case() -> Diagnosis:
    holds, origins = tsa_path_holds(minutes_left=47)
    tss04 = group(TSS04, "yahoo.com", count=90, first=73, last=72,
                  sources=("ip-1", "ip-2", "ip-3"), nodes=("mta1", "mta2", "mta3"))
    return diagnose(evidence(
        "yahoo.com",
        park=park(holds=holds, origins=origins,
                  scheduled=queues("yahoo.com", **{"spring:acme@yahoo.com": 22_113,
                                                   "acme@yahoo.com": 3_552, "yahoo.com": 2_475})),
        tsa={"throttles": [o for s in ("ip-1", "ip-2", "ip-3") for o in throttle(s)]},
        replies=replies(tss04, internal=1_944)), TH)


def test_the_seed_case_says_tsa_holds_the_path_and_to_let_it_expire() -> None:
    d = seed_case()
    assert kinds(d) == ["tsa-holding"]
    lead = d.lead
    assert lead.verdict.startswith("TSA is already holding yahoo.com on purpose")
    assert "[TSS04]" in lead.verdict and "not a block" in lead.verdict
    assert "let it expire (47m left)" in lead.verdict
    said = text(lead)
    assert "TSA suspended 3 egress paths 120 min ago" not in said  # started = expiry - 2 hours
    assert "TSA suspended 3 egress paths 73 min ago" in said
    assert "`ip-1, ip-2, ip-3 → (mta5|mta6|mta7).am0.yahoodns.net`" in said
    assert "90 × `421 4.7.0 [TSS04] Messages from <ip> temporarily deferred" in said
    assert "from Yahoo between 73 and 72 min ago on ip-1, ip-2, ip-3 (mta1, mta2, mta3)" in said
    assert "28,140 messages in 3 scheduled queues" in said
    assert "TSA throttle: max_message_rate=1/minute, connection_limit=1 on ip-1, ip-2, ip-3: " \
           "17m left" in said
    assert "1,944 × KumoMTA internal replies" in said and "not a receiver's" in said


def test_the_seed_case_says_what_happens_when_it_ends_and_which_reflexes_fight_it() -> None:
    lead = seed_case().lead
    assert lead.first_step.startswith("Do nothing to the shaping: let it expire at 12:47 UTC")
    assert "28,140 waiting messages are retried as they come due" in lead.first_step
    assert "TSA's throttle ends before" in lead.first_step
    assert "TSA holds it again for 2 hours" in lead.first_step
    assert lead.donts[0].startswith("Do not rebind or raise rates: that fights the automation")
    assert any("Do not cancel the TSA suspension" in d for d in lead.donts)
    assert any("poison the suppression list" in d for d in lead.donts)


def test_a_brake_tsa_does_not_catch_is_called_with_whether_the_rules_cover_it() -> None:
    brake = group(GMAIL_BRAKE, "gmail.com", count=400, recent=300, first=35, last=0,
                  sources=("ip-1", "ip-2"))
    d = diagnose(evidence("gmail.com", park=park(scheduled=queues("gmail.com", **{
        "gmail.com": 3_000})), replies=replies(brake)), TH)
    assert kinds(d) == ["provider-brake"]
    said = text(d.lead)
    assert "Gmail / Google Workspace is braking mail to gmail.com" in said
    assert "TSA is not acting on it: no automation rule in shaping.toml fires" in said
    assert "shaping provider google has no rule for it" in said
    assert "3,000 messages in 1 scheduled queue" in said
    assert "Slow the gmail.com paths yourself" in d.lead.first_step
    assert any("full speed" in x for x in d.lead.donts)


def test_a_few_brake_replies_are_noise_not_a_finding() -> None:
    brake = group(GMAIL_BRAKE, "gmail.com", count=5)
    assert kinds(diagnose(evidence("gmail.com", park=park(), replies=replies(brake)),
                          TH)) == ["all-clear"]
    assert kinds(diagnose(evidence("gmail.com", park=park(), replies=replies(brake)),
                          thresholds(brake_min_replies=5))) == ["provider-brake"]


def test_a_brake_tsa_rules_fire_on_but_hold_nothing_now_says_so() -> None:
    tss04 = group(TSS04, "yahoo.com", count=30)
    d = diagnose(evidence("yahoo.com", park=park(), replies=replies(tss04)), TH)
    assert kinds(d) == ["provider-brake"]
    assert "TSA's rules match it but hold nothing here now" in d.lead.verdict
    assert "but hold nothing on yahoo.com now" in text(d.lead)


def test_s3150_is_a_reputation_block_not_dead_addresses_and_the_default_rule_misses_it() -> None:
    block = group(S3150, "outlook.com", count=373, recent=280, first=40, last=1,
                  sources=("ip-1", "ip-2"))
    d = diagnose(evidence("outlook.com",
                          park=park(paths=[(n, s) for n in ("mta1", "mta2", "mta3")
                                           for s in ("ip-1", "ip-2", "ip-3")]),
                          replies=replies(block)), TH)
    assert kinds(d) == ["reputation-block"]
    lead = d.lead
    assert lead.severity == "critical"
    assert "blocking mail to outlook.com for reputation" in lead.verdict
    assert "not dead addresses" in lead.verdict
    assert "KumoMTA's default rule for this reply did not fire" in lead.verdict
    said = text(lead)
    assert "default rule 1 in shaping.toml would fire if the IP were not in brackets" in said
    assert "A sudden mass: 280 × 5xx in the last 30m" in said
    assert "Blocked paths: 2 of the 9 egress paths to the site (mta1 ip-1, mta1 ip-2)" in said
    assert "0 dead addresses (suppress), 373 blocks (never suppress)" in said
    assert lead.donts[0] == ("Do not bounce the mail or suppress these recipients: the addresses "
                             "are not dead, and it would poison the suppression list.")
    assert "start delisting" in lead.first_step


def test_dead_addresses_are_list_hygiene_where_suppression_is_right() -> None:
    dead = group(NO_SUCH_USER, "gmail.com", count=60, recent=20, first=100)
    d = diagnose(evidence("gmail.com", park=park(), replies=replies(dead)), TH)
    assert kinds(d) == ["dead-addresses"]
    assert d.lead.verdict.startswith("Dead addresses at gmail.com: 60 × 5xx")
    assert "suppressing these addresses is right" in d.lead.verdict
    assert any("Do not treat it as a block" in x for x in d.lead.donts)


def test_a_bounce_storm_splits_dead_addresses_from_blocks_and_leads_with_the_larger() -> None:
    dead = group(NO_SUCH_USER, "outlook.com", count=447, recent=447, first=25)
    block = group(SPAMHAUS, "outlook.com", count=81, recent=81, first=23)
    d = diagnose(evidence("outlook.com", park=park(), replies=replies(dead, block)), TH)
    assert kinds(d) == ["dead-addresses", "reputation-block"]
    storm, blocked = d.findings
    assert storm.verdict.startswith("A bounce storm of dead addresses at outlook.com")
    split = "Split of the 528 × 5xx: 447 dead addresses (suppress), 81 blocks (never suppress)"
    assert split in text(storm) and split in text(blocked)
    assert "A sudden mass: 528 × 5xx in the last 30m" in text(storm)
    assert "A sudden mass" not in text(blocked)  # the spike goes to the finding that explains it


def test_a_sudden_mass_of_other_5xx_is_a_block_in_motion() -> None:
    spam = group(CONTENT, "gmail.com", count=15, recent=15, first=10)
    d = diagnose(evidence("gmail.com", park=park(), replies=replies(spam)),
                 thresholds(spike_min_replies=10))
    assert kinds(d) == ["bounce-spike"]
    assert "a block in motion" in d.lead.verdict
    assert "A sudden mass: 15 × 5xx in the last 30m (30/h) against none" in text(d.lead)


def test_5xx_at_the_baseline_rate_are_no_spike() -> None:
    steady = group(NO_SUCH_USER, "gmail.com", count=100, recent=25, first=119)
    d = diagnose(evidence("gmail.com", park=park(), replies=replies(steady)), TH)
    assert "A sudden mass" not in text(d.lead)


def test_other_rejections_are_their_own_finding() -> None:
    spam = group(CONTENT, "gmail.com", count=40, first=100)
    d = diagnose(evidence("gmail.com", park=park(), replies=replies(spam)), TH)
    assert kinds(d) == ["rejections"]
    assert "rejects mail: 40 × 5xx" in d.lead.verdict


def test_a_node_refusing_mail_is_named_with_load_shedding_as_protection() -> None:
    d = diagnose(evidence("yahoo.com", park=park(health=[healthy("mta1"), shedding("mta2"),
                                                         healthy("mta3", ratio=0.86)]),
                          replies=replies()), TH)
    assert kinds(d) == ["listeners-refusing"]
    lead = d.lead
    assert lead.verdict.startswith("mta2 is refusing new mail: memory headroom is 0, so it "
                                   "sheds load")
    assert "protecting itself, not a crash" in lead.verdict
    said = text(lead)
    assert "mta2 answers liveness with 503 `load shedding`" in said
    assert "refused 492 connections" in said
    assert "mta3 is close" in said and "Accepting mail: mta1, mta3." in said
    assert lead.donts[0].startswith("Do not restart mta2")


def test_a_node_low_on_memory_alone_is_information_after_the_all_clear() -> None:
    d = diagnose(evidence("yahoo.com", park=park(health=[healthy("mta1", ratio=0.9)]),
                          replies=replies()), TH)
    assert kinds(d) == ["all-clear", "memory-low"]


def test_nothing_wrong_says_so_and_what_was_checked() -> None:
    d = diagnose(evidence("yahoo.com", park=park(scheduled=queues("yahoo.com", **{
        "yahoo.com": 12})), tsa={"throttles": []}, replies=replies()), TH)
    assert kinds(d) == ["all-clear"]
    assert d.lead.verdict.startswith("Nothing looks wrong for yahoo.com: no hold, no brake")
    checked = "\n".join(d.checked)
    for what in ("queues on mta1, mta2: 12 messages in 1 scheduled queue",
                 "holds on its paths and queues: none", "health: 2 of 2 nodes accept mail",
                 "TSA throttles on it: none", "receivers' replies over the last 2h"):
        assert what in checked
    assert len(d.lead.evidence) == len(d.checked)


def test_what_could_not_be_checked_is_named_and_the_all_clear_is_qualified() -> None:
    logs = unchecked("logs", "delivery logs", "no log directories are configured")
    d = diagnose(evidence("yahoo.com", park=park(), unchecked=[logs]), TH)
    assert d.lead.verdict.startswith("Nothing looks wrong for yahoo.com in what I could check")
    (item,) = d.unchecked
    assert "no verdict on brakes, blocks or dead addresses" in item.consequence


def test_a_broken_shaping_file_leaves_the_rules_unknown_not_silent() -> None:
    brake = group(GMAIL_BRAKE, "gmail.com", count=40)
    d = diagnose(evidence("gmail.com", park=park(),
                          replies=replies(brake, rules_checked=False)), TH)
    assert "which automation rules fire on it is unknown" in text(d.lead)


def test_a_person_holding_the_mail_and_an_admin_bounce_are_said_first() -> None:
    manual = Hold(hold_id="m1", kind="suspend", domain="yahoo.com", reason="maintenance",
                  origin="manual", nodes={"mta1": "u"}, remaining=None)
    bounce = Hold(hold_id="b1", kind="bounce", domain="yahoo.com", reason="cleanup",
                  origin="manual", nodes={"mta1": "u"}, total_bounced=4_000)
    d = diagnose(evidence("yahoo.com", park=park(holds=[manual, bounce], scheduled=queues(
        "yahoo.com", **{"yahoo.com": 100})), replies=replies()), TH)
    assert kinds(d) == ["mail-bounced-by-hold", "manual-hold"]
    assert "4,000 messages bounced so far" in d.lead.verdict
    assert "Reason given: `maintenance`" in text(d.findings[1])


def test_findings_are_ranked_by_what_they_account_for() -> None:
    holds, origins = tsa_path_holds()
    tss04 = group(TSS04, "yahoo.com", count=90)
    block = group(S3150, "yahoo.com", count=6)
    d = diagnose(evidence("yahoo.com", park=park(holds=holds, origins=origins, scheduled=queues(
        "yahoo.com", **{"yahoo.com": 500})), replies=replies(tss04, block)), TH)
    assert kinds(d) == ["tsa-holding", "reputation-block"]
    assert d.findings[0].weight > d.findings[1].weight
