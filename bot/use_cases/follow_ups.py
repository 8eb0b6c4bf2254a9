"""What follows a guarded write by itself: a log filter's revert (DESIGN 5 and 8).

``log-filter FILTER --for DUR`` sets the filter on every node, keeps it in SQL and
queues a ``guard.log-filter-revert`` job for the end of ``DUR``.  The job puts
``KUMO_LOG_FILTER_BASELINE`` back on every node (KumoMTA has no GET for the current
filter, so the baseline is the revert target), audits it under the request's
correlation id and says so in the request's channel.  It is safe to run twice: a
filter already reverted is left alone, and setting the baseline again changes nothing.
A filter that a later ``log-filter`` replaced is not reverted by the earlier one's job.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.core.admin_writes import NodeOutcome, log_filter_write
from bot.core.audit import Actor, AuditEvent
from bot.core.authorization import PendingAction, follow_up
from bot.core.commands_write import LogFilter
from bot.core.errors import BotError
from bot.core.follow_ups import LogFilterSet
from bot.core.jobs import Job
from bot.ports import GuardNotifier
from bot.use_cases.park_writes import write_park

if TYPE_CHECKING:
    from bot.services import Services
    from bot.use_cases.guarded import WriteSetup

REVERT_JOB = "guard.log-filter-revert"
SCHEDULER = Actor(id="kumo-bot", name="scheduler")


class RevertIncomplete(BotError):
    """Not every node took the baseline back; the scheduler tries the job again later."""


def after_log_filter(svc: Services, setup: WriteSetup, pending: PendingAction,
                     command: LogFilter) -> LogFilterSet:
    """Keep the filter the bot just set, and queue its revert for when its time is up."""
    assert command.duration is not None  # the guard refuses a filter without --for
    now = svc.clock.now()
    entry = LogFilterSet(request_id=pending.request_id, filter=command.filter,
                         baseline=setup.log_filter_baseline, channel=pending.channel,
                         set_at=now, until=now + command.duration)
    if setup.follow_ups is not None:
        setup.follow_ups.add_log_filter(entry)
    if setup.jobs is not None:
        setup.jobs.schedule(REVERT_JOB, due=entry.until, key=f"{REVERT_JOB}:{entry.request_id}",
                            payload={"request_id": entry.request_id})
    return entry


def revert_log_filter(svc: Services, request_id: str,
                      notifier: GuardNotifier | None = None) -> list[NodeOutcome] | None:
    """Put the baseline back on every node; None when there was nothing (left) to revert."""
    setup = svc.writes
    if setup is None or setup.follow_ups is None:
        return None
    records = setup.follow_ups
    entry = records.log_filter(request_id)
    if entry is None or entry.reverted_at is not None:
        return None  # reverted already (a second run of the job): nothing to do
    now = svc.clock.now()
    latest = records.latest_log_filter()
    if latest is not None and latest.request_id != request_id and latest.set_at > entry.set_at:
        if records.finish_log_filter(request_id, outcome="superseded", now=now):
            _note(svc, entry, f"log filter `{entry.filter}` was replaced by "
                  f"`{latest.filter}` (request {latest.request_id[:12]}); its own revert runs "
                  "when that one ends")
        return None
    pending = setup.records.get(request_id)
    if pending is None:
        return None
    intent = AuditEvent(
        at=now, actor=SCHEDULER, transport="guard", phase="intent", action_class="change",
        command_text=f"log-filter revert to {entry.baseline}", parsed={"filter": entry.baseline},
        correlation_id=request_id, channel=entry.channel,
        detail=f"the {entry.filter} filter's time is up", incident_id=incident_of(pending))
    requests = dict.fromkeys(setup.writer.node_names, log_filter_write(entry.baseline))
    try:
        outcomes = write_park(svc, setup.writer, follow_up(pending), requests, intent=intent)
    except BotError as exc:
        _say(notifier, entry, f":warning: Could not revert the log filter `{entry.filter}` to "
             f"`{entry.baseline}` yet: {exc.message} {exc.hint or ''} I will try again.")
        raise
    failed = [o for o in outcomes if o.status != "done"]
    lines = ", ".join(f"{o.node}: {o.status}" for o in outcomes)
    if failed:
        _say(notifier, entry, f":warning: Log filter `{entry.filter}` reverted to "
             f"`{entry.baseline}` on only some nodes ({lines}); I will try again.")
        raise RevertIncomplete("the log filter revert did not reach every node: " + lines)
    if records.finish_log_filter(request_id, outcome="reverted", now=svc.clock.now()):
        _say(notifier, entry, f":leftwards_arrow_with_hook: Log filter `{entry.filter}` "
             f"(request {request_id[:12]}) reverted to `{entry.baseline}` on every node "
             f"({lines}).")
    return outcomes


def incident_of(pending: PendingAction) -> str | None:
    """The incident a request was filed under (``--incident``), for its follow-ups' rows."""
    found = pending.args.get("incident")
    return found if isinstance(found, str) else None


def revert_job(svc: Services, notifier: GuardNotifier | None = None) -> Callable[[Job], None]:
    """The scheduler's handler for ``guard.log-filter-revert``."""

    def run(job: Job) -> None:
        revert_log_filter(svc, str(job.payload.get("request_id", "")), notifier)

    return run


def _say(notifier: GuardNotifier | None, entry: LogFilterSet, text: str) -> None:
    if notifier is not None and entry.channel:
        notifier.say(entry.channel, text)


def _note(svc: Services, entry: LogFilterSet, detail: str) -> None:
    svc.audit.append(AuditEvent(
        at=svc.clock.now(), actor=SCHEDULER, transport="guard", phase="note",
        action_class="change", command_text="log-filter revert", detail=detail[:2000],
        correlation_id=entry.request_id, channel=entry.channel))
