"""The post-mortem's sections, from the incident, its timeline and what was read for it.

Pure: the use case (``bot.use_cases.postmortem``) reads the logs, the metric history,
the park and the stores, then hands the results here.  Each section is rows, or a
sentence saying why there are none.  Entries are ordered by time, then by kind and
text, so ties never depend on the order a store returned them in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.impact import Impact
from bot.core.incidents import Incident, TimelineEntry
from bot.core.postmortem import (
    ActionLine,
    EarlierIncident,
    Pattern,
    PostmortemDoc,
    QueuedAtResolve,
    span_text,
    utc_text,
)

FOLLOW_UP_PREFIXES = ("follow-up:", "follow up:", "followup:", "todo")
"""A note that starts with one of these (any case) is a follow-up."""


@dataclass(frozen=True)
class Readings:
    """What the use case read for the post-mortem; ``*_why`` when a reading is missing."""

    now: datetime
    until: datetime
    impact: Impact | None = None
    impact_why: str | None = None
    impact_notes: tuple[str, ...] = ()
    queued: QueuedAtResolve | None = None
    queued_why: str | None = None
    chart_file: str | None = None
    earlier: tuple[Incident, ...] | None = None
    earlier_why: str | None = None
    tsa_before: tuple[str, ...] | None = None
    tsa_before_why: str | None = None
    holds_left: tuple[str, ...] | None = None
    holds_why: str | None = None
    extra_notes: tuple[str, ...] = field(default=())


_RANK: dict[str, int] = {
    "opened": 0, "tsa": 1, "out-of-band": 2, "command": 3, "request": 4, "approval": 5,
    "change": 6, "playbook": 7, "note": 8, "resolved": 9,
}


def ordered(entries: Sequence[TimelineEntry]) -> list[TimelineEntry]:
    """Entries by time, then kind (the timeline's order), text and actor: a stable order
    whatever the source returned them in."""
    return sorted(entries, key=lambda e: (e.at, _RANK.get(e.kind, 99), e.text, e.actor or "",
                                          e.quoted or "", e.correlation_id or ""))


def _entry_text(entry: TimelineEntry) -> str:
    return (entry.quoted or entry.text).strip()


def is_follow_up(entry: TimelineEntry) -> bool:
    """A note whose words start with ``follow-up:`` or ``TODO``."""
    return entry.kind == "note" and _entry_text(entry).lower().startswith(FOLLOW_UP_PREFIXES)


def is_playbook_answer(entry: TimelineEntry) -> bool:
    """A playbook step answered: a choice pressed (``playbook NAME: choose STEP CHOICE``)
    or an answer recorded, not the run's start or a Done."""
    if entry.kind != "playbook":
        return False
    words = f" {entry.quoted or ''} {entry.text} ".lower()
    return " choose " in words or " answer" in words


def _node_result(result: str) -> str:
    """A node's result for the table: ``ok`` alone (the ids a write returns say nothing
    to a reader); anything else with its detail, cut short."""
    outcome, _, detail = result.partition(": ")
    if outcome == "ok" or not detail:
        return outcome
    return f"{outcome}: {detail[:120]}"


def _agreed(entry: TimelineEntry, confirmed: set[str]) -> str | None:
    """Who let the change run: the requester's own Confirm, or a second person's sign-off."""
    if entry.kind == "approval":
        if entry.approver:
            return f"approved by {entry.approver}"
        return "confirmed by the requester" if entry.outcome == "confirmed" else None
    if entry.kind == "change":
        if entry.approver:
            return f"approved by {entry.approver}"
        if entry.correlation_id in confirmed:
            return "confirmed by the requester"
    return None


def _action(entry: TimelineEntry, confirmed: set[str]) -> ActionLine:
    return ActionLine(
        at=entry.at, kind=entry.kind, text=entry.text, quoted=entry.quoted,
        requester=entry.actor if entry.kind != "approval" else None,
        approver=entry.approver, agreed=_agreed(entry, confirmed), outcome=entry.outcome,
        nodes=[f"{n}: {_node_result(r)}" for n, r in sorted(entry.nodes.items())],
    )


def _summary(incident: Incident, readings: Readings, entries: list[TimelineEntry]) -> list[str]:
    out = [f"{incident.title}: incident {incident.id}, opened by {incident.opened_by} at "
           f"{utc_text(incident.opened_at)}."]
    if incident.resolved_at is not None:
        out.append(f"Resolved by {incident.resolved_by or 'unknown'} at "
                   f"{utc_text(incident.resolved_at)}, after "
                   f"{span_text((incident.resolved_at - incident.opened_at).total_seconds())}.")
    else:
        out.append("Still open when this was generated.")
    domains = ", ".join(incident.domains) or "no domain named"
    out.append(f"Domains: {domains}.")
    impact = readings.impact
    if impact is not None:
        t = impact.totals
        out.append(f"Over the window the receivers answered with {t.deferrals:,} deferrals, "
                   f"{t.bounces:,} bounces and {t.deliveries:,} deliveries for these domains; "
                   f"KumoMTA itself logged {impact.internal_total:,} internal records (mail it "
                   "held back: a suspended path, no eligible source), counted apart.")
    if readings.queued is not None:
        out.append(f"Still queued at the end: {readings.queued.total:,} ({readings.queued.basis}).")
    changes = [e for e in entries if e.kind == "change"]
    tsa = sum(e.kind == "tsa" and e.outcome == "started" for e in entries)
    out.append(f"{len(changes)} change(s) made through the bot; TSA took {tsa} action(s) "
               "on these domains (see What TSA did).")
    return out


def _pattern(incident: Incident, readings: Readings) -> Pattern:
    notes: list[str] = []
    earlier: list[EarlierIncident] = []
    if readings.earlier is None:
        notes.append(readings.earlier_why or "Earlier incidents could not be read.")
    else:
        own = set(incident.domains)
        for other in sorted(readings.earlier, key=lambda i: (i.opened_at, i.id), reverse=True):
            if other.id == incident.id or other.opened_at >= incident.opened_at:
                continue
            if own & set(other.domains):
                earlier.append(EarlierIncident(id=other.id, title=other.title,
                                               opened_at=other.opened_at,
                                               domains=other.domains, status=other.status))
    tsa_before = sorted(readings.tsa_before or ())
    if readings.tsa_before is None:
        notes.append(readings.tsa_before_why or "TSA's earlier actions could not be read.")
    if earlier or tsa_before:
        parts = []
        if earlier:
            parts.append(f"{len(earlier)} earlier incident(s) on the same domains")
        if tsa_before:
            parts.append(f"{len(tsa_before)} TSA action(s) on them in the 7 days before")
        verdict = "Part of a pattern: " + " and ".join(parts) + "."
    elif notes:
        verdict = "Isolated as far as could be checked: nothing earlier was found in what " \
                  "could be read (see below)."
    else:
        verdict = ("Isolated: no earlier incident on these domains, and TSA took no action "
                   "on them in the 7 days before.")
    return Pattern(verdict=verdict, earlier=earlier, tsa_before=tsa_before, notes=notes)


def _followups(entries: list[TimelineEntry], readings: Readings) -> tuple[list[str], str | None]:
    out = [f"Hold still in place when this was generated: {text}"
           for text in sorted(readings.holds_left or ())]
    out += [f"Noted by {e.actor or 'someone'} at {utc_text(e.at)}: {_entry_text(e)}"
            for e in entries if is_follow_up(e)]
    out += [f"The guard refused {_entry_text(e)} ({e.actor or 'someone'}, {utc_text(e.at)}): "
            "decide whether it is still needed, and how to do it safely."
            for e in entries if e.kind == "request" and e.outcome == "refused"]
    if out:
        return out, None
    why = ("No follow-ups: no note starts with `follow-up:` or `TODO`, and the guard refused "
           "no request.")
    if readings.holds_left is None:
        why += f" Holds left in place could not be read: {readings.holds_why or 'unknown'}."
    else:
        why += " No hold on these domains was left in place."
    return out, why


def _approvals_why(entries: list[TimelineEntry]) -> str | None:
    if any(e.kind == "approval" and e.approver for e in entries):
        return None
    if any(e.kind == "request" for e in entries):
        return ("No second person's approval: no dangerous action was requested (a change "
                "needs only its requester's Confirm).")
    return "No approvals: no change was requested under this incident."


def build_postmortem(incident: Incident, timeline: Sequence[TimelineEntry],
                     readings: Readings) -> PostmortemDoc:
    """The whole document: each section's rows, or why it has none."""
    entries = ordered(timeline)
    resolved = incident.resolved_at is not None
    tsa = [e for e in entries if e.kind == "tsa"]
    confirmed = {e.correlation_id or "" for e in entries
                 if e.kind == "approval" and e.outcome == "confirmed"}
    actions = [_action(e, confirmed) for e in entries
               if e.kind in ("request", "approval", "change")]
    causes = [e for e in entries if (e.kind == "note" and not is_follow_up(e))
              or is_playbook_answer(e)]
    changes = [e for e in entries
               if (e.kind == "change" and e.outcome not in ("refused", "error"))
               or e.kind == "out-of-band"]
    followups, followups_why = _followups(entries, readings)
    chart_why = None
    if readings.impact is None:
        chart_why = "No chart: " + (readings.impact_why or "the impact could not be computed.")
    elif not readings.impact.buckets:
        chart_why = ("No chart: the logs hold no deferral, bounce or delivery (nor KumoMTA "
                     "internal record) for these domains in the window.")
    return PostmortemDoc(
        incident=incident, generated_at=readings.now,
        window_since=incident.opened_at, window_until=readings.until,
        window_note=("from the open to the resolve" if resolved else
                     "still open: from the open to the time this was generated"),
        duration=span_text((readings.until - incident.opened_at).total_seconds()),
        summary=_summary(incident, readings, entries),
        impact=readings.impact, impact_why=readings.impact_why,
        impact_notes=[*readings.impact_notes, *readings.extra_notes],
        queued=readings.queued, queued_why=readings.queued_why,
        chart_file=readings.chart_file if chart_why is None else None, chart_why=chart_why,
        timeline=entries,
        timeline_why=None if entries else "Nothing was filed under this incident.",
        tsa=tsa,
        tsa_why=None if tsa else ("TSA took no recorded action while the incident was open "
                                  "(from the TSA diary the watcher keeps)."),
        actions=actions,
        actions_why=None if actions else "No actions: no change was requested under this "
                                         "incident.",
        approvals_why=_approvals_why(entries),
        causes=causes,
        causes_why=None if causes else ("No cause recorded: nobody wrote an incident note or "
                                        "answered a playbook step."),
        changes=changes,
        changes_why=None if changes else ("Nothing changed: no change was executed through "
                                          "the bot, and no hold appeared out of band."),
        pattern=_pattern(incident, readings),
        followups=followups, followups_why=followups_why,
    )
