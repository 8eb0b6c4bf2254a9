"""The gmail-421 playbook's guarded step (`shaping set gmail.com ...` without `--source`)
on the gmail-421-brake demo: the card names the sources the nodes report, and Confirm
writes one override per source."""

from __future__ import annotations

from tests.test_demo import run_demo


def test_the_playbooks_slow_the_path_step_shows_a_card_and_runs_on_each_source() -> None:
    # diagnose decides the ask (a brake) by itself: `1` is Confirm on the guard's card
    out = run_demo("/kumo playbook start gmail-421 gmail.com\n1\n",
                   "--scenario", "gmail-421-brake")
    step, _, confirmed = out.partition("alice@#incident> 1")
    assert "I see no egress path" not in out
    assert ("Override max_message_rate=10/min for gmail.com for 2h on each of its egress "
            "sources now: `ip-1`, `ip-2`, `ip-3`") in step
    assert "[1] Confirm  [2] Cancel" in step
    assert all(f"• source ip-{i}: *done*" in confirmed for i in (1, 2, 3))
    assert "*Done.*" in confirmed
