"""Block Kit as readable terminal text: pure functions over the dicts the bot sends.

Buttons and select options become numbered choices (``[1] Approve  [2] Deny``) so a
terminal user can "click" by typing a number; numbering continues across a
transcript when the caller passes ``start_number``. mrkdwn is made readable
(``<@U1>`` -> ``@U1``, ``<url|label>`` -> ``label (url)``) and the three HTML
entities are decoded only at the very end, so escaped hostile text such as
``&lt;!channel&gt;`` is shown literally and never turns into a mention.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

from bot.adapters.slack.emulator_model import EmulatorEvent, JsonDict
from bot.adapters.slack.emulator_mrkdwn import render_mrkdwn, render_rich_text, unescape

DIVIDER = "-" * 40
_MAX_LEFT_COLUMN = 38
_OPTION_ELEMENTS = {
    "static_select",
    "multi_static_select",
    "overflow",
    "radio_buttons",
    "checkboxes",
}


@dataclass(frozen=True)
class ConfirmDialog:
    """The "are you sure?" dialog Slack shows before a dangerous button acts."""

    title: str
    text: str
    confirm: str
    deny: str


@dataclass(frozen=True)
class Choice:
    """One numbered thing the terminal user can pick (a button or a select option)."""

    number: int
    label: str
    action_id: str
    value: str
    block_id: str
    style: str | None = None
    confirm: ConfirmDialog | None = None
    element_type: str = "button"
    url: str | None = None


@dataclass(frozen=True)
class RenderedMessage:
    """Terminal text plus the choices numbered in it."""

    text: str
    choices: list[Choice] = field(default_factory=list)


def _text(obj: Any, channels: Mapping[str, str] | None = None) -> str:
    """Display text of a text object (mrkdwn or plain_text) or a bare string; ``<#C1>``
    shows as ``#name`` for the channels named in ``channels`` (id -> name)."""
    if isinstance(obj, str):
        return render_mrkdwn(obj, channels)
    if not isinstance(obj, dict):
        return ""
    raw = str(obj.get("text", ""))
    if obj.get("type") == "plain_text":
        return unescape(raw)
    return render_mrkdwn(raw, channels)


def _confirm(element: JsonDict, channels: Mapping[str, str] | None = None
             ) -> ConfirmDialog | None:
    confirm = element.get("confirm")
    if not isinstance(confirm, dict):
        return None
    return ConfirmDialog(
        title=_text(confirm.get("title"), channels),
        text=_text(confirm.get("text"), channels),
        confirm=_text(confirm.get("confirm"), channels) or "Yes",
        deny=_text(confirm.get("deny"), channels) or "Cancel",
    )


class _Renderer:
    """Accumulates lines and numbered choices for one message or view."""

    def __init__(self, start_number: int, channels: Mapping[str, str] | None = None) -> None:
        self.channels = channels
        self.lines: list[str] = []
        self.choices: list[Choice] = []
        self.next_number = start_number

    def text(self, obj: Any) -> str:
        """``_text`` with the channel names this renderer knows."""
        return _text(obj, self.channels)

    def add(self, text: str, prefix: str = "") -> None:
        for line in text.split("\n"):
            self.lines.append(f"{prefix}{line}".rstrip())

    def choice(self, element: JsonDict, block_id: str, label: str, value: str) -> str:
        """Number one pickable thing and return its ``[n] label`` form."""
        style = element.get("style")
        self.choices.append(
            Choice(
                number=self.next_number,
                label=label,
                action_id=str(element.get("action_id", "")),
                value=value,
                block_id=block_id,
                style=style if isinstance(style, str) else None,
                confirm=_confirm(element, self.channels),
                element_type=str(element.get("type", "")),
                url=element.get("url") if isinstance(element.get("url"), str) else None,
            )
        )
        self.next_number += 1
        marker = " (danger)" if style == "danger" else ""
        return f"[{self.next_number - 1}] {label}{marker}"

    def element(self, element: Any, block_id: str) -> str:
        """An interactive element as numbered choices on one line."""
        if not isinstance(element, dict):
            return ""
        kind = str(element.get("type", ""))
        if kind == "button":
            label = self.text(element.get("text"))
            url = element.get("url")
            shown = self.choice(element, block_id, label, str(element.get("value", "")))
            return f"{shown} ({url})" if isinstance(url, str) else shown
        if kind == "image":
            return f"[image: {element.get('alt_text', '')}]"
        if kind in _OPTION_ELEMENTS:
            options = list(element.get("options") or [])
            for group in element.get("option_groups") or []:
                options.extend(group.get("options") or [])
            picks = [
                self.choice(element, block_id, self.text(o.get("text")), str(o.get("value", "")))
                for o in options
                if isinstance(o, dict)
            ]
            name = self.text(element.get("placeholder")) or ("..." if kind == "overflow" else kind)
            return f"{name}: " + "  ".join(picks)
        label = self.text(element.get("placeholder")) or kind
        return self.choice(element, block_id, label, "") + f" ({kind})"

    def block(self, block: Any) -> None:
        """Append one block's lines."""
        if not isinstance(block, dict):
            return
        kind = block.get("type")
        block_id = str(block.get("block_id", ""))
        if kind == "header":
            title = self.text(block.get("text"))
            self.add(title)
            self.add("=" * min(len(title), 60))
        elif kind == "section":
            self._section(block, block_id)
        elif kind == "divider":
            self.add(DIVIDER)
        elif kind == "context":
            parts = [
                self.element(e, block_id) if e.get("type") == "image" else self.text(e)
                for e in block.get("elements") or []
                if isinstance(e, dict)
            ]
            self.add("  ".join(p for p in parts if p), prefix="  · ")
        elif kind == "actions":
            parts = [self.element(e, block_id) for e in block.get("elements") or []]
            self.add("  ".join(p for p in parts if p))
        elif kind == "image":
            title = self.text(block.get("title"))
            self.add(f"[image: {block.get('alt_text', '')}]" + (f" {title}" if title else ""))
        elif kind == "rich_text":
            self.add(render_rich_text(block))
        elif kind == "markdown":
            self.add(str(block.get("text", "")))
        elif kind == "input":
            self._input(block)
        elif kind == "video":
            self.add(f"[video: {self.text(block.get('title'))}]")
        else:
            self.add(f"[{kind} block]")

    def _section(self, block: JsonDict, block_id: str) -> None:
        if block.get("text") is not None:
            self.add(self.text(block.get("text")))
        fields = [self.text(f) for f in block.get("fields") or []]
        if fields:
            left, right = fields[0::2], fields[1::2]
            width = min(
                max((len(line) for f in left for line in f.split("\n")), default=0),
                _MAX_LEFT_COLUMN,
            )
            for a, b in zip_longest(left, right, fillvalue=""):
                for la, lb in zip_longest(a.split("\n"), b.split("\n"), fillvalue=""):
                    self.add(f"{la:<{width}}   {lb}" if lb else la)
        accessory = block.get("accessory")
        if accessory is not None:
            self.add(self.element(accessory, block_id), prefix="  ")

    def _input(self, block: JsonDict) -> None:
        element = block.get("element") if isinstance(block.get("element"), dict) else {}
        optional = " (optional)" if block.get("optional") else ""
        hint = self.text(block.get("hint"))
        kind = str(element.get("type", "input")) if element else "input"
        self.add(f"{self.text(block.get('label'))}{optional}: ____ [{kind}]")
        if hint:
            self.add(hint, prefix="  · ")


