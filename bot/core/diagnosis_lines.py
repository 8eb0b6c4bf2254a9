"""Evidence lines about replies and queues, shared by the findings of ``diagnose``.

Replies are grouped by the tally and classified by the use case; these helpers
sort them (brake, block, dead address, by the text, never the digit alone: DESIGN
1.1) and write the lines a finding rests on, each with its numbers and ages.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.diagnosis_model import ExplainedGroup, Line, ParkRead, RepliesRead
from bot.core.diagnosis_words import (
    line,
    names,
    per_hour,
    plural,
    q,
    quoted_reply,
    rate,
    span,
    where,
)
from bot.core.durations import format_duration
from bot.core.explanation import Explanation
from bot.core.guard_file import DiagnosisThresholds

BRAKE, BLOCK = "rate_limit_brake", "reputation_block"

NO_RETRY_STORM = ("Do not retry at full speed or raise rates to clear the queue: the brake "
                  "only tightens, and your reputation pays for it.")
NO_SUPPRESS_BLOCK = ("Do not bounce the mail or suppress these recipients: the addresses are not "
                     "dead, and it would poison the suppression list.")
ONE_CHANGE = "Do not change several things at once: one change, then read the replies again."


def is_5xx(g: ExplainedGroup) -> bool:
    """A permanent reply by its digit."""
    return g.group.code is not None and g.group.code // 100 == 5


def is_dead(g: ExplainedGroup) -> bool:
    """A 5xx saying the address is dead: the only replies that may suppress it."""
    return g.explanation.classification.should_suppress_recipient


def category(g: ExplainedGroup) -> str:
    """The classifier's category of the group."""
    return g.explanation.classification.category


def label(groups: Sequence[ExplainedGroup], domain: str) -> str:
    """Who sent these replies: the provider's name, or the domain's receiver."""
    labels = {g.explanation.classification.provider_label for g in groups}
    labels.discard(None)
    return str(labels.pop()) if len(labels) == 1 else f"{domain}'s receiver"


def by_provider(groups: Sequence[ExplainedGroup]) -> list[list[ExplainedGroup]]:
    """Groups of the same provider together, largest first."""
    out: dict[str | None, list[ExplainedGroup]] = {}
    for g in groups:
        out.setdefault(g.explanation.classification.provider, []).append(g)
    return sorted(out.values(), key=lambda gs: -sum(g.group.count for g in gs))


def reply_evidence(g: ExplainedGroup, domain: str, now: datetime, recent: timedelta) -> Line:
    """``90 × `421 4.7.0 [TSS04] ...` from Yahoo between 73 and 72 min ago on ip-1, ...``."""
    c = g.explanation.classification
    who = c.provider_label or f"{domain}'s receiver"
    part = (f"; {g.recent:,} of them in the last {format_duration(recent)}"
            if 0 < g.recent < g.group.count else "")
    return line(f"{g.group.count:,} × ", quoted_reply(g.group),
                f" from {who} {span(g.group.first_seen, g.group.last_seen, now)} "
                f"{where(g.group)}{part}. It reads as: {c.meaning}")


def gap_note(e: Explanation) -> str | None:
    """The note saying a rule would catch this reply but for its wording (REFERENCE 5.7 "Gap":
    the default file's Microsoft regex wants a bare IP, Microsoft brackets it)."""
    return next((n for n in e.notes if "do not catch it" in n), None)


