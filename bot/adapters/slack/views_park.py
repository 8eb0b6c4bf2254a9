"""Block Kit for the park answers: queue, providers, holds, tsa.

Tables go in code blocks (aligned like kcli), cut by whole lines to Slack's
limits; holds are listed with their stable id, origin and time left.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.adapters.slack.blocks import section as _section
from bot.adapters.slack.text import SECTION_TEXT_LIMIT, code, code_block, escape
from bot.adapters.slack.views_explain import origin_lines
from bot.core.answers import AnswerBase
from bot.core.answers_park import HoldsAnswer, ProvidersAnswer, QueueAnswer, TsaAnswer
from bot.core.bot_holds import BotHoldInfo
from bot.core.durations import format_duration
from bot.core.holds import Hold, HoldMarker
from bot.core.summary_queue import ReadyRow, ScheduledRow
from bot.core.tabout import Align, format_count, tabout
from bot.core.tsa_origin import TsaOrigin

Block = dict[str, Any]
MAX_TABLE_CHUNKS = 8
_L: list[Align] = ["left"]
_R: list[Align] = ["right"]

_KIND_WORD = {"suspend-path": "path suspended", "suspend": "suspended", "bounce": "bouncing"}
_ICON = {"suspend-path": "🛑", "suspend": "🛑", "bounce": "🗑️"}


def _left(remaining: timedelta | None) -> str:
    if remaining is None:
        return "time left unknown"
    if remaining.total_seconds() < 1:
        return "expiring now"
    return f"{format_duration(remaining)} left"


def marker_text(m: HoldMarker) -> str:
    """``🛑 TSA 47m left`` / ``🗑️ bounce (manual) 5m left`` for a table cell."""
    who = "TSA" if m.origin == "tsa" else "manual"
    return f"{_ICON[m.kind]} {who} {_KIND_WORD[m.kind]}, {_left(m.remaining)}"


def _ready_status(row: ReadyRow) -> str:
    parts = [marker_text(m) for m in row.markers]
    parts += [f"{s.key} since {s.since:%H:%M:%S}" for s in row.states]
    return "; ".join(parts)


def _sched_status(row: ScheduledRow) -> str:
    return "; ".join(marker_text(m) for m in row.markers)


def table_blocks(table: str, *, title: str) -> list[Block]:
    """A table as one or more code blocks, split by whole lines under Slack's limit."""
    lines = table.rstrip("\n").split("\n")
    chunks: list[list[str]] = [[]]
    size = 0
    budget = SECTION_TEXT_LIMIT - 200
    for line in lines:
        if size + len(escape(line)) + 1 > budget and chunks[-1]:
            chunks.append([lines[0]])  # repeat the header row in every chunk
            size = len(lines[0])
        chunks[-1].append(line)
        size += len(escape(line)) + 1
    blocks = []
    for i, chunk in enumerate(chunks[:MAX_TABLE_CHUNKS]):
        head = f"*{title}*\n" if i == 0 else ""
        blocks.append(_section(head + code_block("\n".join(chunk))))
    if len(chunks) > MAX_TABLE_CHUNKS:
        blocks.append(
            _section(
                f"_… {len(chunks) - MAX_TABLE_CHUNKS} more parts not shown: "
                "narrow it with a DOMAIN, `--node` or `--limit`._"
            )
        )
    return blocks


