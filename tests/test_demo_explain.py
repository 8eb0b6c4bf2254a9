"""`explain` and TSA origins in the demo, as a new user types them (piped stdin)."""

from __future__ import annotations

from tests.explain_helpers import S3150, TSS04
from tests.test_demo import run_demo


def test_the_demo_explains_the_seed_reply_and_the_s3150_gap_and_names_the_hold_rule() -> None:
    out = run_demo(f'/kumo explain "{TSS04}"\n/kumo explain "{S3150}"\n/kumo holds yahoo.com\n')
    seed, s3150, holds = out.split("alice@#incident> /kumo ")[1:]
    assert "rate limit brake" in seed and "Assumed yahoo.com" in seed
    assert "*default* rule 1 in `shaping.toml`" in seed
    assert "`SetConfig max_message_rate=1/minute`" in seed and "`SetConfig connection_limit=1`" in seed
    assert '*provider "yahoo"* rule 1 in `shaping.toml`' in seed and "`Suspend`" in seed
    assert "reputation block" in s3150 and "suppress the recipient: *no*" in s3150
    assert "No TSA rule fires on it for outlook.com" in s3150
    assert "KumoMTA's default rules do not catch it" in s3150
    assert holds.count('provider "yahoo" rule 1 in shaping.toml: Suspend for 2 hours') == 3
    assert "If cancelled on kumod" in holds
