"""Each write verb: what it will do (the preview) and doing it (through the park writer).

Called by ``guarded`` only after Confirm or sign-off, with the ``Authorization``
that the guard's path produced.  Holds the bot creates are recorded in SQL with
their criteria, expiry and each node's UUID; their stable id hashes only the
node-independent criteria and the reason (``bot.core.hold_ids``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import TypeAdapter

from bot.core.admin_writes import (
    AdminWrite,
    NodeOutcome,
    bounce_write,
    cancel_write,
    log_filter_write,
    rebind_write,
    suspend_path_write,
    suspend_write,
    xfer_write,
)
from bot.core.audit import AuditEvent
from bot.core.authorization import Authorization, PendingAction
from bot.core.bot_holds import BotHold
from bot.core.commands_write import (
    Bounce,
    Cancel,
    LogFilter,
    Rebind,
    ShapingSet,
    Suspend,
    SuspendPath,
    WriteCommand,
    Xfer,
)
from bot.core.durations import format_duration
from bot.core.effective_shaping import COUNT_KEYS, OverrideEntry
from bot.core.errors import NotFound
from bot.core.hold_ids import HoldCriteria, hold_id
from bot.core.holds import collect_holds
from bot.use_cases import follow_ups, guard_situation
from bot.use_cases.change_record import ChangeRecord, record_change
from bot.use_cases.park_writes import write_park
from bot.use_cases.summaries import _collect

if TYPE_CHECKING:
    from bot.services import Services
    from bot.use_cases.guarded import WriteSetup

_COMMAND: TypeAdapter[WriteCommand] = TypeAdapter(WriteCommand)


@dataclass(frozen=True)
class Preview:
    """What a write will do, before anyone agrees to it."""

    action: str
    blast_radius: list[str] = field(default_factory=list)


def command_of(pending: PendingAction) -> WriteCommand:
    """The exact command a pending request was made for."""
    return _COMMAND.validate_python(pending.args)


def describe(pending: PendingAction) -> str:
    """One sentence: what the request does."""
    return preview_text(command_of(pending))


def preview_text(command: WriteCommand, sources: Sequence[str] = ()) -> str:
    """One sentence: what the command does, on which nodes (or, for an override without
    ``--source``, on which ``sources``)."""
    match command:
        case Suspend():
            who = "".join(f" {k} {v}" for k, v in (("tenant", command.tenant),
                                                  ("campaign", command.campaign)) if v)
            return (f"Suspend the scheduled queues of {command.domain}{who} on every node for "
                    f"{format_duration(command.duration) if command.duration else '?'} "
                    f"(reason: {command.reason}).")
        case SuspendPath():
            return (f"Suspend egress path `{command.queue_name}` on every node for "
                    f"{format_duration(command.duration) if command.duration else '?'} "
                    f"(reason: {command.reason}).")
        case Cancel():
            return f"Cancel hold `{command.hold}` on every node that lists it."
        case Bounce():
            what = ("EVERY queue" if command.everything else
                    ", ".join(command.queues) if command.queues else
                    " ".join(f"{k}={v}" for k, v in (("domain", command.domain),
                                                     ("tenant", command.tenant),
                                                     ("campaign", command.campaign)) if v))
            return (f"Bounce (destroy, cannot be undone) the queued mail of {what} on every "
                    f"node (reason: {command.reason}).")
        case Rebind():
            sets = ", ".join(f"{k}={v}" for k, v in command.data.items())
            return (f"Rebind the queued mail of {command.domain} on every node: set {sets} "
                    f"(reason: {command.reason}).")
        case Xfer():
            return (f"Transfer the queued mail of {command.domain} from every node to "
                    f"{command.target} (reason: {command.reason}).")
        case LogFilter():
            return (f"Set kumod's diagnostic log filter to `{command.filter}` on every node "
                    f"for {format_duration(command.duration) if command.duration else '?'}; "
                    "then it reverts by itself to the baseline (KUMO_LOG_FILTER_BASELINE).")
        case ShapingSet():
            where = (f"source {command.source}" if command.source else
                     f"each of its egress sources now: {_sources(sources)}" if len(sources) > 1
                     else f"its egress source now: {_sources(sources)}" if sources
                     else "each egress source")
            return (f"Override {command.key}={command.value} for {command.domain} for "
                    f"{format_duration(command.duration) if command.duration else '?'} on "
                    f"{where} (in the bot's overrides file, loaded before TSA's).")


def preview(svc: Services, command: WriteCommand, *, sources: Sequence[str] = ()) -> Preview:
    """The sentence, plus the blast radius of a bounce.  ``sources``: a shaping override's
    egress sources, as the guard's situation found them (no second read of the park)."""
    blast: list[str] = []
    if isinstance(command, Bounce):
        scope = guard_situation.command_scope(svc, command)
        blast = guard_situation.blast_radius(svc, command, scope)
    named = isinstance(command, ShapingSet) and not command.source
    return Preview(preview_text(command, sources if named else ()), blast)