def build_queue(answer: QueueAnswer) -> list[Block]:
    park = answer.summary
    blocks: list[Block] = []
    title = f"Queue summary: {answer.domain}" if answer.domain else "Queue summary: whole park"
    intro = [f"*{escape(title)}*"]
    if answer.scope_sentence:
        intro.append(escape(answer.scope_sentence))
    blocks.append(_section("\n".join(intro)))
    if answer.throttles:
        blocks.append(_section("\n".join(f"🐌 {escape(t)}" for t in answer.throttles)))
    nodes = list(park.per_node)
    ready_rows: list[list[str]] = []
    for node in nodes:
        for r in park.per_node[node].ready:
            ready_rows.append(
                [
                    node,
                    r.site,
                    r.source,
                    r.proto,
                    format_count(r.delivered),
                    format_count(r.transfail),
                    format_count(r.connections),
                    format_count(r.queued),
                    _ready_status(r),
                ]
            )
    t = park.total
    if len(nodes) > 1 and t.ready:
        ready_rows.append(
            [
                "total",
                "",
                "",
                "",
                format_count(sum(r.delivered for r in t.ready)),
                format_count(sum(r.transfail for r in t.ready)),
                format_count(sum(r.connections for r in t.ready)),
                format_count(sum(r.queued for r in t.ready)),
                "",
            ]
        )
    if ready_rows:
        table = tabout(
            ["NODE", "SITE", "SOURCE", "PROTO", "D", "T", "C", "Q", "STATUS"],
            ready_rows,
            [*_L * 4, *_R * 4, *_L],
        )
        blocks += table_blocks(
            table,
            title="Egress paths (ready queues): D delivered, "
            "T transient failures (recent), C connections, Q ready",
        )
    else:
        blocks.append(_section("_No egress path in scope has metrics right now._"))
    sched_rows = []
    for row in t.scheduled:
        per = [
            format_count(sum(s.count for s in park.per_node[n].scheduled if s.name == row.name))
            for n in nodes
        ]
        sched_rows.append([row.name, *per, format_count(row.count), _sched_status(row)])
    if sched_rows:
        total_count = sum(r.count for r in t.scheduled)
        sched_rows.append(
            [
                "total",
                *[format_count(sum(s.count for s in park.per_node[n].scheduled)) for n in nodes],
                format_count(total_count),
                "",
            ]
        )
        table = tabout(
            ["SCHEDULED QUEUE", *nodes, "TOTAL", "STATUS"],
            sched_rows,
            [*_L, *_R * (len(nodes) + 1), *_L],
        )
        blocks += table_blocks(table, title="Scheduled queues (waiting for a path)")
    else:
        blocks.append(_section("_No scheduled queue in scope holds mail._"))
    limited = [(t.ready_matched, len(t.ready)), (t.scheduled_matched, len(t.scheduled))]
    if any(m is not None and m > shown for m, shown in limited):
        blocks.append(
            _section("_`--limit` cut the lists; the totals above cover only the rows shown._")
        )
    blocks += _marker_legend(
        [m for r in t.ready for m in r.markers] + [m for s in t.scheduled for m in s.markers],
        answer.tsa_origins,
    )
    return blocks


def _marker_legend(markers: Sequence[HoldMarker],
                   origins: dict[str, TsaOrigin] | None = None) -> list[Block]:
    seen: dict[str, HoldMarker] = {}
    for m in markers:
        seen.setdefault(m.hold_id, m)
    if not seen:
        return []
    lines = ["*Holds on these queues* (`/kumo holds` lists them all)"]
    for m in seen.values():
        line = f"{_ICON[m.kind]} {code(m.hold_id)} {_KIND_WORD[m.kind]}, {_left(m.remaining)}"
        if m.origin == "tsa":
            line += f", by TSA rule {code(m.rule or '?')}: the automation did this on purpose"
            if (origin := (origins or {}).get(m.hold_id)) is not None:
                line += f" ({escape(origin.summary)})"
        else:
            line += f", manual: {escape(m.reason)}"
        lines.append(line)
    return [_section("\n".join(lines[:40]))]


def build_providers(answer: ProvidersAnswer) -> list[Block]:
    by_pool = answer.summary.by_pool
    head = ["NODE", "PROVIDER", *(["POOL"] if by_pool else []), "D", "T", "F", "C", "Q"]
    rows = []
    summaries = (
        [*answer.per_node.items(), ("total", answer.summary)]
        if len(answer.per_node) > 1
        else list(answer.per_node.items())
    )
    for node, summary in summaries:
        for r in summary.rows:
            rows.append(
                [
                    node,
                    r.provider,
                    *([r.pool or ""] if by_pool else []),
                    format_count(r.delivered),
                    format_count(r.transfail),
                    format_count(r.failed),
                    format_count(r.connections),
                    format_count(r.queued),
                ]
            )
    intro = _section(
        "*Provider summary*"
        + (" by pool" if by_pool else "")
        + "\nProvider is the shaping provider when a rule matched, else the MX site. "
        "Q is ready plus scheduled."
    )
    if not rows:
        return [intro, _section("_No provider metrics on the nodes that answered._")]
    aligns: list[Align] = [*_L * (3 if by_pool else 2), *_R * 5]
    return [
        intro,
        *table_blocks(
            tabout(head, rows, aligns),
            title="D delivered, T transient, F failed, C connections, Q queued",
        ),
    ]


