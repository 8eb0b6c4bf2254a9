"""KUMO_AUDIT_ANCHOR as a Slack channel: the signed head is posted there when it moves."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.adapters.slack.emulator import SlackEmulator
from bot.adapters.storage import FileAnchor
from bot.bootstrap import build_anchors, build_scheduler
from bot.settings import Settings
from tests.fakes import FixedClock

from .databases import KEY, T0, event, open_test_storage, sqlite_url


def _settings(tmp_path: Path, anchor: str, **extra: object) -> Settings:
    return Settings(_env_file=None, KUMO_DATA_DIR=tmp_path, KUMO_AUDIT_ANCHOR=anchor,
                    **extra)  # type: ignore[arg-type]


def test_a_path_is_a_file_anchor_and_a_channel_id_a_slack_one(tmp_path: Path) -> None:
    (file_anchor,) = build_anchors(_settings(tmp_path, str(tmp_path / "head.json")))
    assert isinstance(file_anchor, FileAnchor)
    assert build_anchors(_settings(tmp_path, "C0AUDIT01")) == []  # no bot token: said, skipped
    (channel,) = build_anchors(_settings(tmp_path, "C0AUDIT01", SLACK_BOT_TOKEN="xoxb-t"))
    assert channel.name == "Slack channel C0AUDIT01"


def test_the_anchor_job_posts_the_signed_head_to_the_audit_channel_once_per_move(
    tmp_path: Path,
) -> None:
    clock = FixedClock(T0)
    with SlackEmulator() as emulator:
        emulator.add_channel("C0AUDIT01", "audit")
        settings = _settings(tmp_path, "C0AUDIT01", SLACK_BOT_TOKEN="xoxb-test",
                             SLACK_API_URL=emulator.api_url)
        storage = open_test_storage(sqlite_url(tmp_path), clock, anchors=build_anchors(settings))
        scheduler = build_scheduler(storage, clock=clock)
        storage.audit.append(event(1))
        assert scheduler.run_due() == 1
        clock.advance(timedelta(minutes=5))
        assert scheduler.run_due() == 1  # the head did not move: nothing new is posted
        storage.audit.append(event(2))
        clock.advance(timedelta(minutes=5))
        scheduler.run_due()
        posts = [m.text for m in emulator.messages("C0AUDIT01")]
        storage.close()
    assert len(posts) == 2
    assert "row 1" in posts[0] and "row 2" in posts[1] and "signature" in posts[1]
    assert KEY.decode() not in "".join(posts)  # the key itself never leaves the bot
