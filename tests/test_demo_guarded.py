"""The yahoo-tss04 demo's guarded writes, as a new user types them (piped stdin)."""

from __future__ import annotations

from tests.test_demo import run_demo


def test_suspend_runs_on_every_node_after_confirm() -> None:
    out = run_demo("/kumo suspend yahoo.com --for 30m --reason test\n1\n",
                   "--scenario", "yahoo-tss04")
    card, _, after = out.partition("alice@#incident> 1")
    assert "A change: press Confirm to run it" in card and "[1] Confirm  [2] Cancel" in card
    assert all(f"• {node}: *done*" in after for node in ("mta1", "mta2", "mta3"))
    assert "Done." in after


def test_a_bounce_shows_its_preview_and_waits_for_a_second_person_who_runs_it_once() -> None:
    out = run_demo("/kumo bounce yahoo.com --reason x\n1\n/as bob\n1\n1\n",
                   "--scenario", "yahoo-tss04")
    card, _, clicks = out.partition("alice@#incident> 1")
    assert "needs sign-off by another person" in card
    assert "Blast radius" in card and "messages queued now would be bounced" in card
    assert "poisons the suppression list" in card
    mine, _, bobs = clicks.partition("bob@#incident> 1")
    assert "You cannot approve your own request" in mine
    first, _, second = bobs.partition("bob@#incident> 1")
    assert "Done." in first and first.count("*done*") == 3
    assert "already done" in second and "*done*" not in second


def test_a_bounce_with_no_criteria_is_refused_with_what_to_write_instead() -> None:
    out = run_demo("/kumo bounce --reason x\n", "--scenario", "yahoo-tss04")
    assert "A bounce with no criteria would destroy every queued message" in out
    assert "`/kumo bounce DOMAIN [--tenant T] [--campaign C] --reason R`" in out
    assert "[1]" not in out  # nothing to press: nothing was asked for


def test_raising_the_rate_over_tsas_throttle_waits_for_an_override_sign_off() -> None:
    out = run_demo("/kumo shaping set yahoo.com max_message_rate=10000/h --for 1h\n",
                   "--scenario", "yahoo-tss04")
    card = out.partition("--for 1h")[2]
    # The card leads with the evidence: the TSS04 replies and the TSA hold.
    assert card.index("Against the evidence") < card.index("Dangerous: needs sign-off")
    assert "[TSS04]" in card and "tsa suspend-path" in card
    assert "TSA's throttle max_message_rate=1/minute outranks this override" in card
    assert "the raise has no effect until it ends" in card
    assert "Approving needs an explicit override with a typed reason." in card
    assert "[1] Approve (danger)  [2] Deny" in card