def hold_line(h: Hold, origin: TsaOrigin | None = None, mine: BotHoldInfo | None = None) -> str:
    """One hold: id, what it holds, origin (the shaping rule when known, or the bot's own
    record: who asked, who approved, until when), time left, where."""
    target = h.name if h.kind == "suspend-path" else h.criteria_text
    line = (
        f"{_ICON[h.kind]} {code(h.hold_id)} *{_KIND_WORD[h.kind]}* {code(target or '')}, "
        f"{_left(h.remaining)}"
    )
    if h.origin == "tsa" and origin is not None:
        line += origin_lines(h.rule, origin)
    elif h.origin == "tsa":
        line += (
            f"\n      by TSA rule {code(h.rule or '?')}; cancelling it on kumod does not stop TSA, "
            "which re-applies it on reconnect and on the next matching response"
        )
    elif mine is not None:
        agreed = (", approved by " + ", ".join(f"<@{escape(a)}>" for a in mine.approved_by)
                  if mine.approved_by else ", confirmed by the requester")
        line += (f"\n      :robot_face: the bot's: {escape(mine.hold.reason)}; asked by "
                 f"<@{escape(mine.requested_by)}>{agreed}; until "
                 f"{mine.hold.expires:%Y-%m-%d %H:%M} UTC "
                 f"(request {code(mine.hold.request_id[:12])})")
    else:
        line += f"\n      manual: {escape(h.reason)}"
    where = ", ".join(sorted(h.nodes)) or "no kumod node lists it"
    if h.tsa_only:
        where = "TSA holds it but no kumod node lists it (cancelled on kumod, or not yet pushed)"
    line += f"\n      on: {escape(where)}"
    if h.missing_on and h.nodes:
        line += f" (not on {escape(', '.join(h.missing_on))})"
    if h.kind == "bounce":
        line += f"; {h.total_bounced:,} bounced so far"
    return line


def _holds_blocks(holds: Sequence[Hold], empty: str,
                  origins: dict[str, TsaOrigin] | None = None,
                  mine: dict[str, BotHoldInfo] | None = None) -> list[Block]:
    if not holds:
        return [_section(empty)]
    blocks: list[Block] = []
    chunk: list[str] = []
    for h in holds:
        line = hold_line(h, (origins or {}).get(h.hold_id), (mine or {}).get(h.hold_id))
        if chunk and sum(len(c) + 1 for c in chunk) + len(line) > SECTION_TEXT_LIMIT - 200:
            blocks.append(_section("\n".join(chunk)))  # stay under Slack's section limit
            chunk = []
        chunk.append(line)
        if len(chunk) == 8:
            blocks.append(_section("\n".join(chunk)))
            chunk = []
    if chunk:
        blocks.append(_section("\n".join(chunk)))
    return blocks[:30]


def build_holds(answer: HoldsAnswer) -> list[Block]:
    where = f" on {answer.domain} ({answer.site})" if answer.domain else " on the park"
    head = _section(f"*Holds{escape(where)}*: {len(answer.holds)}")
    return [head, *_holds_blocks(answer.holds, "_No suspension or bounce is active._",
                                 answer.tsa_origins, answer.bot_holds)]


def build_tsa(answer: TsaAnswer) -> list[Block]:
    where = f" for {answer.domain}" if answer.domain else ""
    blocks = [_section(f"*What Traffic Shaping Automation holds now{escape(where)}*")]
    if not answer.tsa_reachable:
        blocks.append(
            _section(
                ":warning: No tsa-daemon answered: throttles unknown; "
                "suspensions below come from kumod's lists only."
            )
        )
    if answer.throttles:
        blocks.append(_section("\n".join(f"🐌 {escape(t)}" for t in answer.throttles)))
    blocks += _holds_blocks(answer.holds, "_TSA holds no suspension or bounce here._",
                            answer.tsa_origins)
    if answer.holds or answer.throttles:
        blocks.append(
            _section(
                "The automation acted on what receivers said. Let it expire "
                "unless the cause is fixed; raising rates or cancelling fights it."
            )
        )
    return blocks


def build_park_answer(answer: AnswerBase) -> tuple[list[Block], str]:
    """Blocks and notification text for a park answer."""
    if isinstance(answer, QueueAnswer):
        return build_queue(answer), f"Queue summary {answer.domain or ''}".strip()
    if isinstance(answer, ProvidersAnswer):
        return build_providers(answer), "Provider summary"
    if isinstance(answer, HoldsAnswer):
        return build_holds(answer), "Holds"
    if isinstance(answer, TsaAnswer):
        return build_tsa(answer), "TSA"
    raise TypeError(f"no view for {type(answer).__name__}")
