"""Block Kit for what the delivery logs say: ``log`` and ``responses``.

Response texts come from receivers (or anyone who can make a receiver say
something), so every one goes through ``code_block``: escaped, never a mention or a
link, shown verbatim otherwise.  Records are packed several to a section, under
Slack's 3,000-character limit, and the blocks stop before the 50-block limit with a
note saying what was left out.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.adapters.slack.blocks import context as _context
from bot.adapters.slack.blocks import section as _section
from bot.adapters.slack.text import SECTION_TEXT_LIMIT, clip, code, code_block, escape
from bot.core.answers import AnswerBase
from bot.core.answers_logs import LogAnswer, LogEntry, ResponsesAnswer
from bot.core.durations import format_duration
from bot.core.logscan import ScanReport
from bot.core.logtally import ResponseGroup

Block = dict[str, Any]
MAX_SECTIONS = 40  # leaves room for the frame's context and failure blocks
_TEXT_LIMIT = 1200  # one response text; longer ones are cut, saying so


def _when(at: datetime | None, now: datetime) -> str:
    if at is None:
        return "time unknown"
    age = now - at
    ago = "just now" if age.total_seconds() < 1 else f"{format_duration(age)} ago"
    return f"*{at:%Y-%m-%d %H:%M:%S}* UTC ({ago})"


def _mib(n: int) -> str:
    return f"{n / 1048576:,.1f} MiB"


def _packed(entries: list[str], *, more_hint: str) -> list[Block]:
    """Several entries per section, each section under Slack's limit."""
    sections: list[list[str]] = [[]]
    size = 0
    for entry in entries:
        if sections[-1] and size + len(entry) + 1 > SECTION_TEXT_LIMIT - 100:
            sections.append([])
            size = 0
        sections[-1].append(entry)
        size += len(entry) + 1
    blocks = [_section("\n".join(s)) for s in sections[:MAX_SECTIONS] if s]
    if len(sections) > MAX_SECTIONS:
        left = sum(len(s) for s in sections[MAX_SECTIONS:])
        blocks.append(_section(f"_… {left} more not shown (Slack's message limits): {more_hint}_"))
    return blocks


def build_report(report: ScanReport, *, extra: list[str]) -> list[Block]:
    """What was read, what was skipped by name, and any damage that was skipped."""
    nodes = ", ".join(report.nodes) or "no node"
    read = (f"Read {report.segments_read} log segment{'s' * (report.segments_read != 1)} "
            f"({_mib(report.bytes_read)} of records) on {escape(nodes)}")
    if report.segments_skipped:
        read += f"; {report.segments_skipped} outside the time window left unread"
    if report.segments_not_needed:
        read += f"; {report.segments_not_needed} older ones not needed"
    blocks = [_context(" · ".join([read + ".", *extra]))]
    if report.problems:
        lines = [f"• {escape(p.sentence)}" for p in report.problems[:10]]
        if len(report.problems) > 10:
            lines.append(f"• … and {len(report.problems) - 10} more")
        blocks.append(_section(":warning: *Skipped what could not be read* (the figures leave "
                               "it out):\n" + "\n".join(lines)))
    return blocks


def _log_entry(entry: LogEntry, now: datetime) -> str:
    code_text = " ".join(x for x in (str(entry.code or ""), entry.enhanced) if x) or "no code"
    head = [_when(entry.at, now), f"*{escape(entry.node)}*"]
    head.append(f"source {code(entry.source)}" if entry.source else "no source")
    kind = escape(entry.type) + (" (deferral)" if entry.type == "TransientFailure" else "")
    head += [kind, f"*{escape(code_text)}*"]
    if entry.internal:
        head.append(":gear: KumoMTA internal")
    return " · ".join(head) + "\n" + code_block(clip(entry.text or "(no response text)",
                                                     _TEXT_LIMIT))


