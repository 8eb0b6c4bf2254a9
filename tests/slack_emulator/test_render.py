"""Block Kit dicts rendered as terminal text, and transcript lines for emulator events."""

from __future__ import annotations

from bot.adapters.slack.emulator_model import EmulatorEvent, JsonDict
from bot.adapters.slack.emulator_mrkdwn import render_mrkdwn
from bot.adapters.slack.render import (
    ConfirmDialog,
    render_blocks,
    render_event,
    render_event_message,
    render_view,
)


def _mrkdwn(text: str) -> JsonDict:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


APPROVAL: list[JsonDict] = [
    {"type": "header", "text": {"type": "plain_text", "text": "Suspend yahoo.com for 2h?"}},
    {
        "type": "actions",
        "block_id": "approval",
        "elements": [
            {
                "type": "button",
                "action_id": "approve",
                "value": "run-7",
                "style": "primary",
                "text": {"type": "plain_text", "text": "Approve"},
            },
            {
                "type": "button",
                "action_id": "deny",
                "value": "run-7",
                "style": "danger",
                "text": {"type": "plain_text", "text": "Deny"},
                "confirm": {
                    "title": {"type": "plain_text", "text": "Deny?"},
                    "text": {"type": "mrkdwn", "text": "The requester will be told."},
                    "confirm": {"type": "plain_text", "text": "Deny"},
                    "deny": {"type": "plain_text", "text": "Back"},
                },
            },
        ],
    },
]


def _event(kind: str, blocks: list[JsonDict] | None = None, **extra: object) -> EmulatorEvent:
    values: dict[str, object] = {
        "kind": kind,
        "channel": "C0INCIDENT",
        "channel_name": "incident",
        "ts": "1.000100",
        "thread_ts": None,
        "user": "U0KUMOBOT",
        "text": "fallback",
        "blocks": blocks,
        "author_name": "kumo-bot",
    }
    values.update(extra)
    return EmulatorEvent(**values)  # type: ignore[arg-type]


def test_header_is_underlined() -> None:
    text = render_blocks(APPROVAL[:1]).text
    assert text.split("\n") == ["Suspend yahoo.com for 2h?", "=" * 25]


def test_buttons_become_numbered_choices_with_their_confirm_dialog() -> None:
    rendered = render_blocks(APPROVAL)
    assert "[1] Approve  [2] Deny (danger)" in rendered.text
    approve, deny = rendered.choices
    assert (approve.number, approve.action_id, approve.value, approve.block_id) == (
        1,
        "approve",
        "run-7",
        "approval",
    )
    assert deny.style == "danger"
    assert deny.confirm == ConfirmDialog("Deny?", "The requester will be told.", "Deny", "Back")


def test_numbering_continues_from_start_number() -> None:
    rendered = render_blocks(APPROVAL, start_number=7)
    assert [c.number for c in rendered.choices] == [7, 8]
    assert "[7] Approve" in rendered.text


def test_section_fields_are_two_columns() -> None:
    block = {
        "type": "section",
        "fields": [
            {"type": "mrkdwn", "text": "*Node*"},
            {"type": "mrkdwn", "text": "*Queued*"},
            {"type": "plain_text", "text": "mx-long-name"},
            {"type": "plain_text", "text": "1200"},
        ],
    }
    assert render_blocks([block]).text.split("\n") == [
        "*Node*         *Queued*",
        "mx-long-name   1200",
    ]


def test_code_block_tables_keep_their_alignment() -> None:
    table = "node   queued\nmx1      1200\nmx2        12"
    text = render_blocks([_mrkdwn(f"Queues:```{table}```")]).text
    assert text.split("\n") == ["Queues:", "```", *table.split("\n"), "```"]


def test_context_is_prefixed_and_divider_is_a_rule() -> None:
    blocks: list[JsonDict] = [
        {"type": "divider"},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "as of 12:00"}]},
    ]
    assert render_blocks(blocks).text.split("\n") == ["-" * 40, "  · as of 12:00"]


def test_mrkdwn_markup_is_made_readable() -> None:
    text = render_mrkdwn(
        "<@U123> <!here> see <https://kumo.example/q?a=1&amp;b=2|the queue> "
        "<#C0INCIDENT|incident> <!date^1700000000^{date}|Nov 14> <!subteam^S1|@oncall>"
    )
    assert text == (
        "@U123 @here see the queue (https://kumo.example/q?a=1&b=2) #incident Nov 14 @oncall"
    )


