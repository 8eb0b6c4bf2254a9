"""Log answers in Slack: hostile response texts arrive escaped; long scans show progress."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from slack_bolt import BoltRequest

from bot.adapters.audit_memory import InMemoryAuditLog
from bot.adapters.logs import ZstdLogReader
from bot.adapters.slack import progress as progress_module
from bot.adapters.slack.app import SlackBot, make_web_client
from bot.adapters.slack.emulator import SlackEmulator
from bot.adapters.slack.progress import SlackProgress
from bot.adapters.slack.render import render_blocks
from bot.adapters.slack.views import build_answer_message
from bot.core.answers_logs import LogAnswer, LogEntry
from bot.core.logscan import ScanProgress
from bot.services import ServiceConfig, Services
from tests.fakes import YAHOO_MX, FakeMta, FakePark, FakeResolver, FixedClock
from tests.logs.logfiles import T0, at, record, write_segment
from tests.slack_helpers import SECRET, form, signed_headers, slash_body

HOSTILE = ("<!channel> jane.doe@yahoo.com is over quota, see "
           "<https://evil.example/login|https://help.yahoo.com/kb> & reply")


@pytest.fixture
def emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emu:
        yield emu


def _bot(emulator: SlackEmulator, logs: Path) -> SlackBot:
    services = Services(park=FakePark([FakeMta("mta1")]),
                        resolver=FakeResolver({"yahoo.com": YAHOO_MX}),
                        audit=InMemoryAuditLog(), clock=FixedClock(T0 + timedelta(hours=1)),
                        config=ServiceConfig(log_dirs={}),
                        logs=ZstdLogReader({"mta1": [logs]}))
    return SlackBot(services, client=make_web_client("xoxb-test", emulator.api_url),
                    signing_secret=SECRET)


def _send(bot: SlackBot, emulator: SlackEmulator, text: str) -> None:
    raw = form(slash_body(text, response_url=emulator.new_response_url("C0INCIDENT", "U0ALICE")))
    response = bot.app.dispatch(BoltRequest(body=raw, headers={
        k.lower(): v for k, v in signed_headers(raw).items()}))
    assert response.status == 200
    assert bot.pool.wait_idle(timeout=20)


def test_a_hostile_response_text_reaches_slack_escaped_and_redacted(
        emulator: SlackEmulator, tmp_path: Path) -> None:
    write_segment(tmp_path, at(0), [record(at(1), kind="Bounce", code=552, enhanced=(5, 2, 2),
                                           content=HOSTILE)])
    bot = _bot(emulator, tmp_path)
    for command in ("log yahoo.com --type bounce", "responses yahoo.com --since 2h"):
        _send(bot, emulator, command)
    log_message, responses_message = emulator.messages("C0INCIDENT")
    sent = str(log_message.blocks)
    assert "<!channel>" not in sent and "<https://evil" not in sent
    assert "&lt;!channel&gt;" in sent and "&lt;https://evil.example/login|" in sent
    assert "j***@yahoo.com" in sent and "jane.doe" not in sent
    assert "&amp; reply" in sent
    assert "<!channel>" not in str(responses_message.blocks)
    assert "<!channel>" not in log_message.text + responses_message.text
    shown = render_blocks(log_message.blocks).text  # what a person reads: literal, harmless
    assert "<!channel> j***@yahoo.com is over quota" in shown
    bot.pool.shutdown()


def test_a_long_scan_posts_a_progress_message_then_replaces_it_with_the_answer(
        emulator: SlackEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "SHOW_AFTER_S", 0.0)  # every scan counts as long
    monkeypatch.setattr(progress_module, "UPDATE_EVERY_S", 0.0)
    for start in (0, 20, 40):
        write_segment(tmp_path, at(start), [record(at(start + m / 10)) for m in range(200)])
    bot = _bot(emulator, tmp_path)
    _send(bot, emulator, "responses yahoo.com --since 2h")
    (message,) = emulator.messages("C0INCIDENT")  # one message: the placeholder, edited
    assert "600 × 4xx" in str(message.blocks)
    bars = [v.text for v in message.history]
    assert bars and all("⏳ Working on `/kumo responses yahoo.com --since 2h`" in b for b in bars)
    assert any("3 of 3 segments" in b for b in bars)
    assert len(emulator.requests("chat.postMessage")) == 1
    bot.pool.shutdown()


def test_a_quick_scan_posts_only_the_answer(emulator: SlackEmulator, tmp_path: Path) -> None:
    write_segment(tmp_path, at(0), [record(at(1))])
    bot = _bot(emulator, tmp_path)
    _send(bot, emulator, "log yahoo.com")
    (message,) = emulator.messages("C0INCIDENT")
    assert not message.edited and emulator.requests("chat.update") == []
    bot.pool.shutdown()


def test_progress_waits_two_seconds_then_edits_at_most_every_1_2_seconds(
        emulator: SlackEmulator) -> None:
    now = [100.0]
    client = make_web_client("xoxb-test", emulator.api_url)
    shown = SlackProgress(client, "C0INCIDENT", what="Working", clock=lambda: now[0])
    step = ScanProgress(done_bytes=1, total_bytes=4, segments_done=0, segments_total=2)
    for t in (100.5, 101.9, 102.0, 102.5, 103.1, 103.2, 104.4):
        now[0] = t
        shown.report(step)
    (message,) = emulator.messages("C0INCIDENT")
    assert len(message.history) == 2  # posted at 102.0, edited at 103.2 and 104.4
    assert "▓▓▓▓▓░░░░░░░░░░░░░░░ 25% · 0 of 2 segments" in message.text
    assert shown.finish("the answer", [])
    assert emulator.messages("C0INCIDENT")[0].text == "the answer"


def test_a_thousand_records_fit_slacks_limits_and_say_what_was_left_out() -> None:
    entry = LogEntry(at=T0, node="mta1", type="Bounce", code=550, enhanced="5.1.1",
                     text="x" * 2000)
    answer = LogAnswer(command="log yahoo.com --limit 1000", generated_at=T0, domain="yahoo.com",
                       scope_sentence="recipients at yahoo.com", limit=1000,
                       records=[entry] * 1000)
    message = build_answer_message(answer, asked_by="U0ALICE", text="log yahoo.com --limit 1000")
    assert len(message.blocks) <= 50
    assert all(len(b["text"]["text"]) <= 3000 for b in message.blocks if b["type"] == "section")
    assert "more not shown" in str(message.blocks)


def test_progress_in_a_channel_the_bot_cannot_post_to_falls_back_to_the_response_url(
        emulator: SlackEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress_module, "SHOW_AFTER_S", 0.0)
    emulator.add_channel("C0PRIVATE", "secret-ops", is_private=True, bot_is_member=False,
                         members=("U0ALICE",))
    write_segment(tmp_path, at(0), [record(at(1))])
    bot = _bot(emulator, tmp_path)
    raw = form(slash_body("log yahoo.com", channel="C0PRIVATE",
                          response_url=emulator.new_response_url("C0PRIVATE", "U0ALICE")))
    bot.app.dispatch(BoltRequest(body=raw, headers={
        k.lower(): v for k, v in signed_headers(raw).items()}))
    assert bot.pool.wait_idle(timeout=20)
    (message,) = emulator.messages("C0PRIVATE")
    assert message.source == "response_url" and "[TSS04]" in str(message.blocks)
    bot.pool.shutdown()
