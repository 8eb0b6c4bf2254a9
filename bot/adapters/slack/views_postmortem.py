"""Block Kit for ``postmortem``: the headline lines, the files and where a copy is kept.

The summary lines carry the incident's title and domains (typed by people): untrusted
text, escaped.  The files themselves follow as an upload (``postmortem_upload``).
"""

from __future__ import annotations

from typing import Any

from bot.adapters.slack.blocks import context, header, section
from bot.adapters.slack.text import clip, code, escape
from bot.core.answers import AnswerBase
from bot.core.answers_postmortem import PostmortemAnswer

Block = dict[str, Any]


def _size(n: int) -> str:
    return f"{n:,} bytes" if n < 10_240 else f"{n / 1024:,.0f} KiB"


def build_postmortem_answer(answer: AnswerBase) -> tuple[list[Block], str] | None:
    """The message for a ``PostmortemAnswer``; None for any other answer."""
    if not isinstance(answer, PostmortemAnswer):
        return None
    title = f"Post-mortem {answer.incident_id}: {answer.title}"
    summary = "\n".join(f"• {escape(clip(line, 400))}" for line in answer.summary[:12])
    files = ", ".join(f"{code(f.name)} ({_size(f.size)})" for f in answer.files)
    blocks: list[Block] = [header(title), section(summary or "_(no summary)_")]
    where = [f"Files: {files}; uploaded below as Markdown, HTML (chart inline) and PNG."
             if files else "No files were rendered."]
    if answer.saved_to:
        where.append(f"A copy is kept in {code(answer.saved_to)}.")
    blocks.append(context(*where))
    return blocks, title
