"""The demo as a responder uses it: `log` and `responses` on the yahoo-tss04 incident."""

from __future__ import annotations

from tests.test_demo import run_demo


def test_piped_log_and_responses_tell_the_tss04_story() -> None:
    out = run_demo("/kumo log yahoo.com --type deferral --limit 5\n"
                   "/kumo responses yahoo.com\n"
                   "/kumo log yahoo.com --type deferral --limit 2 --internal\n")
    log, responses, internal = out.split("alice@#incident> ")[1:]
    assert log.count("421 4.7.0") == 5 and log.count("[TSS04] Messages from 203.0.113.") == 5
    assert "KumoMTA internal: no sources" not in log
    assert "KumoMTA internal records left out on the way (`--internal` shows them)" in log
    assert "90 × 4xx" in responses and "0 × 5xx" in responses
    assert "[TSS04] Messages from <ip> temporarily deferred" in responses
    assert "sources ip-1, ip-2, ip-3" in responses
    assert internal.count("KumoMTA internal: no sources for") == 2
