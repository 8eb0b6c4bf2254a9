"""Block Kit for ``auth`` and ``blocklists``: a plain verdict per check, then the facts.

Records, selectors, zones and return codes come from DNS: untrusted text, quoted with
``code``; each section is cut to Slack's limit.
"""

from __future__ import annotations

from typing import Any

from bot.adapters.slack.blocks import context as _context
from bot.adapters.slack.blocks import header as _header
from bot.adapters.slack.blocks import section as _section
from bot.adapters.slack.slack_dates import slack_date
from bot.adapters.slack.text import clip, code, escape
from bot.core.answers import AnswerBase
from bot.core.answers_dns import AuthAnswer, BlocklistsAnswer

Block = dict[str, Any]
ICON = {"ok": ":large_green_circle:", "warning": ":large_orange_circle:",
        "problem": ":red_circle:", "could not check": ":grey_question:"}
MAX_LISTINGS = 30


def build_auth(answer: AuthAnswer) -> list[Block]:
    """The blocks of an auth answer."""
    blocks = [_header(f"Authentication of {answer.domain}: {answer.verdict}")]
    for check in answer.checks:
        lines = [f"{ICON[check.verdict]} *{escape(check.name)}*: {escape(check.verdict)}. "
                 f"{escape(check.summary)}"]
        if check.record:
            lines.append(code(clip(check.record, 400)))
        lines.extend(f"• {escape(d)}" for d in check.details[:12])
        blocks.append(_section("\n".join(lines)))
    blocks.append(_context(f"Asked DNS {slack_date(answer.generated_at)}."))
    return blocks


def build_blocklists(answer: BlocklistsAnswer) -> list[Block]:
    """The blocks of a blocklists answer."""
    listed = [item for item in answer.listings if item.verdict == "problem"]
    unknown = [item for item in answer.listings if item.verdict == "could not check"]
    ips = sorted({item.ip for item in answer.listings})
    head = (f":red_circle: {len(listed)} listing(s)" if listed
            else ":grey_question: could not check every IP" if unknown
            else ":large_green_circle: not listed")
    blocks = [_header(f"Blocklists: {answer.target}"),
              _section(f"{head} · {len(ips)} egress IP(s) against "
                       f"{len({i.zone for i in answer.listings})} zone(s)")]
    lines = []
    for item in (listed + unknown)[:MAX_LISTINGS]:
        line = f"{ICON[item.verdict]} {code(item.ip)} in {code(item.zone)}: "
        if item.verdict == "problem":
            line += "; ".join(f"{code(c)} {escape(m)}" for c, m in
                              zip(item.codes, item.meanings, strict=False))
            if item.delist:
                line += f" · delisting: {escape(item.delist)}"
        else:
            line += f"could not check ({escape(item.detail)})"
        lines.append(line)
    clean = sorted({i.ip for i in answer.listings if i.verdict == "ok"}
                   - {i.ip for i in listed + unknown})
    if clean:
        lines.append(":large_green_circle: not listed anywhere: "
                     + ", ".join(code(ip) for ip in clean[:40]))
    if lines:
        blocks.append(_section("\n".join(lines)))
    per_node = [f"{escape(n)}: {', '.join(ips) or 'none seen'}" for n, ips in answer.ips.items()]
    ttls = [item.ttl for item in answer.listings if item.ttl]
    kept = f" Answers are kept for their TTL (up to {max(ttls) // 60} min)." if ttls else ""
    notes = [f"Checked {slack_date(answer.generated_at)}.{kept} IPs checked — "
             + "; ".join(per_node)]
    if answer.skipped_zones:
        notes.append("Skipped " + ", ".join(code(z) for z in answer.skipped_zones)
                     + ": it lists domains, not IPs.")
    notes.extend(escape(n) for n in answer.notes)
    blocks.append(_context(" ".join(notes)))
    return blocks


def build_dns_answer(answer: AnswerBase) -> tuple[list[Block], str] | None:
    """The blocks and title of an auth or blocklists answer; None for any other."""
    if isinstance(answer, AuthAnswer):
        return build_auth(answer), f"Authentication of {answer.domain}: {answer.verdict}"
    if isinstance(answer, BlocklistsAnswer):
        return build_blocklists(answer), f"Blocklists: {answer.target}"
    return None
