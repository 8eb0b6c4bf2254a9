"""Slack text for the terminal: mrkdwn and ``rich_text`` made readable (used by ``render``).

mrkdwn carries markup in angle brackets (``<@U1>``, ``<!here>``, ``<url|label>``) and
escapes the three control characters as ``&lt;``, ``&gt;``, ``&amp;``. We rewrite the
markup first and decode the entities last, once, so text that arrived escaped is
displayed as typed and can never become markup on the way. ``rich_text`` elements
carry literal text (no entities), so they are not decoded at all. Emphasis markers
(``*bold*``, ``_italic_``, `` `code` ``) are kept as typed; fenced code is kept verbatim.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_FENCE = re.compile(r"```(.*?)```", re.DOTALL)
_MARKUP = re.compile(r"<([^<>\n]+)>")
_ENTITY = re.compile(r"&(lt|gt|amp);")
_ENTITIES = {"lt": "<", "gt": ">", "amp": "&"}
_SPECIAL = {"here", "channel", "everyone", "group"}


def unescape(text: str) -> str:
    """Decode Slack's three entities in one pass (so ``&amp;lt;`` shows as ``&lt;``)."""
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def _markup(match: re.Match[str], channels: Mapping[str, str] | None = None) -> str:
    """One ``<...>`` token as the text Slack would display: a channel link shows the
    channel's name when ``channels`` (id -> name) knows it."""
    target, _, label = match.group(1).partition("|")
    if target.startswith("@"):
        return "@" + (label.lstrip("@") or target[1:])
    if target.startswith("#"):
        return "#" + (label.lstrip("#") or (channels or {}).get(target[1:]) or target[1:])
    if target.startswith("!"):
        command = target[1:]
        if command in _SPECIAL:
            return "@" + command
        if command.startswith("subteam^"):
            return label or "@" + command.split("^", 1)[1]
        # <!date^...|fallback> and anything newer: the fallback is what old clients show.
        return label or command.split("^", 1)[0]
    if label and label != target:
        return f"{label} ({target})"
    return target


def _inline(text: str, channels: Mapping[str, str] | None = None) -> str:
    return _MARKUP.sub(lambda match: _markup(match, channels), text)


def render_mrkdwn(text: str, channels: Mapping[str, str] | None = None) -> str:
    """mrkdwn as plain terminal text; fenced code on its own lines, verbatim.  ``<#C1>``
    shows as ``#name`` when ``channels`` (id -> name) has ``C1``, as Slack shows it."""
    out = ""
    pos = 0
    for match in _FENCE.finditer(text):
        out += _inline(text[pos : match.start()], channels)
        if out and not out.endswith("\n"):
            out += "\n"
        out += "```\n" + match.group(1).strip("\n") + "\n```"
        pos = match.end()
        if pos < len(text) and text[pos] != "\n":
            out += "\n"
    out += _inline(text[pos:], channels)
    return unescape(out)


def _styled(text: str, style: Any) -> str:
    if not isinstance(style, dict):
        return text
    if style.get("code"):
        text = f"`{text}`"
    if style.get("bold"):
        text = f"*{text}*"
    if style.get("italic"):
        text = f"_{text}_"
    if style.get("strike"):
        text = f"~{text}~"
    return text


def _rich_element(element: Any) -> str:
    """One inline element of a rich_text section."""
    if not isinstance(element, dict):
        return ""
    kind = element.get("type")
    if kind == "text":
        return _styled(str(element.get("text", "")), element.get("style"))
    if kind == "link":
        url = str(element.get("url", ""))
        label = element.get("text")
        return f"{label} ({url})" if label and label != url else url
    if kind == "user":
        return "@" + str(element.get("user_id", ""))
    if kind == "channel":
        return "#" + str(element.get("channel_id", ""))
    if kind == "usergroup":
        return "@" + str(element.get("usergroup_id", ""))
    if kind == "broadcast":
        return "@" + str(element.get("range", "here"))
    if kind == "emoji":
        return ":" + str(element.get("name", "")) + ":"
    if kind == "date":
        return str(element.get("fallback") or element.get("timestamp", ""))
    if kind == "color":
        return str(element.get("value", ""))
    return ""


def _rich_inline(container: Any) -> str:
    elements = container.get("elements") if isinstance(container, dict) else None
    return "".join(_rich_element(e) for e in elements or [])


def render_rich_text(block: dict[str, Any]) -> str:
    """A ``rich_text`` block flattened: sections, code, quotes and (nested) lists."""
    parts: list[str] = []
    for element in block.get("elements") or []:
        if not isinstance(element, dict):
            continue
        kind = element.get("type")
        if kind == "rich_text_preformatted":
            parts.append("```\n" + _rich_inline(element).strip("\n") + "\n```")
        elif kind == "rich_text_quote":
            parts.append("\n".join("> " + line for line in _rich_inline(element).split("\n")))
        elif kind == "rich_text_list":
            indent = "  " * int(element.get("indent") or 0)
            ordered = element.get("style") == "ordered"
            start = int(element.get("offset") or 0)
            items = [
                indent + (f"{start + n}. " if ordered else "• ") + _rich_inline(item)
                for n, item in enumerate(element.get("elements") or [], start=1)
            ]
            parts.append("\n".join(items))
        else:
            parts.append(_rich_inline(element).rstrip("\n"))
    return "\n".join(parts)
