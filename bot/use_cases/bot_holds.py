"""The bot's own holds: shown from its SQL record, put back when a kumod restarts (DESIGN 5).

kumod keeps admin suspensions and its diagnostic log filter in memory only: a
restart forgets them (REFERENCE 1.1, 10.2 #8; TSA re-pushes its own, the bot must
re-apply its own).  ``guard.restart-watch`` runs every minute: it reads each node's
``/api/machine-info`` ``online_since`` and compares it with the last one seen (SQL).
A node whose ``online_since`` changed restarted: the one process that moves the SQL
value (compare-and-set) re-applies the bot's active holds with the time they have
left and the log filter still in force, each write audited under the request that
made it, and says so in that request's channel.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.admin_writes import AdminWrite, NodeOutcome, log_filter_write, suspend_path_write
from bot.core.admin_writes import suspend_write as scheduled_suspend_write
from bot.core.audit import AuditEvent
from bot.core.authorization import PendingAction, follow_up
from bot.core.bot_holds import BotHold, BotHoldInfo
from bot.core.errors import BotError
from bot.core.follow_ups import restarted_nodes
from bot.core.hold_ids import HoldCriteria
from bot.core.jobs import Job
from bot.core.models import MachineInfo
from bot.core.tsa_kumod import IsBotHold
from bot.ports import Clock, GuardedRecords, GuardNotifier, MtaReader
from bot.use_cases.follow_ups import SCHEDULER, incident_of
from bot.use_cases.park_writes import write_park

if TYPE_CHECKING:
    from bot.services import Services
    from bot.use_cases.guarded import WriteSetup

RESTART_JOB = "guard.restart-watch"
RESTART_EVERY = timedelta(minutes=1)


def bot_hold_infos(svc: Services, now: datetime) -> dict[str, BotHoldInfo]:
    """The bot's active holds by hold id: who asked, who agreed, why, until when."""
    if svc.writes is None:
        return {}
    records = svc.writes.records
    found: dict[str, BotHoldInfo] = {}
    for hold in records.active_holds(now):
        pending = records.get(hold.request_id)
        found[hold.hold_id] = BotHoldInfo(
            hold=hold, requested_by=pending.requester if pending else "",
            approved_by=tuple(a for a in (pending.approvals if pending else ())
                              if pending is None or a != pending.requester))
    return found


def is_bot_hold(records: GuardedRecords, clock: Clock) -> IsBotHold:
    """The TSA watcher's hook: a hold id the bot made (so it is not out-of-band)."""

    def check(hold_id: str) -> bool:
        return any(h.hold_id == hold_id for h in records.active_holds(clock.now()))

    return check


def hold_write(hold: BotHold, left: timedelta) -> AdminWrite:
    """The write that puts ``hold`` back for the time it has ``left``."""
    criteria = HoldCriteria(**hold.criteria)
    if hold.kind == "suspend-path":
        return suspend_path_write(criteria.name or "", duration=left, reason=hold.reason)
    return scheduled_suspend_write(criteria, duration=left, reason=hold.reason)


def watch_restarts(svc: Services, notifier: GuardNotifier | None = None
                   ) -> dict[str, list[NodeOutcome]]:
    """Notice restarted nodes and put back what the bot had set there (by node)."""
    setup = svc.writes
    if setup is None or setup.follow_ups is None:
        return {}

    async def machine(reader: MtaReader) -> MachineInfo:
        return await reader.machine_info()

    answer = svc.park.ask(machine)
    current = {node: info.online_since.isoformat() for node, info in answer.results.items()}
    seen = setup.follow_ups.online_since()
    now = svc.clock.now()
    for node in sorted(set(current) - set(seen)):  # first sighting: remember, nothing to do
        setup.follow_ups.see_online_since(node, seen=None, now_value=current[node], now=now)
    done: dict[str, list[NodeOutcome]] = {}
    failed: list[BotError] = []
    for node in restarted_nodes(seen, current):
        if not setup.follow_ups.see_online_since(node, seen=seen[node],
                                                 now_value=current[node], now=now):
            continue  # another process took this restart
        try:
            done[node] = reapply(svc, setup, node, since=current[node], notifier=notifier)
        except BotError as exc:
            # The node is not ready for writes yet: forget this sighting, try next minute.
            setup.follow_ups.see_online_since(node, seen=current[node], now_value=seen[node],
                                              now=now)
            failed.append(exc)
    if failed:  # the other restarted nodes were served; the job's error names this one
        raise failed[0]
    return done


def reapply(svc: Services, setup: WriteSetup, node: str, *, since: str,
            notifier: GuardNotifier | None = None) -> list[NodeOutcome]:
    """Re-apply the bot's active holds and log filter on one restarted node."""
    now = svc.clock.now()
    outcomes: list[NodeOutcome] = []
    told: dict[str, list[str]] = {}
    for hold in setup.records.active_holds(now):
        pending = setup.records.get(hold.request_id)
        if pending is None or pending.status != "done":
            continue
        left = hold.expires - now
        intent = _intent(now, f"re-apply hold {hold.hold_id} on {node} after its restart",
                         pending, f"{node} online since {since}; "
                         f"{int(left.total_seconds())}s left")
        result = write_park(svc, setup.writer, follow_up(pending),
                            {node: hold_write(hold, left)}, intent=intent)
        outcomes += result
        for outcome in result:
            if outcome.status == "done" and outcome.uuid:
                setup.records.set_hold_uuid(hold.hold_id, node, outcome.uuid)
            told.setdefault(pending.channel or "", []).append(
                f"hold `{hold.hold_id}` ({hold.kind}, reason: {hold.reason}): {outcome.status}")
    latest = setup.follow_ups.latest_log_filter() if setup.follow_ups else None
    if latest is not None and latest.active(now):
        pending = setup.records.get(latest.request_id)
        if pending is not None and pending.status == "done":
            intent = _intent(now, f"re-apply log filter {latest.filter} on {node} after its "
                             "restart", pending, f"online since {since}")
            result = write_park(svc, setup.writer, follow_up(pending),
                                {node: log_filter_write(latest.filter)}, intent=intent)
            outcomes += result
            told.setdefault(latest.channel or "", []).extend(
                f"log filter `{latest.filter}`: {o.status}" for o in result)
    for channel, lines in told.items():
        if notifier is not None and channel:
            notifier.say(channel, f":arrows_counterclockwise: kumod on {node} restarted (online "
                         f"since {since}) and forgot what the bot had set there; re-applied: "
                         + "; ".join(lines) + ".")
    return outcomes


def restart_job(svc: Services, notifier: GuardNotifier | None = None) -> Callable[[Job], None]:
    """The scheduler's handler for ``guard.restart-watch`` (every minute)."""

    def run(job: Job) -> None:
        watch_restarts(svc, notifier)

    return run


def _intent(now: datetime, text: str, pending: PendingAction, detail: str) -> AuditEvent:
    return AuditEvent(at=now, actor=SCHEDULER, transport="guard", phase="intent",
                      action_class="change", command_text=text,
                      correlation_id=pending.request_id, channel=pending.channel, detail=detail,
                      incident_id=incident_of(pending))