def _sources(sources: Sequence[str]) -> str:
    return ", ".join(f"`{s}`" for s in sources)


def _criteria(command: Suspend | Bounce) -> HoldCriteria:
    return HoldCriteria(campaign=command.campaign, tenant=command.tenant, domain=command.domain)


def execute(svc: Services, setup: WriteSetup, authorization: Authorization,
            pending: PendingAction, intent: AuditEvent) -> list[NodeOutcome]:
    """Run the agreed write on the park and record any hold the bot made."""
    command = command_of(pending)
    nodes = setup.writer.node_names
    if isinstance(command, ShapingSet):
        return _set_overrides(svc, setup, authorization, command, intent)
    requests: dict[str, AdminWrite]
    match command:
        case Suspend():
            assert command.duration is not None and command.reason is not None  # the guard
            one = suspend_write(_criteria(command), duration=command.duration,
                                reason=command.reason)
            requests = dict.fromkeys(nodes, one)
        case SuspendPath():
            assert command.duration is not None and command.reason is not None
            one = suspend_path_write(command.queue_name, duration=command.duration,
                                     reason=command.reason)
            requests = dict.fromkeys(nodes, one)
        case Bounce():
            assert command.reason is not None
            one = bounce_write(None if command.everything else _criteria(command),
                               reason=command.reason, queues=command.queues)
            requests = dict.fromkeys(nodes, one)
        case Cancel():
            requests = _cancel_requests(svc, command.hold)
        case Rebind():
            assert command.reason is not None
            one = rebind_write(command.domain, command.data, reason=command.reason)
            requests = dict.fromkeys(nodes, one)
        case Xfer():
            assert command.reason is not None and command.target is not None
            one = xfer_write(command.domain, command.target, reason=command.reason)
            requests = dict.fromkeys(nodes, one)
        case LogFilter():
            requests = dict.fromkeys(nodes, log_filter_write(command.filter))
    outcomes = write_park(svc, setup.writer, authorization, requests, intent=intent)
    if isinstance(command, Suspend | SuspendPath):
        _record_hold(svc, setup, pending, command, outcomes)
    if isinstance(command, Cancel):
        setup.records.cancel_hold(command.hold, svc.clock.now())
    if isinstance(command, LogFilter):
        follow_ups.after_log_filter(svc, setup, pending, command)
    return outcomes


def _cancel_requests(svc: Services, wanted: str) -> dict[str, AdminWrite]:
    answer, _, tsa = _collect(svc, None)
    hold = next((h for h in collect_holds(answer.results, tsa, svc.clock.now())
                 if h.hold_id == wanted), None)
    if hold is None or not hold.nodes:
        raise NotFound(f"Hold `{wanted}` is no longer listed by any node; nothing to cancel.")
    return {node: cancel_write(hold.kind, node_uuid) for node, node_uuid in hold.nodes.items()}


def _record_hold(svc: Services, setup: WriteSetup, pending: PendingAction,
                 command: Suspend | SuspendPath, outcomes: list[NodeOutcome]) -> None:
    assert command.duration is not None and command.reason is not None
    if isinstance(command, Suspend):
        criteria = _criteria(command)
        kind: str = "suspend"
    else:
        criteria = HoldCriteria(name=command.queue_name)
        kind = "suspend-path"
    uuids = {o.node: o.uuid for o in outcomes if o.status == "done" and o.uuid}
    now = svc.clock.now()
    setup.records.add_hold(BotHold(
        hold_id=hold_id("suspend" if kind == "suspend" else "suspend-path", criteria,
                        command.reason),
        request_id=pending.request_id, kind="suspend" if kind == "suspend" else "suspend-path",
        criteria=criteria._asdict(), reason=command.reason, node_uuids=uuids, created=now,
        expires=now + command.duration))


def _set_overrides(svc: Services, setup: WriteSetup, authorization: Authorization,
                   command: ShapingSet, intent: AuditEvent) -> list[NodeOutcome]:
    """Store one override per egress source; the served file carries it until it expires."""
    assert command.duration is not None
    sources = guard_situation.sources_now(svc, command)
    now = svc.clock.now()
    value: object = command.value
    if command.key in COUNT_KEYS:
        value = int(command.value)
    until = now + command.duration

    def act(record: ChangeRecord) -> list[NodeOutcome]:
        outcomes = []
        for source in sources:
            setup.records.add_override(authorization, OverrideEntry(
                command.domain, source, command.key, value, mx_rollup=False,
                expires=until, reason=f"kumo-bot {authorization.request_id[:12]}"
                f" by {'/'.join(authorization.agreed_by)}"), now=now)
            record.outcome("ok", detail=f"override on source {source}")
            outcomes.append(NodeOutcome(node=f"source {source}", status="done",
                                        detail="in the overrides file"))
        return outcomes

    outcomes, _ = record_change(svc.audit, svc.clock, intent, act)
    return outcomes
