"""`diagnose` on every simulator scenario: the real use case, over loopback, on real zstd logs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.answers import ErrorAnswer
from bot.services import Services
from tests.diagnose_helpers import ALICE, bot_on, diagnosed, rendered, said


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    with bot_on("yahoo-tss04", tmp_path_factory.mktemp("seed")) as (_, services, _):
        yield services


def on(scenario: str, tmp_path: Path, *domains: str) -> list[str]:
    """The rendered answers of ``diagnose`` for each domain, and each lead finding's kind."""
    with bot_on(scenario, tmp_path) as (_, services, _):
        return [a.diagnosis.lead.kind + "\n" + rendered(a)
                for a in (diagnosed(services, d) for d in domains)]


def test_yahoo_tss04_reproduces_the_seed_case_with_its_evidence(seed: Services) -> None:
    answer = diagnosed(seed, "yahoo.com")
    d = answer.diagnosis
    assert [f.kind for f in d.findings] == ["tsa-holding"]
    text = said(d.lead)
    # TSA's suspension, with the time left and when it began
    assert "TSA suspended 3 egress paths 73 min ago" in text
    assert "let it expire (47m left)" in d.lead.verdict
    # the TSS04 421s from Yahoo, read as volume or complaints, not a block
    assert "90 × `421 4.7.0 [TSS04] Messages from <ip> temporarily deferred" in text
    assert "from Yahoo 73 min ago on ip-1, ip-2, ip-3 (mta1, mta2, mta3)" in text
    assert "a rate-limit brake for volume or complaints (temporary, not a block)" in d.lead.verdict
    # the queue it explains, and KumoMTA's own view counted apart
    assert "28,140 messages in 3 scheduled queues" in text
    assert "1,944 × KumoMTA internal replies in the last 2h" in text
    # the right move and the reflexes that would fight it
    assert d.lead.first_step.startswith("Do nothing to the shaping: let it expire")
    assert d.lead.donts[0].startswith("Do not rebind or raise rates: that fights the automation")
    assert not answer.failures and not d.unchecked


def test_another_domain_on_the_seed_park_is_all_clear_with_its_ordinary_deferrals(
        seed: Services) -> None:
    d = diagnosed(seed, "gmail.com").diagnosis
    assert [f.kind for f in d.findings] == ["all-clear"]
    assert "ordinary deferrals kumod retries" in said(d.lead)


def test_microsoft_s3150_is_a_reputation_block_not_dead_addresses(tmp_path: Path) -> None:
    outlook, hotmail = on("microsoft-s3150", tmp_path, "outlook.com", "hotmail.com")
    for text in (outlook, hotmail):
        assert text.startswith("reputation-block")
        assert "for reputation" in text and "not dead addresses" in text
        assert "TSA does not act on it: KumoMTA's default rule for this reply did not fire" in text
        assert "would fire if the IP were not in brackets" in text
        assert "Do not bounce the mail or suppress these recipients: the addresses are not " \
               "dead, and it would poison the suppression list." in text
        assert "Blocked paths: 2 of the 9 egress paths to the site (mta1 ip-1, mta1 ip-2)" in text
        assert "dead addresses (suppress)" in text and "Dead addresses at" not in text
    assert "(S3150)" in outlook and "start delisting" in outlook


def test_gmail_421_brake_is_a_brake_tsa_does_not_act_on(tmp_path: Path) -> None:
    (text,) = on("gmail-421-brake", tmp_path, "gmail.com")
    assert text.startswith("provider-brake")
    assert "Gmail / Google Workspace is braking mail to gmail.com" in text
    assert "TSA is not acting on it: no automation rule in shaping.toml fires" in text
    assert "`421 4.7.28 [&lt;ip&gt; 15] Our system has detected an unusual rate" in text
    assert "Do not retry at full speed" in text


def test_a_bounce_storm_splits_dead_addresses_from_blocks(tmp_path: Path) -> None:
    gmail, outlook = on("bounce-storm", tmp_path, "gmail.com", "outlook.com")
    assert gmail.startswith("dead-addresses")
    assert "A bounce storm of dead addresses at gmail.com" in gmail
    assert "A sudden mass: " in gmail and "against none in the 1h 30m before" in gmail
    assert "`globex@gmail.com (100)`" in gmail
    assert outlook.startswith("dead-addresses")
    storm, block = outlook.split(":red_circle: *2. ")
    assert "447 dead addresses (suppress), 81 blocks (never suppress)" in storm
    assert block.startswith("Microsoft is blocking mail to outlook.com for reputation (Spamhaus")


def test_listeners_refusing_names_the_node_and_load_shedding(tmp_path: Path) -> None:
    (text,) = on("listeners-refusing", tmp_path, "yahoo.com")
    assert text.startswith("listeners-refusing")
    assert "mta2 is refusing new mail: memory headroom is 0, so it sheds load" in text
    assert "protecting itself, not a crash" in text
    assert "mta2 answers liveness with 503 `load shedding`" in text
    assert "mta3 is close" in text and "Do not restart mta2" in text


def test_healthy_says_nothing_is_wrong_and_what_was_checked(tmp_path: Path) -> None:
    (text,) = on("healthy", tmp_path, "yahoo.com")
    assert text.startswith("all-clear")
    assert "Nothing looks wrong for yahoo.com: no hold, no brake, no block" in text
    for checked in ("Queues on mta1, mta2, mta3", "Holds on its paths and queues: none",
                    "Health: 3 of 3 nodes accept mail", "TSA throttles on it: none",
                    "Receivers' replies over the last 2h on mta1, mta2, mta3"):
        assert checked in text


def test_a_node_down_tsa_down_and_unreadable_logs_are_named_never_a_crash(tmp_path: Path) -> None:
    with bot_on("yahoo-tss04", tmp_path, unreadable_logs=("mta3",)) as (park, services, audit):
        park.knobs("mta2").down = True
        park.knobs("tsa").down = True
        answer = diagnosed(services, "yahoo.com")
    d = answer.diagnosis
    assert d.lead.kind == "tsa-holding"  # kumod lists TSA's suspensions: the verdict stands
    missing = {u.source: u.consequence for u in d.unchecked}
    assert missing["mta2"] == "its queues, holds and health are not in this verdict"
    assert "TSA's throttles are not in this verdict" in missing["tsa:tsa"]
    assert "receivers' replies were not read" in missing["mta3"]
    assert {f.node for f in answer.failures} == {"mta2", "tsa:tsa"}
    assert audit.recent()[0].outcome == "partial"
    text = rendered(answer)
    assert ":warning: *Could not check*" in text and "*mta2*" in text


def test_without_delivery_logs_the_all_clear_says_what_it_could_not_check(tmp_path: Path) -> None:
    with bot_on("healthy", tmp_path, KUMO_LOG_DIRS={}) as (_, services, _):
        d = diagnosed(services, "yahoo.com").diagnosis
    assert d.lead.verdict.startswith("Nothing looks wrong for yahoo.com in what I could check")
    (item,) = d.unchecked
    assert item.kind == "logs" and "no log directories are configured" in item.detail


def test_an_unknown_domain_is_a_clear_error(seed: Services) -> None:
    answer = seed.handle("diagnose no-such-domain.example", ALICE)
    assert isinstance(answer, ErrorAnswer) and "no-such-domain.example" in answer.message


def test_diagnose_needs_a_domain(seed: Services) -> None:
    answer = seed.handle("diagnose", ALICE)
    assert isinstance(answer, ErrorAnswer) and answer.message == "`diagnose` needs DOMAIN."
