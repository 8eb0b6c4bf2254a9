"""`diagnose` through Slack: a signed slash command end to end, and the view's escaping and limits."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from slack_bolt import BoltRequest

from bot.adapters.slack.app import SlackBot, make_web_client
from bot.adapters.slack.emulator import SlackEmulator
from bot.core.answers_diagnose import DiagnoseAnswer
from bot.core.diagnosis_model import Diagnosis, Finding, Line, Piece
from tests.diagnose_helpers import bot_on, rendered
from tests.slack_helpers import SECRET, form, signed_headers, slash_body


def test_a_signed_slash_command_gets_the_seed_verdict_in_the_channel(tmp_path: Path) -> None:
    with bot_on("yahoo-tss04", tmp_path) as (_, services, audit), SlackEmulator() as emulator:
        bot = SlackBot(services, client=make_web_client("xoxb-test", emulator.api_url),
                       signing_secret=SECRET)
        try:
            url = emulator.new_response_url("C0INCIDENT", "U0ALICE")
            raw = form(slash_body("diagnose yahoo.com", response_url=url))
            headers = {k.lower(): v for k, v in signed_headers(raw).items()}
            response = bot.app.dispatch(BoltRequest(body=raw, headers=headers))
            assert response.status == 200
            assert bot.pool.wait_idle(timeout=30)
        finally:
            bot.pool.shutdown()
        (message,) = emulator.messages("C0INCIDENT")
    posted = str(message.blocks)
    assert "TSA is already holding yahoo.com on purpose" in posted
    assert "28,140 messages in 3 scheduled queues" in posted
    assert "Do not rebind or raise rates" in posted
    (event,) = audit.recent()
    assert (event.parsed["verb"], event.action_class, event.outcome) == ("diagnose", "read", "ok")


def test_a_forged_signature_is_refused_and_nothing_is_diagnosed(tmp_path: Path) -> None:
    with bot_on("healthy", tmp_path) as (_, services, audit), SlackEmulator() as emulator:
        bot = SlackBot(services, client=make_web_client("xoxb-test", emulator.api_url),
                       signing_secret=SECRET)
        try:
            raw = form(slash_body("diagnose yahoo.com",
                                  response_url=emulator.new_response_url("C0INCIDENT", "U0X")))
            headers = {k.lower(): v for k, v in signed_headers(raw, secret="wrong").items()}
            assert bot.app.dispatch(BoltRequest(body=raw, headers=headers)).status == 401
        finally:
            bot.pool.shutdown()
        assert emulator.messages("C0INCIDENT") == [] and audit.recent() == []


def _finding(n: int, quoted: str) -> Finding:
    return Finding(kind="rejections", severity="critical", verdict=f"Finding {n} <!here>",
                   evidence=[Line(parts=[Piece(text=f"{n} × "), Piece(text=quoted, quoted=True),
                                         Piece(text=" from <https://evil.example|x>")])] * 12,
                   first_step="Read `it` & act", donts=["Do not <@U0BOB>"], weight=n)


def test_untrusted_text_is_escaped_and_a_huge_diagnosis_stays_within_slack_limits() -> None:
    hostile = "550 5.7.1 <!channel> `rm -rf` " + "x" * 4000
    diagnosis = Diagnosis(domain="example.com", site="mx.example.com",
                          scope_sentence="example.com <!everyone>",
                          findings=[_finding(n, hostile) for n in range(20, 0, -1)])
    answer = DiagnoseAnswer(command="diagnose example.com",
                            generated_at=datetime(2026, 11, 29, tzinfo=UTC), diagnosis=diagnosis)
    text = rendered(answer)
    for raw in ("<!channel>", "<!here>", "<!everyone>", "<@U0BOB>", "<https://evil"):
        assert raw not in text
    assert "&lt;!channel&gt;" in text and "ʼrm -rfʼ" in text
    assert "12 smaller findings not shown." in text
    assert re.search(r"\n• … \d+ more\n", text)  # evidence that did not fit is counted
