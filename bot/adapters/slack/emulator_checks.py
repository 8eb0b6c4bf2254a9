"""Block Kit limits the emulator enforces, so the bot's tests fail where Slack would.

Only the limits listed in BOLT-NOTES section 4 are checked; they are the ones a
builder can break by passing long operator or log text through. Slack answers a
broken payload with ``invalid_blocks`` plus human-readable ``errors``; so do we.
"""

from __future__ import annotations

from typing import Any

from bot.adapters.slack.emulator_model import JsonDict

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_MESSAGE_TEXT = 40_000
MAX_VIEW_TITLE = 24
MAX_PRIVATE_METADATA = 3000

_TEXT_LIMITS: dict[str, int] = {"section": 3000, "header": 150, "markdown": 12_000}
_ELEMENT_LIMITS: dict[str, int] = {"actions": 25, "context": 10}


def _text_of(obj: Any) -> str:
    """The ``text`` of a text object, or '' when absent or malformed."""
    if isinstance(obj, dict):
        value = obj.get("text", "")
        return value if isinstance(value, str) else ""
    return obj if isinstance(obj, str) else ""


def _check_element(element: Any, where: str, errors: list[str]) -> None:
    """Limits on one interactive element (buttons, selects, ...)."""
    if not isinstance(element, dict) or "type" not in element:
        errors.append(f"{where}: element must be an object with a type")
        return
    if len(str(element.get("action_id", ""))) > 255:
        errors.append(f"{where}: action_id must be at most 255 characters")
    if element["type"] == "button":
        if len(_text_of(element.get("text"))) > 75:
            errors.append(f"{where}: button text must be at most 75 characters")
        if len(str(element.get("value", ""))) > 2000:
            errors.append(f"{where}: button value must be at most 2000 characters")
        confirm = element.get("confirm")
        if isinstance(confirm, dict) and len(_text_of(confirm.get("text"))) > 300:
            errors.append(f"{where}: confirm text must be at most 300 characters")


def _check_block(block: Any, index: int, errors: list[str], block_ids: set[str]) -> None:
    """Limits on one block; appends readable problems to ``errors``."""
    where = f"blocks[{index}]"
    if not isinstance(block, dict) or not isinstance(block.get("type"), str):
        errors.append(f"{where}: must be an object with a type")
        return
    kind = block["type"]
    block_id = block.get("block_id")
    if block_id is not None:
        if len(str(block_id)) > 255:
            errors.append(f"{where}: block_id must be at most 255 characters")
        if str(block_id) in block_ids:
            errors.append(f"{where}: duplicate block_id {block_id!r}")
        block_ids.add(str(block_id))
    limit = _TEXT_LIMITS.get(kind)
    text = block.get("text")
    if limit is not None and len(_text_of(text)) > limit:
        errors.append(f"{where}: {kind} text must be at most {limit} characters")
    if kind == "section":
        fields = block.get("fields") or []
        if len(fields) > 10:
            errors.append(f"{where}: at most 10 fields")
        for n, fld in enumerate(fields):
            if len(_text_of(fld)) > 2000:
                errors.append(f"{where}.fields[{n}]: at most 2000 characters")
        if text is None and not fields:
            errors.append(f"{where}: section needs text or fields")
        if "accessory" in block:
            _check_element(block["accessory"], f"{where}.accessory", errors)
    element_limit = _ELEMENT_LIMITS.get(kind)
    elements = block.get("elements") or []
    if element_limit is not None and len(elements) > element_limit:
        errors.append(f"{where}: {kind} allows at most {element_limit} elements")
    if kind == "actions":
        seen: set[str] = set()
        for n, element in enumerate(elements):
            _check_element(element, f"{where}.elements[{n}]", errors)
            action_id = element.get("action_id") if isinstance(element, dict) else None
            if action_id is not None and action_id in seen:
                errors.append(f"{where}: duplicate action_id {action_id!r}")
            if action_id is not None:
                seen.add(action_id)


def block_errors(blocks: Any, *, max_blocks: int = MAX_MESSAGE_BLOCKS) -> list[str]:
    """Problems Slack would report for ``blocks``; empty when they are acceptable."""
    if not isinstance(blocks, list):
        return ["blocks must be a list"]
    errors: list[str] = []
    if len(blocks) > max_blocks:
        errors.append(f"no more than {max_blocks} items allowed")
    block_ids: set[str] = set()
    for index, block in enumerate(blocks):
        _check_block(block, index, errors, block_ids)
    return errors


def view_errors(view: JsonDict) -> list[str]:
    """Problems Slack would report for a modal ``view`` (``invalid_arguments``)."""
    errors: list[str] = []
    if view.get("type") != "modal":
        errors.append("view.type must be 'modal'")
    title = _text_of(view.get("title"))
    if not 1 <= len(title) <= MAX_VIEW_TITLE:
        errors.append(f"view.title must be 1-{MAX_VIEW_TITLE} characters")
    for key in ("submit", "close"):
        if key in view and len(_text_of(view[key])) > MAX_VIEW_TITLE:
            errors.append(f"view.{key} must be at most {MAX_VIEW_TITLE} characters")
    if len(str(view.get("private_metadata", ""))) > MAX_PRIVATE_METADATA:
        errors.append(f"view.private_metadata must be at most {MAX_PRIVATE_METADATA} characters")
    blocks = view.get("blocks")
    if not isinstance(blocks, list) or not blocks:
        errors.append("view.blocks must be a non-empty list")
    else:
        errors.extend(f"view.{e}" for e in block_errors(blocks, max_blocks=MAX_VIEW_BLOCKS))
    return errors
