"""The playbook runs of the README, typed into the demo as a new user would (piped stdin)."""

from __future__ import annotations

from tests.test_demo import run_demo


def test_queue_not_draining_on_yahoo_decides_let_it_expire_by_itself_and_records_it() -> None:
    out = run_demo("/kumo playbook start queue-not-draining yahoo.com\n7\n",
                   "--scenario", "yahoo-tss04")
    started, _, done = out.partition("alice@#incident> 7")
    assert "Playbook: A queue that will not drain" in started
    assert "TSA path suspended" in started  # the checks' answers, in the thread
    # diagnose decided the ask: what, why (with its evidence), and the other choices
    assert "*Decided by diagnose:* *TSA suspended or throttled the path on purpose*" in started
    assert "*Why* (`tsa-holding`): TSA is already holding yahoo.com on purpose" in started
    assert "*Choose differently?*" in started
    assert "[1] A person's suspension holds it" in started
    assert "*Let the suspension expire*" in started and "[7] Done  [8] Abandon" in started
    assert "Do not rebind the queue to another pool" in started
    assert "Recorded: Decision: let the TSA suspension expire; do not rebind or raise rates." \
        in done
    assert "Run ended" in done and ":checkered_flag: ended" in done


def test_s3150_decides_the_block_and_proposes_a_guarded_suspension() -> None:
    out = run_demo("/kumo playbook start microsoft-s3150 outlook.com\n1\n3\n",
                   "--scenario", "microsoft-s3150")
    started, _, clicks = out.partition("alice@#incident> 1")
    assert "*Decided by diagnose:* *A block" in started
    assert "Choosing differently is closed. The run went on to a change" in started
    assert "A change: press Confirm to run it" in started and "[1] Confirm  [2] Cancel" in started
    assert "Do not bounce the queued mail" in started and "[3] Continue  [4] Abandon" in started
    confirmed, _, continued = clicks.partition("alice@#incident> 3")
    assert confirmed.count("*done*") == 3  # the suspension ran on every node
    assert "continue by @U0ALICE" in continued and "executed" in continued