def rules_line(g: ExplainedGroup, domain: str, *, rules_checked: bool,
               tsa_holds_here: bool) -> Line:
    """Whether KumoMTA's automation catches this reply, and what that means now."""
    e = g.explanation
    files = ", ".join(e.files) or "no shaping file"
    if not rules_checked:
        return line("TSA: which automation rules fire on it is unknown: the shaping files "
                    "could not be loaded.")
    if not e.fired:
        providers = (f"; shaping provider {names(e.shaping_providers)} has no rule for it"
                     if e.shaping_providers else "")
        text = (f"TSA is not acting on it: no automation rule in {files} fires on this reply "
                f"for {domain}{providers}.")
        notes = [n for n in e.notes if not n.startswith("No automation rule")]
        gap = [n for n in (gap_note(e),) if n is not None]
        if gap:
            # The note says why in full (REFERENCE 5.7 "Gap"); keep its second sentence on.
            text += " " + gap[0].split(". ", 1)[-1]
            notes = [n for n in notes if n not in gap]
        inert = [f"{o.rule.scope_text} rule {o.rule.number} ({o.why})" for o in e.others]
        if inert:
            text += " Rules that match it but do not fire: " + "; ".join(inert) + "."
        return line(text, *(f" {n}" for n in notes))
    fired = "; ".join(
        f"{v.scope_text} rule {v.number} in {v.file} ({', '.join(a.text for a in v.actions)} "
        f"for {v.duration_text}, {'at once' if v.threshold is None else f'after {v.threshold}'})"
        for v in e.fired)
    if tsa_holds_here:
        return line(f"TSA acts on it: {fired}.")
    return line(f"TSA rules fire on it ({fired}) but hold nothing on {domain} now: the "
                "threshold was not reached on one path, or the action already expired.")


def split_line(replies: RepliesRead) -> Line:
    """Temporary vs permanent, dead addresses vs blocks: what a bounce storm is made of."""
    fives = [g for g in replies.groups if is_5xx(g)]
    dead = sum(g.group.count for g in fives if is_dead(g))
    blocks = sum(g.group.count for g in fives if category(g) == BLOCK)
    temporary = sum(g.group.count for g in fives
                    if not is_dead(g) and category(g) != BLOCK
                    and g.explanation.classification.temporary_in_nature)
    other = replies.bounces - dead - blocks - temporary
    fours = [g for g in replies.groups if not is_5xx(g)]
    brakes = sum(g.group.count for g in fours if category(g) == BRAKE)
    return line(
        f"Split of the {replies.bounces:,} × 5xx: {dead:,} dead addresses (suppress), "
        f"{blocks:,} blocks (never suppress), {temporary:,} temporary conditions sent as 5xx "
        f"(never suppress), {other:,} other. And {replies.deferrals:,} × 4xx deferrals that "
        f"kumod retries ({brakes:,} of them rate-limit brakes).")


def spike(replies: RepliesRead, th: DiagnosisThresholds) -> Line | None:
    """A sudden mass of 5xx: the recent part of the window against the earlier part."""
    recent, base = replies.recent_bounces, replies.baseline_bounces
    if recent < th.spike_min_replies:
        return None
    floor = max(per_hour(base, th.baseline), th.baseline_floor_per_hour)
    if per_hour(recent, th.recent) < th.spike_ratio * floor:
        return None
    before = (f"{base:,} in the {format_duration(th.baseline)} before ({rate(base, th.baseline)})"
              if base else f"none in the {format_duration(th.baseline)} before")
    return line(f"A sudden mass: {recent:,} × 5xx in the last {format_duration(th.recent)} "
                f"({rate(recent, th.recent)}) against {before}: it is happening now.")


def queue_line(park: ParkRead | None) -> Line | None:
    """``28,140 messages in 3 scheduled queues (...); 0 in the ready queues``."""
    if park is None:
        return None
    rows = sorted(park.scheduled, key=lambda s: -s.count)
    listed = ", ".join(f"{s.name} {s.count:,}" for s in rows[:4] if s.count)
    return line(f"{plural(park.queued, 'message')} in "
                f"{plural(len(park.scheduled), 'scheduled queue')}",
                *((" (", q(listed), ")") if listed else ()),
                f"; {park.ready_queued:,} in the ready queues of "
                f"{plural(len(park.ready), 'egress path')}.")


def bounce_queue_line(replies: RepliesRead) -> Line | None:
    """Which queues (tenants, campaigns) the newest 5xx came from."""
    if not replies.bounce_queues:
        return None
    sampled = sum(replies.bounce_queues.values())
    top = sorted(replies.bounce_queues.items(), key=lambda kv: -kv[1])[:5]
    return line(f"The newest {sampled:,} × 5xx came from the queues ",
                q(", ".join(f"{name} ({count:,})" for name, count in top)),
                ": the tenant and campaign behind them.")
