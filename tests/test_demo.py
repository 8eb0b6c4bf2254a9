"""The demo as a new user runs it: `kumo-bot demo` with lines piped on stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_demo(lines: str, *args: str, timeout: float = 120) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUMO_", "SLACK_"))}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "demo", *args],
        input=lines, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_piped_queue_shows_the_seed_case() -> None:
    out = run_demo("/kumo queue yahoo.com\n")
    assert "alice@#incident> /kumo queue yahoo.com" in out
    # the suspended Yahoo paths, held by TSA, with time left
    assert out.count("🛑 TSA path suspended") >= 3
    assert "by TSA rule `\\[TS?S04\\]`" in out
    assert "47m" in out or "46m" in out
    # the yahoo.com scheduled queues, tenant and campaign included, totalling 28,140
    assert "acme@yahoo.com" in out and "28,140" in out
    # and the TSA throttle
    assert "TSA throttle: connection_limit=1, max_message_rate=1/minute" in out
    assert "kcli --domain would show only `yahoo.com`" in out


def test_terminal_switches_people_and_moves_time() -> None:
    out = run_demo("/as bob\n/kumo holds yahoo.com\n/advance 50m\n/kumo tsa yahoo.com\n/quit\n")
    assert "@U0BOB asked `/kumo holds yahoo.com`" in out
    assert "simulated time moved 50m forward" in out
    tsa = out.split("/kumo tsa yahoo.com", 1)[1]
    assert "TSA holds no suspension or bounce here" in tsa


def test_bad_lines_get_clear_answers_and_the_demo_goes_on() -> None:
    long_text = "queue " + "x" * 10_000
    out = run_demo(f"/kumo qeueu yahoo.com\n/kumo {long_text}\n/kumo queue “yahoo.com\n"
                   "/frobnicate\n/advance soon\n/kumo health\n")
    assert "Did you mean `queue`?" in out
    assert "too long" in out
    assert "Unclosed quote" in out
    assert "Unknown terminal command /frobnicate" in out
    assert "/advance:" in out
    assert "accepting mail" in out


@pytest.mark.parametrize("scenario", ["listeners-refusing", "microsoft-s3150", "healthy"])
def test_other_scenarios_start(scenario: str) -> None:
    out = run_demo("/kumo health\n", "--scenario", scenario)
    assert f"scenario '{scenario}'" in out and "asked `/kumo health`" in out


def test_unknown_scenario_is_refused_with_the_list() -> None:
    done = subprocess.run([sys.executable, "-m", "bot", "demo", "--scenario", "nope"],
                          input="", capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2 and "yahoo-tss04" in done.stderr
