"""An incident's timeline: every source merged, in time order (DESIGN 7).

Sources: the audit events filed under the incident (commands; change requests with
the guard's decision; approvals and denials; executions with each node's result,
from the intent and outcome rows linked by correlation id; playbook steps), the
incident's own entries (opened, notes, out-of-band holds, resolved) and what TSA did
on the incident's domains from the diary the watcher keeps (one line per action, its
egress sources grouped: ``bot.core.tsa_timeline``).  Equal times keep a fixed
order (kind, then text), so two builds of the same record read the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.audit import AuditEvent
from bot.core.commands_write import WRITE_VERBS
from bot.core.errors import BotError
from bot.core.incidents import Incident, TimelineEntry, TimelineKind
from bot.core.scope import Scope
from bot.core.tsa_history import DiaryEntry
from bot.core.tsa_timeline import tsa_lines
from bot.use_cases.summaries import resolve_scope

if TYPE_CHECKING:
    from bot.services import Services

AUDIT_LIMIT = 10_000  # an incident's whole record; far more than any incident writes
_RANK: dict[TimelineKind, int] = {
    "opened": 0, "tsa": 1, "out-of-band": 2, "command": 3, "request": 4, "approval": 5,
    "change": 6, "playbook": 7, "note": 8, "resolved": 9,
}


def build(svc: Services, incident: Incident) -> list[TimelineEntry]:
    """The incident's timeline, oldest first."""
    entries: list[TimelineEntry] = []
    if svc.incidents is not None:
        entries += svc.incidents.entries(incident.id)
    events = svc.audit.recent(limit=AUDIT_LIMIT, incident_id=incident.id)
    entries += from_audit(sorted(events, key=lambda e: e.at))
    entries += from_diary(svc, incident)
    return sorted(entries, key=_order)


def _order(entry: TimelineEntry) -> tuple[datetime, int, str, str]:
    return (entry.at, _RANK[entry.kind], entry.text, entry.correlation_id or "")


def from_audit(events: list[AuditEvent]) -> list[TimelineEntry]:
    """Audit rows (oldest first) as timeline entries; a change's outcome rows become one
    ``change`` entry with each node's result, its requester (the guard's decision row) and
    the second people who signed it off."""
    out: list[TimelineEntry] = []
    changes: dict[str, list[AuditEvent]] = {}
    requesters: dict[str, str] = {}
    approvers: dict[str, list[str]] = {}
    for event in events:
        if event.phase == "decision" and event.outcome == "ok":
            requesters.setdefault(event.correlation_id, event.actor.id)
        if event.phase == "approval" and event.outcome == "ok" and \
                event.detail.startswith("approved"):
            approvers.setdefault(event.correlation_id, []).append(event.actor.id)
        entry = _entry_of(event)
        if entry is not None:
            out.append(entry)
        elif event.phase == "outcome":
            changes.setdefault(event.correlation_id, []).append(event)
    out += [_change(rows, requesters.get(cid), approvers.get(cid, []))
            for cid, rows in changes.items()]
    return out


def _approval(event: AuditEvent, base: dict[str, Any]) -> TimelineEntry:
    """A press on a request's card: the requester's Confirm is not a second person's
    approval, so only an approval names an approver."""
    detail = event.detail
    if event.actor.id == "kumo-bot":
        base = {**base, "actor": None}
    if event.outcome == "ok" and detail.startswith("confirmed by "):
        return TimelineEntry(kind="approval", text="Confirmed by the requester",
                             outcome="confirmed", **base)
    if event.outcome == "ok" and detail.startswith("approved by "):
        _, _, override = detail.partition("; override: ")
        text = "Approved by a second person (sign-off)" + (
            f"; override reason: {override}" if override else "")
        return TimelineEntry(kind="approval", text=text, approver=event.actor.id,
                             outcome="approved", **base)
    text = (detail[:1].upper() + detail[1:]) or "Approval"
    return TimelineEntry(kind="approval", text=text, outcome=event.outcome, **base)


def _entry_of(event: AuditEvent) -> TimelineEntry | None:
    base: dict[str, Any] = {"at": event.at, "actor": event.actor.id,
                            "correlation_id": event.correlation_id,
                            "quoted": event.command_text or None}
    verb = str(event.parsed.get("verb") or "")
    if event.phase == "command":
        if verb == "incident":
            return None  # start, note, resolve are the incident's own entries
        if verb in WRITE_VERBS:
            if event.outcome == "ok":
                return None  # the guard's decision row tells it
            return TimelineEntry(kind="request", text="Change requested; refused: "
                                 + (event.detail or event.outcome), outcome="refused", **base)
        return TimelineEntry(kind="command", text="Command", outcome=event.outcome, **base)
    if event.phase == "decision":
        if event.outcome == "refused":
            return TimelineEntry(kind="request", text="At execution the guard stopped it: "
                                 + event.detail, outcome="refused", **base)
        decision, _, rules = event.detail.partition(":")
        wanted = {"confirm": "the requester's Confirm", "sign-off": "sign-off by an approver"}
        text = f"Change requested; the guard asks for {wanted.get(decision, decision)}"
        if rules.strip():
            text += f" (rules: {rules.strip()})"
        return TimelineEntry(kind="request", text=text, outcome=decision or None, **base)
    if event.phase == "approval":
        return _approval(event, base)
    if event.phase == "step":
        return TimelineEntry(kind="playbook", text=event.detail or "Playbook step",
                             outcome=event.outcome, **base)
    if event.phase == "note":
        return TimelineEntry(kind="note", text="Note", **{**base, "quoted": event.detail})
    return None  # intent rows: the change entry carries them; outcomes are grouped


def _change(rows: list[AuditEvent], requester: str | None, approvers: list[str]
            ) -> TimelineEntry:
    nodes: dict[str, str] = {}
    for row in rows:
        for node in row.nodes or ["(all)"]:
            nodes[node] = row.outcome + (f": {row.detail}" if row.detail else "")
    outcomes = {row.outcome for row in rows}
    overall = "ok" if outcomes == {"ok"} else ("error" if "ok" not in outcomes else "partial")
    last = rows[-1]
    return TimelineEntry(at=last.at, kind="change", actor=requester or rows[0].actor.id,
                         text=f"Change executed on {len(nodes)} node(s)",
                         quoted=last.command_text or None, outcome=overall, nodes=nodes,
                         approver=", ".join(dict.fromkeys(approvers)) or None,
                         correlation_id=last.correlation_id)


def _scopes(svc: Services, domains: tuple[str, ...]) -> list[Scope]:
    scopes = []
    for domain in domains:
        try:
            scope = resolve_scope(svc, domain)
        except BotError:
            continue  # matched by its name alone
        if scope is not None:
            scopes.append(scope)
    return scopes


def _touches(entry: DiaryEntry, domains: tuple[str, ...], scopes: list[Scope]) -> bool:
    if entry.domain and entry.domain in domains:
        return True
    for scope in scopes:
        if entry.path and scope.covers_ready(entry.path):
            return True
        if entry.site and entry.site == scope.site and not entry.domain:
            return True
    return False


def from_diary(svc: Services, incident: Incident) -> list[TimelineEntry]:
    """What TSA did on the incident's domains while it was open (and what it held then)."""
    if svc.tsa_diary is None or not incident.domains:
        return []
    until = incident.resolved_at or svc.clock.now()
    scopes = _scopes(svc, incident.domains)
    chosen = [entry for entry in svc.tsa_diary.entries(since=incident.opened_at)
              if entry.origin == "tsa" and entry.first_seen <= until
              and _touches(entry, incident.domains, scopes)]
    return tsa_lines(chosen, until)
