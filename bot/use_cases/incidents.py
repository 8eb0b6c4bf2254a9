"""``/kumo incident ...``: start, note, status, resolve, list; membership; the timeline.

Membership is explicit (DESIGN 7): a command typed in the channel an open incident
lives in is filed under it, as is any command carrying ``--incident ID`` (an unknown
id is an error and nothing runs).  ``file_under`` decides that for every command
before it runs, so its audit row, and the guard's rows of a write, carry the id.

``incident start --channel`` only says a channel is wanted: making it is a Slack
effect, done by ``bot.adapters.slack.incident_channel`` after this answer.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NoReturn

from bot.core import commands
from bot.core.answers import AnswerBase
from bot.core.answers_incident import IncidentAnswer, IncidentListAnswer
from bot.core.command_text import echo
from bot.core.errors import NotFound, StorageError, UserInputError
from bot.core.incidents import Incident, TimelineEntry
from bot.ports import IncidentStore
from bot.use_cases import incident_timeline
from bot.use_cases.incident_holds import look_for_out_of_band
from bot.use_cases.incident_status import status_answer

if TYPE_CHECKING:
    from bot.services import RequestContext, Services

LIST_LIMIT = 20
CHANNEL_NAME_MAX = 80  # Slack's limit
log = logging.getLogger(__name__)
_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_WHERE = ("type it in the incident's channel, or add `--incident ID` "
          "(`/kumo incident list` shows the ids)")


def build_timeline(services: Services, incident: Incident) -> list[TimelineEntry]:
    """Everything that happened in the incident, oldest first (see ``incident_timeline``)."""
    return incident_timeline.build(services, incident)


def _store(svc: Services) -> IncidentStore:
    if svc.incidents is None:
        raise UserInputError("Incidents are not configured in this process.",
                             hint="Start the bot through kumo-bot (bootstrap wires them).")
    return svc.incidents


def file_under(svc: Services, command: commands.Command, ctx: RequestContext
               ) -> commands.Command:
    """The command, with ``incident`` set to the incident it belongs to (if any)."""
    store = svc.incidents
    if store is None:
        return command
    if command.incident:
        found = store.get(command.incident)
        if found is None:
            raise NotFound(f"There is no incident `{echo(command.incident)}`; nothing was run.",
                           hint="`/kumo incident list` shows the incidents and their ids.")
        return command.model_copy(update={"incident": found.id})
    if ctx.channel and not isinstance(command, commands.Audit):  # audit filters by --incident
        try:
            here = store.by_channel(ctx.channel)
        except StorageError as exc:  # a read still answers, unfiled; the log says why
            log.warning("command not filed under an incident: %s", exc.message)
            return command
        if here is not None:
            return command.model_copy(update={"incident": here.id})
    return command


def filed(parsed: dict[str, Any], answer: AnswerBase) -> dict[str, Any]:
    """The audit's parsed command: ``incident start`` is filed under the incident it made."""
    if isinstance(answer, IncidentAnswer) and answer.event == "started":
        return {**parsed, "incident": answer.incident.id}
    return parsed


def channel_name(incident: Incident) -> str:
    """A valid Slack channel name: ``inc-20261129-1-yahoo-deferrals``."""
    slug = _NOT_SLUG.sub("-", incident.title.lower()).strip("-")
    name = f"{incident.id.lower()}-{slug}".strip("-")
    return name[:CHANNEL_NAME_MAX].rstrip("-")


def incident_answer(svc: Services, cmd: commands.Incident, ctx: RequestContext,
                    base: dict[str, Any]) -> AnswerBase:
    """One ``incident`` sub-command."""
    store = _store(svc)
    if cmd.action == "start":
        return start(svc, store, cmd, ctx, base)
    if cmd.action == "list":
        found = store.recent(include_resolved=False, limit=LIST_LIMIT)
        found += store.recent(limit=LIST_LIMIT)
        unique = list({i.id: i for i in found}.values())[:LIST_LIMIT]
        return IncidentListAnswer(incidents=unique, **base)
    if not cmd.incident:
        _no_incident_here(store, cmd, ctx)
    incident = store.get(cmd.incident)
    if incident is None:  # file_under checked it; gone since is a race worth naming
        raise NotFound(f"There is no incident `{echo(cmd.incident)}`.")
    if cmd.action == "status":
        return status_answer(svc, incident, base)
    if cmd.action == "note":
        return note(svc, store, incident, cmd.text or "", ctx, base)
    return resolve(svc, store, incident, ctx, base)


