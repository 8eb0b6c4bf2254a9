"""Making text safe and small enough for Slack (BOLT-NOTES section 4).

Every untrusted string (receivers' responses, hold reasons, node error bodies,
what the user typed) goes through ``escape`` before it reaches a mrkdwn field:
escaping ``&``, ``<`` and ``>`` is what neutralises ``<!channel>`` and disguised
links.  Limits are applied *before* building blocks, with a visible note.
"""

from __future__ import annotations

SECTION_TEXT_LIMIT = 3000
HEADER_LIMIT = 150
BUTTON_TEXT_LIMIT = 75
CONTEXT_ELEMENTS_LIMIT = 10
MESSAGE_BLOCKS_LIMIT = 50
FALLBACK_TEXT_LIMIT = 3000

_TRUNCATED = "… (truncated)"


def escape(text: str) -> str:
    """Escape Slack's three control characters; ``&`` first."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, saying so."""
    if len(text) <= limit:
        return text
    return text[: max(limit - len(_TRUNCATED), 0)] + _TRUNCATED


def code(text: str) -> str:
    """Inline code for untrusted text: escaped, and backticks cannot close the span."""
    return "`" + escape(text).replace("`", "ʼ") + "`"


def code_block(text: str, limit: int = SECTION_TEXT_LIMIT) -> str:
    """A fenced block of untrusted text (tables): escaped, cut by whole lines to fit."""
    body = escape(text).replace("```", "ʼʼʼ")
    budget = limit - 8 - len(_TRUNCATED)
    if len(body) + 8 > limit:
        lines, size = [], 0
        for line in body.splitlines():
            if size + len(line) + 1 > budget:
                break
            lines.append(line)
            size += len(line) + 1
        body = "\n".join(lines) + "\n" + _TRUNCATED
    return f"```\n{body}\n```"
