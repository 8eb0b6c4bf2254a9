"""``incident status``: the incident's domains, the holds on them now, the last findings,
the requests that wait for sign-off, and its playbook runs.

Findings: ``diagnose`` answers are not stored whole in the audit log, so status runs
``diagnose`` again for each of the incident's domains (at most ``MAX_DIAGNOSED``)
and says so, naming when ``diagnose`` was last filed under the incident.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.core.answers_incident import FindingLine, IncidentStatusAnswer, PendingLine
from bot.core.commands import Diagnose
from bot.core.errors import BotError
from bot.core.incidents import Incident
from bot.use_cases import diagnose, incident_timeline
from bot.use_cases.incident_holds import look_for_out_of_band

if TYPE_CHECKING:
    from bot.services import Services

MAX_DIAGNOSED = 3
FINDINGS_EACH = 3
RECENT = 8


def status_answer(svc: Services, incident: Incident, base: dict[str, Any]
                  ) -> IncidentStatusAnswer:
    """Where the incident stands now."""
    holds, new, asked, failures = look_for_out_of_band(svc, incident)
    findings, source, problems = _findings(svc, incident, base)
    timeline = incident_timeline.build(svc, incident)
    runs = (svc.playbook_runs.runs_for_incident(incident.id)
            if svc.playbook_runs is not None else None)
    return IncidentStatusAnswer(
        incident=incident, holds=holds, findings=findings, findings_source=source,
        findings_problems=problems, pending=_pending(svc, incident), playbook_runs=runs,
        out_of_band=new, timeline_size=len(timeline), recent=timeline[-RECENT:],
        asked=asked, failures=failures, **base)


def _findings(svc: Services, incident: Incident, base: dict[str, Any]
              ) -> tuple[list[FindingLine], str, list[str]]:
    if not incident.domains:
        return [], "no domain named at start: nothing to diagnose", []
    events = svc.audit.recent(limit=incident_timeline.AUDIT_LIMIT, incident_id=incident.id)
    last = next((e for e in events if e.phase == "command"
                 and e.parsed.get("verb") == "diagnose"), None)
    said = (f"last `diagnose` filed here: {last.at:%H:%M} UTC by <@{last.actor.id}>"
            if last else "no `diagnose` was filed under this incident yet")
    lines: list[FindingLine] = []
    problems: list[str] = []
    for domain in incident.domains[:MAX_DIAGNOSED]:
        try:
            answer = diagnose.diagnose_answer(svc, Diagnose(domain=domain), dict(base))
        except BotError as exc:
            problems.append(f"{domain}: {exc.message}")
            continue
        for finding in answer.diagnosis.findings[:FINDINGS_EACH]:
            lines.append(FindingLine(domain=domain, severity=str(finding.severity),
                                     verdict=finding.verdict, first_step=finding.first_step))
    return lines, f"`diagnose` run now for this status ({said})", problems


def _pending(svc: Services, incident: Incident) -> list[PendingLine]:
    """Guarded requests filed under the incident that still wait for Confirm or sign-off."""
    if svc.writes is None:
        return []
    events = svc.audit.recent(limit=incident_timeline.AUDIT_LIMIT, incident_id=incident.id)
    ids = dict.fromkeys(e.correlation_id for e in reversed(events) if e.phase == "decision")
    out = []
    for request_id in ids:
        pending = svc.writes.records.get(request_id)
        if pending is None or pending.status != "pending":
            continue
        out.append(PendingLine(
            request_id=pending.request_id, verb=pending.verb, command_text=pending.command_text,
            requester=pending.requester, decision=pending.decision,
            approvals=list(pending.approvals), approvals_needed=pending.approvals_needed,
            expires=pending.expires))
    return out