def _no_incident_here(store: IncidentStore, cmd: commands.Incident, ctx: RequestContext
                      ) -> NoReturn:
    """Raise the error for a command that names no incident and is typed outside one."""
    if ctx.channel:
        closed = next((i for i in store.recent(limit=LIST_LIMIT) if i.channel == ctx.channel),
                      None)
        if closed is not None:  # the channel's incident is over: say so, not "no incident"
            raise UserInputError(
                f"{closed.id}, this channel's incident, is already resolved (by "
                f"{closed.resolved_by} at {closed.resolved_at:%Y-%m-%d %H:%M} UTC).",
                hint=f"To act on it anyway add `--incident {closed.id}`; "
                "`/kumo incident list` shows the open ones.")
    raise UserInputError(f"`incident {cmd.action}` needs an incident: {_WHERE}.")


def start(svc: Services, store: IncidentStore, cmd: commands.Incident, ctx: RequestContext,
          base: dict[str, Any]) -> IncidentAnswer:
    """Open an incident: in this channel, or (``--channel``) in a channel of its own."""
    if not cmd.channel and ctx.channel:
        here = store.by_channel(ctx.channel)
        if here is not None:
            raise UserInputError(
                f"An open incident already lives in this channel: {here.id}. One channel "
                "holds one open incident.",
                hint="Resolve it first (`/kumo incident resolve`), or start the new one in "
                "a channel of its own: add `--channel`.")
    now = svc.clock.now()
    title = " ".join((cmd.text or "").split())
    incident = store.create(Incident(
        id="", title=title, domains=tuple(dict.fromkeys(cmd.domains)),
        channel=None if cmd.channel else ctx.channel, opened_by=ctx.actor.id, opened_at=now))
    store.add_entry(incident.id, TimelineEntry(
        at=now, kind="opened", actor=ctx.actor.id, quoted=incident.title,
        text="Incident opened" + (f" for {', '.join(incident.domains)}"
                                  if incident.domains else "")))
    _, new, asked, failures = look_for_out_of_band(svc, incident)
    return IncidentAnswer(
        incident=incident, event="started", wants_channel=cmd.channel,
        channel_name=channel_name(incident) if cmd.channel else None,
        out_of_band=new, asked=asked, failures=failures, **base)


def note(svc: Services, store: IncidentStore, incident: Incident, text: str,
         ctx: RequestContext, base: dict[str, Any]) -> IncidentAnswer:
    """Add a responder's note to the timeline."""
    store.add_entry(incident.id, TimelineEntry(
        at=svc.clock.now(), kind="note", actor=ctx.actor.id, text="Note", quoted=text))
    _, new, asked, failures = look_for_out_of_band(svc, incident)
    return IncidentAnswer(incident=incident, event="noted", note=text, out_of_band=new,
                          asked=asked, failures=failures, **base)


def resolve(svc: Services, store: IncidentStore, incident: Incident, ctx: RequestContext,
            base: dict[str, Any]) -> IncidentAnswer:
    """Resolve it (a second resolve is refused, saying who resolved it when)."""
    if incident.status == "resolved":
        when = f"{incident.resolved_at:%Y-%m-%d %H:%M} UTC" if incident.resolved_at else "?"
        raise UserInputError(
            f"{incident.id} is already resolved (by {incident.resolved_by} at {when}).",
            hint="`/kumo incident list` shows the open incidents.")
    _, new, asked, failures = look_for_out_of_band(svc, incident)
    now = svc.clock.now()
    resolved = store.resolve(incident.id, by=ctx.actor.id, at=now)
    if resolved.resolved_at == now and resolved.resolved_by == ctx.actor.id:
        store.add_entry(incident.id, TimelineEntry(
            at=now, kind="resolved", actor=ctx.actor.id, text="Incident resolved"))
    return IncidentAnswer(incident=resolved, event="resolved", out_of_band=new, asked=asked,
                          failures=failures, **base)


def open_incident_channels(store: IncidentStore) -> Callable[[str], list[str]]:
    """The ``IncidentChannels`` hook of TSA notices: the channels of the open incidents
    on a domain."""

    def channels(domain: str) -> list[str]:
        wanted = domain.lower()
        return [i.channel for i in store.recent(include_resolved=False, limit=200)
                if i.channel and wanted in i.domains]

    return channels
