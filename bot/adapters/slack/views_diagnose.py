"""Block Kit for ``diagnose``: the verdict first, then its evidence, the first step, the don'ts.

Evidence quotes receivers' replies, hold reasons and queue names: untrusted text, so
every quoted part goes through ``code`` and every other word through ``escape``.  Each
section is cut to Slack's 3,000 characters and the findings stop well before the
50-block limit, saying how many were left out.
"""

from __future__ import annotations

from typing import Any

from bot.adapters.slack.blocks import context as _context
from bot.adapters.slack.blocks import section as _section
from bot.adapters.slack.text import HEADER_LIMIT, SECTION_TEXT_LIMIT, clip, code, escape
from bot.core.answers import AnswerBase
from bot.core.answers_diagnose import DiagnoseAnswer
from bot.core.diagnosis_model import Diagnosis, Finding, Line

Block = dict[str, Any]
MAX_FINDINGS = 8
MAX_EVIDENCE = 10
QUOTE_LIMIT = 600  # a quoted text (reply, reason, queue names) beyond this is cut, saying so

_ICON = {"critical": ":red_circle:", "warning": ":large_orange_circle:",
         "info": ":information_source:", "ok": ":large_green_circle:"}


def render_line(evidence: Line) -> str:
    """One evidence line: quoted parts as inline code (cut to a readable length), the rest
    escaped."""
    return "".join(code(clip(p.text, QUOTE_LIMIT)) if p.quoted else escape(p.text)
                   for p in evidence.parts)


def _bullets(head: str, evidence: list[Line]) -> str:
    """The verdict and as many evidence lines as fit one section, saying how many did not."""
    text = head + ("\n*Evidence:*" if evidence else "")
    budget = SECTION_TEXT_LIMIT - 40  # room for the "… N more" line
    for shown, item in enumerate(evidence):
        bullet = f"\n• {render_line(item)}"
        if shown == MAX_EVIDENCE or len(text) + len(bullet) > budget:
            return text + f"\n• … {len(evidence) - shown} more"
        text += bullet
    return text


def build_finding(finding: Finding, number: int) -> list[Block]:
    """One finding: the verdict, its evidence, the first step and what not to do."""
    head = f"{_ICON[finding.severity]} *{number}. {escape(finding.verdict)}*"
    blocks = [_section(_bullets(head, finding.evidence))]
    step = f"*First step:* {escape(finding.first_step)}"
    if finding.donts:
        step += "\n*Don't:*\n" + "\n".join(f":no_entry_sign: {escape(d)}" for d in finding.donts)
    blocks.append(_section(step))
    return blocks


def build_diagnosis(d: Diagnosis) -> list[Block]:
    """The whole diagnosis, the finding that explains the most first."""
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text",
                                    "text": clip(f"Diagnosis: {d.domain}", HEADER_LIMIT)}},
        _context(escape(d.scope_sentence)),
    ]
    for number, finding in enumerate(d.findings[:MAX_FINDINGS], start=1):
        blocks += build_finding(finding, number)
        blocks.append({"type": "divider"})
    if len(d.findings) > MAX_FINDINGS:
        blocks.append(_context(f"{len(d.findings) - MAX_FINDINGS} smaller findings not shown."))
    if d.unchecked:
        lines = [f"• *{escape(u.source)}*: {escape(u.consequence)}"
                 + ("" if u.kind in ("node", "tsa") else f" ({escape(clip(u.detail, 300))})")
                 for u in d.unchecked[:12]]
        blocks.append(_section(":warning: *Could not check* (the verdict leaves these out):\n"
                               + "\n".join(lines)))
    if d.findings and d.findings[0].kind != "all-clear" and d.checked:
        blocks.append(_context("*Checked:* " + "; ".join(escape(c) for c in d.checked) + "."))
    return blocks


def build_diagnose_answer(answer: AnswerBase) -> tuple[list[Block], str] | None:
    """Blocks and notification text for a diagnose answer; None for any other answer."""
    if not isinstance(answer, DiagnoseAnswer):
        return None
    d = answer.diagnosis
    return build_diagnosis(d), f"Diagnosis of {d.domain}: {d.lead.verdict}"
