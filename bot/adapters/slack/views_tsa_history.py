"""Block Kit for ``tsa history``: the rules that fired, each action's moments, the gaps.

Rule texts, scopes and responses come from tsa-daemon and from receivers: every one
is escaped (``code``) and clipped; the blocks stop before Slack's 50-block limit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.adapters.slack.blocks import section as _section
from bot.adapters.slack.text import clip, code, escape
from bot.core.answers import AnswerBase
from bot.core.durations import format_duration
from bot.core.tsa_history import DiaryEntry, DiaryGap, RuleFired, TsaHistoryAnswer

Block = dict[str, Any]
MAX_ENTRIES = 25
MAX_MOMENTS = 6
_KIND = {"suspend-path": "🛑 suspend path", "suspend": "🛑 suspend queues",
         "bounce": "🗑️ bounce", "throttle": "🐌 throttle"}
_END = {"expired": "expired", "cancelled": "cancelled on kumod", "vanished": "vanished early"}


def _t(at: datetime) -> str:
    return f"{at:%m-%d %H:%M}"


def _rule(rule: RuleFired) -> str:
    kinds = ", ".join(_KIND[k] for k in rule.kinds)
    lasting = ", ".join(format_duration(d) for d in rule.durations) or "unknown"
    lines = [f"*Rule* {code(clip(rule.rule, 300))}",
             f"{kinds}: {rule.actions} action(s), {rule.refreshes} refresh(es), "
             f"each for {lasting}; {rule.active} still active"]
    lines += [f"• on {code(clip(r.text, 300))} ×{r.count}" for r in rule.responses]
    return "\n".join(lines)


def _entry(entry: DiaryEntry, now: datetime) -> str:
    cancelled = (" — cancelled on kumod, but TSA still holds it and pushes it again on "
                 "reconnect or when the rule fires" if entry.end_reason == "cancelled" else "")
    state = (f"active until {_t(entry.expires)} ({format_duration(entry.expires - now)} left)"
             f"{cancelled}" if entry.active_at(now) else
             f"{_END.get(entry.end_reason or 'expired', 'ended')} "
             f"{_t(entry.ended_at or entry.expires)}")
    origin = " (out of band)" if entry.origin == "out-of-band" else ""
    lines = [f"{_KIND[entry.kind]}{origin} {code(clip(entry.scope_text, 300))}",
             f"started {_t(entry.first_seen)} until {_t(entry.first_expires)}; "
             f"refreshed {entry.refreshes}×; {state}"]
    later = entry.moments[1:]
    shown = later[-MAX_MOMENTS:]
    if len(later) > len(shown):
        lines.append(f"  … {len(later) - len(shown)} earlier refresh moment(s)")
    lines += [f"  ↻ {_t(m.at)} → until {_t(m.expires)}"
              + (f" ({m.events} events)" if m.events > 1 else "") for m in shown]
    return "\n".join(lines)


def _gap(gap: DiaryGap, now: datetime) -> str:
    end = _t(gap.ended) if gap.ended else "now"
    return (f"⚠️ *Gap* {_t(gap.started)} – {end} ({escape(gap.tsa)}): {escape(gap.detail)}; "
            "refreshes in this window may be missing (polls still saw starts and ends)")


def build_tsa_history(answer: TsaHistoryAnswer) -> list[Block]:
    """The history: rules first, then each action with its moments, gaps as gaps."""
    now = answer.generated_at
    where = f" for {answer.domain}" if answer.domain else ""
    blocks = [_section(f"*What Traffic Shaping Automation did{escape(where)}* since "
                       f"{_t(answer.since)} UTC")]
    if not answer.entries:
        blocks.append(_section("_The diary holds no automation action in this window._"))
    blocks += [_section(_rule(r)) for r in answer.rules[:10]]
    if answer.responses_note:
        blocks.append(_section(f"_{escape(answer.responses_note)}_"))
    entries = answer.entries[-MAX_ENTRIES:]
    if len(answer.entries) > len(entries):
        blocks.append(_section(f"_{len(answer.entries) - len(entries)} older action(s) "
                               "not shown; narrow with DOMAIN or `--since`._"))
    blocks += [_section(_entry(e, now)) for e in entries]
    blocks += [_section(_gap(g, now)) for g in answer.gaps[-5:]]
    return blocks


def build_tsa_history_answer(answer: AnswerBase) -> tuple[list[Block], str] | None:
    """Blocks and notification text, or None when ``answer`` is not a TSA history."""
    if isinstance(answer, TsaHistoryAnswer):
        return build_tsa_history(answer), "TSA history"
    return None
