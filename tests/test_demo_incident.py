"""The incident flow of the issue, typed into the demo (piped stdin)."""

from __future__ import annotations

import re

from tests.test_demo import run_demo

FLOW = ('/kumo incident start "Yahoo deferrals" --domain yahoo.com --channel\n'
        "/kumo queue yahoo.com\n/kumo incident status\n/kumo incident resolve\n")


def test_start_with_a_channel_moves_the_terminal_there_and_the_flow_reads_in_order() -> None:
    out = run_demo(FLOW, "--scenario", "yahoo-tss04")
    found = re.search(r"you were invited to #(inc-\d{8}-1-yahoo-deferrals)", out)
    assert found is not None, out[-3000:]
    channel = found.group(1)
    # The card was posted in the new channel, then the terminal followed the requester there.
    assert f"#{channel}  kumo-bot:" in out.partition("you were invited")[0]
    assert f"alice@#{channel}> /kumo queue yahoo.com" in out
    status = out.partition(f"alice@#{channel}> /kumo incident status")[2]
    status, _, resolve = status.partition(f"alice@#{channel}> /kumo incident resolve")
    assert "*Holds now*" in status and "by TSA" in status
    assert "*Last findings*" in status and "*Pending approvals*" in status
    assert "Command `queue yahoo.com`" in status  # filed under the incident, on its timeline
    assert "Incident resolved" in resolve


def test_in_moves_the_terminal_and_an_unknown_channel_is_named() -> None:
    out = run_demo("/in #nowhere\n/kumo incident status\n", "--scenario", "healthy")
    assert "/in: there is no channel #nowhere; there are #incident" in out
    assert "needs an incident" in out
