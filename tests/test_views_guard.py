"""The guarded write's card after it ran: reasons, override reason, no buttons."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.adapters.slack.views_guard import build_guard_card, build_override_modal
from bot.core.admin_writes import NodeOutcome
from bot.core.answers_guard import GuardAnswer, GuardReason

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def answer(state: str, **extra: object) -> GuardAnswer:
    return GuardAnswer.model_validate({
        "command": "shaping set yahoo.com max_message_rate=10000/h --for 1h",
        "generated_at": NOW, "request_id": "abc123", "verb": "shaping",
        "action": "Override max_message_rate=10000/h for yahoo.com", "decision": "sign-off",
        "action_class": "dangerous", "requester": "U0ALICE", "state": state,
        "reasons": [GuardReason(rule="against-evidence", text="wrong reflex",
                                evidence=["90 × rate limit brake: 421 <b>[TSS04]</b>"]),
                    GuardReason(rule="raise-limit", text="raises 1/minute")],
        "expires": NOW, "approvals_needed": 1, **extra})


def text_of(blocks: list[dict[str, object]]) -> str:
    return "\n".join(str(b.get("text", {}).get("text", "")) for b in blocks  # type: ignore[union-attr]
                     if isinstance(b.get("text"), dict))


def test_the_card_after_it_ran_keeps_the_reasons_and_the_override_reason() -> None:
    done = answer("done", approvals=["U0BOB"], override_reason="lifted <!channel>",
                  outcomes=[NodeOutcome(node="source ip-1", status="done")])
    blocks = build_guard_card(done)
    text = text_of(blocks)
    assert "Against the evidence" in text and "&lt;b&gt;[TSS04]&lt;/b&gt;" in text
    assert "raises 1/minute _(raise-limit)_" in text
    assert "*Override reason:* lifted &lt;!channel&gt;" in text
    assert "*Dangerous action*" in text and "needs sign-off" not in text
    assert not [b for b in blocks if b["type"] == "actions"]  # nothing left to press


def test_the_override_modal_carries_where_the_card_is_and_cites_the_evidence() -> None:
    modal = build_override_modal(answer("pending"), channel="C0INCIDENT", ts="1.2")
    assert modal["callback_id"] == "kumo_guard_override"
    assert '"ts": "1.2"' in modal["private_metadata"]
    assert "&lt;b&gt;[TSS04]&lt;/b&gt;" in modal["blocks"][0]["text"]["text"]
    assert len(modal["title"]["text"]) <= 24


class _RecordingClient:
    """The Slack SDK edge: records what would be sent."""

    def __init__(self) -> None:
        self.sent: list[dict[str, object]] = []

    def chat_update(self, **kwargs: object) -> None:
        self.sent.append(kwargs)

    def chat_postMessage(self, **kwargs: object) -> None:
        self.sent.append(kwargs)


def test_the_updated_cards_fallback_text_escapes_the_typed_reason() -> None:
    from typing import Any

    from bot.adapters.slack.listeners_guard import update_card

    hostile = answer("done", action="Suspend yahoo.com for 1h (reason: <!channel> & co)")
    client: Any = _RecordingClient()
    update_card(client, "C0INCIDENT", "1.2", hostile)  # the card's ts is known: edited
    update_card(client, "C0INCIDENT", "", hostile)  # unknown: a new message
    for sent in client.sent:
        assert sent["text"] == "Suspend yahoo.com for 1h (reason: &lt;!channel&gt; &amp; co)"
