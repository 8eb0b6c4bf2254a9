"""Block Kit primitives shared by every view: mrkdwn text, section, context, header.

Text objects are ``verbatim`` (Slack links or mentions nothing by itself) and cut to
Slack's limits before the block is built.  Callers escape untrusted text first.
"""

from __future__ import annotations

from typing import Any

from bot.adapters.slack.text import CONTEXT_ELEMENTS_LIMIT, HEADER_LIMIT, SECTION_TEXT_LIMIT, clip

Block = dict[str, Any]

DIVIDER: Block = {"type": "divider"}


def mrkdwn(text: str) -> dict[str, Any]:
    """A mrkdwn text object; ``verbatim`` so Slack links or mentions nothing by itself."""
    return {"type": "mrkdwn", "text": clip(text, SECTION_TEXT_LIMIT), "verbatim": True}


def section(text: str) -> Block:
    """A section block of mrkdwn text."""
    return {"type": "section", "text": mrkdwn(text)}


def context(*parts: str) -> Block:
    """A context block, one mrkdwn element per part (at most Slack's ten)."""
    return {"type": "context", "elements": [mrkdwn(p) for p in parts[:CONTEXT_ELEMENTS_LIMIT]]}


def header(text: str) -> Block:
    """A header block (plain text)."""
    return {"type": "header", "text": {"type": "plain_text", "text": clip(text, HEADER_LIMIT)}}
