"""Block Kit for ``trend``: held or draining, the rates, the times to empty, sparklines.

Queue names and shaping origins come from the park and the shaping files: untrusted
text, quoted with ``code``.  Times use Slack's date formatting with their age.
"""

from __future__ import annotations

from typing import Any

from bot.adapters.slack.blocks import context as _context
from bot.adapters.slack.blocks import section as _section
from bot.adapters.slack.slack_dates import slack_date
from bot.adapters.slack.text import clip, code, code_block, escape
from bot.core.answers import AnswerBase
from bot.core.answers_trend import TrendAnswer
from bot.core.durations import format_duration
from bot.core.trend import (
    RATE_WINDOW,
    DrainEstimate,
    TrendPoint,
    counted_overrides,
    format_span,
    override_words,
    sparkline,
)

Block = dict[str, Any]
SPARK_WIDTH = 60


def _rate(value: float | None) -> str:
    return "?" if value is None else f"{value:,.0f}/min"


def _per_minute(points: list[TrendPoint], field: str) -> list[float]:
    """A count per point as a rate a minute (points may be minutes or hours apart)."""
    return [float(getattr(p, field)) / (p.minutes or 1.0) for p in points]


def render_sparklines(answer: TrendAnswer) -> str:
    """Three labelled sparklines (queued, delivered, deferred), as plain text."""
    points = answer.points[-SPARK_WIDTH:]
    if not points:
        return "(no samples yet)"
    queued = [float(p.queued) for p in points]
    moved = points[1:] or points
    lines = [
        f"queued     {sparkline(queued):<{SPARK_WIDTH}}  {points[0].queued:,} → "
        f"{points[-1].queued:,}",
        f"delivered  {sparkline(_per_minute(moved, 'delivered')):<{SPARK_WIDTH}}  "
        f"{sum(p.delivered for p in moved):,} in the window",
        f"deferred   {sparkline(_per_minute(moved, 'deferred')):<{SPARK_WIDTH}}  "
        f"{sum(p.deferred for p in moved):,} in the window",
    ]
    return "\n".join(lines)


def _verdict(answer: TrendAnswer, est: DrainEstimate) -> str:
    now = answer.generated_at
    if est.suspended_paths and est.resume_at is not None:
        head = (f":double_vertical_bar: *Held*: {est.suspended_paths} of {est.paths} egress "
                f"paths suspended until {slack_date(est.resume_at, now=now)}")
    elif est.draining_per_min and est.drain_observed is not None:
        head = ":arrow_down: *Draining*"
    elif est.arriving_per_min and not est.draining_per_min:
        head = ":arrow_up: *Not draining*: mail arrives and nothing leaves"
    else:
        head = ":left_right_arrow: *Steady*"
    growth = ""
    if est.arriving_per_min is not None and est.draining_per_min is not None:
        net = est.arriving_per_min - est.draining_per_min
        growth = ("flat" if abs(net) < 0.5 else
                  f"growing {net:,.0f}/min" if net > 0 else f"shrinking {-net:,.0f}/min")
    lines = [head, f"Queued now: *{est.queued:,}*" + (f" ({growth})" if growth else ""),
             f"Arriving {_rate(est.arriving_per_min)} · delivered {_rate(est.draining_per_min)}"
             f" · allowed {'up to ' if est.allowed_is_ceiling else ''}"
             f"{_rate(est.allowed_per_min)}"
             + (" once the paths resume" if est.resume_at else "")]
    if est.growing_faster_than_allowed:
        lines.append(":warning: *Growing faster than it can legally drain*: mail arrives "
                     "faster than the shaping lets it leave. Raising limits to clear it is "
                     "the wrong reflex; slow what is injected, or accept the backlog.")
    return "\n".join(lines)


def _drain(answer: TrendAnswer, est: DrainEstimate) -> str:
    now = answer.generated_at
    least = "at least " if est.allowed_is_ceiling and est.drain_allowed else ""
    allowed = f"*{least}{escape(format_span(est.drain_allowed))}*"
    if est.drain_allowed is not None:
        allowed += f" (empty about {slack_date(now + est.drain_allowed, now=now)})"
    lines = [f"*Time to drain* at the allowed rate: {allowed}",
             f"at the rate observed now: {escape(format_span(est.drain_observed))}"]
    if est.allowed_basis:
        when = (f"the shaping in force at {slack_date(answer.shaping_at, now=now)}"
                if answer.shaping_at and answer.shaping_at > now else "the shaping in force now")
        lines.append(f"Allowed = {when}: {escape(est.allowed_basis)}")
    lines.extend(_override_lines(answer))
    return "\n".join(lines)


def _override_lines(answer: TrendAnswer) -> list[str]:
    """The bot's own overrides the allowed rate counts, and whether one ends too soon."""
    now, est = answer.generated_at, answer.estimate
    empty = None if est.drain_allowed is None else now + est.drain_allowed  # None: never
    lines = []
    for override, sources in counted_overrides(answer.limits):
        line = f"Counted: the bot's own override {code(override_words(override, sources))}"
        if override.expires is not None:
            line += f" until {slack_date(override.expires, now=now)}"
            if empty is None or override.expires < empty:
                line += (": it ends before the queue would be empty, and the rate falls "
                         "back to the layer below it then")
        if override.reason:
            line += f" ({escape(clip(override.reason, 200))})"
        lines.append(line)
    return lines


def build_trend(answer: TrendAnswer) -> list[Block]:
    """The blocks of a trend answer."""
    est = answer.estimate
    now = answer.generated_at
    blocks: list[Block] = [
        {"type": "header", "text": {"type": "plain_text",
                                    "text": clip(f"Trend: {answer.domain}", 150)}},
        _context(escape(answer.scope_sentence)),
    ]
    if not answer.points:
        blocks.append(_section(
            f"No metric history for the last {escape(format_duration(answer.since))} yet: "
            "the sampler stores one snapshot a minute while `kumo-bot watch` (or the demo) "
            "runs."))
        return blocks
    blocks.append(_section(_verdict(answer, est)))
    blocks.append(_section(_drain(answer, est)))
    blocks.append(_section(code_block(render_sparklines(answer))))
    origins = sorted({f"{lim.source}: rate {lim.max_message_rate or '-'}, "
                      f"connections {lim.connection_limit or '-'}" for lim in answer.limits})
    if origins:
        blocks.append(_context("Paths (per node): " + ", ".join(code(o) for o in origins[:6])))
    span = ""
    if answer.first_sample and answer.last_sample:
        every = ("one a minute" if answer.step is None else
                 f"one per {escape(format_duration(answer.step))}, the newest "
                 f"{RATE_WINDOW + 1} a minute")
        span = (f"Samples from {slack_date(answer.first_sample, now=now)} to "
                f"{slack_date(answer.last_sample, now=now)}, {every}; ")
    blocks.append(_context(span + f"window {escape(format_duration(answer.since))}."
                           + "".join(" " + escape(n) for n in est.notes)))
    return blocks


def build_trend_answer(answer: AnswerBase) -> tuple[list[Block], str] | None:
    """The blocks and title of a trend answer; None for any other answer."""
    if not isinstance(answer, TrendAnswer):
        return None
    return build_trend(answer), f"Trend: {answer.domain}"
