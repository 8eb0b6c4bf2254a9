"""``explain`` and the TSA origin of holds: what a reply means and which rule did what.

Both read :class:`bot.use_cases.knowledge.ResponseKnowledge`, which ``bootstrap``
builds and hands to ``Services``.  A hold list never fails because a shaping file
is broken: its origins are then left out, and ``explain`` says what is wrong.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from bot.core.answers_explain import ExplainAnswer
from bot.core.commands import Explain
from bot.core.errors import BotError, ConfigError
from bot.core.holds import Hold, HoldMarker
from bot.core.queuenames import split_ready_queue
from bot.core.tsa_origin import TsaOrigin, tsa_origin

if TYPE_CHECKING:
    from bot.services import Services
    from bot.use_cases.knowledge import ResponseKnowledge


def _knowledge(svc: Services) -> ResponseKnowledge | None:
    return getattr(svc, "knowledge", None)


def explain_answer(svc: Services, cmd: Explain, base: dict[str, Any]) -> ExplainAnswer:
    """Classify one reply and show the TSA rules that fire on it, with action, scope, duration."""
    knowledge = _knowledge(svc)
    if knowledge is None:
        raise ConfigError("This bot was started without its response rules, so it cannot "
                          "explain replies.")
    return ExplainAnswer(explanation=knowledge.explain(cmd.response, domain=cmd.domain), **base)


def hold_origins(svc: Services, holds: Iterable[Hold]) -> dict[str, TsaOrigin]:
    """The shaping rule behind each TSA hold, by hold id (empty when rules are unusable)."""
    knowledge = _knowledge(svc)
    tsa_holds = [h for h in holds if h.origin == "tsa"]
    if knowledge is None or not tsa_holds:
        return {}
    try:
        automation = knowledge.automation()
    except BotError:
        return {}  # a broken shaping file must not take the hold list down with it
    out: dict[str, TsaOrigin] = {}
    for h in tsa_holds:
        origin = tsa_origin(automation, kind=h.kind, rule=h.rule, site=h.site, source=h.source,
                            domain=h.domain, tenant=h.tenant, campaign=h.campaign,
                            remaining=h.remaining)
        if origin is not None:
            out[h.hold_id] = origin
    return out


def marker_origins(svc: Services, markers: Iterable[HoldMarker]) -> dict[str, TsaOrigin]:
    """The same for the hold markers of a queue summary."""
    knowledge = _knowledge(svc)
    tsa_markers = {m.hold_id: m for m in markers if m.origin == "tsa"}
    if knowledge is None or not tsa_markers:
        return {}
    try:
        automation = knowledge.automation()
    except BotError:
        return {}
    out: dict[str, TsaOrigin] = {}
    for hold_id, m in tsa_markers.items():
        ready = split_ready_queue(m.tsa.site_name) if m.tsa is not None else None
        origin = tsa_origin(automation, kind=m.kind, rule=m.rule,
                            site=ready.site if ready else None,
                            source=ready.source if ready else None, remaining=m.remaining)
        if origin is not None:
            out[hold_id] = origin
    return out
