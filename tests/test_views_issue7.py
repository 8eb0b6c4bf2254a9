"""The Block Kit of `trend`, `who`, `blocklists` and `auth`: Slack dates, escaping, limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.adapters.slack.slack_dates import age_text, slack_date
from bot.adapters.slack.views import build_answer_message
from bot.core.answers_dns import BlocklistsAnswer
from bot.core.answers_who import WhoAnswer
from bot.core.blocklists import Listing
from bot.core.who import Holder, Sample

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def test_a_time_is_written_for_each_readers_timezone_with_its_age_and_a_utc_fallback() -> None:
    text = slack_date(NOW - timedelta(minutes=4), now=NOW)
    stamp = int((NOW - timedelta(minutes=4)).timestamp())
    assert text == (f"<!date^{stamp}^{{date_short_pretty}} {{time}}|2026-11-29 11:56 UTC>"
                    " (4 min ago)")
    assert age_text(NOW + timedelta(minutes=17), NOW) == "in 17 min"
    assert age_text(NOW - timedelta(hours=2, minutes=5), NOW) == "2 h 05 min ago"


def _text(blocks: list[dict[str, object]]) -> str:
    return repr(blocks)


def test_who_escapes_names_from_senders_and_dates_the_next_try() -> None:
    answer = WhoAnswer(
        command="who yahoo.com", generated_at=NOW, domain="yahoo.com", scope_sentence="s",
        holders=[Holder(tenant="<!channel>", campaign="x*y", queues=["q"], count=5)],
        samples=[Sample(node="mta1", queue="q", sender="a@b", recipient_domain="yahoo.com",
                        age=None, num_attempts=1, due=NOW + timedelta(minutes=3))],
    )
    message = build_answer_message(answer, asked_by="U1", text="who yahoo.com")
    body = _text(message.blocks)
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body
    assert "<!date^" in body and "(in 3 min)" in body


def test_blocklists_say_when_they_were_checked_and_name_the_delisting_page() -> None:
    answer = BlocklistsAnswer(
        command="blocklists", generated_at=NOW, target="every node",
        ips={"mta1": ["203.0.113.12"]},
        listings=[Listing(ip="203.0.113.12", zone="zen.spamhaus.org", verdict="problem",
                          codes=("127.0.0.3",), meanings=("SBL CSS",),
                          delist="https://check.spamhaus.org/", ttl=900)],
    )
    body = _text(build_answer_message(answer, asked_by="U1", text="blocklists").blocks)
    assert "https://check.spamhaus.org/" in body and "Checked <!date^" in body
    assert "up to 15 min" in body
