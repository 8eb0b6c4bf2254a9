"""`diagnose` in the demo, as a new user types it (piped stdin)."""

from __future__ import annotations

from tests.test_demo import run_demo


def test_the_demo_diagnoses_the_seed_case() -> None:
    out = run_demo("/kumo diagnose yahoo.com\n")
    assert "alice@#incident> /kumo diagnose yahoo.com" in out
    assert "Diagnosis: yahoo.com" in out
    assert "TSA is already holding yahoo.com on purpose" in out
    assert "47m left" in out or "46m left" in out
    assert "`421 4.7.0 [TSS04] Messages from <ip> temporarily deferred" in out
    assert "a rate-limit brake for volume or complaints (temporary, not a block)" in out
    assert "28,140 messages in 3 scheduled queues" in out
    assert "*First step:* Do nothing to the shaping: let it expire" in out
    assert "Do not rebind or raise rates: that fights the automation" in out

