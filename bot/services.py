"""Use cases: one method per question a responder can ask; every call is audited.

One path for every command: text -> ``core.commands.parse`` -> a typed command ->
one use case here -> core values -> an answer model.  The Slack listeners, the
terminal demo and ``kumo-bot ask`` all come through ``Services.handle``.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.core import commands
from bot.core.answers import AnswerBase, ErrorAnswer, HelpAnswer, HelpSection
from bot.core.audit import Actor, AuditEvent, Outcome
from bot.core.commands_write import WriteCommand
from bot.core.errors import BotError, NotFound, UserInputError
from bot.core.guard_file import GuardFile
from bot.core.logscan import ProgressFn
from bot.ports import (
    AuditLog,
    Clock,
    DnsLookup,
    IncidentStore,
    LogReader,
    MetricHistory,
    Park,
    PlaybookRunsLookup,
    RunMessenger,
    SiteResolver,
    TsaDiaryReader,
)
from bot.use_cases import (
    audit_trail,
    diagnose,
    dns_suspects,
    explain,
    guarded,
    incidents,
    inspect,
    logs,
    playbooks,
    postmortem,
    summaries,
    trend,
    who,
)
from bot.use_cases.dns_suspects import BlocklistCache
from bot.use_cases.knowledge import ResponseKnowledge

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RequestContext:
    """Who asked, by which road, and where the answer goes."""

    actor: Actor
    transport: str
    channel: str | None = None
    thread_ts: str | None = None
    # Long scans (the logs) report how far they got; Slack shows it by editing a message.
    progress: ProgressFn | None = None
    # Where a playbook run started or driven by this request is shown (Slack, terminal).
    messenger: RunMessenger | None = None


def help_answer(command: commands.Help, base: dict[str, Any], node_names: Sequence[str]
                ) -> HelpAnswer:
    """Usage of the bot, or of one verb (with the park's nodes when no verb is named)."""
    text = commands.help_text(command.topic)
    sections = [HelpSection(title=s.heading, lines=list(s.lines)) for s in text.sections]
    if command.topic is None:
        sections.append(HelpSection(title="Nodes",
                                    lines=[", ".join(node_names) or "(none configured)"]))
    return HelpAnswer(title=text.title, sections=sections, **base)


def is_help(text: str) -> bool:
    """Whether ``text`` asks for help (which needs no park, storage or audit log)."""
    words = commands.normalise(text).split()
    return bool(words) and words[0].lower() == "help"


def answer_help(text: str, now: datetime) -> AnswerBase:
    """``help [VERB]`` answered with nothing configured (``kumo-bot ask`` without a park):
    the bot's help answer, or its clear error for a bad one; not recorded anywhere."""
    command_text = " ".join(commands.normalise(text).split())
    try:
        command = commands.parse(text)
        if not isinstance(command, commands.Help):
            raise UserInputError(f"`{command.verb}` is not help.")
        answer: AnswerBase = help_answer(command, {"command": command_text,
                                                   "generated_at": now}, ())
    except UserInputError as exc:
        answer = ErrorAnswer(command=text.strip(), generated_at=now,
                             error_type=type(exc).__name__, message=exc.message, hint=exc.hint)
    return answer.model_copy(update={"recorded": False})


@dataclass(frozen=True)
class ServiceConfig:
    """The few settings the use cases need (built from ``Settings`` by bootstrap)."""

    log_dirs: dict[str, tuple[str, ...]]
    log_redact: bool = True
    dnsbl_zones: tuple[str, ...] = ("zen.spamhaus.org", "dbl.spamhaus.org")
    dkim_selectors: dict[str, tuple[str, ...]] = field(default_factory=dict)


class Services:
    """The use cases, wired to their ports by ``bootstrap.build_services``."""

    def __init__(
        self,
        *,
        park: Park,
        resolver: SiteResolver,
        audit: AuditLog,
        clock: Clock,
        config: ServiceConfig,
        logs: LogReader | None = None,
        knowledge: ResponseKnowledge | None = None,
        guard: GuardFile | None = None,
        tsa_diary: TsaDiaryReader | None = None,
        history: MetricHistory | None = None,
        writes: guarded.WriteSetup | None = None,
        dns: DnsLookup | None = None,
        incidents: IncidentStore | None = None,
        playbook_runs: PlaybookRunsLookup | None = None,
        playbooks: playbooks.PlaybookSetup | None = None,
        postmortem: postmortem.PostmortemSetup | None = None,
    ) -> None:
        self.park = park
        self.incidents = incidents  # incidents and their notes (``incident ...``)
        self.playbook_runs = playbook_runs  # playbook runs per incident (``incident status``)
        self.playbooks = playbooks  # the playbooks loaded at start-up and their runs
        if self.playbook_runs is None and playbooks is not None:
            self.playbook_runs = playbooks.runs  # `incident status` lists the runs
        self.postmortem = postmortem  # the post-mortem's renderer and where copies are kept
        self.dns = dns  # DNS for the standing suspects (``blocklists``, ``auth``)
        self.blocklist_cache = BlocklistCache(clock)
        self.writes = writes  # guarded writes: the write port, pending requests, approvers
        self.history = history  # the sampler's metric snapshots (``trend``, ``who``)
        self.tsa_diary = tsa_diary  # the watcher's TSA diary (``tsa history``)
        self.logs = logs
        self.knowledge = knowledge
        self.guard = guard  # the guard file's thresholds (``diagnose`` reads its own section)
        self.resolver = resolver
        self.audit = audit
        self.clock = clock
        self.config = config

    # -- the one entry point -------------------------------------------------------

    def handle(self, text: str, ctx: RequestContext) -> AnswerBase:
        """Parse ``text``, answer it, and record the request in the audit log."""
        correlation_id = uuid.uuid4().hex
        started = time.monotonic()
        parsed: dict[str, Any] = {}
        try:
            command = incidents.file_under(self, commands.parse(text), ctx)
            parsed = commands.command_to_dict(command)
            if isinstance(command, WriteCommand):
                answer: AnswerBase = guarded.request_write(
                    self, command, " ".join(commands.normalise(text).split()), ctx,
                    {"command": " ".join(commands.normalise(text).split()),
                     "generated_at": self.clock.now()})
            elif isinstance(command, commands.Playbook):  # needs who asked and where
                answer = playbooks.playbook_answer(self, command, ctx, {
                    "command": " ".join(commands.normalise(text).split()),
                    "generated_at": self.clock.now()})
            elif isinstance(command, commands.Incident):  # needs who asked and where
                answer = incidents.incident_answer(self, command, ctx, {
                    "command": " ".join(commands.normalise(text).split()),
                    "generated_at": self.clock.now()})
                parsed = incidents.filed(parsed, answer)  # `start` files itself under the new id
            elif isinstance(command, commands.Postmortem):  # no id: the channel's incident
                answer = postmortem.postmortem_answer(self, command, {
                    "command": " ".join(commands.normalise(text).split()),
                    "generated_at": self.clock.now()}, channel=ctx.channel)
            else:
                answer = self._dispatch(
                    command, " ".join(commands.normalise(text).split()), ctx.progress
                )
            outcome: Outcome = "partial" if answer.failures else "ok"
            detail = "; ".join(f"{f.node}: {f.detail}" for f in answer.failures)
        except UserInputError as exc:
            answer = self._error(text, exc, correlation_id)
            outcome, detail = "rejected-input", exc.message
        except BotError as exc:
            answer = self._error(text, exc, correlation_id)
            outcome, detail = "error", exc.message
        except Exception as exc:
            # Record the failure, then let the edge turn it into a message with an id.
            self._record(ctx, text, parsed, "error", f"unexpected {type(exc).__name__}",
                         answer=None, correlation_id=correlation_id, started=started)
            raise
        recorded = self._record(ctx, text, parsed, outcome, detail, answer=answer,
                                correlation_id=correlation_id, started=started)
        return answer.model_copy(update={"recorded": recorded, "correlation_id": correlation_id})

    def _dispatch(
        self, command: commands.Command, command_text: str, progress: ProgressFn | None = None
    ) -> AnswerBase:
        base = {"command": command_text, "generated_at": self.clock.now()}
        self._check_node(getattr(command, "node", None))
        match command:
            case commands.Help():
                return self.help(command, base)
            case commands.Queue():
                return summaries.queue_summary_answer(self, command, base)
            case commands.Providers():
                return summaries.provider_summary_answer(self, command, base)
            case commands.Holds():
                return summaries.holds_answer(self, command, base)
            case commands.Tsa():
                return summaries.tsa_answer(self, command, base)
            case commands.Health():
                return inspect.node_health(self, command, base)
            case commands.Doctor():
                return inspect.doctor(self, command, base)
            case commands.Audit():
                return audit_trail.audit_answer(self, command, base)
            case commands.Log():
                return logs.log_records(self, command, base, progress)
            case commands.Responses():
                return logs.responses_summary(self, command, base, progress)
            case commands.Explain():
                return explain.explain_answer(self, command, base)
            case commands.Diagnose():
                return diagnose.diagnose_answer(self, command, base)
            case commands.Trend():
                return trend.trend_answer(self, command, base)
            case commands.Who():
                return who.who_answer(self, command, base)
            case commands.Blocklists():
                return dns_suspects.blocklists_answer(self, command, base)
            case commands.Auth():
                return dns_suspects.auth_answer(self, command, base)
        raise UserInputError(f"{command.verb} is not available in this version")

    def _check_node(self, node: str | None) -> None:
        if node is not None and node not in self.park.node_names:
            raise NotFound(
                f"There is no node called {node!r}.",
                hint="Known nodes: " + ", ".join(self.park.node_names),
            )

    def _error(self, text: str, exc: BotError, correlation_id: str) -> ErrorAnswer:
        return ErrorAnswer(
            command=text.strip(),
            generated_at=self.clock.now(),
            error_type=type(exc).__name__,
            message=exc.message,
            hint=exc.hint,
            correlation_id=correlation_id,
        )

    def _record(
        self,
        ctx: RequestContext,
        text: str,
        parsed: dict[str, Any],
        outcome: Outcome,
        detail: str,
        *,
        answer: AnswerBase | None,
        correlation_id: str,
        started: float,
    ) -> bool:
        event = AuditEvent(
            at=self.clock.now(),
            actor=ctx.actor,
            transport=ctx.transport,
            channel=ctx.channel,
            thread_ts=ctx.thread_ts,
            command_text=text[:4000],
            parsed=parsed,
            action_class="read",
            phase="command",
            outcome=outcome,
            detail=detail[:2000],
            nodes=list(answer.asked) if answer else [],
            duration_ms=int((time.monotonic() - started) * 1000),
            incident_id=parsed.get("incident"),
            correlation_id=correlation_id,
        )
        try:
            self.audit.append(event)
        except Exception:  # a read still answers; it says it was not recorded
            log.exception("audit append failed (correlation %s)", correlation_id)
            return False
        return True

    # -- help ----------------------------------------------------------------------

    def help(self, command: commands.Help, base: dict[str, Any]) -> HelpAnswer:
        """Usage of the bot, or of one verb."""
        return help_answer(command, base, self.park.node_names)
