"""`tsa history` blocks and the TSA notice: untrusted text escaped, gaps shown as gaps."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from bot.adapters.slack.text import escape
from bot.adapters.slack.views_tsa_history import build_tsa_history
from bot.core.tsa_history import DiaryEntry, DiaryGap, DiaryMoment, TsaHistoryAnswer, rules_fired
from bot.core.tsa_notice import render_tsa_notice

NOW = datetime(2026, 11, 29, 15, 0, tzinfo=UTC)
EVIL = "<!channel> <@U0BOSS> rule"


def _entry(**kw: object) -> DiaryEntry:
    start = NOW - timedelta(hours=3)
    fields: dict[str, object] = dict(
        id=1, tsa="tsa", kind="suspend-path", rule=EVIL, reason=f"automation rule: {EVIL}",
        path="ip-1-><evil>@smtp_client", first_seen=start, first_expires=start + timedelta(hours=2),
        expires=start + timedelta(hours=2, minutes=30), refreshes=30, ended_at=NOW - timedelta(
            minutes=30), end_reason="expired", duration=timedelta(hours=2),
        moments=[DiaryMoment(at=start, expires=start + timedelta(hours=2)),
                 DiaryMoment(at=start + timedelta(minutes=30),
                             expires=start + timedelta(hours=2, minutes=30), events=12)])
    fields.update(kw)
    return DiaryEntry.model_validate(fields)


def test_the_history_escapes_rules_and_scopes_and_shows_gaps_as_gaps() -> None:
    entry = _entry()
    answer = TsaHistoryAnswer(
        command="tsa history", generated_at=NOW, since=NOW - timedelta(hours=24),
        entries=[entry], rules=rules_fired([entry], NOW),
        gaps=[DiaryGap(tsa="tsa", watcher="w", started=NOW - timedelta(hours=2),
                       ended=NOW - timedelta(hours=1, minutes=50), detail="live stream cut")])
    text = json.dumps(build_tsa_history(answer), ensure_ascii=False)
    assert "<!channel>" not in text and "<@U0BOSS>" not in text and "<evil>" not in text
    assert "refreshed 30×" in text and "expired" in text and "(12 events)" in text
    assert "*Gap*" in text and "live stream cut" in text
    assert "0 still active" in text


def test_the_notice_says_what_why_until_when_and_what_not_to_do() -> None:
    entry = _entry(ended_at=None, end_reason=None, expires=NOW + timedelta(minutes=95))
    notice = render_tsa_notice([entry], now=NOW, escape=escape)
    assert "suspended" in notice and "&lt;evil&gt;" in notice and "<@U0BOSS>" not in notice
    assert "*Until:* 2026-11-29 16:35 UTC (1 h 35 min from now" in notice
    assert "*Do not:*" in notice
