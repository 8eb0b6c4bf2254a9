"""The holds on an incident's domains now, who made each, and the out-of-band ones.

A hold is the automation's when kumod's reason says so (``automation rule: ...
(rule_hash=...)``), the bot's when the bot's SQL record has it (same stable id, or
the same UUID on a node: kumod does not echo ``--queue`` criteria), and otherwise it
was made outside the bot (kcli, curl).  Out-of-band holds are recorded on the
incident's timeline the first time anyone looks (start, note, status, resolve, the
``watch`` loop), once per hold id whichever replica saw it first.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from bot.core.answers_incident import HoldSide, IncidentHold
from bot.core.bot_holds import BotHold
from bot.core.errors import BotError
from bot.core.holds import Hold, collect_holds, holds_in_scope
from bot.core.incidents import Incident, TimelineEntry
from bot.core.models import NodeFailure
from bot.use_cases.summaries import _collect, _tsa_failures, resolve_scope

if TYPE_CHECKING:
    from bot.services import Services

OUT_OF_BAND_KEY = "out-of-band:"


def side_of(hold: Hold, bot_holds: Iterable[BotHold]) -> HoldSide:
    """Who made ``hold``: TSA, the bot, or someone outside the bot."""
    if hold.origin == "tsa":
        return "tsa"
    for mine in bot_holds:
        if mine.hold_id == hold.hold_id or any(
                mine.node_uuids.get(node) == uuid for node, uuid in hold.nodes.items()):
            return "bot"
    return "out-of-band"


def bot_holds(svc: Services, now: datetime) -> list[BotHold]:
    """The holds the bot made that are still in force (none when writes are off)."""
    return svc.writes.records.active_holds(now) if svc.writes is not None else []


def holds_now(svc: Services, domains: Iterable[str]
              ) -> tuple[list[IncidentHold], list[str], list[NodeFailure]]:
    """The holds on ``domains`` now, each with its maker; (holds, asked, failures)."""
    domains = list(domains)
    if not domains:
        return [], [], []
    answer, tsa_answer, tsa = _collect(svc, None)
    now = svc.clock.now()
    every = collect_holds(answer.results, tsa, now)
    mine = bot_holds(svc, now)
    seen: dict[str, IncidentHold] = {}
    failures = list(answer.failures) + _tsa_failures(tsa_answer)
    for domain in domains:
        try:
            scope = resolve_scope(svc, domain)
        except BotError as exc:
            failures.append(NodeFailure(node=f"dns:{domain}", kind="bad-answer",
                                        detail=exc.message))
            continue
        assert scope is not None
        for hold in holds_in_scope(every, scope):
            if hold.nodes and hold.hold_id not in seen:  # listed by kumod, not TSA-only
                seen[hold.hold_id] = IncidentHold(hold=hold, side=side_of(hold, mine))
    asked = list(answer.asked) + [f"tsa:{n}" for n in tsa_answer.asked]
    return list(seen.values()), asked, failures


def out_of_band_entry(hold: Hold, at: datetime) -> TimelineEntry:
    """The timeline's words for a hold that appeared without a bot record."""
    what = {"suspend": "suspension", "suspend-path": "path suspension",
            "bounce": "bounce"}[hold.kind]
    return TimelineEntry(
        at=at, kind="out-of-band", actor="kumod",
        text=f"A {what} made outside the bot ({hold.criteria_text}, hold {hold.hold_id}) "
        f"is listed on {', '.join(sorted(hold.nodes))}",
        quoted=hold.reason, outcome="seen", nodes={n: "listed" for n in sorted(hold.nodes)},
    )


def record_out_of_band(svc: Services, incident: Incident, holds: Iterable[IncidentHold]
                       ) -> list[TimelineEntry]:
    """Record the out-of-band holds not yet on the incident's timeline; the new entries."""
    if svc.incidents is None or incident.status != "open":
        return []
    now = svc.clock.now()
    new = []
    for item in holds:
        if item.side != "out-of-band":
            continue
        entry = out_of_band_entry(item.hold, now)
        if svc.incidents.add_entry_once(incident.id, entry,
                                        key=OUT_OF_BAND_KEY + item.hold.hold_id):
            new.append(entry)
    return new


def look_for_out_of_band(svc: Services, incident: Incident
                         ) -> tuple[list[IncidentHold], list[TimelineEntry], list[str],
                                    list[NodeFailure]]:
    """Read the holds on the incident's domains and record the out-of-band ones."""
    holds, asked, failures = holds_now(svc, incident.domains)
    return holds, record_out_of_band(svc, incident, holds), asked, failures