def build_log(answer: LogAnswer) -> list[Block]:
    """``log``: a title, the scope, then the records newest first, then what was read."""
    title = f"*Delivery log: {escape(answer.domain)}*"
    what = [f"newest {answer.limit}"]
    if answer.filters:
        what.append(escape(answer.filters))
    if answer.since is not None:
        what.append(f"since {answer.since:%Y-%m-%d %H:%M} UTC")
    intro = f"{title} · {' · '.join(what)}\n{escape(answer.scope_sentence)}"
    blocks = [_section(intro)]
    if not answer.records:
        blocks.append(_section("No matching records. Try a longer `--since`, another "
                               "`--type`, `--site`, or `--internal`."))
    else:
        entries = [_log_entry(e, answer.generated_at) for e in answer.records]
        blocks += _packed(entries, more_hint="lower `--limit`")
    extra = []
    if answer.report.internal and not answer.internal_shown:
        extra.append(f"{answer.report.internal:,} KumoMTA internal records left out on the "
                     "way (`--internal` shows them)")
    extra.append("Response texts verbatim" + (", recipient addresses masked"
                                               if answer.redacted else ""))
    return blocks + build_report(answer.report, extra=extra)


def _group(group: ResponseGroup) -> str:
    code_text = " ".join(x for x in (str(group.code or ""), group.enhanced) if x) or "no code"
    bits = [f"*{group.count:,} ×* {code(code_text)}"]
    if group.first_seen and group.last_seen:
        bits.append(f"first {group.first_seen:%m-%d %H:%M}, last {group.last_seen:%m-%d %H:%M} UTC")
    more = " …" if group.more_names else ""
    for label, names in (("sources", group.sources), ("sites", group.sites),
                         ("nodes", group.nodes)):
        if names:
            bits.append(f"{label} " + ", ".join(escape(n) for n in names) + more)
    return " · ".join(bits) + "\n" + code_block(clip(group.text, _TEXT_LIMIT))


def build_responses(answer: ResponsesAnswer) -> list[Block]:
    """``responses``: the first digit first, then the grouped texts, then what was read."""
    s = answer.summary
    window = f"since {answer.since:%Y-%m-%d %H:%M} UTC" if answer.since else "all logs"
    if answer.since_is_default:
        window += " (last 24h; `--since` changes it)"
    lead = (f"*Receivers' responses: {escape(answer.domain)}* · {window}\n"
            f"{escape(answer.scope_sentence)}\n"
            f":hourglass: *{s.deferrals:,} × 4xx* deferrals (temporary: kumod retries) · "
            f":no_entry: *{s.bounces:,} × 5xx* bounces (permanent: a fix, not retries)")
    if s.other:
        lead += f" · {s.other:,} without a 4xx/5xx code"
    lead += (f"\n:gear: {s.internal:,} KumoMTA internal responses (the engine about itself: "
             "counted apart" + (")" if answer.internal_shown else ", `--internal` lists them)"))
    blocks = [_section(lead)]
    if s.groups:
        blocks.append(_context("Grouped after replacing IPs, ids, hashes, times and addresses. "
                               "Read the text, not only the digit: some receivers send 5xx "
                               "for temporary blocks and 4xx with permanent wording."))
        blocks += _packed([_group(g) for g in s.groups], more_hint="narrow with `--since`")
        if s.groups_total > len(s.groups):
            blocks.append(_context(f"{s.groups_total - len(s.groups):,} rarer texts not shown."))
    elif not s.receivers:
        blocks.append(_section("No responses from receivers in this window."))
    if answer.internal_shown and s.internal_groups:
        blocks.append(_section("*KumoMTA's own responses*"))
        blocks += _packed([_group(g) for g in s.internal_groups], more_hint="")
    return blocks + build_report(answer.report, extra=[])


def build_logs_answer(answer: AnswerBase) -> tuple[list[Block], str] | None:
    """The blocks and fallback title of a log answer; None when it is another kind."""
    if isinstance(answer, LogAnswer):
        return build_log(answer), f"Delivery log: {answer.domain}"
    if isinstance(answer, ResponsesAnswer):
        s = answer.summary
        return build_responses(answer), (
            f"Responses for {answer.domain}: {s.deferrals:,} × 4xx, {s.bounces:,} × 5xx"
        )
    return None
