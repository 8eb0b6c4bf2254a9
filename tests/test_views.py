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


def test_help_shows_every_verb_even_when_the_list_is_longer_than_one_section() -> None:
    from bot.core.answers import HelpAnswer, HelpSection
    from bot.core.help import help_text

    text = help_text(None)
    answer = HelpAnswer(command="help", generated_at=NOW, title=text.title, sections=[
        HelpSection(title=s.heading, lines=list(s.lines)) for s in text.sections])
    shown = "\n".join(_all_text(build_answer_message(answer, asked_by="U1", text="help").blocks))
    assert "(truncated)" not in shown
    for verb in ("xfer", "incident", "playbook", "postmortem"):
        assert f"/kumo {verb}" in shown


def test_incident_status_names_who_last_diagnosed_as_a_mention_and_escapes_the_rest() -> None:
    from bot.adapters.slack.views_incident import build_incident_status
    from bot.core.answers_incident import IncidentStatusAnswer
    from bot.core.incidents import Incident

    incident = Incident(id="INC-20261129-1", title="t <!here>", opened_by="U0ALICE",
                        opened_at=NOW)
    answer = IncidentStatusAnswer(
        command="incident", generated_at=NOW, incident=incident,
        findings_source="`diagnose` run now (last filed here: 11:58 UTC by <@U0BOB>)",
        findings_problems=["yahoo.com: <!channel> broke"])
    shown = "\n".join(_all_text(build_incident_status(answer)))
    assert "by <@U0BOB>" in shown
    assert "&lt;@U0BOB&gt;" not in shown
    assert "<!here>" not in shown and "<!channel>" not in shown


def test_a_failure_of_something_not_asked_does_not_make_the_count_negative() -> None:
    # `incident start --domain D` reports a DNS failure as `dns:D`, which is not a node asked
    answer = ErrorAnswer(command="incident", generated_at=NOW, message="x", error_type="x",
                         asked=["mta1"],
                         failures=[NodeFailure(node="mta1", kind="down", detail="refused"),
                                   NodeFailure(node="dns:yahoo.com", kind="bad-answer",
                                               detail="NXDOMAIN")])
    meta = build_answer_message(answer, asked_by="U1", text="incident start").blocks[0]
    assert "0 of 1 answered" in str(meta) and "-1 of" not in str(meta)
