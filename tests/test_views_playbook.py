"""The Block Kit of a run: buttons that name what the clicker saw, texts escaped, limits kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from bot.adapters.slack.views_playbook import (
    build_closed_step,
    build_run_card,
    build_step_message,
    read_button_value,
)
from bot.core import playbook_engine as engine
from bot.core.diagnosis_model import Line, Piece
from bot.core.playbook_spec import Playbook, parse_playbook

DRILL = (Path(__file__).resolve().parent / "data" / "playbooks" / "drill.toml").read_text()
T0 = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def drill(text: str = DRILL) -> Playbook:
    return parse_playbook(text, source="drill.toml", stem="drill")


def at_the_ask(book: Playbook) -> engine.RunState:
    state = engine.start(book, run_id="run-1", domain="yahoo.com", incident=None,
                         channel="C0INCIDENT", by="U0ALICE", at=T0).state
    common = {"by": engine.BOT, "at": T0}
    state = engine.apply(book, state, engine.CheckDone(
        step=state.step, version=state.version, result="ok", **common)).state  # type: ignore[arg-type]
    return engine.apply(book, state, engine.Diagnosed(  # not sure: a person decides
        step=state.step, version=state.version, finding="tsa-holding",
        verdict="TSA holds <!channel> it", choice="tsa", unsure="mta2 down",
        **common)).state  # type: ignore[arg-type]


def decided(book: Playbook, choice: str = "tsa") -> engine.RunState:
    state = engine.start(book, run_id="run-1", domain="yahoo.com", incident=None,
                         channel="C0INCIDENT", by="U0ALICE", at=T0).state
    common = {"by": engine.BOT, "at": T0}
    state = engine.apply(book, state, engine.CheckDone(
        step=state.step, version=state.version, result="ok", **common)).state  # type: ignore[arg-type]
    evidence = (Line(parts=[Piece(text="90 × <!here> "),
                            Piece(text="421 <b>[TSS04]</b>", quoted=True)]),)
    return engine.apply(book, state, engine.Diagnosed(
        step=state.step, version=state.version, finding="tsa-holding", evidence=evidence,
        verdict="TSA holds <!channel> it", choice=choice, **common)).state  # type: ignore[arg-type]


def buttons(blocks: list[dict[str, object]]) -> list[dict[str, object]]:
    return [e for b in blocks if b.get("type") == "actions"
            for e in b["elements"]]  # type: ignore[attr-defined]


def test_each_button_carries_the_run_the_step_and_the_version_seen() -> None:
    book = drill()
    state = at_the_ask(book)
    _, blocks = build_step_message(state, book, "why")
    found = buttons(blocks)
    assert [b["text"]["text"] for b in found] == ["✓ TSA holds it", "A block", "Abandon"]  # type: ignore[index]
    assert read_button_value(str(found[0]["value"])) == ("run-1", "why", state.version, "tsa")
    assert read_button_value(str(found[2]["value"])) == ("run-1", "why", state.version, "")
    assert len({b["action_id"] for b in found}) == 3  # unique within the block


def test_untrusted_and_operator_texts_are_escaped() -> None:
    book = drill(DRILL.replace('title = "Let it expire"', 'title = "Wait <!here> & see"'))
    state = at_the_ask(book)
    text = json.dumps(build_step_message(state, book, "why")[1])
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    chosen = engine.apply(book, state, engine.Choose(
        step="why", version=state.version, by="U0BOB", at=T0, choice="tsa")).state
    text = json.dumps(build_step_message(chosen, book, "wait")[1])
    assert "<!here>" not in text and "Wait &lt;!here&gt; &amp; see" in text
    card = json.dumps(build_run_card(chosen, book)[1])
    assert "<!here>" not in card


def test_the_card_keeps_mentions_of_people_and_says_where_the_run_stands() -> None:
    book = drill()
    state = at_the_ask(book)
    gone = engine.apply(book, state, engine.Abandon(
        step="why", version=state.version, by="U0BOB", at=T0)).state
    fallback, blocks = build_run_card(gone, book)
    text = json.dumps(blocks)
    assert "Abandoned by <@U0BOB>" in text and "step 2 of 5" in text and "abandoned" in text
    assert fallback.startswith("Playbook A drill with every kind of step: diagnose")
    # the abandoned step offers Resume, and nothing else
    _, step_blocks = build_step_message(gone, book, "why")
    assert [b["text"]["text"] for b in buttons(step_blocks)] == ["Resume"]  # type: ignore[index]


def test_a_closed_step_has_no_buttons_and_says_who_answered() -> None:
    book = drill()
    state = at_the_ask(book)
    chosen = engine.apply(book, state, engine.Choose(
        step="why", version=state.version, by="U0BOB", at=T0, choice="block")).state
    _, blocks = build_closed_step(chosen, book, "why")
    assert buttons(blocks) == []
    assert "A block by <@U0BOB> at 12:00 UTC" in json.dumps(blocks)


def test_long_labels_fit_slacks_button_limit() -> None:
    label = "x" * 75
    book = drill(DRILL.replace('label = "TSA holds it"', f'label = "{label}"'))
    _, blocks = build_step_message(at_the_ask(book), book, "why")
    assert all(len(str(b["text"]["text"])) <= 75 for b in buttons(blocks))  # type: ignore[index]


def test_a_waiting_ask_says_why_diagnose_did_not_decide() -> None:
    book = drill()
    text = json.dumps(build_step_message(at_the_ask(book), book, "why")[1], ensure_ascii=False)
    assert "*diagnose could not decide:* mta2 down." in text
    assert "→ it points to *TSA holds it*; press it, or pick another." in text


def test_a_decided_ask_says_what_and_why_and_offers_the_other_choices() -> None:
    book = drill()
    state = decided(book)
    assert state.step == "wait"
    _, blocks = build_step_message(state, book, "why")
    text = json.dumps(blocks, ensure_ascii=False)
    assert "*Decided by diagnose:* *TSA holds it*" in text
    assert "*Why* (`tsa-holding`): TSA holds &lt;!channel&gt; it" in text
    assert "• 90 × &lt;!here&gt; `421 &lt;b&gt;[TSS04]&lt;/b&gt;`" in text  # evidence, escaped
    (other,) = buttons(blocks)
    assert other["text"]["text"] == "A block"  # type: ignore[index]
    assert str(other["action_id"]).startswith("kumo_playbook_override")
    assert read_button_value(str(other["value"])) == ("run-1", "why", state.version, "block")


def test_a_decided_ask_before_a_guarded_step_says_why_it_cannot_be_changed() -> None:
    book = drill()
    state = decided(book, "block")
    assert state.step == "pause"
    _, blocks = build_step_message(state, book, "why")
    assert buttons(blocks) == []
    assert "Choosing differently is closed. The run went on to a change through the guard" \
        in json.dumps(blocks, ensure_ascii=False)


def test_an_overridden_decision_says_who_chose_what() -> None:
    book = drill()
    state = decided(book)
    other = engine.apply(book, state, engine.Override(
        step="why", version=state.version, by="U0BOB", at=T0, choice="block")).state
    _, blocks = build_step_message(other, book, "why")
    text = json.dumps(blocks, ensure_ascii=False)
    assert buttons(blocks) == []
    assert "<@U0BOB> chose differently at 12:00 UTC: *A block*" in text
    closed = json.dumps(build_closed_step(other, book, "why")[1], ensure_ascii=False)
    assert "A block by <@U0BOB> at 12:00 UTC · chose differently from diagnose (“TSA holds it”)" \
        in closed
