"""What a TSA rule does when it fires, and when it fires (REFERENCE 5.3, 5.6).

Thresholds follow tsa-daemon's code, not its docs: only the limit N of
``{Threshold="N/period"}`` counts, over a window equal to the rule's ``duration``,
per rule and egress path; the period is ignored.  An action's scope is the table of
REFERENCE 5.6 (``Bounce`` takes the tenant whenever the record's queue has one).
The values here are plain models, so answers can carry them as JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.automation import RuleHit, ScopedRule
from bot.core.durations import format_duration
from bot.core.models import Model
from bot.core.shaping_files import Action, Rule

_DESTRUCTIVE = frozenset({"Bounce", "BounceTenant", "BounceCampaign"})


class RecordContext(Model):
    """What is known about the record a reply came in (all optional for ``explain``)."""

    domain: str
    site: str | None = None
    source: str | None = None
    tenant: str | None = None
    campaign: str | None = None


class ActionView(Model):
    """One action of a rule, with what it would do to this record."""

    kind: str
    name: str | None = None
    value: str | None = None
    text: str
    effect: str
    destructive: bool = False


class RuleView(Model):
    """A TSA rule, described for people and for ``--json``."""

    file: str
    scope: str
    scope_text: str
    number: int
    regex: str
    """The regex (of the rule's list) that found the reply."""
    reason_regex: str
    trigger: str
    threshold: int | None = None
    duration: timedelta
    duration_text: str
    fires: str
    actions: list[ActionView]
    mx_rollup: bool


def fires_text(rule: Rule) -> str:
    """``at once`` or ``on the 2nd matching reply within 2h on one egress path``."""
    if rule.threshold is None:
        return "at once, on every matching reply (Immediate)"
    window = format_duration(rule.duration)
    return (
        f"on the {_ordinal(rule.threshold)} matching reply within {window} on one egress "
        f"path (tsa-daemon counts over the rule's duration; the /{_period(rule)} in "
        f"{rule.threshold_text} is ignored)"
    )


def _period(rule: Rule) -> str:
    return (rule.threshold_text or "").partition("/")[2].strip() or "period"


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def threshold_reached(rule: Rule, match_times: Sequence[datetime], at: datetime) -> bool:
    """Would the rule fire at ``at``, given when matching replies came on one path?

    Immediate rules fire on any match; Threshold rules when at least N matches fall in
    ``[at - duration, at]`` (the period of the spec is ignored, as tsa-daemon does).
    """
    if rule.threshold is None:
        return any(t <= at for t in match_times)
    start = at - rule.duration
    return sum(1 for t in match_times if start <= t <= at) >= rule.threshold


def action_effect(action: Action, scoped: ScopedRule, ctx: RecordContext) -> str:
    """What this action does to this record, as REFERENCE 5.6's action table says."""
    rule = scoped.rule
    lasting = f"for {format_duration(rule.duration)} from the triggering reply"
    domain = ctx.domain
    path = (f"`{ctx.source}->{ctx.site}@smtp_client`" if ctx.source and ctx.site
            else f"the egress path it came on (one source × site {ctx.site or '?'})")
    tenant = f"tenant `{ctx.tenant}`" if ctx.tenant else "the queue's tenant"
    match action.kind:
        case "Suspend":
            return f"suspends {path} {lasting}; other sources keep sending"
        case "SetConfig" | "SetDomainConfig":
            rollup = action.kind == "SetConfig" and scoped.was_rollup
            reach = (f"every domain on site {ctx.site or '?'} (mx_rollup=true)" if rollup
                     else f"{domain} only (mx_rollup=false)")
            source = f"source `{ctx.source}`" if ctx.source else "the source it came on"
            return f"sets {action.name}={action.value} on {source} for {reach}, {lasting}"
        case "SuspendTenant":
            if ctx.tenant is None and ctx.source is not None:
                return "no effect: the record's queue has no tenant (tsa-daemon logs an error)"
            return f"suspends {tenant}'s mail for {domain} {lasting} (no effect without a tenant)"
        case "SuspendCampaign":
            campaign = f"campaign `{ctx.campaign}`" if ctx.campaign else "the queue's campaign"
            return (f"suspends {tenant}'s {campaign} for {domain} {lasting} "
                    "(like SuspendTenant when there is no campaign)")
        case "Bounce":
            who = (f"{tenant}'s mail for {domain}" if ctx.tenant
                   else f"every queued message for {domain} (only the tenant's when the "
                   "record's queue has one)")
            return f"BOUNCES {who} {lasting}: destroyed, not retried"
        case "BounceTenant":
            return f"BOUNCES {tenant}'s mail for {domain} {lasting} (needs a tenant)"
        case "BounceCampaign":
            return f"BOUNCES {tenant}'s campaign mail for {domain} {lasting}"
    return action.text


def describe_hit(hit: RuleHit, ctx: RecordContext) -> RuleView:
    """A rule that fires, with each action's effect on this record."""
    return describe_rule(hit.scoped, ctx, regex=hit.regex)


def describe_rule(scoped: ScopedRule, ctx: RecordContext, *, regex: str | None = None) -> RuleView:
    """A rule with each action's effect on this record."""
    rule = scoped.rule
    return RuleView(
        file=rule.file,
        scope=scoped.scope,
        scope_text=scoped.scope_text,
        number=rule.number,
        regex=regex if regex is not None else rule.reason_regex,
        reason_regex=rule.reason_regex,
        trigger=rule.trigger_text,
        threshold=rule.threshold,
        duration=rule.duration,
        duration_text=rule.duration_text,
        fires=fires_text(rule),
        actions=[
            ActionView(
                kind=a.kind,
                name=a.name,
                value=None if a.value is None else str(a.value),
                text=a.text,
                effect=action_effect(a, scoped, ctx),
                destructive=a.kind in _DESTRUCTIVE,
            )
            for a in rule.actions
        ],
        mx_rollup=scoped.was_rollup,
    )
