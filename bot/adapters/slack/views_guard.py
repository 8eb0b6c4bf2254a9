"""The card of a guarded write: what will happen, why, the evidence, and its buttons.

A change shows Confirm / Cancel for its requester; a dangerous action shows Approve
(with Slack's "are you sure?" dialog) / Deny for another person listed in
``KUMO_APPROVERS``.  Once the request is no longer pending the card carries no
buttons: it says what became of it.  Every untrusted text is escaped.
"""

from __future__ import annotations

import json
from typing import Any

from bot.adapters.slack.ids import ActionId, CallbackId
from bot.adapters.slack.text import SECTION_TEXT_LIMIT, clip, escape
from bot.core.answers import AnswerBase
from bot.core.answers_guard import GuardAnswer

Block = dict[str, Any]


def section(text: str) -> Block:
    """A mrkdwn section (verbatim: Slack links nothing by itself)."""
    return {"type": "section", "text": {"type": "mrkdwn", "verbatim": True,
                                        "text": clip(text, SECTION_TEXT_LIMIT)}}


def context(text: str) -> Block:
    """A context line."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "verbatim": True,
                                             "text": clip(text, SECTION_TEXT_LIMIT)}]}


_STATE_LINES = {
    "done": ":white_check_mark: *Done.*",
    "partial": ":warning: *Ran, but not every node's outcome is known or good.*",
    "denied": ":no_entry: *Denied.*",
    "cancelled": ":heavy_multiplication_x: *Cancelled.*",
    "expired": ":hourglass: *Expired.*",
    "stopped": ":octagonal_sign: *Stopped: the evidence changed.*",
    "executing": ":gear: *Running…*",
}


def _button(text: str, action: ActionId, value: str, style: str | None = None,
            confirm: dict[str, Any] | None = None) -> dict[str, Any]:
    button: dict[str, Any] = {"type": "button", "action_id": action.value, "value": value,
                              "text": {"type": "plain_text", "text": text}}
    if style:
        button["style"] = style
    if confirm:
        button["confirm"] = confirm
    return button


def build_guard_buttons(answer: GuardAnswer) -> Block | None:
    """Confirm/Cancel (a change) or Approve/Deny (dangerous), while the request waits."""
    if answer.state not in ("pending", "approved-once"):
        return None
    value = answer.request_id
    if answer.decision == "confirm":
        elements = [_button("Confirm", ActionId.GUARD_CONFIRM, value, "primary"),
                    _button("Cancel", ActionId.GUARD_CANCEL, value)]
    else:
        dialog = {"title": {"type": "plain_text", "text": "Approve this action?"},
                  "text": {"type": "mrkdwn", "text": clip(escape(answer.action), 290)},
                  "confirm": {"type": "plain_text", "text": "Approve"},
                  "deny": {"type": "plain_text", "text": "Back"}, "style": "danger"}
        elements = [_button("Approve", ActionId.GUARD_APPROVE, value, "danger", dialog),
                    _button("Deny", ActionId.GUARD_DENY, value)]
    return {"type": "actions", "block_id": f"guard-{value}", "elements": elements}


def build_guard_card(answer: GuardAnswer) -> list[Block]:
    """The whole card: action, class, reasons with evidence, warnings, blast radius, state."""
    dangerous = answer.decision == "sign-off"
    waiting = answer.state in ("pending", "approved-once")
    head = (":rotating_light: *Dangerous: needs sign-off by another person listed in "
            "KUMO_APPROVERS*" if dangerous else ":large_blue_circle: *A change: press "
            "Confirm to run it*")
    if not waiting:  # what it was; the state line below says what became of it
        head = ":rotating_light: *Dangerous action*" if dangerous else \
            ":large_blue_circle: *A change*"
    blocks: list[Block] = []
    # Against the evidence: the card leads with the evidence and the wrong-reflex warning.
    for reason in [r for r in answer.reasons if r.rule == "against-evidence"]:
        cited = "\n".join(f"• {escape(clip(e, 280))}" for e in reason.evidence)
        blocks.append(section(f":warning: *Against the evidence.* {escape(reason.text)}\n{cited}"))
    blocks.append(section(f"{head}\n{escape(answer.action)}"))
    others = [r for r in answer.reasons if r.rule != "against-evidence"]
    if others:
        lines: list[str] = []
        for reason in others:
            lines.append(f"• {escape(reason.text)} _({escape(reason.rule)})_")
            lines.extend(f"    ◦ {escape(clip(e, 280))}" for e in reason.evidence)
        blocks.append(section("*Why*\n" + "\n".join(lines)))
    if answer.warnings:
        blocks.append(section("\n".join(f":warning: {escape(w)}" for w in answer.warnings)))
    if answer.blast_radius:
        shown = answer.blast_radius[:25]
        more = len(answer.blast_radius) - len(shown)
        text = "\n".join(f"• {escape(line)}" for line in shown)
        blocks.append(section("*Blast radius*\n" + text + (f"\n… and {more} more" if more else "")))
    if answer.override_required and waiting:
        blocks.append(context("Approving needs an explicit override with a typed reason."))
    if answer.override_reason:
        blocks.append(section(f":memo: *Override reason:* {escape(answer.override_reason)}"))
    if answer.outcomes:
        per_node = [f"• {escape(o.node)}: *{escape(o.status)}*"
                 + (f" `{escape(o.uuid)}`" if o.uuid else "")
                 + (f" ({escape(clip(o.detail, 200))})" if o.detail and o.status != "done"
                    else "") for o in answer.outcomes]
        blocks.append(section("*Per node*\n" + "\n".join(per_node)))
    state = _STATE_LINES.get(answer.state, "")
    if state or answer.note:
        blocks.append(section(" ".join(p for p in (state, escape(answer.note)) if p)))
    needed = (f"approvals {len(answer.approvals)} of {answer.approvals_needed}"
              if dangerous else "requester confirms")
    blocks.append(context(f"request `{escape(answer.request_id[:12])}` · asked by "
                          f"<@{escape(answer.requester)}> · {needed} · expires "
                          f"{answer.expires:%H:%M} UTC"))
    buttons = build_guard_buttons(answer)
    if buttons is not None:
        blocks.append(buttons)
    return blocks


def build_guard_answer(answer: AnswerBase) -> tuple[list[Block], str] | None:
    """The card and its fallback text, when ``answer`` is a guarded write."""
    if not isinstance(answer, GuardAnswer):
        return None
    return build_guard_card(answer), answer.action


OVERRIDE_MIN_CHARS = 10


def build_override_modal(answer: GuardAnswer, *, channel: str, ts: str) -> Block:
    """The modal where an approver types why they override the evidence (views.open)."""
    evidence = [e for r in answer.reasons if r.rule == "against-evidence" for e in r.evidence]
    cited = "\n".join(f"• {escape(clip(e, 280))}" for e in evidence[:5])
    return {
        "type": "modal", "callback_id": CallbackId.GUARD_OVERRIDE.value,
        "private_metadata": json.dumps({"request_id": answer.request_id, "channel": channel,
                                        "ts": ts}),
        "title": {"type": "plain_text", "text": "Override the guard"},
        "submit": {"type": "plain_text", "text": "Approve"},
        "close": {"type": "plain_text", "text": "Back"},
        "blocks": [
            section(f":warning: *This goes against the evidence.*\n{escape(answer.action)}"
                    + (f"\n{cited}" if cited else "")),
            {"type": "input", "block_id": CallbackId.OVERRIDE_BLOCK.value,
             "label": {"type": "plain_text", "text": "Why override the evidence?"},
             "element": {"type": "plain_text_input",
                         "action_id": CallbackId.OVERRIDE_REASON.value, "multiline": True,
                         "max_length": 500},
             "hint": {"type": "plain_text", "text": "Kept in the audit log and shown on the "
                      "card."}},
        ],
    }