def test_escaped_hostile_text_stays_literal_and_harmless() -> None:
    text = render_blocks([_mrkdwn("from log: &lt;!channel&gt; &lt;@U1&gt; a &amp;lt; b")]).text
    assert text == "from log: <!channel> <@U1> a &lt; b"
    assert "@channel" not in text


def test_rich_text_lists_and_preformatted_are_flattened() -> None:
    block = {
        "type": "rich_text",
        "elements": [
            {
                "type": "rich_text_section",
                "elements": [{"type": "text", "text": "Next: "}, {"type": "user", "user_id": "U1"}],
            },
            {
                "type": "rich_text_list",
                "style": "ordered",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": "check"}]},
                    {
                        "type": "rich_text_section",
                        "elements": [{"type": "text", "text": "suspend"}],
                    },
                ],
            },
            {"type": "rich_text_preformatted", "elements": [{"type": "text", "text": "a  b"}]},
        ],
    }
    assert render_blocks([block]).text.split("\n") == [
        "Next: @U1",
        "1. check",
        "2. suspend",
        "```",
        "a  b",
        "```",
    ]


def test_images_and_select_options() -> None:
    blocks: list[JsonDict] = [
        {"type": "image", "image_url": "https://x.invalid/c.png", "alt_text": "queue chart"},
        {
            "type": "actions",
            "elements": [
                {
                    "type": "static_select",
                    "action_id": "node",
                    "placeholder": {"type": "plain_text", "text": "Node"},
                    "options": [{"text": {"type": "plain_text", "text": "mx1"}, "value": "mx1"}],
                }
            ],
        },
    ]
    rendered = render_blocks(blocks)
    assert rendered.text.split("\n") == ["[image: queue chart]", "Node: [1] mx1"]
    assert rendered.choices[0].element_type == "static_select"


def test_text_fallback_is_used_without_blocks() -> None:
    assert render_blocks([], text_fallback="*hi* <@U1>").text == "*hi* @U1"


def test_views_show_title_inputs_and_buttons() -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Approve"},
        "submit": {"type": "plain_text", "text": "Send"},
        "blocks": [
            {
                "type": "input",
                "label": {"type": "plain_text", "text": "Reason"},
                "element": {"type": "plain_text_input", "action_id": "r"},
            }
        ],
    }
    assert render_view(view).text.split("\n") == [
        "Approve",
        "Reason: ____ [plain_text_input]",
        "[submit: Send]",
    ]


def test_transcript_lines_say_where_and_what_kind() -> None:
    assert render_event(_event("message")) == "#incident  kumo-bot:\n    fallback"
    assert render_event(_event("reply", thread_ts="1.0")).startswith(
        "#incident  kumo-bot:  ↳ in thread\n"
    )
    assert "(edited)" in render_event(_event("update"))
    ephemeral = render_event(_event("ephemeral", user="U0ALICE"))
    assert ephemeral.startswith("#incident  kumo-bot → @U0ALICE:  (only visible to you)")


def test_transcript_keeps_choice_numbers_and_code_indentation() -> None:
    code = _mrkdwn("```a   1\nbb  2```")
    entry = render_event_message(_event("message", [code, *APPROVAL]), start_number=3)
    lines = entry.text.split("\n")
    assert lines[1:5] == ["    ```", "    a   1", "    bb  2", "    ```"]
    assert [c.number for c in entry.choices] == [3, 4]


def test_files_in_events_are_listed() -> None:
    event = _event("file", text="", files=[{"name": "pm.md", "title": "Post-mortem", "size": 9}])
    assert render_event(event) == '#incident  kumo-bot:\n    [file: pm.md "Post-mortem", 9 bytes]'


def test_modal_and_deletion_events_have_their_own_headings() -> None:
    view = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Approve"},
        "blocks": [_mrkdwn("Why?")],
    }
    modal = render_event(_event("view", channel="", channel_name="", user="U0BOB", view=view))
    assert modal == "[modal for @U0BOB] Approve\n    Why?"
    assert render_event(_event("delete")) == "#incident  (a message from kumo-bot was deleted)"
