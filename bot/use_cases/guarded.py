"""Guarded writes: request, Confirm or sign-off, execute (DESIGN 5, issue 6).

``request_write`` judges a write command and keeps it as a pending request (or
refuses it, saying what to write instead).  ``press`` applies a button press:
Confirm/Approve (``agree``), Deny, or Cancel.  When enough people agreed, exactly one
process moves the request pending -> executing (one atomic SQL UPDATE), the guard
judges again, and a different evidence fingerprint stops the run.  Every step is
audited; the request expires through the scheduler.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Literal

from bot.core.answers_guard import GuardAnswer, GuardReason
from bot.core.audit import Actor, AuditEvent, Outcome
from bot.core.authorization import PendingAction, PendingStatus, agree, args_digest
from bot.core.commands_write import LogFilter, SuspendPath, WriteCommand
from bot.core.errors import GuardRefused, NotFound
from bot.core.guard import Situation, Verdict, judge
from bot.core.guard_file import GuardRules
from bot.core.jobs import Job
from bot.ports import (
    AuditLog,
    Clock,
    FollowUpRecords,
    GuardedRecords,
    GuardNotifier,
    JobQueue,
    MtaWriter,
)
from bot.use_cases import guard_situation, write_actions

if TYPE_CHECKING:
    from bot.services import RequestContext, Services

EXPIRE_JOB = "guard-expire"
Press = Literal["agree", "deny", "cancel"]


@dataclass(frozen=True)
class WriteSetup:
    """What guarded writes need beyond the read side (built by bootstrap)."""

    writer: MtaWriter
    records: GuardedRecords
    rules: GuardRules
    approvers: frozenset[str]
    jobs: JobQueue | None = None
    follow_ups: FollowUpRecords | None = None  # log filters to revert, restarts noticed
    log_filter_baseline: str = "kumod=info"  # KUMO_LOG_FILTER_BASELINE


def _setup(svc: Services) -> WriteSetup:
    if svc.writes is None:
        raise GuardRefused("Writes are not configured in this process.")
    return svc.writes


def _verdict(svc: Services, setup: WriteSetup, command: WriteCommand,
             besides: str = "") -> tuple[Verdict, str, Situation]:
    scope = guard_situation.command_scope(svc, command)
    key = guard_situation.scope_key(command)
    now = svc.clock.now()
    changes = setup.records.changes_since(key, now - setup.rules.same_scope_window,
                                          besides=besides)
    situation = guard_situation.gather(svc, command, scope=scope,
                                       lookback=setup.rules.evidence_lookback,
                                       window=setup.rules.same_scope_window, changes=changes)
    return judge(command.verb, command.guard_args(), situation, setup.rules), key, situation


def request_write(svc: Services, command: WriteCommand, command_text: str,
                  ctx: RequestContext, base: dict[str, Any]) -> GuardAnswer:
    """Judge a write and keep it waiting for Confirm or sign-off (or refuse it)."""
    setup = _setup(svc)
    if isinstance(command, SuspendPath):  # before any guard: the path must exist
        guard_situation.check_path_exists(svc, command)
    verdict, key, situation = _verdict(svc, setup, command)
    if verdict.decision == "refuse":
        raise GuardRefused(verdict.reasons[0].text, hint=verdict.instead)
    now = svc.clock.now()
    args = command.model_dump(mode="json")
    decision: Literal["confirm", "sign-off"] = (
        "sign-off" if verdict.decision == "sign-off" else "confirm")
    pending = PendingAction(
        request_id=uuid.uuid4().hex, verb=command.verb, args=args,
        digest=args_digest(command.verb, args), command_text=command_text,
        requester=ctx.actor.id, decision=decision, action_class=verdict.action_class,
        fingerprint=verdict.fingerprint, approvals_needed=verdict.approvers_needed,
        override_required=verdict.override_reason_required, created=now,
        expires=now + setup.rules.approval_ttl, channel=ctx.channel,
        reasons=_reasons(verdict), warnings=verdict.warnings,
    )
    setup.records.add(pending, scope=key)
    if setup.jobs is not None:
        setup.jobs.schedule(EXPIRE_JOB, due=pending.expires, key=f"{EXPIRE_JOB}:"
                            f"{pending.request_id}", payload={"request_id": pending.request_id})
    _audit(svc, ctx.actor, pending, "decision", "ok",
           f"{verdict.decision}: " + ", ".join(verdict.rules))
    preview = write_actions.preview(svc, command, sources=situation.override_sources)
    return _answer(pending, base, verdict=verdict, action=preview.action,
                   blast=preview.blast_radius)


def press(svc: Services, request_id: str, *, by: Actor, what: Press,
          override_reason: str | None = None) -> GuardAnswer:
    """One click on a request's card; refused clicks raise ``GuardRefused`` with why."""
    setup = _setup(svc)
    pending = setup.records.get(request_id)
    if pending is None:
        raise NotFound("That request no longer exists.")
    now = svc.clock.now()
    base = {"command": pending.command_text, "generated_at": now}
    if what in ("deny", "cancel"):
        if what == "cancel" and by.id != pending.requester:
            raise GuardRefused("Only the person who asked can cancel the request.")
        if what == "deny" and by.id not in setup.approvers and by.id != pending.requester:
            raise GuardRefused("Only an approver listed in KUMO_APPROVERS can deny it.")
        new: PendingStatus = "denied" if what == "deny" else "cancelled"
        if not setup.records.transition(request_id, old="pending", new=new, now=now):
            raise GuardRefused(f"This request is already {pending.status}.")
        _audit(svc, by, pending, "approval", "refused", f"{new} by {by.id}")
        return _answer(pending.model_copy(update={"status": new}), base,
                       note=f"{new.capitalize()} by <@{by.id}>; nothing was run.")
    try:
        agreement = agree(pending, by=by.id, approvers=setup.approvers, now=now,
                          override_reason=override_reason)
    except GuardRefused as exc:
        _audit(svc, by, pending, "approval", "refused", exc.message)
        raise
    if pending.decision == "sign-off" and not setup.records.set_approvals(
            request_id, seen=pending.approvals, approvals=agreement.approvals, now=now):
        raise GuardRefused("Someone else acted on this request at the same moment; "
                           "nothing was run twice.")
    _audit(svc, by, pending, "approval", "ok",
           f"{'confirmed' if pending.decision == 'confirm' else 'approved'} by {by.id}"
           + (f"; override: {override_reason}" if override_reason else ""))
    pending = pending.model_copy(update={"approvals": agreement.approvals,
                                         "override_reason": override_reason})
    if agreement.authorization is None:
        return _answer(pending, base, state="approved-once",
                       note=f"Approved by <@{by.id}>; it needs "
                       f"{pending.approvals_needed - len(agreement.approvals)} more approver.")
    if not setup.records.transition(request_id, old="pending", new="executing", now=now):
        raise GuardRefused("This request is already being run by another process.")
    command = write_actions.command_of(pending)
    verdict, _, _ = _verdict(svc, setup, command, besides=request_id)
    if verdict.fingerprint != pending.fingerprint:
        setup.records.transition(request_id, old="executing", new="stopped", now=now)
        why = ("The situation changed since the request: the guard now finds "
               + (", ".join(verdict.rules) or "no rule") + ". Nothing was run; ask again "
               "to see the new evidence.")
        _audit(svc, by, pending, "decision", "refused", why)
        return _answer(pending.model_copy(update={"status": "stopped"}), base, verdict=verdict,
                       note=why)
    if setup.jobs is not None:
        setup.jobs.cancel(f"{EXPIRE_JOB}:{request_id}")
    outcomes = write_actions.execute(svc, setup, agreement.authorization, pending,
                                     _intent(by, pending))
    final = "done" if all(o.status == "done" for o in outcomes) else "partial"
    setup.records.transition(request_id, old="executing", new="done", now=svc.clock.now())
    lines = ", ".join(f"{o.node}: {o.status}" for o in outcomes)
    then = ""
    if isinstance(command, LogFilter) and command.duration is not None:
        then = (f" It reverts to `{setup.log_filter_baseline}` at "
                f"{svc.clock.now() + command.duration:%H:%M} UTC.")
    return _answer(pending.model_copy(update={"status": "done"}), base, state=final,
                   outcomes=outcomes, note=f"Ran after <@{by.id}>'s "
                   f"{'confirm' if pending.decision == 'confirm' else 'approval'}: {lines}."
                   + then)


