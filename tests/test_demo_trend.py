"""`trend` in the demo: the sampler runs on the simulator's clock, `/advance` fills history."""

from __future__ import annotations

from tests.test_demo import run_demo


def test_after_half_an_hour_the_yahoo_queue_is_held_with_the_time_to_drain_after_resume(
) -> None:
    out = run_demo("/advance 30m\n/kumo trend yahoo.com\n")
    assert "Trend: yahoo.com" in out
    assert "*Held*: 9 of 9 egress paths suspended until" in out
    assert "(in 17 min)" in out or "(in 16 min)" in out
    assert "delivered 0/min" in out
    assert "at the rate observed now: never at this rate" in out
    # the shaping that will hold when the paths resume: TSA's 1/minute will have expired
    assert "Allowed = the shaping in force at" in out
    assert "max_message_rate 100/s (shaping.toml [default])" in out
    assert "0 in the window" in out  # nothing delivered while suspended
    assert "[file: trend-yahoo.com.png" in out  # the chart, uploaded with files_upload_v2


def test_trend_before_any_history_says_rates_need_two_samples() -> None:
    out = run_demo("/kumo trend gmail.com\n")
    assert "Fewer than two samples in the window" in out


def test_trend_takes_a_window_and_refuses_a_bad_one() -> None:
    out = run_demo("/advance 5m\n/kumo trend gmail.com --since 3m\n/kumo trend gmail.com "
                   "--since soon\n")
    assert "window 3m." in out
    assert "`--since`" in out and "soon" in out


def test_the_time_to_drain_is_a_real_figure_from_the_pace_of_a_busy_connection() -> None:
    out = run_demo("/advance 30m\n/kumo trend yahoo.com\n")
    # 9 paths x min(100/s, connection_limit 10 x 30/min): 2,700/min once they resume
    assert "allowed 2,700/min once the paths resume" in out
    assert "one connection delivers about 30/min here (from the mean SMTP transaction time)" \
        in out
    assert "at least" not in out and "the most they could do" not in out
    assert "*Time to drain* at the allowed rate: *33 min*" in out or \
        "*Time to drain* at the allowed rate: *32 min*" in out
