"""Which shaping rule a TSA hold came from, and what cancelling it would do (REFERENCE 5.3).

kumod lists a TSA action with the reason ``automation rule: <regex>`` (several regexes
as ``(r1,r2)``), so the rule is found by that text among the loaded rules that take
an action of the hold's kind.  Cancelling a TSA hold on kumod is not the end of it:
TSA keeps the entry, pushes it again whenever kumod's subscription reconnects, and
the next matching reply starts a fresh ``duration`` (REFERENCE 5.5).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from pydantic import Field

from bot.core.automation import Automation, ScopedRule
from bot.core.durations import format_duration
from bot.core.hold_ids import HoldKind
from bot.core.models import Model
from bot.core.tsa_effects import RecordContext, RuleView, describe_rule

_KINDS: dict[str, tuple[str, ...]] = {
    "suspend-path": ("Suspend",),
    "suspend": ("SuspendTenant", "SuspendCampaign"),
    "bounce": ("Bounce", "BounceTenant", "BounceCampaign"),
}


class TsaOrigin(Model):
    """The shaping rule behind a TSA hold (if the loaded files have it) and the cancel story."""

    found: bool
    rules: list[RuleView] = Field(default_factory=list)
    summary: str
    on_cancel: str


def tsa_origin(
    automation: Automation,
    *,
    kind: HoldKind,
    rule: str | None,
    site: str | None = None,
    source: str | None = None,
    domain: str | None = None,
    tenant: str | None = None,
    campaign: str | None = None,
    remaining: timedelta | None = None,
) -> TsaOrigin | None:
    """The origin of one TSA hold; None when the hold carries no rule text."""
    if rule is None:
        return None
    candidates = automation.rules_with_reason(rule, _KINDS[kind])
    candidates = _narrow(candidates, site) or candidates
    ctx = RecordContext(domain=domain or (f"the domains of site {site}" if site else "the domain"),
                        site=site, source=source, tenant=tenant, campaign=campaign)
    views = [describe_rule(c, ctx) for c in candidates]
    files = ", ".join(automation.policy.file_names) or "no shaping file"
    if not views:
        return TsaOrigin(
            found=False,
            summary=(f"no rule with this regex in the loaded shaping files ({files}): "
                     "tsa-daemon runs other files than KUMO_SHAPING_FILES lists, or they changed"),
            on_cancel=_on_cancel(kind, None, remaining),
        )
    first = views[0]
    actions = ", ".join(a.text for a in first.actions)
    summary = (f"{first.scope_text} rule {first.number} in {first.file}: {actions} for "
               f"{first.duration_text}, {_when(first)}")
    if len(views) > 1:
        summary += f" (or one of {len(views) - 1} more rules with the same regex)"
    return TsaOrigin(found=True, rules=views, summary=summary,
                     on_cancel=_on_cancel(kind, candidates[0], remaining))


def _when(view: RuleView) -> str:
    if view.threshold is None:
        return "on every matching reply"
    return f"after {view.threshold} matching replies within {format_duration(view.duration)}"


def _narrow(candidates: Sequence[ScopedRule], site: str | None) -> list[ScopedRule]:
    """Keep the rules whose scope can apply to ``site`` (a site rule must be that site)."""
    if site is None:
        return list(candidates)
    return [c for c in candidates
            if not c.scope.startswith("site:") or c.scope == f"site:{site}"]


def _on_cancel(kind: HoldKind, scoped: ScopedRule | None, remaining: timedelta | None) -> str:
    what = {"suspend-path": "the path resumes sending at once",
            "suspend": "the queues resume at once",
            "bounce": "kumod stops bouncing (what it already bounced is gone)"}[kind]
    left = f" for the {format_duration(remaining)} it has left" if remaining else ""
    again = ("the next matching reply starts it again"
             if scoped is None else
             f"the next matching reply starts a fresh {scoped.rule.duration_text}")
    return (f"If cancelled on kumod, {what}, but TSA still holds it{left} and pushes it again "
            f"when kumod reconnects to TSA, and {again}. The receiver caused it: fix the cause "
            "or let it expire.")