def override_needed(svc: Services, request_id: str, *, by: Actor) -> GuardAnswer | None:
    """The request's card when ``by``'s Approve needs a typed override reason (Slack opens a
    modal for it), else None.  Raises ``GuardRefused`` when ``by`` could not approve anyway."""
    setup = _setup(svc)
    pending = setup.records.get(request_id)
    if pending is None:
        raise NotFound("That request no longer exists.")
    if pending.decision != "sign-off" or not pending.override_required:
        return None
    now = svc.clock.now()
    try:  # the same checks as the approval itself (pure: nothing is recorded)
        agree(pending, by=by.id, approvers=setup.approvers, now=now, override_reason="-")
    except GuardRefused as exc:
        _audit(svc, by, pending, "approval", "refused", exc.message)
        raise
    return _answer(pending, {"command": pending.command_text, "generated_at": now})


def card_posted(svc: Services, request_id: str, *, channel: str, ts: str) -> None:
    """Remember where the request's card is (the expiry job updates it in place)."""
    _setup(svc).records.set_card(request_id, channel=channel, ts=ts)


def expire(svc: Services, request_id: str) -> GuardAnswer | None:
    """A request nobody agreed to in time expires (None: it was no longer pending)."""
    setup = _setup(svc)
    return expire_pending(setup.records, svc.audit, svc.clock, request_id)


