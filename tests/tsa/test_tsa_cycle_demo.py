"""The `tsa-cycle` demo: a [TSS04] burst, a suspension refreshed for 40 minutes, its
expiry after `/advance 3h`, one notice, and the diary telling it all in `tsa history`."""

from __future__ import annotations

from tests.test_demo import run_demo


def test_the_suspension_appears_once_with_its_moments_and_one_notice_was_posted() -> None:
    out = run_demo("/kumo tsa history yahoo.com\n/advance 3h\n/kumo tsa history yahoo.com\n",
                   "--scenario", "tsa-cycle", timeout=240)
    before, after = out.split("/advance 3h", 1)
    assert "The diary holds no automation action in this window" in before

    notices, history = after.split("/kumo tsa history yahoo.com", 1)
    assert notices.count("Traffic Shaping Automation suspended") == 1
    assert notices.count("Traffic Shaping Automation throttled") == 1  # both options, one notice
    assert "*Do not:* Do not cancel it" in notices

    # the suspension: once, started, refreshed many times, expired
    assert history.count("🛑 suspend path `egress path ip-1->") == 1
    entry = history.split("🛑 suspend path `egress path", 1)[1].split("🐌", 1)[0]
    refreshed = int(entry.split("refreshed ", 1)[1].split("×", 1)[0])
    assert refreshed >= 30
    assert "; expired " in entry and entry.count("↻") >= 5
    # which rule, how often, for how long, on which responses, nothing still active
    assert "🛑 suspend path: 1 action(s)" in history and "each for 2h" in history
    assert "• on `421 4.7.0 [TSS04] Messages from &lt;ip&gt; temporarily deferred" in history \
        or "• on `421 4.7.0 [TSS04] Messages from <ip> temporarily deferred" in history
    assert "still active" in history and "1 still active" not in history
    # the throttle override appears too
    assert "🐌 throttle `connection_limit=1 for yahoo.com from source ip-1`" in history
    assert "🐌 throttle `max_message_rate=1/minute for yahoo.com from source ip-1`" in history
