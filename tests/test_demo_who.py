"""`who` in the demo: the tenant and campaign queues holding Yahoo's mail."""

from __future__ import annotations

from tests.test_demo import run_demo


def test_who_names_the_tenant_and_campaign_holding_the_yahoo_queue() -> None:
    out = run_demo("/advance 30m\n/kumo who yahoo.com\n")
    assert "Who holds yahoo.com" in out
    assert "• tenant `acme`, campaign `spring`:" in out
    assert "in `spring:acme@yahoo.com`" in out
    assert "change over the last 30m in brackets" in out
    assert "*Samples* (inspect-sched-q, no bodies" in out
    assert "from `bounces@mail.acme.example` to `@yahoo.com`" in out
    assert "Subject:" not in out and "Hello" not in out  # never a body
    assert "user1@" not in out  # never a local part


def test_who_before_any_history_shows_counts_without_a_change() -> None:
    out = run_demo("/kumo who yahoo.com\n")
    assert "*28,140* messages queued (no metric history yet: no change shown)" in out