def expire_pending(records: GuardedRecords, audit: AuditLog, clock: Clock,
                   request_id: str) -> GuardAnswer | None:
    """The scheduler's job (``guard-expire``): pending -> expired, audited, said on the card."""
    pending = records.get(request_id)
    now = clock.now()
    if pending is None or not records.transition(request_id, old="pending", new="expired",
                                                 now=now):
        return None
    audit.append(AuditEvent(
        at=now, actor=Actor(id="kumo-bot", name="scheduler"), transport="guard",
        command_text=pending.command_text, parsed=pending.args,
        action_class=pending.action_class, phase="approval", outcome="refused",
        detail="expired", correlation_id=pending.request_id, channel=pending.channel,
        incident_id=_incident_of(pending)))
    minutes = int((pending.expires - pending.created) / timedelta(minutes=1))
    return _answer(pending.model_copy(update={"status": "expired"}),
                   {"command": pending.command_text, "generated_at": now},
                   note=f"Expired after {minutes} min without enough approval; nothing was run.")


def _intent(by: Actor, pending: PendingAction) -> AuditEvent:
    return AuditEvent(at=pending.created, actor=by, transport="guard",
                      command_text=pending.command_text, parsed=pending.args,
                      action_class=pending.action_class, phase="intent",
                      correlation_id=pending.request_id, channel=pending.channel,
                      incident_id=_incident_of(pending))


def _incident_of(pending: PendingAction) -> str | None:
    """The incident the request was filed under (its channel's, or ``--incident``)."""
    found = pending.args.get("incident")
    return found if isinstance(found, str) else None


def _audit(svc: Services, actor: Actor, pending: PendingAction, phase: Any,
           outcome: Outcome, detail: str) -> None:
    svc.audit.append(AuditEvent(
        at=svc.clock.now(), actor=actor, transport="guard", command_text=pending.command_text,
        parsed=pending.args, action_class=pending.action_class, phase=phase, outcome=outcome,
        detail=detail[:2000], correlation_id=pending.request_id, channel=pending.channel,
        incident_id=_incident_of(pending)))


def _answer(pending: PendingAction, base: dict[str, Any], *, verdict: Verdict | None = None,
            action: str = "", blast: list[str] | None = None, state: Any = None,
            outcomes: Any = None, note: str = "") -> GuardAnswer:
    # The verdict of the moment when there is one; else the reasons kept with the request.
    reasons = list(_reasons(verdict)) if verdict else list(pending.reasons)
    warnings = list(verdict.warnings) if verdict else list(pending.warnings)
    return GuardAnswer(
        request_id=pending.request_id, verb=pending.verb, action=action or
        write_actions.describe(pending), decision=pending.decision,
        action_class=pending.action_class, requester=pending.requester,
        state=state or pending.status, reasons=reasons,
        warnings=warnings, blast_radius=blast or [], override_reason=pending.override_reason,
        approvals_needed=pending.approvals_needed, approvals=list(pending.approvals),
        override_required=pending.override_required, expires=pending.expires,
        outcomes=list(outcomes or []), note=note, **base)


def _reasons(verdict: Verdict) -> tuple[GuardReason, ...]:
    return tuple(GuardReason(rule=r.rule, text=r.text, evidence=list(r.evidence))
                 for r in verdict.reasons)


def expire_job(records: GuardedRecords, audit: AuditLog, clock: Clock,
               notifier: GuardNotifier | None = None) -> Callable[[Job], None]:
    """The scheduler's handler for ``guard-expire`` jobs: the card says it expired, in place."""

    def run(job: Job) -> None:
        request_id = str(job.payload.get("request_id", ""))
        answer = expire_pending(records, audit, clock, request_id)
        if answer is None or notifier is None:
            return
        pending = records.get(request_id)
        if pending is not None and pending.channel and pending.message_ts:
            notifier.card_changed(pending.channel, pending.message_ts, answer)

    return run