def render_blocks(
    blocks: list[JsonDict] | None, *, text_fallback: str = "", start_number: int = 1,
    channels: Mapping[str, str] | None = None,
) -> RenderedMessage:
    """Render a message's blocks (or its mrkdwn ``text`` when there are none); a channel
    link shows the channel's name when ``channels`` (id -> name) has it, as Slack does."""
    renderer = _Renderer(start_number, channels)
    if blocks:
        for block in blocks:
            renderer.block(block)
    elif text_fallback:
        renderer.add(render_mrkdwn(text_fallback, channels))
    return RenderedMessage("\n".join(renderer.lines).strip("\n"), renderer.choices)


def render_view(view: JsonDict, *, start_number: int = 1,
                channels: Mapping[str, str] | None = None) -> RenderedMessage:
    """Render a modal: its title, its blocks, then its submit and close labels."""
    body = render_blocks(view.get("blocks"), start_number=start_number, channels=channels)
    buttons = [f"[{key}: {_text(view[key])}]" for key in ("submit", "close") if view.get(key)]
    lines = [f"{_text(view.get('title'))}", body.text]
    if buttons:
        lines.append("  ".join(buttons))
    return RenderedMessage("\n".join(line for line in lines if line), body.choices)


def _file_line(file: JsonDict) -> str:
    title = file.get("title") or ""
    shown = f' "{title}"' if title and title != file.get("name") else ""
    return f"[file: {file.get('name', '?')}{shown}, {file.get('size', 0)} bytes]"


def _where(event: EmulatorEvent) -> str:
    return f"#{event.channel_name}" if event.channel_name else event.channel


def render_event_message(event: EmulatorEvent, *, start_number: int = 1,
                         channels: Mapping[str, str] | None = None) -> RenderedMessage:
    """A transcript entry (heading line + indented body) and the choices numbered in it;
    ``channels`` (id -> name) turns channel links into ``#name``."""
    author = event.author_name
    if event.kind == "view":
        view = event.view or {}
        body = render_view(view, start_number=start_number, channels=channels)
        heading = f"[modal for @{event.user}] {_text(view.get('title'))}"
        rest = body.text.split("\n", 1)[1] if "\n" in body.text else ""
        return RenderedMessage(_indent(heading, rest), body.choices)
    if event.kind == "delete":
        return RenderedMessage(f"{_where(event)}  (a message from {author} was deleted)")
    headings = {
        "message": f"{_where(event)}  {author}:",
        "reply": f"{_where(event)}  {author}:  ↳ in thread",
        "update": f"{_where(event)}  {author}:  (edited)",
        "ephemeral": f"{_where(event)}  {author} → @{event.user}:  (only visible to you)",
        "file": f"{_where(event)}  {author}:" + ("  ↳ in thread" if event.thread_ts else ""),
    }
    body = render_blocks(event.blocks, text_fallback=event.text, start_number=start_number,
                         channels=channels)
    lines = [body.text] if body.text else []
    lines.extend(_file_line(f) for f in event.files)
    return RenderedMessage(_indent(headings[event.kind], "\n".join(lines)), body.choices)


def render_event(event: EmulatorEvent, *, start_number: int = 1) -> str:
    """A compact transcript entry for one emulator event (see ``render_event_message``)."""
    return render_event_message(event, start_number=start_number).text


def _indent(heading: str, body: str, *, by: str = "    ") -> str:
    if not body:
        return heading
    return heading + "\n" + "\n".join(by + line if line else "" for line in body.split("\n"))
