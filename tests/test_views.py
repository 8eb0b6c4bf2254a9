"""Block Kit builders: untrusted text escaped, Slack's limits respected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.adapters.slack.views import build_answer_message
from bot.core.answers import ErrorAnswer
from bot.core.answers_park import HoldsAnswer, QueueAnswer
from bot.core.holds import Hold
from bot.core.models import MetricSample, NodeFailure
from bot.core.summary import park_queue_summary, queue_summary, render_kcli_queue_summary

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _all_text(blocks: list[dict]) -> list[str]:
    out = []
    for b in blocks:
        if "text" in b:
            out.append(b["text"]["text"])
        for e in b.get("elements", []):
            out.append(e.get("text", ""))
    return out


def test_a_hostile_hold_reason_and_node_error_are_escaped() -> None:
    hold = Hold(
        hold_id="abc1234567",
        kind="suspend",
        domain="yahoo.com",
        reason="<!channel> click <https://evil.example|here> & win",
        origin="manual",
        remaining=timedelta(minutes=5),
        nodes={"mta1": "u-1"},
    )
    answer = HoldsAnswer(
        command="holds",
        generated_at=NOW,
        holds=[hold],
        asked=["mta1", "mta2"],
        failures=[NodeFailure(node="mta2", kind="http", detail="<!here> boom")],
    )
    text = "".join(_all_text(build_answer_message(answer, asked_by="U1", text="holds").blocks))
    assert "<!channel>" not in text and "<!here>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt;" in text and "&amp; win" in text
    assert all(
        b["text"].get("verbatim")
        for b in build_answer_message(answer, asked_by="U1", text="holds").blocks
        if b["type"] == "section"
    )


def test_the_fallback_text_is_escaped_too() -> None:
    answer = ErrorAnswer(
        command="x",
        generated_at=NOW,
        error_type="UserInputError",
        message="`<!everyone>` is not a domain",
    )
    message = build_answer_message(answer, asked_by="U1", text="queue <!everyone>")
    assert "<!everyone>" not in message.text
    assert "<!everyone>" not in "".join(_all_text(message.blocks))


def test_a_huge_park_stays_within_slacks_limits() -> None:
    samples = [
        MetricSample(
            "ready_count", {"service": f"smtp_client:ip-{i}->site{j}.example.net@smtp_client"}, i
        )
        for i in range(60)
        for j in range(20)
    ] + [
        MetricSample("scheduled_count", {"queue": f"tenant{i}@domain{i}.example"}, i)
        for i in range(800)
    ]
    per_node = {f"mta{n}": queue_summary(samples, node=f"mta{n}") for n in range(3)}
    park = park_queue_summary(per_node)
    answer = QueueAnswer(
        command="queue",
        generated_at=NOW,
        summary=park,
        kcli_text=render_kcli_queue_summary(park.total),
    )
    message = build_answer_message(answer, asked_by="U1", text="queue")
    assert len(message.blocks) <= 50
    assert all(len(t) <= 3000 for t in _all_text(message.blocks))
    assert "narrow it with a DOMAIN" in "".join(_all_text(message.blocks))
