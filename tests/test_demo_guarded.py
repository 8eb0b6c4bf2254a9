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


def test_a_log_filter_runs_after_confirm_and_reverts_itself_when_time_passes() -> None:
    out = run_demo("/kumo log-filter kumod=debug --for 30m\n1\n/advance 31m\n",
                   "--scenario", "yahoo-tss04")
    card, _, after = out.partition("alice@#incident> 1")
    assert "A change: press Confirm to run it" in card
    assert "Set kumod's diagnostic log filter to `kumod=debug` on every node for 30m" in card
    ran, _, later = after.partition("alice@#incident> /advance 31m")
    assert ran.count("*done*") == 3 and "reverted" not in ran
    assert "reverted to `kumod=info` on every node" in later


def test_a_request_nobody_approves_says_expired_on_its_own_card() -> None:
    out = run_demo("/kumo bounce yahoo.com --reason x\n/advance 16m\n",
                   "--scenario", "yahoo-tss04")
    _, _, later = out.partition("alice@#incident> /advance 16m")
    assert "kumo-bot:  (edited)" in later  # chat.update of the card, not a new message
    assert "Expired after 15 min without enough approval; nothing was run." in later
    assert "poisons the suppression list" in later  # the card keeps its reasons
    assert "[3]" not in later and "Approve" not in later.split("Expired")[1]


def test_the_executed_card_keeps_the_guards_reasons() -> None:
    out = run_demo("/kumo bounce yahoo.com --reason x\n/as bob\n1\n",
                   "--scenario", "yahoo-tss04")
    _, _, after = out.partition("bob@#incident> 1")
    assert "Done." in after and after.count("*done*") == 3
    assert "*Why*" in after and "(bounce-blocked-mail)" in after
    assert "bouncing this mail poisons the suppression list" in after
    assert "reason: x" in after


def test_the_bots_hold_is_marked_in_holds_and_put_back_after_a_restart() -> None:
    out = run_demo("/kumo suspend yahoo.com --for 30m --reason test\n1\n/restart mta2\n"
                   "/advance 2m\n/kumo holds yahoo.com\n", "--scenario", "yahoo-tss04")
    _, _, after = out.partition("alice@#incident> /restart mta2")
    assert "kumod on mta2 restarted" in after
    assert "re-applied: hold" in after and "(suspend, reason: test): done" in after
    holds = after.partition("/kumo holds yahoo.com")[2]
    assert "the bot's: test; asked by @U0ALICE, confirmed by the requester" in holds
    bot_line = holds.partition("the bot's: test")[2].splitlines()[1]
    assert "on: mta1, mta2, mta3" in bot_line


def test_an_override_reason_is_typed_in_a_modal_and_kept_on_the_card() -> None:
    out = run_demo("/kumo shaping set yahoo.com max_message_rate=10000/h --for 1h\n/as bob\n1\n"
                   "short\nthe receiver lifted the brake by phone\n", "--scenario", "yahoo-tss04")
    _, _, clicked = out.partition("bob@#incident> 1")
    assert "[modal for @U0BOB] Override the guard" in clicked
    assert "Why override the evidence?" in clicked and "[TSS04]" in clicked
    short, _, typed = clicked.partition("bob@#incident> short")
    assert "Done." not in short
    assert "(the modal says: Say why in a sentence (at least 10 characters).)" in typed
    assert "*Override reason:* the receiver lifted the brake by phone" in typed
    assert "Done." in typed and typed.count("*done*") == 3
